//! What the simulator does with each datagram and message a viewer sends:
//! circuit setup (`UseCircuitCode`), the handshake, movement, chat,
//! throttles, object re-requests and logout. Anything malformed is counted
//! and dropped; messages the demo region has no use for are ignored.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use kestrel_protocol::circuit::{Control, Inbound, Reliability};
use kestrel_protocol::messages::{
    AgentThrottle, AgentUpdate, ChatFromViewer, CompleteAgentMovement, LogoutRequest, Message,
    ObjectUpdate, RegionHandshakeReply, RequestMultipleObjects, UseCircuitCode, object_update,
};
use kestrel_protocol::packet::Packet;

use super::avatar::Avatar;
use super::circuit_server::{AgentCircuit, Phase, RegionStream, object_batch};
use super::object_wire::avatar_block;
use super::objects::LocalId;
use super::region_messages::{
    ChatSource, TIME_DILATION_ONE, agent_movement_complete, chat, logout_reply, parcel_properties,
    time_message,
};
use super::state::CircuitCode;
use super::terrain::REGION_SIZE;
use super::udp::{DropReason, UdpServer};

/// Longest chat line relayed, bytes (the viewer's own limit).
pub const MAX_CHAT_BYTES: usize = 1023;

impl UdpServer {
    /// One datagram that made it through the inbound impairment.
    ///
    /// It is decoded before the reliability core sees it: a malformed
    /// datagram is counted and dropped without touching the circuit's
    /// state (its sequence number must not move the duplicate window).
    pub(crate) fn on_datagram(&mut self, addr: SocketAddr, datagram: &[u8], now: Instant) {
        let stats = self.shared.stats.clone();
        if !self.circuits.contains_key(&addr) {
            self.on_stranger(addr, datagram, now);
            return;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let decoded = Packet::decode(datagram, &mut scratch).map(|p| p.message.into_owned());
        self.scratch = scratch;
        let Some(c) = self.circuits.get_mut(&addr) else {
            return;
        };
        let message = match decoded {
            Ok(m) => m,
            Err(e) => {
                c.core.record_malformed();
                stats.malformed_in.inc();
                tracing::debug!(%addr, error = %e, "sim: malformed datagram dropped");
                return;
            }
        };
        match c.core.receive(datagram, now) {
            Err(e) => {
                stats.malformed_in.inc();
                tracing::debug!(%addr, error = %e, "sim: malformed datagram dropped");
            }
            Ok(Inbound::Duplicate(_)) => stats.duplicates_in.inc(),
            Ok(Inbound::Handled(Control::StartPingCheck { .. })) => stats.pings_answered.inc(),
            Ok(Inbound::Handled(_)) => {}
            Ok(Inbound::Deliver(_)) => self.handle(addr, message, now),
        }
    }

    /// A datagram from an address without a circuit: only a valid
    /// `UseCircuitCode` opens one.
    fn on_stranger(&mut self, addr: SocketAddr, datagram: &[u8], now: Instant) {
        let stats = &self.shared.stats;
        let mut scratch = std::mem::take(&mut self.scratch);
        let decoded = Packet::decode(datagram, &mut scratch).map(|p| p.message.into_owned());
        self.scratch = scratch;
        match decoded {
            Err(e) => {
                stats.malformed_in.inc();
                tracing::debug!(%addr, error = %e, "sim: malformed datagram from a stranger");
            }
            Ok(Message::UseCircuitCode(u)) => self.use_circuit_code(addr, &u, datagram, now),
            Ok(other) => {
                stats.stray_in.inc();
                tracing::debug!(%addr, message = other.name(), "sim: message from an address with no circuit");
            }
        }
    }

    /// Opens a circuit for a code issued at login (also after a restart:
    /// the login sessions outlive the region, so a viewer can reconnect
    /// with its old code).
    fn use_circuit_code(
        &mut self,
        addr: SocketAddr,
        u: &UseCircuitCode,
        datagram: &[u8],
        now: Instant,
    ) {
        let code = CircuitCode(u.circuit_code.code);
        let session = self.shared.sessions.lock().by_code(code);
        let Some(session) = session.filter(|s| {
            s.session_id == u.circuit_code.session_id && s.agent_id == u.circuit_code.id
        }) else {
            self.shared.stats.stray_in.inc();
            tracing::info!(%addr, code = code.0, "sim: UseCircuitCode with an unknown code or ids refused");
            return;
        };
        let others: Vec<SocketAddr> = self
            .circuits
            .values()
            .filter(|c| c.agent_id() == session.agent_id)
            .map(|c| c.addr)
            .collect();
        for other in others {
            self.drop_circuit(other, DropReason::Replaced);
        }
        let mut c = AgentCircuit::new(addr, session, now);
        // Through the core, so the UseCircuitCode is remembered, and acked at
        // once in its own PacketAck ahead of everything else, as OpenSimulator
        // does: a viewer that waits for that ack before it listens for
        // RegionHandshake then hears the handshake after the ack.
        let _ = c.core.receive(datagram, now);
        let mut ack = Vec::new();
        if c.core.flush_acks(now, &mut ack) {
            self.out.push((addr, ack));
        }
        c.send_handshake(self.region.info(), now, &self.shared.stats);
        tracing::info!(%addr, agent = %c.session.full_name(), "sim: circuit open");
        self.circuits.insert(addr, c);
        self.shared.stats.circuits_opened.inc();
        self.shared
            .stats
            .live_circuits
            .set(self.circuits.len() as u64);
    }

    /// One decoded message on a live circuit.
    fn handle(&mut self, addr: SocketAddr, message: Message<'static>, now: Instant) {
        match message {
            Message::UseCircuitCode(_) => {} // a repeat; the core acked it
            Message::RegionHandshakeReply(m) => self.on_handshake_reply(addr, &m),
            Message::CompleteAgentMovement(m) => self.on_complete_movement(addr, &m, now),
            Message::AgentUpdate(m) => self.on_agent_update(addr, &m),
            Message::AgentThrottle(m) => self.on_throttle(addr, &m),
            Message::RequestMultipleObjects(m) => self.on_request_objects(addr, &m, now),
            Message::ChatFromViewer(m) => self.on_chat(addr, &m),
            Message::LogoutRequest(m) => self.on_logout(addr, &m, now),
            Message::CloseCircuit(_) => self.drop_circuit(addr, DropReason::Closed),
            other => {
                self.shared.stats.messages_ignored.inc();
                tracing::trace!(%addr, message = other.name(), "sim: message ignored");
            }
        }
    }

    /// True (and the circuit) when `addr`'s circuit belongs to (agent, session).
    fn owned(
        &mut self,
        addr: SocketAddr,
        agent: kestrel_protocol::types::Uuid,
        session: kestrel_protocol::types::Uuid,
    ) -> bool {
        let ok = self
            .circuits
            .get(&addr)
            .is_some_and(|c| c.owns(agent, session));
        if !ok {
            self.shared.stats.stray_in.inc();
        }
        ok
    }

    fn on_handshake_reply(&mut self, addr: SocketAddr, m: &RegionHandshakeReply) {
        if !self.owned(addr, m.agent_data.agent_id, m.agent_data.session_id) {
            return;
        }
        if let Some(c) = self.circuits.get_mut(&addr) {
            c.handshake_replied = true;
        }
        self.maybe_start_stream(addr);
    }

    fn on_complete_movement(&mut self, addr: SocketAddr, m: &CompleteAgentMovement, now: Instant) {
        if !self.owned(addr, m.agent_data.agent_id, m.agent_data.session_id) {
            return;
        }
        let first_arrival = self.circuits.get(&addr).is_some_and(|c| c.avatar.is_none());
        if first_arrival {
            let id = self.allocate_avatar_id();
            let info = self.region.info();
            let avatar = Avatar::new(id, info.spawn, info.spawn_look_at);
            if let Some(c) = self.circuits.get_mut(&addr) {
                c.avatar = Some(avatar);
            }
        }
        let stats = self.shared.stats.clone();
        let info = self.region.info().clone();
        let prims = self.region.prims().len();
        let heights = self.region.heightfield();
        let last = REGION_SIZE - 1;
        let corners = [
            heights.get(0, 0).unwrap_or(0.0),
            heights.get(last, last).unwrap_or(0.0),
        ];
        let age = self.region.age(now).as_secs_f64();
        // The land was claimed when the region started.
        let claimed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() - age);
        let Some(c) = self.circuits.get_mut(&addr) else {
            return;
        };
        let position = c.avatar.as_ref().map_or(info.spawn, |a| a.position);
        c.movement_completed = true;
        if c.phase == Phase::Handshaking {
            c.phase = Phase::InWorld;
        }
        c.enqueue(
            agent_movement_complete(&info, c.session.agent_id, c.session.session_id, position),
            Reliability::Reliable,
            &stats,
        );
        if !first_arrival {
            return;
        }
        // As OpenSim does (ScenePresence.CompleteMovement): the handshake
        // again on arrival, so a viewer hears two per login.
        c.send_handshake(&info, now, &stats);
        c.enqueue(time_message(age), Reliability::Reliable, &stats);
        c.session.events.push(
            "ParcelProperties",
            parcel_properties(&info, prims, claimed, corners),
        );
        let me = c.avatar.as_ref().map(|a| a.local_id);

        // Everyone present to the newcomer; the newcomer to everyone else.
        let views = self.avatar_views();
        let region_data = object_update::RegionData {
            region_handle: info.handle.0,
            time_dilation: TIME_DILATION_ONE,
        };
        let blocks: Vec<_> = views.iter().filter_map(|v| avatar_block(v).ok()).collect();
        let mine: Vec<_> = views
            .iter()
            .filter(|v| Some(v.local_id) == me)
            .filter_map(|v| avatar_block(v).ok())
            .collect();
        if let Some(c) = self.circuits.get_mut(&addr) {
            let n = blocks.len() as u64;
            if c.enqueue(
                ObjectUpdate {
                    region_data: region_data.clone(),
                    object_data: blocks,
                },
                Reliability::Reliable,
                &stats,
            ) {
                stats.object_updates_sent.add(n);
            }
            let greeting = format!("Welcome to {}, {}!", info.name, c.session.first);
            c.enqueue(
                chat(
                    "Village Well",
                    ChatSource::Object,
                    crate::sim::objects::prim_uuid(LocalId(super::layout::FIRST_PRIM_ID)),
                    1,
                    info.spawn,
                    &greeting,
                ),
                Reliability::Reliable,
                &stats,
            );
        }
        for c in self
            .circuits
            .values_mut()
            .filter(|c| c.addr != addr && c.in_world())
        {
            if c.enqueue(
                ObjectUpdate {
                    region_data: region_data.clone(),
                    object_data: mine.clone(),
                },
                Reliability::Reliable,
                &stats,
            ) {
                stats.object_updates_sent.add(mine.len() as u64);
            }
        }
        self.maybe_start_stream(addr);
    }

    fn maybe_start_stream(&mut self, addr: SocketAddr) {
        let terrain = self.terrain.clone();
        let Some(c) = self.circuits.get_mut(&addr) else {
            return;
        };
        if c.handshake_replied && c.movement_completed && c.stream.is_none() && !c.stream_done {
            c.stream = Some(RegionStream::new(&self.region, terrain));
            tracing::debug!(%addr, "sim: sending the region");
        }
    }

    fn on_agent_update(&mut self, addr: SocketAddr, m: &AgentUpdate) {
        let d = &m.agent_data;
        if !self.owned(addr, d.agent_id, d.session_id) {
            return;
        }
        self.rates.agent_updates += 1;
        if let Some(c) = self.circuits.get_mut(&addr)
            && let Some(a) = c.avatar.as_mut()
        {
            c.avatar_dirty |= a.apply_update(d.body_rotation, d.control_flags);
        }
    }

    fn on_throttle(&mut self, addr: SocketAddr, m: &AgentThrottle) {
        if !self.owned(addr, m.agent_data.agent_id, m.agent_data.session_id) {
            return;
        }
        let bytes = m.throttle.throttles.as_bytes();
        let Some(c) = self.circuits.get_mut(&addr) else {
            return;
        };
        if bytes.len() != 28 {
            self.shared.stats.malformed_in.inc();
            tracing::debug!(%addr, len = bytes.len(), "sim: AgentThrottle with a wrong-sized block (want 7 floats)");
            return;
        }
        let mut t = [0f32; 7];
        for (slot, chunk) in t.iter_mut().zip(bytes.chunks_exact(4)) {
            *slot = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        if t.iter().all(|v| v.is_finite() && *v >= 0.0) {
            c.throttle = Some(t);
        } else {
            self.shared.stats.malformed_in.inc();
        }
    }

    fn on_request_objects(&mut self, addr: SocketAddr, m: &RequestMultipleObjects, now: Instant) {
        if !self.owned(addr, m.agent_data.agent_id, m.agent_data.session_id) {
            return;
        }
        let t = self.region.clock(now);
        let views = self.avatar_views();
        let mut prims: VecDeque<LocalId> = VecDeque::new();
        let mut avatars = Vec::new();
        for o in &m.object_data {
            if self.region.prim(LocalId(o.id)).is_some() {
                prims.push_back(LocalId(o.id));
            } else if let Some(v) = views.iter().find(|v| v.local_id == o.id) {
                avatars.extend(avatar_block(v).ok());
            }
        }
        let stats = self.shared.stats.clone();
        let handle = self.region.info().handle.0;
        let mut messages = Vec::new();
        while let Some(msg) = object_batch(&self.region, &mut prims, t, &stats) {
            messages.push(msg);
        }
        let Some(c) = self.circuits.get_mut(&addr) else {
            return;
        };
        for msg in messages {
            c.enqueue(msg, Reliability::Reliable, &stats);
        }
        if !avatars.is_empty() {
            stats.object_updates_sent.add(avatars.len() as u64);
            c.enqueue(
                ObjectUpdate {
                    region_data: object_update::RegionData {
                        region_handle: handle,
                        time_dilation: TIME_DILATION_ONE,
                    },
                    object_data: avatars,
                },
                Reliability::Reliable,
                &stats,
            );
        }
    }

    fn on_chat(&mut self, addr: SocketAddr, m: &ChatFromViewer) {
        if !self.owned(addr, m.agent_data.agent_id, m.agent_data.session_id) {
            return;
        }
        // Channel 0 is public chat; other channels are for scripts, and
        // this region runs none.
        if m.chat_data.channel != 0 {
            self.shared.stats.messages_ignored.inc();
            return;
        }
        let Some(c) = self.circuits.get(&addr) else {
            return;
        };
        let text = m.chat_data.message.text_lossy();
        let text: String = truncate_utf8(&text, MAX_CHAT_BYTES).to_string();
        let name = c.session.full_name();
        let agent = c.agent_id();
        let position = c
            .avatar
            .as_ref()
            .map_or(self.region.info().spawn, |a| a.position);
        let chat_type = m.chat_data.r#type;
        self.shared.stats.chat_echoed.inc();
        self.broadcast_in_world(
            || chat(&name, ChatSource::Agent, agent, chat_type, position, &text).into(),
            Reliability::Reliable,
        );
    }

    fn on_logout(&mut self, addr: SocketAddr, m: &LogoutRequest, now: Instant) {
        if !self.owned(addr, m.agent_data.agent_id, m.agent_data.session_id) {
            return;
        }
        let stats = self.shared.stats.clone();
        let Some(c) = self.circuits.get_mut(&addr) else {
            return;
        };
        if matches!(c.phase, Phase::Closing { .. }) {
            return;
        }
        c.phase = Phase::Closing { since: now };
        c.stream = None;
        c.enqueue(
            logout_reply(c.session.agent_id, c.session.session_id),
            Reliability::Reliable,
            &stats,
        );
        let code = c.session.circuit_code;
        let avatar = c.avatar.as_ref().map(|a| a.local_id);
        self.shared.sessions.lock().remove(code);
        stats.circuits_logged_out.inc();
        if let Some(id) = avatar {
            self.kill_for_others(addr, &[id]);
        }
        tracing::info!(%addr, "sim: logout");
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
fn truncate_utf8(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::truncate_utf8;

    #[test]
    fn chat_is_truncated_on_a_character_boundary() {
        assert_eq!(truncate_utf8("héllo", 2), "h");
        assert_eq!(truncate_utf8("héllo", 3), "hé");
        assert_eq!(truncate_utf8("abc", 10), "abc");
    }
}
