//! Culls a frame's instances and groups the survivors by mesh into one
//! contiguous run per mesh (a counting sort). The renderer hands the grouped
//! survivors ([`InstanceBatcher::visible`]) to the face batcher
//! (`render::faces`), which splits them into per-face, per-texture runs;
//! [`InstanceBatcher::build`] also writes whole-mesh instance data, one
//! instanced draw per mesh. All working storage is kept between frames: once
//! the vectors have grown to the scene's size, building a frame allocates
//! nothing.

use bytemuck::{Pod, Zeroable};
use glam::{Mat4, Vec3};

use super::camera::Frustum;
use super::scene::{MeshKey, PrimInstance};

/// A mesh's bounding sphere in object space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeshBounds {
    /// Sphere centre.
    pub centre: Vec3,
    /// Sphere radius.
    pub radius: f32,
}

/// Per-instance data as the prim pass's instance buffer holds it
/// (`@location(3..=7)` in shaders/prims.wgsl).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct InstanceRaw {
    /// Object → world matrix, column-major.
    pub model: [[f32; 4]; 4],
    /// Linear RGBA.
    pub colour: [f32; 4],
}

/// An instance that survived culling, with its world-space bounding sphere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VisibleInstance {
    /// Mesh slot it draws.
    pub mesh_slot: u32,
    /// Its index in the frame's instances.
    pub index: u32,
    /// World-space bounding sphere centre.
    pub centre: Vec3,
    /// World-space bounding sphere radius.
    pub radius: f32,
}

/// A run of instances that share a mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceBatch {
    /// Mesh slot the run draws.
    pub mesh_slot: u32,
    /// Index of the run's first instance in [`InstanceBatcher::instance_data`].
    pub first_instance: u32,
    /// Instances in the run.
    pub instance_count: u32,
}

/// Where the camera is and how far it sees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CullParams {
    /// Eye position.
    pub eye: Vec3,
    /// View frustum.
    pub frustum: Frustum,
    /// Instances whose bounding sphere lies entirely farther than this are dropped, metres.
    pub draw_distance: f32,
}

/// What culling did with a frame's instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CullCounts {
    /// Instances kept.
    pub drawn: u32,
    /// Instances beyond the draw distance.
    pub culled_distance: u32,
    /// Instances outside the frustum (non-finite transforms land here too).
    pub culled_frustum: u32,
    /// Instances whose mesh is not resident.
    pub missing_mesh: u32,
}

/// Reusable culling and grouping state.
#[derive(Debug, Default)]
pub struct InstanceBatcher {
    /// Every survivor, in instance order.
    survivors: Vec<VisibleInstance>,
    /// The survivors grouped by mesh slot (the runs of `batches`).
    visible: Vec<VisibleInstance>,
    /// Per slot: survivor count, then the write cursor of the scatter.
    per_slot: Vec<u32>,
    data: Vec<InstanceRaw>,
    batches: Vec<InstanceBatch>,
}

impl InstanceBatcher {
    /// Empty state; vectors grow on first use and are kept.
    pub fn new() -> InstanceBatcher {
        InstanceBatcher::default()
    }

    /// Culls `instances` and groups the survivors by mesh slot into
    /// [`InstanceBatcher::visible`] and [`InstanceBatcher::batches`].
    ///
    /// `slots` is the number of mesh slots; `lookup` maps a key to its slot
    /// (`< slots`) and object-space bounds, or `None` when not resident.
    pub fn cull(
        &mut self,
        instances: &[PrimInstance],
        slots: usize,
        lookup: impl Fn(MeshKey) -> Option<(u32, MeshBounds)>,
        params: &CullParams,
    ) -> CullCounts {
        let mut counts = CullCounts::default();
        self.survivors.clear();
        self.visible.clear();
        self.per_slot.clear();
        self.per_slot.resize(slots, 0);
        self.batches.clear();
        // Room for every instance up front: the survivors change as objects
        // and the camera move, and growing at each new high-water mark
        // would allocate in the middle of an otherwise steady run.
        self.survivors.reserve(instances.len());
        self.visible.reserve(instances.len());
        self.batches.reserve(slots);
        for (i, inst) in instances.iter().enumerate() {
            let Some((slot, bounds)) = lookup(inst.mesh) else {
                counts.missing_mesh += 1;
                continue;
            };
            let (centre, radius) = world_sphere(&inst.model, bounds);
            // Entirely beyond the draw distance; squared to spare a sqrt per instance.
            let reach = params.draw_distance + radius;
            if centre.distance_squared(params.eye) > reach * reach {
                counts.culled_distance += 1;
                continue;
            }
            if !params.frustum.intersects_sphere(centre, radius) {
                counts.culled_frustum += 1;
                continue;
            }
            let Some(n) = self.per_slot.get_mut(slot as usize) else {
                // A lookup that breaks its contract is treated like a missing mesh.
                counts.missing_mesh += 1;
                continue;
            };
            *n += 1;
            self.survivors.push(VisibleInstance {
                mesh_slot: slot,
                index: i as u32,
                centre,
                radius,
            });
        }
        counts.drawn = self.survivors.len() as u32;

        // Exclusive prefix sum: per_slot becomes each run's start (the scatter cursor).
        let mut start = 0u32;
        for (slot, n) in self.per_slot.iter_mut().enumerate() {
            let count = *n;
            if count > 0 {
                self.batches.push(InstanceBatch {
                    mesh_slot: slot as u32,
                    first_instance: start,
                    instance_count: count,
                });
            }
            *n = start;
            start += count;
        }
        let placeholder = VisibleInstance {
            mesh_slot: 0,
            index: 0,
            centre: Vec3::ZERO,
            radius: 0.0,
        };
        self.visible.resize(self.survivors.len(), placeholder);
        for v in &self.survivors {
            let cursor = &mut self.per_slot[v.mesh_slot as usize];
            self.visible[*cursor as usize] = *v;
            *cursor += 1;
        }
        counts
    }

    /// [`InstanceBatcher::cull`], then one [`InstanceRaw`] per survivor in
    /// [`InstanceBatcher::instance_data`], grouped as the batches are (for
    /// whole-mesh instanced draws).
    pub fn build(
        &mut self,
        instances: &[PrimInstance],
        slots: usize,
        lookup: impl Fn(MeshKey) -> Option<(u32, MeshBounds)>,
        params: &CullParams,
    ) -> CullCounts {
        let counts = self.cull(instances, slots, lookup, params);
        self.data.clear();
        self.data.reserve(instances.len());
        self.data.extend(self.visible.iter().map(|v| {
            let inst = &instances[v.index as usize];
            InstanceRaw {
                model: inst.model.to_cols_array_2d(),
                colour: inst.colour,
            }
        }));
        counts
    }

    /// Survivors of the last cull grouped by mesh slot: each of
    /// [`InstanceBatcher::batches`] is the range
    /// `first_instance..first_instance + instance_count` of this slice.
    pub fn visible(&self) -> &[VisibleInstance] {
        &self.visible
    }

    /// Instance data of the last [`InstanceBatcher::build`], grouped so each
    /// batch is contiguous.
    pub fn instance_data(&self) -> &[InstanceRaw] {
        &self.data
    }

    /// Runs of the last cull, one per mesh with survivors, in slot order.
    pub fn batches(&self) -> &[InstanceBatch] {
        &self.batches
    }
}

/// The bounding sphere moved into world space; the radius grows with the
/// largest axis scale so non-uniform scale stays conservative.
fn world_sphere(model: &Mat4, b: MeshBounds) -> (Vec3, f32) {
    let centre = model.transform_point3(b.centre);
    let scale = model
        .x_axis
        .truncate()
        .length()
        .max(model.y_axis.truncate().length())
        .max(model.z_axis.truncate().length());
    (centre, b.radius * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::camera::Camera;

    fn params(draw_distance: f32) -> CullParams {
        let cam = Camera {
            position: Vec3::ZERO,
            ..Camera::default()
        };
        CullParams {
            eye: Vec3::ZERO,
            frustum: Frustum::from_view_projection(cam.view_projection(draw_distance)),
            draw_distance,
        }
    }

    fn at(mesh: u64, x: f32, y: f32) -> PrimInstance {
        PrimInstance {
            mesh: MeshKey(mesh),
            model: Mat4::from_translation(Vec3::new(x, y, 0.0)),
            colour: [x, y, 0.0, 1.0],
            faces: Default::default(),
        }
    }

    fn unit_lookup(k: MeshKey) -> Option<(u32, MeshBounds)> {
        (k.0 < 3).then_some((
            k.0 as u32,
            MeshBounds {
                centre: Vec3::ZERO,
                radius: 1.0,
            },
        ))
    }

    #[test]
    fn survivors_are_grouped_by_mesh_in_contiguous_runs() {
        let instances = [
            at(2, 10.0, 0.0),
            at(0, 11.0, 0.0),
            at(2, 12.0, 0.0),
            at(0, 13.0, 0.0),
            at(0, 14.0, 0.0),
        ];
        let mut b = InstanceBatcher::new();
        let c = b.build(&instances, 3, unit_lookup, &params(100.0));
        assert_eq!(c.drawn, 5);
        assert_eq!(
            b.batches(),
            &[
                InstanceBatch {
                    mesh_slot: 0,
                    first_instance: 0,
                    instance_count: 3
                },
                InstanceBatch {
                    mesh_slot: 2,
                    first_instance: 3,
                    instance_count: 2
                },
            ]
        );
        let xs: Vec<f32> = b.instance_data().iter().map(|d| d.colour[0]).collect();
        assert_eq!(xs, vec![11.0, 13.0, 14.0, 10.0, 12.0]);
    }

    #[test]
    fn distance_frustum_and_missing_meshes_are_counted() {
        let instances = [
            at(0, 50.0, 0.0),  // drawn
            at(0, 150.0, 0.0), // beyond draw distance
            at(1, -50.0, 0.0), // behind the camera
            at(7, 20.0, 0.0),  // mesh not resident
            at(1, 100.5, 0.0), // straddles the draw distance: kept
        ];
        let mut b = InstanceBatcher::new();
        let c = b.build(&instances, 3, unit_lookup, &params(100.0));
        assert_eq!(
            c,
            CullCounts {
                drawn: 2,
                culled_distance: 1,
                culled_frustum: 1,
                missing_mesh: 1
            }
        );
        assert_eq!(b.instance_data().len(), 2);
    }

    #[test]
    fn non_finite_transforms_are_dropped_not_drawn() {
        let mut bad = at(0, 10.0, 0.0);
        bad.model.w_axis.x = f32::NAN;
        let mut b = InstanceBatcher::new();
        let c = b.build(&[bad], 3, unit_lookup, &params(100.0));
        assert_eq!(c.drawn, 0);
    }
}
