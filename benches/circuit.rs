//! The circuit actor's receive path, socket to subscriber: how many
//! reliable packets per second it takes from a UDP peer on loopback, decodes,
//! acks and hands to a subscriber's mailbox, and the latency from the
//! socket read to the subscriber's handler (p50/p99, printed at the end).
//!
//! The peer plays the region with the same sans-IO circuit core: it sends
//! reliable `ImprovedTerseObjectUpdate`s (4 blocks, ~200 bytes) as fast as
//! its unacked window allows and takes the viewer's acks.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kestrel_actors::circuit::{
    Attach, CircuitSettings, Received, SessionInfo, Subscribe, spawn_circuit,
};
use kestrel_actors::{
    ActorName, ActorRuntime, ActorsConfig, Ctx, Durable, Handles, LatencyHistogram, SpawnOptions,
    SupervisedActor,
};
use kestrel_protocol::circuit::{Circuit, CircuitConfig, Reliability};
use kestrel_protocol::messages::{
    ImprovedTerseObjectUpdate, VarBytes, improved_terse_object_update,
};
use kestrel_protocol::types::Uuid;

/// Counts deliveries and records socket-to-handler latency.
struct Sink {
    count: Arc<AtomicU64>,
    latency: Arc<LatencyHistogram>,
}

struct SinkState {
    count: Arc<AtomicU64>,
    latency: Arc<LatencyHistogram>,
}

impl SupervisedActor for Sink {
    type Durable = SinkState;
    fn start(d: &mut Durable<SinkState>, _: &mut Ctx<'_, Self>) -> Self {
        Sink {
            count: d.count.clone(),
            latency: d.latency.clone(),
        }
    }
}

impl Handles<Received<ImprovedTerseObjectUpdate<'static>>> for Sink {
    fn handle(
        &mut self,
        msg: &Received<ImprovedTerseObjectUpdate<'static>>,
        _: &mut Durable<SinkState>,
        _: &mut Ctx<'_, Self>,
    ) {
        let ns = msg.meta.received_at.elapsed().as_nanos() as u64;
        self.latency.record(ns);
        self.count.fetch_add(1, Ordering::Release);
    }
}

/// The region side: a socket and a circuit core.
struct Peer {
    socket: UdpSocket,
    core: Circuit,
    viewer: SocketAddr,
    message: ImprovedTerseObjectUpdate<'static>,
    buf: Vec<u8>,
    rx: Vec<u8>,
}

impl Peer {
    /// Reads whatever the viewer sent (acks, pings), without blocking long.
    fn take_acks(&mut self) {
        while let Ok((n, _)) = self.socket.recv_from(&mut self.rx) {
            let _ = self.core.receive(&self.rx[..n], Instant::now());
        }
        while self.core.poll(Instant::now(), &mut self.buf).is_some() {
            let _ = self.socket.send_to(&self.buf, self.viewer);
        }
    }

    /// Sends `n` reliable messages, pacing on the unacked window.
    fn send(&mut self, n: u64) {
        let mut sent = 0;
        while sent < n {
            if self.core.can_send_reliable() {
                self.core
                    .send_message(
                        self.message.clone(),
                        Reliability::Reliable,
                        Instant::now(),
                        &mut self.buf,
                    )
                    .expect("encodes");
                let _ = self.socket.send_to(&self.buf, self.viewer);
                sent += 1;
            } else {
                self.take_acks();
            }
        }
    }
}

fn terse_message() -> ImprovedTerseObjectUpdate<'static> {
    let block = |id: u32| {
        let mut data = vec![0u8; 44];
        data[..4].copy_from_slice(&id.to_le_bytes());
        improved_terse_object_update::ObjectData {
            data: VarBytes::owned(data),
            texture_entry: VarBytes::owned(Vec::new()),
        }
    };
    ImprovedTerseObjectUpdate {
        region_data: improved_terse_object_update::RegionData {
            region_handle: 0,
            time_dilation: 65535,
        },
        object_data: (1..=4).map(block).collect(),
    }
}

fn bench_receive(c: &mut Criterion) {
    let mut actors = ActorsConfig::builtin();
    let mut circuit_settings = actors.settings_for(&ActorName::new("circuit"));
    circuit_settings.policy.watchdog = None;
    actors
        .actors
        .insert(ActorName::new("circuit"), circuit_settings);
    let runtime = ActorRuntime::start(actors).expect("actor runtime");

    let count = Arc::new(AtomicU64::new(0));
    let latency = Arc::new(LatencyHistogram::new());
    let sink = runtime
        .spawn::<Sink>(
            "bench-sink",
            SinkState {
                count: count.clone(),
                latency: latency.clone(),
            },
        )
        .expect("sink");
    let socket = UdpSocket::bind("127.0.0.1:0").expect("peer socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(1)))
        .expect("timeout");
    let settings = CircuitSettings {
        core: CircuitConfig::default(),
        ..CircuitSettings::default()
    };
    let circuit =
        spawn_circuit(&runtime, "circuit", settings, SpawnOptions::new()).expect("circuit");
    circuit
        .addr
        .ask_blocking(Subscribe::to::<ImprovedTerseObjectUpdate<'static>>(
            sink.recipient(),
        ))
        .expect("asked")
        .expect("subscribed");
    circuit
        .addr
        .ask_blocking(Attach(SessionInfo {
            agent_id: Uuid::from_u128(1),
            session_id: Uuid::from_u128(2),
            circuit_code: 7,
            sim: socket.local_addr().expect("addr"),
            seed_capability: None,
            region_handle: 0,
        }))
        .expect("asked")
        .expect("attached");
    // The viewer's first packet (UseCircuitCode) tells the peer its address.
    let mut rx = vec![0u8; 65_536];
    let (_, viewer) = loop {
        if let Ok(r) = socket.recv_from(&mut rx) {
            break r;
        }
    };
    let mut peer = Peer {
        socket,
        core: Circuit::new(CircuitConfig::default()),
        viewer,
        message: terse_message(),
        buf: Vec::with_capacity(1500),
        rx,
    };

    let mut group = c.benchmark_group("circuit_receive");
    const BATCH: u64 = 2_000;
    group.throughput(Throughput::Elements(BATCH));
    group.sample_size(20);
    group.bench_function("socket_to_subscriber_reliable_terse", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let target = count.load(Ordering::Acquire) + BATCH;
                peer.send(BATCH);
                while count.load(Ordering::Acquire) < target {
                    peer.take_acks();
                }
            }
            start.elapsed()
        })
    });
    group.finish();

    let s = latency.summary();
    let stats = circuit.stats.load_full();
    eprintln!(
        "circuit socket->subscriber latency over {} messages: p50 {:.1} us, p99 {:.1} us, max {:.1} us; \
         viewer packets_in {}, duplicates {}, malformed {}",
        s.count,
        s.p50_us,
        s.p99_us,
        s.max_us,
        stats.packets_in,
        stats.duplicates_dropped,
        stats.malformed
    );
    runtime.shutdown();
}

criterion_group!(benches, bench_receive);
criterion_main!(benches);
