//! What a labelled session is and how detections are scored against it, apart from the
//! simulator that makes such sessions: the file readers and the simulator both use it,
//! and it builds without randomness or physiology.
//! - [`labels`]: one labelled milk ejection (DESIGN §3);
//! - [`score`]: matching detections to labels and the figures over sessions (DESIGN §6).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod labels;
pub mod score;

pub use labels::Ejection;
