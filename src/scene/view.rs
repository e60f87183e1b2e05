//! The render thread's side of the scene: drains [`SceneDelta`]s into its
//! own instance table and hands the renderer a [`RenderScene`] each frame.
//!
//! Nothing here blocks, and once the tables have grown to the region's size
//! nothing allocates: the instance list is cleared and refilled in place.

use std::collections::HashMap;
use std::sync::Arc;

use kestrel_actors::bus::{DrainBudget, Drained};

use super::actor::SceneHandle;
use super::delta::{SceneDelta, TerrainSnapshot};
use super::tables::LocalId;
use crate::assets::{AssetHandle, DemandSender, TextureDelta};
use crate::render::{
    Environment, MeshKey, MeshUpload, PrimInstance, RenderScene, TerrainSource, TerrainTextures,
    TextureKey, TextureUpload,
};

/// Texel bytes handed to the GPU per frame unless set otherwise: a 1024²
/// texture with its mips (≈5.6 MB) goes up in one frame, a 2048² in two.
pub const DEFAULT_UPLOAD_BUDGET: usize = 6 * 1024 * 1024;
/// Frames between two demand reports to the AssetActor.
const DEMAND_EVERY: u64 = 6;

/// The render thread's copy of what to draw.
pub struct SceneView {
    objects: HashMap<LocalId, PrimInstance>,
    known_meshes: HashMap<MeshKey, ()>,
    uploads: Vec<MeshUpload>,
    instances: Vec<PrimInstance>,
    instances_dirty: bool,
    terrain: Arc<TerrainSnapshot>,
    budget: DrainBudget,
    texture_uploads: Vec<TextureUpload>,
    texture_removals: Vec<TextureKey>,
    /// A delivery drained but held for the next frame's byte budget.
    held_texture: Option<TextureDelta>,
    upload_budget: usize,
    terrain_textures: Option<TerrainTextures>,
    demand: Option<DemandSender>,
    frames: u64,
    textures_uploaded: u64,
}

impl SceneView {
    /// An empty view that takes at most `max_deltas_per_frame` changes per frame.
    pub fn new(max_deltas_per_frame: usize) -> Self {
        SceneView {
            objects: HashMap::with_capacity(4096),
            known_meshes: HashMap::with_capacity(1024),
            uploads: Vec::with_capacity(256),
            instances: Vec::with_capacity(4096),
            instances_dirty: false,
            terrain: Arc::new(TerrainSnapshot::default()),
            budget: DrainBudget::items(max_deltas_per_frame),
            texture_uploads: Vec::with_capacity(64),
            texture_removals: Vec::with_capacity(64),
            held_texture: None,
            upload_budget: DEFAULT_UPLOAD_BUDGET,
            terrain_textures: None,
            demand: None,
            frames: 0,
            textures_uploaded: 0,
        }
    }

    /// Sends the renderer's texture demand to the AssetActor through `demand`
    /// every few frames (never waiting).
    pub fn set_demand(&mut self, demand: DemandSender) {
        self.demand = Some(demand);
    }

    /// Texel bytes handed to the GPU per frame (at least one texture a frame
    /// goes up, however large).
    pub fn set_upload_budget(&mut self, bytes: usize) {
        self.upload_budget = bytes;
    }

    /// Takes texture levels the AssetActor delivered, within the frame's byte
    /// budget; what does not fit waits for the next frame.
    pub fn update_textures(&mut self, assets: &AssetHandle) {
        let mut spent = 0usize;
        loop {
            let next = self.held_texture.take().or_else(|| {
                let mut one = None;
                assets
                    .textures
                    .drain_with(DrainBudget::items(1), |d| one = Some(d));
                one
            });
            let Some(delta) = next else { break };
            match delta.image {
                Some(image) => {
                    let cost = image.byte_size();
                    if spent > 0 && spent + cost > self.upload_budget {
                        self.held_texture = Some(TextureDelta {
                            key: delta.key,
                            image: Some(image),
                        });
                        break;
                    }
                    spent += cost;
                    self.textures_uploaded += 1;
                    self.texture_uploads.push(TextureUpload {
                        key: delta.key,
                        image,
                    });
                }
                None => self.texture_removals.push(delta.key),
            }
        }
    }

    /// Reports what the renderer says each visible texture covers (every few
    /// frames; skipped when the actor has not taken the last report).
    pub fn report_demand(&mut self, demand: impl Iterator<Item = (TextureKey, f32)>) {
        self.frames += 1;
        if self.frames % DEMAND_EVERY != 0 {
            return;
        }
        if let Some(tx) = self.demand.as_mut() {
            tx.report(demand);
        }
    }

    /// Texture levels handed to the renderer so far.
    pub fn textures_uploaded(&self) -> u64 {
        self.textures_uploaded
    }

    /// Takes what the scene published since the last frame, within the budget.
    pub fn update(&mut self, scene: &SceneHandle) -> Drained {
        let objects = &mut self.objects;
        let known = &mut self.known_meshes;
        let uploads = &mut self.uploads;
        let mut changed = false;
        let drained = scene.deltas.drain_with(self.budget, |delta| {
            changed = true;
            match delta {
                SceneDelta::Object {
                    id,
                    mesh_key,
                    mesh,
                    model,
                    colour,
                    faces,
                } => {
                    if known.insert(mesh_key, ()).is_none() {
                        uploads.push(MeshUpload {
                            key: mesh_key,
                            mesh,
                        });
                    }
                    objects.insert(
                        id,
                        PrimInstance {
                            mesh: mesh_key,
                            model,
                            colour,
                            faces,
                        },
                    );
                }
                SceneDelta::Removed { id } => {
                    objects.remove(&id);
                }
            }
        });
        self.instances_dirty |= changed;
        let latest = scene.terrain.load();
        if latest.version != self.terrain.version {
            self.terrain = scene.terrain.load_full();
        }
        self.terrain_textures = *scene.terrain_textures.load();
        if self.instances_dirty {
            self.instances.clear();
            self.instances.extend(self.objects.values().cloned());
            // Alike objects next to each other: the renderer resolves a
            // look once for a run of instances sharing mesh and faces.
            self.instances
                .sort_unstable_by_key(|i| (i.mesh, Arc::as_ptr(&i.faces) as *const u8 as usize));
            self.instances_dirty = false;
        }
        drained
    }

    /// This frame's scene for the renderer.
    pub fn render_scene(&self, environment: Environment) -> RenderScene<'_> {
        let terrain = (self.terrain.version > 0).then(|| TerrainSource {
            version: self.terrain.version,
            mesh: &self.terrain.mesh,
        });
        RenderScene {
            terrain,
            mesh_uploads: &self.uploads,
            mesh_removals: &[],
            instances: &self.instances,
            texture_uploads: &self.texture_uploads,
            texture_removals: &self.texture_removals,
            terrain_textures: self.terrain_textures,
            environment,
        }
    }

    /// Call after the renderer has taken this frame's uploads.
    pub fn frame_done(&mut self) {
        self.uploads.clear();
        self.texture_uploads.clear();
        self.texture_removals.clear();
    }

    /// Objects drawn.
    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    /// Terrain patches behind the current terrain mesh.
    pub fn terrain_patches(&self) -> usize {
        self.terrain.patches
    }
}
