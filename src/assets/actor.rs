//! The AssetActor: fetches textures over the region's `ViewerAsset` (or
//! `GetTexture`) capability by byte range, a small prefix first and more as
//! a texture grows on screen, decodes them on the rayon pool into mip chains,
//! and hands them to the render thread, keeping what it hands within the
//! decoded-texture budget (`texture_cache_mb`).
//!
//! Everything that must survive a crash — every texture's bytes and state,
//! the images handed over, the disk-cache index, the pending deliveries —
//! lives in [`AssetDurable`]; fetches and decodes in flight belong to one
//! incarnation and are started again after a restart from where the bytes end.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use kestrel_actors::bus::{CoalescingSender, Keyed, Latest, PendingFull};
use kestrel_actors::circuit::{CircuitActor, GetCapability, HttpClient, HttpError, TlsTrust};
use kestrel_actors::{Addr, Ctx, Durable, Handles, Message, SupervisedActor};
use kestrel_protocol::types::Uuid;

use super::demand::DemandReceiver;
use super::disk_cache::{DiskCache, Lookup};
use super::levels::mip_chain;
use super::stats::{AssetStats, FailureKind};
use super::texture::{Next, Phase, TextureState};
use crate::render::{TextureImage, TextureKey};

/// How often the actor looks at the demand, the queue and the budget.
const TICK: Duration = Duration::from_millis(20);
/// Largest asset body accepted (a 2048² texture is well under this).
const MAX_ASSET_BYTES: usize = 16 * 1024 * 1024;
/// Deliveries that may wait for the render thread.
pub(crate) const MAX_PENDING: usize = 8192;

/// How the AssetActor works.
#[derive(Debug, Clone)]
pub struct AssetSettings {
    /// Fetches in flight at once (per region).
    pub max_in_flight: usize,
    /// Decodes running at once on the rayon pool.
    pub max_decoding: usize,
    /// Attempts at a range before giving the texture up.
    pub max_attempts: u32,
    /// First retry delay; doubled per failure.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// Connecting to the asset server.
    pub connect_timeout: Duration,
    /// One whole range request.
    pub request_timeout: Duration,
    /// Where the disk cache lives (`None`: no disk cache).
    pub disk_cache: Option<PathBuf>,
    /// Disk-cache size limit, MiB.
    pub disk_cache_mb: u64,
    /// Decoded-texture budget, MiB (the profile's `texture_cache_mb`).
    pub texture_budget_mb: u32,
    /// Certificates trusted for `https://` asset servers.
    pub tls: TlsTrust,
}

impl Default for AssetSettings {
    fn default() -> Self {
        AssetSettings {
            max_in_flight: 8,
            max_decoding: rayon::current_num_threads().max(2) * 2,
            max_attempts: 5,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            disk_cache: None,
            disk_cache_mb: 512,
            texture_budget_mb: 256,
            tls: TlsTrust::default(),
        }
    }
}

/// A texture level for the render thread (`image: None`: drop it).
#[derive(Debug, Clone)]
pub struct TextureDelta {
    /// Which texture.
    pub key: TextureKey,
    /// Its texels at the level the actor chose, or `None` to free it.
    pub image: Option<Arc<TextureImage>>,
}

impl Keyed for TextureDelta {
    type Key = TextureKey;

    fn key(&self) -> TextureKey {
        self.key
    }
}

/// The scene wants these textures (repeats are ignored).
#[derive(Debug, Clone)]
pub struct WantTextures(pub Vec<Uuid>);

impl Message for WantTextures {
    type Result = ();
}

/// Fetch through this circuit's region (its texture capability).
#[derive(Clone)]
pub struct AttachRegion(pub Addr<CircuitActor>);

impl Message for AttachRegion {
    type Result = ();
}

/// Fetch from this URL (a `ViewerAsset`/`GetTexture` capability), bypassing the circuit.
#[derive(Debug, Clone)]
pub struct SetTextureCapability(pub String);

impl Message for SetTextureCapability {
    type Result = ();
}

/// Change the decoded-texture budget, MiB.
#[derive(Debug, Clone, Copy)]
pub struct SetTextureBudget(pub u32);

impl Message for SetTextureBudget {
    type Result = ();
}

/// State that survives a crash of the AssetActor.
pub struct AssetDurable {
    settings: AssetSettings,
    textures: HashMap<Uuid, TextureState>,
    next_order: u64,
    cache: Option<DiskCache>,
    sender: CoalescingSender<TextureDelta>,
    published: Latest<AssetStats>,
    counters: AssetStats,
    decode_ms: Histogram<u64>,
    demand: DemandReceiver,
    circuit: Option<Addr<CircuitActor>>,
    capability: Option<String>,
    asking_capability: bool,
    http: Option<HttpClient>,
    in_flight: usize,
    decoding: usize,
    resident_bytes: u64,
    /// (when, bytes, textures first fetched) per completed fetch, for rates.
    recent: VecDeque<(Instant, u64, u64)>,
}

impl AssetDurable {
    /// Fresh state delivering through `sender`, publishing to `published`,
    /// reading demand from `demand`.
    pub fn new(
        settings: AssetSettings,
        sender: CoalescingSender<TextureDelta>,
        published: Latest<AssetStats>,
        demand: DemandReceiver,
    ) -> AssetDurable {
        let cache = settings.disk_cache.as_ref().and_then(|dir| {
            DiskCache::open(dir, settings.disk_cache_mb * 1024 * 1024)
                .map_err(|e| tracing::warn!(error = %e, "texture disk cache unavailable"))
                .ok()
        });
        let counters = AssetStats {
            budget_bytes: mib(settings.texture_budget_mb),
            ..AssetStats::default()
        };
        AssetDurable {
            settings,
            textures: HashMap::new(),
            next_order: 0,
            cache,
            sender,
            published,
            counters,
            decode_ms: Histogram::new_with_bounds(1, 60_000, 2).expect("valid histogram bounds"),
            demand,
            circuit: None,
            capability: None,
            asking_capability: false,
            http: None,
            in_flight: 0,
            decoding: 0,
            resident_bytes: 0,
            recent: VecDeque::new(),
        }
    }

    fn budget(&self) -> u64 {
        mib(self.settings.texture_budget_mb)
    }

    fn deliver(&mut self, key: TextureKey, image: Option<Arc<TextureImage>>) {
        let mut delta = TextureDelta { key, image };
        loop {
            match self.sender.push(delta) {
                Ok(_) => break,
                Err(PendingFull(back)) => {
                    // Only with thousands of deliveries waiting: let the
                    // render thread catch up rather than drop one.
                    delta = back;
                    self.sender.flush();
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        self.counters.delivered += 1;
    }

    fn fail(&mut self, id: Uuid, kind: FailureKind) {
        if let Some(t) = self.textures.get_mut(&id) {
            if matches!(t.phase, Phase::Failed(_)) {
                return;
            }
            t.phase = Phase::Failed(kind);
            tracing::debug!(texture = %id, kind = kind.label(), "texture failed");
            self.counters.failed += 1;
            self.counters.failures.add(kind);
        }
    }

    fn publish(&mut self) {
        let now = Instant::now();
        let budget = self.budget();
        while self
            .recent
            .front()
            .is_some_and(|(t, _, _)| now.duration_since(*t) > Duration::from_secs(1))
        {
            self.recent.pop_front();
        }
        let c = &mut self.counters;
        c.bytes_per_s = self.recent.iter().map(|r| r.1).sum::<u64>() as f64;
        c.fetched_per_s = self.recent.iter().map(|r| r.2).sum::<u64>() as f64;
        c.queued = self
            .textures
            .values()
            .filter(|t| matches!(t.next(now), Next::Fetch { .. }))
            .count();
        c.in_flight = self.in_flight;
        c.decoding = self.decoding;
        c.resident_bytes = self.resident_bytes;
        c.budget_bytes = budget;
        if !self.decode_ms.is_empty() {
            c.decode_ms_p50 = self.decode_ms.value_at_quantile(0.5) as f64 / 1000.0;
            c.decode_ms_p99 = self.decode_ms.value_at_quantile(0.99) as f64 / 1000.0;
        }
        if *self.published.load() != *c {
            self.published.publish(c.clone());
        }
    }

    /// Hands the renderer `image` for `id` at `level`, replacing what it held.
    fn make_resident(&mut self, id: Uuid, level: u8, image: Arc<TextureImage>) {
        let Some(t) = self.textures.get_mut(&id) else {
            return;
        };
        self.resident_bytes -= t.resident_bytes();
        self.resident_bytes += image.byte_size() as u64;
        t.resident = Some((level, image.clone()));
        t.evicted = false;
        self.deliver(TextureKey(id.as_u128()), Some(image));
    }

    /// Keeps the resident texels within the budget: the textures covering the
    /// fewest pixels go a level coarser first, and are dropped whole only when
    /// every texture is down to its last level.
    fn enforce_budget(&mut self) {
        while self.resident_bytes > self.budget() {
            let victim = self
                .textures
                .iter()
                .filter_map(|(id, t)| t.resident.as_ref().map(|(_, img)| (id, t, img)))
                .filter(|(_, _, img)| img.mips.len() > 1)
                .min_by(|a, b| {
                    a.1.pixels
                        .total_cmp(&b.1.pixels)
                        .then(b.2.byte_size().cmp(&a.2.byte_size()))
                })
                .map(|(id, _, _)| *id);
            if let Some(id) = victim {
                let (level, img) = self.textures[&id].resident.clone().expect("resident");
                if let Some(coarser) = super::levels::coarser(&img) {
                    self.counters.evictions += 1;
                    self.make_resident(id, level + 1, Arc::new(coarser));
                    if let Some(t) = self.textures.get_mut(&id) {
                        t.decoded = Some(level + 1);
                    }
                    continue;
                }
            }
            let drop = self
                .textures
                .iter()
                .filter(|(_, t)| t.resident.is_some())
                .min_by(|a, b| a.1.pixels.total_cmp(&b.1.pixels))
                .map(|(id, _)| *id);
            let Some(id) = drop else { break };
            let t = self.textures.get_mut(&id).expect("present");
            self.resident_bytes -= t.resident_bytes();
            t.resident = None;
            t.decoded = None;
            t.evicted = true;
            self.counters.evictions += 1;
            self.deliver(TextureKey(id.as_u128()), None);
        }
    }

    /// Whether a decode of `id` at `level` fits the budget, or may push out
    /// textures that cover fewer pixels.
    fn room_for(&self, id: Uuid, level: u8) -> bool {
        let Some(t) = self.textures.get(&id) else {
            return false;
        };
        let Some(info) = t.info else { return true };
        let (w, h) = ((info.width >> level).max(1), (info.height >> level).max(1));
        let estimate = u64::from(w) * u64::from(h) * 4 * 4 / 3;
        let after = self.resident_bytes - t.resident_bytes() + estimate;
        if after <= self.budget() {
            return true;
        }
        if t.evicted {
            return false;
        }
        self.textures
            .iter()
            .any(|(other, o)| *other != id && o.resident.is_some() && o.pixels < t.pixels)
    }

    fn apply_demand(&mut self) {
        let textures = &mut self.textures;
        let mut first = true;
        self.demand.drain(|report| {
            // Each report is the whole visible set: what it omits is off screen.
            if first {
                for t in textures.values_mut() {
                    t.pixels = 0.0;
                }
                first = false;
            }
            for (key, pixels) in report {
                if let Some(t) = textures.get_mut(&Uuid::from_u128(key.0)) {
                    t.pixels = t.pixels.max(*pixels);
                }
            }
        });
    }
}

/// The actor (its volatile part is empty: everything lives in [`AssetDurable`]).
pub struct AssetActor;

impl SupervisedActor for AssetActor {
    type Durable = AssetDurable;

    fn start(durable: &mut Durable<AssetDurable>, ctx: &mut Ctx<'_, Self>) -> Self {
        // Fetches and decodes of a crashed incarnation are gone: their
        // textures go back to idle and continue from the bytes held.
        for t in durable.textures.values_mut() {
            if matches!(t.phase, Phase::Fetching | Phase::Decoding) {
                t.phase = Phase::Idle;
            }
        }
        durable.in_flight = 0;
        durable.decoding = 0;
        durable.asking_capability = false;
        durable.counters.incarnation = durable.incarnation();
        ctx.run_interval(TICK, |a: &mut AssetActor, d, ctx| {
            d.sender.flush();
            d.apply_demand();
            a.pump(d, ctx);
            d.publish();
        });
        AssetActor
    }
}

impl Handles<WantTextures> for AssetActor {
    fn handle(
        &mut self,
        msg: &WantTextures,
        d: &mut Durable<AssetDurable>,
        ctx: &mut Ctx<'_, Self>,
    ) {
        for id in &msg.0 {
            if d.textures.contains_key(id) {
                continue;
            }
            let mut t = TextureState::new(d.next_order);
            d.next_order += 1;
            d.counters.requested += 1;
            if let Some(cache) = d.cache.as_mut() {
                match cache.get(*id) {
                    Lookup::Hit(found) => {
                        d.counters.cache_hits += 1;
                        t.info = kestrel_j2k::read_info(&found.bytes).ok();
                        t.bytes = found.bytes;
                        t.total = found.total;
                    }
                    Lookup::Corrupt => d.counters.cache_corrupt += 1,
                    Lookup::Miss => {}
                }
            }
            d.textures.insert(*id, t);
        }
        self.pump(d, ctx);
    }
}

impl Handles<AttachRegion> for AssetActor {
    fn handle(&mut self, msg: &AttachRegion, d: &mut Durable<AssetDurable>, _: &mut Ctx<'_, Self>) {
        d.circuit = Some(msg.0.clone());
    }
}

impl Handles<SetTextureCapability> for AssetActor {
    fn handle(
        &mut self,
        msg: &SetTextureCapability,
        d: &mut Durable<AssetDurable>,
        ctx: &mut Ctx<'_, Self>,
    ) {
        d.capability = Some(msg.0.clone());
        self.pump(d, ctx);
    }
}

impl Handles<SetTextureBudget> for AssetActor {
    fn handle(
        &mut self,
        msg: &SetTextureBudget,
        d: &mut Durable<AssetDurable>,
        _: &mut Ctx<'_, Self>,
    ) {
        d.settings.texture_budget_mb = msg.0.max(1);
        d.enforce_budget();
    }
}

/// What one range request brought.
enum Fetched {
    /// Bytes starting at `first`, of an asset of `total` bytes.
    Range {
        first: u64,
        body: Vec<u8>,
        total: Option<u64>,
    },
    /// The range starts past the end: what is held is all there is.
    PastEnd,
    /// HTTP 404.
    Missing,
    /// Worth retrying.
    Retry(String),
}

impl AssetActor {
    /// Starts what can start: capability lookups, fetches in priority order
    /// within the in-flight bound, decodes within theirs.
    fn pump(&mut self, d: &mut AssetDurable, ctx: &mut Ctx<'_, Self>) {
        self.find_capability(d, ctx);
        let now = Instant::now();
        let mut decodes: Vec<(Uuid, u8)> = Vec::new();
        let mut fetches: Vec<(f32, u64, Uuid, u64, u64)> = Vec::new();
        for (id, t) in &d.textures {
            match t.next(now) {
                Next::Decode(level) => decodes.push((*id, level)),
                Next::Fetch { first, last } => fetches.push((t.pixels, t.order, *id, first, last)),
                Next::Wait => {}
            }
        }
        decodes.sort_by(|a, b| {
            let pa = d.textures[&a.0].pixels;
            let pb = d.textures[&b.0].pixels;
            pb.total_cmp(&pa)
        });
        for (id, level) in decodes {
            if d.decoding >= d.settings.max_decoding {
                break;
            }
            if d.room_for(id, level) {
                self.decode(d, ctx, id, level);
            }
        }
        if d.capability.is_none() {
            return;
        }
        // Largest on screen first; first asked first among equals.
        fetches.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, _, id, first, last) in fetches {
            if d.in_flight >= d.settings.max_in_flight {
                break;
            }
            self.fetch(d, ctx, id, first, last);
        }
    }

    fn find_capability(&mut self, d: &mut AssetDurable, ctx: &mut Ctx<'_, Self>) {
        if d.capability.is_some() || d.asking_capability {
            return;
        }
        let Some(circuit) = d.circuit.clone() else {
            return;
        };
        d.asking_capability = true;
        ctx.spawn(
            async move {
                for name in ["ViewerAsset", "GetTexture"] {
                    if let Ok(Some(url)) = circuit.ask(GetCapability(name.to_string())).await {
                        return Some(url);
                    }
                }
                // Not granted yet: look again a little later.
                tokio::time::sleep(Duration::from_millis(250)).await;
                None
            },
            |url, _a: &mut AssetActor, d, _ctx| {
                d.asking_capability = false;
                if let Some(url) = url {
                    tracing::info!(%url, "texture capability");
                    d.capability = Some(url);
                }
            },
        );
    }

    fn fetch(
        &mut self,
        d: &mut AssetDurable,
        ctx: &mut Ctx<'_, Self>,
        id: Uuid,
        first: u64,
        last: u64,
    ) {
        let Some(base) = d.capability.clone() else {
            return;
        };
        if d.http.is_none() {
            match HttpClient::with_trust(d.settings.connect_timeout, &d.settings.tls) {
                Ok(c) => d.http = Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "asset HTTP client");
                    return;
                }
            }
        }
        let http = d.http.clone().expect("made above");
        let timeout = d.settings.request_timeout;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}texture_id={id}");
        if let Some(t) = d.textures.get_mut(&id) {
            t.phase = Phase::Fetching;
        }
        d.in_flight += 1;
        d.counters.http_requests += 1;
        ctx.spawn(
            async move {
                match http
                    .get(&url, Some((first, last)), timeout, MAX_ASSET_BYTES)
                    .await
                {
                    Ok(r) if r.status.as_u16() == 206 => {
                        let (start, total) = parse_content_range(r.content_range.as_deref())
                            .unwrap_or((first, None));
                        Fetched::Range {
                            first: start,
                            body: r.body.to_vec(),
                            total,
                        }
                    }
                    Ok(r) => {
                        let total = Some(r.body.len() as u64);
                        Fetched::Range {
                            first: 0,
                            body: r.body.to_vec(),
                            total,
                        }
                    }
                    Err(HttpError::Status { status: 404, .. }) => Fetched::Missing,
                    Err(HttpError::Status { status: 416, .. }) => Fetched::PastEnd,
                    Err(e) => Fetched::Retry(e.to_string()),
                }
            },
            move |fetched, a: &mut AssetActor, d, ctx| {
                d.in_flight -= 1;
                a.fetched(d, ctx, id, fetched);
            },
        );
    }

    fn fetched(
        &mut self,
        d: &mut AssetDurable,
        ctx: &mut Ctx<'_, Self>,
        id: Uuid,
        fetched: Fetched,
    ) {
        let max_attempts = d.settings.max_attempts;
        let (base, cap) = (d.settings.backoff_base, d.settings.backoff_max);
        let Some(t) = d.textures.get_mut(&id) else {
            return;
        };
        t.phase = Phase::Idle;
        match fetched {
            Fetched::Range { first, body, total } => {
                t.attempts = 0;
                t.retry_at = None;
                let have = t.bytes.len() as u64;
                if first > have {
                    // A gap would corrupt the codestream: ask again from our end.
                    d.counters.retries += 1;
                    return;
                }
                let skip = (have - first) as usize;
                let new = body.get(skip..).unwrap_or_default();
                t.bytes.extend_from_slice(new);
                if total.is_some() {
                    t.total = total;
                }
                let first_time = !t.fetched;
                t.fetched = true;
                d.counters.bytes_fetched += body.len() as u64;
                if first_time {
                    d.counters.fetched += 1;
                }
                d.recent
                    .push_back((Instant::now(), body.len() as u64, u64::from(first_time)));
                if t.info.is_none() {
                    match kestrel_j2k::read_info(&t.bytes) {
                        Ok(info) => t.info = Some(info),
                        Err(e) if e.kind() == "truncated" && !t.complete() => {
                            t.min_bytes = t.bytes.len() * 2;
                        }
                        Err(e) => {
                            let kind = FailureKind::from_decode_kind(e.kind());
                            tracing::debug!(texture = %id, error = %e, "texture header");
                            d.fail(id, kind);
                            return;
                        }
                    }
                }
                let (bytes, total) = (t.bytes.clone(), t.total);
                if let Some(cache) = d.cache.as_mut()
                    && let Err(e) = cache.put(id, &bytes, total)
                {
                    tracing::warn!(error = %e, "texture disk cache write");
                }
            }
            Fetched::PastEnd => {
                if t.bytes.is_empty() {
                    d.fail(id, FailureKind::Http);
                    return;
                }
                t.total = Some(t.bytes.len() as u64);
            }
            Fetched::Missing => {
                d.fail(id, FailureKind::Missing);
                return;
            }
            Fetched::Retry(why) => {
                t.attempts += 1;
                if t.attempts >= max_attempts {
                    tracing::debug!(texture = %id, error = %why, "texture fetch gave up");
                    d.fail(id, FailureKind::Http);
                    return;
                }
                d.counters.retries += 1;
                let delay = base.saturating_mul(1 << (t.attempts - 1).min(16)).min(cap);
                t.retry_at = Some(Instant::now() + delay);
            }
        }
        self.pump(d, ctx);
    }

    fn decode(&mut self, d: &mut AssetDurable, ctx: &mut Ctx<'_, Self>, id: Uuid, level: u8) {
        let Some(t) = d.textures.get_mut(&id) else {
            return;
        };
        t.phase = Phase::Decoding;
        d.decoding += 1;
        let bytes = t.bytes.clone();
        let complete = t.complete();
        let (tx, rx) = tokio::sync::oneshot::channel();
        rayon::spawn(move || {
            let started = Instant::now();
            let result = kestrel_j2k::decode(&bytes, level, &kestrel_j2k::Limits::default())
                .map(|img| (img.discard, mip_chain(img.width, img.height, img.rgba)));
            let _ = tx.send((result, started.elapsed()));
        });
        ctx.spawn(
            async move { rx.await.ok() },
            move |done, a: &mut AssetActor, d, ctx| {
                let d: &mut AssetDurable = d;
                d.decoding -= 1;
                let Some((result, took)) = done else {
                    return;
                };
                let _ = d.decode_ms.record((took.as_micros() as u64).max(1));
                let Some(t) = d.textures.get_mut(&id) else {
                    return;
                };
                t.phase = Phase::Idle;
                match result {
                    Ok((discard, image)) => {
                        d.counters.decoded += 1;
                        t.decoded = Some(discard);
                        d.make_resident(id, discard, Arc::new(image));
                        d.enforce_budget();
                    }
                    Err(e) if !complete && e.kind() == "truncated" => {
                        // The estimate was short for this codestream: more bytes first.
                        t.min_bytes = t.bytes.len() * 2;
                    }
                    Err(e) => {
                        tracing::debug!(texture = %id, error = %e, "texture decode");
                        d.fail(id, FailureKind::from_decode_kind(e.kind()));
                    }
                }
                a.pump(d, ctx);
            },
        );
    }
}

/// `mb` MiB in bytes.
fn mib(mb: u32) -> u64 {
    u64::from(mb) * 1024 * 1024
}

/// `bytes a-b/N` → (a, N); `N` may be `*`.
fn parse_content_range(value: Option<&str>) -> Option<(u64, Option<u64>)> {
    let rest = value?.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = rest.split_once('/')?;
    let (first, _) = span.split_once('-')?;
    let first = first.trim().parse().ok()?;
    let total = total.trim().parse().ok();
    Some((first, total))
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_ranges_parse() {
        assert_eq!(
            parse_content_range(Some("bytes 0-999/79234")),
            Some((0, Some(79234)))
        );
        assert_eq!(
            parse_content_range(Some("bytes 600-1199/*")),
            Some((600, None))
        );
        assert_eq!(parse_content_range(Some("items 1-2/3")), None);
        assert_eq!(parse_content_range(None), None);
    }
}
