//! The embedded region's textures over real loopback sockets: the seed
//! capability grants `GetTexture` and `ViewerAsset`; both answer byte
//! ranges as OpenSimulator does (206 with `Content-Range`, clamped ends,
//! 200 without a range, 404 for unknown ids, 400 for malformed ones) and
//! 416 for a start past the end; what they serve decodes to the textures'
//! sizes and colours; the RegionHandshake names the terrain textures the
//! library serves; inserted slow, flaky and corrupt assets behave as
//! stated; and the counters count every answer.

mod sim_support;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kestrel::sim::assets::{PastEnd, ServedAsset, TextureCap};
use kestrel::sim::region::Region;
use kestrel::sim::terrain::{Terrain, WATER_HEIGHT};
use kestrel::sim::{SimConfig, SimHandle};
use kestrel_protocol::llsd;
use kestrel_protocol::llsd::caps::{SeedCapabilityRequest, SeedCapabilityResponse};
use kestrel_protocol::messages::Message;
use kestrel_protocol::packet::Packet;
use kestrel_protocol::types::Uuid;
use sim_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One HTTP answer with its headers and raw body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `GET path` with an optional `Range` header, over a fresh connection.
async fn get(addr: SocketAddr, path: &str, range: Option<&str>) -> Answer {
    let mut s = TcpStream::connect(addr).await.expect("connects");
    let range = range.map_or(String::new(), |r| format!("Range: {r}\r\n"));
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: image/x-j2c\r\n{range}Connection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("sends");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("reads");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body,
    }
}

/// The texture capabilities of a fresh login: (GetTexture path, ViewerAsset path).
async fn texture_caps(sim: &SimHandle) -> (String, String) {
    let ok = login_ok(sim, "Texture", "Tester").await;
    let request = SeedCapabilityRequest::new(["GetTexture", "ViewerAsset", "EventQueueGet"]);
    let body = llsd::to_value(&request).unwrap().to_xml();
    let a = http(
        sim.http_addr(),
        "POST",
        &path_of(&ok.seed_capability),
        "application/llsd+xml",
        body.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let granted: SeedCapabilityResponse = llsd::from_xml_str(&a.body).unwrap();
    let texture = granted.url("GetTexture").expect("GetTexture granted");
    let asset = granted.url("ViewerAsset").expect("ViewerAsset granted");
    assert!(granted.url("EventQueueGet").is_some());
    // The caps are the seed's URL plus a name, on the region's HTTP server.
    assert_eq!(texture, &format!("{}/texture", ok.seed_capability));
    assert_eq!(asset, &format!("{}/asset", ok.seed_capability));
    (path_of(texture), path_of(asset))
}

fn q(cap: &str, id: Uuid) -> String {
    format!("{cap}?texture_id={id}")
}

#[tokio::test]
async fn ranges_are_answered_as_opensim_answers_them() {
    let sim = start(clean_config(20)).await;
    let (texture, asset) = texture_caps(&sim).await;
    let addr = sim.http_addr();
    let lib = sim.textures();
    // Plaster: 128 × 128, small and quick to encode.
    let id = lib.content_ids()[2];
    assert_eq!(lib.spec(id).unwrap().width, 128);

    let whole = get(addr, &q(&texture, id), None).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("Content-Type"), Some("image/x-j2c"));
    assert_eq!(&whole.body[..4], &[0xFF, 0x4F, 0xFF, 0x51]);
    let full = whole.body.clone();
    let n = full.len();
    assert!(n > 1200, "a real codestream: {n} bytes");
    assert_eq!(
        lib.codestream(id).await.unwrap().unwrap().as_ref(),
        &full[..],
        "the library's bytes"
    );

    let mut expect_bytes = n as u64;
    for (cap, range, start, end) in [
        (&texture, "bytes=0-599", 0, 599),
        (&asset, "bytes=0-599", 0, 599),
        (&texture, "bytes=600-", 600, n - 1),
        (&asset, "bytes=100-99999999", 100, n - 1),
        (
            &texture,
            &format!("bytes={}-{}", n - 1, n - 1),
            n - 1,
            n - 1,
        ),
    ] {
        let a = get(addr, &q(cap, id), Some(range)).await;
        assert_eq!(a.status, 206, "{range}");
        assert_eq!(a.header("Content-Type"), Some("image/x-j2c"));
        assert_eq!(
            a.header("Content-Range"),
            Some(format!("bytes {start}-{end}/{n}").as_str()),
            "{range}"
        );
        assert_eq!(a.body, &full[start..=end], "{range}");
        expect_bytes += (end - start + 1) as u64;
    }
    let first = get(addr, &q(&texture, id), Some("bytes=0-599")).await;
    assert_eq!(&first.body[..4], &[0xFF, 0x4F, 0xFF, 0x51]);
    expect_bytes += 600;

    // A start at or past the end: 416, with the length.
    let past = get(addr, &q(&texture, id), Some(&format!("bytes={n}-"))).await;
    assert_eq!(past.status, 416);
    assert_eq!(
        past.header("Content-Range"),
        Some(format!("bytes */{n}").as_str())
    );
    // A range OpenSim does not parse is no range: the whole asset.
    for odd in ["bytes=abc", "bytes=0-0", "items=0-10", "bytes=0-10,20-30"] {
        let a = get(addr, &q(&texture, id), Some(odd)).await;
        assert_eq!((a.status, a.body.len()), (200, n), "{odd}");
        expect_bytes += n as u64;
    }
    // Unknown and malformed ids, and queries without one.
    let unknown = Uuid::from_u128(0xdead_beef);
    assert_eq!(get(addr, &q(&texture, unknown), None).await.status, 404);
    assert_eq!(
        get(addr, &q(&asset, unknown), Some("bytes=0-10"))
            .await
            .status,
        404
    );
    assert_eq!(
        get(addr, &format!("{texture}?texture_id=not-a-uuid"), None)
            .await
            .status,
        400
    );
    assert_eq!(
        get(addr, &format!("{texture}?texture_id="), None)
            .await
            .status,
        400
    );
    assert_eq!(get(addr, &texture, None).await.status, 400);
    assert_eq!(
        get(addr, &format!("{texture}?colour=red"), None)
            .await
            .status,
        404
    );
    // A cap of a session that is not live.
    let stale = "/caps/0123456789abcdef0123456789abcdef/texture";
    assert_eq!(get(addr, &q(stale, id), None).await.status, 404);

    // The counters saw exactly that.
    let c = lib.counts(id);
    assert_eq!(c.requests, 12);
    assert_eq!((c.whole, c.partial, c.not_satisfiable), (5, 6, 1));
    assert_eq!(c.bytes, expect_bytes);
    let u = lib.counts(unknown);
    assert_eq!((u.requests, u.not_found), (2, 2));
    let log = lib.request_log();
    let ranges: Vec<_> = log
        .iter()
        .filter(|r| r.id == id)
        .map(|r| (r.cap, r.range.as_deref(), r.status))
        .collect();
    assert_eq!(ranges[0], (TextureCap::GetTexture, None, 200));
    assert_eq!(
        ranges[1],
        (TextureCap::GetTexture, Some("bytes=0-599"), 206)
    );
    assert_eq!(
        ranges[2],
        (TextureCap::ViewerAsset, Some("bytes=0-599"), 206)
    );
    assert_eq!(ranges.len(), 12);
    let s = sim.stats();
    assert_eq!(
        s.texture_requests, 18,
        "14 with an id, 1 without a type, 3 refused"
    );
    assert_eq!(
        (
            s.texture_whole,
            s.texture_partial,
            s.texture_not_satisfiable,
            s.texture_not_found,
            s.texture_bad_requests
        ),
        (5, 6, 1, 3, 3)
    );
    assert_eq!(s.texture_bytes, expect_bytes);
    assert_eq!(lib.totals().bytes, expect_bytes);
    assert_eq!(
        lib.encodes(),
        1,
        "encoded once, served from the cache after"
    );

    // OpenSim's own answer to a start past the end, on request.
    lib.set_past_end(PastEnd::WholeAsset);
    let past = get(addr, &q(&texture, id), Some(&format!("bytes={n}-"))).await;
    assert_eq!((past.status, past.body.len()), (200, n));
}

#[tokio::test]
async fn served_textures_decode_to_their_size_and_colours() {
    let sim = start(clean_config(20)).await;
    let (texture, _) = texture_caps(&sim).await;
    let lib = sim.textures().clone();
    let ids: Vec<Uuid> = lib
        .content_ids()
        .into_iter()
        .chain(lib.terrain_ids())
        .collect();
    assert_eq!(ids.len(), 20);
    assert_eq!(
        lib.encodes(),
        0,
        "nothing is encoded before it is asked for"
    );
    // Ask for everything at once, twice: each texture is encoded once.
    let mut tasks = Vec::new();
    for &id in ids.iter().chain(&ids) {
        let path = q(&texture, id);
        let addr = sim.http_addr();
        tasks.push(tokio::spawn(
            async move { (id, get(addr, &path, None).await) },
        ));
    }
    let mut seen = HashSet::new();
    let mut means = Vec::new();
    for t in tasks {
        let (id, a) = t.await.unwrap();
        assert_eq!(a.status, 200, "{id}");
        if !seen.insert(id) {
            continue;
        }
        let spec = lib.spec(id).expect("a generated texture");
        let info = kestrel_j2k::read_info(&a.body).expect("a J2K main header");
        assert_eq!(
            (info.width, info.height, info.components),
            (spec.width, spec.height, spec.components),
            "{}",
            spec.name
        );
        assert!(info.layers >= 2 && info.levels >= 1, "layered: {info:?}");
        let decoded =
            kestrel_j2k::decode(&a.body, 0, &kestrel_j2k::Limits::default()).expect("decodes");
        assert_eq!((decoded.width, decoded.height), (spec.width, spec.height));
        // Lossy, but the mean colour is the drawn one.
        let want = spec.render().mean();
        let mut got = [0f64; 3];
        for px in decoded.rgba.chunks_exact(4) {
            for c in 0..3 {
                got[c] += f64::from(px[c]);
            }
        }
        let count = (decoded.rgba.len() / 4) as f64;
        for c in 0..3 {
            let g = got[c] / count;
            assert!(
                (g - want[c]).abs() < 6.0,
                "{}: {g} vs {}",
                spec.name,
                want[c]
            );
        }
        means.push((spec.name.clone(), want));
    }
    assert_eq!(lib.encodes(), 20);
    // Clearly different mean colours.
    for (i, (a, ma)) in means.iter().enumerate() {
        for (b, mb) in &means[i + 1..] {
            let d: f64 = (0..3).map(|c| (ma[c] - mb[c]).powi(2)).sum::<f64>().sqrt();
            assert!(d > 12.0, "{a} and {b} look alike ({d})");
        }
    }
    let sizes: HashSet<_> = ids
        .iter()
        .map(|&id| lib.spec(id).unwrap())
        .map(|s| (s.width, s.height))
        .collect();
    assert!(sizes.contains(&(1024, 1024)) && sizes.iter().any(|(w, h)| w != h));
    assert!(sizes.iter().any(|&(w, h)| w.min(h) == 64));
}

#[tokio::test]
async fn the_handshake_names_the_terrain_textures_the_region_serves() {
    let sim = start(clean_config(20)).await;
    let (texture, _) = texture_caps(&sim).await;
    let ok = login_ok(&sim, "Terrain", "Viewer").await;
    let mut client = RawClient::new(ok).await;
    client.open().await;
    let mut buf = vec![0u8; 9000];
    let mut scratch = Vec::new();
    let deadline = Instant::now() + HANG_GUARD;
    let handshake = loop {
        assert!(Instant::now() < deadline, "no RegionHandshake");
        let got = tokio::time::timeout(
            Duration::from_millis(200),
            client.socket.recv_from(&mut buf),
        )
        .await;
        let Ok(Ok((n, _))) = got else { continue };
        if let Ok(p) = Packet::decode(&buf[..n], &mut scratch)
            && let Message::RegionHandshake(h) = p.message.into_owned()
        {
            break h;
        }
    };
    let r = &handshake.region_info;
    let detail = [
        r.terrain_detail0,
        r.terrain_detail1,
        r.terrain_detail2,
        r.terrain_detail3,
    ];
    assert_eq!(detail, sim.textures().terrain_ids());
    let starts = [
        r.terrain_start_height00,
        r.terrain_start_height01,
        r.terrain_start_height10,
        r.terrain_start_height11,
    ];
    let ranges = [
        r.terrain_height_range00,
        r.terrain_height_range01,
        r.terrain_height_range10,
        r.terrain_height_range11,
    ];
    let terrain = Terrain::generate(sim.config().world_seed);
    let (start, range) = terrain.detail_bands();
    assert_eq!(starts, [start; 4]);
    assert_eq!(ranges, [range; 4]);
    // Blending as the reference viewer does, all four show on dry land.
    let mut shown = [0usize; 4];
    for &h in terrain.heights() {
        if h >= WATER_HEIGHT {
            shown[((h - start) * 4.0 / range).clamp(0.0, 3.0).round() as usize] += 1;
        }
    }
    assert!(shown.iter().all(|&n| n > 100), "{shown:?}");
    // And each is served.
    for id in detail {
        let a = get(sim.http_addr(), &q(&texture, id), Some("bytes=0-599")).await;
        assert_eq!(a.status, 206, "{id}");
        assert!(sim.textures().spec(id).unwrap().name.starts_with("terrain"));
    }
}

#[tokio::test]
async fn every_texture_the_content_wears_is_served() {
    let sim = start(clean_config(2000)).await;
    let (texture, _) = texture_caps(&sim).await;
    let lib = sim.textures();
    assert_eq!(lib.content_ids().len(), 31, "clamp(2000 / 64, 16, 400)");
    // The region the simulator built, rebuilt alike.
    let c = sim.config();
    let region = Region::with_palette(
        &c.region_name,
        c.world_seed,
        c.object_count,
        lib.palette(),
        Instant::now(),
    );
    let mut worn = HashSet::new();
    for p in region.prims() {
        worn.insert(p.faces.default_face().texture_id);
        for (_, f) in p.faces.overridden_faces() {
            worn.insert(f.texture_id);
        }
    }
    let served: HashSet<Uuid> = lib.content_ids().into_iter().collect();
    assert_eq!(
        worn, served,
        "the content wears exactly the library's textures"
    );
    for id in worn {
        let a = get(sim.http_addr(), &q(&texture, id), Some("bytes=0-99")).await;
        assert_eq!((a.status, a.body.len()), (206, 100), "{id}");
    }

    let many = start(SimConfig {
        textures: Some(40),
        ..clean_config(10)
    })
    .await;
    assert_eq!(many.textures().content_ids().len(), 40);
}

#[tokio::test]
async fn inserted_slow_flaky_and_corrupt_assets_behave_as_stated() {
    let sim = start(clean_config(0)).await;
    let (texture, asset) = texture_caps(&sim).await;
    let addr = sim.http_addr();
    let lib = sim.textures().clone();
    let bytes: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 251) as u8).collect();

    // Any bytes are served as they are (here: not a codestream at all).
    let corrupt = Uuid::from_u128(0xC04417);
    lib.insert(corrupt, ServedAsset::codestream(bytes.clone()));
    let a = get(addr, &q(&texture, corrupt), Some("bytes=10-19")).await;
    assert_eq!((a.status, a.body.as_slice()), (206, &bytes[10..20]));
    assert_eq!(a.header("Content-Range"), Some("bytes 10-19/2000"));

    // Slow: the answer waits; the request is counted on arrival.
    let slow = Uuid::from_u128(0x510);
    let delay = Duration::from_millis(400);
    lib.insert(slow, ServedAsset::codestream(bytes.clone()).slow(delay));
    let began = Instant::now();
    let path = q(&texture, slow);
    let pending = tokio::spawn(async move { get(addr, &path, Some("bytes=0-999")).await });
    let waited = Instant::now() + HANG_GUARD;
    while lib.counts(slow).requests == 0 {
        assert!(Instant::now() < waited);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(lib.counts(slow).answered(), 0, "still waiting");
    let a = pending.await.unwrap();
    assert!(began.elapsed() >= delay);
    assert_eq!((a.status, a.body.as_slice()), (206, &bytes[..1000]));
    assert_eq!(lib.counts(slow).partial, 1);

    // Flaky: 503 for the first two, then served (through either cap).
    let flaky = Uuid::from_u128(0xF1AC7);
    lib.insert(flaky, ServedAsset::codestream(bytes.clone()).flaky(2));
    assert_eq!(get(addr, &q(&texture, flaky), None).await.status, 503);
    assert_eq!(get(addr, &q(&asset, flaky), None).await.status, 503);
    let a = get(addr, &q(&texture, flaky), None).await;
    assert_eq!((a.status, a.body.len()), (200, 2000));
    let c = lib.counts(flaky);
    assert_eq!((c.requests, c.unavailable, c.whole), (3, 2, 1));

    // Behaviours nest: slow failures, then a slow answer.
    let both = Uuid::from_u128(0xB078);
    lib.insert(
        both,
        ServedAsset::codestream(bytes.clone())
            .flaky(1)
            .slow(Duration::from_millis(100)),
    );
    let t = Instant::now();
    assert_eq!(get(addr, &q(&texture, both), None).await.status, 503);
    assert_eq!(get(addr, &q(&texture, both), None).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));

    // A truncated real codestream; a content texture replaced; removals.
    let stone = lib.content_ids()[0];
    let real = lib.codestream(stone).await.unwrap().unwrap();
    let truncated = Uuid::from_u128(0x72C);
    lib.insert(truncated, ServedAsset::codestream(real[..300].to_vec()));
    let a = get(addr, &q(&texture, truncated), None).await;
    assert_eq!((a.status, a.body.as_slice()), (200, &real[..300]));
    lib.insert(stone, ServedAsset::codestream(vec![1, 2, 3]));
    assert_eq!(get(addr, &q(&texture, stone), None).await.body, [1, 2, 3]);
    assert!(lib.remove(stone));
    assert_eq!(get(addr, &q(&texture, stone), None).await.status, 404);
    assert!(!lib.remove(stone));
    // An empty asset is not found, as OpenSim answers.
    let empty = Uuid::from_u128(0xE);
    lib.insert(empty, ServedAsset::codestream(Vec::new()));
    assert_eq!(get(addr, &q(&texture, empty), None).await.status, 404);

    let s = sim.stats();
    assert_eq!(s.texture_unavailable, 3);
    assert_eq!(s.texture_requests, lib.totals().requests);
    assert_eq!(lib.totals().answered(), lib.totals().requests);
}
