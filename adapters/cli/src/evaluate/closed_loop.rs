//! Closed-loop runs: the simulated pump follows one strategy's hints for a whole session
//! (DESIGN §6: volume, time to 90 % of volume, mis-phase seconds).
//!
//! What detection buys is reported apart from what cues buy (DESIGN §6): a cue's effect
//! on the reflex is a simulator assumption ([`CueEffect`]), so the engine also runs with
//! that effect set to 0 (its cues then change nothing), and the timer pump also runs with
//! the cue a simple app would send (a relaxation prompt at 90 s). Engine without cue
//! effect vs timer is detection alone; each strategy with its cues vs without is cueing.

use letdown_datasets::baselines::{CuedTimer, FlowThreshold, TimerBaseline};
use letdown_datasets::{
    run_closed_loop, CueEffect, EngineStrategy, ExpressionOnly, Outcome, SessionSpec,
};
use letdown_engine::EngineConfig;

/// The strategies a simulated pump follows, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoopStrategy {
    /// The letdown engine's hints, its cues acting as the simulator assumes.
    Engine,
    /// The engine's hints with the cue effect set to 0: what detection alone buys.
    EngineNoCueEffect,
    /// Today's pumps: stimulation, expression from 120 s on.
    Timer,
    /// The timer pump with a relaxation prompt at 90 s (acting as the simulator assumes).
    TimerRelaxPrompt,
    /// Expression from the first second (no stimulation phase).
    ExpressionOnly,
    /// A flow-sensing pump: expression from the flow-threshold baseline's first onset.
    FlowThreshold,
}

/// How many strategies there are.
pub const STRATEGIES: usize = LoopStrategy::ALL.len();

impl LoopStrategy {
    /// All of them, in report order.
    pub const ALL: [LoopStrategy; 6] = [
        LoopStrategy::Engine,
        LoopStrategy::EngineNoCueEffect,
        LoopStrategy::Timer,
        LoopStrategy::TimerRelaxPrompt,
        LoopStrategy::ExpressionOnly,
        LoopStrategy::FlowThreshold,
    ];

    /// The key in `--json` output.
    pub fn key(self) -> &'static str {
        match self {
            LoopStrategy::Engine => "engine",
            LoopStrategy::EngineNoCueEffect => "engine_no_cue_effect",
            LoopStrategy::Timer => "timer",
            LoopStrategy::TimerRelaxPrompt => "timer_relax_prompt",
            LoopStrategy::ExpressionOnly => "expression_only",
            LoopStrategy::FlowThreshold => "flow_threshold",
        }
    }

    /// The name in tables.
    pub fn label(self) -> &'static str {
        match self {
            LoopStrategy::Engine => "engine",
            LoopStrategy::EngineNoCueEffect => "engine, cue effect 0",
            LoopStrategy::Timer => "timer 120 s",
            LoopStrategy::TimerRelaxPrompt => "timer + relax at 90 s",
            LoopStrategy::ExpressionOnly => "expression-only",
            LoopStrategy::FlowThreshold => "flow-threshold",
        }
    }

    /// Runs `spec` with the pump following this strategy (the spec's program is
    /// replaced; the engine without cue effect also its cue effect). The error says why
    /// the spec or the strategy was refused.
    pub fn run(self, spec: SessionSpec) -> Result<Outcome, String> {
        let engine = |spec: SessionSpec| {
            let config = EngineConfig::new(spec.rate_hz as f32);
            let mut s = EngineStrategy::from_config(&config).map_err(|e| e.to_string())?;
            run_closed_loop(spec, &mut s).map_err(|e| e.to_string())
        };
        let outcome = match self {
            LoopStrategy::Engine => return engine(spec),
            LoopStrategy::EngineNoCueEffect => {
                return engine(spec.with_cue_effect(CueEffect::NONE))
            }
            LoopStrategy::Timer => run_closed_loop(spec, &mut TimerBaseline::new(spec.rate_hz)),
            LoopStrategy::TimerRelaxPrompt => {
                run_closed_loop(spec, &mut CuedTimer::new(spec.rate_hz))
            }
            LoopStrategy::ExpressionOnly => run_closed_loop(spec, &mut ExpressionOnly::default()),
            LoopStrategy::FlowThreshold => {
                let mut s = FlowThreshold::new(spec.rate_hz).map_err(|e| e.to_string())?;
                run_closed_loop(spec, &mut s)
            }
        };
        outcome.map_err(|e| e.to_string())
    }
}
