//! [`CircuitActor`]: its durable state, start-up (and resume after a
//! crash), timers and the handlers of its messages. The session steps
//! (login, handshake, logout, reconnect) are in `session.rs`; capabilities
//! in `caps_loop.rs`.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kestrel_protocol::circuit::{
    Circuit, CircuitCounters, Inbound, Output, Reliability, SendError as CoreSendError,
};
use kestrel_protocol::llsd::caps::SeedCapabilityResponse;
use kestrel_protocol::messages::{Message as WireMessage, message_info};
use kestrel_protocol::packet::{Packet, peek_header};
use tokio::net::UdpSocket;

use super::http::HttpClient;
use super::login::LoginParams;
use super::messages::{
    AgentControl, Attach, CircuitSendError, Connect, ConnectError, Datagram, GetCapability,
    GetSession, Logout, SendMessage, SessionInfo, SetBandwidth, SubscribeCaps, SubscribeEvents,
};
use super::settings::CircuitSettings;
use super::stats::{CircuitEvent, CircuitState, CircuitStats};
use super::subscriptions::{
    CapsEvent, MAX_SUBSCRIPTIONS, PacketMeta, Subscribe, SubscribeError, SubscriptionId,
    Subscriptions, Undeliverable, Unsubscribe, offer_all,
};
use crate::actor::{Ctx, Durable, Handles, SupervisedActor};
use crate::bus::Latest;
use crate::mailbox::{Addr, BoxFuture, Recipient, SendError};

/// The circuit's UDP socket (a plain non-blocking handle to send with; the
/// reader task owns a tokio handle of the same socket), the region's address
/// and the reader. Kept in the durable state: a restarted actor keeps its port,
/// so the region sees the same circuit.
pub(crate) struct Link {
    pub(crate) socket: std::net::UdpSocket,
    pub(crate) peer: SocketAddr,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Progress of the region handshake on the current circuit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Handshake {
    pub(crate) region_handshake: bool,
    pub(crate) movement_complete: bool,
}

impl Handshake {
    pub(crate) fn done(&self) -> bool {
        self.region_handshake && self.movement_complete
    }
}

/// The event queue's position.
#[derive(Debug, Clone, Default)]
pub(crate) struct EventQueueState {
    pub(crate) url: Option<String>,
    pub(crate) ack: Option<i32>,
    pub(crate) last_delivered: Option<i32>,
    pub(crate) failures: u32,
}

/// Counters kept beside the circuit core's.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra {
    pub(crate) foreign: u64,
    pub(crate) send_errors: u64,
    pub(crate) subscriber_waits: u64,
    pub(crate) undeliverable: u64,
    pub(crate) caps_events: u64,
    pub(crate) unknown_messages: u64,
    pub(crate) unacked_at_logout: u64,
    pub(crate) reconnects: u64,
    pub(crate) resumed: u64,
    pub(crate) logout_answered: bool,
}

/// Everything that survives a crash of the circuit actor: the circuit core
/// (sequence numbers, unacked reliable packets, acks owed, duplicate
/// window), the socket, the session, the subscriptions and the counters.
pub struct CircuitDurable {
    pub(crate) settings: CircuitSettings,
    pub(crate) stats_out: Latest<CircuitStats>,
    pub(crate) last_published: CircuitStats,
    pub(crate) state: CircuitState,
    pub(crate) params: Option<LoginParams>,
    pub(crate) session: Option<SessionInfo>,
    pub(crate) circuit: Circuit,
    /// Counters of earlier circuits of this session (before a reconnect).
    pub(crate) totals: CircuitCounters,
    pub(crate) link: Option<Link>,
    /// Bumped whenever a circuit opens or closes: answers of futures
    /// started for an older one are ignored.
    pub(crate) epoch: u64,
    pub(crate) handshake: Handshake,
    pub(crate) region_name: Option<String>,
    pub(crate) region_handle: Option<u64>,
    pub(crate) opened_at: Instant,
    pub(crate) reconnecting: bool,
    pub(crate) reconnect_attempt: u32,
    pub(crate) reconnect_at: Option<Instant>,
    pub(crate) login_pending: bool,
    pub(crate) logout_deadline: Option<Instant>,
    pub(crate) control: AgentControl,
    pub(crate) bandwidth_kbps: u32,
    pub(crate) throttle_gen: u32,
    pub(crate) outbox: VecDeque<(WireMessage<'static>, Reliability)>,
    pub(crate) subs: Subscriptions,
    pub(crate) event_subs: Vec<Recipient<CircuitEvent>>,
    pub(crate) caps_subs: Vec<Recipient<CapsEvent>>,
    pub(crate) caps: Option<SeedCapabilityResponse>,
    pub(crate) seed_failures: u32,
    pub(crate) eq: EventQueueState,
    pub(crate) extra: Extra,
    /// Datagrams the reader could not hand over because the mailbox was
    /// refusing (fault injection); they count as lost on the wire.
    pub(crate) reader_refused: Arc<AtomicU64>,
    pub(crate) last_error: Option<String>,
}

impl CircuitDurable {
    /// Fresh state publishing into `stats`.
    pub fn new(settings: CircuitSettings, stats: Latest<CircuitStats>) -> Self {
        CircuitDurable {
            circuit: Circuit::new(settings.core.clone()),
            bandwidth_kbps: settings.bandwidth_kbps,
            settings,
            stats_out: stats,
            last_published: CircuitStats::default(),
            state: CircuitState::Idle,
            params: None,
            session: None,
            totals: CircuitCounters::default(),
            link: None,
            epoch: 0,
            handshake: Handshake::default(),
            region_name: None,
            region_handle: None,
            opened_at: Instant::now(),
            reconnecting: false,
            reconnect_attempt: 0,
            reconnect_at: None,
            login_pending: false,
            logout_deadline: None,
            control: AgentControl::default(),
            throttle_gen: 0,
            outbox: VecDeque::new(),
            subs: Subscriptions::default(),
            event_subs: Vec::new(),
            caps_subs: Vec::new(),
            caps: None,
            seed_failures: 0,
            eq: EventQueueState::default(),
            extra: Extra::default(),
            reader_refused: Arc::new(AtomicU64::new(0)),
            last_error: None,
        }
    }

    /// The snapshot of the current state.
    pub(crate) fn snapshot(&self) -> CircuitStats {
        let c = self.totals + self.circuit.counters();
        CircuitStats {
            state: self.state,
            handshake: self.handshake.done(),
            region_name: self.region_name.clone(),
            region_handle: self.region_handle,
            rtt_ms: self.circuit.rtt().map(|d| d.as_secs_f64() * 1000.0),
            packets_in: c.packets_in,
            packets_out: c.packets_out,
            resent: c.resent,
            duplicates_dropped: c.duplicates_dropped,
            reliable_lost: c.reliable_lost.saturating_sub(self.extra.unacked_at_logout),
            unacked_at_logout: self.extra.unacked_at_logout,
            malformed: c.malformed,
            unknown_messages: self.extra.unknown_messages,
            acks_sent: c.acks_sent,
            in_flight: self.circuit.in_flight(),
            foreign_packets: self.extra.foreign,
            send_errors: self.extra.send_errors + self.reader_refused.load(Ordering::Relaxed),
            subscriber_waits: self.extra.subscriber_waits,
            undeliverable: self.extra.undeliverable,
            caps_events: self.extra.caps_events,
            reconnects: self.extra.reconnects,
            resumed: self.extra.resumed,
            logout_answered: self.extra.logout_answered,
            last_error: self.last_error.clone(),
        }
    }

    /// True while a circuit is open and packets are expected.
    pub(crate) fn circuit_open(&self) -> bool {
        matches!(
            self.state,
            CircuitState::Connecting | CircuitState::Connected | CircuitState::LoggingOut
        )
    }
}

/// The circuit actor: login, the UDP circuit, capabilities and
/// subscriptions. Its volatile part holds only buffers and the HTTP client.
pub struct CircuitActor {
    pub(crate) http: HttpClient,
    /// The outgoing datagram being built.
    pub(crate) out: Vec<u8>,
    /// Zero-decoding scratch for incoming packets.
    scratch: Vec<u8>,
    /// The epoch of the seed request / event-queue poll in flight, if any.
    pub(crate) seed_in_flight: Option<u64>,
    pub(crate) eq_in_flight: Option<u64>,
}

impl SupervisedActor for CircuitActor {
    type Durable = CircuitDurable;

    fn start(d: &mut Durable<CircuitDurable>, ctx: &mut Ctx<'_, Self>) -> Self {
        let http =
            HttpClient::with_trust(d.settings.http.connect, &d.settings.tls).unwrap_or_else(|e| {
                // Certificates are checked where they are read (the command
                // line); should one still be refused, run on the built-in
                // roots and say so.
                tracing::error!("{e}; trusting the built-in roots only");
                HttpClient::new(d.settings.http.connect)
            });
        let mut a = CircuitActor {
            http,
            out: Vec::with_capacity(1500),
            scratch: Vec::with_capacity(2048),
            seed_in_flight: None,
            eq_in_flight: None,
        };
        if d.incarnation() > 0 {
            d.extra.resumed += 1;
            tracing::info!(incarnation = d.incarnation(), state = ?d.state, "circuit actor resumed");
        }
        let s = &d.settings;
        ctx.run_interval(s.tick_interval, |a: &mut Self, d, ctx| a.tick(d, ctx));
        ctx.run_interval(s.agent_update_interval, |a: &mut Self, d, _| {
            a.agent_update(d)
        });
        ctx.run_interval(s.ping_interval, |a: &mut Self, d, _| a.ping(d));
        // Resume what the previous incarnation had in progress (its futures
        // were cancelled with it).
        if d.login_pending {
            a.begin_login(d, ctx);
        }
        if d.circuit_open() && d.state != CircuitState::LoggingOut {
            if d.caps.is_none() {
                a.fetch_seed(d, ctx, Duration::ZERO);
            } else {
                a.poll_event_queue(d, ctx, Duration::ZERO);
            }
        }
        a.publish(d);
        a
    }
}

impl CircuitActor {
    /// Resends, acks, ping echoes and lost-packet reports due now.
    pub(crate) fn pump(&mut self, d: &mut CircuitDurable, now: Instant, ctx: &mut Ctx<'_, Self>) {
        while let Some(out) = d.circuit.poll(now, &mut self.out) {
            match out {
                Output::Transmit(_) => self.transmit(d),
                Output::Lost(lost) => {
                    let message = peek_header(&lost.datagram)
                        .ok()
                        .and_then(|p| p.message_id)
                        .and_then(message_info)
                        .map_or("unknown", |i| i.name);
                    if d.state == CircuitState::LoggingOut {
                        // OpenSim closes the agent on LogoutRequest, sometimes
                        // before acking it (or what was still in flight): the
                        // circuit is ending and the user loses nothing.
                        d.extra.unacked_at_logout += 1;
                        tracing::debug!(
                            message,
                            sequence = lost.sequence.0,
                            "unacked when the region closed the circuit at logout"
                        );
                        continue;
                    }
                    tracing::warn!(message, sequence = lost.sequence.0, "reliable packet lost");
                    self.emit(
                        d,
                        CircuitEvent::ReliableLost {
                            message,
                            sequence: lost.sequence.0,
                        },
                        ctx,
                    );
                }
            }
        }
    }

    /// Sends the datagram in `self.out` to the region.
    pub(crate) fn transmit(&mut self, d: &mut CircuitDurable) {
        let Some(link) = &d.link else { return };
        // Sent straight through the OS (tokio's try_send_to refuses until the
        // reactor has seen the socket writable). A full socket buffer is loss
        // on the wire: reliable packets are resent.
        if link.socket.send_to(&self.out, link.peer).is_err() {
            d.extra.send_errors += 1;
        }
    }

    /// Sends a message now, or queues it (reliable, window full).
    pub(crate) fn send_wire(
        &mut self,
        d: &mut CircuitDurable,
        message: WireMessage<'_>,
        reliability: Reliability,
    ) -> Result<(), CircuitSendError> {
        let reliable = reliability == Reliability::Reliable;
        if reliable && (!d.circuit.can_send_reliable() || !d.outbox.is_empty()) {
            return self.queue(d, message, reliability);
        }
        match d
            .circuit
            .send_message(message.clone(), reliability, Instant::now(), &mut self.out)
        {
            Ok(_) => {
                self.transmit(d);
                Ok(())
            }
            Err(CoreSendError::WindowFull { .. }) => self.queue(d, message, reliability),
            Err(e) => Err(CircuitSendError::Encode(e.to_string())),
        }
    }

    fn queue(
        &mut self,
        d: &mut CircuitDurable,
        message: WireMessage<'_>,
        reliability: Reliability,
    ) -> Result<(), CircuitSendError> {
        if d.outbox.len() >= d.settings.outbox_capacity {
            return Err(CircuitSendError::Backpressure);
        }
        d.outbox.push_back((message.into_owned(), reliability));
        Ok(())
    }

    fn drain_outbox(&mut self, d: &mut CircuitDurable) {
        while d.circuit.can_send_reliable() {
            let Some((m, r)) = d.outbox.pop_front() else {
                break;
            };
            match d.circuit.send_message(m, r, Instant::now(), &mut self.out) {
                Ok(_) => self.transmit(d),
                Err(e) => {
                    tracing::warn!(error = %e, "queued message could not be sent");
                    break;
                }
            }
        }
    }

    /// Publishes the stats snapshot if anything changed.
    pub(crate) fn publish(&self, d: &mut CircuitDurable) {
        let s = d.snapshot();
        if s != d.last_published {
            d.stats_out.publish(s.clone());
            d.last_published = s;
        }
    }

    /// Changes state, tells subscribers and publishes.
    pub(crate) fn set_state(
        &mut self,
        d: &mut CircuitDurable,
        state: CircuitState,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if d.state != state {
            tracing::info!(from = ?d.state, to = ?state, "circuit state");
            d.state = state;
            self.emit(d, CircuitEvent::State(state), ctx);
        }
        self.publish(d);
    }

    /// Offers an event to the event subscribers.
    pub(crate) fn emit(
        &mut self,
        d: &mut CircuitDurable,
        event: CircuitEvent,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let waits = offer_all(&mut d.event_subs, &event, &mut d.extra.undeliverable);
        self.wait_deliveries(d, waits, ctx);
    }

    /// Holds the actor until every delivery that met a full mailbox is
    /// through (backpressure, never a silent drop).
    pub(crate) fn wait_deliveries(
        &mut self,
        d: &mut CircuitDurable,
        waits: Vec<BoxFuture<Result<(), Undeliverable>>>,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if waits.is_empty() {
            return;
        }
        d.extra.subscriber_waits += waits.len() as u64;
        ctx.wait_for(
            async move {
                let mut failed = 0u64;
                for w in waits {
                    if w.await.is_err() {
                        failed += 1;
                    }
                }
                failed
            },
            |failed, _a: &mut Self, d, _ctx| d.extra.undeliverable += failed,
        );
    }

    fn tick(&mut self, d: &mut CircuitDurable, ctx: &mut Ctx<'_, Self>) {
        let now = Instant::now();
        self.pump(d, now, ctx);
        self.drain_outbox(d);
        if d.circuit_open() {
            let last = d
                .circuit
                .last_received()
                .map_or(d.opened_at, |t| t.max(d.opened_at));
            if now.saturating_duration_since(last) >= d.settings.circuit_timeout {
                self.on_timeout(d, ctx);
            }
        }
        if d.state == CircuitState::LoggingOut && d.logout_deadline.is_some_and(|t| now >= t) {
            self.finish_logout(d, true, ctx);
        }
        if d.state == CircuitState::Reconnecting && d.reconnect_at.is_some_and(|t| now >= t) {
            d.reconnect_at = None;
            self.reconnect(d, ctx);
        }
        self.publish(d);
    }

    fn ping(&mut self, d: &mut CircuitDurable) {
        if d.circuit_open() && d.link.is_some() {
            d.circuit.start_ping(Instant::now(), &mut self.out);
            self.transmit(d);
        }
    }

    /// Handles one datagram from the region: reliability first, then the
    /// session's own messages, then subscribers.
    fn on_datagram(&mut self, dg: &Datagram, d: &mut CircuitDurable, ctx: &mut Ctx<'_, Self>) {
        let Some(link) = &d.link else {
            d.extra.foreign += 1;
            return;
        };
        if dg.from != link.peer || !d.circuit_open() {
            d.extra.foreign += 1;
            return;
        }
        let now = Instant::now();
        let mut scratch = std::mem::take(&mut self.scratch);
        {
            // Decode before the core marks the sequence as seen, so that a
            // decoder panic leaves the circuit state untouched for the retry.
            match Packet::decode(&dg.bytes, &mut scratch) {
                Ok(packet) => {
                    if let Ok(Inbound::Deliver(info)) = d.circuit.receive(&dg.bytes, now) {
                        let meta = PacketMeta {
                            sequence: info.sequence,
                            reliable: info.reliable(),
                            received_at: dg.received_at,
                        };
                        self.dispatch(packet.message, meta, d, ctx);
                    }
                }
                Err(e) if e.is_unknown_message() => {
                    // Well framed, but a message the template lacks: acked and
                    // deduplicated like any packet, counted apart from malformed.
                    if let Ok(Inbound::Deliver(_)) = d.circuit.receive(&dg.bytes, now) {
                        d.extra.unknown_messages += 1;
                    }
                    tracing::debug!(error = %e, "unknown message from the region");
                }
                Err(e) => {
                    // Counted; kept out of the duplicate window.
                    d.circuit.reject(&dg.bytes, now);
                    tracing::debug!(error = %e, "malformed packet from the region");
                }
            }
        }
        self.scratch = scratch;
        self.pump(d, now, ctx);
        self.drain_outbox(d);
    }

    fn dispatch(
        &mut self,
        message: WireMessage<'_>,
        meta: PacketMeta,
        d: &mut CircuitDurable,
        ctx: &mut Ctx<'_, Self>,
    ) {
        match &message {
            WireMessage::RegionHandshake(m) => self.on_region_handshake(m, d, ctx),
            WireMessage::AgentMovementComplete(m) => self.on_movement_complete(m, d, ctx),
            WireMessage::LogoutReply(_) => self.finish_logout(d, false, ctx),
            _ => {}
        }
        if d.subs.wanted(message.id()) {
            let owned = message.into_owned();
            let CircuitDurable { subs, extra, .. } = d;
            let waits = subs.offer(&owned, meta, &mut extra.undeliverable);
            self.wait_deliveries(d, waits, ctx);
        }
    }
}

/// Reads datagrams and hands them to the actor's mailbox (waiting when it
/// is full: the socket buffer then absorbs the burst, and what overflows
/// is loss the reliability layer recovers). Ends when the actor is gone.
async fn read_socket(socket: UdpSocket, addr: Addr<CircuitActor>, refused: Arc<AtomicU64>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        match socket.recv_from(&mut buf).await {
            Ok((n, from)) => {
                let dg = Datagram {
                    bytes: buf[..n].to_vec(),
                    from,
                    received_at: Instant::now(),
                };
                match addr.send(dg).await {
                    Ok(()) => {}
                    Err(SendError::Refusing(_)) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => break,
                }
            }
            Err(e) => {
                // ICMP errors surface here on some systems; keep reading.
                tracing::debug!(error = %e, "circuit socket receive error");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
}

/// Receive buffer asked for the circuit socket, bytes.
pub const RECEIVE_BUFFER: usize = 2 * 1024 * 1024;

/// Opens the circuit's UDP socket and starts its reader.
pub(crate) fn open_link(
    peer: SocketAddr,
    ctx: &mut Ctx<'_, CircuitActor>,
    refused: Arc<AtomicU64>,
) -> Result<Link, ConnectError> {
    let bind = |e: std::io::Error| ConnectError::Socket(e.to_string());
    let socket = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )
    .map_err(bind)?;
    // A region sends in bursts (the whole scene on arrival); a larger buffer
    // turns fewer of them into loss. Best effort: the OS may cap it.
    let _ = socket.set_recv_buffer_size(RECEIVE_BUFFER);
    socket.set_nonblocking(true).map_err(bind)?;
    let any = SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, 0));
    socket.bind(&any.into()).map_err(bind)?;
    let socket: std::net::UdpSocket = socket.into();
    let receiver = UdpSocket::from_std(socket.try_clone().map_err(bind)?).map_err(bind)?;
    let reader = actix::spawn(read_socket(receiver, ctx.address(), refused));
    Ok(Link {
        socket,
        peer,
        reader,
    })
}

impl Handles<Connect> for CircuitActor {
    fn handle(
        &mut self,
        msg: &Connect,
        d: &mut Durable<CircuitDurable>,
        ctx: &mut Ctx<'_, Self>,
    ) -> Result<(), ConnectError> {
        self.connect(msg.0.clone(), d, ctx)
    }
}

impl Handles<Attach> for CircuitActor {
    fn handle(
        &mut self,
        msg: &Attach,
        d: &mut Durable<CircuitDurable>,
        ctx: &mut Ctx<'_, Self>,
    ) -> Result<(), ConnectError> {
        self.attach(msg.0.clone(), d, ctx)
    }
}

impl Handles<Datagram> for CircuitActor {
    fn handle(&mut self, msg: &Datagram, d: &mut Durable<CircuitDurable>, ctx: &mut Ctx<'_, Self>) {
        self.on_datagram(msg, d, ctx);
    }
}

impl Handles<AgentControl> for CircuitActor {
    fn handle(
        &mut self,
        msg: &AgentControl,
        d: &mut Durable<CircuitDurable>,
        _: &mut Ctx<'_, Self>,
    ) {
        d.control = *msg;
    }
}

impl Handles<SetBandwidth> for CircuitActor {
    fn handle(
        &mut self,
        msg: &SetBandwidth,
        d: &mut Durable<CircuitDurable>,
        _: &mut Ctx<'_, Self>,
    ) {
        d.bandwidth_kbps = msg.kbps;
        if d.circuit_open() {
            self.send_throttle(d);
        }
    }
}

impl Handles<SendMessage> for CircuitActor {
    fn handle(
        &mut self,
        msg: &SendMessage,
        d: &mut Durable<CircuitDurable>,
        _: &mut Ctx<'_, Self>,
    ) -> Result<(), CircuitSendError> {
        if !matches!(d.state, CircuitState::Connecting | CircuitState::Connected) {
            return Err(CircuitSendError::NotConnected(d.state));
        }
        self.send_wire(d, msg.message.clone(), msg.reliability)
    }
}

impl Handles<Logout> for CircuitActor {
    fn handle(
        &mut self,
        _: &Logout,
        d: &mut Durable<CircuitDurable>,
        ctx: &mut Ctx<'_, Self>,
    ) -> CircuitState {
        self.logout(d, ctx);
        d.state
    }
}

impl Handles<Subscribe> for CircuitActor {
    fn handle(
        &mut self,
        msg: &Subscribe,
        d: &mut Durable<CircuitDurable>,
        _: &mut Ctx<'_, Self>,
    ) -> Result<SubscriptionId, SubscribeError> {
        d.subs.add(msg.clone())
    }
}

impl Handles<Unsubscribe> for CircuitActor {
    fn handle(
        &mut self,
        msg: &Unsubscribe,
        d: &mut Durable<CircuitDurable>,
        _: &mut Ctx<'_, Self>,
    ) -> bool {
        d.subs.remove(msg.0)
    }
}

impl Handles<SubscribeEvents> for CircuitActor {
    fn handle(
        &mut self,
        msg: &SubscribeEvents,
        d: &mut Durable<CircuitDurable>,
        _: &mut Ctx<'_, Self>,
    ) -> Result<(), SubscribeError> {
        if d.event_subs.len() >= MAX_SUBSCRIPTIONS {
            return Err(SubscribeError::TooMany);
        }
        d.event_subs.push(msg.0.clone());
        Ok(())
    }
}

impl Handles<SubscribeCaps> for CircuitActor {
    fn handle(
        &mut self,
        msg: &SubscribeCaps,
        d: &mut Durable<CircuitDurable>,
        _: &mut Ctx<'_, Self>,
    ) -> Result<(), SubscribeError> {
        if d.caps_subs.len() >= MAX_SUBSCRIPTIONS {
            return Err(SubscribeError::TooMany);
        }
        d.caps_subs.push(msg.0.clone());
        Ok(())
    }
}

impl Handles<GetCapability> for CircuitActor {
    fn handle(
        &mut self,
        msg: &GetCapability,
        d: &mut Durable<CircuitDurable>,
        _: &mut Ctx<'_, Self>,
    ) -> Option<String> {
        d.caps.as_ref()?.url(&msg.0).map(str::to_string)
    }
}

impl Handles<GetSession> for CircuitActor {
    fn handle(
        &mut self,
        _: &GetSession,
        d: &mut Durable<CircuitDurable>,
        _: &mut Ctx<'_, Self>,
    ) -> Option<SessionInfo> {
        d.session.clone()
    }
}
