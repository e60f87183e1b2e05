//! Draws a replay: the frame cost over time (per pixel column, the range
//! from the cheapest to the dearest frame), the target and the slow/headroom
//! limits, the profile in force as background bands, and a marker with a
//! label at every transition. SVG is written by hand; PNG through a tiny
//! rasterizer and the `png` crate. Both come from the same drawing code.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::PerformanceProfile;

use super::core::FrameSample;
use super::error::GovernorError;
use super::raster::Raster;
use super::replay::ReplaySummary;
use super::thresholds::Thresholds;

/// Image size in pixels.
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 520;
/// The plot area's margins.
const LEFT: f64 = 70.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 72.0;
const BOTTOM: f64 = 70.0;

/// A colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

const WHITE: Rgb = Rgb(255, 255, 255);
const INK: Rgb = Rgb(30, 30, 30);
const GRID: Rgb = Rgb(215, 215, 215);
const FRAMES: Rgb = Rgb(21, 101, 192);
const TARGET: Rgb = Rgb(80, 80, 80);
const SLOW: Rgb = Rgb(198, 40, 40);
const HEADROOM: Rgb = Rgb(46, 125, 50);
const CHANGE: Rgb = Rgb(106, 27, 154);

fn band(p: PerformanceProfile) -> Rgb {
    match p {
        PerformanceProfile::High => Rgb(217, 240, 217),
        PerformanceProfile::Balanced => Rgb(255, 243, 196),
        PerformanceProfile::Low => Rgb(251, 217, 211),
        PerformanceProfile::Custom => Rgb(230, 230, 230),
    }
}

/// Where a text sits relative to its x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// x is the text's left end.
    Start,
    /// x is its middle.
    Middle,
    /// x is its right end.
    End,
}

/// What the chart is drawn on (y grows downwards; text `y` is the baseline).
pub(crate) trait Canvas {
    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64, c: Rgb);
    fn line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb, dashed: bool);
    fn text(&mut self, x: f64, y: f64, s: &str, c: Rgb, anchor: Anchor);
    fn text_width(&self, s: &str) -> f64;
}

/// The image formats a plot can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    /// Scalable vector graphics, text and all.
    Svg,
    /// A 1200×520 RGB bitmap.
    Png,
}

impl PlotFormat {
    /// The format named by a file's extension (`.svg` or `.png`).
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "svg" => Some(Self::Svg),
            "png" => Some(Self::Png),
            _ => None,
        }
    }
}

/// Draws a replay into `path` (format from the extension).
pub fn write_plot(
    path: &Path,
    title: &str,
    samples: &[FrameSample],
    thresholds: &Thresholds,
    summary: &ReplaySummary,
) -> Result<(), GovernorError> {
    let fail = |message: String| GovernorError::Plot {
        path: path.to_path_buf(),
        message,
    };
    let bytes = match PlotFormat::from_path(path) {
        Some(PlotFormat::Svg) => render_svg(title, samples, thresholds, summary).into_bytes(),
        Some(PlotFormat::Png) => render_png(title, samples, thresholds, summary).map_err(fail)?,
        None => {
            return Err(fail("the plot file must end in .svg or .png".to_string()));
        }
    };
    std::fs::write(path, bytes).map_err(|e| fail(e.to_string()))
}

/// The plot as SVG text.
pub fn render_svg(
    title: &str,
    samples: &[FrameSample],
    thresholds: &Thresholds,
    summary: &ReplaySummary,
) -> String {
    let mut svg = Svg::new(WIDTH, HEIGHT);
    draw(&mut svg, title, samples, thresholds, summary);
    svg.finish()
}

/// The plot as PNG bytes.
pub fn render_png(
    title: &str,
    samples: &[FrameSample],
    thresholds: &Thresholds,
    summary: &ReplaySummary,
) -> Result<Vec<u8>, String> {
    let mut r = Raster::new(WIDTH, HEIGHT, WHITE);
    draw(&mut r, title, samples, thresholds, summary);
    let mut out = Vec::new();
    r.encode_png(&mut out)?;
    Ok(out)
}

/// A round step near `span / n` (1, 2 or 5 times a power of ten).
fn nice_step(span: f64, n: f64) -> f64 {
    let raw = (span / n).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The y axis of a plot: its top (ms) and the step between grid lines. It
/// reaches the dearest frame, however slow (a trace from a software adapter
/// runs far above the target), and always shows the slow limit.
pub fn y_axis(samples: &[FrameSample], th: &Thresholds) -> (f64, f64) {
    let max_cost = samples
        .iter()
        .map(FrameSample::cost_ms)
        .filter(|c| c.is_finite())
        .fold(0.0, f64::max);
    let y_top = max_cost.max(th.slow_limit_ms() * 1.3);
    let y_step = nice_step(y_top, 6.0);
    ((y_top / y_step).ceil() * y_step, y_step)
}

fn draw(
    c: &mut dyn Canvas,
    title: &str,
    samples: &[FrameSample],
    th: &Thresholds,
    summary: &ReplaySummary,
) {
    let (w, h) = (f64::from(WIDTH), f64::from(HEIGHT));
    let (pl, pt) = (LEFT, TOP);
    let (pw, ph) = (w - LEFT - RIGHT, h - TOP - BOTTOM);
    c.fill_rect(0.0, 0.0, w, h, WHITE);

    let x0 = samples
        .first()
        .map_or(0.0, |s| (s.t_ms - s.cost_ms()).max(0.0));
    let x1 = samples.last().map_or(1.0, |s| s.t_ms).max(x0 + 1.0);
    let (y_max, y_step) = y_axis(samples, th);
    let sx = |t: f64| pl + (t - x0) / (x1 - x0) * pw;
    let sy = |v: f64| pt + ph - (v.min(y_max) / y_max) * ph;

    // Profile bands.
    let mut from_t = x0;
    let mut profile = summary.start;
    for t in &summary.transitions {
        c.fill_rect(sx(from_t), pt, sx(t.t_ms) - sx(from_t), ph, band(profile));
        from_t = t.t_ms;
        profile = t.to;
    }
    c.fill_rect(sx(from_t), pt, sx(x1) - sx(from_t), ph, band(profile));

    // Grid and axis labels.
    let mut v = 0.0;
    while v <= y_max + 1e-9 {
        c.line(pl, sy(v), pl + pw, sy(v), GRID, false);
        c.text(pl - 8.0, sy(v) + 6.0, &fmt_num(v), INK, Anchor::End);
        v += y_step;
    }
    let span_s = (x1 - x0) / 1000.0;
    let x_step = nice_step(span_s, 10.0);
    let mut s = (x0 / 1000.0 / x_step).ceil() * x_step;
    while s * 1000.0 <= x1 + 1e-9 {
        let x = sx(s * 1000.0);
        c.line(x, pt + ph, x, pt + ph + 5.0, INK, false);
        c.text(x, pt + ph + 22.0, &fmt_num(s), INK, Anchor::Middle);
        s += x_step;
    }
    c.text(
        pl + pw / 2.0,
        pt + ph + 44.0,
        "time (s)",
        INK,
        Anchor::Middle,
    );
    c.text(pl - 8.0, pt - 10.0, "ms", INK, Anchor::End);

    // Frame cost: per pixel column, the cheapest to the dearest frame.
    let columns = pw.max(1.0) as usize;
    let mut lo = vec![f64::INFINITY; columns];
    let mut hi = vec![f64::NEG_INFINITY; columns];
    let mut prev: Option<(usize, f64)> = None;
    for smp in samples {
        let col = (((smp.t_ms - x0) / (x1 - x0)) * columns as f64) as usize;
        let col = col.min(columns - 1);
        let cost = smp.cost_ms();
        lo[col] = lo[col].min(cost);
        hi[col] = hi[col].max(cost);
        // Join a column to the previous frame so a jump reads as one line.
        if let Some((pc, pcost)) = prev
            && pc != col
        {
            lo[col] = lo[col].min(pcost);
            hi[col] = hi[col].max(pcost);
        }
        prev = Some((col, cost));
    }
    for (i, (&a, &b)) in lo.iter().zip(&hi).enumerate() {
        if a.is_finite() {
            let x = pl + i as f64 + 0.5;
            c.line(x, sy(a), x, sy(b), FRAMES, false);
        }
    }

    // Target and limits, labelled at the right end.
    let limits = [
        (
            th.slow_limit_ms(),
            SLOW,
            true,
            format!("slow > {:.2} ms", th.slow_limit_ms()),
        ),
        (
            th.target_frame_ms,
            TARGET,
            false,
            format!("target {:.2} ms", th.target_frame_ms),
        ),
        (
            th.headroom_limit_ms(),
            HEADROOM,
            true,
            format!("headroom < {:.2} ms", th.headroom_limit_ms()),
        ),
    ];
    for (v, color, dashed, _) in &limits {
        c.line(pl, sy(*v), pl + pw, sy(*v), *color, *dashed);
    }
    // Labels on a white box, after all lines, so the frames never hide them.
    for (v, color, _, label) in &limits {
        let lw = c.text_width(label);
        c.fill_rect(pl + pw - 10.0 - lw, sy(*v) - 19.0, lw + 8.0, 17.0, WHITE);
        c.text(pl + pw - 6.0, sy(*v) - 5.0, label, *color, Anchor::End);
    }

    // Transitions: a marker and a label, on alternating rows so neighbours do not collide.
    for (i, t) in summary.transitions.iter().enumerate() {
        let x = sx(t.t_ms);
        c.line(x, pt - 6.0, x, pt + ph, CHANGE, false);
        let label = format!("{}→{} {:.1}s", t.from, t.to, t.t_ms / 1000.0);
        let half = c.text_width(&label) / 2.0;
        let lx = x.clamp(half + 2.0, w - half - 2.0);
        let ly = if i % 2 == 0 { pt - 28.0 } else { pt - 10.0 };
        c.text(lx, ly, &label, CHANGE, Anchor::Middle);
    }

    // Frame of the plot area.
    for (a, b, cc, d) in [
        (pl, pt, pl + pw, pt),
        (pl, pt + ph, pl + pw, pt + ph),
        (pl, pt, pl, pt + ph),
        (pl + pw, pt, pl + pw, pt + ph),
    ] {
        c.line(a, b, cc, d, INK, false);
    }

    // Title and legend.
    let heading = format!(
        "{title}: {} frames, {} transitions, {} -> {}",
        summary.frames,
        summary.transitions.len(),
        summary.start,
        summary.final_profile
    );
    c.text(pl, 26.0, &heading, INK, Anchor::Start);
    let mut lx = pl;
    let ly = h - 8.0;
    for p in [
        PerformanceProfile::High,
        PerformanceProfile::Balanced,
        PerformanceProfile::Low,
    ] {
        c.fill_rect(lx, ly - 13.0, 14.0, 14.0, band(p));
        c.text(lx + 20.0, ly, p.name(), INK, Anchor::Start);
        lx += 34.0 + c.text_width(p.name());
    }
    c.line(lx, ly - 6.0, lx + 16.0, ly - 6.0, FRAMES, false);
    c.text(lx + 22.0, ly, "frame cost max(cpu,gpu)", INK, Anchor::Start);
}

/// An SVG document being written. Consecutive lines of one style are
/// merged into one path to keep the file small.
struct Svg {
    out: String,
    path: String,
    path_style: Option<(Rgb, bool)>,
}

impl Svg {
    fn new(w: u32, h: u32) -> Self {
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="monospace" font-size="13">"#
        );
        Self {
            out,
            path: String::new(),
            path_style: None,
        }
    }

    fn flush_path(&mut self) {
        if let Some((c, dashed)) = self.path_style.take() {
            let dash = if dashed {
                r#" stroke-dasharray="6 4""#
            } else {
                ""
            };
            let _ = writeln!(
                self.out,
                r#"<path d="{}" stroke="{}" stroke-width="1" fill="none"{dash}/>"#,
                self.path.trim_end(),
                hex(c)
            );
            self.path.clear();
        }
    }

    fn finish(mut self) -> String {
        self.flush_path();
        self.out.push_str("</svg>\n");
        self.out
    }
}

fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Canvas for Svg {
    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64, c: Rgb) {
        self.flush_path();
        let _ = writeln!(
            self.out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"/>"#,
            w.max(0.0),
            h.max(0.0),
            hex(c)
        );
    }

    fn line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb, dashed: bool) {
        if self.path_style != Some((c, dashed)) {
            self.flush_path();
            self.path_style = Some((c, dashed));
        }
        // A zero-length segment would not show: make it one pixel tall.
        let y1 = if (y1 - y0).abs() < 0.5 && (x1 - x0).abs() < 0.5 {
            y0 - 1.0
        } else {
            y1
        };
        let _ = write!(self.path, "M{x0:.1} {y0:.1}L{x1:.1} {y1:.1} ");
    }

    fn text(&mut self, x: f64, y: f64, s: &str, c: Rgb, anchor: Anchor) {
        self.flush_path();
        let a = match anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let _ = writeln!(
            self.out,
            r#"<text x="{x:.1}" y="{y:.1}" fill="{}" text-anchor="{a}">{}</text>"#,
            hex(c),
            escape(s)
        );
    }

    fn text_width(&self, s: &str) -> f64 {
        // Monospace at 13 px: about 0.6 em per character.
        s.chars().count() as f64 * 7.8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(60.0, 10.0), 10.0);
        assert_eq!(nice_step(30.0, 6.0), 5.0);
        assert_eq!(nice_step(7.0, 6.0), 2.0);
        assert_eq!(
            PlotFormat::from_path(Path::new("a.PNG")),
            Some(PlotFormat::Png)
        );
        assert_eq!(PlotFormat::from_path(Path::new("a.jpg")), None);
    }
}
