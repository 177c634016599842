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

/// Why a label cannot describe an ejection of a session (DESIGN §3): the rules every
/// label obeys, however it came (a label file's reader applies them row by row, and
/// labels handed over in memory are checked by the same [`Ejection::fault`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LabelFault {
    /// A time before the session start: its column and value, s.
    NegativeTime {
        /// `onset_s`, `end_s` or `visible_s`.
        field: &'static str,
        /// The time, s.
        t_s: f64,
    },
    /// The end at or before the onset, s.
    EndNotAfterOnset {
        /// The onset, s.
        onset_s: f64,
        /// The end, s.
        end_s: f64,
    },
    /// Visible before its milk flows, s.
    VisibleBeforeOnset {
        /// The onset, s.
        onset_s: f64,
        /// The visible time, s.
        visible_s: f64,
    },
    /// The onset at or before the previous label's: labels come in time order, one per
    /// ejection, s.
    OnsetNotAfterPrevious {
        /// The previous label's onset, s.
        previous_s: f64,
        /// This label's onset, s.
        onset_s: f64,
    },
}

impl Ejection {
    /// What is wrong with this label after `previous` (the label before it, if any);
    /// `None` when nothing is. Times are taken as finite.
    pub fn fault(&self, previous: Option<&Ejection>) -> Option<LabelFault> {
        let times = [
            ("onset_s", Some(self.onset_s)),
            ("end_s", Some(self.end_s)),
            ("visible_s", self.visible_s),
        ];
        for (field, t_s) in times {
            if let Some(t_s) = t_s.filter(|t| *t < 0.0) {
                return Some(LabelFault::NegativeTime { field, t_s });
            }
        }
        let (onset_s, end_s) = (self.onset_s, self.end_s);
        if end_s <= onset_s {
            return Some(LabelFault::EndNotAfterOnset { onset_s, end_s });
        }
        if let Some(visible_s) = self.visible_s.filter(|v| *v < onset_s) {
            return Some(LabelFault::VisibleBeforeOnset { onset_s, visible_s });
        }
        match previous {
            Some(p) if p.onset_s >= onset_s => Some(LabelFault::OnsetNotAfterPrevious {
                previous_s: p.onset_s,
                onset_s,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(onset_s: f64, end_s: f64, visible_s: Option<f64>) -> Ejection {
        Ejection {
            onset_s,
            end_s,
            visible_s,
        }
    }

    #[test]
    fn each_rule_is_its_own_fault() {
        let first = label(10.0, 60.0, Some(12.0));
        assert_eq!(first.fault(None), None);
        assert_eq!(label(70.0, 90.0, None).fault(Some(&first)), None);
        let cases = [
            (
                label(-1.0, 60.0, None),
                LabelFault::NegativeTime {
                    field: "onset_s",
                    t_s: -1.0,
                },
            ),
            (
                label(10.0, 60.0, Some(-0.5)),
                LabelFault::NegativeTime {
                    field: "visible_s",
                    t_s: -0.5,
                },
            ),
            (
                label(20.0, 20.0, None),
                LabelFault::EndNotAfterOnset {
                    onset_s: 20.0,
                    end_s: 20.0,
                },
            ),
            (
                label(20.0, 60.0, Some(19.0)),
                LabelFault::VisibleBeforeOnset {
                    onset_s: 20.0,
                    visible_s: 19.0,
                },
            ),
        ];
        for (l, want) in cases {
            assert_eq!(l.fault(None), Some(want), "{l:?}");
        }
        assert_eq!(
            label(10.0, 50.0, None).fault(Some(&first)),
            Some(LabelFault::OnsetNotAfterPrevious {
                previous_s: 10.0,
                onset_s: 10.0
            })
        );
    }
}
