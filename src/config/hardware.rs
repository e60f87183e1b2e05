//! First-launch hardware detection: picks a profile from the GPU adapter and
//! the machine's memory.

use super::PerformanceProfile;
use crate::render::AdapterKind;

/// The facts detection goes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardwareInfo {
    /// The adapter's name as the driver reports it.
    pub adapter_name: String,
    /// The adapter's kind.
    pub kind: AdapterKind,
    /// Total system memory, MiB (0 when unknown).
    pub system_ram_mb: u64,
}

impl HardwareInfo {
    /// Reads the adapter's kind and name, and the system's memory.
    pub fn from_adapter(info: &wgpu::AdapterInfo) -> Self {
        HardwareInfo {
            adapter_name: info.name.clone(),
            kind: info.device_type.into(),
            system_ram_mb: system_ram_mb().unwrap_or(0),
        }
    }
}

/// Total memory from `/proc/meminfo`, where there is one.
fn system_ram_mb() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// The profile a first launch saves: software rendering or little memory gets
/// Low, a discrete GPU with 16 GiB or more gets High, the rest Balanced.
pub fn detect_profile(hw: &HardwareInfo) -> PerformanceProfile {
    let ram_known = hw.system_ram_mb > 0;
    if hw.kind == AdapterKind::Software || (ram_known && hw.system_ram_mb < 6 * 1024) {
        return PerformanceProfile::Low;
    }
    if hw.kind == AdapterKind::Discrete && (!ram_known || hw.system_ram_mb >= 16 * 1024) {
        return PerformanceProfile::High;
    }
    PerformanceProfile::Balanced
}

impl HardwareInfo {
    /// Asks wgpu for the default adapter (any backend, software included)
    /// and reads its facts; `None` when there is no adapter at all.
    pub fn detect() -> Option<Self> {
        let instance = crate::render::gpu::create_instance(None);
        let adapter =
            pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
                .ok()?;
        Some(Self::from_adapter(&adapter.get_info()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hw(kind: AdapterKind, ram_gib: u64) -> HardwareInfo {
        HardwareInfo {
            adapter_name: "test".into(),
            kind,
            system_ram_mb: ram_gib * 1024,
        }
    }

    #[test]
    fn software_and_small_machines_get_low() {
        assert_eq!(
            detect_profile(&hw(AdapterKind::Software, 64)),
            PerformanceProfile::Low
        );
        assert_eq!(
            detect_profile(&hw(AdapterKind::Discrete, 4)),
            PerformanceProfile::Low
        );
    }

    #[test]
    fn discrete_with_memory_gets_high_integrated_balanced() {
        assert_eq!(
            detect_profile(&hw(AdapterKind::Discrete, 32)),
            PerformanceProfile::High
        );
        assert_eq!(
            detect_profile(&hw(AdapterKind::Discrete, 8)),
            PerformanceProfile::Balanced
        );
        assert_eq!(
            detect_profile(&hw(AdapterKind::Integrated, 32)),
            PerformanceProfile::Balanced
        );
    }
}
