//! The region's test content: a few hundred prims of every standard shape
//! at known places, sizes, rotations and colours, one link set and some
//! hover text, written as the SceneObjectGroup XML ("xml2") that
//! OpenSimulator's `load xml2 FILE` console command reads.
//!
//! The file is a `<scene>` element holding one `<SceneObjectGroup>` per
//! object: its root `<SceneObjectPart>`, then `<OtherParts>` with the
//! children. Every part carries `GroupPosition` (the root's place in the
//! region), `OffsetPosition` and `RotationOffset` (relative to the root for
//! children; the root's offset is zero and its rotation is the object's),
//! `Scale`, `Text`, `Color` (the hover text's colour) and a `Shape` with
//! the volume parameters in their quantized wire form. OpenSim gives every
//! part a new local id when it loads; the UUIDs are ours and stay.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

use glam::{Quat, Vec3};
use kestrel_protocol::object_data::{PrimShape, StandardPrim};
use kestrel_protocol::texture_entry::{DEFAULT_TEXTURE, Rgba8, TextureEntry, TextureFace};
use kestrel_protocol::types::Uuid;

/// PCode of an ordinary prim.
pub const PCODE_PRIM: u8 = 9;
/// Single prims in the grid.
pub const GRID_PRIMS: usize = 300;
/// Children of the link set's root.
pub const LINK_CHILDREN: usize = 4;
/// Every grid prim whose index is a multiple of this shows hover text.
pub const TEXT_EVERY: usize = 25;

/// One prim as the test expects to see it in the region.
#[derive(Debug, Clone)]
pub struct Prim {
    /// Its name (also in OpenSim's `show object` listing).
    pub name: String,
    /// Its UUID (the viewer's `FullID`).
    pub uuid: u128,
    /// Which build-tool prim it is.
    pub kind: StandardPrim,
    /// Region position, metres.
    pub position: Vec3,
    /// Region rotation.
    pub rotation: Quat,
    /// Size, metres.
    pub scale: Vec3,
    /// Face colour (every face).
    pub colour: Rgba8,
    /// Texture of every face (OpenSim's plywood unless said otherwise).
    pub texture: Uuid,
    /// Hover text, if any.
    pub text: Option<String>,
}

impl Prim {
    /// The volume parameters the viewer must decode.
    pub fn shape(&self) -> PrimShape {
        self.kind.shape()
    }
}

/// A SceneObjectGroup: the root first, then its children.
#[derive(Debug, Clone)]
pub struct Group {
    /// Root, then children.
    pub parts: Vec<Prim>,
}

/// Everything loaded into the region.
#[derive(Debug, Clone)]
pub struct Content {
    /// The objects.
    pub groups: Vec<Group>,
}

impl Content {
    /// Objects (link sets count once): what OpenSim's `show object` lists.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Prims (every part of every link set): what the viewer gets.
    pub fn prim_count(&self) -> usize {
        self.groups.iter().map(|g| g.parts.len()).sum()
    }

    /// Every prim with its group and whether it is the root.
    pub fn prims(&self) -> impl Iterator<Item = (&Group, &Prim, bool)> {
        self.groups
            .iter()
            .flat_map(|g| g.parts.iter().enumerate().map(move |(i, p)| (g, p, i == 0)))
    }

    /// The link set (the one group of more than one part).
    pub fn link_set(&self) -> &Group {
        self.groups
            .iter()
            .find(|g| g.parts.len() > 1)
            .expect("the content has a link set")
    }

    /// The whole `load xml2` file.
    pub fn to_xml2(&self) -> String {
        let mut out = String::with_capacity(self.prim_count() * 3000);
        out.push_str("<scene>\n");
        for g in &self.groups {
            out.push_str("<SceneObjectGroup>");
            let root = &g.parts[0];
            // Link numbers: 0 for a prim on its own, 1 (root), 2, 3, … in a link set.
            let single = g.parts.len() == 1;
            write_part(&mut out, root, root, u32::from(!single));
            out.push_str("<OtherParts>");
            for (i, child) in g.parts.iter().enumerate().skip(1) {
                write_part(&mut out, root, child, i as u32 + 1);
            }
            out.push_str("</OtherParts></SceneObjectGroup>\n");
        }
        out.push_str("</scene>\n");
        out
    }

    /// Writes [`Content::to_xml2`] to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_xml2())
    }
}

/// A few colours to tell the prims apart.
const PALETTE: [Rgba8; 6] = [
    Rgba8 {
        r: 230,
        g: 80,
        b: 60,
        a: 255,
    },
    Rgba8 {
        r: 240,
        g: 190,
        b: 60,
        a: 255,
    },
    Rgba8 {
        r: 90,
        g: 190,
        b: 90,
        a: 255,
    },
    Rgba8 {
        r: 70,
        g: 140,
        b: 230,
        a: 255,
    },
    Rgba8 {
        r: 170,
        g: 100,
        b: 210,
        a: 255,
    },
    Rgba8 {
        r: 235,
        g: 235,
        b: 235,
        a: 255,
    },
];

/// The UUID of prim `n`: "6b657374-…" ("kest").
fn uuid(n: u128) -> u128 {
    0x6b65_7374_0000_4000_8000_0000_0000_0000 | n
}

/// The test content: a 20 × 15 grid of single prims 2 m apart south-west of
/// the region's centre (x 84–122, y 102–130), clear of where the avatar
/// lands (128, 128) and walks (east), and a five-part link set at (134, 108)
/// between the grid and the headless viewer's overview camera.
pub fn region_content() -> Content {
    let mut groups = Vec::new();
    let kinds = StandardPrim::ALL;
    for i in 0..GRID_PRIMS {
        let (col, row) = ((i % 20) as f32, (i / 20) as f32);
        let position = Vec3::new(
            84.0 + 2.0 * col,
            102.0 + 2.0 * row,
            29.0 + (i % 5) as f32 * 0.3,
        );
        let rotation = Quat::from_rotation_z((i as f32 * 15.0).to_radians())
            * Quat::from_rotation_x(((i % 4) as f32 * 20.0).to_radians());
        let scale = Vec3::new(
            0.5 + (i % 4) as f32 * 0.25,
            0.5 + (i % 3) as f32 * 0.3,
            0.5 + (i % 5) as f32 * 0.2,
        );
        let kind = kinds[i % kinds.len()];
        groups.push(Group {
            parts: vec![Prim {
                name: format!("grid {i:03} {kind:?}"),
                uuid: uuid(i as u128 + 1),
                kind,
                position,
                rotation,
                scale,
                colour: PALETTE[i % PALETTE.len()],
                texture: DEFAULT_TEXTURE,
                text: (i % TEXT_EVERY == 0).then(|| format!("Kestrel grid {i}")),
            }],
        });
    }

    // The link set: a flat box as the root, turned 30° about Z, with a
    // cylinder post at each corner (placed in the root's frame).
    let root_pos = Vec3::new(134.0, 108.0, 30.0);
    let root_rot = Quat::from_rotation_z(30f32.to_radians());
    let mut parts = vec![Prim {
        name: "link root".into(),
        uuid: uuid(0x1000),
        kind: StandardPrim::Box,
        position: root_pos,
        rotation: root_rot,
        scale: Vec3::new(4.0, 3.0, 0.3),
        colour: PALETTE[3],
        texture: DEFAULT_TEXTURE,
        text: Some("Kestrel link set".into()),
    }];
    let corners = [(-1.6, -1.1), (1.6, -1.1), (1.6, 1.1), (-1.6, 1.1)];
    for (k, (x, y)) in corners.into_iter().take(LINK_CHILDREN).enumerate() {
        let offset = Vec3::new(x, y, 1.0);
        parts.push(Prim {
            name: format!("link child {}", k + 1),
            uuid: uuid(0x1001 + k as u128),
            kind: if k % 2 == 0 {
                StandardPrim::Cylinder
            } else {
                StandardPrim::Sphere
            },
            position: root_pos + root_rot * offset,
            rotation: root_rot * Quat::from_rotation_x((k as f32 * 10.0).to_radians()),
            scale: Vec3::new(0.4, 0.4, 1.8),
            colour: PALETTE[k % PALETTE.len()],
            texture: DEFAULT_TEXTURE,
            text: None,
        });
    }
    groups.push(Group { parts });
    Content { groups }
}

/// OpenSim's "Blank Texture" (white), from its bundled texture set.
pub const BLANK_TEXTURE: Uuid = Uuid::from_u128(0x5748_decc_f629_461c_9a36_a35a_221f_e21f);

/// White boards for checking textures on the pixels: two 4 × 0.2 × 4 m
/// boards standing side by side facing south at y 140, z 31 (the left one,
/// x 140, plywood; the right one, x 146, OpenSim's blank texture), and a blank
/// board lying flat (4 × 4 × 0.2 m at (136, 133, 34)) whose top is lit as
/// flat terrain is. A camera at (143, 124, 39) looking north and down sees
/// all three and the ground in front of them.
pub fn texture_boards() -> Content {
    let board = |n: u128, name: &str, at: Vec3, scale: Vec3, texture: Uuid| Group {
        parts: vec![Prim {
            name: name.into(),
            uuid: uuid(0x2000 + n),
            kind: StandardPrim::Box,
            position: at,
            rotation: Quat::IDENTITY,
            scale,
            colour: Rgba8::WHITE,
            texture,
            text: None,
        }],
    };
    let standing = Vec3::new(4.0, 0.2, 4.0);
    Content {
        groups: vec![
            board(0, "plywood board", PLYWOOD_BOARD, standing, DEFAULT_TEXTURE),
            board(1, "blank board", BLANK_BOARD, standing, BLANK_TEXTURE),
            board(
                2,
                "flat blank board",
                FLAT_BOARD,
                Vec3::new(4.0, 4.0, 0.2),
                BLANK_TEXTURE,
            ),
        ],
    }
}

/// Centre of the plywood board of [`texture_boards`].
pub const PLYWOOD_BOARD: Vec3 = Vec3::new(140.0, 140.0, 31.0);
/// Centre of the standing blank board.
pub const BLANK_BOARD: Vec3 = Vec3::new(146.0, 140.0, 31.0);
/// Centre of the flat blank board.
pub const FLAT_BOARD: Vec3 = Vec3::new(136.0, 133.0, 34.0);

fn uuid_text(u: u128) -> String {
    let h = format!("{u:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn vector(out: &mut String, name: &str, v: Vec3) {
    let _ = write!(
        out,
        "<{name}><X>{}</X><Y>{}</Y><Z>{}</Z></{name}>",
        v.x, v.y, v.z
    );
}

fn quaternion(out: &mut String, name: &str, q: Quat) {
    let _ = write!(
        out,
        "<{name}><X>{}</X><Y>{}</Y><Z>{}</Z><W>{}</W></{name}>",
        q.x, q.y, q.z, q.w
    );
}

fn uuid_element(out: &mut String, name: &str, u: u128) {
    let _ = write!(out, "<{name}><UUID>{}</UUID></{name}>", uuid_text(u));
}

/// One `<SceneObjectPart>`; `link` is its link number (0 alone, root 1).
fn write_part(out: &mut String, root: &Prim, part: &Prim, link: u32) {
    let is_root = link <= 1;
    let (offset, rotation) = if is_root {
        (Vec3::ZERO, part.rotation)
    } else {
        let inv = root.rotation.inverse();
        (inv * (part.position - root.position), inv * part.rotation)
    };
    out.push_str("<SceneObjectPart>");
    out.push_str("<AllowedDrop>false</AllowedDrop>");
    uuid_element(out, "CreatorID", 0);
    uuid_element(out, "FolderID", part.uuid);
    out.push_str("<InventorySerial>0</InventorySerial>");
    uuid_element(out, "UUID", part.uuid);
    out.push_str("<LocalId>0</LocalId>");
    let _ = write!(out, "<Name>{}</Name>", escape(&part.name));
    out.push_str("<Material>3</Material><PassTouches>false</PassTouches>");
    out.push_str("<RegionHandle>0</RegionHandle><ScriptAccessPin>0</ScriptAccessPin>");
    vector(out, "GroupPosition", root.position);
    vector(out, "OffsetPosition", offset);
    quaternion(out, "RotationOffset", rotation);
    vector(out, "Velocity", Vec3::ZERO);
    vector(out, "AngularVelocity", Vec3::ZERO);
    vector(out, "Acceleration", Vec3::ZERO);
    // The hover text's colour.
    out.push_str("<Color><R>255</R><G>240</G><B>160</B><A>255</A></Color>");
    let _ = write!(
        out,
        "<Text>{}</Text>",
        escape(part.text.as_deref().unwrap_or(""))
    );
    let _ = write!(out, "<LinkNum>{}</LinkNum>", link);
    out.push_str("<ClickAction>0</ClickAction>");
    write_shape(out, part);
    vector(out, "Scale", part.scale);
    let _ = write!(
        out,
        "<ParentID>0</ParentID><CreationDate>1700000000</CreationDate>"
    );
    out.push_str(
        "<Category>0</Category><SalePrice>0</SalePrice><ObjectSaleType>0</ObjectSaleType>",
    );
    out.push_str("<OwnershipCost>0</OwnershipCost>");
    uuid_element(out, "GroupID", 0);
    uuid_element(out, "OwnerID", 0);
    uuid_element(out, "LastOwnerID", 0);
    // Everything allowed (PermissionMask.All).
    for mask in [
        "BaseMask",
        "OwnerMask",
        "GroupMask",
        "EveryoneMask",
        "NextOwnerMask",
    ] {
        let _ = write!(out, "<{mask}>2147483647</{mask}>");
    }
    out.push_str("<Flags>None</Flags>");
    out.push_str("</SceneObjectPart>");
}

/// `<Shape>`: PCode, the profile and path curves and the quantized volume
/// parameters, and a TextureEntry of the prim's texture in its colour.
fn write_shape(out: &mut String, part: &Prim) {
    let s = part.shape();
    let cut = |v: f32| (v as f64 / 0.00002).round() as u16;
    let cut_end = |v: f32| ((1.0 - v as f64) / 0.00002).round() as u16;
    let scale = |v: f32| (200 - (v as f64 / 0.01).round() as i32) as u8;
    let hundredths = |v: f32| (v as f64 / 0.01).round() as i8;
    let te = TextureEntry::new(TextureFace {
        color: part.colour,
        ..TextureFace::new(part.texture)
    })
    .encode();
    out.push_str("<Shape>");
    let _ = write!(
        out,
        "<ProfileCurve>{}</ProfileCurve>",
        s.profile.code() | s.hole.code()
    );
    let _ = write!(out, "<TextureEntry>{}</TextureEntry>", base64(&te));
    out.push_str("<ExtraParams>AA==</ExtraParams>");
    let _ = write!(out, "<PathBegin>{}</PathBegin>", cut(s.path_begin));
    let _ = write!(out, "<PathCurve>{}</PathCurve>", s.path.code());
    let _ = write!(out, "<PathEnd>{}</PathEnd>", cut_end(s.path_end));
    let _ = write!(
        out,
        "<PathRadiusOffset>{}</PathRadiusOffset>",
        hundredths(s.path_radius_offset)
    );
    let _ = write!(
        out,
        "<PathRevolutions>{}</PathRevolutions>",
        ((s.path_revolutions as f64 - 1.0) / 0.015).round() as u8
    );
    let _ = write!(out, "<PathScaleX>{}</PathScaleX>", scale(s.path_scale_x));
    let _ = write!(out, "<PathScaleY>{}</PathScaleY>", scale(s.path_scale_y));
    // Shear is a byte in OpenSim: the signed value's two's complement.
    let _ = write!(
        out,
        "<PathShearX>{}</PathShearX>",
        hundredths(s.path_shear_x) as u8
    );
    let _ = write!(
        out,
        "<PathShearY>{}</PathShearY>",
        hundredths(s.path_shear_y) as u8
    );
    let _ = write!(out, "<PathSkew>{}</PathSkew>", hundredths(s.path_skew));
    let _ = write!(
        out,
        "<PathTaperX>{}</PathTaperX>",
        hundredths(s.path_taper_x)
    );
    let _ = write!(
        out,
        "<PathTaperY>{}</PathTaperY>",
        hundredths(s.path_taper_y)
    );
    let _ = write!(out, "<PathTwist>{}</PathTwist>", hundredths(s.path_twist));
    let _ = write!(
        out,
        "<PathTwistBegin>{}</PathTwistBegin>",
        hundredths(s.path_twist_begin)
    );
    let _ = write!(out, "<PCode>{PCODE_PRIM}</PCode>");
    let _ = write!(out, "<ProfileBegin>{}</ProfileBegin>", cut(s.profile_begin));
    let _ = write!(out, "<ProfileEnd>{}</ProfileEnd>", cut_end(s.profile_end));
    let _ = write!(
        out,
        "<ProfileHollow>{}</ProfileHollow>",
        cut(s.profile_hollow)
    );
    out.push_str("<State>0</State><LastAttachPoint>0</LastAttachPoint>");
    out.push_str("<SculptType>0</SculptType>");
    out.push_str("<FlexiEntry>false</FlexiEntry><LightEntry>false</LightEntry>");
    out.push_str("<SculptEntry>false</SculptEntry>");
    out.push_str("</Shape>");
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_known_values() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
