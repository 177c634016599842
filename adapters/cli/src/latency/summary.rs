//! Figures over rounds: each percentile's median across rounds, with its spread (the
//! smallest and largest round). On a shared machine a single round's tail says more
//! about the host than about the code; the median of rounds interleaved with the
//! baseline, next to its spread, is what can be compared.

use letdown_datasets::score::percentile;
use letdown_pipeline::Percentiles;
use serde::Serialize;

/// One figure over rounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// Median of the rounds' values (the scorer's [`percentile`] 50: the mean of the two
    /// middle ones for an even count).
    pub median: f64,
    /// Smallest round.
    pub min: f64,
    /// Largest round.
    pub max: f64,
}

impl Spread {
    /// Of these per-round values; `None` when there are none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        Some(Self {
            median: percentile(&v, 50.0)?,
            min: *v.first()?,
            max: *v.last()?,
        })
    }
}

/// Percentiles over rounds, µs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Values per round (median over rounds).
    pub count: Spread,
    /// Median.
    pub p50: Spread,
    /// 99th percentile.
    pub p99: Spread,
    /// 99.9th percentile.
    pub p999: Spread,
    /// 99.99th percentile.
    pub p9999: Spread,
    /// Largest value.
    pub max: Spread,
}

impl Summary {
    /// Of per-round percentiles (ns); rounds that recorded nothing are left out (`None`
    /// when all are empty).
    pub fn of<'a>(rounds: impl IntoIterator<Item = &'a Percentiles>) -> Option<Self> {
        let rounds: Vec<&Percentiles> = rounds.into_iter().filter(|p| p.count > 0).collect();
        let us = |f: fn(&Percentiles) -> u64| Spread::of(rounds.iter().map(|p| f(p) as f64 / 1e3));
        Some(Self {
            count: Spread::of(rounds.iter().map(|p| p.count as f64))?,
            p50: us(|p| p.p50_ns)?,
            p99: us(|p| p.p99_ns)?,
            p999: us(|p| p.p999_ns)?,
            p9999: us(|p| p.p9999_ns)?,
            max: us(|p| p.max_ns)?,
        })
    }

    /// The five percentiles in the order p50, p99, p99.9, p99.99, max.
    pub fn values(&self) -> [Spread; 5] {
        [self.p50, self.p99, self.p999, self.p9999, self.max]
    }

    /// The medians, as `--json` writes them.
    pub fn medians(&self) -> PercentilesUs {
        let [p50, p99, p999, p9999, max] = self.values().map(|s| s.median);
        PercentilesUs {
            p50,
            p99,
            p999,
            p9999,
            max,
        }
    }

    /// The spreads, as `--json` writes them.
    pub fn spreads(&self) -> SpreadsUs {
        let [p50, p99, p999, p9999, max] = self.values().map(|s| [s.min, s.max]);
        SpreadsUs {
            p50,
            p99,
            p999,
            p9999,
            max,
        }
    }
}

/// `{p50, p99, p999, p9999, max}` in µs: each the median over rounds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PercentilesUs {
    /// Median, µs.
    pub p50: f64,
    /// 99th percentile, µs.
    pub p99: f64,
    /// 99.9th percentile, µs.
    pub p999: f64,
    /// 99.99th percentile, µs.
    pub p9999: f64,
    /// Largest value, µs.
    pub max: f64,
}

/// `{p50: [min, max], …}` in µs: the smallest and largest round of each percentile.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SpreadsUs {
    /// Median's spread, µs.
    pub p50: [f64; 2],
    /// 99th percentile's spread, µs.
    pub p99: [f64; 2],
    /// 99.9th percentile's spread, µs.
    pub p999: [f64; 2],
    /// 99.99th percentile's spread, µs.
    pub p9999: [f64; 2],
    /// Largest value's spread, µs.
    pub max: [f64; 2],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_spread_of_odd_and_even_counts() {
        let s = Spread::of([5.0, 1.0, 3.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 5.0));
        let s = Spread::of([4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 4.0));
        assert_eq!(Spread::of([]), None);
    }

    #[test]
    fn empty_rounds_are_left_out_and_values_are_in_microseconds() {
        let round = |p50_ns| Percentiles {
            count: 10,
            p50_ns,
            p99_ns: 2 * p50_ns,
            p999_ns: 3 * p50_ns,
            p9999_ns: 4 * p50_ns,
            max_ns: 5 * p50_ns,
        };
        let rounds = [round(1000), Percentiles::default(), round(3000)];
        let s = Summary::of(&rounds).unwrap();
        assert_eq!(s.p50.median, 2.0);
        assert_eq!(s.max.max, 15.0);
        assert_eq!(s.count.median, 10.0);
        assert_eq!(Summary::of(&[Percentiles::default()]), None);
    }
}
