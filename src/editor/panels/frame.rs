//! The Frame panel: CPU (and GPU, when measured) frame time of the last
//! [`FRAME_HISTORY`] frames as a plot, plus the telemetry's frame summary.

use egui::Ui;
use egui_plot::{Legend, Line, Plot, PlotPoint};
use kestrel_actors::telemetry::FrameStats;

use crate::render::{GpuTimings, PassName};

/// Frames kept for the plot.
pub const FRAME_HISTORY: usize = 300;

/// The frame times the plot shows; fixed capacity, filled in place.
#[derive(Debug)]
pub struct FramePanel {
    cpu: Vec<PlotPoint>,
    gpu: Vec<PlotPoint>,
    /// GPU time of each pass, by [`PassName::index`].
    passes: [Vec<PlotPoint>; PassName::COUNT],
}

impl Default for FramePanel {
    fn default() -> Self {
        Self::new()
    }
}

impl FramePanel {
    /// An empty history.
    pub fn new() -> Self {
        FramePanel {
            cpu: Vec::with_capacity(FRAME_HISTORY),
            gpu: Vec::with_capacity(FRAME_HISTORY),
            passes: std::array::from_fn(|_| Vec::with_capacity(FRAME_HISTORY)),
        }
    }

    /// Records the GPU time of each pass (the timings of an earlier frame,
    /// as the timestamp queries return them).
    pub fn record_passes(&mut self, gpu: &GpuTimings) {
        for (pass, ms) in gpu.ms_per_pass {
            let series = &self.passes[pass.index()];
            // The same timings are reported until newer ones come back.
            if series.last().is_some_and(|p| p.x == gpu.frame as f64) {
                continue;
            }
            if let Some(ms) = ms {
                push(&mut self.passes[pass.index()], gpu.frame, ms);
            }
        }
    }

    /// Records one frame's times (ms). Never grows past [`FRAME_HISTORY`].
    pub fn record(&mut self, frame: u64, cpu_ms: f32, gpu_ms: Option<f32>) {
        push(&mut self.cpu, frame, cpu_ms);
        if let Some(g) = gpu_ms {
            push(&mut self.gpu, frame, g);
        }
    }

    /// Frames held for the plot.
    pub fn len(&self) -> usize {
        self.cpu.len()
    }

    /// True before the first frame.
    pub fn is_empty(&self) -> bool {
        self.cpu.is_empty()
    }

    /// Draws the plot (borrowing the history: no copy) and the summary.
    pub fn ui(&mut self, ui: &mut Ui, summary: Option<&FrameStats>) {
        if let Some(s) = summary {
            ui.label(format!(
                "CPU ms p50 {:.2} p95 {:.2} max {:.2}",
                s.cpu_ms.p50, s.cpu_ms.p95, s.cpu_ms.max
            ));
            if !s.gpu_passes.is_empty() {
                ui.label(format!(
                    "GPU ms p50 {:.2} p95 {:.2} max {:.2}",
                    s.gpu_ms.p50, s.gpu_ms.p95, s.gpu_ms.max
                ));
            }
            // Counted only in a build with the counting allocator.
            if crate::alloc_stats::thread_counts().is_some() {
                ui.label(format!(
                    "{:.0} allocations, {:.1} KiB per frame (the render thread's own code)",
                    s.allocs_per_frame,
                    s.alloc_bytes_per_frame / 1024.0
                ));
            } else {
                ui.label("allocations per frame: build with --features alloc-stats");
            }
        }
        let (cpu, gpu, passes) = (&self.cpu[..], &self.gpu[..], &self.passes);
        Plot::new("frame_times")
            .height(140.0)
            .include_y(0.0)
            .include_y(20.0)
            .legend(Legend::default())
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new("CPU ms", cpu));
                if !gpu.is_empty() {
                    plot.line(Line::new("GPU ms", gpu));
                }
                for pass in PassName::ALL {
                    let series = &passes[pass.index()][..];
                    if !series.is_empty() {
                        plot.line(Line::new(pass.as_str(), series));
                    }
                }
            });
    }
}

fn push(history: &mut Vec<PlotPoint>, frame: u64, ms: f32) {
    if history.len() == FRAME_HISTORY {
        history.remove(0);
    }
    history.push(PlotPoint::new(frame as f64, f64::from(ms)));
}
