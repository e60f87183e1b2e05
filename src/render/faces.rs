//! Splits the culled instances into instanced draws per (mesh, face,
//! texture), the opaque ones grouped for few state changes and the blended
//! ones (colour alpha below 1, or a texture with alpha) sorted back to front;
//! and, on the way, measures how many screen pixels each texture covers (the
//! demand the asset side uses to pick a texture's sharpness).
//!
//! An instance whose faces all look the same is one whole-mesh record (one
//! draw for every such instance of a mesh); only instances whose faces differ
//! pay a record per face. Every vector and the demand map are kept between
//! frames: once they have grown to the scene's size, a frame allocates nothing.

use std::f32::consts::PI;

use bytemuck::{Pod, Zeroable};
use glam::Vec3;

use super::batch::VisibleInstance;
use super::mesh_store::MAX_FACES;
use super::scene::{FaceLook, PrimInstance, TextureKey};
use super::texture_store::{KeyMap, TextureBinding, U64Map};

/// Face number of a run that draws the whole mesh.
pub const WHOLE_MESH: u32 = u32::MAX;

/// Flag bit (in [`FaceInstanceRaw::uv_offset_flags`]`[2]`): unlit.
pub const FLAG_FULLBRIGHT: f32 = 1.0;

/// Texture-space area per repeat is clamped to this range when turning
/// screen pixels into texels: a face showing a texture 128 times over still
/// asks for a little of it, one magnifying a 64th of it no more than 64 times
/// its pixels (the reference viewer's clamp, `LLFace::getTextureVirtualSize`).
const TEXEL_AREA_RANGE: (f32, f32) = (1.0 / 64.0, 128.0);

/// Per-face instance data as the prim passes' instance buffer holds it
/// (`@location(3..=9)` in shaders/prims.wgsl).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct FaceInstanceRaw {
    /// Object → world matrix, column-major.
    pub model: [[f32; 4]; 4],
    /// Linear RGBA multiplied with the texture.
    pub colour: [f32; 4],
    /// The texture-entry transform as a matrix on the mesh's UV:
    /// `u' = x·u + y·v + offset.x`, `v' = z·u + w·v + offset.y`.
    pub uv_matrix: [f32; 4],
    /// xy: the transform's offset; z: flags ([`FLAG_FULLBRIGHT`]); w: unused.
    pub uv_offset_flags: [f32; 4],
}

/// Instances that share a mesh, a face and a texture: one instanced draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaceRun {
    /// Mesh slot.
    pub mesh_slot: u32,
    /// Face index into the mesh's face ranges, or [`WHOLE_MESH`].
    pub face: u32,
    /// Texture bind slot (see `TextureStore`).
    pub texture_slot: u32,
    /// First record in [`FaceBatcher::instance_data`].
    pub first_instance: u32,
    /// Records in the run.
    pub instance_count: u32,
}

/// Where the camera is and how many pixels a radian covers, for the demand
/// estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceView {
    /// Eye position.
    pub eye: Vec3,
    /// Target height in pixels over the vertical field of view in radians.
    pub pixels_per_radian: f32,
}

/// What a face batch holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaceCounts {
    /// Records drawn by the opaque pass (a whole-mesh record counts once).
    pub opaque: u32,
    /// Records drawn by the blended pass.
    pub blended: u32,
    /// Faces skipped for being fully transparent (colour alpha 0).
    pub invisible: u32,
}

/// Reusable per-face batching state.
#[derive(Debug, Default)]
pub struct FaceBatcher {
    /// Records in the order they were made.
    scratch: Vec<FaceInstanceRaw>,
    /// Per record in `scratch`: its opaque bucket, or `u32::MAX` if blended.
    record_bucket: Vec<u32>,
    /// Opaque runs being counted, one per distinct (mesh, face, texture).
    buckets: Vec<Bucket>,
    bucket_of: U64Map<u32>,
    /// The last (run key, bucket) looked up: instances that differ only in
    /// colour (a new look each) mostly land in the same bucket.
    last_bucket: Option<(u64, u32)>,
    /// Bucket indices in run-key order.
    bucket_order: Vec<u32>,
    /// (farthest-first key, index into `scratch`, run key) per blended record.
    blended_order: Vec<(u64, u32, u64)>,
    /// The look of the instances being batched, resolved once per run of
    /// instances sharing it.
    look: LookCache,
    /// The records in draw order: opaque runs, then blended runs.
    data: Vec<FaceInstanceRaw>,
    opaque: Vec<FaceRun>,
    blended: Vec<FaceRun>,
    demand: KeyMap<f32>,
}

/// A (mesh, face, texture) group of opaque records: counted, then placed.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    key: u64,
    count: u32,
    cursor: u32,
}

/// One face of a look, resolved: what every instance showing the look
/// records for it.
#[derive(Debug, Clone, Copy)]
struct ResolvedFace {
    run_key: u64,
    /// Opaque bucket, or `u32::MAX` when blended.
    bucket: u32,
    colour: [f32; 4],
    uv_matrix: [f32; 4],
    uv_offset_flags: [f32; 4],
    /// The face's texture and the texture-space area one copy covers.
    texture: Option<(TextureKey, f32)>,
}

/// The resolved faces of the look the last instances shared. Instances
/// that look alike hold the same `Arc<[FaceLook]>` (and the visible list is
/// grouped by mesh), so runs of them resolve textures, UV transforms and
/// run keys once, and touch the demand map once.
#[derive(Debug, Default)]
struct LookCache {
    /// Address and length of the `faces` slice, the mesh slot, and the
    /// instance colour (what an empty `faces` shows); `valid` false before
    /// the first instance of a frame.
    faces_addr: usize,
    faces_len: usize,
    mesh_slot: u32,
    colour: [f32; 4],
    valid: bool,
    faces: Vec<ResolvedFace>,
    /// Some face has a texture (the instances' pixel areas are needed).
    textured: bool,
    /// Some face is blended (the instances' distances are needed).
    blended: bool,
    /// Faces left out for being fully transparent, per instance.
    invisible: u32,
    /// Largest pixel area of an instance in the current run.
    max_pixels: f32,
}

impl LookCache {
    fn matches(&self, inst: &PrimInstance, mesh_slot: u32) -> bool {
        self.valid
            && self.faces_addr == inst.faces.as_ptr() as usize
            && self.faces_len == inst.faces.len()
            && self.mesh_slot == mesh_slot
            && (self.faces_len > 0 || self.colour == inst.colour)
    }
}

impl FaceBatcher {
    /// Empty state; vectors grow on first use and are kept.
    pub fn new() -> FaceBatcher {
        FaceBatcher::default()
    }

    /// Builds the frame's runs from the culled survivors.
    ///
    /// `face_count` gives a mesh slot's number of faces; `texture` resolves a
    /// face's texture to its bind slot (and whether it has alpha).
    pub fn build(
        &mut self,
        instances: &[PrimInstance],
        visible: &[VisibleInstance],
        face_count: impl Fn(u32) -> u32,
        texture: impl Fn(Option<TextureKey>) -> TextureBinding,
        view: &FaceView,
    ) -> FaceCounts {
        let mut counts = FaceCounts::default();
        self.scratch.clear();
        self.record_bucket.clear();
        self.buckets.clear();
        self.bucket_of.clear();
        self.last_bucket = None;
        self.bucket_order.clear();
        self.blended_order.clear();
        self.data.clear();
        self.opaque.clear();
        self.blended.clear();
        self.demand.clear();
        self.look.valid = false;
        self.look.faces.clear();
        // Room up front for a record, a bucket, a run and a blended record
        // per instance, visible or not (instances with differing faces add
        // more records, and every vector keeps what it reaches): what is
        // visible changes as meshes arrive and the camera moves, and what
        // lands where as textures arrive (a face leaves the placeholder's
        // bucket for its own, an alpha texture moves it to the blended pass);
        // growing at each new high-water mark would allocate in an otherwise
        // idle frame.
        let n = instances.len();
        self.scratch.reserve(n);
        self.record_bucket.reserve(n);
        self.data.reserve(n);
        self.buckets.reserve(n);
        self.bucket_of.reserve(n);
        self.bucket_order.reserve(n);
        self.opaque.reserve(n);
        self.blended.reserve(n);
        self.blended_order.reserve(n);
        self.look.faces.reserve(MAX_FACES);

        for v in visible {
            let Some(inst) = instances.get(v.index as usize) else {
                continue;
            };
            if !self.look.matches(inst, v.mesh_slot) {
                self.flush_demand();
                self.resolve_look(inst, v.mesh_slot, face_count(v.mesh_slot), &texture);
            }
            counts.invisible += self.look.invisible;
            if self.look.textured {
                self.look.max_pixels = self.look.max_pixels.max(pixel_area(v, view));
            }
            // Farthest first: the complement of a non-negative float's bits
            // sorts in descending order of the float.
            let far_first = if self.look.blended {
                u64::from(!v.centre.distance(view.eye).max(0.0).to_bits())
            } else {
                0
            };
            let model = inst.model.to_cols_array_2d();
            for f in &self.look.faces {
                let index = self.scratch.len() as u32;
                self.scratch.push(FaceInstanceRaw {
                    model,
                    colour: f.colour,
                    uv_matrix: f.uv_matrix,
                    uv_offset_flags: f.uv_offset_flags,
                });
                self.record_bucket.push(f.bucket);
                if f.bucket == u32::MAX {
                    self.blended_order.push((far_first, index, f.run_key));
                    counts.blended += 1;
                } else {
                    self.buckets[f.bucket as usize].count += 1;
                    counts.opaque += 1;
                }
            }
        }
        self.flush_demand();
        self.place_opaque();
        self.place_blended();
        counts
    }

    /// Resolves the look of `inst` on mesh `mesh_slot` (with `faces` faces)
    /// into the cache: one whole-mesh face when every face looks alike,
    /// else one per face; fully transparent faces left out.
    fn resolve_look(
        &mut self,
        inst: &PrimInstance,
        mesh_slot: u32,
        faces: u32,
        texture: &impl Fn(Option<TextureKey>) -> TextureBinding,
    ) {
        let faces = faces.max(1);
        let look = &mut self.look;
        look.valid = true;
        look.faces_addr = inst.faces.as_ptr() as usize;
        look.faces_len = inst.faces.len();
        look.mesh_slot = mesh_slot;
        look.colour = inst.colour;
        look.faces.clear();
        look.textured = false;
        look.blended = false;
        look.invisible = 0;
        look.max_pixels = 0.0;
        let whole = uniform_look(&inst.faces, faces);
        let n = if whole { 1 } else { faces };
        for f in 0..n {
            let l = inst.face(f as usize);
            // Fully transparent faces show nothing (and need no texels);
            // NaN alpha counts as transparent.
            if l.colour[3].is_nan() || l.colour[3] <= 0.0 {
                look.invisible += 1;
                continue;
            }
            let binding = texture(l.texture);
            let face_code = if whole { 0 } else { u64::from(f.min(254) + 1) };
            let run_key = u64::from(mesh_slot) << 40 | face_code << 32 | u64::from(binding.slot);
            let blended = l.colour[3] < 1.0 || binding.has_alpha;
            let bucket = if blended {
                look.blended = true;
                u32::MAX
            } else if let Some((key, b)) = self.last_bucket
                && key == run_key
            {
                b
            } else {
                let buckets = &mut self.buckets;
                let b = *self.bucket_of.entry(run_key).or_insert_with(|| {
                    buckets.push(Bucket {
                        key: run_key,
                        count: 0,
                        cursor: 0,
                    });
                    buckets.len() as u32 - 1
                });
                self.last_bucket = Some((run_key, b));
                b
            };
            let texture = l.texture.map(|key| {
                look.textured = true;
                let repeats = (l.repeats[0] * l.repeats[1]).abs();
                let texel_area = if repeats.is_finite() {
                    repeats.clamp(TEXEL_AREA_RANGE.0, TEXEL_AREA_RANGE.1)
                } else {
                    1.0
                };
                (key, texel_area)
            });
            let (uv_matrix, uv_offset) = uv_transform(&l);
            let flags = if l.fullbright { FLAG_FULLBRIGHT } else { 0.0 };
            look.faces.push(ResolvedFace {
                run_key,
                bucket,
                colour: l.colour,
                uv_matrix,
                uv_offset_flags: [uv_offset[0], uv_offset[1], flags, 0.0],
                texture,
            });
        }
    }

    /// Adds the cached look's textures to the demand, at the largest pixel
    /// area of the instances that showed it.
    fn flush_demand(&mut self) {
        if !self.look.valid || !self.look.textured {
            return;
        }
        let pixels = self.look.max_pixels;
        for f in &self.look.faces {
            if let Some((key, texel_area)) = f.texture {
                let entry = self.demand.entry(key).or_insert(0.0);
                *entry = entry.max(pixels / texel_area);
            }
        }
    }

    /// Counting sort of the opaque records by run key: buckets in key order,
    /// each one's records placed contiguously (in the order they were made).
    fn place_opaque(&mut self) {
        self.bucket_order.extend(0..self.buckets.len() as u32);
        let buckets = &mut self.buckets;
        self.bucket_order
            .sort_unstable_by_key(|&b| buckets[b as usize].key);
        let mut start = 0u32;
        for &b in &self.bucket_order {
            let bucket = &mut buckets[b as usize];
            bucket.cursor = start;
            let key = bucket.key;
            self.opaque.push(FaceRun {
                mesh_slot: (key >> 40) as u32,
                face: match (key >> 32) & 0xff {
                    0 => WHOLE_MESH,
                    f => f as u32 - 1,
                },
                texture_slot: key as u32,
                first_instance: start,
                instance_count: bucket.count,
            });
            start += bucket.count;
        }
        self.data.resize(start as usize, FaceInstanceRaw::zeroed());
        for (record, &b) in self.scratch.iter().zip(&self.record_bucket) {
            if let Some(bucket) = buckets.get_mut(b as usize) {
                self.data[bucket.cursor as usize] = *record;
                bucket.cursor += 1;
            }
        }
    }

    /// Blended records after the opaque ones, farthest first; neighbours
    /// that share mesh, face and texture merge into one run.
    fn place_blended(&mut self) {
        self.blended_order
            .sort_unstable_by_key(|&(far_first, index, _)| (far_first, index));
        for &(_, index, key) in &self.blended_order {
            let at = self.data.len() as u32;
            self.data.push(self.scratch[index as usize]);
            match self.blended.last_mut() {
                Some(r) if run_key(r) == key => r.instance_count += 1,
                _ => self.blended.push(FaceRun {
                    mesh_slot: (key >> 40) as u32,
                    face: match (key >> 32) & 0xff {
                        0 => WHOLE_MESH,
                        f => f as u32 - 1,
                    },
                    texture_slot: key as u32,
                    first_instance: at,
                    instance_count: 1,
                }),
            }
        }
    }

    /// Records of the last build in draw order: the opaque runs, then the
    /// blended runs.
    pub fn instance_data(&self) -> &[FaceInstanceRaw] {
        &self.data
    }

    /// The opaque pass's runs.
    pub fn opaque_runs(&self) -> &[FaceRun] {
        &self.opaque
    }

    /// The blended pass's runs, back to front.
    pub fn blended_runs(&self) -> &[FaceRun] {
        &self.blended
    }

    /// Per texture shown this frame, the largest number of screen pixels one
    /// copy of it covers (see [`crate::render::Renderer::texture_demand`]).
    pub fn demand(&self) -> impl ExactSizeIterator<Item = (TextureKey, f32)> + '_ {
        self.demand.iter().map(|(k, v)| (*k, *v))
    }

    /// Raises a texture's demand to at least `pixels` (textures shown by
    /// something other than a prim face, such as the terrain).
    pub(crate) fn add_demand(&mut self, key: TextureKey, pixels: f32) {
        let entry = self.demand.entry(key).or_insert(0.0);
        *entry = entry.max(pixels);
    }
}

/// The run key a run was made from.
fn run_key(r: &FaceRun) -> u64 {
    let face_code = if r.face == WHOLE_MESH {
        0
    } else {
        u64::from(r.face + 1)
    };
    u64::from(r.mesh_slot) << 40 | face_code << 32 | u64::from(r.texture_slot)
}

/// Whether every face of a mesh with `faces` faces looks the same (faces past
/// the end of `looks` look like the last one), so the whole mesh is one draw.
fn uniform_look(looks: &[FaceLook], faces: u32) -> bool {
    let n = (faces as usize).min(looks.len());
    n <= 1 || looks[1..n].iter().all(|l| *l == looks[0])
}

/// Screen pixels covered by an instance's bounding sphere: the disc of its
/// apparent angle, as the reference viewer estimates a face's pixel area
/// (`LLFace::calcPixelArea`: distance to the sphere's near side, at least
/// 1 mm, so the camera inside the sphere gives the largest disc, not a
/// division by zero).
fn pixel_area(v: &VisibleInstance, view: &FaceView) -> f32 {
    let dist = (v.centre.distance(view.eye) - v.radius).max(0.001);
    let radius_px = (v.radius / dist).atan() * view.pixels_per_radian;
    let area = PI * radius_px * radius_px;
    if area.is_finite() { area } else { 0.0 }
}

/// The texture-entry transform of `look` as a 2×2 matrix and an offset on
/// the mesh's UV (v down, image rows top first).
///
/// The reference viewer (`xform` in llface.cpp) works in GL texture space
/// (t up): about the face centre (0.5, 0.5) it rotates
/// (`s' = s·cos r + t·sin r`, `t' = -s·sin r + t·cos r`), then scales by the
/// repeats, then adds the offset. Our v is `1 - t`; substituting gives
/// `u' = ms(cos r·s0 - sin r·w0) + os + 0.5` and
/// `v' = mt(sin r·s0 + cos r·w0) - ot + 0.5` with `s0 = u - 0.5`,
/// `w0 = v - 0.5`: a positive rotation turns the picture counter-clockwise
/// on the face, a positive offset slides it left (u) and down (v).
/// Non-finite parameters fall back to the identity.
pub fn uv_transform(look: &FaceLook) -> ([f32; 4], [f32; 2]) {
    let finite_or = |v: f32, d: f32| if v.is_finite() { v } else { d };
    let ms = finite_or(look.repeats[0], 1.0);
    let mt = finite_or(look.repeats[1], 1.0);
    let os = finite_or(look.offset[0], 0.0);
    let ot = finite_or(look.offset[1], 0.0);
    let r = finite_or(look.rotation, 0.0);
    let (sin, cos) = if r == 0.0 { (0.0, 1.0) } else { r.sin_cos() };
    let (a, b, c, d) = (ms * cos, -ms * sin, mt * sin, mt * cos);
    let e = os + 0.5 - 0.5 * (a + b);
    let f = 0.5 - ot - 0.5 * (c + d);
    ([a, b, c, d], [e, f])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::scene::MeshKey;
    use crate::render::texture_store::{PLACEHOLDER_SLOT, WHITE_SLOT};
    use glam::{Mat4, Vec2};
    use std::sync::Arc;

    fn apply(look: &FaceLook, uv: Vec2) -> Vec2 {
        let ([a, b, c, d], [e, f]) = uv_transform(look);
        Vec2::new(a * uv.x + b * uv.y + e, c * uv.x + d * uv.y + f)
    }

    fn look() -> FaceLook {
        FaceLook::plain([1.0; 4])
    }

    #[test]
    fn identity_leaves_uv_alone() {
        for uv in [Vec2::ZERO, Vec2::new(0.3, 0.9), Vec2::ONE] {
            assert!(apply(&look(), uv).distance(uv) < 1e-6);
        }
    }

    #[test]
    fn repeats_scale_about_the_face_centre() {
        let l = FaceLook {
            repeats: [2.0, 3.0],
            ..look()
        };
        // The centre stays; a corner moves out by the repeats.
        assert!(apply(&l, Vec2::splat(0.5)).distance(Vec2::splat(0.5)) < 1e-6);
        assert!(apply(&l, Vec2::ZERO).distance(Vec2::new(-0.5, -1.0)) < 1e-6);
    }

    #[test]
    fn offset_moves_u_forward_and_v_backward() {
        // SL adds the offset to t (up); v runs down.
        let l = FaceLook {
            offset: [0.25, 0.25],
            ..look()
        };
        assert!(apply(&l, Vec2::splat(0.5)).distance(Vec2::new(0.75, 0.25)) < 1e-6);
    }

    #[test]
    fn rotation_turns_the_picture_counter_clockwise() {
        let l = FaceLook {
            rotation: std::f32::consts::FRAC_PI_2,
            ..look()
        };
        // The face's right edge middle (u = 1, v = 0.5) shows what was at the
        // image's top middle (v = 0): the picture turned a quarter left.
        assert!(apply(&l, Vec2::new(1.0, 0.5)).distance(Vec2::new(0.5, 1.0)) < 1e-6);
        assert!(apply(&l, Vec2::new(0.5, 0.0)).distance(Vec2::new(1.0, 0.5)) < 1e-6);
    }

    fn instance(faces: Vec<FaceLook>, x: f32) -> PrimInstance {
        PrimInstance {
            mesh: MeshKey(0),
            model: Mat4::from_translation(Vec3::new(x, 0.0, 0.0)),
            colour: [1.0; 4],
            faces: Arc::from(faces),
        }
    }

    fn visible(instances: &[PrimInstance]) -> Vec<VisibleInstance> {
        instances
            .iter()
            .enumerate()
            .map(|(i, inst)| VisibleInstance {
                mesh_slot: 0,
                index: i as u32,
                centre: inst.model.w_axis.truncate(),
                radius: 1.0,
            })
            .collect()
    }

    fn resolve(t: Option<TextureKey>) -> TextureBinding {
        match t {
            None => TextureBinding {
                slot: WHITE_SLOT,
                has_alpha: false,
            },
            Some(TextureKey(7)) => TextureBinding {
                slot: 5,
                has_alpha: true,
            },
            Some(TextureKey(k)) if k < 5 => TextureBinding {
                slot: 2 + k as u32,
                has_alpha: false,
            },
            Some(_) => TextureBinding {
                slot: PLACEHOLDER_SLOT,
                has_alpha: false,
            },
        }
    }

    fn view() -> FaceView {
        FaceView {
            eye: Vec3::ZERO,
            pixels_per_radian: 500.0,
        }
    }

    fn textured(k: u128) -> FaceLook {
        FaceLook {
            texture: Some(TextureKey(k)),
            ..look()
        }
    }

    #[test]
    fn alike_faces_make_one_whole_mesh_run_per_texture() {
        let instances = vec![
            instance(vec![], 10.0),
            instance(vec![textured(1); 6], 11.0),
            instance(vec![textured(1)], 12.0),
            instance(vec![], 13.0),
        ];
        let mut b = FaceBatcher::new();
        let c = b.build(&instances, &visible(&instances), |_| 6, resolve, &view());
        assert_eq!(c.opaque, 4);
        assert_eq!(
            b.opaque_runs(),
            &[
                FaceRun {
                    mesh_slot: 0,
                    face: WHOLE_MESH,
                    texture_slot: WHITE_SLOT,
                    first_instance: 0,
                    instance_count: 2
                },
                FaceRun {
                    mesh_slot: 0,
                    face: WHOLE_MESH,
                    texture_slot: 3,
                    first_instance: 2,
                    instance_count: 2
                },
            ]
        );
    }

    #[test]
    fn differing_faces_draw_per_face_and_the_last_look_repeats() {
        let mut faces = vec![textured(1), textured(2)];
        faces.push(textured(99)); // not resident: the placeholder
        let instances = vec![instance(faces, 10.0)];
        let mut b = FaceBatcher::new();
        let c = b.build(&instances, &visible(&instances), |_| 5, resolve, &view());
        assert_eq!(c.opaque, 5);
        let per_face: Vec<(u32, u32)> = b
            .opaque_runs()
            .iter()
            .map(|r| (r.face, r.texture_slot))
            .collect();
        assert_eq!(
            per_face,
            vec![
                (0, 3),
                (1, 4),
                (2, PLACEHOLDER_SLOT),
                (3, PLACEHOLDER_SLOT),
                (4, PLACEHOLDER_SLOT)
            ]
        );
    }

    #[test]
    fn translucent_faces_are_blended_back_to_front_and_invisible_ones_skipped() {
        let half = FaceLook {
            colour: [1.0, 1.0, 1.0, 0.5],
            ..look()
        };
        let gone = FaceLook {
            colour: [1.0, 1.0, 1.0, 0.0],
            ..look()
        };
        let instances = vec![
            instance(vec![half], 10.0),
            instance(vec![textured(7)], 30.0),
            instance(vec![half], 20.0),
            instance(vec![gone], 15.0),
        ];
        let mut b = FaceBatcher::new();
        let c = b.build(&instances, &visible(&instances), |_| 1, resolve, &view());
        assert_eq!((c.opaque, c.blended, c.invisible), (0, 3, 1));
        // Neighbours that share mesh, face and texture merge into one run.
        assert_eq!(b.blended_runs().len(), 2);
        let xs: Vec<f32> = b
            .blended_runs()
            .iter()
            .flat_map(|r| r.first_instance..r.first_instance + r.instance_count)
            .map(|i| b.instance_data()[i as usize].model[3][0])
            .collect();
        assert_eq!(xs, vec![30.0, 20.0, 10.0]);
    }

    #[test]
    fn shared_looks_resolve_once_but_every_instance_keeps_its_own_colour_and_place() {
        let shared: Arc<[FaceLook]> = Arc::from(vec![textured(1), textured(2)]);
        let with = |faces: Arc<[FaceLook]>, x: f32| PrimInstance {
            faces,
            ..instance(vec![], x)
        };
        let mut translucent = instance(vec![], 14.0);
        translucent.colour = [0.2, 0.4, 0.6, 0.5];
        let mut red = instance(vec![], 15.0);
        red.colour = [1.0, 0.0, 0.0, 1.0];
        let instances = vec![
            with(shared.clone(), 10.0),
            with(shared.clone(), 11.0),
            instance(vec![textured(1)], 12.0),
            with(shared, 13.0),
            translucent,
            red,
        ];
        let mut b = FaceBatcher::new();
        let c = b.build(&instances, &visible(&instances), |_| 2, resolve, &view());
        assert_eq!((c.opaque, c.blended), (3 * 2 + 1 + 1, 1));
        let runs: Vec<(u32, u32, Vec<f32>)> = b
            .opaque_runs()
            .iter()
            .map(|r| {
                let xs = (r.first_instance..r.first_instance + r.instance_count)
                    .map(|i| b.instance_data()[i as usize].model[3][0])
                    .collect();
                (r.face, r.texture_slot, xs)
            })
            .collect();
        assert_eq!(
            runs,
            vec![
                // Whole-mesh runs first (face code 0 in the run key).
                (WHOLE_MESH, WHITE_SLOT, vec![15.0]),
                (WHOLE_MESH, 3, vec![12.0]),
                (0, 3, vec![10.0, 11.0, 13.0]),
                (1, 4, vec![10.0, 11.0, 13.0]),
            ]
        );
        // Plain instances show their own colour; the translucent one is blended.
        let red_record = b.instance_data()[b.opaque_runs()[0].first_instance as usize];
        assert_eq!(red_record.colour, [1.0, 0.0, 0.0, 1.0]);
        let blended = b.instance_data()[b.blended_runs()[0].first_instance as usize];
        assert_eq!(blended.colour, [0.2, 0.4, 0.6, 0.5]);
    }

    #[test]
    fn demand_is_the_largest_area_per_copy_of_each_texture() {
        let near = instance(vec![textured(1)], 5.0);
        let far = instance(vec![textured(1)], 50.0);
        let tiled = instance(
            vec![FaceLook {
                repeats: [4.0, 4.0],
                ..textured(2)
            }],
            5.0,
        );
        let instances = vec![far, near, tiled];
        let mut b = FaceBatcher::new();
        b.build(&instances, &visible(&instances), |_| 1, resolve, &view());
        let demand: std::collections::HashMap<_, _> = b.demand().collect();
        // A 1 m sphere 4 m from its near side: atan(1/4) rad of 500 px/rad.
        let expected = PI * ((0.25f32).atan() * 500.0).powi(2);
        assert!((demand[&TextureKey(1)] - expected).abs() < 1.0);
        // Four repeats each way: a sixteenth of the pixels per copy.
        assert!((demand[&TextureKey(2)] - expected / 16.0).abs() < 1.0);
        assert_eq!(demand.len(), 2);
    }
}
