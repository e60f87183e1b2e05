//! GPU textures keyed by [`TextureKey`]: created whole (every mip level the
//! producer decoded, `Rgba8UnormSrgb`) when an upload arrives, replaced when a
//! sharper image comes under the same key, freed on request. Each texture has
//! its own bind group (texture + the shared sampler), made once at upload, so
//! drawing a face only looks its key up.
//!
//! Bind slots are dense: 0 is a white 1×1 (untextured faces: the colour
//! alone), 1 a grey 1×1 placeholder (a texture that is not resident yet),
//! `2 + i` the `i`-th resident texture.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Weak};

use super::scene::{TextureImage, TextureKey, TextureUpload};
use super::settings::Filtering;

/// Colour format of every texture: the producer's RGBA8 is sRGB-encoded, and
/// sampling an sRGB texture returns linear values for the shaders.
pub const TEXTURE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;

/// Bind slot of the white texture untextured faces draw with.
pub const WHITE_SLOT: u32 = 0;
/// Bind slot of the placeholder shown while a face's texture is not resident.
pub const PLACEHOLDER_SLOT: u32 = 1;
/// First bind slot of a resident texture.
const FIRST_RESIDENT_SLOT: u32 = 2;
/// Textures the store has room for before its tables grow.
const INITIAL_CAPACITY: usize = 1024;

/// The placeholder's texel: mid grey (sRGB 128), the colour the reference
/// viewer shows for a texture that is still loading.
pub const PLACEHOLDER_TEXEL: [u8; 4] = [128, 128, 128, 255];

/// Why a texture was not uploaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextureRejected {
    /// Zero width or height, or no levels at all.
    #[error("texture has no texels ({width}x{height}, {levels} levels)")]
    Empty {
        /// Width of the largest level.
        width: u32,
        /// Height of the largest level.
        height: u32,
        /// Levels given.
        levels: usize,
    },
    /// More levels than halving down to 1×1 gives.
    #[error("{levels} levels for a {width}x{height} texture")]
    TooManyLevels {
        /// Width of the largest level.
        width: u32,
        /// Height of the largest level.
        height: u32,
        /// Levels given.
        levels: usize,
    },
    /// A level's byte count is not 4 × its texel count.
    #[error("level {level} has {bytes} bytes, {expected} expected")]
    LevelSize {
        /// The level.
        level: usize,
        /// Bytes given.
        bytes: usize,
        /// 4 × width × height of that level.
        expected: usize,
    },
    /// Even the smallest level is larger than the device's texture limit.
    #[error("every level is larger than the device limit of {0} texels")]
    TooLarge(u32),
}

/// The levels of `image` to upload on a device whose largest 2D texture side
/// is `max_side`: leading levels that exceed it are skipped (the next level
/// down is the same picture at half the size). Returns the first level used.
pub fn validate_texture(image: &TextureImage, max_side: u32) -> Result<usize, TextureRejected> {
    let (width, height, levels) = (image.width, image.height, image.mips.len());
    if width == 0 || height == 0 || levels == 0 {
        return Err(TextureRejected::Empty {
            width,
            height,
            levels,
        });
    }
    let full_chain = (32 - width.max(height).leading_zeros()) as usize;
    if levels > full_chain {
        return Err(TextureRejected::TooManyLevels {
            width,
            height,
            levels,
        });
    }
    for (level, texels) in image.mips.iter().enumerate() {
        let (w, h) = level_size(width, height, level);
        let expected = 4 * w as usize * h as usize;
        if texels.len() != expected {
            return Err(TextureRejected::LevelSize {
                level,
                bytes: texels.len(),
                expected,
            });
        }
    }
    (0..levels)
        .find(|&l| {
            let (w, h) = level_size(width, height, l);
            w.max(h) <= max_side
        })
        .ok_or(TextureRejected::TooLarge(max_side))
}

/// Size of mip `level` of a `width`×`height` texture.
fn level_size(width: u32, height: u32, level: usize) -> (u32, u32) {
    let shift = level.min(31) as u32;
    ((width >> shift).max(1), (height >> shift).max(1))
}

/// What the store holds and what this frame's uploads cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextureStats {
    /// Resident textures (the white and the placeholder not counted).
    pub resident: u32,
    /// Bytes of texels resident (every level).
    pub resident_bytes: u64,
    /// Textures uploaded (new or replaced) by the last [`TextureStore::apply`].
    pub uploads: u32,
    /// Bytes uploaded by the last apply.
    pub upload_bytes: u64,
    /// Uploads refused by the last apply.
    pub rejected: u32,
}

/// What a face's texture resolves to this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextureBinding {
    /// Bind slot to draw with.
    pub slot: u32,
    /// The texture has translucent texels: faces showing it are blended.
    pub has_alpha: bool,
}

/// Hashes a texture key: keys are asset UUIDs, already uniformly random, so
/// folding the halves with one multiply spreads them well. (The default
/// SipHash would cost more than the rest of a face's per-frame work; its
/// collision resistance buys nothing for keys the grid assigns or the
/// renderer makes.)
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 ^= self.0 >> 31;
    }

    fn write_u128(&mut self, v: u128) {
        let folded = (v as u64) ^ ((v >> 64) as u64).rotate_left(29);
        self.0 = (self.0 ^ folded).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 ^= self.0 >> 31;
    }
}

/// A map keyed by texture key with [`KeyHasher`].
pub(crate) type KeyMap<V> = HashMap<TextureKey, V, BuildHasherDefault<KeyHasher>>;

/// A map keyed by a `u64` (the face batcher's run keys) with [`KeyHasher`]:
/// the multiply carries every key bit into the high bits, the shift back
/// into the low ones.
pub(crate) type U64Map<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// One texture on the GPU.
#[derive(Debug)]
struct Resident {
    view: wgpu::TextureView,
    bind: wgpu::BindGroup,
    bytes: u64,
    has_alpha: bool,
    /// Changes whenever the texels under the key do (for bind groups built
    /// elsewhere, like the terrain's, to notice a replacement).
    id: u64,
    /// The image it came from, to notice the same `Arc` handed again.
    source: Weak<TextureImage>,
}

/// Resident textures, the built-in white and placeholder, and the sampler.
#[derive(Debug)]
pub(crate) struct TextureStore {
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    white: Resident,
    placeholder: Resident,
    slot_of: KeyMap<u32>,
    keys: Vec<TextureKey>,
    textures: Vec<Resident>,
    next_id: u64,
    max_side: u32,
    stats: TextureStats,
}

impl TextureStore {
    /// The built-in textures and a sampler for `filtering`.
    pub(crate) fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        filtering: Filtering,
    ) -> TextureStore {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("face texture"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let sampler = sampler(device, filtering);
        let solid = |texel: [u8; 4], id: u64| {
            let image = TextureImage {
                width: 1,
                height: 1,
                mips: vec![texel.to_vec()],
                has_alpha: false,
            };
            let view = create_texture(device, queue, &image, 0, "built-in texture");
            Resident {
                bind: bind(device, &layout, &view, &sampler),
                view,
                bytes: 4,
                has_alpha: false,
                id,
                source: Weak::new(),
            }
        };
        let white = solid([255; 4], 0);
        let placeholder = solid(PLACEHOLDER_TEXEL, 1);
        TextureStore {
            max_side: device.limits().max_texture_dimension_2d,
            layout,
            sampler,
            white,
            placeholder,
            // Room for a typical region's textures, so their arrival does
            // not grow these in the middle of a frame.
            slot_of: KeyMap::with_capacity_and_hasher(INITIAL_CAPACITY, Default::default()),
            keys: Vec::with_capacity(INITIAL_CAPACITY),
            textures: Vec::with_capacity(INITIAL_CAPACITY),
            next_id: 2,
            stats: TextureStats::default(),
        }
    }

    /// The layout of every texture's bind group (group 1 of the prim pipelines).
    pub(crate) fn layout(&self) -> &wgpu::BindGroupLayout {
        &self.layout
    }

    /// Applies a frame's uploads (in order; a later one for a key wins) and
    /// then its removals. Handing the same `Arc` again under the same key
    /// costs one pointer comparison.
    pub(crate) fn apply(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        uploads: &[TextureUpload],
        removals: &[TextureKey],
    ) {
        self.stats.uploads = 0;
        self.stats.upload_bytes = 0;
        self.stats.rejected = 0;
        for upload in uploads {
            self.upload(device, queue, upload);
        }
        for key in removals {
            self.remove(*key);
        }
    }

    fn upload(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, upload: &TextureUpload) {
        let slot = self.slot_of.get(&upload.key).copied();
        if let Some(s) = slot
            && std::ptr::eq(
                self.textures[s as usize].source.as_ptr(),
                Arc::as_ptr(&upload.image),
            )
        {
            return;
        }
        let image = &upload.image;
        let first = match validate_texture(image, self.max_side) {
            Ok(first) => first,
            Err(why) => {
                self.stats.rejected += 1;
                tracing::warn!(key = %format_args!("{:032x}", upload.key.0), %why, "texture upload refused");
                return;
            }
        };
        let view = create_texture(device, queue, image, first, "face texture");
        let bytes: u64 = image.mips[first..].iter().map(|l| l.len() as u64).sum();
        let resident = Resident {
            bind: bind(device, &self.layout, &view, &self.sampler),
            view,
            bytes,
            has_alpha: image.has_alpha,
            id: self.next_id,
            source: Arc::downgrade(image),
        };
        self.next_id += 1;
        self.stats.uploads += 1;
        self.stats.upload_bytes += bytes;
        self.stats.resident_bytes += bytes;
        match slot {
            Some(s) => {
                let old = std::mem::replace(&mut self.textures[s as usize], resident);
                self.stats.resident_bytes -= old.bytes;
            }
            None => {
                self.slot_of.insert(upload.key, self.textures.len() as u32);
                self.keys.push(upload.key);
                self.textures.push(resident);
            }
        }
        self.stats.resident = self.textures.len() as u32;
    }

    /// Frees the texture under `key`; returns whether there was one.
    pub(crate) fn remove(&mut self, key: TextureKey) -> bool {
        let Some(i) = self.slot_of.remove(&key) else {
            return false;
        };
        let i = i as usize;
        let old = self.textures.swap_remove(i);
        self.keys.swap_remove(i);
        if let Some(moved) = self.keys.get(i) {
            self.slot_of.insert(*moved, i as u32);
        }
        self.stats.resident_bytes -= old.bytes;
        self.stats.resident = self.textures.len() as u32;
        true
    }

    /// What a face with `texture` draws with: white for none, the placeholder
    /// for one that is not resident.
    #[inline]
    pub(crate) fn resolve(&self, texture: Option<TextureKey>) -> TextureBinding {
        let Some(key) = texture else {
            return TextureBinding {
                slot: WHITE_SLOT,
                has_alpha: false,
            };
        };
        match self.slot_of.get(&key) {
            Some(&i) => TextureBinding {
                slot: FIRST_RESIDENT_SLOT + i,
                has_alpha: self.textures[i as usize].has_alpha,
            },
            None => TextureBinding {
                slot: PLACEHOLDER_SLOT,
                has_alpha: false,
            },
        }
    }

    /// The bind group of a slot from [`TextureStore::resolve`] (the
    /// placeholder for a slot that no longer exists).
    pub(crate) fn bind_group(&self, slot: u32) -> &wgpu::BindGroup {
        &self.by_slot(slot).bind
    }

    fn by_slot(&self, slot: u32) -> &Resident {
        match slot {
            WHITE_SLOT => &self.white,
            PLACEHOLDER_SLOT => &self.placeholder,
            s => self
                .textures
                .get((s - FIRST_RESIDENT_SLOT) as usize)
                .unwrap_or(&self.placeholder),
        }
    }

    /// The view of a resident texture and an id that changes whenever its
    /// texels are replaced; `None` when not resident.
    pub(crate) fn resident_view(&self, key: TextureKey) -> Option<(&wgpu::TextureView, u64)> {
        let &i = self.slot_of.get(&key)?;
        let r = &self.textures[i as usize];
        Some((&r.view, r.id))
    }

    /// The white texture's view (a neutral stand-in for bindings).
    pub(crate) fn white_view(&self) -> &wgpu::TextureView {
        &self.white.view
    }

    /// The shared sampler.
    pub(crate) fn sampler(&self) -> &wgpu::Sampler {
        &self.sampler
    }

    /// Replaces the sampler and rebuilds every bind group (a settings change,
    /// never per frame).
    pub(crate) fn set_filtering(&mut self, device: &wgpu::Device, filtering: Filtering) {
        self.sampler = sampler(device, filtering);
        let _wgpu = crate::alloc_stats::in_wgpu();
        for r in std::iter::once(&mut self.white)
            .chain(std::iter::once(&mut self.placeholder))
            .chain(self.textures.iter_mut())
        {
            r.bind = bind(device, &self.layout, &r.view, &self.sampler);
        }
    }

    /// Residency and the last apply's uploads.
    pub(crate) fn stats(&self) -> TextureStats {
        self.stats
    }
}

/// Creates a texture from `image`'s levels `first..` and returns its view.
fn create_texture(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    image: &TextureImage,
    first: usize,
    label: &'static str,
) -> wgpu::TextureView {
    let _wgpu = crate::alloc_stats::in_wgpu();
    let (width, height) = level_size(image.width, image.height, first);
    let levels = &image.mips[first..];
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: levels.len() as u32,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: TEXTURE_FORMAT,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    for (mip, texels) in levels.iter().enumerate() {
        let (w, h) = level_size(width, height, mip);
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &texture,
                mip_level: mip as u32,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            texels,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(4 * w),
                rows_per_image: Some(h),
            },
            wgpu::Extent3d {
                width: w,
                height: h,
                depth_or_array_layers: 1,
            },
        );
    }
    texture.create_view(&wgpu::TextureViewDescriptor::default())
}

fn bind(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    view: &wgpu::TextureView,
    sampler: &wgpu::Sampler,
) -> wgpu::BindGroup {
    let _wgpu = crate::alloc_stats::in_wgpu();
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("face texture"),
        layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(view),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::Sampler(sampler),
            },
        ],
    })
}

/// The sampler for a filtering setting: repeat addressing (Second Life
/// textures tile), linear within a level; `Bilinear` takes the nearest mip,
/// `Trilinear` blends two, `Anisotropic(n)` adds up to n-tap anisotropy.
pub(crate) fn sampler(device: &wgpu::Device, filtering: Filtering) -> wgpu::Sampler {
    let mipmap_filter = match filtering {
        Filtering::Bilinear => wgpu::MipmapFilterMode::Nearest,
        Filtering::Trilinear | Filtering::Anisotropic(_) => wgpu::MipmapFilterMode::Linear,
    };
    let _wgpu = crate::alloc_stats::in_wgpu();
    device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some("texture sampler"),
        address_mode_u: wgpu::AddressMode::Repeat,
        address_mode_v: wgpu::AddressMode::Repeat,
        address_mode_w: wgpu::AddressMode::Repeat,
        mag_filter: wgpu::FilterMode::Linear,
        min_filter: wgpu::FilterMode::Linear,
        mipmap_filter,
        anisotropy_clamp: filtering.anisotropy(),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn image(width: u32, height: u32, levels: usize) -> TextureImage {
        TextureImage {
            width,
            height,
            mips: (0..levels)
                .map(|l| {
                    let (w, h) = level_size(width, height, l);
                    vec![0; 4 * (w * h) as usize]
                })
                .collect(),
            has_alpha: false,
        }
    }

    #[test]
    fn whole_chains_and_partial_chains_are_accepted() {
        assert_eq!(validate_texture(&image(256, 64, 9), 4096), Ok(0));
        assert_eq!(validate_texture(&image(256, 64, 1), 4096), Ok(0));
        assert_eq!(validate_texture(&image(1, 1, 1), 4096), Ok(0));
    }

    #[test]
    fn levels_larger_than_the_device_are_skipped() {
        assert_eq!(validate_texture(&image(2048, 1024, 12), 1024), Ok(1));
        assert_eq!(
            validate_texture(&image(2048, 2048, 1), 1024),
            Err(TextureRejected::TooLarge(1024))
        );
    }

    #[test]
    fn bad_images_are_refused_with_the_reason() {
        assert!(matches!(
            validate_texture(&image(0, 4, 1), 4096),
            Err(TextureRejected::Empty { .. })
        ));
        assert!(matches!(
            validate_texture(&image(4, 4, 0), 4096),
            Err(TextureRejected::Empty { .. })
        ));
        assert!(matches!(
            validate_texture(&image(4, 4, 4), 4096),
            Err(TextureRejected::TooManyLevels { levels: 4, .. })
        ));
        let mut short = image(8, 8, 2);
        short.mips[1].pop();
        assert_eq!(
            validate_texture(&short, 4096),
            Err(TextureRejected::LevelSize {
                level: 1,
                bytes: 63,
                expected: 64
            })
        );
    }

    #[test]
    fn key_hashes_use_every_bit_of_the_key() {
        let h = |k: u128| BuildHasherDefault::<KeyHasher>::default().hash_one(TextureKey(k));
        assert_ne!(h(1), h(2));
        assert_ne!(h(1 << 64), h(1 << 65));
        assert_ne!(h(1), h(1 << 64));
        // The top bits (SwissTable's control byte) vary with low key bits too.
        let tops: std::collections::HashSet<u64> = (0..64u128).map(|k| h(k) >> 57).collect();
        assert!(tops.len() > 16, "{} distinct top bytes", tops.len());
    }
}
