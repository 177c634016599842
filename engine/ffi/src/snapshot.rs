//! What the engine currently sees, for C telemetry: the mirror of the Rust `Snapshot`
//! (`ld_snapshot_get`). Each conversion names every Rust field (no `..`), so a field
//! added to the engine's snapshot fails to compile here until C gets it too.

use crate::types::ld_mode;
use letdown_engine::{BlockFeatures, Cycle, Snapshot, SpectralFeatures};

/// The latest pump cycle (valid when `ld_snapshot.has_cycle`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ld_cycle {
    /// Length in samples of the engine's internal (decimated) rate, 100 … 200 Hz.
    pub len: u32,
    /// Cycle rate, cycles/min (0 when not pumping).
    pub rate_cpm: f32,
    /// Deepest low-passed pressure in the cycle, mmHg (negative = vacuum).
    pub depth_mmhg: f32,
    /// Highest low-passed pressure in the cycle, mmHg.
    pub release_mmhg: f32,
    /// A complete pump cycle of plausible length and amplitude (false: a stopped pump, a
    /// partial cycle after a gap, or one too shallow to be pumping).
    pub pumping: bool,
}

/// Flow features of the latest analysis block, a pump cycle or an idle second (valid when
/// `ld_snapshot.has_block`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ld_block_features {
    /// Mean of the accepted flow samples, mL/min (NaN when none was accepted).
    pub mean_flow_ml_min: f32,
    /// Milk volume through the sensor in this block, mL (accepted mean × duration).
    pub volume_ml: f32,
    /// Amplitude of the flow's component at the block's own frequency, mL/min.
    pub pulsation_ml_min: f32,
    /// Highest accepted flow sample, mL/min.
    pub peak_flow_ml_min: f32,
    /// Lowest accepted flow sample, mL/min.
    pub min_flow_ml_min: f32,
    /// Fraction of samples rejected as artefact, 0 … 1.
    pub rejected_fraction: f32,
}

/// The latest windowed spectra of pressure and flow (NaN until the first window filled).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ld_spectral {
    /// Strongest pressure frequency in the pump band, cycles/min.
    pub pressure_rate_cpm: f32,
    /// Pressure amplitude at that frequency, mmHg.
    pub pressure_amplitude_mmhg: f32,
    /// Flow amplitude at the pump fundamental, mL/min.
    pub flow_pulsation_ml_min: f32,
    /// Energy of the flow's 2nd and 3rd harmonics relative to its fundamental.
    pub flow_harmonic_ratio: f32,
}

/// What the engine currently sees, for telemetry and plots.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ld_snapshot {
    /// Mode the engine asks for (`LD_MODE_PAUSE` while a safety pause is in force).
    pub mode: ld_mode,
    /// Whether `last_cycle` holds a cycle (none before the first).
    pub has_cycle: bool,
    /// Whether `last_block` holds a block (none before the first).
    pub has_block: bool,
    /// Whether an ejection is in progress.
    pub in_ejection: bool,
    /// The latest pump cycle; zeros when `has_cycle` is false.
    pub last_cycle: ld_cycle,
    /// The latest block's flow features; zeros when `has_block` is false.
    pub last_block: ld_block_features,
    /// Latest cycle-mean flow (median of three cycles, artefacts rejected), mL/min.
    pub flow_ml_min: f32,
    /// Zero/baseline flow the detector compares against, mL/min.
    pub baseline_ml_min: f32,
    /// Cycle-to-cycle flow noise, mL/min.
    pub sigma_ml_min: f32,
    /// The change detector's (CUSUM) statistic, standardized.
    pub cusum_statistic: f32,
    /// The threshold that statistic must reach for an onset, standardized.
    pub cusum_threshold: f32,
    /// Milk volume measured through the sensor so far, mL.
    pub volume_ml: f32,
    /// Latest windowed spectra of pressure and flow.
    pub spectral: ld_spectral,
}

impl From<Cycle> for ld_cycle {
    fn from(c: Cycle) -> Self {
        let Cycle {
            len,
            rate_cpm,
            depth_mmhg,
            release_mmhg,
            pumping,
        } = c;
        ld_cycle {
            len,
            rate_cpm,
            depth_mmhg,
            release_mmhg,
            pumping,
        }
    }
}

impl From<BlockFeatures> for ld_block_features {
    fn from(b: BlockFeatures) -> Self {
        let BlockFeatures {
            mean_flow_ml_min,
            volume_ml,
            pulsation_ml_min,
            peak_flow_ml_min,
            min_flow_ml_min,
            rejected_fraction,
            // The pulsation's phase feeds the detector; the snapshot carries its amplitude.
            pulsation_phasor: _,
        } = b;
        ld_block_features {
            mean_flow_ml_min,
            volume_ml,
            pulsation_ml_min,
            peak_flow_ml_min,
            min_flow_ml_min,
            rejected_fraction,
        }
    }
}

impl From<SpectralFeatures> for ld_spectral {
    fn from(s: SpectralFeatures) -> Self {
        let SpectralFeatures {
            pressure_rate_cpm,
            pressure_amplitude_mmhg,
            flow_pulsation_ml_min,
            flow_harmonic_ratio,
        } = s;
        ld_spectral {
            pressure_rate_cpm,
            pressure_amplitude_mmhg,
            flow_pulsation_ml_min,
            flow_harmonic_ratio,
        }
    }
}

impl From<Snapshot> for ld_snapshot {
    fn from(s: Snapshot) -> Self {
        let Snapshot {
            mode,
            last_cycle,
            last_block,
            flow_ml_min,
            baseline_ml_min,
            sigma_ml_min,
            cusum: (cusum_statistic, cusum_threshold),
            in_ejection,
            volume_ml,
            spectral,
        } = s;
        ld_snapshot {
            mode: mode.into(),
            has_cycle: last_cycle.is_some(),
            has_block: last_block.is_some(),
            in_ejection,
            last_cycle: last_cycle.map(ld_cycle::from).unwrap_or_default(),
            last_block: last_block.map(ld_block_features::from).unwrap_or_default(),
            flow_ml_min,
            baseline_ml_min,
            sigma_ml_min,
            cusum_statistic,
            cusum_threshold,
            volume_ml,
            spectral: spectral.into(),
        }
    }
}
