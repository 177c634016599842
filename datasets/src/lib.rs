//! letdown-datasets: the physiological pumping-session simulator, the bundled labelled
//! sessions, and scoring of detections against labels (DESIGN §6).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod labels;
pub mod score;
