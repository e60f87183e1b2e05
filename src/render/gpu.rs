//! Finding an adapter and opening a device: any adapter will do, hardware
//! first, software (Mesa's lavapipe, WARP, SwiftShader) when that is all there is.

use super::error::RenderError;

/// What kind of adapter the renderer runs on (for hardware detection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdapterKind {
    /// A separate GPU.
    Discrete,
    /// A GPU sharing memory with the CPU.
    Integrated,
    /// A virtualised GPU.
    Virtual,
    /// A software rasteriser running on the CPU (lavapipe, WARP, SwiftShader).
    Software,
    /// The driver did not say.
    Other,
}

impl From<wgpu::DeviceType> for AdapterKind {
    fn from(t: wgpu::DeviceType) -> Self {
        match t {
            wgpu::DeviceType::DiscreteGpu => AdapterKind::Discrete,
            wgpu::DeviceType::IntegratedGpu => AdapterKind::Integrated,
            wgpu::DeviceType::VirtualGpu => AdapterKind::Virtual,
            wgpu::DeviceType::Cpu => AdapterKind::Software,
            wgpu::DeviceType::Other => AdapterKind::Other,
        }
    }
}

/// The adapter as the configuration's hardware detection sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterSummary {
    /// Adapter name as the driver reports it ("llvmpipe (LLVM 15.0.6, 256 bits)").
    pub name: String,
    /// Graphics API in use.
    pub backend: wgpu::Backend,
    /// Hardware or software, discrete or integrated.
    pub kind: AdapterKind,
    /// Driver name and version.
    pub driver: String,
    /// PCI vendor id (0 when unknown).
    pub vendor_id: u32,
    /// Largest 2D texture side the device allows.
    pub max_texture_dimension_2d: u32,
    /// Whether per-pass GPU timestamps are available.
    pub timestamps: bool,
}

impl std::fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({:?}, {:?}, driver {})",
            self.name, self.backend, self.kind, self.driver
        )
    }
}

/// An open device with its queue and the adapter it came from.
#[derive(Debug, Clone)]
pub struct GpuContext {
    /// The wgpu instance (surfaces are created from it).
    pub instance: wgpu::Instance,
    /// The chosen adapter.
    pub adapter: wgpu::Adapter,
    /// The device all GPU objects belong to.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// Name, backend and kind of the adapter.
    pub summary: AdapterSummary,
}

/// The backends tried: `WGPU_BACKEND` when set (e.g. `WGPU_BACKEND=vulkan`);
/// otherwise the primary ones (Vulkan, Metal, DX12), and GL only on a machine
/// where none of those has an adapter — probing GL (EGL) where it is not used
/// logs errors (`eglInitialize`, `XDG_RUNTIME_DIR`) on runs that succeed.
pub fn backends_from_env() -> wgpu::Backends {
    static CHOSEN: std::sync::OnceLock<wgpu::Backends> = std::sync::OnceLock::new();
    if std::env::var_os("WGPU_BACKEND").is_some() {
        return wgpu::Backends::all().with_env();
    }
    *CHOSEN.get_or_init(|| {
        let primary = wgpu::Backends::PRIMARY;
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = primary;
        let probe = wgpu::Instance::new(desc);
        if pollster::block_on(probe.enumerate_adapters(primary)).is_empty() {
            tracing::info!("no Vulkan, Metal or DX12 adapter: trying GL too");
            wgpu::Backends::all()
        } else {
            primary
        }
    })
}

/// A wgpu instance over [`backends_from_env`], optionally tied to the window
/// system's display connection (needed by GL on Wayland; unused by Vulkan).
pub fn create_instance(display: Option<winit::event_loop::OwnedDisplayHandle>) -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = backends_from_env();
    desc.flags = wgpu::InstanceFlags::default().with_env();
    if let Some(d) = display {
        desc = desc.with_display_handle(Box::new(d));
    }
    wgpu::Instance::new(desc)
}

impl GpuContext {
    /// Opens a device for offscreen rendering.
    pub fn headless() -> Result<GpuContext, RenderError> {
        GpuContext::new(create_instance(None), None)
    }

    /// Opens a device on the best adapter of `instance` that can present to
    /// `surface` (if given): high-performance hardware first, then any
    /// adapter, then a software fallback.
    pub fn new(
        instance: wgpu::Instance,
        surface: Option<&wgpu::Surface<'_>>,
    ) -> Result<GpuContext, RenderError> {
        let adapter = pollster::block_on(pick_adapter(&instance, surface))?;
        let info = adapter.get_info();
        let adapter_features = adapter.features();
        let timestamps = adapter_features.contains(wgpu::Features::TIMESTAMP_QUERY);
        let mut required_features = wgpu::Features::empty();
        if timestamps {
            // Pass-level timestamp writes need only this; nothing is timed inside a pass.
            required_features |= wgpu::Features::TIMESTAMP_QUERY;
        }
        let desc = wgpu::DeviceDescriptor {
            label: Some("kestrel device"),
            required_features,
            // The adapter's own limits: whatever it can do, we may use.
            required_limits: adapter.limits(),
            ..Default::default()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&desc)).map_err(|e| {
            RenderError::RequestDevice {
                adapter: info.name.clone(),
                source: e,
            }
        })?;
        let summary = AdapterSummary {
            name: info.name.clone(),
            backend: info.backend,
            kind: info.device_type.into(),
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_owned(),
            vendor_id: info.vendor,
            max_texture_dimension_2d: device.limits().max_texture_dimension_2d,
            timestamps,
        };
        tracing::info!(adapter = %summary, "GPU device open");
        Ok(GpuContext {
            instance,
            adapter,
            device,
            queue,
            summary,
        })
    }
}

async fn pick_adapter(
    instance: &wgpu::Instance,
    surface: Option<&wgpu::Surface<'_>>,
) -> Result<wgpu::Adapter, RenderError> {
    let preferred = wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        force_fallback_adapter: false,
        compatible_surface: surface,
        apply_limit_buckets: false,
    };
    if let Ok(a) = instance.request_adapter(&preferred).await {
        return Ok(a);
    }
    let fallback = wgpu::RequestAdapterOptions {
        force_fallback_adapter: true,
        ..preferred
    };
    if let Ok(a) = instance.request_adapter(&fallback).await {
        return Ok(a);
    }
    // Last resort: anything enumerated that can present (or anything, offscreen).
    let backends = backends_from_env();
    for a in instance.enumerate_adapters(backends).await {
        if surface.is_none_or(|s| a.is_surface_supported(s)) {
            return Ok(a);
        }
    }
    Err(RenderError::NoAdapter {
        backends: format!("{backends:?}"),
    })
}
