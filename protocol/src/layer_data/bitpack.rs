//! The bit packer used by LayerData (LL's `LLBitPack`).
//!
//! Bits fill each byte from the most significant bit down. A value of `n`
//! bits is not written most-significant-bit first, though: it is split into
//! its little-endian bytes, and each byte contributes `min(8, remaining)` of
//! its low bits, most significant of those first. A 10-bit value therefore
//! goes out as its low 8 bits followed by bits 9..8; a byte-aligned `u16` or
//! `f32` comes out as its plain little-endian bytes.

/// Writes values into a growing byte buffer, LLBitPack style.
#[derive(Debug, Clone, Default)]
pub(crate) struct BitWriter {
    bytes: Vec<u8>,
    /// Bits used in the last byte of `bytes` (0 = the next bit starts a new byte).
    bit_in_byte: u32,
}

impl BitWriter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Total number of bits written.
    pub(crate) fn bit_len(&self) -> usize {
        if self.bit_in_byte == 0 {
            self.bytes.len() * 8
        } else {
            (self.bytes.len() - 1) * 8 + self.bit_in_byte as usize
        }
    }

    fn push_bit(&mut self, bit: bool) {
        if self.bit_in_byte == 0 {
            self.bytes.push(0);
        }
        if let (true, Some(last)) = (bit, self.bytes.last_mut()) {
            *last |= 0x80 >> self.bit_in_byte;
        }
        self.bit_in_byte = (self.bit_in_byte + 1) % 8;
    }

    /// Writes the low `count` bits of `value` (count ≤ 32) in LLBitPack order.
    pub(crate) fn put(&mut self, value: u32, count: u32) {
        debug_assert!(count <= 32);
        let mut remaining = count.min(32);
        let mut shift = 0;
        while remaining > 0 {
            let chunk_bits = remaining.min(8);
            let byte = (value >> shift) & 0xFF;
            for i in (0..chunk_bits).rev() {
                self.push_bit(byte & (1 << i) != 0);
            }
            remaining -= chunk_bits;
            shift += 8;
        }
    }

    /// Writes an `f32` as its 32 bits (little-endian bytes).
    pub(crate) fn put_f32(&mut self, value: f32) {
        self.put(value.to_bits(), 32);
    }

    /// Appends every bit another writer holds.
    pub(crate) fn append(&mut self, other: &BitWriter) {
        let total = other.bit_len();
        for i in 0..total {
            let byte = other.bytes[i / 8];
            self.push_bit(byte & (0x80 >> (i % 8)) != 0);
        }
    }

    /// The bytes written; a partial last byte is padded with zero bits.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// The reader ran out of input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutOfBits {
    /// Bits that were asked for.
    pub(crate) wanted: u32,
    /// Bits that were left.
    pub(crate) left: usize,
}

/// Reads values written by [`BitWriter`] (or any LLBitPack) from untrusted
/// bytes; every read is bounds-checked.
#[derive(Debug, Clone)]
pub(crate) struct BitReader<'a> {
    bytes: &'a [u8],
    bit_pos: usize,
}

impl<'a> BitReader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, bit_pos: 0 }
    }

    /// Bits not yet read.
    pub(crate) fn bits_left(&self) -> usize {
        (self.bytes.len() * 8).saturating_sub(self.bit_pos)
    }

    fn bit(&mut self) -> bool {
        // Callers check `bits_left` first, so the index is in range.
        let byte = self.bytes.get(self.bit_pos / 8).copied().unwrap_or(0);
        let set = byte & (0x80 >> (self.bit_pos % 8)) != 0;
        self.bit_pos += 1;
        set
    }

    /// Reads `count` (≤ 32) bits in LLBitPack order.
    pub(crate) fn get(&mut self, count: u32) -> Result<u32, OutOfBits> {
        let count = count.min(32);
        if self.bits_left() < count as usize {
            return Err(OutOfBits {
                wanted: count,
                left: self.bits_left(),
            });
        }
        let mut value = 0u32;
        let mut remaining = count;
        let mut shift = 0;
        while remaining > 0 {
            let chunk_bits = remaining.min(8);
            let mut byte = 0u32;
            for _ in 0..chunk_bits {
                byte = (byte << 1) | u32::from(self.bit());
            }
            value |= byte << shift;
            remaining -= chunk_bits;
            shift += 8;
        }
        Ok(value)
    }

    /// Reads one bit.
    pub(crate) fn get_bit(&mut self) -> Result<bool, OutOfBits> {
        Ok(self.get(1)? != 0)
    }

    /// Reads an `f32` written by [`BitWriter::put_f32`].
    pub(crate) fn get_f32(&mut self) -> Result<f32, OutOfBits> {
        Ok(f32::from_bits(self.get(32)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_values_are_little_endian_bytes() {
        let mut w = BitWriter::new();
        w.put(264, 16);
        w.put(16, 8);
        w.put(0x4C, 8);
        w.put_f32(1.5);
        let mut expected = vec![0x08, 0x01, 0x10, 0x4C];
        expected.extend_from_slice(&1.5f32.to_le_bytes());
        assert_eq!(w.into_bytes(), expected);
    }

    #[test]
    fn ten_bit_value_is_low_byte_then_high_bits() {
        // 0x2A5 = 10_1010_0101: low byte 0xA5 first, then bits 9..8 = 0b10.
        let mut w = BitWriter::new();
        w.put(0x2A5, 10);
        assert_eq!(w.bit_len(), 10);
        assert_eq!(w.into_bytes(), vec![0xA5, 0b1000_0000]);
    }

    #[test]
    fn unaligned_round_trip_and_bounds() {
        let mut w = BitWriter::new();
        let values = [
            (1u32, 1u32),
            (0b101, 3),
            (0x1ABC, 13),
            (0xDEAD_BEEF, 32),
            (3, 2),
        ];
        for &(v, n) in &values {
            w.put(v, n);
        }
        let bytes = w.into_bytes();
        let mut r = BitReader::new(&bytes);
        for &(v, n) in &values {
            assert_eq!(r.get(n), Ok(v));
        }
        // 51 bits written into 7 bytes: 5 padding bits remain, then nothing.
        assert_eq!(r.bits_left(), 5);
        assert_eq!(r.get(8), Err(OutOfBits { wanted: 8, left: 5 }));
    }

    #[test]
    fn append_concatenates_bits() {
        let mut a = BitWriter::new();
        a.put(0b101, 3);
        let mut b = BitWriter::new();
        b.put(0x3FF, 10);
        a.append(&b);
        assert_eq!(a.bit_len(), 13);
        let bytes = a.into_bytes();
        let mut r = BitReader::new(&bytes);
        assert_eq!(r.get(3), Ok(0b101));
        assert_eq!(r.get(10), Ok(0x3FF));
    }
}
