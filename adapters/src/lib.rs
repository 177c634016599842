//! letdown-adapters: I/O at the edges of the engine — session files and the `letdown`
//! command-line tool.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
