//! What the demo content wears: every prim's TextureEntry. The default
//! face shows a library texture chosen by what the prim is made of (its
//! layout colour names the material: stone, sandstone, plaster, wood…);
//! the face colour is white where the texture carries the colour itself,
//! and a tint where it does not (painted boat planks, sooty chimney tops,
//! coloured lace parasols, translucent glass). Some prims override single
//! faces (a mossy lintel top, a table cloth, an inner panelling); some
//! repeat, offset or rotate their texture. Scattered trees and rocks draw
//! among every variant of their family, so the number of textures in use
//! grows with the palette.

use std::f32::consts::{FRAC_PI_2, FRAC_PI_4, TAU};

use kestrel_protocol::texture_entry::{
    Bump, FaceMaterial, Rgba8, Shininess, TexOffset, TexRotation, TextureEntry, TextureFace,
};

use super::*;
use crate::sim::assets::{Family, Palette};

const WHITE: Rgba = Rgba([1.0, 1.0, 1.0, 1.0]);
const SOOT: Rgba = Rgba::rgb8(70, 66, 64);
const DARKENED: Rgba = Rgba::rgb8(184, 184, 184);

/// How a face shows its texture.
#[derive(Debug, Clone, Copy)]
struct Look {
    family: Family,
    tint: Rgba,
    repeats: (f32, f32),
    offset: (f32, f32),
    rotation: f32,
    /// Draw among the family's variants (scattered scenery).
    varied: bool,
}

impl Look {
    fn of(family: Family) -> Look {
        Look {
            family,
            tint: WHITE,
            repeats: (1.0, 1.0),
            offset: (0.0, 0.0),
            rotation: 0.0,
            varied: false,
        }
    }
    fn tint(mut self, c: Rgba) -> Look {
        self.tint = c;
        self
    }
    fn repeat(mut self, u: f32, v: f32) -> Look {
        self.repeats = (u, v);
        self
    }
    fn offset(mut self, u: f32, v: f32) -> Look {
        self.offset = (u, v);
        self
    }
    fn rotate(mut self, radians: f32) -> Look {
        self.rotation = radians;
        self
    }
    fn varied(mut self) -> Look {
        self.varied = true;
        self
    }
}

/// The material a layout colour stands for, and the tint it needs.
fn material_of(colour: Rgba) -> Look {
    let table: [(Rgba, Look); 15] = [
        (STONE, Look::of(Family::Stone)),
        (DARK_STONE, Look::of(Family::Stone).tint(DARKENED)),
        (SANDSTONE, Look::of(Family::Sandstone)),
        (WHITEWASH, Look::of(Family::Plaster)),
        (TERRACOTTA, Look::of(Family::RoofTiles)),
        (SLATE, Look::of(Family::Slate)),
        (DARK_WOOD, Look::of(Family::DarkWood)),
        (LIGHT_WOOD, Look::of(Family::LightWood)),
        (LEAVES, Look::of(Family::Leaves)),
        (PINE, Look::of(Family::Pine)),
        (GOLD, Look::of(Family::Gold)),
        (RED, Look::of(Family::Stripes)),
        (BLUE, Look::of(Family::Checker)),
        (LAMP, Look::of(Family::Glow)),
        (GLASS, Look::of(Family::Glass).tint(GLASS)),
    ];
    table
        .into_iter()
        .find(|(c, _)| *c == colour)
        .map_or(Look::of(Family::Plaster).tint(colour), |(_, look)| look)
}

/// The look of the default face and the faces that differ, by prim name.
fn looks(spec: &Spec, rng: &mut SplitMix64) -> (Look, Vec<(usize, Look)>) {
    let base = material_of(spec.colour);
    let s = spec.scale;
    match spec.name {
        "Village square" => (Look::of(Family::Cobbles).repeat(8.0, 8.0), vec![]),
        "House" => (
            base.repeat(2.0, 1.0),
            // The inside of the hollow: wood panelling.
            vec![(5, Look::of(Family::LightWood).repeat(4.0, 1.0))],
        ),
        "Roof" | "Keep roof" | "Tower roof" | "Well roof" => (
            base.repeat(3.0, 2.0),
            vec![(5, Look::of(Family::DarkWood).repeat(2.0, 2.0))],
        ),
        "Door" => (base.rotate(FRAC_PI_2), vec![]),
        "Chimney" => (base, vec![(0, Look::of(Family::Stone).tint(SOOT))]),
        "Standing stone" => (base.repeat(1.0, 2.0), vec![]),
        "Lintel" => (
            base.repeat(2.0, 1.0),
            vec![(0, Look::of(Family::Leaves).repeat(2.0, 1.0))],
        ),
        "Altar" => (base, vec![(0, Look::of(Family::Gold))]),
        "Curtain wall" => (base.repeat(6.0, 2.0).offset(0.25, 0.0), vec![]),
        "Keep" => (base.repeat(3.0, 3.0), vec![]),
        "Tower" => (base.repeat(4.0, 3.0).offset(0.0, 0.5), vec![]),
        "Tower crown" | "Well" => (base.repeat(4.0, 1.0), vec![]),
        "Twisted tower" => (base.repeat(2.0, 8.0).rotate(FRAC_PI_4), vec![]),
        "Flag" => (base.rotate(FRAC_PI_2), vec![]),
        "Lighthouse" => (base.repeat(2.0, 4.0), vec![]),
        "Stripe" => (base.repeat(8.0, 1.0), vec![]),
        "Pier" | "Pier deck" => (base.repeat(1.0, 2.0).rotate(FRAC_PI_2), vec![]),
        "Crate" => (base.repeat(2.0, 2.0), vec![]),
        "Barrel" => (
            base.rotate(FRAC_PI_2),
            vec![(0, Look::of(Family::LightWood))],
        ),
        // Painted planks: the hull colour tints light wood.
        "Boat" => (
            Look::of(Family::LightWood)
                .tint(spec.colour)
                .repeat(1.0, 3.0),
            vec![],
        ),
        // Lace in the parasol's colour (the texture's alpha shows through).
        "Parasol" => (Look::of(Family::Lace).tint(spec.colour), vec![]),
        "Stall table" => (
            base.repeat(2.0, 1.0),
            vec![(0, Look::of(Family::Checker).repeat(2.0, 2.0))],
        ),
        "Awning" => (base.repeat(4.0, 1.0), vec![]),
        "Spinning ring" => (base.repeat(8.0, 1.0), vec![]),
        // A translucent glow.
        "Floating lantern" => (base.tint(WHITE.with_alpha(0.8)), vec![]),
        "Tree" => (
            base.varied()
                .repeat(1.0, (s.z / 2.0).round().max(1.0))
                .rotate(FRAC_PI_2),
            vec![],
        ),
        "Tree crown" => (
            base.varied()
                .repeat(2.0, 2.0)
                .offset(rng.range_f32(-0.5, 0.5), rng.range_f32(-0.5, 0.5)),
            vec![],
        ),
        "Pine crown" => (base.varied().repeat(3.0, 1.0), vec![]),
        "Rock" => (
            Look::of(Family::Stone)
                .varied()
                .rotate(rng.range_f32(0.0, TAU))
                .offset(rng.range_f32(-0.5, 0.5), rng.range_f32(-0.5, 0.5)),
            vec![],
        ),
        _ => (base, vec![]),
    }
}

fn rgba8(c: Rgba) -> Rgba8 {
    let [r, g, b, a] = c.0.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8);
    Rgba8 { r, g, b, a }
}

fn face(look: &Look, fullbright: bool, palette: &Palette, rng: &mut SplitMix64) -> TextureFace {
    let id = if look.varied {
        palette.pick(look.family, rng)
    } else {
        palette.base(look.family)
    };
    let mut f = TextureFace::new(id);
    f.color = rgba8(look.tint);
    f.repeat_u = look.repeats.0;
    f.repeat_v = look.repeats.1;
    f.offset_u = TexOffset::from_f32(look.offset.0);
    f.offset_v = TexOffset::from_f32(look.offset.1);
    f.rotation = TexRotation::from_radians(look.rotation);
    if fullbright {
        f.material = FaceMaterial::new(Bump::None, Shininess::None, true);
    }
    f
}

/// The prim's TextureEntry, and the default face's colour (what
/// [`Prim::colour`] reports).
pub(super) fn dress(spec: &Spec, palette: &Palette, rng: &mut SplitMix64) -> (TextureEntry, Rgba) {
    let (default, overrides) = looks(spec, rng);
    let mut te = TextureEntry::new(face(&default, spec.fullbright, palette, rng));
    for (i, look) in overrides {
        // Face indices here are below MAX_FACES.
        let _ = te.set_face(i, face(&look, spec.fullbright, palette, rng));
    }
    let colour = Rgba(rgba8(default.tint).to_f32());
    (te, colour)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn used(layout: &Layout) -> HashSet<kestrel_protocol::types::Uuid> {
        let mut ids = HashSet::new();
        for p in &layout.prims {
            ids.insert(p.faces.default_face().texture_id);
            for (_, f) in p.faces.overridden_faces() {
                ids.insert(f.texture_id);
            }
        }
        ids
    }

    #[test]
    fn the_default_region_wears_every_texture_of_its_palette() {
        let t = Terrain::generate(1);
        let l = Layout::build(&t, 1, 300);
        let palette = Palette::for_objects(300);
        let all: HashSet<_> = palette.ids().collect();
        assert_eq!(used(&l), all);
        // Most faces are white (the texture carries the colour); a few are
        // tinted, a few translucent, a few full-bright; some override faces.
        let white = l.prims.iter().filter(|p| p.colour == WHITE).count();
        assert!(white * 10 > l.prims.len() * 7, "{white} white");
        assert!(l.prims.iter().any(|p| p.colour.0[3] < 1.0));
        assert!(l.prims.iter().any(|p| p.fullbright));
        assert!(
            l.prims
                .iter()
                .any(|p| p.faces.overridden_faces().count() > 0)
        );
        let faces: Vec<_> = l.prims.iter().map(|p| p.faces.default_face()).collect();
        assert!(faces.iter().any(|f| f.repeat_u == 2.0 && f.repeat_v == 2.0));
        assert!(faces.iter().any(|f| f.rotation.0 != 0));
        assert!(faces.iter().any(|f| f.offset_u.0 != 0));
    }

    #[test]
    fn big_regions_use_hundreds_of_textures() {
        let t = Terrain::generate(1);
        let l = Layout::build(&t, 1, 20_000);
        let n = used(&l).len();
        assert_eq!(n, Palette::for_objects(20_000).len(), "{n} in use");
        assert!(n > 300);
    }

    #[test]
    fn textures_do_not_move_anything() {
        // The same prims in the same places with any palette.
        let t = Terrain::generate(2);
        let a = Layout::build_with(&t, 2, 600, Palette::new(16));
        let b = Layout::build_with(&t, 2, 600, Palette::new(400));
        assert_eq!(a.prims.len(), b.prims.len());
        for (p, q) in a.prims.iter().zip(&b.prims) {
            assert_eq!(
                (p.local_id, p.parent, p.position, p.rotation, p.scale),
                (q.local_id, q.parent, q.position, q.rotation, q.scale)
            );
        }
    }
}
