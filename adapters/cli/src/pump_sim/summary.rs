//! The `summary key=value …` lines pump-sim prints at the end. Percentiles are the
//! scorer's ([`letdown_eval::score::percentile`]: linear between the closest ranks), so
//! "p50" means the same in every tool.

use super::super::link_commands::fixed_or_none;
use super::replies::Received;
use super::sending::Pump;
use letdown_eval::score::percentile;
use letdown_io::pump_link::InjectionCounts;
use letdown_link::Ack;
use std::time::Instant;

/// How the sending went, beside what was sent and received.
pub(super) struct Timing {
    pub(super) started: Instant,
    /// Wall time from the Hello to the last block, s.
    pub(super) sending_s: f64,
    /// Times real time; `None`: unpaced.
    pub(super) speed: Option<f64>,
    /// The stall ended the session (`--after-stall exit`).
    pub(super) stopped_early: bool,
}

/// Prints the summary lines.
pub(super) fn summary(pump: &Pump, timing: &Timing) {
    let r = &pump.from_serve.received;
    for line in [
        sent_line(pump, timing),
        injected_line(&pump.sender.injected()),
        format!(
            "summary received hints={} pauses={} acks={} heartbeats={} frames_dropped={} frames_lost={}",
            r.hints,
            r.pauses.len(),
            r.acks,
            r.heartbeats,
            r.frames_dropped,
            r.frames_lost
        ),
        switch_line(pump),
        round_trip_line(r),
        r.last_ack.map_or("summary serve_ack none".to_string(), |a| serve_ack_line(&a, r)),
    ] {
        pump.log.line(line);
    }
}

fn sent_line(pump: &Pump, timing: &Timing) -> String {
    let (session, sent) = (&pump.session, &pump.sender.counts);
    let session_s = session.next_index as f64 / session.rate;
    let sending_s = timing.sending_s;
    format!(
        "summary sent samples_sent={} blocks_sent={} frames_sent={} stall_samples={} \
         dropout_samples={} session_s={session_s:.3} session_length_s={:.3} stopped_early={} \
         sending_s={sending_s:.3} elapsed_s={:.3} speed={} achieved_speed={:.2}",
        sent.samples,
        sent.blocks,
        sent.frames,
        sent.stall_samples,
        session.dropout_samples,
        session.source.length_samples() as f64 / session.rate,
        timing.stopped_early,
        timing.started.elapsed().as_secs_f64(),
        timing
            .speed
            .map_or("unpaced".to_string(), |x| x.to_string()),
        if sending_s > 0.0 {
            session_s / sending_s
        } else {
            0.0
        },
    )
}

fn injected_line(injected: &InjectionCounts) -> String {
    format!(
        "summary injected garbage={} garbage_bytes={} truncated={} corrupted={} dropped={} \
         samples_lost={} decoder_drops_expected={} frames_lost_expected={}",
        injected.garbage_bursts,
        injected.garbage_bytes,
        injected.truncated,
        injected.corrupted,
        injected.dropped,
        injected.samples_lost,
        injected.decoder_drops(),
        injected.frames_lost()
    )
}

/// The first switch to expression (hint and simulated pump) against the first labelled
/// onset.
fn switch_line(pump: &Pump) -> String {
    let (session, r) = (&pump.session, &pump.from_serve.received);
    let labels = session.source.labels();
    let first_onset = labels.first().map(|e| e.onset_s);
    let first_visible = labels.first().and_then(|e| e.visible_s);
    let letdown_s = r.letdown.map(|(t, _)| t);
    format!(
        "summary switch first_onset_s={} first_visible_s={} letdown_hint_s={} \
         letdown_delay_s={} first_expression_hint_s={} first_expression_reason={} \
         pump_expression_s={} labelled_ejections={} volume_ml={}",
        fixed_or_none(first_onset, 3),
        fixed_or_none(first_visible, 3),
        fixed_or_none(letdown_s, 3),
        fixed_or_none(letdown_s.zip(first_onset).map(|(d, o)| d - o), 3),
        fixed_or_none(r.first_expression.map(|(t, _)| t), 3),
        r.first_expression
            .map_or("none".to_string(), |(_, reason)| reason.to_string()),
        fixed_or_none(session.pump_expression_s, 3),
        labels.len(),
        fixed_or_none(session.source.removed_ml(), 1)
    )
}

fn round_trip_line(r: &Received) -> String {
    let mut rt = r.round_trips_ms.clone();
    rt.sort_by(f64::total_cmp);
    format!(
        "summary round_trip_ms n={} p50={} p90={} max={} letdown={}",
        rt.len(),
        fixed_or_none(percentile(&rt, 50.0), 3),
        fixed_or_none(percentile(&rt, 90.0), 3),
        fixed_or_none(rt.last().copied(), 3),
        fixed_or_none(r.letdown.and_then(|(_, ms)| ms), 3)
    )
}

/// serve's last Ack, and how often the sender waited for its room.
fn serve_ack_line(a: &Ack, r: &Received) -> String {
    format!(
        "summary serve_ack last_seq={} frames_received={} frames_dropped={} \
         samples_missing={} samples_overrun={} samples_discarded={} oversize_bytes={} \
         next_sample_index={} spare_samples={} dropped_by_reason={} room_waits={} \
         room_wait_s={:.3} hellos_again={}",
        a.last_seq,
        a.frames_received,
        a.frames_dropped,
        a.samples_missing,
        a.samples_overrun,
        a.samples_discarded,
        a.oversize_bytes,
        a.next_sample_index,
        a.spare_samples,
        a.dropped_by_reason.map(|n| n.to_string()).join(","),
        r.room_waits,
        r.room_wait_s,
        r.hellos_again
    )
}
