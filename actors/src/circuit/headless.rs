//! The headless run behind `kestrel --headless`: log in, stay for a while
//! counting objects and terrain patches, log out, and report.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::census::{CensusCounts, GetCensus, RegionCensus, census_message_ids};
use super::login::LoginParams;
use super::messages::{Connect, Logout};
use super::settings::CircuitSettings;
use super::stats::{CircuitState, CircuitStats};
use super::subscriptions::Subscribe;
use super::{CircuitHandle, spawn_circuit};
use crate::config::ActorsConfig;
use crate::mailbox::Addr;
use crate::runtime::{ActorRuntime, RuntimeError, SpawnError, SpawnOptions};

/// What a headless run does.
#[derive(Debug, Clone)]
pub struct HeadlessOptions {
    /// Who logs in where.
    pub login: LoginParams,
    /// How long to stay once connected.
    pub duration: Duration,
    /// Longest wait for login and handshake before giving up.
    pub connect_deadline: Duration,
    /// The circuit's settings.
    pub settings: CircuitSettings,
    /// The actor runtime's configuration.
    pub actors: ActorsConfig,
}

impl HeadlessOptions {
    /// Default settings for `login`, staying `duration`.
    pub fn new(login: LoginParams, duration: Duration) -> Self {
        HeadlessOptions {
            login,
            duration,
            connect_deadline: Duration::from_secs(60),
            settings: CircuitSettings::default(),
            actors: ActorsConfig::builtin(),
        }
    }
}

/// The result of a headless run (printed as one JSON line by the CLI).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadlessReport {
    /// The region handshake completed.
    pub handshake: bool,
    /// The region's name.
    pub region: Option<String>,
    /// Objects present at the end (distinct local ids, minus killed).
    pub objects: usize,
    /// Of which avatars.
    pub avatars: usize,
    /// Distinct terrain patches received.
    pub terrain_patches: usize,
    /// Smoothed round-trip time, ms.
    pub rtt_ms: Option<f64>,
    /// Datagrams received.
    pub packets_in: u64,
    /// Datagrams sent.
    pub packets_out: u64,
    /// Reliable packets resent.
    pub resent: u64,
    /// Duplicates dropped.
    pub duplicates_dropped: u64,
    /// Reliable packets lost after the retry limit.
    pub reliable_lost: u64,
    /// Malformed datagrams dropped.
    pub malformed: u64,
    /// Packets of messages the template does not know (acked, dropped).
    pub unknown_messages: u64,
    /// The logout was answered (false: it timed out).
    pub logged_out: bool,
    /// Seconds spent connected.
    pub connected_secs: f64,
    /// The census of what arrived.
    pub census: CensusCounts,
}

impl HeadlessReport {
    /// The report from the circuit's stats and the census at the end of a run.
    pub fn new(
        stats: &CircuitStats,
        census: CensusCounts,
        logged_out: bool,
        connected_secs: f64,
    ) -> Self {
        HeadlessReport {
            handshake: stats.handshake,
            region: stats.region_name.clone(),
            objects: census.objects(),
            avatars: census.avatars.len(),
            terrain_patches: census.terrain_patches(),
            rtt_ms: stats.rtt_ms,
            packets_in: stats.packets_in,
            packets_out: stats.packets_out,
            resent: stats.resent,
            duplicates_dropped: stats.duplicates_dropped,
            reliable_lost: stats.reliable_lost,
            malformed: stats.malformed,
            unknown_messages: stats.unknown_messages,
            logged_out,
            connected_secs,
            census,
        }
    }
}

/// Why the headless run could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum HeadlessError {
    /// The actor runtime did not start.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// An actor could not be spawned.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    /// The login failed (refused, unreachable, bad reply).
    #[error("login failed: {0}")]
    Login(String),
    /// Login and handshake did not finish in time.
    #[error("not connected after {after:?} (state {state:?}{})", last_error.as_ref().map(|e| format!(": {e}")).unwrap_or_default())]
    ConnectTimeout {
        /// The deadline.
        after: Duration,
        /// The state reached.
        state: CircuitState,
        /// The last error the circuit saw.
        last_error: Option<String>,
    },
    /// An actor did not answer.
    #[error("the {actor} actor did not answer: {reason}")]
    Actor {
        /// Which.
        actor: &'static str,
        /// Why.
        reason: String,
    },
}

/// A circuit plus a census subscribed to it, on a runtime of their own.
pub struct HeadlessSession {
    /// The runtime (dropped last).
    pub runtime: ActorRuntime,
    /// The circuit.
    pub circuit: CircuitHandle,
    /// The census.
    pub census: Addr<RegionCensus>,
}

impl HeadlessSession {
    /// Starts the runtime, the circuit (named `circuit`) and the census.
    pub fn start(settings: CircuitSettings, actors: ActorsConfig) -> Result<Self, HeadlessError> {
        let runtime = ActorRuntime::start(actors)?;
        let circuit = spawn_circuit(&runtime, "circuit", settings, SpawnOptions::new())?;
        let census = runtime.spawn::<RegionCensus>("census", CensusCounts::default())?;
        circuit
            .addr
            .ask_blocking(Subscribe::any(census_message_ids(), census.recipient()))
            .map_err(|e| actor_error("circuit", e))?
            .map_err(|e| actor_error("circuit", e))?;
        Ok(HeadlessSession {
            runtime,
            circuit,
            census,
        })
    }

    /// Logs in and waits (up to `deadline`) for the handshake.
    pub fn connect(&self, login: LoginParams, deadline: Duration) -> Result<(), HeadlessError> {
        self.circuit
            .addr
            .ask_blocking(Connect(login))
            .map_err(|e| actor_error("circuit", e))?
            .map_err(|e| actor_error("circuit", e))?;
        let s = self.wait_for(deadline, |s| {
            matches!(s.state, CircuitState::Connected | CircuitState::Failed)
        });
        match s.state {
            CircuitState::Connected => Ok(()),
            CircuitState::Failed => Err(HeadlessError::Login(
                s.last_error.unwrap_or_else(|| "unknown error".into()),
            )),
            state => Err(HeadlessError::ConnectTimeout {
                after: deadline,
                state,
                last_error: s.last_error,
            }),
        }
    }

    /// Logs out and waits for the answer (or the circuit's logout timeout).
    /// Returns true when the region answered.
    pub fn logout(&self) -> Result<bool, HeadlessError> {
        let state = self
            .circuit
            .addr
            .ask_blocking(Logout)
            .map_err(|e| actor_error("circuit", e))?;
        if state != CircuitState::LoggingOut {
            // Nothing to wait for: no circuit was up (or it already ended).
            return Ok(false);
        }
        // The circuit ends the logout itself after its logout timeout.
        let s = self.wait_for(Duration::from_secs(300), |s| {
            s.state == CircuitState::LoggedOut
        });
        Ok(s.state == CircuitState::LoggedOut && s.logout_answered)
    }

    /// Polls the stats until `done` or `deadline`; returns the last stats.
    pub fn wait_for(
        &self,
        deadline: Duration,
        done: impl Fn(&CircuitStats) -> bool,
    ) -> CircuitStats {
        let end = Instant::now() + deadline;
        loop {
            let s = (*self.circuit.stats.load_full()).clone();
            if done(&s) || Instant::now() >= end {
                return s;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The census counts now.
    pub fn census(&self) -> Result<CensusCounts, HeadlessError> {
        self.census
            .ask_blocking(GetCensus)
            .map_err(|e| actor_error("census", e))
    }
}

fn actor_error(actor: &'static str, e: impl std::fmt::Display) -> HeadlessError {
    HeadlessError::Actor {
        actor,
        reason: e.to_string(),
    }
}

/// Runs a whole headless session (blocking; call it from a plain thread):
/// log in, stay `duration` once connected, log out, report.
pub fn run_headless(options: HeadlessOptions) -> Result<HeadlessReport, HeadlessError> {
    let session = HeadlessSession::start(options.settings.clone(), options.actors.clone())?;
    session.connect(options.login.clone(), options.connect_deadline)?;
    let connected_at = Instant::now();
    std::thread::sleep(options.duration);
    let connected_secs = connected_at.elapsed().as_secs_f64();
    let census = session.census()?;
    let logged_out = session.logout()?;
    let stats = (*session.circuit.stats.load_full()).clone();
    let report = HeadlessReport::new(&stats, census, logged_out, connected_secs);
    session.runtime.shutdown();
    Ok(report)
}
