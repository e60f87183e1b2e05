//! Per-frame figures the renderer reports (shown by the editor, read by telemetry).

/// The passes of a frame, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PassName {
    /// Clears and draws the sky gradient.
    Sky,
    /// Draws the terrain mesh.
    Terrain,
    /// Draws the opaque prim faces, one instanced draw per (mesh, face, texture).
    Prims,
    /// Draws the blended prim faces (colour alpha below 1 or a texture with
    /// alpha), back to front, after every opaque surface.
    Blended,
    /// The editor's UI on top (only when an overlay is given).
    Overlay,
}

impl PassName {
    /// How many passes there are.
    pub const COUNT: usize = 5;
    /// All passes in frame order.
    pub const ALL: [PassName; PassName::COUNT] = [
        PassName::Sky,
        PassName::Terrain,
        PassName::Prims,
        PassName::Blended,
        PassName::Overlay,
    ];

    /// Every pass's [`as_str`](Self::as_str) name, in frame order.
    pub const NAMES: [&'static str; PassName::COUNT] =
        ["sky", "terrain", "prims", "blended", "overlay"];

    /// A short lower-case name for display.
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self.index()]
    }

    /// Position in [`PassName::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// GPU time per pass for one frame, measured with timestamp queries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpuTimings {
    /// The frame these times belong to (a couple of frames behind the current one).
    pub frame: u64,
    /// Milliseconds per pass; `None` for a pass that did not run that frame.
    pub ms_per_pass: [(PassName, Option<f32>); PassName::COUNT],
}

impl GpuTimings {
    /// Sum over the passes that ran, milliseconds.
    pub fn total_ms(&self) -> f32 {
        self.ms_per_pass.iter().filter_map(|(_, ms)| *ms).sum()
    }
}

/// What one call to `render` did.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FrameStats {
    /// Sequence number of this frame, from 1.
    pub frame: u64,
    /// CPU time spent recording and submitting the frame, milliseconds.
    pub cpu_ms: f32,
    /// The latest GPU pass times available (from an earlier frame); `None` when the
    /// adapter has no timestamp queries or no result has come back yet.
    pub gpu: Option<GpuTimings>,
    /// Instances in the scene.
    pub instances_submitted: u32,
    /// Instances drawn after culling.
    pub instances_drawn: u32,
    /// Instances dropped for being beyond the draw distance.
    pub instances_culled_distance: u32,
    /// Instances dropped for being outside the view frustum.
    pub instances_culled_frustum: u32,
    /// Instances whose mesh has not been uploaded (skipped).
    pub instances_missing_mesh: u32,
    /// Draw calls issued over all passes.
    pub draw_calls: u32,
    /// Triangles submitted over all passes.
    pub triangles: u64,
    /// Meshes uploaded this frame (terrain included).
    pub meshes_uploaded: u32,
    /// Mesh uploads refused this frame (out-of-range indices, empty meshes).
    pub mesh_uploads_rejected: u32,
    /// Meshes resident on the GPU after this frame (terrain excluded).
    pub meshes_resident: u32,
    /// Prim faces drawn in the blended pass (after culling).
    pub faces_blended: u32,
    /// Textures uploaded (new or replaced) this frame.
    pub textures_uploaded: u32,
    /// Bytes of texels uploaded this frame (all mip levels).
    pub texture_upload_bytes: u64,
    /// Texture uploads refused this frame (sizes that do not add up, no levels).
    pub texture_uploads_rejected: u32,
    /// Textures resident on the GPU after this frame (the built-in white and
    /// placeholder excluded).
    pub textures_resident: u32,
    /// Bytes of texels resident on the GPU after this frame.
    pub texture_bytes_resident: u64,
}

impl Default for GpuTimings {
    fn default() -> Self {
        GpuTimings {
            frame: 0,
            ms_per_pass: PassName::ALL.map(|p| (p, None)),
        }
    }
}
