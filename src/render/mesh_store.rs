//! GPU copies of meshes, uploaded once under a [`MeshKey`] and kept until
//! removed or replaced.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use glam::Vec3;
use wgpu::util::DeviceExt;

use super::batch::MeshBounds;
use super::scene::{MeshKey, MeshUpload};
use crate::mesh::{FaceRange, MeshData};

/// Most faces a mesh may have: the batcher packs the face number into 8 bits
/// of its sort key (prims have at most 9 faces, mesh assets 8).
pub const MAX_FACES: usize = 255;

/// Why a mesh was not uploaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MeshRejected {
    /// No triangles at all.
    #[error("mesh has no triangles")]
    Empty,
    /// The index count is not a multiple of three.
    #[error("index count {0} is not a multiple of 3")]
    NotTriangles(usize),
    /// An index points past the vertex list.
    #[error("index {index} at position {at} is out of range for {vertices} vertices")]
    IndexOutOfRange {
        /// The bad index value.
        index: u32,
        /// Where it sits in the index list.
        at: usize,
        /// How many vertices there are.
        vertices: usize,
    },
    /// A vertex position is NaN or infinite.
    #[error("vertex {0} has a non-finite position")]
    NonFinite(usize),
    /// A face's index range is not whole triangles inside the index list.
    #[error("face {face} covers indices {first}..{first}+{count} of {indices}")]
    BadFace {
        /// The face's position in `MeshData::faces`.
        face: usize,
        /// Its first index.
        first: u32,
        /// Its index count.
        count: u32,
        /// How many indices the mesh has.
        indices: usize,
    },
    /// More faces than [`MAX_FACES`].
    #[error("{0} faces, at most {MAX_FACES} are drawn")]
    TooManyFaces(usize),
}

/// Checks a mesh before it reaches the GPU and returns its bounding sphere.
pub fn validate_mesh(mesh: &MeshData) -> Result<MeshBounds, MeshRejected> {
    if mesh.indices.is_empty() || mesh.vertices.is_empty() {
        return Err(MeshRejected::Empty);
    }
    if !mesh.indices.len().is_multiple_of(3) {
        return Err(MeshRejected::NotTriangles(mesh.indices.len()));
    }
    if mesh.faces.len() > MAX_FACES {
        return Err(MeshRejected::TooManyFaces(mesh.faces.len()));
    }
    for (face, f) in mesh.faces.iter().enumerate() {
        let end = u64::from(f.first) + u64::from(f.count);
        if !f.first.is_multiple_of(3)
            || !f.count.is_multiple_of(3)
            || end > mesh.indices.len() as u64
        {
            return Err(MeshRejected::BadFace {
                face,
                first: f.first,
                count: f.count,
                indices: mesh.indices.len(),
            });
        }
    }
    let n = mesh.vertices.len();
    if let Some((at, &index)) = mesh
        .indices
        .iter()
        .enumerate()
        .find(|(_, i)| **i as usize >= n)
    {
        return Err(MeshRejected::IndexOutOfRange {
            index,
            at,
            vertices: n,
        });
    }
    let mut min = Vec3::splat(f32::INFINITY);
    let mut max = Vec3::splat(f32::NEG_INFINITY);
    for (i, v) in mesh.vertices.iter().enumerate() {
        let p = Vec3::from(v.position);
        if !p.is_finite() {
            return Err(MeshRejected::NonFinite(i));
        }
        min = min.min(p);
        max = max.max(p);
    }
    let centre = (min + max) * 0.5;
    let radius = mesh
        .vertices
        .iter()
        .map(|v| Vec3::from(v.position).distance(centre))
        .fold(0.0f32, f32::max);
    Ok(MeshBounds { centre, radius })
}

/// One mesh on the GPU.
#[derive(Debug)]
pub(crate) struct GpuMesh {
    pub(crate) vertices: wgpu::Buffer,
    pub(crate) indices: wgpu::Buffer,
    pub(crate) index_count: u32,
    /// Index ranges per face in texture-entry order (never empty: a mesh
    /// without faces is one face over all its indices).
    pub(crate) faces: Vec<FaceRange>,
    pub(crate) bounds: MeshBounds,
    /// The CPU mesh it came from, to notice re-uploads of the same `Arc`
    /// (a `Weak` keeps only the allocation's header alive, not the data).
    source: Weak<MeshData>,
}

impl GpuMesh {
    /// Validates and uploads a mesh.
    pub(crate) fn upload(
        device: &wgpu::Device,
        label: &str,
        mesh: &MeshData,
        source: Weak<MeshData>,
    ) -> Result<GpuMesh, MeshRejected> {
        let bounds = validate_mesh(mesh)?;
        let _wgpu = crate::alloc_stats::in_wgpu();
        let vertices = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(&mesh.vertices),
            usage: wgpu::BufferUsages::VERTEX,
        });
        let indices = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(&mesh.indices),
            usage: wgpu::BufferUsages::INDEX,
        });
        Ok(GpuMesh {
            vertices,
            indices,
            index_count: mesh.indices.len() as u32,
            faces: mesh.face_ranges().collect(),
            bounds,
            source,
        })
    }
}

/// What applying one upload did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UploadOutcome {
    /// New or replaced GPU buffers.
    Uploaded,
    /// Same `Arc` as already resident: nothing to do.
    Unchanged,
    /// Refused; the previous mesh under the key (if any) stays.
    Rejected(MeshRejected),
}

/// Resident meshes in a dense array (so per-frame counters index by slot)
/// with a key → slot map.
#[derive(Debug, Default)]
pub(crate) struct MeshStore {
    slot_of: HashMap<MeshKey, u32>,
    keys: Vec<MeshKey>,
    meshes: Vec<GpuMesh>,
}

impl MeshStore {
    /// Uploads or replaces the mesh under `upload.key`.
    pub(crate) fn apply_upload(
        &mut self,
        device: &wgpu::Device,
        upload: &MeshUpload,
    ) -> UploadOutcome {
        let slot = self.slot_of.get(&upload.key).copied();
        if let Some(s) = slot
            && std::ptr::eq(
                self.meshes[s as usize].source.as_ptr(),
                Arc::as_ptr(&upload.mesh),
            )
        {
            return UploadOutcome::Unchanged;
        }
        let gpu = match GpuMesh::upload(
            device,
            "prim mesh",
            &upload.mesh,
            Arc::downgrade(&upload.mesh),
        ) {
            Ok(g) => g,
            Err(e) => return UploadOutcome::Rejected(e),
        };
        match slot {
            Some(s) => self.meshes[s as usize] = gpu,
            None => {
                self.slot_of.insert(upload.key, self.meshes.len() as u32);
                self.keys.push(upload.key);
                self.meshes.push(gpu);
            }
        }
        UploadOutcome::Uploaded
    }

    /// Frees the mesh under `key`; returns whether there was one.
    pub(crate) fn remove(&mut self, key: MeshKey) -> bool {
        let Some(slot) = self.slot_of.remove(&key) else {
            return false;
        };
        let slot = slot as usize;
        self.meshes.swap_remove(slot);
        self.keys.swap_remove(slot);
        if let Some(moved) = self.keys.get(slot) {
            self.slot_of.insert(*moved, slot as u32);
        }
        true
    }

    /// Slot and bounds of a resident mesh.
    pub(crate) fn lookup(&self, key: MeshKey) -> Option<(u32, MeshBounds)> {
        self.slot_of
            .get(&key)
            .map(|&s| (s, self.meshes[s as usize].bounds))
    }

    /// The mesh in a slot returned by [`MeshStore::lookup`].
    pub(crate) fn get(&self, slot: u32) -> &GpuMesh {
        &self.meshes[slot as usize]
    }

    /// Faces of the mesh in a slot (at least 1).
    pub(crate) fn face_count(&self, slot: u32) -> u32 {
        self.meshes
            .get(slot as usize)
            .map_or(1, |m| m.faces.len() as u32)
    }

    /// Number of resident meshes (= number of slots).
    pub(crate) fn len(&self) -> usize {
        self.meshes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::Vertex;

    fn v(x: f32, y: f32, z: f32) -> Vertex {
        Vertex {
            position: [x, y, z],
            normal: [0.0, 0.0, 1.0],
            uv: [0.0, 0.0],
        }
    }

    #[test]
    fn bounds_cover_every_vertex() {
        let m = MeshData {
            vertices: vec![v(-1.0, -1.0, 0.0), v(1.0, -1.0, 0.0), v(0.0, 3.0, 0.0)],
            indices: vec![0, 1, 2],
            ..Default::default()
        };
        let b = validate_mesh(&m).unwrap();
        for vert in &m.vertices {
            assert!(Vec3::from(vert.position).distance(b.centre) <= b.radius + 1e-5);
        }
    }

    #[test]
    fn bad_meshes_are_refused_with_the_reason() {
        let tri = vec![v(0.0, 0.0, 0.0), v(1.0, 0.0, 0.0), v(0.0, 1.0, 0.0)];
        let empty = MeshData::default();
        assert_eq!(validate_mesh(&empty), Err(MeshRejected::Empty));
        let m = MeshData {
            vertices: tri.clone(),
            indices: vec![0, 1],
            ..Default::default()
        };
        assert_eq!(validate_mesh(&m), Err(MeshRejected::NotTriangles(2)));
        let m = MeshData {
            vertices: tri.clone(),
            indices: vec![0, 1, 3],
            ..Default::default()
        };
        assert_eq!(
            validate_mesh(&m),
            Err(MeshRejected::IndexOutOfRange {
                index: 3,
                at: 2,
                vertices: 3
            })
        );
        let mut bad = tri;
        bad[1].position[2] = f32::NAN;
        let m = MeshData {
            vertices: bad,
            indices: vec![0, 1, 2],
            ..Default::default()
        };
        assert_eq!(validate_mesh(&m), Err(MeshRejected::NonFinite(1)));
    }

    #[test]
    fn face_ranges_must_be_whole_triangles_inside_the_indices() {
        let tri = vec![v(0.0, 0.0, 0.0), v(1.0, 0.0, 0.0), v(0.0, 1.0, 0.0)];
        let with_faces = |faces: Vec<FaceRange>| MeshData {
            vertices: tri.clone(),
            indices: vec![0, 1, 2, 0, 2, 1],
            faces,
        };
        let ok = with_faces(vec![
            FaceRange { first: 0, count: 3 },
            FaceRange { first: 3, count: 3 },
        ]);
        assert!(validate_mesh(&ok).is_ok());
        let past_end = with_faces(vec![FaceRange { first: 3, count: 6 }]);
        assert!(matches!(
            validate_mesh(&past_end),
            Err(MeshRejected::BadFace { face: 0, .. })
        ));
        let split_triangle = with_faces(vec![FaceRange { first: 1, count: 3 }]);
        assert!(matches!(
            validate_mesh(&split_triangle),
            Err(MeshRejected::BadFace { .. })
        ));
    }
}
