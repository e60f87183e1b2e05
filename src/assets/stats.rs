//! What the AssetActor publishes about its work, for the editor's Assets
//! panel and the headless JSON.

use serde::Serialize;

/// Why a texture could not be had. Each kind is counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The region answered 404: the asset does not exist (remembered, never asked again).
    Missing,
    /// HTTP errors (5xx, refused, timed out) outlasted the retries.
    Http,
    /// The bytes are not a JPEG 2000 codestream.
    NotJ2k,
    /// The codestream is damaged.
    Corrupt,
    /// The codestream ends before anything decodable.
    Truncated,
    /// Larger than the viewer accepts (side over 2048, or more than 4 components).
    TooLarge,
    /// The region grants no texture capability.
    NoCapability,
}

impl FailureKind {
    /// Every kind, in the order the panel lists them.
    pub const ALL: [FailureKind; 7] = [
        FailureKind::Missing,
        FailureKind::Http,
        FailureKind::NotJ2k,
        FailureKind::Corrupt,
        FailureKind::Truncated,
        FailureKind::TooLarge,
        FailureKind::NoCapability,
    ];

    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            FailureKind::Missing => "missing (404)",
            FailureKind::Http => "http",
            FailureKind::NotJ2k => "not j2k",
            FailureKind::Corrupt => "corrupt",
            FailureKind::Truncated => "truncated",
            FailureKind::TooLarge => "too large",
            FailureKind::NoCapability => "no capability",
        }
    }

    /// The kind a decoder error label (`kestrel_j2k::J2kError::kind`) falls in.
    pub fn from_decode_kind(kind: &str) -> FailureKind {
        match kind {
            "not_j2k" => FailureKind::NotJ2k,
            "truncated" => FailureKind::Truncated,
            "too_large" => FailureKind::TooLarge,
            _ => FailureKind::Corrupt,
        }
    }
}

/// Failures per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Failures {
    /// 404s.
    pub missing: u64,
    /// HTTP errors after retries.
    pub http: u64,
    /// Not a codestream.
    pub not_j2k: u64,
    /// Damaged codestreams.
    pub corrupt: u64,
    /// Codestreams ending too early.
    pub truncated: u64,
    /// Oversized images.
    pub too_large: u64,
    /// No capability to fetch with.
    pub no_capability: u64,
}

impl Failures {
    /// Counts one failure.
    pub fn add(&mut self, kind: FailureKind) {
        *self.slot(kind) += 1;
    }

    /// The count of one kind.
    pub fn get(&self, kind: FailureKind) -> u64 {
        let mut copy = *self;
        *copy.slot(kind)
    }

    /// All kinds together.
    pub fn total(&self) -> u64 {
        FailureKind::ALL.iter().map(|k| self.get(*k)).sum()
    }

    fn slot(&mut self, kind: FailureKind) -> &mut u64 {
        match kind {
            FailureKind::Missing => &mut self.missing,
            FailureKind::Http => &mut self.http,
            FailureKind::NotJ2k => &mut self.not_j2k,
            FailureKind::Corrupt => &mut self.corrupt,
            FailureKind::Truncated => &mut self.truncated,
            FailureKind::TooLarge => &mut self.too_large,
            FailureKind::NoCapability => &mut self.no_capability,
        }
    }
}

/// A snapshot of the AssetActor, published through `Latest<AssetStats>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AssetStats {
    /// Distinct textures asked for.
    pub requested: u64,
    /// Distinct textures with at least one byte range fetched over HTTP.
    pub fetched: u64,
    /// Decodes that produced an image (a texture decoded at a sharper level counts again).
    pub decoded: u64,
    /// Distinct textures given up on.
    pub failed: u64,
    /// Failures by kind.
    pub failures: Failures,
    /// HTTP requests made (each byte range is one).
    pub http_requests: u64,
    /// Requests retried after an error.
    pub retries: u64,
    /// Body bytes received over HTTP.
    pub bytes_fetched: u64,
    /// Textures taken from the disk cache instead of the network.
    pub cache_hits: u64,
    /// Disk-cache entries found damaged, dropped and fetched again.
    pub cache_corrupt: u64,
    /// Textures waiting for a fetch.
    pub queued: usize,
    /// Fetches in flight now.
    pub in_flight: usize,
    /// Decodes running now.
    pub decoding: usize,
    /// Decoded texels handed to the renderer and still held, bytes.
    pub resident_bytes: u64,
    /// The decoded-texture budget (`texture_cache_mb`), bytes.
    pub budget_bytes: u64,
    /// Textures handed a coarser level (or dropped) to stay within the budget.
    pub evictions: u64,
    /// Images handed to the render thread (every level of every texture).
    pub delivered: u64,
    /// Decode time, milliseconds: median.
    pub decode_ms_p50: f64,
    /// Decode time, milliseconds: 99th percentile.
    pub decode_ms_p99: f64,
    /// Textures fetched per second over the last second.
    pub fetched_per_s: f64,
    /// Bytes fetched per second over the last second.
    pub bytes_per_s: f64,
    /// Restarts of the actor seen (its incarnation).
    pub incarnation: u64,
}

/// The headless JSON's `textures` object: the run's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TextureFigures {
    /// Distinct textures asked for.
    pub requested: u64,
    /// Distinct textures fetched over HTTP.
    pub fetched: u64,
    /// Decodes done.
    pub decoded: u64,
    /// Textures given up on.
    pub failed: u64,
    /// Bytes received.
    pub bytes_fetched: u64,
    /// Decoded texels held at the end, MiB.
    pub resident_mb: f64,
    /// Disk-cache hits.
    pub cache_hits: u64,
}

impl From<&AssetStats> for TextureFigures {
    fn from(s: &AssetStats) -> Self {
        TextureFigures {
            requested: s.requested,
            fetched: s.fetched,
            decoded: s.decoded,
            failed: s.failed,
            bytes_fetched: s.bytes_fetched,
            resident_mb: s.resident_bytes as f64 / (1024.0 * 1024.0),
            cache_hits: s.cache_hits,
        }
    }
}
