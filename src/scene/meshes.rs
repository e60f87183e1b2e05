//! The SceneActor's mesh cache: one mesh per distinct prim shape and LOD,
//! built on the rayon pool and shared by every object of that shape.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use glam::Vec3;
use kestrel_protocol::object_data::PrimShape;
use rayon::prelude::*;

use crate::mesh::{Lod, MeshData, build_prim_mesh};
use crate::render::MeshKey;

/// Picks the level of detail for a prim by its size: big prims are seen
/// from far and up close, so they get the finer meshes. `bias` (the
/// profile's mesh LOD bias) scales the size thresholds.
pub fn lod_for(scale: Vec3, bias: f32) -> Lod {
    let size = scale.max_element() * bias.clamp(0.1, 8.0);
    if size >= 8.0 {
        Lod::High
    } else if size >= 2.0 {
        Lod::Medium
    } else if size >= 0.5 {
        Lod::Low
    } else {
        Lod::Lowest
    }
}

/// The key of a shape at a LOD: a hash of the shape's exact parameters, so
/// identical shapes share one mesh.
pub fn mesh_key(shape: &PrimShape, lod: Lod) -> MeshKey {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    shape_bits(shape).hash(&mut h);
    lod.index().hash(&mut h);
    MeshKey(h.finish())
}

fn shape_bits(s: &PrimShape) -> [u32; 19] {
    [
        s.path as u32,
        s.profile as u32,
        s.hole as u32,
        s.path_begin.to_bits(),
        s.path_end.to_bits(),
        s.path_scale_x.to_bits(),
        s.path_scale_y.to_bits(),
        s.path_shear_x.to_bits(),
        s.path_shear_y.to_bits(),
        s.path_twist.to_bits(),
        s.path_twist_begin.to_bits(),
        s.path_radius_offset.to_bits(),
        s.path_taper_x.to_bits(),
        s.path_taper_y.to_bits(),
        s.path_revolutions.to_bits(),
        s.path_skew.to_bits(),
        s.profile_begin.to_bits(),
        s.profile_end.to_bits(),
        s.profile_hollow.to_bits(),
    ]
}

/// Meshes built so far, by key.
#[derive(Debug, Default, Clone)]
pub struct MeshCache {
    meshes: HashMap<MeshKey, Arc<MeshData>>,
}

impl MeshCache {
    /// Builds, in parallel on the rayon pool, every `(shape, lod)` not built
    /// yet. Returns how many were built.
    pub fn ensure(&mut self, wanted: &[(MeshKey, PrimShape, Lod)]) -> usize {
        let mut todo: Vec<(MeshKey, PrimShape, Lod)> = wanted
            .iter()
            .filter(|(k, _, _)| !self.meshes.contains_key(k))
            .copied()
            .collect();
        todo.sort_by_key(|(k, _, _)| *k);
        todo.dedup_by_key(|(k, _, _)| *k);
        let built: Vec<(MeshKey, MeshData)> = todo
            .par_iter()
            .map(|(k, shape, lod)| (*k, build_prim_mesh(shape, *lod)))
            .collect();
        let n = built.len();
        for (k, m) in built {
            self.meshes.insert(k, Arc::new(m));
        }
        n
    }

    /// The mesh under `key`, if built.
    pub fn get(&self, key: MeshKey) -> Option<&Arc<MeshData>> {
        self.meshes.get(&key)
    }

    /// Number of distinct meshes.
    pub fn len(&self) -> usize {
        self.meshes.len()
    }

    /// True when nothing is built yet.
    pub fn is_empty(&self) -> bool {
        self.meshes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_shape_shares_a_key_and_lod_changes_it() {
        let a = mesh_key(&PrimShape::BOX, Lod::High);
        assert_eq!(a, mesh_key(&PrimShape::BOX, Lod::High));
        assert_ne!(a, mesh_key(&PrimShape::BOX, Lod::Low));
        let mut hollow = PrimShape::BOX;
        hollow.profile_hollow = 0.5;
        assert_ne!(a, mesh_key(&hollow, Lod::High));
    }

    #[test]
    fn cache_builds_each_shape_once() {
        let mut cache = MeshCache::default();
        let k = mesh_key(&PrimShape::BOX, Lod::Low);
        let wanted = [(k, PrimShape::BOX, Lod::Low), (k, PrimShape::BOX, Lod::Low)];
        assert_eq!(cache.ensure(&wanted), 1);
        assert_eq!(cache.ensure(&wanted), 0);
        assert!(!cache.get(k).unwrap().indices.is_empty());
    }
}
