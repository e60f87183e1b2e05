//! A frame's figures, handed on: to telemetry as a `FrameTiming` (CPU time,
//! GPU time per pass, and with the `alloc-stats` feature the allocations of
//! the frame's own code) and to the editor's Frame panel. Shared by the
//! window and the headless viewer so both report the same way.

use kestrel_actors::telemetry::{FrameTiming, MAX_GPU_PASSES};

use crate::alloc_stats::AllocCounts;
use crate::editor::Editor;
use crate::render::{FrameStats, PassName};

/// The telemetry record of a frame. Allocates nothing.
pub(crate) fn frame_timing(stats: &FrameStats, allocs: Option<&AllocCounts>) -> FrameTiming {
    let mut timing = FrameTiming::new(stats.frame, stats.cpu_ms);
    if let Some(gpu) = &stats.gpu {
        timing.gpu_pass_names = &PassName::NAMES[..PassName::COUNT.min(MAX_GPU_PASSES)];
        for (i, (_, ms)) in gpu.ms_per_pass.iter().enumerate().take(MAX_GPU_PASSES) {
            timing.gpu_pass_ms[i] = ms.unwrap_or(0.0);
        }
    }
    if let Some(a) = allocs {
        timing.allocs = a.kestrel_allocs;
        timing.alloc_bytes = a.kestrel_bytes;
    }
    timing
}

/// Records a frame's times in the editor's Frame panel (every frame, shown or not).
pub(crate) fn record_in_editor(editor: &mut Editor, stats: &FrameStats) {
    let gpu_ms = stats.gpu.map(|g| g.total_ms());
    editor.record_frame(stats.frame, stats.cpu_ms, gpu_ms);
    if let Some(gpu) = &stats.gpu {
        editor.record_gpu_passes(gpu);
    }
}
