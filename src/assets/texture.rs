//! One texture's progress through the AssetActor: the bytes fetched so far,
//! what its header says, the sharpest level decoded, what the renderer holds,
//! and how much of the screen it covers.

use std::sync::Arc;
use std::time::Instant;

use kestrel_j2k::ImageInfo;

use super::levels::{FIRST_FETCH_BYTES, MAX_DISCARD, bytes_for, reachable_discard, wanted_discard};
use super::stats::FailureKind;
use crate::render::TextureImage;

/// Where a texture is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Nothing running for it.
    Idle,
    /// A byte range is being fetched.
    Fetching,
    /// A decode is running on the rayon pool.
    Decoding,
    /// Given up on (404s are remembered the same way).
    Failed(FailureKind),
}

/// What the actor should do next for a texture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Fetch bytes `first..=last`.
    Fetch {
        /// First byte.
        first: u64,
        /// Last byte (inclusive).
        last: u64,
    },
    /// Decode the bytes held at this level.
    Decode(u8),
    /// Nothing.
    Wait,
}

/// One texture's state (kept in the actor's durable state).
#[derive(Debug, Clone)]
pub struct TextureState {
    /// Order of first request (ties in priority go first-come).
    pub order: u64,
    /// The codestream's first bytes.
    pub bytes: Vec<u8>,
    /// The asset's full size, once the region said.
    pub total: Option<u64>,
    /// The main header, once read.
    pub info: Option<ImageInfo>,
    /// Where it is.
    pub phase: Phase,
    /// Failed attempts in a row.
    pub attempts: u32,
    /// Not before this instant (backing off after an error).
    pub retry_at: Option<Instant>,
    /// Screen pixels it covers (largest use), from the render side.
    pub pixels: f32,
    /// At least one range came over HTTP.
    pub fetched: bool,
    /// Bytes that must be had before decoding again (a decode that found the
    /// prefix too short raises it).
    pub min_bytes: usize,
    /// The sharpest level decoded so far.
    pub decoded: Option<u8>,
    /// What the renderer was handed, and at which level.
    pub resident: Option<(u8, Arc<TextureImage>)>,
    /// Dropped whole to stay within the budget: decode again only when there is room.
    pub evicted: bool,
}

impl TextureState {
    /// A texture first asked for now.
    pub fn new(order: u64) -> TextureState {
        TextureState {
            order,
            bytes: Vec::new(),
            total: None,
            info: None,
            phase: Phase::Idle,
            attempts: 0,
            retry_at: None,
            pixels: 0.0,
            fetched: false,
            min_bytes: FIRST_FETCH_BYTES,
            decoded: None,
            resident: None,
            evicted: false,
        }
    }

    /// All of the asset is here.
    pub fn complete(&self) -> bool {
        self.total.is_some_and(|t| self.bytes.len() as u64 >= t)
    }

    /// The coarsest level worth having for this texture.
    pub fn coarsest(&self) -> u8 {
        self.info.map_or(MAX_DISCARD, |i| i.levels.min(MAX_DISCARD))
    }

    /// The level its screen coverage asks for.
    pub fn wanted(&self) -> u8 {
        match self.info {
            Some(i) => wanted_discard(i.width, i.height, self.pixels, self.coarsest()),
            None => MAX_DISCARD,
        }
    }

    /// The sharpest level the bytes held can give.
    pub fn reachable(&self) -> Option<u8> {
        let i = self.info?;
        if self.bytes.len() < self.min_bytes && !self.complete() {
            return None;
        }
        reachable_discard(
            i.width,
            i.height,
            i.components,
            self.bytes.len(),
            self.total,
            self.coarsest(),
        )
        .map(|d| d.min(self.coarsest()))
    }

    /// Bytes of the resident image.
    pub fn resident_bytes(&self) -> u64 {
        self.resident
            .as_ref()
            .map_or(0, |(_, img)| img.byte_size() as u64)
    }

    /// What to do next, at `now`.
    pub fn next(&self, now: Instant) -> Next {
        if self.phase != Phase::Idle || self.retry_at.is_some_and(|t| now < t) {
            return Next::Wait;
        }
        let Some(info) = self.info else {
            return self.fetch_to(self.min_bytes);
        };
        let wanted = self.wanted();
        if let Some(reach) = self.reachable() {
            let target = reach.max(wanted);
            // Sharper than what was decoded (and what the renderer holds).
            let better = self.decoded.is_none_or(|d| target < d);
            if better {
                return Next::Decode(target);
            }
            if reach <= wanted {
                return Next::Wait;
            }
        }
        let need = bytes_for(info.width, info.height, info.components, wanted, self.total)
            .max(self.min_bytes);
        self.fetch_to(need)
    }

    fn fetch_to(&self, need: usize) -> Next {
        let have = self.bytes.len();
        if self.complete() || need <= have {
            return Next::Wait;
        }
        let last = match self.total {
            Some(t) => (need as u64).min(t) - 1,
            None => need as u64 - 1,
        };
        Next::Fetch {
            first: have as u64,
            last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(side: u32) -> ImageInfo {
        ImageInfo {
            width: side,
            height: side,
            components: 3,
            levels: 5,
            layers: 5,
        }
    }

    #[test]
    fn a_new_texture_fetches_its_first_packet() {
        let t = TextureState::new(0);
        assert_eq!(
            t.next(Instant::now()),
            Next::Fetch {
                first: 0,
                last: FIRST_FETCH_BYTES as u64 - 1
            }
        );
    }

    #[test]
    fn more_bytes_are_asked_from_where_the_last_ended_as_the_texture_grows() {
        let mut t = TextureState::new(0);
        t.info = Some(info(1024));
        t.total = Some(400_000);
        let coarse = kestrel_j2k::prefix_len(1024, 1024, 3, 5);
        t.bytes = vec![0; coarse];
        t.decoded = Some(5);
        // Tiny on screen: the coarse level held is enough.
        t.pixels = 16.0;
        assert_eq!(t.next(Instant::now()), Next::Wait);
        // Filling the screen: fetch onward from where the bytes end.
        t.pixels = 1024.0 * 1024.0;
        match t.next(Instant::now()) {
            Next::Fetch { first, last } => {
                assert_eq!(first, coarse as u64);
                assert!(last >= coarse as u64 && last < 400_000);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn failed_and_busy_textures_wait() {
        let mut t = TextureState::new(0);
        t.phase = Phase::Failed(FailureKind::Missing);
        assert_eq!(t.next(Instant::now()), Next::Wait);
        t.phase = Phase::Fetching;
        assert_eq!(t.next(Instant::now()), Next::Wait);
    }
}
