//! A GPU buffer that is reused frame after frame and only replaced when the
//! data outgrows it (capacity doubles), so steady-state frames create nothing.

/// Smallest capacity ever allocated, bytes.
const MIN_CAPACITY: u64 = 4096;

/// A persistent GPU buffer written with `Queue::write_buffer` each frame.
#[derive(Debug)]
pub(crate) struct GrowableBuffer {
    buffer: wgpu::Buffer,
    label: &'static str,
    usage: wgpu::BufferUsages,
    /// Times the buffer was replaced by a larger one.
    grows: u32,
}

impl GrowableBuffer {
    /// A buffer of at least `initial` bytes; `COPY_DST` is added to `usage`.
    pub(crate) fn new(
        device: &wgpu::Device,
        label: &'static str,
        usage: wgpu::BufferUsages,
        initial: u64,
    ) -> GrowableBuffer {
        let usage = usage | wgpu::BufferUsages::COPY_DST;
        GrowableBuffer {
            buffer: create(device, label, usage, capacity_for(initial)),
            label,
            usage,
            grows: 0,
        }
    }

    /// Writes `bytes` at offset 0, growing first if they do not fit.
    /// `bytes.len()` must be a multiple of 4 (every vertex/instance type is).
    pub(crate) fn write(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, bytes: &[u8]) {
        let needed = bytes.len() as u64;
        let _wgpu = crate::alloc_stats::in_wgpu();
        if needed > self.buffer.size() {
            self.buffer = create(device, self.label, self.usage, capacity_for(needed));
            self.grows += 1;
        }
        if !bytes.is_empty() {
            queue.write_buffer(&self.buffer, 0, bytes);
        }
    }

    /// The buffer to bind.
    pub(crate) fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// How many times the buffer was replaced by a larger one.
    pub(crate) fn grows(&self) -> u32 {
        self.grows
    }
}

fn capacity_for(bytes: u64) -> u64 {
    bytes.max(MIN_CAPACITY).next_power_of_two()
}

fn create(
    device: &wgpu::Device,
    label: &'static str,
    usage: wgpu::BufferUsages,
    size: u64,
) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size,
        usage,
        mapped_at_creation: false,
    })
}

#[cfg(test)]
mod tests {
    use super::capacity_for;

    #[test]
    fn capacity_doubles_and_has_a_floor() {
        assert_eq!(capacity_for(0), 4096);
        assert_eq!(capacity_for(4097), 8192);
        assert_eq!(capacity_for(80 * 20_000), 2_097_152);
    }
}
