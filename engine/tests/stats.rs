//! `EngineStats: AddAssign` sums every counter: a sum of two stats whose fields all
//! differ, so a skipped or crossed field shows as a wrong value.

use letdown_engine::EngineStats;

fn distinct(base: u64) -> EngineStats {
    EngineStats {
        samples: base + 1,
        pressure_faults: base + 2,
        flow_faults: base + 3,
        over_vacuum_samples: base + 4,
        missing_samples: base + 5,
        artefact_cycles: base + 6,
        cycles: base + 7,
        events_dropped: base + 8,
    }
}

#[test]
fn every_counter_is_summed_into_its_own_field() {
    let mut total = distinct(100);
    total += distinct(1000);
    assert_eq!(
        total,
        EngineStats {
            samples: 1102,
            pressure_faults: 1104,
            flow_faults: 1106,
            over_vacuum_samples: 1108,
            missing_samples: 1110,
            artefact_cycles: 1112,
            cycles: 1114,
            events_dropped: 1116,
        }
    );
}

#[test]
fn the_default_adds_nothing_and_sums_saturate() {
    let mut total = EngineStats::default();
    total += distinct(0);
    assert_eq!(total, distinct(0));
    let mut high = distinct(u64::MAX - 8);
    high += distinct(u64::MAX - 8);
    let max = u64::MAX;
    assert_eq!(
        high,
        EngineStats {
            samples: max,
            pressure_faults: max,
            flow_faults: max,
            over_vacuum_samples: max,
            missing_samples: max,
            artefact_cycles: max,
            cycles: max,
            events_dropped: max,
        }
    );
}
