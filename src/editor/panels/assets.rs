//! The Assets panel: the AssetActor's latest `AssetStats` (queue, fetches in
//! flight, decodes, rates, decode times, cache, texture memory against its
//! budget, failures by kind) and a plot of bytes/s and queue length over the
//! last minute.

use egui::{Color32, ProgressBar, RichText, Ui};
use egui_plot::{Line, Plot, PlotPoint};

use crate::assets::{AssetStats, FailureKind};

/// Seconds of history the plots show.
pub const ASSET_HISTORY_S: f64 = 60.0;

/// Seconds between two history samples (taken on the UI clock: the actor
/// publishes only when something changed).
pub const ASSET_SAMPLE_S: f64 = 0.5;

/// Samples the ring holds: [`ASSET_HISTORY_S`] at one per [`ASSET_SAMPLE_S`],
/// both ends included.
pub const ASSET_HISTORY_POINTS: usize = (ASSET_HISTORY_S / ASSET_SAMPLE_S) as usize + 1;

/// The plots' height, points.
const PLOT_HEIGHT: f32 = 130.0;

const MIB: f64 = 1024.0 * 1024.0;

/// One history sample.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    /// When (seconds on the UI clock).
    t: f64,
    bytes_per_s: f64,
    queued: f64,
}

/// The Assets panel's own state: a fixed ring of samples and the two plot
/// buffers refilled from it (both allocated once, never grown).
#[derive(Debug)]
pub struct AssetsPanel {
    ring: Box<[Sample; ASSET_HISTORY_POINTS]>,
    /// Index of the oldest sample.
    head: usize,
    /// Samples held (up to [`ASSET_HISTORY_POINTS`]).
    len: usize,
    /// The plots' points (x: seconds before now), refilled each drawn frame.
    bytes_points: Vec<PlotPoint>,
    queue_points: Vec<PlotPoint>,
}

impl Default for AssetsPanel {
    fn default() -> Self {
        Self::new()
    }
}

impl AssetsPanel {
    /// An empty history.
    pub fn new() -> Self {
        AssetsPanel {
            ring: Box::new([Sample::default(); ASSET_HISTORY_POINTS]),
            head: 0,
            len: 0,
            bytes_points: Vec::with_capacity(ASSET_HISTORY_POINTS),
            queue_points: Vec::with_capacity(ASSET_HISTORY_POINTS),
        }
    }

    /// Samples held for the plots (never more than [`ASSET_HISTORY_POINTS`]).
    pub fn history_len(&self) -> usize {
        self.len
    }

    /// The plot buffers' capacities (fixed: they never grow).
    pub fn plot_capacity(&self) -> (usize, usize) {
        (self.bytes_points.capacity(), self.queue_points.capacity())
    }

    /// Folds `stats` into the history at `now_s` (seconds on any steady
    /// clock): one sample per [`ASSET_SAMPLE_S`] at most, the oldest
    /// overwritten once the ring is full. The panel calls it when drawn.
    pub fn observe(&mut self, now_s: f64, stats: &AssetStats) {
        if self.len > 0 {
            let last = self.ring[(self.head + self.len - 1) % ASSET_HISTORY_POINTS];
            // A clock that went back (another context) starts over.
            if now_s < last.t {
                self.len = 0;
            } else if now_s - last.t < ASSET_SAMPLE_S {
                return;
            }
        }
        if self.len == 0 {
            // The minute before the panel first looked reads as zero: the
            // plots then always draw the same number of points, so an open
            // panel's per-frame cost does not creep up as the history fills.
            self.head = 0;
            for i in 0..ASSET_HISTORY_POINTS - 1 {
                self.ring[i] = Sample {
                    t: now_s - ASSET_SAMPLE_S * (ASSET_HISTORY_POINTS - 1 - i) as f64,
                    ..Sample::default()
                };
            }
            self.len = ASSET_HISTORY_POINTS - 1;
        }
        let sample = Sample {
            t: now_s,
            bytes_per_s: stats.bytes_per_s,
            queued: stats.queued as f64,
        };
        if self.len == ASSET_HISTORY_POINTS {
            self.ring[self.head] = sample;
            self.head = (self.head + 1) % ASSET_HISTORY_POINTS;
        } else {
            self.ring[(self.head + self.len) % ASSET_HISTORY_POINTS] = sample;
            self.len += 1;
        }
    }

    /// Draws the figures of `s` (borrowed from the published snapshot) and
    /// the plots.
    pub fn ui(&mut self, ui: &mut Ui, s: &AssetStats) {
        let now = ui.input(|i| i.time);
        self.observe(now, s);
        // The figures and the failures side by side: the plots stay within
        // the tabbed window's first screen at 1280×960.
        ui.horizontal_top(|ui| {
            egui::Grid::new("assets_grid")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| figures(ui, s));
            // (A separator here would stretch the row to the whole height.)
            ui.add_space(24.0);
            ui.vertical(|ui| failures(ui, s));
        });
        ui.add_space(6.0);
        self.plots(ui, now);
    }

    /// Bytes/s and queue length over the last minute (x: seconds before now).
    fn plots(&mut self, ui: &mut Ui, now: f64) {
        let unit = self.fill_points(now);
        let (bytes, queue) = (&self.bytes_points[..], &self.queue_points[..]);
        ui.columns(2, |cols| {
            cols[0].label(format!("fetched {unit}/s"));
            history_plot(&mut cols[0], "assets_bytes", unit, bytes);
            cols[1].label("queue length");
            history_plot(&mut cols[1], "assets_queue", "queued", queue);
        });
    }
}

impl AssetsPanel {
    /// Refills the plot buffers from the ring (within their capacity): the
    /// samples of the last [`ASSET_HISTORY_S`], x in seconds before `now`,
    /// bytes/s in the unit that suits the highest rate shown (returned).
    fn fill_points(&mut self, now: f64) -> &'static str {
        self.bytes_points.clear();
        self.queue_points.clear();
        let shown = |p: &Sample| p.t - now >= -ASSET_HISTORY_S;
        let mut peak = 0.0f64;
        for i in 0..self.len {
            let p = &self.ring[(self.head + i) % ASSET_HISTORY_POINTS];
            if shown(p) {
                peak = peak.max(p.bytes_per_s);
            }
        }
        let (unit, scale) = if peak >= MIB {
            ("MiB", MIB)
        } else {
            ("KiB", 1024.0)
        };
        for i in 0..self.len {
            let p = self.ring[(self.head + i) % ASSET_HISTORY_POINTS];
            if !shown(&p) {
                continue;
            }
            let x = p.t - now;
            self.bytes_points
                .push(PlotPoint::new(x, p.bytes_per_s / scale));
            self.queue_points.push(PlotPoint::new(x, p.queued));
        }
        unit
    }
}

/// A minute of history, x in seconds before now, fixed (no zoom or drag).
fn history_plot(ui: &mut Ui, id: &str, name: &str, points: &[PlotPoint]) {
    Plot::new(id)
        .height(PLOT_HEIGHT)
        .include_x(-ASSET_HISTORY_S)
        .include_x(0.0)
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_formatter(|mark, _| format!("{:.0} s", mark.value))
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(Line::new(name, points));
        });
}

/// The label / value rows.
fn figures(ui: &mut Ui, s: &AssetStats) {
    for (name, value) in [
        ("queued", s.queued),
        ("in flight", s.in_flight),
        ("decoding", s.decoding),
    ] {
        row(ui, name, value.to_string());
    }
    row(ui, "fetched/s", format!("{:.1}", s.fetched_per_s));
    row(ui, "bytes/s", format!("{}/s", human_bytes(s.bytes_per_s)));
    row(
        ui,
        "decode ms p50 / p99",
        if s.decoded == 0 {
            "—".to_owned()
        } else {
            format!("{:.1} / {:.1}", s.decode_ms_p50, s.decode_ms_p99)
        },
    );
    ui.label("cache hits");
    if s.cache_corrupt == 0 {
        ui.monospace(s.cache_hits.to_string());
    } else {
        ui.monospace(
            RichText::new(format!(
                "{} ({} corrupt entries dropped)",
                s.cache_hits, s.cache_corrupt
            ))
            .color(Color32::ORANGE),
        );
    }
    ui.end_row();
    ui.label("texture memory");
    memory_bar(ui, s);
    ui.end_row();
    row(ui, "evictions", s.evictions.to_string());
    row(ui, "delivered", s.delivered.to_string());
    row(
        ui,
        "HTTP requests / retries",
        format!("{} / {}", s.http_requests, s.retries),
    );
    row(
        ui,
        "requested / fetched / decoded",
        format!("{} / {} / {}", s.requested, s.fetched, s.decoded),
    );
    row(ui, "bytes fetched", human_bytes(s.bytes_fetched as f64));
    ui.label("failed (textures)");
    if s.failed == 0 {
        ui.monospace("0");
    } else {
        ui.monospace(RichText::new(s.failed.to_string()).color(Color32::LIGHT_RED));
    }
    ui.end_row();
    row(ui, "restarts", s.incarnation.to_string());
}

fn row(ui: &mut Ui, name: &str, value: String) {
    ui.label(name);
    ui.monospace(value);
    ui.end_row();
}

/// Decoded texels held against the budget, as a bar with MiB figures.
fn memory_bar(ui: &mut Ui, s: &AssetStats) {
    let text = memory_text(s.resident_bytes, s.budget_bytes);
    let bar = if s.budget_bytes == 0 {
        ProgressBar::new(0.0)
    } else {
        let share = s.resident_bytes as f64 / s.budget_bytes as f64;
        let bar = ProgressBar::new(share.min(1.0) as f32);
        if share > 1.0 {
            bar.fill(Color32::from_rgb(200, 90, 40))
        } else {
            bar
        }
    };
    ui.add(bar.desired_width(220.0).text(text));
}

/// What the memory bar reads: "12 / 256 MiB" (no budget: "12 MiB, no budget").
pub fn memory_text(resident_bytes: u64, budget_bytes: u64) -> String {
    if budget_bytes == 0 {
        format!("{} MiB, no budget", mib(resident_bytes))
    } else {
        format!("{} / {} MiB", mib(resident_bytes), mib(budget_bytes))
    }
}

/// MiB, whole above 10 (or when whole), one decimal below.
fn mib(bytes: u64) -> String {
    let m = bytes as f64 / MIB;
    if m >= 10.0 || m.fract() == 0.0 {
        format!("{m:.0}")
    } else {
        format!("{m:.1}")
    }
}

/// Bytes in human units: "512 B", "1.5 KiB", "12.3 MiB", "1.02 GiB".
pub fn human_bytes(bytes: f64) -> String {
    let b = bytes.max(0.0);
    if b < 1024.0 {
        format!("{b:.0} B")
    } else if b < MIB {
        format!("{:.1} KiB", b / 1024.0)
    } else if b < MIB * 1024.0 {
        format!("{:.1} MiB", b / MIB)
    } else {
        format!("{:.2} GiB", b / (MIB * 1024.0))
    }
}

/// The failures by kind; kinds never seen are greyed.
fn failures(ui: &mut Ui, s: &AssetStats) {
    super::table(ui, "assets_failures", &["failure", "count"], |ui| {
        for kind in FailureKind::ALL {
            let n = s.failures.get(kind);
            if n == 0 {
                ui.label(RichText::new(kind.label()).weak());
                ui.label(RichText::new("0").weak());
            } else {
                ui.label(kind.label());
                ui.label(RichText::new(n.to_string()).color(Color32::LIGHT_RED));
            }
            ui.end_row();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(0.0), "0 B");
        assert_eq!(human_bytes(1023.0), "1023 B");
        assert_eq!(human_bytes(1536.0), "1.5 KiB");
        assert_eq!(human_bytes(3.0 * MIB), "3.0 MiB");
        assert_eq!(human_bytes(2.5 * MIB * 1024.0), "2.50 GiB");
        assert_eq!(memory_text(12 << 20, 256 << 20), "12 / 256 MiB");
        assert_eq!(memory_text(3 << 19, 256 << 20), "1.5 / 256 MiB");
        assert_eq!(memory_text(5 << 20, 0), "5 MiB, no budget");
    }

    #[test]
    fn the_history_ring_never_grows() {
        let mut panel = AssetsPanel::new();
        let caps = panel.plot_capacity();
        let mut s = AssetStats::default();
        // Sub-sample steps are folded away.
        panel.observe(0.0, &s);
        panel.observe(0.1, &s);
        // Full from the first look: the minute before reads as zero.
        assert_eq!(panel.history_len(), ASSET_HISTORY_POINTS);
        assert_eq!(panel.fill_points(0.0), "KiB");
        assert_eq!(panel.queue_points.len(), ASSET_HISTORY_POINTS);
        for i in 1..1000 {
            s.queued = i;
            panel.observe(i as f64 * ASSET_SAMPLE_S, &s);
        }
        assert_eq!(panel.history_len(), ASSET_HISTORY_POINTS);
        // The newest sample is the last one and the oldest is a minute before.
        let newest = panel.ring[(panel.head + panel.len - 1) % ASSET_HISTORY_POINTS];
        let oldest = panel.ring[panel.head];
        assert_eq!(newest.queued, 999.0);
        assert_eq!(newest.t - oldest.t, ASSET_HISTORY_S);
        assert_eq!(panel.fill_points(newest.t), "KiB");
        assert_eq!(panel.queue_points.len(), ASSET_HISTORY_POINTS);
        assert_eq!(panel.bytes_points.len(), ASSET_HISTORY_POINTS);
        assert_eq!(panel.plot_capacity(), caps);
    }
}
