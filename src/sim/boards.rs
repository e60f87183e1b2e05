//! Texture boards: white boxes the region can float over its spawn point so a
//! test can check textures on rendered pixels (`--texture-boards`, hidden).
//! Two stand side by side facing south, one wearing a content texture and one
//! a plain white texture (lit alike, the ratio of their pixels is the content
//! texture's own colour); a third lies flat, lit as level ground is.

use glam::{Quat, Vec2, Vec3};
use kestrel_protocol::object_data::PrimShape;
use kestrel_protocol::texture_entry::{TextureEntry, TextureFace};
use kestrel_protocol::types::Uuid;

use super::assets::{ServedAsset, TextureLibrary};
use super::objects::Rgba;
use super::region::Region;

/// The white texture the reference boards wear (32 × 32, pure white).
pub const WHITE_TEXTURE: Uuid = Uuid::from_u128(0x6b65_7374_7265_6c54_7768_6974_6500_0001);

/// One board.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Board {
    /// What it is for.
    pub name: &'static str,
    /// Centre, region metres.
    pub centre: Vec3,
    /// Size, metres.
    pub size: Vec3,
    /// The texture of every face.
    pub texture: Uuid,
}

/// Where the boards go in `region`: over the ground 30 m north of the spawn
/// point, 12 m above the highest ground around them; `content` is the texture
/// the textured board wears.
pub fn boards(region: &Region, content: Uuid) -> [Board; 3] {
    let spawn = region.info().spawn;
    let base = Vec2::new(spawn.x, spawn.y + 30.0);
    let mut top = f32::MIN;
    for dx in -12..=12 {
        for dy in -20..=4 {
            let p = base + Vec2::new(dx as f32, dy as f32);
            top = top.max(region.ground_at(p));
        }
    }
    let z = top + 12.0;
    let standing = Vec3::new(4.0, 0.2, 4.0);
    [
        Board {
            name: "textured board",
            centre: Vec3::new(base.x - 3.0, base.y, z),
            size: standing,
            texture: content,
        },
        Board {
            name: "white board",
            centre: Vec3::new(base.x + 3.0, base.y, z),
            size: standing,
            texture: WHITE_TEXTURE,
        },
        Board {
            name: "flat white board",
            centre: Vec3::new(base.x - 7.0, base.y - 6.0, z + 3.0),
            size: Vec3::new(4.0, 4.0, 0.2),
            texture: WHITE_TEXTURE,
        },
    ]
}

/// Serves the white texture.
pub fn serve_white(library: &TextureLibrary) -> Result<(), String> {
    let white = vec![255u8; 32 * 32 * 3];
    let options = kestrel_j2k::EncodeOptions::like_second_life(32, 32);
    let bytes = kestrel_j2k::encode(&white, 32, 32, 3, &options).map_err(|e| e.to_string())?;
    library.insert(WHITE_TEXTURE, ServedAsset::codestream(bytes));
    Ok(())
}

/// A white box of `board`'s size and texture, unrotated.
pub fn board_parts(board: &Board) -> (PrimShape, Vec3, Vec3, Quat, TextureEntry, Rgba) {
    let te = TextureEntry::new(TextureFace::new(board.texture));
    (
        PrimShape::BOX,
        board.size,
        board.centre,
        Quat::IDENTITY,
        te,
        Rgba([1.0, 1.0, 1.0, 1.0]),
    )
}
