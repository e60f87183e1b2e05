//! The region's UDP side: one socket, one task. Datagrams pass through the
//! inbound impairment, are matched to a circuit by address (an unknown
//! address may only present `UseCircuitCode`), and their messages handled
//! (see `handlers`). Every 50 ms a tick moves avatars and prims, sends
//! terse updates, statistics, pings and churn, and times circuits out.
//! Everything sent goes through the outbound impairment.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kestrel_protocol::circuit::{CircuitCounters, Reliability};
use kestrel_protocol::messages::{
    ImprovedTerseObjectUpdate, Message, improved_terse_object_update,
};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use super::circuit_server::{AgentCircuit, Phase, object_batch};
use super::impairment::Impairment;
use super::object_wire::{AvatarView, avatar_terse_block, terse_block};
use super::region::Region;
use super::region_messages::{
    RegionFigures, TIME_DILATION_ONE, TerrainBlobs, kill_object, sim_stats, time_message,
};
use super::rng::SplitMix64;
use super::state::Shared;

/// Largest datagram read; longer ones are truncated (and then fail to decode).
pub const MAX_DATAGRAM: usize = 8192;
/// Period of the simulator's tick.
pub const TICK: Duration = Duration::from_millis(50);
/// Period of terse updates for moving prims (5 Hz).
pub const PRIM_TERSE_PERIOD: Duration = Duration::from_millis(200);
/// Period of terse updates for moving avatars (10 Hz).
pub const AVATAR_TERSE_PERIOD: Duration = Duration::from_millis(100);
/// Period of `SimStats`.
pub const STATS_PERIOD: Duration = Duration::from_secs(3);
/// Period of `StartPingCheck` per circuit.
pub const PING_PERIOD: Duration = Duration::from_secs(5);
/// Period of `SimulatorViewerTimeMessage`.
pub const TIME_PERIOD: Duration = Duration::from_secs(30);
/// A circuit that sends nothing for this long is dropped.
pub const CIRCUIT_TIMEOUT: Duration = Duration::from_secs(60);
/// A logging-out circuit lingers at most this long for its `LogoutReply` ack.
pub const LOGOUT_LINGER: Duration = Duration::from_secs(2);
/// Datagrams read per wake-up at most (the rest wait for the next turn).
pub const READ_BURST: usize = 256;

/// Requests from the simulator's handle to the UDP task.
#[derive(Debug)]
pub enum UdpCommand {
    /// Send `per_circuit` garbage datagrams to every connected viewer;
    /// answers how many were sent.
    FloodMalformed {
        /// Datagrams per circuit.
        per_circuit: usize,
        /// The answer.
        reply: oneshot::Sender<usize>,
    },
    /// Describe the live circuits.
    Circuits {
        /// The answer.
        reply: oneshot::Sender<Vec<CircuitInfo>>,
    },
}

/// One live circuit, as the handle reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct CircuitInfo {
    /// The viewer's address.
    pub addr: SocketAddr,
    /// "First Last".
    pub agent_name: String,
    /// The agent id.
    pub agent_id: kestrel_protocol::types::Uuid,
    /// In the region (movement completed) rather than handshaking or leaving.
    pub in_world: bool,
    /// The whole region (terrain and objects) has been handed to the circuit.
    pub region_sent: bool,
    /// Reliable packets unacked.
    pub in_flight: usize,
    /// Smoothed round-trip time.
    pub rtt: Option<Duration>,
    /// The reliability core's counters.
    pub counters: CircuitCounters,
    /// The bandwidth the viewer asked for (`AgentThrottle`), bits/s.
    pub throttle: Option<[f32; 7]>,
}

/// Why a circuit goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// Logged out.
    Logout,
    /// Silent for [`CIRCUIT_TIMEOUT`].
    Timeout,
    /// The same agent opened another circuit.
    Replaced,
    /// The viewer sent `CloseCircuit`.
    Closed,
}

pub(crate) struct Timers {
    pub next_tick: Instant,
    pub last_tick: Instant,
    pub next_prim_terse: Instant,
    pub next_avatar_terse: Instant,
    pub next_stats: Instant,
    pub next_time: Instant,
    pub next_churn: Option<Instant>,
}

/// Rates for `SimStats`, measured over one stats period.
#[derive(Default)]
pub(crate) struct Rates {
    pub agent_updates: u64,
    pub last_in: u64,
    pub last_out: u64,
}

/// The UDP task's state.
pub(crate) struct UdpServer {
    pub socket: UdpSocket,
    pub shared: Arc<Shared>,
    pub region: Region,
    pub terrain: Arc<TerrainBlobs>,
    pub circuits: HashMap<SocketAddr, AgentCircuit>,
    pub inbound: Impairment<(SocketAddr, Vec<u8>)>,
    pub outbound: Impairment<(SocketAddr, Vec<u8>)>,
    pub timers: Timers,
    pub rates: Rates,
    pub next_avatar_id: u32,
    pub flood_rng: SplitMix64,
    pub out: Vec<(SocketAddr, Vec<u8>)>,
    pub scratch: Vec<u8>,
}

/// Avatar local ids are 1..FIRST_PRIM_ID (prims start there).
const AVATAR_ID_END: u32 = super::layout::FIRST_PRIM_ID;

impl UdpServer {
    /// A server for `region` on `socket`.
    pub fn new(
        socket: UdpSocket,
        shared: Arc<Shared>,
        region: Region,
        terrain: Arc<TerrainBlobs>,
        now: Instant,
    ) -> Self {
        let imp = shared.config.impairment.clone();
        let churn = shared.config.churn_period().map(|p| now + p);
        shared.stats.region_prims.set(region.prims().len() as u64);
        UdpServer {
            socket,
            inbound: Impairment::new(&imp, 1),
            outbound: Impairment::new(&imp, 2),
            flood_rng: SplitMix64::derive(imp.seed, 3),
            shared,
            region,
            terrain,
            circuits: HashMap::new(),
            timers: Timers {
                next_tick: now + TICK,
                last_tick: now,
                next_prim_terse: now,
                next_avatar_terse: now,
                next_stats: now + STATS_PERIOD,
                next_time: now + TIME_PERIOD,
                next_churn: churn,
            },
            rates: Rates::default(),
            next_avatar_id: 1,
            out: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Runs until the command channel closes (the handle went away) or
    /// the task is aborted (kill).
    pub async fn run(mut self, mut commands: mpsc::Receiver<UdpCommand>) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            let wake = self.next_wake();
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(c) => self.command(c).await,
                    None => return,
                },
                r = self.socket.recv_from(&mut buf) => {
                    let now = Instant::now();
                    match r {
                        Ok((n, addr)) => {
                            self.take_in(now, addr, &buf[..n]);
                            for _ in 1..READ_BURST {
                                match self.socket.try_recv_from(&mut buf) {
                                    Ok((n, addr)) => self.take_in(now, addr, &buf[..n]),
                                    Err(_) => break,
                                }
                            }
                        }
                        // ICMP port-unreachable from a vanished viewer shows
                        // up here on some systems; nothing to do about it.
                        Err(e) => tracing::trace!(error = %e, "sim udp: receive error"),
                    }
                },
                _ = tokio::time::sleep_until(wake.into()) => {},
            }
            self.turn(Instant::now()).await;
        }
    }

    fn next_wake(&self) -> Instant {
        let mut wake = self.timers.next_tick;
        for d in [self.inbound.next_deadline(), self.outbound.next_deadline()]
            .into_iter()
            .flatten()
        {
            wake = wake.min(d);
        }
        wake
    }

    fn take_in(&mut self, now: Instant, addr: SocketAddr, datagram: &[u8]) {
        self.shared.stats.datagrams_in.inc();
        self.inbound.push(now, (addr, datagram.to_vec()));
    }

    /// One turn: handle due datagrams, tick when due, flush every circuit,
    /// write due datagrams.
    async fn turn(&mut self, now: Instant) {
        while let Some((addr, d)) = self.inbound.poll(now) {
            self.on_datagram(addr, &d, now);
        }
        if now >= self.timers.next_tick {
            self.tick(now);
        }
        for c in self.circuits.values_mut() {
            c.flush(now, &self.region, &self.shared.stats, &mut self.out);
        }
        for (addr, d) in self.out.drain(..) {
            self.outbound.push(now, (addr, d));
        }
        while let Some((addr, d)) = self.outbound.poll(now) {
            self.shared.stats.datagrams_out.inc();
            if let Err(e) = self.socket.send_to(&d, addr).await {
                tracing::trace!(%addr, error = %e, "sim udp: send failed");
            }
        }
        self.shared
            .stats
            .set_impairment(self.inbound.stats(), self.outbound.stats());
    }

    async fn command(&mut self, c: UdpCommand) {
        match c {
            UdpCommand::FloodMalformed { per_circuit, reply } => {
                let n = self.flood_malformed(per_circuit).await;
                let _ = reply.send(n);
            }
            UdpCommand::Circuits { reply } => {
                let _ = reply.send(self.circuit_infos());
            }
        }
    }

    fn circuit_infos(&self) -> Vec<CircuitInfo> {
        let mut v: Vec<CircuitInfo> = self
            .circuits
            .values()
            .map(|c| CircuitInfo {
                addr: c.addr,
                agent_name: c.session.full_name(),
                agent_id: c.agent_id(),
                in_world: c.in_world(),
                region_sent: c.stream_done,
                in_flight: c.core.in_flight(),
                rtt: c.core.rtt(),
                counters: c.core.counters(),
                throttle: c.throttle,
            })
            .collect();
        v.sort_by_key(|c| c.addr);
        v
    }

    /// Sends garbage straight to the socket (no impairment, so the count
    /// that arrives is exact on loopback).
    async fn flood_malformed(&mut self, per_circuit: usize) -> usize {
        let addrs: Vec<SocketAddr> = self.circuits.keys().copied().collect();
        let mut sent = 0;
        for addr in addrs {
            for _ in 0..per_circuit {
                let d = super::garbage::datagram(&mut self.flood_rng);
                if self.socket.send_to(&d, addr).await.is_ok() {
                    sent += 1;
                    self.shared.stats.malformed_sent.inc();
                }
            }
        }
        sent
    }

    /// Everything periodic.
    fn tick(&mut self, now: Instant) {
        let dt = now
            .saturating_duration_since(self.timers.last_tick)
            .as_secs_f32()
            .min(0.5);
        self.timers.last_tick = now;
        self.timers.next_tick = now + TICK;

        for c in self.circuits.values_mut() {
            if let Some(a) = c.avatar.as_mut()
                && (a.controls != 0 || a.velocity != glam::Vec3::ZERO)
            {
                c.avatar_dirty |= a.step(&self.region, dt);
            }
        }
        if now >= self.timers.next_avatar_terse {
            self.timers.next_avatar_terse = now + AVATAR_TERSE_PERIOD;
            self.send_avatar_terse();
        }
        if now >= self.timers.next_prim_terse {
            self.timers.next_prim_terse = now + PRIM_TERSE_PERIOD;
            self.send_prim_terse(now);
        }
        if now >= self.timers.next_stats {
            self.timers.next_stats = now + STATS_PERIOD;
            self.send_sim_stats();
        }
        if now >= self.timers.next_time {
            self.timers.next_time = now + TIME_PERIOD;
            let msg = time_message(self.region.age(now).as_secs_f64());
            self.broadcast_in_world(|| msg.clone().into(), Reliability::Unreliable);
        }
        if let Some(at) = self.timers.next_churn
            && now >= at
        {
            self.timers.next_churn = self.shared.config.churn_period().map(|p| now + p);
            self.churn(now);
        }
        let mut buf = Vec::new();
        for c in self.circuits.values_mut() {
            if now >= c.next_ping {
                c.next_ping = now + PING_PERIOD;
                c.core.start_ping(now, &mut buf);
                self.out.push((c.addr, std::mem::take(&mut buf)));
            }
        }
        self.expire_circuits(now);
    }

    fn expire_circuits(&mut self, now: Instant) {
        let mut gone = Vec::new();
        for c in self.circuits.values() {
            let heard = c.core.last_received().unwrap_or(c.opened);
            if now.saturating_duration_since(heard) > CIRCUIT_TIMEOUT {
                gone.push((c.addr, DropReason::Timeout));
            } else if let Phase::Closing { since } = c.phase
                // Gone once the LogoutReply has been sent *and* acked: a
                // reply still queued (the logout arrived in the same turn
                // as this tick) is not in flight yet, and dropping the
                // circuit then would leave the viewer waiting for it.
                && ((c.core.in_flight() == 0 && c.queue.is_empty())
                    || now.saturating_duration_since(since) > LOGOUT_LINGER)
            {
                gone.push((c.addr, DropReason::Logout));
            }
        }
        for (addr, why) in gone {
            self.drop_circuit(addr, why);
        }
    }

    /// Removes a circuit; its avatar vanishes for everyone else. A timed-out
    /// agent's session ends too (its capabilities answer 404 from then on).
    pub(crate) fn drop_circuit(&mut self, addr: SocketAddr, why: DropReason) {
        let Some(c) = self.circuits.remove(&addr) else {
            return;
        };
        let stats = self.shared.stats.clone();
        match why {
            DropReason::Timeout => {
                stats.circuits_timed_out.inc();
                self.shared.sessions.lock().remove(c.session.circuit_code);
            }
            DropReason::Closed => {
                self.shared.sessions.lock().remove(c.session.circuit_code);
            }
            DropReason::Logout | DropReason::Replaced => {}
        }
        tracing::info!(%addr, agent = %c.session.full_name(), reason = ?why, "sim: circuit closed");
        if let Some(a) = &c.avatar
            && why != DropReason::Logout
        {
            // (A logout already told the others.)
            self.kill_for_others(addr, &[a.local_id]);
        }
        stats.live_circuits.set(self.circuits.len() as u64);
    }

    /// Sends `KillObject` for `ids` to every in-world circuit except `except`.
    pub(crate) fn kill_for_others(&mut self, except: SocketAddr, ids: &[u32]) {
        let stats = &self.shared.stats;
        for c in self
            .circuits
            .values_mut()
            .filter(|c| c.addr != except && c.in_world())
        {
            if c.enqueue(kill_object(ids), Reliability::Reliable, stats) {
                stats.kills_sent.add(ids.len() as u64);
            }
        }
    }

    /// Queues a message built by `make` on every in-world circuit.
    pub(crate) fn broadcast_in_world(
        &mut self,
        make: impl Fn() -> Message<'static>,
        reliability: Reliability,
    ) {
        let stats = &self.shared.stats;
        for c in self.circuits.values_mut().filter(|c| c.in_world()) {
            c.enqueue(make(), reliability, stats);
        }
    }

    /// The avatars in the region, as viewers see them.
    pub(crate) fn avatar_views(&self) -> Vec<AvatarView> {
        self.circuits
            .values()
            .filter_map(|c| {
                let a = c.avatar.as_ref()?;
                Some(AvatarView {
                    local_id: a.local_id,
                    agent_id: c.agent_id(),
                    first: c.session.first.clone(),
                    last: c.session.last.clone(),
                    position: a.position,
                    velocity: a.velocity,
                    rotation: a.rotation,
                    foot_height: a.foot_height(&self.region),
                })
            })
            .collect()
    }

    /// A local id for a new avatar, not used by a live one.
    pub(crate) fn allocate_avatar_id(&mut self) -> u32 {
        let used: Vec<u32> = self
            .circuits
            .values()
            .filter_map(|c| c.avatar.as_ref().map(|a| a.local_id))
            .collect();
        loop {
            let id = self.next_avatar_id;
            self.next_avatar_id = if id + 1 >= AVATAR_ID_END { 1 } else { id + 1 };
            if !used.contains(&id) {
                return id;
            }
        }
    }

    fn terse_message(
        &self,
        blocks: Vec<improved_terse_object_update::ObjectData<'static>>,
    ) -> ImprovedTerseObjectUpdate<'static> {
        ImprovedTerseObjectUpdate {
            region_data: improved_terse_object_update::RegionData {
                region_handle: self.region.info().handle.0,
                time_dilation: TIME_DILATION_ONE,
            },
            object_data: blocks,
        }
    }

    fn send_terse_to_ready(&mut self, msg: ImprovedTerseObjectUpdate<'static>) {
        let n = msg.object_data.len() as u64;
        if n == 0 {
            return;
        }
        let stats = &self.shared.stats;
        // Viewers still receiving the region get the prims' places with
        // their full updates; terse updates start once that is done.
        for c in self
            .circuits
            .values_mut()
            .filter(|c| c.in_world() && c.stream_done)
        {
            if c.enqueue(msg.clone(), Reliability::Unreliable, stats) {
                stats.terse_updates_sent.add(n);
            }
        }
    }

    fn send_prim_terse(&mut self, now: Instant) {
        let t = self.region.clock(now);
        let blocks: Vec<_> = self
            .region
            .movers()
            .filter_map(|p| terse_block(p, t).ok())
            .collect();
        let msg = self.terse_message(blocks);
        self.send_terse_to_ready(msg);
    }

    fn send_avatar_terse(&mut self) {
        let dirty: Vec<u32> = self
            .circuits
            .values_mut()
            .filter_map(|c| {
                let d = std::mem::take(&mut c.avatar_dirty);
                d.then(|| c.avatar.as_ref().map(|a| a.local_id)).flatten()
            })
            .collect();
        if dirty.is_empty() {
            return;
        }
        let blocks: Vec<_> = self
            .avatar_views()
            .iter()
            .filter(|v| dirty.contains(&v.local_id))
            .filter_map(|v| avatar_terse_block(v).ok())
            .collect();
        let msg = self.terse_message(blocks);
        self.send_terse_to_ready(msg);
    }

    fn send_sim_stats(&mut self) {
        let s = &self.shared.stats;
        let secs = STATS_PERIOD.as_secs_f32();
        let (din, dout) = (s.datagrams_in.get(), s.datagrams_out.get());
        let figures = RegionFigures {
            prims: self.region.prims().len() as u32,
            active_prims: self.region.movers().count() as u32,
            agents: self
                .circuits
                .values()
                .filter(|c| c.avatar.is_some())
                .count() as u32,
            agent_updates_per_s: std::mem::take(&mut self.rates.agent_updates) as f32 / secs,
            packets_in_per_s: din.saturating_sub(self.rates.last_in) as f32 / secs,
            packets_out_per_s: dout.saturating_sub(self.rates.last_out) as f32 / secs,
        };
        self.rates.last_in = din;
        self.rates.last_out = dout;
        let msg = sim_stats(self.region.info(), &figures);
        self.broadcast_in_world(|| msg.clone().into(), Reliability::Unreliable);
    }

    /// The lantern expires and a new one appears; viewers that already have
    /// the old one are told to kill it and are sent the new one.
    fn churn(&mut self, now: Instant) {
        let Some(change) = self.region.churn() else {
            return;
        };
        let t = self.region.clock(now);
        let killed = change.killed;
        let created = change.created.local_id;
        let stats = &self.shared.stats;
        stats.region_prims.set(self.region.prims().len() as u64);
        for c in self.circuits.values_mut() {
            if let Some(stream) = c.stream.as_mut() {
                // Still streaming: the old one may not have been sent yet,
                // and the new one joins the end of the stream.
                let unsent = stream.remove_object(killed);
                stream.add_object(created);
                if !unsent && c.enqueue(kill_object(&[killed.0]), Reliability::Reliable, stats) {
                    stats.kills_sent.inc();
                }
            } else if c.stream_done {
                if c.enqueue(kill_object(&[killed.0]), Reliability::Reliable, stats) {
                    stats.kills_sent.inc();
                }
                let mut ids = std::collections::VecDeque::from([created]);
                if let Some(m) = object_batch(&self.region, &mut ids, t, stats) {
                    c.enqueue(m, Reliability::Reliable, stats);
                }
            }
        }
        tracing::debug!(killed = killed.0, created = created.0, "sim: churn");
    }
}
