//! The Frame panel: CPU (and GPU, when measured) frame time of the last
//! [`FRAME_HISTORY`] frames as a plot, plus the telemetry's frame summary.

use egui::Ui;
use egui_plot::{Line, Plot, PlotPoint};
use kestrel_actors::telemetry::FrameStats;

/// Frames kept for the plot.
pub const FRAME_HISTORY: usize = 300;

/// The frame times the plot shows; fixed capacity, filled in place.
#[derive(Debug)]
pub struct FramePanel {
    cpu: Vec<PlotPoint>,
    gpu: Vec<PlotPoint>,
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
                "CPU ms p50 {:.2} p95 {:.2} max {:.2} · GPU ms p50 {:.2} · {:.0} allocs/frame",
                s.cpu_ms.p50, s.cpu_ms.p95, s.cpu_ms.max, s.gpu_ms.p50, s.allocs_per_frame
            ));
        }
        let (cpu, gpu) = (&self.cpu[..], &self.gpu[..]);
        Plot::new("frame_times")
            .height(140.0)
            .include_y(0.0)
            .include_y(20.0)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new("CPU ms", cpu));
                if !gpu.is_empty() {
                    plot.line(Line::new("GPU ms", gpu));
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
