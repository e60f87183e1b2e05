//! An RGBA8 image read back from the GPU, and PNG output.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use super::error::RenderError;

/// Tightly packed RGBA8 pixels, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbaImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub pixels: Vec<u8>,
}

impl RgbaImage {
    /// The pixel at (`x`, `y`) from the top-left, or `None` outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        self.pixels.get(i..i + 4).map(|p| [p[0], p[1], p[2], p[3]])
    }

    /// Writes the image as an 8-bit RGBA PNG.
    pub fn save_png(&self, path: &Path) -> Result<(), RenderError> {
        let file = File::create(path).map_err(|source| RenderError::Io {
            path: path.to_owned(),
            source,
        })?;
        let png_err = |source| RenderError::Png {
            path: path.to_owned(),
            source,
        };
        let mut encoder = png::Encoder::new(BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(png_err)?;
        writer.write_image_data(&self.pixels).map_err(png_err)?;
        writer.finish().map_err(png_err)
    }
}

/// Bytes per row of a texture → buffer copy: `width * 4` rounded up to wgpu's
/// 256-byte alignment.
pub(crate) fn padded_bytes_per_row(width: u32) -> u32 {
    let unpadded = width * 4;
    let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    unpadded.div_ceil(align) * align
}

/// Drops the row padding of a readback.
pub(crate) fn unpad(padded: &[u8], width: u32, height: u32) -> Vec<u8> {
    let row = width as usize * 4;
    let stride = padded_bytes_per_row(width) as usize;
    let mut out = Vec::with_capacity(row * height as usize);
    for r in padded.chunks(stride).take(height as usize) {
        out.extend_from_slice(&r[..row.min(r.len())]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_padded_to_256_bytes() {
        assert_eq!(padded_bytes_per_row(64), 256);
        assert_eq!(padded_bytes_per_row(65), 512);
        assert_eq!(padded_bytes_per_row(100), 512);
    }

    #[test]
    fn unpad_keeps_each_row_and_drops_padding() {
        let (w, h) = (3u32, 2u32);
        let stride = padded_bytes_per_row(w) as usize;
        let mut padded = vec![0xAAu8; stride * h as usize];
        for y in 0..h as usize {
            for b in 0..(w as usize * 4) {
                padded[y * stride + b] = (y * 100 + b) as u8;
            }
        }
        let img = RgbaImage {
            width: w,
            height: h,
            pixels: unpad(&padded, w, h),
        };
        assert_eq!(img.pixels.len(), 24);
        assert_eq!(img.pixel(0, 1), Some([100, 101, 102, 103]));
        assert_eq!(img.pixel(2, 0), Some([8, 9, 10, 11]));
        assert_eq!(img.pixel(3, 0), None);
    }
}
