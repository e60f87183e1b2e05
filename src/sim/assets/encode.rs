//! Pixels to a J2C codestream, laid out as Second Life lays out its assets
//! (`kestrel_j2k::EncodeOptions::like_second_life`: quality layers by size,
//! five resolution levels), so byte-range prefixes decode as real assets do.

use super::pattern::Image;

/// Encodes a drawn texture. Blocking (OpenJPEG): run it off the async
/// runtime's threads.
pub fn encode_texture(image: &Image) -> Result<Vec<u8>, String> {
    let options = kestrel_j2k::EncodeOptions::like_second_life(image.width, image.height);
    kestrel_j2k::encode(
        &image.pixels,
        image.width,
        image.height,
        image.components,
        &options,
    )
    .map_err(|e| {
        format!(
            "cannot encode a {}x{}x{} texture: {e}",
            image.width, image.height, image.components
        )
    })
}
