//! The plugin bridge: a supervised actor between a session's circuit and the
//! [`PluginSupervisor`](kestrel_actors::plugin::PluginSupervisor).
//!
//! * **In:** it subscribes to the circuit's chat, object, kill and region
//!   messages and to its [`CircuitEvent`]s, turns each into a
//!   [`PluginEvent`] and offers it with [`PluginControl::publish_event`]
//!   (never waits; a full supervisor queue is counted there as
//!   `input_refused` and here as `refused`).
//! * **Out:** every tick it takes the chat lines plugins asked to say
//!   ([`PluginControl::chat_requests`]) and sends each as `ChatFromViewer`
//!   through the circuit, one at a time so their order holds.
//!
//! It runs on the session's actor runtime under the same supervision as the
//! other actors: its state (counters, the session ids, the publishers) is
//! durable, and the subscriptions name its supervisor's address, so a crash
//! restarts it without losing a message (the crashing one is handled again).

use std::sync::Arc;
use std::time::Duration;

use kestrel_actors::bus::Latest;
use kestrel_actors::circuit::{
    CircuitActor, CircuitEvent, CircuitHandle, CircuitState, CircuitStats, GetSession, Received,
    SendMessage, SessionInfo, Subscribe, SubscribeEvents,
};
use kestrel_actors::plugin::{OutgoingChat, PluginControl, PluginEvent, UpdateForm};
use kestrel_actors::{
    Addr, Ctx, Durable, Handles, Message, RuntimeHandle, SpawnError, SupervisedActor,
};
use kestrel_protocol::circuit::Reliability;
use kestrel_protocol::messages::{
    ChatFromSimulator, ImprovedTerseObjectUpdate, KillObject, Message as WireMessage, MessageId,
    MessageType, ObjectUpdate, ObjectUpdateCached, ObjectUpdateCompressed, RegionHandshake,
};
use serde::Serialize;

use super::Session;

/// The bridge actor's name on the runtime (its mailbox and policy come from
/// `[actors.plugin-bridge]` in the actors config, else `[defaults]`).
pub const PLUGIN_BRIDGE_ACTOR: &str = "plugin-bridge";

/// How often plugin chat is picked up and sent.
const TICK: Duration = Duration::from_millis(50);

/// Offset of `LocalID` in an `ObjectUpdateCompressed.Data` blob (after the 16-byte FullID).
const COMPRESSED_LOCAL_ID_AT: usize = 16;

/// What the bridge did, published through [`PluginBridge::stats`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PluginBridgeStats {
    /// Chat lines offered to the plugins.
    pub chat_events: u64,
    /// Object updates offered (one per object block, all four forms).
    pub object_updates: u64,
    /// Object removals offered (one per `KillObject` block).
    pub objects_removed: u64,
    /// Regions entered offered.
    pub regions_entered: u64,
    /// Circuit connected / lost events offered.
    pub circuit_events: u64,
    /// Events the supervisor refused (its input queue was full, or it has stopped).
    pub refused: u64,
    /// Object blocks whose local id could not be read (too short).
    pub malformed: u64,
    /// Plugin chat lines the circuit took.
    pub chat_sent: u64,
    /// Plugin chat lines the circuit refused (not connected, backpressure, encoding).
    pub chat_failed: u64,
    /// Plugin chat lines dropped because no circuit was open.
    pub chat_unsent: u64,
    /// Why the last plugin chat line was not sent.
    pub last_chat_error: Option<String>,
}

/// State that survives a crash of the bridge.
pub struct BridgeDurable {
    plugins: PluginControl,
    circuit: Addr<CircuitActor>,
    circuit_stats: Latest<CircuitStats>,
    stats: Latest<PluginBridgeStats>,
    counters: PluginBridgeStats,
    /// Agent and session ids for `ChatFromViewer`, once asked for.
    session: Option<SessionInfo>,
    /// A `GetSession` is on its way.
    asking_session: bool,
    /// A chat line is being sent (one at a time keeps the order).
    sending: bool,
    /// Whether plugins were last told the circuit is connected.
    connected: bool,
    /// The region plugins were last told they entered.
    region: Option<String>,
}

/// The bridge actor (volatile part empty: everything lives in [`BridgeDurable`]).
pub struct BridgeActor;

impl SupervisedActor for BridgeActor {
    type Durable = BridgeDurable;

    fn start(durable: &mut Durable<BridgeDurable>, ctx: &mut Ctx<'_, Self>) -> Self {
        // A crash cancels the previous incarnation's pending asks: their
        // answers will never come. (A chat line whose answer was pending
        // then is neither counted sent nor failed; it was already handed to
        // the circuit.)
        durable.sending = false;
        durable.asking_session = false;
        ctx.run_interval(TICK, |_, d, ctx| send_chat(d, ctx));
        BridgeActor
    }
}

/// Tells the bridge what the circuit was before it subscribed, to catch
/// plugins up with a circuit that connected before the bridge existed
/// (sent once by [`PluginBridge::spawn`], ahead of any subscribed message).
#[derive(Debug, Clone)]
struct CatchUp {
    /// The circuit was connected.
    connected: bool,
    /// The region it was in.
    region: Option<String>,
}

impl Message for CatchUp {
    type Result = ();
}

impl Handles<CatchUp> for BridgeActor {
    fn handle(&mut self, msg: &CatchUp, d: &mut Durable<BridgeDurable>, _: &mut Ctx<'_, Self>) {
        if msg.connected && !d.connected {
            d.circuit_changed(true, "connected".into());
            if let Some(name) = &msg.region {
                d.region_entered(name.clone());
            }
            d.publish_stats();
        }
    }
}

impl Handles<Received<WireMessage<'static>>> for BridgeActor {
    fn handle(
        &mut self,
        msg: &Received<WireMessage<'static>>,
        d: &mut Durable<BridgeDurable>,
        _: &mut Ctx<'_, Self>,
    ) {
        // Build every event first, then offer them: a panic while building
        // publishes nothing, and the retried message publishes once.
        let mut malformed = 0u64;
        let events = events_of(&msg.message, &mut malformed);
        d.counters.malformed += malformed;
        for event in events {
            match event {
                // The handshake has no handle; the circuit's stats have it.
                PluginEvent::RegionEntered { name, .. } => d.region_entered(name),
                event => d.offer(event),
            }
        }
        d.publish_stats();
    }
}

impl Handles<CircuitEvent> for BridgeActor {
    fn handle(&mut self, ev: &CircuitEvent, d: &mut Durable<BridgeDurable>, _: &mut Ctx<'_, Self>) {
        match ev {
            CircuitEvent::State(state) => {
                let connected = *state == CircuitState::Connected;
                if !connected {
                    // A new login brings a new session; ask again then.
                    d.session = None;
                }
                if connected != d.connected {
                    d.circuit_changed(connected, state_reason(*state).into());
                }
            }
            CircuitEvent::LoginFailed(why) => {
                d.session = None;
                d.circuit_changed(false, format!("login failed: {why}"));
            }
            _ => {}
        }
        d.publish_stats();
    }
}

impl BridgeDurable {
    /// Offers one event to the plugins; a refusal is counted, never waited on.
    fn offer(&mut self, event: PluginEvent) {
        let c = &mut self.counters;
        match &event {
            PluginEvent::Chat(_) => c.chat_events += 1,
            PluginEvent::ObjectUpdate { .. } => c.object_updates += 1,
            PluginEvent::ObjectRemoved { .. } => c.objects_removed += 1,
            PluginEvent::RegionEntered { .. } => c.regions_entered += 1,
            PluginEvent::Circuit { .. } => c.circuit_events += 1,
        }
        if self.plugins.publish_event(event).is_err() {
            self.counters.refused += 1;
        }
    }

    fn circuit_changed(&mut self, connected: bool, reason: String) {
        self.connected = connected;
        if !connected {
            self.region = None;
        }
        self.offer(PluginEvent::Circuit { connected, reason });
    }

    fn region_entered(&mut self, name: String) {
        // OpenSim sends RegionHandshake twice per login (on UseCircuitCode
        // and again on CompleteAgentMovement): one circuit enters once.
        if self.region.as_ref() == Some(&name) {
            return;
        }
        let handle = self.circuit_stats.load().region_handle.unwrap_or(0);
        self.region = Some(name.clone());
        self.offer(PluginEvent::RegionEntered { name, handle });
    }

    fn publish_stats(&self) {
        if *self.stats.load() != self.counters {
            self.stats.publish(self.counters.clone());
        }
    }
}

/// The tick: send the next plugin chat line if the circuit can take it.
fn send_chat(d: &mut Durable<BridgeDurable>, ctx: &mut Ctx<'_, BridgeActor>) {
    if d.sending {
        return;
    }
    let state = d.circuit_stats.load().state;
    if !matches!(state, CircuitState::Connecting | CircuitState::Connected) {
        // Nobody to say it to: drop what plugins said meanwhile (counted).
        let mut dropped = 0;
        while d.plugins.chat_requests().try_recv().is_ok() {
            dropped += 1;
        }
        if dropped > 0 {
            d.counters.chat_unsent += dropped;
            d.counters.last_chat_error = Some(format!("no circuit (state {state:?})"));
            d.publish_stats();
        }
        return;
    }
    let Some(session) = d.session.clone() else {
        if !d.asking_session && !d.plugins.chat_requests().is_empty() {
            d.asking_session = true;
            let circuit = d.circuit.clone();
            let ask = async move { circuit.ask(GetSession).await };
            ctx.spawn(ask, |answer, _, d, ctx| {
                d.asking_session = false;
                if let Ok(Some(session)) = answer {
                    d.session = Some(session);
                    send_chat(d, ctx);
                }
            });
        }
        return;
    };
    let Ok(chat) = d.plugins.chat_requests().try_recv() else {
        return;
    };
    d.sending = true;
    let send = SendMessage {
        message: chat_from_viewer(&session, &chat),
        reliability: Reliability::Reliable,
    };
    let circuit = d.circuit.clone();
    let ask = async move { circuit.ask(send).await };
    ctx.spawn(ask, move |answer, _, d, ctx| {
        d.sending = false;
        match answer {
            Ok(Ok(())) => d.counters.chat_sent += 1,
            Ok(Err(e)) => chat_failed(d, &chat, &e),
            Err(e) => chat_failed(d, &chat, &format!("the circuit actor did not answer: {e}")),
        }
        d.publish_stats();
        // Straight on with the next line, if any.
        send_chat(d, ctx);
    });
}

fn chat_failed(d: &mut BridgeDurable, chat: &OutgoingChat, why: &dyn std::fmt::Display) {
    d.counters.chat_failed += 1;
    d.counters.last_chat_error = Some(format!("{} (plugin {}): {why}", chat.name, chat.plugin));
    tracing::warn!(plugin = %chat.name, "plugin chat not sent: {why}");
}

/// The `ChatFromViewer` a plugin's line becomes (said normally, on its channel).
pub fn chat_from_viewer(session: &SessionInfo, chat: &OutgoingChat) -> WireMessage<'static> {
    crate::chat::say(session, chat.channel, &chat.text)
}

fn state_reason(state: CircuitState) -> &'static str {
    match state {
        CircuitState::Idle => "idle",
        CircuitState::LoggingIn => "logging in",
        CircuitState::Connecting => "connecting",
        CircuitState::Connected => "connected",
        CircuitState::TimedOut => "timed out",
        CircuitState::Reconnecting => "reconnecting",
        CircuitState::LoggingOut => "logging out",
        CircuitState::LoggedOut => "logged out",
        CircuitState::Failed => "login failed",
    }
}

/// The circuit messages the bridge turns into plugin events.
pub fn bridge_message_ids() -> [MessageId; 7] {
    [
        <ChatFromSimulator<'static> as MessageType<'static>>::ID,
        <ObjectUpdate<'static> as MessageType<'static>>::ID,
        <ImprovedTerseObjectUpdate<'static> as MessageType<'static>>::ID,
        <ObjectUpdateCompressed<'static> as MessageType<'static>>::ID,
        <ObjectUpdateCached as MessageType<'static>>::ID,
        <KillObject as MessageType<'static>>::ID,
        <RegionHandshake<'static> as MessageType<'static>>::ID,
    ]
}

/// The plugin events one circuit message carries (one per object block);
/// blocks whose local id cannot be read are counted in `malformed`. The
/// region handle of `RegionEntered` (0 here) is filled in by the caller.
fn events_of(message: &WireMessage<'static>, malformed: &mut u64) -> Vec<PluginEvent> {
    let update = |local_id, form| PluginEvent::ObjectUpdate { local_id, form };
    match message {
        WireMessage::ChatFromSimulator(m) => vec![PluginEvent::Chat(crate::chat::heard(m))],
        WireMessage::ObjectUpdate(m) => m
            .object_data
            .iter()
            .map(|o| update(o.id, UpdateForm::Full))
            .collect(),
        WireMessage::ImprovedTerseObjectUpdate(m) => m
            .object_data
            .iter()
            .filter_map(|o| read_u32(o.data.as_bytes(), 0).or_else(|| bad(malformed)))
            .map(|id| update(id, UpdateForm::Terse))
            .collect(),
        WireMessage::ObjectUpdateCompressed(m) => m
            .object_data
            .iter()
            .filter_map(|o| {
                read_u32(o.data.as_bytes(), COMPRESSED_LOCAL_ID_AT).or_else(|| bad(malformed))
            })
            .map(|id| update(id, UpdateForm::Compressed))
            .collect(),
        WireMessage::ObjectUpdateCached(m) => m
            .object_data
            .iter()
            .map(|o| update(o.id, UpdateForm::Cached))
            .collect(),
        WireMessage::KillObject(m) => m
            .object_data
            .iter()
            .map(|o| PluginEvent::ObjectRemoved { local_id: o.id })
            .collect(),
        WireMessage::RegionHandshake(m) => vec![PluginEvent::RegionEntered {
            name: m.region_info.sim_name.text_lossy().into_owned(),
            handle: 0,
        }],
        _ => Vec::new(),
    }
}

fn bad(malformed: &mut u64) -> Option<u32> {
    *malformed += 1;
    None
}

/// A little-endian u32 at `at`, if the blob is long enough.
fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Why the bridge could not start.
#[derive(Debug, thiserror::Error)]
pub enum PluginBridgeError {
    /// The runtime refused the actor (e.g. a bridge already runs on it).
    #[error("plugin bridge actor: {0}")]
    Spawn(#[from] SpawnError),
    /// The circuit refused a subscription.
    #[error("plugin bridge subscription to the circuit: {0}")]
    Subscribe(String),
}

/// A running plugin bridge: its address and its published counters.
#[derive(Clone)]
pub struct PluginBridge {
    addr: Addr<BridgeActor>,
    stats: Latest<PluginBridgeStats>,
}

impl std::fmt::Debug for PluginBridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginBridge")
            .field("stats", &*self.stats.load())
            .finish_non_exhaustive()
    }
}

impl PluginBridge {
    /// Spawns the bridge on `runtime` and subscribes it to `circuit`.
    /// Blocks until the circuit has taken both subscriptions (call it from
    /// a plain thread, not the render loop). Spawn it *before* connecting
    /// to see everything from the start (the region's welcome chat comes
    /// during the handshake); spawned after `connect` returned, plugins are
    /// told at once that the circuit is connected and which region it is
    /// in, and see everything from then on. Not while a login is under way:
    /// a state change between reading the circuit's stats and subscribing
    /// could be missed.
    pub fn spawn(
        runtime: &RuntimeHandle,
        circuit: &CircuitHandle,
        plugins: PluginControl,
    ) -> Result<PluginBridge, PluginBridgeError> {
        let stats = Latest::new(PluginBridgeStats::default());
        let durable = BridgeDurable {
            plugins,
            circuit: circuit.addr.clone(),
            circuit_stats: circuit.stats.clone(),
            stats: stats.clone(),
            counters: PluginBridgeStats::default(),
            session: None,
            asking_session: false,
            sending: false,
            connected: false,
            region: None,
        };
        // What happened before the bridge subscribed will not be sent to
        // it: read it first, and queue it ahead of every subscribed message.
        let before = circuit.stats.load_full();
        let catch_up = CatchUp {
            connected: before.state == CircuitState::Connected,
            region: before.region_name.clone(),
        };
        let addr = runtime.spawn::<BridgeActor>(PLUGIN_BRIDGE_ACTOR, durable)?;
        addr.send_blocking(catch_up)
            .map_err(|e| PluginBridgeError::Subscribe(format!("catching up: {e}")))?;
        let subscribe_error =
            |e: &dyn std::fmt::Display| PluginBridgeError::Subscribe(e.to_string());
        circuit
            .addr
            .ask_blocking(Subscribe::any(bridge_message_ids(), addr.recipient()))
            .map_err(|e| subscribe_error(&e))?
            .map_err(|e| subscribe_error(&e))?;
        circuit
            .addr
            .ask_blocking(SubscribeEvents(addr.recipient()))
            .map_err(|e| subscribe_error(&e))?
            .map_err(|e| subscribe_error(&e))?;
        Ok(PluginBridge { addr, stats })
    }

    /// [`spawn`](Self::spawn) on a viewer session's runtime and circuit.
    pub fn for_session(
        session: &Session,
        plugins: PluginControl,
    ) -> Result<PluginBridge, PluginBridgeError> {
        Self::spawn(&session.net.runtime.handle(), &session.net.circuit, plugins)
    }

    /// The bridge's counters (a reference-count increment).
    pub fn stats(&self) -> Arc<PluginBridgeStats> {
        self.stats.load_full()
    }

    /// The counters' bus.
    pub fn latest(&self) -> &Latest<PluginBridgeStats> {
        &self.stats
    }

    /// The actor (for control commands and its mailbox metrics).
    pub fn addr(&self) -> &Addr<BridgeActor> {
        &self.addr
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_protocol::messages::{
        VarBytes, improved_terse_object_update, object_update_cached, object_update_compressed,
    };

    #[test]
    fn short_blocks_are_counted_not_panicked_on() {
        let terse = ImprovedTerseObjectUpdate {
            region_data: Default::default(),
            object_data: vec![
                improved_terse_object_update::ObjectData {
                    data: VarBytes::owned(vec![7, 0, 0, 0, 1]),
                    texture_entry: VarBytes::empty(),
                },
                improved_terse_object_update::ObjectData {
                    data: VarBytes::owned(vec![1, 2]),
                    texture_entry: VarBytes::empty(),
                },
            ],
        };
        let mut malformed = 0;
        let events = events_of(&terse.into_message(), &mut malformed);
        assert_eq!(
            events,
            vec![PluginEvent::ObjectUpdate {
                local_id: 7,
                form: UpdateForm::Terse
            }]
        );
        assert_eq!(malformed, 1);

        let mut blob = vec![0u8; 16];
        blob.extend_from_slice(&0x0102_0304u32.to_le_bytes());
        let compressed = ObjectUpdateCompressed {
            region_data: Default::default(),
            object_data: vec![
                object_update_compressed::ObjectData {
                    update_flags: 0,
                    data: VarBytes::owned(blob),
                },
                object_update_compressed::ObjectData {
                    update_flags: 0,
                    data: VarBytes::owned(vec![0; 19]),
                },
            ],
        };
        let events = events_of(&compressed.into_message(), &mut malformed);
        assert_eq!(
            events,
            vec![PluginEvent::ObjectUpdate {
                local_id: 0x0102_0304,
                form: UpdateForm::Compressed
            }]
        );
        assert_eq!(malformed, 2);

        let cached = ObjectUpdateCached {
            region_data: Default::default(),
            object_data: vec![object_update_cached::ObjectData {
                id: 9,
                crc: 0,
                update_flags: 0,
            }],
        };
        let events = events_of(&cached.into_message(), &mut malformed);
        assert_eq!(
            events,
            vec![PluginEvent::ObjectUpdate {
                local_id: 9,
                form: UpdateForm::Cached
            }]
        );
    }

    #[test]
    fn chat_lines_become_normal_chat_on_their_channel() {
        let session = SessionInfo {
            agent_id: kestrel_protocol::types::Uuid::from_u128(1),
            session_id: kestrel_protocol::types::Uuid::from_u128(2),
            circuit_code: 3,
            sim: "127.0.0.1:9000".parse().expect("address"),
            seed_capability: None,
            region_handle: 0,
        };
        let chat = OutgoingChat {
            plugin: kestrel_actors::plugin::PluginId(4),
            name: "greeter".into(),
            channel: 7,
            text: "héllo".into(),
        };
        let WireMessage::ChatFromViewer(m) = chat_from_viewer(&session, &chat) else {
            panic!("not a ChatFromViewer");
        };
        assert_eq!(m.agent_data.agent_id, session.agent_id);
        assert_eq!(m.agent_data.session_id, session.session_id);
        assert_eq!(m.chat_data.channel, 7);
        assert_eq!(m.chat_data.r#type, crate::chat::wire::CHAT_NORMAL);
        assert_eq!(m.chat_data.message.text(), Some("héllo"));
    }
}
