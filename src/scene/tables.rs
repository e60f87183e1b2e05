//! The region's tables as the SceneActor keeps them: objects by local id and
//! the terrain heightfield, folded from object and terrain messages.
//!
//! Folding is pure (no actor, no I/O) so a recorded stream of updates can be
//! replayed into the tables in a test and compared with what it should give.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use glam::{Mat4, Quat, Vec3};
use kestrel_protocol::layer_data::{Heightfield, LayerType, decode_layer};
use kestrel_protocol::messages::Message;
use kestrel_protocol::object_data::{
    CompressedObject, ObjectUpdateMotion, PCode, PrimShape, PrimShapeWire, QuantRanges, TerseUpdate,
};
use kestrel_protocol::texture_entry::TextureEntry;
use kestrel_protocol::types::Uuid;

use super::looks::face_looks;
use crate::render::FaceLook;

/// An object's region-local id (`ObjectData.ID` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// Number of terrain patches in a 256 m region (16 × 16).
pub const PATCH_COUNT: usize = 256;

/// Deepest link chain followed when composing transforms; SL link sets are
/// one level deep, attachments two, so this only guards against cycles.
const MAX_LINK_DEPTH: usize = 8;

/// One object in the region.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneObject {
    /// Region-local id.
    pub local_id: LocalId,
    /// Grid-wide id.
    pub full_id: Uuid,
    /// What it is (prim, avatar, tree…).
    pub pcode: PCode,
    /// The link parent, if linked (0 on the wire means none).
    pub parent: Option<LocalId>,
    /// Position relative to the parent (or the region when unlinked), metres.
    pub position: Vec3,
    /// Rotation relative to the parent.
    pub rotation: Quat,
    /// Size, metres.
    pub scale: Vec3,
    /// The volume parameters (prims only; avatars keep the default box).
    pub shape: PrimShape,
    /// Colour of the default face, linear-ish RGBA from the TextureEntry.
    pub colour: [f32; 4],
    /// Every face's look from the TextureEntry (texture, colour, mapping),
    /// in face order; faces past the end look like the last.
    pub faces: Arc<[FaceLook]>,
    /// The CRC the region sent with the last full update (for the cache).
    pub crc: u32,
}

/// What one message changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Changes {
    /// Objects added or changed (their own fields; dependants are the
    /// caller's to recompute via [`SceneTables::with_children`]).
    pub objects: Vec<LocalId>,
    /// Objects removed.
    pub removed: Vec<LocalId>,
    /// Terrain patches replaced.
    pub patches: usize,
    /// Objects the region announced as cached that we do not hold (to ask
    /// for with `RequestMultipleObjects`).
    pub missing: Vec<u32>,
    /// Payloads that could not be decoded (the rest of the message still applies).
    pub malformed: usize,
}

/// The region's objects and terrain.
#[derive(Debug, Clone)]
pub struct SceneTables {
    objects: HashMap<LocalId, SceneObject>,
    children: HashMap<LocalId, HashSet<LocalId>>,
    heightfield: Heightfield,
    patches_seen: Box<[bool; PATCH_COUNT]>,
    terrain_version: u64,
    ranges: QuantRanges,
    looks: HashMap<Vec<u32>, Arc<[FaceLook]>>,
}

/// Most distinct face-look lists kept for sharing.
const MAX_LOOKS: usize = 65_536;

impl Default for SceneTables {
    fn default() -> Self {
        SceneTables {
            objects: HashMap::new(),
            children: HashMap::new(),
            heightfield: Heightfield::flat(0.0),
            patches_seen: Box::new([false; PATCH_COUNT]),
            terrain_version: 0,
            ranges: QuantRanges::default(),
            looks: HashMap::new(),
        }
    }
}

impl SceneTables {
    /// Folds one message into the tables; messages that are not about objects
    /// or terrain change nothing.
    pub fn apply(&mut self, message: &Message<'_>) -> Changes {
        let mut c = Changes::default();
        match message {
            Message::ObjectUpdate(m) => {
                for od in &m.object_data {
                    match full_update(od, &self.ranges) {
                        Ok(obj) => self.upsert(obj, &mut c),
                        Err(()) => c.malformed += 1,
                    }
                }
            }
            Message::ObjectUpdateCompressed(m) => {
                for od in &m.object_data {
                    match CompressedObject::decode(&od.data) {
                        Ok(co) => self.upsert(compressed(&co), &mut c),
                        Err(_) => c.malformed += 1,
                    }
                }
            }
            Message::ObjectUpdateCached(m) => {
                for od in &m.object_data {
                    let known = self
                        .objects
                        .get(&LocalId(od.id))
                        .is_some_and(|o| o.crc == od.crc);
                    if !known {
                        c.missing.push(od.id);
                    }
                }
            }
            Message::ImprovedTerseObjectUpdate(m) => {
                for od in &m.object_data {
                    match TerseUpdate::decode(&od.data) {
                        Ok(t) => {
                            if let Some(o) = self.objects.get_mut(&LocalId(t.local_id)) {
                                o.position = t.motion.position;
                                o.rotation = t.motion.rotation;
                                c.objects.push(o.local_id);
                            }
                        }
                        Err(_) => c.malformed += 1,
                    }
                }
            }
            Message::KillObject(m) => {
                for od in &m.object_data {
                    self.remove(LocalId(od.id), &mut c);
                }
            }
            Message::LayerData(m) => match decode_layer(&m.layer_data.data) {
                Ok(layer) if matches!(layer.layer, LayerType::Land | LayerType::VarLand) => {
                    for p in &layer.patches {
                        if self.heightfield.apply_patch(p).is_ok() {
                            let i = (p.y as usize) * 16 + p.x as usize;
                            if let Some(seen) = self.patches_seen.get_mut(i) {
                                *seen = true;
                            }
                            c.patches += 1;
                        } else {
                            c.malformed += 1;
                        }
                    }
                    if c.patches > 0 {
                        self.terrain_version += 1;
                    }
                }
                Ok(_) => {} // water, wind and cloud layers are not drawn yet
                Err(_) => c.malformed += 1,
            },
            _ => {}
        }
        c
    }

    /// The shared copy of `faces`: objects that look alike hold one `Arc`,
    /// so the renderer resolves their look once per frame, not per object.
    fn intern(&mut self, faces: Arc<[FaceLook]>) -> Arc<[FaceLook]> {
        let key: Vec<u32> = faces
            .iter()
            .flat_map(|l| {
                let t = l.texture.map_or(0, |k| k.0);
                let [c0, c1, c2, c3] = l.colour.map(f32::to_bits);
                [
                    t as u32,
                    (t >> 32) as u32,
                    (t >> 64) as u32,
                    (t >> 96) as u32,
                    c0,
                    c1,
                    c2,
                    c3,
                    l.repeats[0].to_bits(),
                    l.repeats[1].to_bits(),
                    l.offset[0].to_bits(),
                    l.offset[1].to_bits(),
                    l.rotation.to_bits(),
                    u32::from(l.fullbright) | u32::from(l.texture.is_some()) << 1,
                ]
            })
            .collect();
        // Bounded: a region's distinct looks are far fewer; should a stream
        // of unique looks fill it, start over (sharing is an optimisation).
        if self.looks.len() >= MAX_LOOKS {
            self.looks.clear();
        }
        self.looks.entry(key).or_insert(faces).clone()
    }

    fn upsert(&mut self, mut obj: SceneObject, c: &mut Changes) {
        obj.faces = self.intern(obj.faces);
        let id = obj.local_id;
        if let Some(old) = self.objects.get(&id)
            && old.parent != obj.parent
            && let Some(p) = old.parent
            && let Some(set) = self.children.get_mut(&p)
        {
            set.remove(&id);
        }
        if let Some(p) = obj.parent {
            self.children.entry(p).or_default().insert(id);
        }
        self.objects.insert(id, obj);
        c.objects.push(id);
    }

    fn remove(&mut self, id: LocalId, c: &mut Changes) {
        // Killing a root kills its link set, as the region would.
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            if let Some(obj) = self.objects.remove(&id) {
                if let Some(p) = obj.parent
                    && let Some(set) = self.children.get_mut(&p)
                {
                    set.remove(&id);
                }
                c.removed.push(id);
            }
            if let Some(kids) = self.children.remove(&id) {
                stack.extend(kids);
            }
        }
    }

    /// The object with this id.
    pub fn get(&self, id: LocalId) -> Option<&SceneObject> {
        self.objects.get(&id)
    }

    /// All objects, in no order.
    pub fn objects(&self) -> impl Iterator<Item = &SceneObject> {
        self.objects.values()
    }

    /// Number of objects known.
    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    /// `ids` and every object linked below them, each once (a moved root
    /// moves its children).
    pub fn with_children(&self, ids: &[LocalId]) -> Vec<LocalId> {
        let mut out = Vec::with_capacity(ids.len());
        let mut seen = HashSet::new();
        let mut stack: Vec<LocalId> = ids.to_vec();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            out.push(id);
            if let Some(kids) = self.children.get(&id) {
                stack.extend(kids.iter().copied());
            }
        }
        out
    }

    /// The object's transform in region coordinates (through its link
    /// parents), scale included. `None` when the object or a parent is not
    /// known yet (a child can arrive before its root).
    pub fn world_transform(&self, id: LocalId) -> Option<Mat4> {
        let obj = self.objects.get(&id)?;
        let mut position = obj.position;
        let mut rotation = obj.rotation;
        let mut parent = obj.parent;
        for _ in 0..MAX_LINK_DEPTH {
            let Some(pid) = parent else {
                return Some(Mat4::from_scale_rotation_translation(
                    obj.scale, rotation, position,
                ));
            };
            let p = self.objects.get(&pid)?;
            position = p.position + p.rotation * position;
            rotation = p.rotation * rotation;
            parent = p.parent;
        }
        None
    }

    /// The terrain heightfield as received so far (flat at 0 where no patch arrived).
    pub fn heightfield(&self) -> &Heightfield {
        &self.heightfield
    }

    /// How many of the region's 256 terrain patches have arrived.
    pub fn patches_received(&self) -> usize {
        self.patches_seen.iter().filter(|s| **s).count()
    }

    /// Bumped whenever a terrain patch changes.
    pub fn terrain_version(&self) -> u64 {
        self.terrain_version
    }
}

/// The colour an avatar's stand-in is drawn in (linear RGBA).
pub const AVATAR_COLOUR: [f32; 4] = [0.22, 0.36, 0.62, 1.0];

/// The default face's colour and every face's look; an undecodable entry
/// draws plain white.
fn appearance(te: &[u8]) -> ([f32; 4], Arc<[FaceLook]>) {
    match TextureEntry::decode(te) {
        Ok(t) => (t.default_face().color.to_f32(), face_looks(&t)),
        Err(_) => ([1.0, 1.0, 1.0, 1.0], Arc::from(Vec::new())),
    }
}

fn parent_of(id: u32) -> Option<LocalId> {
    (id != 0).then_some(LocalId(id))
}

fn full_update(
    od: &kestrel_protocol::messages::object_update::ObjectData<'_>,
    ranges: &QuantRanges,
) -> Result<SceneObject, ()> {
    let motion = ObjectUpdateMotion::decode(&od.object_data, ranges).map_err(|_| ())?;
    let wire = PrimShapeWire {
        path_curve: od.path_curve,
        profile_curve: od.profile_curve,
        path_begin: od.path_begin,
        path_end: od.path_end,
        path_scale_x: od.path_scale_x,
        path_scale_y: od.path_scale_y,
        path_shear_x: od.path_shear_x,
        path_shear_y: od.path_shear_y,
        path_twist: od.path_twist,
        path_twist_begin: od.path_twist_begin,
        path_radius_offset: od.path_radius_offset,
        path_taper_x: od.path_taper_x,
        path_taper_y: od.path_taper_y,
        path_revolutions: od.path_revolutions,
        path_skew: od.path_skew,
        profile_begin: od.profile_begin,
        profile_end: od.profile_end,
        profile_hollow: od.profile_hollow,
    };
    let pcode = PCode::from_code(od.p_code);
    // Avatars and plants carry no meaningful volume. Until avatar meshes
    // exist, an avatar stands in as an upright cylinder of its size in one
    // colour, so it reads as a person rather than another crate; plants
    // stay boxes.
    let shape = match pcode {
        PCode::Primitive => PrimShape::from_wire(&wire).map_err(|_| ())?,
        PCode::Avatar => PrimShape::CYLINDER,
        _ => PrimShape::BOX,
    };
    let (colour, faces) = match pcode {
        PCode::Avatar => (AVATAR_COLOUR, Arc::from(Vec::new())),
        _ => appearance(&od.texture_entry),
    };
    Ok(SceneObject {
        local_id: LocalId(od.id),
        full_id: od.full_id,
        pcode,
        parent: parent_of(od.parent_id),
        position: motion.motion.position,
        rotation: motion.motion.rotation,
        scale: od.scale,
        shape,
        colour,
        faces,
        crc: od.crc,
    })
}

fn compressed(co: &CompressedObject) -> SceneObject {
    let (colour, faces) = appearance(&co.texture_entry);
    SceneObject {
        local_id: LocalId(co.local_id),
        full_id: co.full_id,
        pcode: co.pcode,
        parent: co.parent_id.and_then(parent_of),
        position: co.position,
        rotation: co.rotation,
        scale: co.scale,
        shape: co.shape,
        colour,
        faces,
        crc: co.crc,
    }
}
