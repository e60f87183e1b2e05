//! Duplicate suppression: remembers which of the most recent received
//! sequence numbers were seen, in a fixed-size bitmap.

use super::wire::SEQUENCE_MODULUS;

/// Signed distance `a - b` in the 24-bit sequence space: positive when `a`
/// is newer. Peers that count past 2^24 are handled too, since only the low
/// 24 bits take part.
pub fn sequence_diff(a: u32, b: u32) -> i32 {
    let d = a.wrapping_sub(b) & (SEQUENCE_MODULUS - 1);
    if d >= SEQUENCE_MODULUS / 2 {
        d as i32 - SEQUENCE_MODULUS as i32
    } else {
        d as i32
    }
}

/// What the window says about a received sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Never seen: deliver it.
    New,
    /// Seen before: drop it (but ack it again if reliable).
    Duplicate,
    /// Older than the window remembers. Treated as a duplicate: a packet this
    /// late is a resend of one that was already delivered or given up on.
    TooOld,
}

/// A window of the last `size` sequence numbers behind the highest seen.
#[derive(Debug, Clone)]
pub struct SequenceWindow {
    highest: Option<u32>,
    bits: Vec<u64>,
    size: u32,
}

impl SequenceWindow {
    /// A window remembering `size` sequences; rounded up to a power of two
    /// between 64 and 2^22.
    pub fn new(size: u32) -> Self {
        let size = size.clamp(64, 1 << 22).next_power_of_two();
        SequenceWindow {
            highest: None,
            bits: vec![0; (size / 64) as usize],
            size,
        }
    }

    /// How many sequences are remembered.
    pub fn size(&self) -> u32 {
        self.size
    }

    fn slot(&self, seq: u32) -> (usize, u64) {
        let i = seq & (self.size - 1);
        ((i / 64) as usize, 1u64 << (i % 64))
    }

    fn get(&self, seq: u32) -> bool {
        let (w, m) = self.slot(seq);
        self.bits[w] & m != 0
    }

    fn set(&mut self, seq: u32, on: bool) {
        let (w, m) = self.slot(seq);
        if on {
            self.bits[w] |= m;
        } else {
            self.bits[w] &= !m;
        }
    }

    /// Records `seq` as received and says whether it was new.
    pub fn observe(&mut self, seq: u32) -> Seen {
        let Some(highest) = self.highest else {
            self.highest = Some(seq);
            self.set(seq, true);
            return Seen::New;
        };
        let d = sequence_diff(seq, highest);
        if d > 0 {
            if d as u32 >= self.size {
                self.bits.iter_mut().for_each(|w| *w = 0);
            } else {
                // Forget the slots the window slides over.
                for k in 1..=d as u32 {
                    self.set(highest.wrapping_add(k), false);
                }
            }
            self.highest = Some(seq);
            self.set(seq, true);
            Seen::New
        } else if (-d) as u32 >= self.size {
            Seen::TooOld
        } else if self.get(seq) {
            Seen::Duplicate
        } else {
            self.set(seq, true);
            Seen::New
        }
    }

    /// Forgets everything (a new circuit with a fresh sequence).
    pub fn reset(&mut self) {
        self.highest = None;
        self.bits.iter_mut().for_each(|w| *w = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_wraps_at_24_bits() {
        assert_eq!(sequence_diff(1, 0xFF_FFFF), 2);
        assert_eq!(sequence_diff(0xFF_FFFF, 1), -2);
        assert_eq!(sequence_diff(5, 5), 0);
        assert_eq!(sequence_diff(0x0100_0003, 0x00FF_FFFF), 4);
    }

    #[test]
    fn window_suppresses_duplicates_and_reorders() {
        let mut w = SequenceWindow::new(64);
        assert_eq!(w.observe(10), Seen::New);
        assert_eq!(w.observe(12), Seen::New);
        assert_eq!(w.observe(11), Seen::New);
        assert_eq!(w.observe(11), Seen::Duplicate);
        assert_eq!(w.observe(10), Seen::Duplicate);
        assert_eq!(w.observe(100), Seen::New);
        assert_eq!(w.observe(12), Seen::TooOld);
        assert_eq!(w.observe(40), Seen::New);
        assert_eq!(w.observe(40), Seen::Duplicate);
        // Sliding forward clears recycled slots: 104 shares a slot with 40.
        assert_eq!(w.observe(104), Seen::New);
        assert_eq!(w.observe(103), Seen::New);
    }

    #[test]
    fn window_across_wrap() {
        let mut w = SequenceWindow::new(128);
        assert_eq!(w.observe(0xFF_FFFE), Seen::New);
        assert_eq!(w.observe(0), Seen::New);
        assert_eq!(w.observe(0xFF_FFFF), Seen::New);
        assert_eq!(w.observe(0xFF_FFFE), Seen::Duplicate);
        assert_eq!(w.observe(0), Seen::Duplicate);
    }
}
