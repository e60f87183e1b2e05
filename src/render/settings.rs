//! The settings the renderer obeys, changeable between any two frames.

/// Shortest draw distance the renderer accepts, metres.
pub const MIN_DRAW_DISTANCE_M: f32 = 16.0;
/// Longest draw distance the renderer accepts, metres.
pub const MAX_DRAW_DISTANCE_M: f32 = 8192.0;

/// How much work the fragment shaders do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ShaderQuality {
    /// Plain Lambert lighting with a flat ambient term: no specular, no sun disc
    /// (distance fog, as every level has).
    Low,
    /// Hemisphere ambient, Blinn-Phong specular on prims and a sun disc in the sky.
    #[default]
    High,
}

/// The sampler used for every texture the renderer samples (today: the terrain detail texture).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Filtering {
    /// Linear within a mip level, nearest between levels.
    Bilinear,
    /// Linear within and between mip levels.
    #[default]
    Trilinear,
    /// Trilinear plus anisotropic filtering with this many samples (clamped to 1..=16).
    Anisotropic(u8),
}

impl Filtering {
    /// The anisotropy clamp handed to wgpu (1 means off).
    pub fn anisotropy(self) -> u16 {
        match self {
            Filtering::Anisotropic(n) => u16::from(n.clamp(1, 16)),
            Filtering::Bilinear | Filtering::Trilinear => 1,
        }
    }
}

/// What the renderer draws and how; replaced whole with [`crate::render::Renderer::set_settings`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderSettings {
    /// The far plane and the instance cull distance from the camera, metres.
    /// Clamped to [`MIN_DRAW_DISTANCE_M`]..=[`MAX_DRAW_DISTANCE_M`]; a non-finite value means the minimum.
    pub draw_distance_m: f32,
    /// Which shader variants run.
    pub shader_quality: ShaderQuality,
    /// Sampler used for textures.
    pub texture_filtering: Filtering,
}

impl Default for RenderSettings {
    fn default() -> Self {
        RenderSettings {
            draw_distance_m: 256.0,
            shader_quality: ShaderQuality::High,
            texture_filtering: Filtering::Trilinear,
        }
    }
}

impl RenderSettings {
    /// The draw distance actually used: finite and within the accepted range.
    pub fn effective_draw_distance(&self) -> f32 {
        if self.draw_distance_m.is_finite() {
            self.draw_distance_m
                .clamp(MIN_DRAW_DISTANCE_M, MAX_DRAW_DISTANCE_M)
        } else {
            MIN_DRAW_DISTANCE_M
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draw_distance_is_clamped_and_nan_safe() {
        let mut s = RenderSettings {
            draw_distance_m: f32::NAN,
            ..RenderSettings::default()
        };
        assert_eq!(s.effective_draw_distance(), MIN_DRAW_DISTANCE_M);
        s.draw_distance_m = 1.0e9;
        assert_eq!(s.effective_draw_distance(), MAX_DRAW_DISTANCE_M);
        s.draw_distance_m = 300.0;
        assert_eq!(s.effective_draw_distance(), 300.0);
    }

    #[test]
    fn anisotropy_is_clamped() {
        assert_eq!(Filtering::Anisotropic(0).anisotropy(), 1);
        assert_eq!(Filtering::Anisotropic(8).anisotropy(), 8);
        assert_eq!(Filtering::Anisotropic(200).anisotropy(), 16);
        assert_eq!(Filtering::Trilinear.anisotropy(), 1);
    }
}
