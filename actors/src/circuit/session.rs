//! The session steps of the circuit actor: login, opening a circuit and the
//! region handshake, `AgentUpdate`/`AgentThrottle`, logout, and timeout →
//! reconnect.
//!
//! ```text
//! Connect ─► LoggingIn ─(login_to_simulator)─► Connecting
//!   UseCircuitCode (R), CompleteAgentMovement (R), AgentThrottle (R) ─►
//!   ◄─ RegionHandshake (R)        ─► RegionHandshakeReply (R)
//!   ◄─ AgentMovementComplete (R)  ─► Connected (AgentUpdate at 10 Hz)
//! no datagram for circuit_timeout ─► TimedOut ─► Reconnecting
//!   (after backoff: log in again, or re-send UseCircuitCode for an attached session)
//! Logout ─► LogoutRequest (R) ─► LoggingOut ─(LogoutReply or logout_timeout)─► LoggedOut
//! ```

use std::time::Instant;

use kestrel_protocol::circuit::{Circuit, Reliability};
use kestrel_protocol::messages::{
    AgentMovementComplete, AgentThrottle, AgentUpdate, CompleteAgentMovement, LogoutRequest,
    Message as WireMessage, RegionHandshake, RegionHandshakeReply, UseCircuitCode, VarBytes,
    agent_throttle, agent_update, complete_agent_movement, logout_request, region_handshake_reply,
    use_circuit_code,
};

use super::actor::{CircuitActor, CircuitDurable, EventQueueState, Handshake, open_link};
use super::login::{LoginFailure, login};
use super::messages::{ConnectError, SessionInfo};
use super::stats::{CircuitEvent, CircuitState};
use super::throttle::throttle_bytes;
use crate::actor::Ctx;

use super::login::LoginParams;

impl CircuitActor {
    /// `Connect`: log in, then open the circuit.
    pub(crate) fn connect(
        &mut self,
        params: LoginParams,
        d: &mut CircuitDurable,
        ctx: &mut Ctx<'_, Self>,
    ) -> Result<(), ConnectError> {
        self.check_idle(d)?;
        d.params = Some(params);
        d.last_error = None;
        d.extra.logout_answered = false;
        d.reconnect_attempt = 0;
        d.reconnecting = false;
        self.set_state(d, CircuitState::LoggingIn, ctx);
        self.begin_login(d, ctx);
        Ok(())
    }

    /// `Attach`: open the circuit of a session logged in elsewhere.
    pub(crate) fn attach(
        &mut self,
        session: SessionInfo,
        d: &mut CircuitDurable,
        ctx: &mut Ctx<'_, Self>,
    ) -> Result<(), ConnectError> {
        self.check_idle(d)?;
        d.params = None;
        d.last_error = None;
        d.reconnect_attempt = 0;
        d.reconnecting = false;
        self.open_circuit(session, d, ctx)
    }

    fn check_idle(&self, d: &CircuitDurable) -> Result<(), ConnectError> {
        match d.state {
            CircuitState::Idle | CircuitState::LoggedOut | CircuitState::Failed => Ok(()),
            s => Err(ConnectError::Busy(s)),
        }
    }

    /// Starts (or restarts, after a crash) the XML-RPC login.
    pub(crate) fn begin_login(&mut self, d: &mut CircuitDurable, ctx: &mut Ctx<'_, Self>) {
        let Some(params) = d.params.clone() else {
            d.login_pending = false;
            return;
        };
        d.login_pending = true;
        let epoch = d.epoch;
        let http = self.http.clone();
        let viewer = d.settings.viewer.clone();
        let timeouts = d.settings.http;
        ctx.spawn(
            async move { login(&http, &params, &viewer, timeouts).await },
            move |result, a: &mut Self, d, ctx| a.on_login(epoch, result, d, ctx),
        );
    }

    fn on_login(
        &mut self,
        epoch: u64,
        result: Result<kestrel_protocol::login::LoginSuccess, LoginFailure>,
        d: &mut CircuitDurable,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if epoch != d.epoch || !d.login_pending {
            return;
        }
        d.login_pending = false;
        match result {
            Ok(success) => {
                tracing::info!(
                    agent = %success.agent_id,
                    sim = %format!("{}:{}", success.sim_ip, success.sim_port),
                    "logged in"
                );
                if let Err(e) = self.open_circuit(SessionInfo::from(&success), d, ctx) {
                    d.last_error = Some(e.to_string());
                    self.set_state(d, CircuitState::Failed, ctx);
                }
            }
            Err(e) => {
                let text = e.to_string();
                // Not a warning: the caller shows the error to the user once.
                tracing::info!(error = %text, "login failed");
                d.last_error = Some(text.clone());
                if d.reconnecting && !matches!(e, LoginFailure::Refused { .. }) {
                    // The grid is not back yet: try again later.
                    self.schedule_reconnect(d, ctx);
                } else {
                    d.reconnecting = false;
                    self.emit(d, CircuitEvent::LoginFailed(text), ctx);
                    self.set_state(d, CircuitState::Failed, ctx);
                }
            }
        }
    }

    /// Opens a fresh circuit to `session.sim` (keeping the socket) and
    /// starts the handshake.
    pub(crate) fn open_circuit(
        &mut self,
        session: SessionInfo,
        d: &mut CircuitDurable,
        ctx: &mut Ctx<'_, Self>,
    ) -> Result<(), ConnectError> {
        match &mut d.link {
            Some(link) => link.peer = session.sim,
            None => d.link = Some(open_link(session.sim, ctx, d.reader_refused.clone())?),
        }
        // Counters carry over; unacked packets of a dead circuit cannot be
        // delivered on a new one and are counted as lost.
        let old = std::mem::replace(&mut d.circuit, Circuit::new(d.settings.core.clone()));
        let mut finished = old.counters();
        finished.reliable_lost += old.in_flight() as u64;
        d.totals = d.totals + finished;
        d.epoch += 1;
        d.handshake = Handshake::default();
        d.region_name = None;
        d.region_handle = Some(session.region_handle);
        d.opened_at = Instant::now();
        d.caps = None;
        d.seed_failures = 0;
        d.eq = EventQueueState::default();
        d.logout_deadline = None;
        d.session = Some(session.clone());
        self.set_state(d, CircuitState::Connecting, ctx);

        let code = use_circuit_code::CircuitCode {
            code: session.circuit_code,
            session_id: session.session_id,
            id: session.agent_id,
        };
        let movement = complete_agent_movement::AgentData {
            agent_id: session.agent_id,
            session_id: session.session_id,
            circuit_code: session.circuit_code,
        };
        for m in [
            WireMessage::from(UseCircuitCode { circuit_code: code }),
            WireMessage::from(CompleteAgentMovement {
                agent_data: movement,
            }),
        ] {
            if let Err(e) = self.send_wire(d, m, Reliability::Reliable) {
                tracing::warn!(error = %e, "handshake message not sent");
            }
        }
        self.send_throttle(d);
        self.fetch_seed(d, ctx, std::time::Duration::ZERO);
        Ok(())
    }

    /// Sends `AgentThrottle` with the current bandwidth budget.
    pub(crate) fn send_throttle(&mut self, d: &mut CircuitDurable) {
        let Some(s) = d.session.clone() else { return };
        d.throttle_gen = d.throttle_gen.wrapping_add(1);
        let m = AgentThrottle {
            agent_data: agent_throttle::AgentData {
                agent_id: s.agent_id,
                session_id: s.session_id,
                circuit_code: s.circuit_code,
            },
            throttle: agent_throttle::Throttle {
                gen_counter: d.throttle_gen,
                throttles: VarBytes::owned(throttle_bytes(d.bandwidth_kbps).to_vec()),
            },
        };
        if let Err(e) = self.send_wire(d, m.into(), Reliability::Reliable) {
            tracing::warn!(error = %e, "AgentThrottle not sent");
        }
    }

    pub(crate) fn on_region_handshake(
        &mut self,
        m: &RegionHandshake<'_>,
        d: &mut CircuitDurable,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let Some(s) = d.session.clone() else { return };
        d.region_name = Some(m.region_info.sim_name.text_lossy().into_owned());
        let reply = RegionHandshakeReply {
            agent_data: region_handshake_reply::AgentData {
                agent_id: s.agent_id,
                session_id: s.session_id,
            },
            region_info: region_handshake_reply::RegionInfo { flags: 0 },
        };
        if let Err(e) = self.send_wire(d, reply.into(), Reliability::Reliable) {
            tracing::warn!(error = %e, "RegionHandshakeReply not sent");
        }
        d.handshake.region_handshake = true;
        self.check_handshake(d, ctx);
    }

    pub(crate) fn on_movement_complete(
        &mut self,
        m: &AgentMovementComplete<'_>,
        d: &mut CircuitDurable,
        ctx: &mut Ctx<'_, Self>,
    ) {
        d.region_handle = Some(m.data.region_handle);
        d.handshake.movement_complete = true;
        self.check_handshake(d, ctx);
    }

    fn check_handshake(&mut self, d: &mut CircuitDurable, ctx: &mut Ctx<'_, Self>) {
        if !d.handshake.done() || d.state != CircuitState::Connecting {
            return;
        }
        if d.reconnecting {
            d.reconnecting = false;
            d.reconnect_attempt = 0;
            d.extra.reconnects += 1;
            d.last_error = None;
            self.emit(d, CircuitEvent::Reconnected, ctx);
        }
        self.set_state(d, CircuitState::Connected, ctx);
    }

    /// Sends one `AgentUpdate` (timer, 10 Hz) once connected.
    pub(crate) fn agent_update(&mut self, d: &mut CircuitDurable) {
        if d.state != CircuitState::Connected {
            return;
        }
        let Some(s) = d.session.clone() else { return };
        let c = d.control;
        let m = AgentUpdate {
            agent_data: agent_update::AgentData {
                agent_id: s.agent_id,
                session_id: s.session_id,
                body_rotation: c.body_rotation,
                head_rotation: c.head_rotation,
                state: 0,
                camera_center: c.camera.center,
                camera_at_axis: c.camera.at,
                camera_left_axis: c.camera.left,
                camera_up_axis: c.camera.up,
                far: c.camera.far,
                control_flags: c.flags.0,
                flags: 0,
            },
        };
        let _ = self.send_wire(d, m.into(), Reliability::Unreliable);
    }

    /// `Logout`: ask the region, or just stop when no circuit is up.
    pub(crate) fn logout(&mut self, d: &mut CircuitDurable, ctx: &mut Ctx<'_, Self>) {
        match d.state {
            CircuitState::Connecting | CircuitState::Connected => {
                let Some(s) = d.session.clone() else { return };
                let m = LogoutRequest {
                    agent_data: logout_request::AgentData {
                        agent_id: s.agent_id,
                        session_id: s.session_id,
                    },
                };
                if let Err(e) = self.send_wire(d, m.into(), Reliability::Reliable) {
                    tracing::warn!(error = %e, "LogoutRequest not sent");
                }
                d.logout_deadline = Some(Instant::now() + d.settings.logout_timeout);
                self.close_event_queue(d, ctx);
                self.set_state(d, CircuitState::LoggingOut, ctx);
            }
            CircuitState::LoggingIn | CircuitState::Reconnecting | CircuitState::TimedOut => {
                self.finish_logout(d, false, ctx);
            }
            _ => {}
        }
    }

    /// The session is over: close the socket, forget pending work.
    pub(crate) fn finish_logout(
        &mut self,
        d: &mut CircuitDurable,
        timed_out: bool,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if d.state == CircuitState::LoggedOut {
            return;
        }
        // Send owed acks (the LogoutReply's) before the socket closes.
        if d.circuit.flush_acks(Instant::now(), &mut self.out) {
            self.transmit(d);
        }
        d.epoch += 1;
        d.login_pending = false;
        d.reconnecting = false;
        d.reconnect_at = None;
        d.logout_deadline = None;
        d.link = None;
        d.extra.logout_answered = !timed_out;
        if timed_out {
            d.last_error = Some("the region did not answer the logout in time".into());
        }
        self.emit(d, CircuitEvent::LoggedOut { timed_out }, ctx);
        self.set_state(d, CircuitState::LoggedOut, ctx);
    }

    /// No datagram for the circuit timeout.
    pub(crate) fn on_timeout(&mut self, d: &mut CircuitDurable, ctx: &mut Ctx<'_, Self>) {
        if d.state == CircuitState::LoggingOut {
            self.finish_logout(d, true, ctx);
            return;
        }
        let secs = d.settings.circuit_timeout.as_secs_f32();
        tracing::warn!(secs, "circuit timed out");
        d.last_error = Some(format!("no packet from the region for {secs:.1} s"));
        d.epoch += 1;
        d.reconnecting = true;
        self.emit(d, CircuitEvent::TimedOut, ctx);
        self.set_state(d, CircuitState::TimedOut, ctx);
        self.schedule_reconnect(d, ctx);
    }

    /// Plans the next reconnection attempt, or gives up past the limit.
    pub(crate) fn schedule_reconnect(&mut self, d: &mut CircuitDurable, ctx: &mut Ctx<'_, Self>) {
        if d.settings
            .reconnect_attempts
            .is_some_and(|max| d.reconnect_attempt >= max)
        {
            d.reconnecting = false;
            d.link = None;
            self.set_state(d, CircuitState::Failed, ctx);
            return;
        }
        let delay = d.settings.reconnect_backoff.delay(d.reconnect_attempt);
        d.reconnect_at = Some(Instant::now() + delay);
        self.set_state(d, CircuitState::Reconnecting, ctx);
    }

    /// One reconnection attempt: a new login, or (attached session) a new
    /// `UseCircuitCode` on a fresh circuit.
    pub(crate) fn reconnect(&mut self, d: &mut CircuitDurable, ctx: &mut Ctx<'_, Self>) {
        d.reconnect_attempt += 1;
        tracing::info!(attempt = d.reconnect_attempt, "reconnecting");
        if d.params.is_some() {
            self.begin_login(d, ctx);
        } else if let Some(session) = d.session.clone()
            && let Err(e) = self.open_circuit(session, d, ctx)
        {
            d.last_error = Some(e.to_string());
            self.schedule_reconnect(d, ctx);
        }
    }
}
