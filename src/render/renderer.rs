//! The frame loop: applies the scene's pending uploads (meshes, textures),
//! culls the instances and batches their faces, writes the per-frame buffers
//! and records the passes. All per-frame storage (instance vectors, the
//! texture demand map, GPU buffers, the uniform buffer) persists, so a
//! steady-state frame allocates nothing in Kestrel code.

use std::time::Instant;

use crate::alloc_stats;

use super::batch::{CullParams, InstanceBatcher};
use super::camera::{Camera, Frustum};
use super::faces::{FaceBatcher, FaceView};
use super::globals::GlobalsUniform;
use super::gpu::GpuContext;
use super::gpu_timer::GpuTimer;
use super::mesh_store::{MeshStore, UploadOutcome};
use super::passes::overlay::{self, OverlayPass, OverlayTarget};
use super::passes::prims::{PrimPass, PrimsPass};
use super::passes::sky::SkyPass;
use super::passes::terrain::{TerrainPass, TerrainSync};
use super::passes::{DEPTH_FORMAT, PassInputs, Targets};
use super::scene::{RenderScene, TextureKey};
use super::settings::RenderSettings;
use super::stats::{FrameStats, PassName};
use super::texture_store::{TextureStats, TextureStore};

/// Draws frames into any colour target of the format it was built for.
#[derive(Debug)]
pub struct Renderer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    color_format: wgpu::TextureFormat,
    width: u32,
    height: u32,
    depth: wgpu::TextureView,
    globals_buffer: wgpu::Buffer,
    globals: wgpu::BindGroup,
    sky: SkyPass,
    terrain: TerrainPass,
    prims: PrimsPass,
    meshes: MeshStore,
    textures: TextureStore,
    batcher: InstanceBatcher,
    faces: FaceBatcher,
    settings: RenderSettings,
    timer: Option<GpuTimer>,
    frame: u64,
}

impl Renderer {
    /// Builds pipelines for `color_format` and a depth buffer of `width`×`height`
    /// (zero sizes are raised to 1).
    pub fn new(
        gpu: &GpuContext,
        color_format: wgpu::TextureFormat,
        width: u32,
        height: u32,
        settings: RenderSettings,
    ) -> Renderer {
        let device = gpu.device.clone();
        let queue = gpu.queue.clone();
        let globals_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("globals"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: wgpu::BufferSize::new(
                        std::mem::size_of::<GlobalsUniform>() as u64
                    ),
                },
                count: None,
            }],
        });
        let globals_buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("globals"),
            size: std::mem::size_of::<GlobalsUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let globals = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("globals"),
            layout: &globals_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: globals_buffer.as_entire_binding(),
            }],
        });
        let (width, height) = (width.max(1), height.max(1));
        let textures = TextureStore::new(&device, &queue, settings.texture_filtering);
        Renderer {
            depth: create_depth(&device, width, height),
            sky: SkyPass::new(&device, &globals_layout, color_format),
            terrain: TerrainPass::new(&device, &queue, &globals_layout, color_format, &textures),
            prims: PrimsPass::new(&device, &globals_layout, textures.layout(), color_format),
            timer: GpuTimer::new(&device, &queue),
            meshes: MeshStore::default(),
            textures,
            batcher: InstanceBatcher::new(),
            faces: FaceBatcher::new(),
            globals_buffer,
            globals,
            color_format,
            width,
            height,
            settings,
            frame: 0,
            device,
            queue,
        }
    }

    /// Resizes the depth buffer to match a new target size.
    pub fn resize(&mut self, width: u32, height: u32) {
        let (width, height) = (width.max(1), height.max(1));
        if (width, height) != (self.width, self.height) {
            self.width = width;
            self.height = height;
            self.depth = create_depth(&self.device, width, height);
        }
    }

    /// Target size in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The colour format the pipelines were built for.
    pub fn color_format(&self) -> wgpu::TextureFormat {
        self.color_format
    }

    /// The settings in force.
    pub fn settings(&self) -> RenderSettings {
        self.settings
    }

    /// Replaces the settings; they apply from the next frame.
    pub fn set_settings(&mut self, settings: RenderSettings) {
        if settings.texture_filtering != self.settings.texture_filtering {
            self.textures
                .set_filtering(&self.device, settings.texture_filtering);
            self.terrain.sampler_changed();
        }
        self.settings = settings;
    }

    /// Whether GPU pass times are measured on this device.
    pub fn gpu_timing_available(&self) -> bool {
        self.timer.is_some()
    }

    /// Times the instance buffer has been replaced by a larger one (stays
    /// constant in a steady state).
    pub fn instance_buffer_grows(&self) -> u32 {
        self.prims.instance_buffer_grows()
    }

    /// What the texture store holds, and what the last frame uploaded.
    pub fn texture_stats(&self) -> TextureStats {
        self.textures.stats()
    }

    /// The frame just drawn's demand per texture: for every texture shown
    /// (resident or not), the largest number of screen pixels one copy of it
    /// covers — an instance's projected bounding sphere (as the reference
    /// viewer estimates a face's pixel area) divided by the face's repeats
    /// (a texture tiled 4×4 needs a sixteenth of the texels), the largest
    /// over the faces showing it. The region's terrain detail textures ask
    /// for the whole target while there is terrain. The asset side turns
    /// pixels into a discard level; iterating allocates nothing.
    pub fn texture_demand(&self) -> impl ExactSizeIterator<Item = (TextureKey, f32)> + '_ {
        self.faces.demand()
    }

    /// Draws one frame of `scene` seen by `camera` into `target` (same size as
    /// the last [`Renderer::resize`], format [`Renderer::color_format`]), with
    /// an optional overlay on top. Never waits for the GPU.
    pub fn render(
        &mut self,
        scene: &RenderScene<'_>,
        camera: &Camera,
        target: &wgpu::TextureView,
        overlay: Option<&mut dyn OverlayPass>,
    ) -> FrameStats {
        let started = Instant::now();
        self.frame += 1;
        let mut stats = FrameStats {
            frame: self.frame,
            instances_submitted: scene.instances.len() as u32,
            ..FrameStats::default()
        };

        // Drive map callbacks (timestamp readbacks) without blocking.
        let _ = alloc_stats::wgpu(|| self.device.poll(wgpu::PollType::Poll));
        if let Some(t) = &mut self.timer {
            t.begin_frame(self.frame);
        }

        self.apply_uploads(scene, &mut stats);

        let far = self.settings.effective_draw_distance();
        let globals = GlobalsUniform::new(camera, far, &scene.environment);
        alloc_stats::wgpu(|| {
            self.queue
                .write_buffer(&self.globals_buffer, 0, bytemuck::bytes_of(&globals))
        });

        let meshes = &self.meshes;
        let culled = self.batcher.cull(
            scene.instances,
            meshes.len(),
            |k| meshes.lookup(k),
            &CullParams {
                eye: camera.position,
                frustum: Frustum::from_view_projection(camera.view_projection(far)),
                draw_distance: far,
            },
        );
        stats.instances_drawn = culled.drawn;
        stats.instances_culled_distance = culled.culled_distance;
        stats.instances_culled_frustum = culled.culled_frustum;
        stats.instances_missing_mesh = culled.missing_mesh;
        let textures = &self.textures;
        let face_counts = self.faces.build(
            scene.instances,
            self.batcher.visible(),
            |slot| meshes.face_count(slot),
            |t| textures.resolve(t),
            &FaceView {
                eye: camera.position,
                pixels_per_radian: self.height as f32 / camera.fov_y.max(1e-3),
            },
        );
        stats.faces_blended = face_counts.blended;
        if let (Some(t), Some(_)) = (scene.terrain_textures, scene.terrain) {
            let whole_target = self.width as f32 * self.height as f32;
            for key in t.detail {
                self.faces.add_demand(key, whole_target);
            }
        }
        self.prims
            .upload_instances(&self.device, &self.queue, self.faces.instance_data());
        self.terrain.sync_textures(
            &self.device,
            &self.queue,
            &self.textures,
            scene.terrain_textures,
        );

        let mut encoder = alloc_stats::wgpu(|| {
            self.device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("frame"),
                })
        });
        let inputs = PassInputs {
            targets: Targets {
                colour: target,
                depth: &self.depth,
            },
            globals: &self.globals,
            quality: self.settings.shader_quality,
        };
        let writes = |pass| self.timer.as_ref().and_then(|t| t.pass_writes(pass));
        stats.draw_calls += self.sky.record(
            &mut encoder,
            &inputs,
            scene.environment.sky.horizon,
            writes(PassName::Sky),
        );
        let terrain_draws = self
            .terrain
            .record(&mut encoder, &inputs, writes(PassName::Terrain));
        stats.draw_calls += terrain_draws;
        if terrain_draws > 0 {
            stats.triangles += self.terrain.triangles();
        }
        for (which, runs, name) in [
            (PrimPass::Opaque, self.faces.opaque_runs(), PassName::Prims),
            (
                PrimPass::Blended,
                self.faces.blended_runs(),
                PassName::Blended,
            ),
        ] {
            let draws = self.prims.record(
                which,
                &mut encoder,
                &inputs,
                runs,
                &self.meshes,
                &self.textures,
                writes(name),
            );
            stats.draw_calls += draws.draw_calls;
            stats.triangles += draws.triangles;
        }
        let mut passes_run = 4;
        if let Some(o) = overlay {
            let overlay_target = OverlayTarget {
                view: target,
                width: self.width,
                height: self.height,
                format: self.color_format,
            };
            overlay::record(
                o,
                &self.device,
                &self.queue,
                &mut encoder,
                overlay_target,
                writes(PassName::Overlay),
            );
            passes_run += 1;
        }
        if let Some(t) = &mut self.timer {
            t.end_frame(&mut encoder, passes_run);
        }
        alloc_stats::wgpu(|| self.queue.submit(Some(encoder.finish())));
        if let Some(t) = &mut self.timer {
            t.after_submit();
            stats.gpu = t.latest();
        }
        stats.meshes_resident = self.meshes.len() as u32;
        let t = self.textures.stats();
        stats.textures_uploaded = t.uploads;
        stats.texture_upload_bytes = t.upload_bytes;
        stats.texture_uploads_rejected = t.rejected;
        stats.textures_resident = t.resident;
        stats.texture_bytes_resident = t.resident_bytes;
        stats.cpu_ms = started.elapsed().as_secs_f32() * 1000.0;
        stats
    }

    fn apply_uploads(&mut self, scene: &RenderScene<'_>, stats: &mut FrameStats) {
        for upload in scene.mesh_uploads {
            match self.meshes.apply_upload(&self.device, upload) {
                UploadOutcome::Uploaded => stats.meshes_uploaded += 1,
                UploadOutcome::Unchanged => {}
                UploadOutcome::Rejected(why) => {
                    stats.mesh_uploads_rejected += 1;
                    tracing::warn!(key = upload.key.0, %why, "mesh upload refused");
                }
            }
        }
        for key in scene.mesh_removals {
            self.meshes.remove(*key);
        }
        self.textures.apply(
            &self.device,
            &self.queue,
            scene.texture_uploads,
            scene.texture_removals,
        );
        match self.terrain.sync(&self.device, scene.terrain) {
            TerrainSync::Uploaded => stats.meshes_uploaded += 1,
            TerrainSync::Rejected(why) => {
                stats.mesh_uploads_rejected += 1;
                tracing::warn!(%why, "terrain mesh refused");
            }
            TerrainSync::Unchanged | TerrainSync::Cleared => {}
        }
    }
}

fn create_depth(device: &wgpu::Device, width: u32, height: u32) -> wgpu::TextureView {
    device
        .create_texture(&wgpu::TextureDescriptor {
            label: Some("depth"),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: DEPTH_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            view_formats: &[],
        })
        .create_view(&wgpu::TextureViewDescriptor::default())
}
