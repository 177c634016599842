//! Closed-loop runs: the simulated pump follows one strategy's hints for a whole session
//! (DESIGN §6: volume, time to 90 % of volume, mis-phase seconds).

use letdown_datasets::baselines::{FlowThreshold, TimerBaseline};
use letdown_datasets::{run_closed_loop, EngineStrategy, ExpressionOnly, Outcome, SessionSpec};
use letdown_engine::EngineConfig;

/// The strategies a simulated pump follows, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoopStrategy {
    /// The letdown engine's hints.
    Engine,
    /// Today's pumps: stimulation, expression from 120 s on.
    Timer,
    /// Expression from the first second (no stimulation phase).
    ExpressionOnly,
    /// A flow-sensing pump: expression from the flow-threshold baseline's first onset.
    FlowThreshold,
}

impl LoopStrategy {
    /// All of them, in report order.
    pub const ALL: [LoopStrategy; 4] = [
        LoopStrategy::Engine,
        LoopStrategy::Timer,
        LoopStrategy::ExpressionOnly,
        LoopStrategy::FlowThreshold,
    ];

    /// The key in `--json` output.
    pub fn key(self) -> &'static str {
        match self {
            LoopStrategy::Engine => "engine",
            LoopStrategy::Timer => "timer",
            LoopStrategy::ExpressionOnly => "expression_only",
            LoopStrategy::FlowThreshold => "flow_threshold",
        }
    }

    /// The name in tables.
    pub fn label(self) -> &'static str {
        match self {
            LoopStrategy::Engine => "engine",
            LoopStrategy::Timer => "timer 120 s",
            LoopStrategy::ExpressionOnly => "expression-only",
            LoopStrategy::FlowThreshold => "flow-threshold",
        }
    }

    /// Runs `spec` with the pump following this strategy (the spec's program is
    /// replaced). The error says why the spec or the strategy was refused.
    pub fn run(self, spec: SessionSpec) -> Result<Outcome, String> {
        let outcome = match self {
            LoopStrategy::Engine => {
                let config = EngineConfig::new(spec.rate_hz as f32);
                let mut s = EngineStrategy::from_config(&config).map_err(|e| e.to_string())?;
                run_closed_loop(spec, &mut s)
            }
            LoopStrategy::Timer => run_closed_loop(spec, &mut TimerBaseline::new(spec.rate_hz)),
            LoopStrategy::ExpressionOnly => run_closed_loop(spec, &mut ExpressionOnly::default()),
            LoopStrategy::FlowThreshold => {
                let mut s = FlowThreshold::new(spec.rate_hz).map_err(|e| e.to_string())?;
                run_closed_loop(spec, &mut s)
            }
        };
        outcome.map_err(|e| e.to_string())
    }
}
