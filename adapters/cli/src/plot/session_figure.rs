//! The picture of one session: what the engine saw and did, over time.
//!
//! From top to bottom: the title; a band with the phase the engine asked for
//! (stimulation, expression, pause) and each hint annotated; pressure (mmHg); flow
//! (mL/min) with the engine's cycle-mean flow and its zero-flow baseline. Labelled
//! ejections are shaded from onset to end on both panels (a dashed line where their flow
//! became visible at the sensor); the engine's onsets are red lines, its ends dashed
//! purple; the flow-threshold baseline's onsets are green triangles.
//!
//! Readings are drawn as their lowest-to-highest envelope per pixel column, so a whole
//! session shows the pump cycles' depth and a zoom (`--from/--to`) the waveform itself.

use super::canvas::{Chart, Figure, FONT};
use super::trace::{Bucket, Span, Trace};
use letdown_datasets::labels::Ejection;
use letdown_datasets::score::percentile;
use letdown_engine::{Event, EventKind, Mode};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;

/// Default picture size, px.
pub const SIZE: (u32, u32) = (1600, 900);

/// Width of the y label area, px: the same in every panel so their time axes align.
const Y_LABEL_PX: u32 = 78;
/// Right margin of every panel, px.
const RIGHT_PX: u32 = 24;
/// Left margin of every panel, px: room for the rotated axis title, which plotters
/// draws at the very edge of the label area (without it the glyphs are cut).
const LEFT_PX: u32 = 14;

const SHADE: RGBColor = RGBColor(255, 160, 40);
const ONSET: RGBColor = RGBColor(210, 30, 30);
const END: RGBColor = RGBColor(120, 40, 160);
const THRESHOLD: RGBColor = RGBColor(20, 140, 60);
const RAW: RGBColor = RGBColor(120, 150, 190);
const PRESSURE: RGBColor = RGBColor(60, 60, 70);
const ENGINE_FLOW: RGBColor = RGBColor(10, 50, 140);
const STIMULATION: RGBColor = RGBColor(150, 190, 240);
const EXPRESSION: RGBColor = RGBColor(140, 210, 150);
const PAUSE: RGBColor = RGBColor(200, 200, 200);

/// One pixel column of readings.
#[derive(Clone, Copy, Debug)]
struct Column {
    t_s: f64,
    pressure: Span,
    flow: Span,
    engine_flow: f32,
    baseline: f32,
}

/// The buckets in `[from, to]` merged into at most `columns` columns.
fn columns(buckets: &[Bucket], from_s: f64, to_s: f64, columns: usize) -> Vec<Column> {
    let shown: Vec<&Bucket> = buckets
        .iter()
        .filter(|b| b.t_s >= from_s && b.t_s <= to_s)
        .collect();
    let per = shown.len().div_ceil(columns.max(1)).max(1);
    shown
        .chunks(per)
        .filter_map(|chunk| {
            let first = chunk.first()?;
            let last = chunk.last()?;
            Some(Column {
                t_s: first.t_s,
                pressure: chunk
                    .iter()
                    .fold(Span::EMPTY, |s, b| s.merge(b.pressure_mmhg)),
                flow: chunk
                    .iter()
                    .fold(Span::EMPTY, |s, b| s.merge(b.flow_ml_min)),
                engine_flow: last.engine_flow_ml_min,
                baseline: last.engine_baseline_ml_min,
            })
        })
        .collect()
}

/// The envelope of `pick` as polylines zig-zagging between each column's lowest and
/// highest value (a column without readings breaks the line); values clamped to `y`.
fn envelope(cols: &[Column], pick: fn(&Column) -> Span, y: (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let mut lines = Vec::new();
    let mut line = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        let s = pick(c);
        if s.is_empty() {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            continue;
        }
        let lo = f64::from(s.min).clamp(y.0, y.1);
        let hi = f64::from(s.max).clamp(y.0, y.1);
        let (a, b) = if i % 2 == 0 { (lo, hi) } else { (hi, lo) };
        line.push((c.t_s, a));
        line.push((c.t_s, b));
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The `lo_pct` and `hi_pct` percentiles of the finite `values` (the scorer's
/// [`percentile`]).
fn robust_range(mut values: Vec<f64>, lo_pct: f64, hi_pct: f64) -> Option<(f64, f64)> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    Some((percentile(&values, lo_pct)?, percentile(&values, hi_pct)?))
}

/// Pads a range by `frac` of its width on both sides (at least 1 unit wide).
fn padded((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
    let w = (hi - lo).max(1.0);
    (lo - frac * w, hi + frac * w)
}

/// The phase the engine asked for, as `(from_s, to_s, mode)` intervals over `[0, end_s]`:
/// stimulation at the start, then each hint's mode from its sample on.
fn phases(events: &[Event], rate_hz: f64, end_s: f64) -> Vec<(f64, f64, Mode)> {
    let mut out = Vec::new();
    let mut since = 0.0;
    let mut mode = Mode::Stimulation;
    for e in events {
        let Some(h) = e.hint else { continue };
        let t = e.sample_index as f64 / rate_hz;
        if h.mode != mode {
            out.push((since, t, mode));
            since = t;
            mode = h.mode;
        }
    }
    out.push((since, end_s, mode));
    out
}

/// A few words for a hint: `expression: letdown detected`, `cue: relax`.
fn hint_text(e: &Event) -> Option<String> {
    let h = e.hint?;
    if let Some(cue) = h.cue {
        return Some(format!("cue: {cue}"));
    }
    // The reason's own name, in words: no second table of reasons to keep in step.
    let why = h.reason.name().replace('_', " ");
    Some(format!("{}: {why}", h.mode))
}

fn mode_color(mode: Mode) -> RGBColor {
    match mode {
        Mode::Stimulation => STIMULATION,
        Mode::Expression => EXPRESSION,
        Mode::Pause => PAUSE,
    }
}

/// The picture of one session (see the module docs).
pub struct SessionFigure<'a> {
    /// What to draw.
    pub trace: &'a Trace,
}

impl SessionFigure<'_> {
    fn onset_times(&self, kind: EventKind) -> Vec<f64> {
        let t = self.trace;
        t.events
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.sample_index as f64 / t.rate_hz)
            .filter(|s| (t.from_s..=t.to_s).contains(s))
            .collect()
    }
}

impl Figure for SessionFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let t = self.trace;
        let (from, to) = (t.from_s, t.to_s.max(t.from_s + t.bucket_s));
        root.fill(&WHITE)?;
        let (width, height) = root.dim_in_pixel();
        let (head, body) = root.split_vertically(58);
        head.draw(&Text::new(
            t.name.clone(),
            (14, 8),
            (FONT, 22).into_font().style(FontStyle::Bold),
        ))?;
        head.draw(&Text::new(
            format!("{}; shown {from:.1} … {to:.1} s", t.subtitle),
            (14, 34),
            (FONT, 15),
        ))?;
        let (band, panels) = body.split_vertically(84);
        let panels_h = height.saturating_sub(58 + 84);
        let (top, bottom) = panels.split_vertically(panels_h * 2 / 5);
        let plot_px = width.saturating_sub(Y_LABEL_PX + RIGHT_PX).max(50) as usize;
        let view = View {
            from,
            to,
            plot_px,
            cols: columns(&t.buckets, from, to, plot_px),
            onsets: self.onset_times(EventKind::Onset),
            ends: self.onset_times(EventKind::End),
            labels: t
                .labels
                .iter()
                .filter(|l| l.end_s >= from && l.onset_s <= to)
                .collect(),
        };
        self.draw_band(&band, &view)?;
        self.draw_pressure(&top, &view)?;
        self.draw_flow(&bottom, &view)
    }
}

/// The part of the session shown, and what is drawn of it.
struct View<'a> {
    /// Shown span, s.
    from: f64,
    to: f64,
    /// Width of the plotting area, pixels (one column each).
    plot_px: usize,
    cols: Vec<Column>,
    /// Engine onsets and ends in the span, s.
    onsets: Vec<f64>,
    ends: Vec<f64>,
    labels: Vec<&'a Ejection>,
}

impl SessionFigure<'_> {
    /// The phase band: what the engine asks for, and its hints.
    fn draw_band<DB: DrawingBackend>(
        &self,
        band: &DrawingArea<DB, Shift>,
        view: &View,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let mut chart = band_chart(band, view)?;
        self.draw_phases(&mut chart, view)?;
        draw_hints(&mut chart, &self.hints_shown(view))
    }

    /// The phases the engine asked for, as bars in the band's lower part, each named
    /// where it is more than 90 px wide.
    fn draw_phases<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        view: &View,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        for (a, b, mode) in phases(
            &self.trace.events,
            self.trace.rate_hz,
            self.trace.duration_s,
        ) {
            let (a, b) = (a.max(view.from), b.min(view.to));
            if b <= a {
                continue;
            }
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a, 0.0), (b, 0.42)],
                mode_color(mode).filled(),
            )))?;
            let px_per_s = view.plot_px as f64 / (view.to - view.from);
            if (b - a) * px_per_s > 90.0 {
                chart.draw_series(std::iter::once(Text::new(
                    mode.to_string(),
                    (a + 6.0 / px_per_s, 0.33),
                    (FONT, 14),
                )))?;
            }
        }
        Ok(())
    }

    /// The hints in the shown span: each one's time, s, and its few words.
    fn hints_shown(&self, view: &View) -> Vec<(f64, String)> {
        self.trace
            .events
            .iter()
            .filter_map(|e| Some((e.sample_index as f64 / self.trace.rate_hz, hint_text(e)?)))
            .filter(|(s, _)| (view.from..=view.to).contains(s))
            .collect()
    }

    /// The pressure panel.
    fn draw_pressure<DB: DrawingBackend>(
        &self,
        top: &DrawingArea<DB, Shift>,
        view: &View,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let p_range = robust_range(
            view.cols
                .iter()
                .filter(|c| !c.pressure.is_empty())
                .flat_map(|c| [f64::from(c.pressure.min), f64::from(c.pressure.max)])
                .collect(),
            0.0,
            100.0,
        )
        .map_or((-200.0, 10.0), |r| padded(r, 0.05));
        let mut chart = panel(top, view, p_range, "pressure (mmHg)", false)?;
        for line in envelope(&view.cols, |c| c.pressure, p_range) {
            chart.draw_series(LineSeries::new(line, PRESSURE.stroke_width(1)))?;
        }

        Ok(())
    }

    /// The flow panel: readings, the engine's flow and baseline, the baseline detector's
    /// onsets, and the legend.
    fn draw_flow<DB: DrawingBackend>(
        &self,
        bottom: &DrawingArea<DB, Shift>,
        view: &View,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let f_range = flow_range(&view.cols);
        let mut chart = panel(bottom, view, f_range, "flow (mL/min)", true)?;
        self.draw_flow_series(&mut chart, view, f_range)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        Ok(())
    }

    /// The flow readings' envelope, the engine's flow and baseline, and the baseline
    /// detector's onsets, each with its legend entry.
    fn draw_flow_series<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        view: &View,
        f_range: (f64, f64),
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        draw_flow_envelope(chart, &view.cols, f_range)?;
        draw_engine_flow(chart, &view.cols, f_range)?;
        self.draw_threshold_onsets(chart, view, f_range)
    }

    /// The flow-threshold baseline's onsets in the shown span, as triangles 6 % up the
    /// flow range `f_range` (mL/min); their legend entry only if there are any.
    fn draw_threshold_onsets<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        view: &View,
        f_range: (f64, f64),
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let threshold: Vec<(f64, f64)> = self
            .trace
            .threshold_onsets_s
            .iter()
            .filter(|s| (view.from..=view.to).contains(*s))
            .map(|s| (*s, f_range.0 + 0.06 * (f_range.1 - f_range.0)))
            .collect();
        if !threshold.is_empty() {
            chart
                .draw_series(
                    threshold
                        .into_iter()
                        .map(|p| TriangleMarker::new(p, 7, THRESHOLD.filled())),
                )?
                .label("flow-threshold onset")
                .legend(|(x, y)| TriangleMarker::new((x + 11, y), 6, THRESHOLD.filled()));
        }
        Ok(())
    }
}

/// The phase band's chart: the shown span against 0 … 1 (phase bars up to 0.42, hint
/// ticks up to 0.5, their words above), with no axis but its title.
fn band_chart<'a, DB: DrawingBackend>(
    band: &'a DrawingArea<DB, Shift>,
    view: &View,
) -> Result<Chart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(band)
        .margin_right(RIGHT_PX)
        .margin_left(LEFT_PX)
        .margin_top(4)
        .y_label_area_size(Y_LABEL_PX)
        .build_cartesian_2d(view.from..view.to, 0.0..1.0)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(0)
        .y_desc("engine asks")
        .axis_desc_style((FONT, 14))
        .draw()?;
    Ok(chart)
}

/// A tick in the band for each hint of `hinted` (time s, words), and the words of the
/// first 40, on two alternating lines so that neighbours overlap less.
fn draw_hints<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    hinted: &[(f64, String)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for (i, (s, text)) in hinted.iter().enumerate() {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(*s, 0.0), (*s, 0.5)],
            BLACK.stroke_width(1),
        )))?;
        // At most 40 annotations; the ticks above still show every hint.
        if i < 40 {
            let y = if i % 2 == 0 { 0.97 } else { 0.74 };
            chart.draw_series(std::iter::once(Text::new(
                text.clone(),
                (*s, y),
                (FONT, 13),
            )))?;
        }
    }
    Ok(())
}

/// The flow readings' envelope, mL/min within `f_range`; the first of its polylines
/// carries the legend entry.
fn draw_flow_envelope<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    cols: &[Column],
    f_range: (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut first = true;
    for line in envelope(cols, |c| c.flow, f_range) {
        let series = chart.draw_series(LineSeries::new(line, RAW.stroke_width(1)))?;
        if first {
            series
                .label("flow reading")
                .legend(legend_line(RAW.stroke_width(3)));
            first = false;
        }
    }
    Ok(())
}

/// The engine's zero-flow baseline (faint) and cycle-mean flow (bold), mL/min clamped to
/// `f_range`, each with its legend entry; columns without a finite value are skipped.
fn draw_engine_flow<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    cols: &[Column],
    f_range: (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let baseline = ENGINE_FLOW.mix(0.5).stroke_width(1);
    draw_engine_line(
        chart,
        cols,
        f_range,
        |c| c.baseline,
        baseline,
        "engine baseline",
    )?;
    let flow = ENGINE_FLOW.stroke_width(2);
    draw_engine_line(
        chart,
        cols,
        f_range,
        |c| c.engine_flow,
        flow,
        "engine cycle-mean flow",
    )
}

/// One of the engine's flow lines: `value` of each column where it is finite, mL/min
/// clamped to `f_range`, drawn in `style` with its legend entry `label`.
fn draw_engine_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    cols: &[Column],
    f_range: (f64, f64),
    value: fn(&Column) -> f32,
    style: ShapeStyle,
    label: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let clamp = |v: f32| f64::from(v).clamp(f_range.0, f_range.1);
    chart
        .draw_series(LineSeries::new(
            cols.iter()
                .filter(|c| value(c).is_finite())
                .map(|c| (c.t_s, clamp(value(c)))),
            style,
        ))?
        .label(label)
        .legend(legend_line(style));
    Ok(())
}

/// A legend entry's mark for a line drawn in `style`: a 22 px stroke.
fn legend_line(style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style)
}

/// The flow panel's y range, mL/min: the readings' 0.5–99.5 % range and the engine's
/// flow, kept within −20 … 250 and padded by 5 %.
fn flow_range(cols: &[Column]) -> (f64, f64) {
    let raw = robust_range(
        cols.iter()
            .filter(|c| !c.flow.is_empty())
            .flat_map(|c| [f64::from(c.flow.min), f64::from(c.flow.max)])
            .collect(),
        0.5,
        99.5,
    )
    .unwrap_or((0.0, 10.0));
    let engine_max = cols
        .iter()
        .map(|c| f64::from(c.engine_flow))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    padded(
        (
            raw.0.clamp(-20.0, -1.0),
            raw.1.max(engine_max).clamp(10.0, 250.0),
        ),
        0.05,
    )
}

/// A panel of the span against `y` (`y_desc` its unit), with the labelled ejections and
/// the engine's marks; the `bottom` panel carries the time axis and the marks' legend.
fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    view: &View,
    y: (f64, f64),
    y_desc: &str,
    bottom: bool,
) -> Result<Chart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_right(RIGHT_PX)
        .margin_left(LEFT_PX)
        .y_label_area_size(Y_LABEL_PX)
        .x_label_area_size(if bottom { 44 } else { 0 });
    if bottom {
        builder.margin_bottom(6);
    }
    let mut chart = builder.build_cartesian_2d(view.from..view.to, y.0..y.1)?;
    let mut mesh = chart.configure_mesh();
    if bottom {
        mesh.x_desc("time since session start (s)");
    }
    mesh.y_desc(y_desc)
        .axis_desc_style((FONT, 14))
        .label_style((FONT, 13))
        .light_line_style(WHITE)
        .draw()?;
    draw_marks(
        &mut chart,
        &view.labels,
        &view.onsets,
        &view.ends,
        y,
        bottom,
    )?;
    Ok(chart)
}

/// Labelled ejections (shaded, with their visible time dashed), engine onsets and ends,
/// on a panel whose y range is `y`; `legend` adds their legend entries.
fn draw_marks<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    labels: &[&Ejection],
    onsets: &[f64],
    ends: &[f64],
    y: (f64, f64),
    legend: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let x = chart.x_range();
    let clip = |s: f64| s.clamp(x.start, x.end);
    if !labels.is_empty() {
        let series = chart.draw_series(labels.iter().map(|l| {
            Rectangle::new(
                [(clip(l.onset_s), y.0), (clip(l.end_s), y.1)],
                SHADE.mix(0.22).filled(),
            )
        }))?;
        if legend {
            series.label("labelled ejection").legend(|(x, y)| {
                Rectangle::new([(x, y - 6), (x + 22, y + 6)], SHADE.mix(0.35).filled())
            });
        }
        for v in labels.iter().filter_map(|l| l.visible_s) {
            if x.contains(&v) {
                chart.draw_series(std::iter::once(DashedPathElement::new(
                    vec![(v, y.0), (v, y.1)],
                    4,
                    4,
                    SHADE.stroke_width(1),
                )))?;
            }
        }
    }
    if !onsets.is_empty() {
        let series = chart.draw_series(
            onsets
                .iter()
                .map(|s| PathElement::new(vec![(*s, y.0), (*s, y.1)], ONSET.stroke_width(2))),
        )?;
        if legend {
            series
                .label("engine onset")
                .legend(legend_line(ONSET.stroke_width(2)));
        }
    }
    if !ends.is_empty() {
        let series = chart.draw_series(ends.iter().map(|s| {
            DashedPathElement::new(vec![(*s, y.0), (*s, y.1)], 6, 4, END.stroke_width(2))
        }))?;
        if legend {
            series
                .label("engine end")
                .legend(legend_line(END.stroke_width(2)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use letdown_engine::{ControlHint, Reason};

    fn hint_event(index: u64, mode: Mode) -> Event {
        Event {
            sample_index: index,
            kind: EventKind::Hint,
            reason: Reason::FallbackTimer,
            confidence: 1.0,
            hint: Some(ControlHint {
                sample_index: index,
                mode,
                target_vacuum_mmhg: -180.0,
                rate_cpm: 60.0,
                ramp_cycles: 2,
                reason: Reason::FallbackTimer,
                confidence: 1.0,
                cue: None,
            }),
        }
    }

    #[test]
    fn phases_follow_the_hints_from_stimulation() {
        let events = [
            hint_event(1200, Mode::Expression),
            hint_event(1500, Mode::Expression),
            hint_event(3000, Mode::Pause),
        ];
        assert_eq!(
            phases(&events, 10.0, 600.0),
            [
                (0.0, 120.0, Mode::Stimulation),
                (120.0, 300.0, Mode::Expression),
                (300.0, 600.0, Mode::Pause)
            ]
        );
        assert_eq!(
            hint_text(&events[0]).as_deref(),
            Some("expression: fallback timer")
        );
    }

    #[test]
    fn columns_merge_buckets_and_envelopes_break_at_gaps() {
        let bucket = |t_s: f64, v: f32| Bucket {
            t_s,
            pressure_mmhg: Span { min: -v, max: v },
            flow_ml_min: if v > 2.0 {
                Span::EMPTY
            } else {
                Span { min: 0.0, max: v }
            },
            engine_flow_ml_min: v,
            engine_baseline_ml_min: 0.0,
        };
        let buckets: Vec<Bucket> = (0..10).map(|i| bucket(i as f64, i as f32 * 0.5)).collect();
        let cols = columns(&buckets, 0.0, 9.0, 5);
        assert_eq!(cols.len(), 5);
        assert_eq!(
            cols[1].pressure,
            Span {
                min: -1.5,
                max: 1.5
            }
        );
        let lines = envelope(&cols, |c| c.flow, (-10.0, 10.0));
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].len(), 6);
        // Clamped to the y range.
        let lines = envelope(&cols, |c| c.pressure, (-1.0, 1.0));
        assert!(lines[0].iter().all(|(_, y)| (-1.0..=1.0).contains(y)));
    }
}
