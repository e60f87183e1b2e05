//! State the HTTP and UDP halves share: configuration, addresses, counters,
//! the region's identity, and the table of logged-in sessions (which
//! survives a kill/restart, as a grid's login service outlives a region).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;

use kestrel_protocol::types::Uuid;
use parking_lot::Mutex;

use super::assets::TextureLibrary;
use super::caps::SeedId;
use super::config::SimConfig;
use super::event_queue::EventQueue;
use super::region::RegionInfo;
use super::rng::SplitMix64;
use super::stats::SimStats;

/// Sessions remembered at most; the oldest login is forgotten beyond it.
pub const MAX_SESSIONS: usize = 256;

/// Circuit codes are drawn from `1..MAX_CIRCUIT_CODE` (`i32::MAX`, as
/// OpenSimulator's `Random.Next()`), so they are non-negative XML-RPC ints.
pub const MAX_CIRCUIT_CODE: u32 = i32::MAX as u32;

/// A circuit code issued at login (`UseCircuitCode.Code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CircuitCode(pub u32);

/// One logged-in agent.
#[derive(Debug)]
pub struct Session {
    /// The avatar's id (deterministic from the name).
    pub agent_id: Uuid,
    /// Session id, carried in the agent's packets.
    pub session_id: Uuid,
    /// Secure session id.
    pub secure_session_id: Uuid,
    /// The code the viewer presents in `UseCircuitCode`.
    pub circuit_code: CircuitCode,
    /// Avatar first name.
    pub first: String,
    /// Avatar last name.
    pub last: String,
    /// The seed capability's id.
    pub seed: SeedId,
    /// The agent's event queue.
    pub events: Arc<EventQueue>,
}

impl Session {
    /// "First Last".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

/// Logged-in sessions by circuit code and by seed capability.
#[derive(Debug, Default)]
pub struct Sessions {
    by_code: HashMap<CircuitCode, Arc<Session>>,
    order: VecDeque<CircuitCode>,
}

impl Sessions {
    /// Adds a session; an older session of the same agent is replaced (a
    /// second login supersedes the first). Returns the replaced one.
    pub fn insert(&mut self, session: Arc<Session>) -> Option<Arc<Session>> {
        let old = self
            .by_code
            .values()
            .find(|s| s.agent_id == session.agent_id)
            .cloned();
        if let Some(old) = &old {
            self.remove(old.circuit_code);
        }
        while self.order.len() >= MAX_SESSIONS {
            if let Some(code) = self.order.pop_front()
                && let Some(s) = self.by_code.remove(&code)
            {
                s.events.close();
            }
        }
        self.order.push_back(session.circuit_code);
        self.by_code.insert(session.circuit_code, session);
        old
    }

    /// The session that was issued `code`.
    pub fn by_code(&self, code: CircuitCode) -> Option<Arc<Session>> {
        self.by_code.get(&code).cloned()
    }

    /// The session whose seed capability is `seed`.
    pub fn by_seed(&self, seed: SeedId) -> Option<Arc<Session>> {
        self.by_code.values().find(|s| s.seed == seed).cloned()
    }

    /// Forgets a session (logout, timeout); its event queue closes.
    pub fn remove(&mut self, code: CircuitCode) -> Option<Arc<Session>> {
        let s = self.by_code.remove(&code)?;
        self.order.retain(|&c| c != code);
        s.events.close();
        Some(s)
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    /// True when nobody is logged in.
    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    /// Drops every queued event (the region died; the sessions stay).
    pub fn clear_events(&self) {
        for s in self.by_code.values() {
            s.events.clear();
        }
    }
}

/// Everything both halves of the simulator read.
#[derive(Debug)]
pub struct Shared {
    /// The configuration it started with.
    pub config: SimConfig,
    /// Where the HTTP server listens.
    pub http_addr: SocketAddr,
    /// Where the UDP circuit listens.
    pub udp_addr: SocketAddr,
    /// The region's identity.
    pub region: RegionInfo,
    /// Counters.
    pub stats: Arc<SimStats>,
    /// Logged-in sessions.
    pub sessions: Mutex<Sessions>,
    /// Source of session ids and circuit codes.
    ids: Mutex<SplitMix64>,
    /// `https://` when set: the region's certificate and acceptor.
    pub tls: Option<super::tls::SimTls>,
    /// The textures the region serves (kept across kill/restart, with what
    /// tests inserted and the counters).
    pub textures: Arc<TextureLibrary>,
}

impl Shared {
    /// Shared state for a simulator listening on the given addresses.
    pub fn new(
        config: SimConfig,
        http_addr: SocketAddr,
        udp_addr: SocketAddr,
        region: RegionInfo,
        stats: Arc<SimStats>,
    ) -> Self {
        // Ids need to differ between runs, not to be secret (loopback only).
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Shared {
            http_addr,
            udp_addr,
            region,
            stats,
            sessions: Mutex::new(Sessions::default()),
            ids: Mutex::new(SplitMix64::new(nanos ^ u64::from(udp_addr.port()))),
            tls: None,
            textures: Arc::new(TextureLibrary::new(config.texture_count())),
            config,
        }
    }

    /// The same, serving `https://` with `tls`.
    pub fn with_tls(mut self, tls: Option<super::tls::SimTls>) -> Self {
        self.tls = tls;
        self
    }

    /// A fresh random 128-bit id.
    pub fn random_u128(&self) -> u128 {
        let mut r = self.ids.lock();
        (u128::from(r.next_u64()) << 64) | u128::from(r.next_u64())
    }

    /// A fresh circuit code not used by any live session (never 0).
    ///
    /// OpenSimulator's login service draws the code from .NET's
    /// `Random.Next()`, i.e. `0..i32::MAX`, and the login response carries
    /// it as a signed XML-RPC `int`; so the code is kept below
    /// [`MAX_CIRCUIT_CODE`] and always reads back as a non-negative `i32`.
    pub fn new_circuit_code(&self) -> CircuitCode {
        loop {
            let draw = self.ids.lock().next_u64() % u64::from(MAX_CIRCUIT_CODE);
            let code = CircuitCode(draw as u32);
            if code.0 != 0 && self.sessions.lock().by_code(code).is_none() {
                return code;
            }
        }
    }

    /// The base URL of the HTTP server (`http://127.0.0.1:PORT`, or
    /// `https://` when it serves TLS).
    pub fn base_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.http_addr)
    }
}
