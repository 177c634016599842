//! The replay loop lives in the library ([`letdown_io::session_run`]), so that tests
//! score folders through the very loop `letdown replay` uses; the command's modules name
//! it from here.

pub use letdown_io::session_run::{replay_session, Outcome, Replay, ReplayObserver};
