//! Ground truth for one session: the labelled milk ejections (DESIGN §3).

/// One labelled milk ejection. Times in seconds since session start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ejection {
    /// When this ejection's milk begins to flow at the breast, s.
    pub onset_s: f64,
    /// When its flow has decayed to 10 % of its peak, s.
    pub end_s: f64,
    /// When its own cycle-averaged flow at the flow sensor (after the transport delay)
    /// first reaches 1 mL/min: the physical limit before which no detector can see it.
    /// Written by the simulator; `None` for labels that do not carry it.
    pub visible_s: Option<f64>,
}
