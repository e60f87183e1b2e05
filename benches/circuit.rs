//! The circuit actor's receive path, socket to subscriber: how many
//! reliable packets per second it takes from a UDP peer on loopback, decodes,
//! acks and hands to a subscriber's mailbox (`saturated`), and the latency
//! from the socket read to the subscriber's handler one message at a time
//! (`one_at_a_time`). Latency percentiles of both are printed at the end
//! (under saturation they are mostly queueing).
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

/// Counts deliveries and records socket-to-handler latency into the
/// histogram of the current phase.
struct Sink {
    state: Arc<SinkState>,
}

struct SinkState {
    count: AtomicU64,
    /// 0: saturated, 1: one at a time.
    phase: AtomicU64,
    latency: [LatencyHistogram; 2],
}

impl SupervisedActor for Sink {
    type Durable = Arc<SinkState>;
    fn start(d: &mut Durable<Arc<SinkState>>, _: &mut Ctx<'_, Self>) -> Self {
        Sink {
            state: (**d).clone(),
        }
    }
}

impl Handles<Received<ImprovedTerseObjectUpdate<'static>>> for Sink {
    fn handle(
        &mut self,
        msg: &Received<ImprovedTerseObjectUpdate<'static>>,
        _: &mut Durable<Arc<SinkState>>,
        _: &mut Ctx<'_, Self>,
    ) {
        let ns = msg.meta.received_at.elapsed().as_nanos() as u64;
        let phase = self.state.phase.load(Ordering::Relaxed) as usize;
        self.state.latency[phase.min(1)].record(ns);
        self.state.count.fetch_add(1, Ordering::Release);
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

    let sink_state = Arc::new(SinkState {
        count: AtomicU64::new(0),
        phase: AtomicU64::new(0),
        latency: [LatencyHistogram::new(), LatencyHistogram::new()],
    });
    let count = &sink_state.count;
    let sink = runtime
        .spawn::<Sink>("bench-sink", sink_state.clone())
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
    group.bench_function("saturated_reliable_terse", |b| {
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
    sink_state.phase.store(1, Ordering::Relaxed);
    group.throughput(Throughput::Elements(1));
    group.sample_size(50);
    group.bench_function("one_at_a_time_reliable_terse", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let target = count.load(Ordering::Acquire) + 1;
                peer.send(1);
                while count.load(Ordering::Acquire) < target {
                    std::hint::spin_loop();
                }
                if peer.core.in_flight() > 512 {
                    peer.take_acks();
                }
            }
            start.elapsed()
        })
    });
    group.finish();

    let stats = circuit.stats.load_full();
    for (name, h) in ["saturated", "one at a time"]
        .iter()
        .zip(&sink_state.latency)
    {
        let s = h.summary();
        eprintln!(
            "circuit socket->subscriber latency, {name}: {} messages, p50 {:.1} us, p99 {:.1} us, max {:.1} us",
            s.count, s.p50_us, s.p99_us, s.max_us
        );
    }
    eprintln!(
        "viewer: packets_in {}, duplicates {}, malformed {}",
        stats.packets_in, stats.duplicates_dropped, stats.malformed
    );
    runtime.shutdown();
}

criterion_group!(benches, bench_receive);
criterion_main!(benches);
