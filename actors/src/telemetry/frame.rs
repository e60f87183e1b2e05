//! Frame timings from the render thread: [`FrameTiming`], the lock-free
//! [`FrameSink`] the render thread records into, and the [`FrameStats`]
//! summary in each telemetry snapshot.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_queue::ArrayQueue;
use serde::Serialize;

use crate::message::Message;

/// GPU passes a [`FrameTiming`] can carry.
pub const MAX_GPU_PASSES: usize = 16;

/// The timings of one rendered frame. Fixed-size and `Copy`, so recording it
/// allocates nothing. Pass names are a static list owned by the renderer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameTiming {
    /// Frame number.
    pub frame: u64,
    /// CPU time of the frame (ms).
    pub cpu_ms: f32,
    /// GPU time per pass (ms); entry i belongs to `gpu_pass_names[i]`.
    pub gpu_pass_ms: [f32; MAX_GPU_PASSES],
    /// Names of the passes measured (at most [`MAX_GPU_PASSES`] are used).
    pub gpu_pass_names: &'static [&'static str],
    /// Heap allocations made during the frame.
    pub allocs: u64,
    /// Bytes allocated during the frame.
    pub alloc_bytes: u64,
}

impl FrameTiming {
    /// A frame with no GPU passes measured.
    pub fn new(frame: u64, cpu_ms: f32) -> Self {
        Self {
            frame,
            cpu_ms,
            gpu_pass_ms: [0.0; MAX_GPU_PASSES],
            gpu_pass_names: &[],
            allocs: 0,
            alloc_bytes: 0,
        }
    }

    /// Passes actually carried.
    pub fn pass_count(&self) -> usize {
        self.gpu_pass_names.len().min(MAX_GPU_PASSES)
    }

    /// Sum of the GPU pass times (ms).
    pub fn gpu_ms(&self) -> f32 {
        self.gpu_pass_ms[..self.pass_count()].iter().sum()
    }
}

impl Message for FrameTiming {
    type Result = ();
}

struct SinkInner {
    queue: ArrayQueue<FrameTiming>,
    recorded: AtomicU64,
    overwritten: AtomicU64,
}

/// Where the render thread records frame timings: a bounded lock-free ring.
/// Recording never blocks or allocates; when the telemetry actor falls
/// behind, the oldest timing is overwritten and counted. Cheap to clone.
#[derive(Clone)]
pub struct FrameSink {
    inner: Arc<SinkInner>,
}

impl std::fmt::Debug for FrameSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameSink")
            .field("recorded", &self.recorded())
            .field("overwritten", &self.overwritten())
            .finish()
    }
}

impl FrameSink {
    /// A ring of `capacity` frames (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(SinkInner {
                queue: ArrayQueue::new(capacity.max(1)),
                recorded: AtomicU64::new(0),
                overwritten: AtomicU64::new(0),
            }),
        }
    }

    /// Record one frame (render thread).
    #[inline]
    pub fn record(&self, timing: FrameTiming) {
        if self.inner.queue.force_push(timing).is_some() {
            self.inner.overwritten.fetch_add(1, Ordering::AcqRel);
        }
        self.inner.recorded.fetch_add(1, Ordering::AcqRel);
    }

    /// Frames recorded.
    pub fn recorded(&self) -> u64 {
        self.inner.recorded.load(Ordering::Acquire)
    }

    /// Frames overwritten before the telemetry actor read them.
    pub fn overwritten(&self) -> u64 {
        self.inner.overwritten.load(Ordering::Acquire)
    }

    pub(crate) fn pop(&self) -> Option<FrameTiming> {
        self.inner.queue.pop()
    }
}

/// A distribution of milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct MsSummary {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Maximum.
    pub max: f64,
}

impl MsSummary {
    /// Summarise `values` (sorted in place).
    fn of(values: &mut [f64]) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let at = |q: f64| values[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
        Self {
            mean: values.iter().sum::<f64>() / n as f64,
            p50: at(0.5),
            p95: at(0.95),
            max: values[n - 1],
        }
    }
}

/// One GPU pass over the frame window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PassStats {
    /// Pass name.
    pub name: &'static str,
    /// Its time (ms).
    pub ms: MsSummary,
}

/// Frame timings over the last `window` frames.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FrameStats {
    /// Frames received in total (sink and messages).
    pub frames_total: u64,
    /// Frames the sink overwrote before they were read.
    pub frames_overwritten: u64,
    /// The highest frame number received.
    pub last_frame: u64,
    /// Frames summarised below.
    pub window: usize,
    /// CPU frame time.
    pub cpu_ms: MsSummary,
    /// GPU frame time (sum of passes).
    pub gpu_ms: MsSummary,
    /// Per GPU pass (names of the newest frame).
    pub gpu_passes: Vec<PassStats>,
    /// Mean heap allocations per frame.
    pub allocs_per_frame: f64,
    /// Mean bytes allocated per frame.
    pub alloc_bytes_per_frame: f64,
}

/// The newest frames, kept for the summary.
#[derive(Debug)]
pub(crate) struct FrameWindow {
    frames: VecDeque<FrameTiming>,
    capacity: usize,
    pub(crate) total: u64,
}

impl FrameWindow {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            frames: VecDeque::with_capacity(capacity.max(1)),
            capacity: capacity.max(1),
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, t: FrameTiming) {
        if self.frames.len() >= self.capacity {
            self.frames.pop_front();
        }
        self.frames.push_back(t);
        self.total += 1;
    }

    pub(crate) fn stats(&self, overwritten: u64) -> FrameStats {
        let n = self.frames.len();
        let mut scratch: Vec<f64> = self.frames.iter().map(|f| f64::from(f.cpu_ms)).collect();
        let cpu_ms = MsSummary::of(&mut scratch);
        scratch.clear();
        scratch.extend(self.frames.iter().map(|f| f64::from(f.gpu_ms())));
        let gpu_ms = MsSummary::of(&mut scratch);
        let names = self.frames.back().map(|f| f.gpu_pass_names).unwrap_or(&[]);
        let gpu_passes = names
            .iter()
            .take(MAX_GPU_PASSES)
            .enumerate()
            .map(|(i, &name)| {
                scratch.clear();
                scratch.extend(
                    self.frames
                        .iter()
                        .filter(|f| f.pass_count() > i)
                        .map(|f| f64::from(f.gpu_pass_ms[i])),
                );
                PassStats {
                    name,
                    ms: MsSummary::of(&mut scratch),
                }
            })
            .collect();
        let mean = |f: fn(&FrameTiming) -> u64| {
            if n == 0 {
                0.0
            } else {
                self.frames.iter().map(f).sum::<u64>() as f64 / n as f64
            }
        };
        FrameStats {
            frames_total: self.total,
            frames_overwritten: overwritten,
            last_frame: self.frames.iter().map(|f| f.frame).max().unwrap_or(0),
            window: n,
            cpu_ms,
            gpu_ms,
            gpu_passes,
            allocs_per_frame: mean(|f| f.allocs),
            alloc_bytes_per_frame: mean(|f| f.alloc_bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_overwrites_oldest_and_counts() {
        let sink = FrameSink::new(2);
        for i in 0..5 {
            sink.record(FrameTiming::new(i, 1.0));
        }
        assert_eq!((sink.recorded(), sink.overwritten()), (5, 3));
        assert_eq!(sink.pop().map(|f| f.frame), Some(3));
    }

    #[test]
    fn window_summarises_cpu_gpu_and_passes() {
        const PASSES: &[&str] = &["shadow", "opaque"];
        let mut w = FrameWindow::new(4);
        for i in 0..6u64 {
            let mut t = FrameTiming::new(i, i as f32);
            t.gpu_pass_names = PASSES;
            t.gpu_pass_ms[0] = 1.0;
            t.gpu_pass_ms[1] = 2.0;
            t.allocs = 10;
            w.push(t);
        }
        let s = w.stats(0);
        assert_eq!((s.frames_total, s.window, s.last_frame), (6, 4, 5));
        assert_eq!(s.cpu_ms.max, 5.0);
        assert_eq!(s.cpu_ms.mean, 3.5);
        assert_eq!(s.gpu_ms.p50, 3.0);
        assert_eq!(s.gpu_passes.len(), 2);
        assert_eq!(s.gpu_passes[1].name, "opaque");
        assert_eq!(s.allocs_per_frame, 10.0);
    }
}
