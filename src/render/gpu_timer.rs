//! Per-pass GPU times from timestamp queries, read back without ever waiting:
//! each frame writes into one slot of a small ring, the slot's readback buffer
//! is mapped asynchronously after submit, and the result is picked up a couple
//! of frames later. A frame whose slot is still in flight is simply not timed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use super::stats::{GpuTimings, PassName};

/// Frames in flight that can be timed at once.
const RING: usize = 3;
/// Two timestamps (begin, end) per pass.
const QUERIES_PER_FRAME: u32 = PassName::COUNT as u32 * 2;
const SLOT_BYTES: u64 = QUERIES_PER_FRAME as u64 * wgpu::QUERY_SIZE as u64;

const FREE: u8 = 0;
const MAPPING: u8 = 1;
const READY: u8 = 2;
/// Mapping failed (device lost): the slot is retired.
const FAILED: u8 = 3;

#[derive(Debug)]
struct Slot {
    resolve: wgpu::Buffer,
    readback: wgpu::Buffer,
    state: Arc<AtomicU8>,
    frame: u64,
    passes_run: u32,
}

/// Timestamp queries for the passes of a frame.
#[derive(Debug)]
pub(crate) struct GpuTimer {
    query_set: wgpu::QuerySet,
    slots: [Slot; RING],
    period_ns: f64,
    latest: Option<GpuTimings>,
    /// The slot this frame writes, if one was free.
    current: Option<usize>,
}

impl GpuTimer {
    /// A timer if the device has timestamp queries, else `None`.
    pub(crate) fn new(device: &wgpu::Device, queue: &wgpu::Queue) -> Option<GpuTimer> {
        if !device.features().contains(wgpu::Features::TIMESTAMP_QUERY) {
            return None;
        }
        let query_set = device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("pass timestamps"),
            ty: wgpu::QueryType::Timestamp,
            count: QUERIES_PER_FRAME * RING as u32,
        });
        let slots = std::array::from_fn(|_| Slot {
            resolve: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("timestamp resolve"),
                size: SLOT_BYTES,
                usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }),
            readback: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("timestamp readback"),
                size: SLOT_BYTES,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            state: Arc::new(AtomicU8::new(FREE)),
            frame: 0,
            passes_run: 0,
        });
        Some(GpuTimer {
            query_set,
            slots,
            period_ns: f64::from(queue.get_timestamp_period()),
            latest: None,
            current: None,
        })
    }

    /// Collects finished readbacks and picks a slot for `frame` (call after
    /// a non-blocking `Device::poll`).
    pub(crate) fn begin_frame(&mut self, frame: u64) {
        // Reading a mapped range and unmapping are wgpu calls; the parsing
        // in `read_slot` allocates nothing.
        let _wgpu = crate::alloc_stats::in_wgpu();
        for slot in &mut self.slots {
            if slot.state.load(Ordering::Acquire) != READY {
                continue;
            }
            let timings = read_slot(slot, self.period_ns);
            slot.readback.unmap();
            slot.state.store(FREE, Ordering::Release);
            if self.latest.is_none_or(|l| l.frame < timings.frame) {
                self.latest = Some(timings);
            }
        }
        let i = (frame % RING as u64) as usize;
        self.current = (self.slots[i].state.load(Ordering::Acquire) == FREE).then(|| {
            self.slots[i].frame = frame;
            i
        });
    }

    /// Timestamp writes for `pass` this frame (`None` when this frame is not timed).
    pub(crate) fn pass_writes(
        &self,
        pass: PassName,
    ) -> Option<wgpu::RenderPassTimestampWrites<'_>> {
        let slot = self.current?;
        let base = slot as u32 * QUERIES_PER_FRAME + pass.index() as u32 * 2;
        Some(wgpu::RenderPassTimestampWrites {
            query_set: &self.query_set,
            beginning_of_pass_write_index: Some(base),
            end_of_pass_write_index: Some(base + 1),
        })
    }

    /// Resolves the queries of the first `passes_run` passes (which must all
    /// have run, in order) into the slot's readback buffer.
    pub(crate) fn end_frame(&mut self, encoder: &mut wgpu::CommandEncoder, passes_run: u32) {
        let Some(i) = self.current else { return };
        let _wgpu = crate::alloc_stats::in_wgpu();
        let slot = &mut self.slots[i];
        slot.passes_run = passes_run;
        let first = i as u32 * QUERIES_PER_FRAME;
        let bytes = u64::from(passes_run) * 2 * wgpu::QUERY_SIZE as u64;
        encoder.resolve_query_set(
            &self.query_set,
            first..first + passes_run * 2,
            &slot.resolve,
            0,
        );
        encoder.copy_buffer_to_buffer(&slot.resolve, 0, &slot.readback, 0, bytes);
    }

    /// Starts the asynchronous map of this frame's slot (call after submit).
    pub(crate) fn after_submit(&mut self) {
        let Some(i) = self.current.take() else { return };
        let slot = &self.slots[i];
        if slot.passes_run == 0 {
            return;
        }
        slot.state.store(MAPPING, Ordering::Release);
        let state = Arc::clone(&slot.state);
        // wgpu boxes the callback and queues the map.
        let _wgpu = crate::alloc_stats::in_wgpu();
        let bytes = u64::from(slot.passes_run) * 2 * wgpu::QUERY_SIZE as u64;
        slot.readback
            .slice(..bytes)
            .map_async(wgpu::MapMode::Read, move |r| {
                state.store(if r.is_ok() { READY } else { FAILED }, Ordering::Release);
            });
    }

    /// The newest complete timings.
    pub(crate) fn latest(&self) -> Option<GpuTimings> {
        self.latest
    }
}

fn read_slot(slot: &Slot, period_ns: f64) -> GpuTimings {
    let mut t = GpuTimings {
        frame: slot.frame,
        ..GpuTimings::default()
    };
    let bytes = u64::from(slot.passes_run) * 2 * wgpu::QUERY_SIZE as u64;
    let Ok(view) = slot.readback.slice(..bytes).get_mapped_range() else {
        return t;
    };
    let tick = |b: &[u8]| u64::from_ne_bytes(b.try_into().unwrap_or([0; 8]));
    for (p, pair) in view.chunks_exact(16).enumerate() {
        let (begin, end) = (tick(&pair[..8]), tick(&pair[8..]));
        // Zero means "not written" on some backends; end before begin is a wrap or garbage.
        if begin != 0 && end >= begin {
            t.ms_per_pass[p].1 = Some(((end - begin) as f64 * period_ns / 1.0e6) as f32);
        }
    }
    t
}
