//! A small set of named kinds ([`FaultKind`](crate::FaultKind)s,
//! [`Phenomenon`](crate::Phenomenon)s) that parses from and displays as a comma-separated
//! list: `nan,stuck`, `all`, `none` (or the empty string).

use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::str::FromStr;

/// A kind that can be a member of a [`KindSet`]: a fieldless enum with at most 32
/// variants, each with a name.
pub trait SetKind: Copy + Eq + 'static {
    /// Every kind, in display order.
    const KINDS: &'static [Self];
    /// What one kind is called in messages ("fault", "phenomenon").
    const WHAT: &'static str;
    /// The name parsed and displayed.
    fn name(self) -> &'static str;
    /// Its bit in a set (`0 … 31`, distinct per kind).
    fn bit_index(self) -> u32;
}

/// Implements [`SetKind`], `Display` (the name) and `FromStr` (by name, error
/// [`ParseKindError`]) for a fieldless enum with an inherent `ALL` array and `name`.
macro_rules! set_kind {
    ($kind:ty, $what:literal) => {
        impl $crate::kind_set::SetKind for $kind {
            const KINDS: &'static [Self] = &<$kind>::ALL;
            const WHAT: &'static str = $what;
            fn name(self) -> &'static str {
                <$kind>::name(self)
            }
            fn bit_index(self) -> u32 {
                self as u32
            }
        }

        impl core::fmt::Display for $kind {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl core::str::FromStr for $kind {
            type Err = $crate::kind_set::ParseKindError<$kind>;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::kind_set::parse_kind(s)
            }
        }
    };
}
pub(crate) use set_kind;

/// A set of kinds `K`. Parses from a comma-separated list of names, `all`, `none` or the
/// empty string (case and spaces ignored); displays as the names in `K::KINDS` order
/// joined by commas, or `none` when empty.
pub struct KindSet<K> {
    bits: u32,
    kind: PhantomData<K>,
}

impl<K: SetKind> KindSet<K> {
    /// The empty set.
    pub const NONE: Self = Self {
        bits: 0,
        kind: PhantomData,
    };

    /// Every kind.
    pub fn all() -> Self {
        K::KINDS.iter().copied().collect()
    }

    /// This set with `kind` added.
    pub fn with(mut self, kind: K) -> Self {
        self.bits |= 1 << kind.bit_index();
        self
    }

    /// This set without `kind`.
    pub fn without(mut self, kind: K) -> Self {
        self.bits &= !(1 << kind.bit_index());
        self
    }

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: K) -> bool {
        self.bits & (1 << kind.bit_index()) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// The kinds in the set, in `K::KINDS` order.
    pub fn iter(self) -> impl Iterator<Item = K> {
        K::KINDS.iter().copied().filter(move |k| self.contains(*k))
    }
}

// Written out rather than derived: a derive would require `K` itself to be `Clone`,
// `Default`… for no reason (the set holds only bits).
impl<K> Clone for KindSet<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for KindSet<K> {}
impl<K> PartialEq for KindSet<K> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}
impl<K> Eq for KindSet<K> {}
impl<K> Hash for KindSet<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}
impl<K> Default for KindSet<K> {
    /// The empty set.
    fn default() -> Self {
        Self {
            bits: 0,
            kind: PhantomData,
        }
    }
}
impl<K: SetKind> fmt::Debug for KindSet<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KindSet({self})")
    }
}

impl<K: SetKind> FromIterator<K> for KindSet<K> {
    fn from_iter<I: IntoIterator<Item = K>>(iter: I) -> Self {
        iter.into_iter().fold(Self::NONE, Self::with)
    }
}

impl<K: SetKind> fmt::Display for KindSet<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<&str> = self.iter().map(K::name).collect();
        f.write_str(&names.join(","))
    }
}

/// A name that is none of `K::KINDS`' names.
pub struct ParseKindError<K> {
    /// The name as given.
    pub name: String,
    kind: PhantomData<K>,
}

impl<K> ParseKindError<K> {
    /// The error for `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            kind: PhantomData,
        }
    }
}

impl<K> Clone for ParseKindError<K> {
    fn clone(&self) -> Self {
        Self::new(&self.name)
    }
}
impl<K> PartialEq for ParseKindError<K> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl<K> Eq for ParseKindError<K> {}
impl<K: SetKind> fmt::Debug for ParseKindError<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ParseKindError({} {:?})", K::WHAT, self.name)
    }
}

impl<K: SetKind> fmt::Display for ParseKindError<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = K::KINDS.iter().map(|k| k.name()).collect();
        write!(
            f,
            "unknown {} '{}': expected one of {} (comma-separated), all, or none",
            K::WHAT,
            self.name,
            names.join(", ")
        )
    }
}

impl<K: SetKind> std::error::Error for ParseKindError<K> {}

/// Parses one kind by name (case and surrounding spaces ignored).
pub fn parse_kind<K: SetKind>(s: &str) -> Result<K, ParseKindError<K>> {
    let t = s.trim().to_ascii_lowercase();
    K::KINDS
        .iter()
        .copied()
        .find(|k| k.name() == t)
        .ok_or_else(|| ParseKindError::new(s))
}

impl<K: SetKind> FromStr for KindSet<K> {
    type Err = ParseKindError<K>;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("none") {
            return Ok(Self::NONE);
        }
        if t.eq_ignore_ascii_case("all") {
            return Ok(Self::all());
        }
        t.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(parse_kind)
            .collect()
    }
}
