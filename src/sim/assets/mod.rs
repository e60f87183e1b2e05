//! The region's textures and how they are served: a library of procedural
//! textures (the content's and the terrain's), encoded to J2C on first
//! request and cached, plus assets tests insert with behaviours (slow,
//! failing at first, corrupt bytes), behind the `GetTexture` and
//! `ViewerAsset` capabilities (answered as OpenSimulator 0.9.2.2's
//! `GetAssetsHandler` answers). Counters per id and a request log let
//! tests assert what was fetched.
//!
//! ```no_run
//! # async fn demo(sim: kestrel::sim::SimHandle) {
//! use std::time::Duration;
//! use kestrel::sim::assets::ServedAsset;
//! let lib = sim.textures();
//! let stone = lib.content_ids()[0];
//! let id = kestrel_protocol::types::Uuid::from_u128(42);
//! lib.insert(id, ServedAsset::codestream(vec![0xFF, 0x4F]).slow(Duration::from_millis(300)));
//! let served = lib.counts(stone);
//! # }
//! ```

pub mod capability;
pub mod catalogue;
pub mod counters;
pub mod encode;
pub mod pattern;
pub mod range;
pub mod served;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use kestrel_protocol::types::Uuid;
use parking_lot::RwLock;

pub use catalogue::{Family, Palette, TERRAIN_DETAIL_IDS, TextureSpec, default_texture_count};
pub use counters::{AssetCounts, RequestRecord, TextureCap};
pub use range::PastEnd;
pub use served::ServedAsset;

use counters::Counters;
use served::{Generated, Node};

/// The textures a region serves, by id.
#[derive(Debug)]
pub struct TextureLibrary {
    palette: Palette,
    entries: RwLock<HashMap<Uuid, Arc<Node>>>,
    counters: Counters,
    past_end: AtomicU8,
    encodes: AtomicU64,
}

impl TextureLibrary {
    /// A library of `content_textures` content textures (clamped to
    /// 1..=[`catalogue::MAX_TEXTURES`]) and the four terrain textures.
    /// Nothing is drawn or encoded until asked for, so this is instant.
    pub fn new(content_textures: usize) -> TextureLibrary {
        let palette = Palette::new(content_textures);
        let specs = (0..palette.len())
            .map(TextureSpec::content)
            .chain((0..4).map(TextureSpec::terrain));
        let entries = specs
            .map(|spec| {
                (
                    spec.id,
                    Arc::new(Node::Generated(Arc::new(Generated::new(spec)))),
                )
            })
            .collect();
        TextureLibrary {
            palette,
            entries: RwLock::new(entries),
            counters: Counters::default(),
            past_end: AtomicU8::new(0),
            encodes: AtomicU64::new(0),
        }
    }

    /// The content textures as the layout picks them.
    pub fn palette(&self) -> Palette {
        self.palette
    }

    /// The content textures' ids, in catalogue order (the themed base set
    /// first). The region's prims wear only these.
    pub fn content_ids(&self) -> Vec<Uuid> {
        self.palette.ids().collect()
    }

    /// The terrain detail textures (`TerrainDetail0..3`: dirt, grass, rock,
    /// snow).
    pub fn terrain_ids(&self) -> [Uuid; 4] {
        TERRAIN_DETAIL_IDS
    }

    /// The description of a generated texture the library serves under `id`
    /// (its size, components and name); `None` for an inserted asset or an
    /// unknown id.
    pub fn spec(&self, id: Uuid) -> Option<TextureSpec> {
        let node = self.entries.read().get(&id).cloned()?;
        node.generated().map(|g| g.spec.clone())
    }

    /// Every id served now (content, terrain, inserted), unordered.
    pub fn ids(&self) -> Vec<Uuid> {
        self.entries.read().keys().copied().collect()
    }

    /// True when `id` is served.
    pub fn contains(&self, id: Uuid) -> bool {
        self.entries.read().contains_key(&id)
    }

    /// Serves `asset` under `id` from now on (replacing what was there, a
    /// generated texture too). Counters of `id` carry on.
    pub fn insert(&self, id: Uuid, asset: ServedAsset) {
        self.entries
            .write()
            .insert(id, Arc::new(Node::from_served(asset)));
    }

    /// Stops serving `id` (requests get 404); true when it was served.
    pub fn remove(&self, id: Uuid) -> bool {
        self.entries.write().remove(&id).is_some()
    }

    /// The whole codestream served under `id`, without the behaviours (no
    /// delay, no failures); a generated texture is encoded first if need be
    /// (on a blocking thread). `None` for an unknown id, `Some(Err)` when
    /// the encoder failed.
    pub async fn codestream(&self, id: Uuid) -> Option<Result<Arc<[u8]>, String>> {
        let node = self.node(id)?;
        if let Some(g) = node.generated() {
            return Some(self.encoded(g.clone()).await);
        }
        node.bytes_now()
    }

    /// The same, blocking (for tests without a runtime, and benches).
    pub fn codestream_blocking(&self, id: Uuid) -> Option<Result<Arc<[u8]>, String>> {
        let node = self.node(id)?;
        if let Some(g) = node.generated() {
            let (r, did) = g.encode_blocking();
            if did {
                self.encodes.fetch_add(1, Ordering::Relaxed);
            }
            return Some(r);
        }
        node.bytes_now()
    }

    /// Answers per id so far (zero for an id never asked for).
    pub fn counts(&self, id: Uuid) -> AssetCounts {
        self.counters.counts(id)
    }

    /// Answers over all ids (requests whose id did not parse are not
    /// among them: see `SimStatsSnapshot::texture_bad_requests`).
    pub fn totals(&self) -> AssetCounts {
        self.counters.totals()
    }

    /// The answered requests, oldest first (the last
    /// [`counters::REQUEST_LOG_LIMIT`]).
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.counters.log()
    }

    /// Forgets the counts and the log (the `SimStats` totals stay).
    pub fn reset_counters(&self) {
        self.counters.reset();
    }

    /// How a range starting at or past the end is answered from now on.
    pub fn set_past_end(&self, past_end: PastEnd) {
        let v = match past_end {
            PastEnd::NotSatisfiable => 0,
            PastEnd::WholeAsset => 1,
        };
        self.past_end.store(v, Ordering::Relaxed);
    }

    /// How a range starting at or past the end is answered.
    pub fn past_end(&self) -> PastEnd {
        match self.past_end.load(Ordering::Relaxed) {
            0 => PastEnd::NotSatisfiable,
            _ => PastEnd::WholeAsset,
        }
    }

    /// Generated textures encoded so far (each at most once).
    pub fn encodes(&self) -> u64 {
        self.encodes.load(Ordering::Relaxed)
    }

    fn node(&self, id: Uuid) -> Option<Arc<Node>> {
        self.entries.read().get(&id).cloned()
    }

    /// The codestream of a generated texture, encoding it on a blocking
    /// thread the first time.
    async fn encoded(&self, g: Arc<Generated>) -> Result<Arc<[u8]>, String> {
        if let Some(r) = g.ready() {
            return r.clone();
        }
        match tokio::task::spawn_blocking(move || g.encode_blocking()).await {
            Ok((r, did)) => {
                if did {
                    self.encodes.fetch_add(1, Ordering::Relaxed);
                }
                r
            }
            Err(e) => Err(format!("the encoder task failed: {e}")),
        }
    }
}
