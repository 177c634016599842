//! The summary picture of `letdown evaluate --plots`: the first-letdown delay of every
//! session (detection − labelled onset, s), one strip per detector, grouped by profile,
//! with each strip's median (thick bar), 95th percentile (thin bar) and how many first
//! letdowns it found.

use super::metrics::SessionResult;
use super::open_loop::Detector;
use crate::plot::canvas::{Chart, Figure, FONT};
use letdown_datasets::score::{percentile, WINDOW_AFTER_S, WINDOW_BEFORE_S};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;

/// Picture size, px.
pub const SIZE: (u32, u32) = (1400, 760);

const COLORS: [RGBColor; 3] = [
    RGBColor(10, 60, 170),
    RGBColor(20, 140, 60),
    RGBColor(200, 110, 20),
];

/// One profile's strips.
struct Group {
    profile: String,
    /// Per detector: the delays of the detected first letdowns, s, ascending.
    delays: [Vec<f64>; 3],
    /// Sessions with a labelled letdown.
    letdown_sessions: usize,
}

/// Profiles in reading order; others follow alphabetically.
const PROFILE_ORDER: [&str; 4] = ["relaxed", "typical", "stressed", "unknown"];

fn groups(results: &[SessionResult]) -> Vec<Group> {
    let mut names: Vec<&str> = results.iter().map(|r| r.info.profile.as_str()).collect();
    names.sort_by_key(|p| {
        (
            PROFILE_ORDER
                .iter()
                .position(|o| o == p)
                .unwrap_or(PROFILE_ORDER.len()),
            *p,
        )
    });
    names.dedup();
    names
        .into_iter()
        .filter_map(|profile| {
            let members: Vec<&SessionResult> = results
                .iter()
                .filter(|r| r.info.profile == profile)
                .collect();
            let letdown_sessions = members.iter().filter(|r| r.info.labels > 0).count();
            if letdown_sessions == 0 {
                return None;
            }
            let delays = std::array::from_fn(|i| {
                let mut d: Vec<f64> = members
                    .iter()
                    .filter_map(|r| r.scores[i].first.and_then(|f| f.delay_s()))
                    .collect();
                d.sort_by(f64::total_cmp);
                d
            });
            Some(Group {
                profile: profile.to_owned(),
                delays,
                letdown_sessions,
            })
        })
        .collect()
}

/// A deterministic spread in −0.5 … 0.5 for the `i`-th point (golden-ratio sequence).
fn jitter(i: usize) -> f64 {
    (i as f64 * 0.618_033_988_749_895).fract() - 0.5
}

/// The summary picture (see the module docs).
pub struct SummaryFigure<'a> {
    /// The evaluated sessions.
    pub results: &'a [SessionResult],
}

impl Figure for SummaryFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let groups = groups(self.results);
        let (head, body) = root.split_vertically(62);
        head.draw(&Text::new(
            "First-letdown delay per profile: engine vs baselines",
            (14, 8),
            (FONT, 22).into_font().style(FontStyle::Bold),
        ))?;
        head.draw(&Text::new(
            format!(
                "detection − labelled onset, s; a detection counts within −{WINDOW_BEFORE_S} … \
                 +{WINDOW_AFTER_S} s of the onset; one dot per session whose first letdown \
                 was found; thick bar median, thin bar 95th percentile; n found / sessions \
                 with a letdown below each strip"
            ),
            (14, 36),
            (FONT, 14),
        ))?;
        let slots = (groups.len().max(1) * 4) as f64;
        let y = (-WINDOW_BEFORE_S - 2.5, WINDOW_AFTER_S + 2.5);
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .y_label_area_size(64)
            .x_label_area_size(10)
            .build_cartesian_2d(0.0..slots, y.0..y.1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("first-letdown delay (s)")
            .axis_desc_style((FONT, 15))
            .label_style((FONT, 13))
            .draw()?;
        // The matching window's edges.
        for edge in [-WINDOW_BEFORE_S, 0.0, WINDOW_AFTER_S] {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(0.0, edge), (slots, edge)],
                5,
                5,
                BLACK.mix(0.35).stroke_width(1),
            )))?;
        }
        for (g, group) in groups.iter().enumerate() {
            draw_group(&mut chart, g, group, y)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .margin(24)
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        Ok(())
    }
}

/// Group `g`'s strip: its title, and per detector the delays as dots, the median and 95th
/// percentile as bars, and how many sessions were found; `y`: the delay axis, s.
fn draw_group<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    g: usize,
    group: &Group,
    y: (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let base = g as f64 * 4.0;
    if g > 0 {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(base, y.0), (base, y.1)],
            BLACK.mix(0.25).stroke_width(1),
        )))?;
    }
    chart.draw_series(std::iter::once(Text::new(
        format!(
            "{} ({} with a letdown)",
            group.profile, group.letdown_sessions
        ),
        (base + 0.2, y.1 - 0.4),
        (FONT, 15).into_font().style(FontStyle::Bold),
    )))?;
    for (k, delays) in group.delays.iter().enumerate() {
        let x = base + 1.0 + k as f64;
        let color = COLORS[k];
        let series =
            chart.draw_series(delays.iter().enumerate().map(|(i, d)| {
                Circle::new((x + 0.55 * jitter(i), *d), 3, color.mix(0.7).filled())
            }))?;
        if g == 0 {
            let name = Detector::ALL[k].label();
            series
                .label(name)
                .legend(move |(px, py)| Circle::new((px + 8, py), 5, color.filled()));
        }
        if let Some(m) = percentile(delays, 50.0) {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x - 0.38, m), (x + 0.38, m)],
                BLACK.stroke_width(3),
            )))?;
        }
        if let Some(p) = percentile(delays, 95.0) {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x - 0.2, p), (x + 0.2, p)],
                BLACK.stroke_width(1),
            )))?;
        }
        chart.draw_series(std::iter::once(Text::new(
            format!("{}/{}", delays.len(), group.letdown_sessions),
            (x - 0.3, y.0 + 1.6),
            (FONT, 13),
        )))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_half_a_unit() {
        assert!((0..1000).map(jitter).all(|j| (-0.5..0.5).contains(&j)));
    }
}
