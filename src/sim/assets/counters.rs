//! What the texture capabilities answered: counts per asset id and a
//! bounded log of the requests, for tests to assert exactly.

use std::collections::{HashMap, VecDeque};

use kestrel_protocol::types::Uuid;
use parking_lot::Mutex;

/// Requests kept in the log; older ones are dropped.
pub const REQUEST_LOG_LIMIT: usize = 65_536;

/// Which capability a request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextureCap {
    /// `GetTexture`.
    GetTexture,
    /// `ViewerAsset`.
    ViewerAsset,
}

/// Answers for one id (or for all, in [`super::TextureLibrary::totals`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssetCounts {
    /// Requests that named this id (counted on arrival, before any delay).
    pub requests: u64,
    /// `200` answers (the whole asset).
    pub whole: u64,
    /// `206` answers (a range).
    pub partial: u64,
    /// `404` answers (not in the library, or empty).
    pub not_found: u64,
    /// `416` answers (range start at or past the end).
    pub not_satisfiable: u64,
    /// `503` answers (a flaky asset failing).
    pub unavailable: u64,
    /// `500` answers (the texture could not be encoded).
    pub failed: u64,
    /// Body bytes of the 200 and 206 answers.
    pub bytes: u64,
}

impl AssetCounts {
    /// Answers given so far (requests still waiting are not among them).
    pub fn answered(&self) -> u64 {
        self.whole
            + self.partial
            + self.not_found
            + self.not_satisfiable
            + self.unavailable
            + self.failed
    }

    fn add_answer(&mut self, status: u16, bytes: u64) {
        match status {
            200 => self.whole += 1,
            206 => self.partial += 1,
            404 => self.not_found += 1,
            416 => self.not_satisfiable += 1,
            503 => self.unavailable += 1,
            _ => self.failed += 1,
        }
        self.bytes += bytes;
    }
}

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The asset asked for.
    pub id: Uuid,
    /// The capability it came through.
    pub cap: TextureCap,
    /// The `Range` header as sent, if any.
    pub range: Option<String>,
    /// The status answered.
    pub status: u16,
    /// Body bytes answered (0 unless 200 or 206).
    pub bytes: u64,
}

/// Counts per id, totals and the log.
#[derive(Debug, Default)]
pub(super) struct Counters {
    inner: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    by_id: HashMap<Uuid, AssetCounts>,
    totals: AssetCounts,
    log: VecDeque<RequestRecord>,
}

impl Counters {
    pub(super) fn request(&self, id: Uuid) {
        let mut s = self.inner.lock();
        s.by_id.entry(id).or_default().requests += 1;
        s.totals.requests += 1;
    }

    pub(super) fn answer(&self, record: RequestRecord) {
        let mut s = self.inner.lock();
        s.by_id
            .entry(record.id)
            .or_default()
            .add_answer(record.status, record.bytes);
        s.totals.add_answer(record.status, record.bytes);
        if s.log.len() >= REQUEST_LOG_LIMIT {
            s.log.pop_front();
        }
        s.log.push_back(record);
    }

    pub(super) fn counts(&self, id: Uuid) -> AssetCounts {
        self.inner
            .lock()
            .by_id
            .get(&id)
            .copied()
            .unwrap_or_default()
    }

    pub(super) fn totals(&self) -> AssetCounts {
        self.inner.lock().totals
    }

    pub(super) fn log(&self) -> Vec<RequestRecord> {
        self.inner.lock().log.iter().cloned().collect()
    }

    pub(super) fn reset(&self) {
        *self.inner.lock() = State::default();
    }
}
