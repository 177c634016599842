//! The `summary key=value …` lines pump-sim prints at the end.

use super::super::link::{opt, Log};
use super::replies::Downlink;
use super::session::Session;
use super::SentCounts;
use letdown_adapters::pump_link::InjectionCounts;
use std::time::Instant;

pub(super) fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(i).copied()
}

#[allow(clippy::too_many_arguments)]
pub(super) fn summary(
    log: &Log,
    session: &Session,
    state: &Downlink,
    sent: &SentCounts,
    injected: &InjectionCounts,
    started: Instant,
    sending_s: f64,
    speed: Option<f64>,
    stopped_early: bool,
) {
    let r = &state.received;
    let session_s = session.next_index as f64 / session.rate;
    log.line(format_args!(
        "summary sent samples_sent={} blocks_sent={} frames_sent={} stall_samples={} \
         dropout_samples={} session_s={session_s:.3} session_length_s={:.3} stopped_early={stopped_early} \
         sending_s={sending_s:.3} elapsed_s={:.3} speed={} achieved_speed={:.2}",
        sent.samples,
        sent.blocks,
        sent.frames,
        sent.stall_samples,
        session.dropout_samples,
        session.source.length_samples() as f64 / session.rate,
        started.elapsed().as_secs_f64(),
        speed.map_or("unpaced".to_string(), |x| x.to_string()),
        if sending_s > 0.0 { session_s / sending_s } else { 0.0 },
    ));
    log.line(format_args!(
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
    ));
    log.line(format_args!(
        "summary received hints={} pauses={} acks={} heartbeats={} frames_dropped={} frames_lost={}",
        r.hints,
        r.pauses.len(),
        r.acks,
        r.heartbeats,
        r.frames_dropped,
        r.frames_lost
    ));
    let labels = session.source.labels();
    let first_onset = labels.first().map(|e| e.onset_s);
    let first_visible = labels.first().and_then(|e| e.visible_s);
    let letdown_s = r.letdown.map(|(t, _)| t);
    log.line(format_args!(
        "summary switch first_onset_s={} first_visible_s={} letdown_hint_s={} \
         letdown_delay_s={} first_expression_hint_s={} first_expression_reason={} \
         pump_expression_s={} labelled_ejections={} volume_ml={}",
        opt(first_onset, 3),
        opt(first_visible, 3),
        opt(letdown_s, 3),
        opt(letdown_s.zip(first_onset).map(|(d, o)| d - o), 3),
        opt(r.first_expression.map(|(t, _)| t), 3),
        r.first_expression
            .map_or("none".to_string(), |(_, reason)| reason.to_string()),
        opt(session.pump_expression_s, 3),
        labels.len(),
        opt(session.source.removed_ml(), 1)
    ));
    let mut rt = r.round_trips_ms.clone();
    rt.sort_by(f64::total_cmp);
    log.line(format_args!(
        "summary round_trip_ms n={} p50={} p90={} max={} letdown={}",
        rt.len(),
        opt(percentile(&rt, 0.5), 3),
        opt(percentile(&rt, 0.9), 3),
        opt(rt.last().copied(), 3),
        opt(r.letdown.and_then(|(_, ms)| ms), 3)
    ));
    match r.last_ack {
        Some(a) => log.line(format_args!(
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
        )),
        None => log.line("summary serve_ack none"),
    }
}
