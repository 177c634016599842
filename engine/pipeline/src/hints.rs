//! The motor-controller side: engine events (and the control hints they carry) through a
//! bounded `crossbeam-channel`.
//!
//! The engine thread only ever calls `try_send`: a full channel (a controller that stopped
//! reading) drops the event and counts it in
//! [`PipelineStats::hints_dropped`](super::PipelineStats::hints_dropped); it never blocks
//! the engine. `try_send` takes no lock and makes no syscall unless the controller is
//! blocked in `recv`, in which case it wakes it (once per event; events are a handful
//! per session, not one per sample). A controller that polls with `try_recv` on its
//! own control tick costs the engine nothing at all.

use letdown_engine::Event;

/// One engine event on its way to the motor controller, with the times that let the
/// receiver measure sample-to-hint latency on the pipeline's clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HintMessage {
    /// The event, with its control hint if it carries one.
    pub event: Event,
    /// When the block holding the sample that caused it arrived, ns.
    pub arrival_ns: u64,
    /// When the engine thread sent it, ns.
    pub sent_ns: u64,
}

/// The motor controller's end of the hint channel (`recv`, `try_recv`,
/// `recv_timeout`, or `select!` with the controller's own channels). It reports
/// disconnection once the engine thread has finished and every message was read.
pub type HintReceiver = crossbeam_channel::Receiver<HintMessage>;
