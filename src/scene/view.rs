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
use crate::render::{Environment, MeshKey, MeshUpload, PrimInstance, RenderScene, TerrainSource};

/// The render thread's copy of what to draw.
pub struct SceneView {
    objects: HashMap<LocalId, PrimInstance>,
    known_meshes: HashMap<MeshKey, ()>,
    uploads: Vec<MeshUpload>,
    instances: Vec<PrimInstance>,
    instances_dirty: bool,
    terrain: Arc<TerrainSnapshot>,
    budget: DrainBudget,
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
        }
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
        if self.instances_dirty {
            self.instances.clear();
            self.instances.extend(self.objects.values().copied());
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
            environment,
        }
    }

    /// Call after the renderer has taken this frame's uploads.
    pub fn frame_done(&mut self) {
        self.uploads.clear();
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
