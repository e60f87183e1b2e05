//! The simulator's counters: lock-free, bumped by the HTTP and UDP tasks,
//! read whole by [`SimStats::snapshot`]. Tests assert these exactly (a test
//! client counts what it received; the simulator counts what it sent).

use std::sync::atomic::{AtomicU64, Ordering};

use super::impairment::ImpairmentStats;

/// One monotonically increasing counter (or a gauge, via [`Counter::set`]).
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    /// Replaces the value (gauges).
    pub fn set(&self, v: u64) {
        self.0.store(v, Ordering::Relaxed);
    }
    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

macro_rules! sim_stats {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Live counters of one simulator (they survive kill/restart).
        #[derive(Debug, Default)]
        pub struct SimStats {
            $($(#[$doc])* pub $name: Counter,)*
            impairment: parking_lot::Mutex<(ImpairmentStats, ImpairmentStats)>,
        }

        /// A copy of every counter at one moment.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct SimStatsSnapshot {
            $($(#[$doc])* pub $name: u64,)*
            /// Impairment applied to datagrams arriving at the simulator.
            pub impairment_in: ImpairmentStats,
            /// Impairment applied to datagrams the simulator sends.
            pub impairment_out: ImpairmentStats,
        }

        impl SimStats {
            /// Reads every counter.
            pub fn snapshot(&self) -> SimStatsSnapshot {
                let (impairment_in, impairment_out) = *self.impairment.lock();
                SimStatsSnapshot {
                    $($name: self.$name.get(),)*
                    impairment_in,
                    impairment_out,
                }
            }
        }
    };
}

sim_stats! {
    /// HTTP requests received (any route).
    http_requests,
    /// HTTP requests answered with a 4xx.
    http_rejected,
    /// Successful logins.
    logins_accepted,
    /// Logins refused (wrong password, malformed request).
    logins_refused,
    /// Event-queue polls answered with events.
    eq_batches,
    /// Events delivered over the event queue (re-sent batches count again).
    eq_events_sent,
    /// Event-queue polls that timed out (answered 502).
    eq_timeouts,
    /// Datagrams read from the socket (before inbound impairment).
    datagrams_in,
    /// Datagrams written to the socket (after outbound impairment).
    datagrams_out,
    /// Inbound datagrams that did not decode; counted and dropped.
    malformed_in,
    /// Inbound datagrams from an address with no circuit that were not a
    /// valid UseCircuitCode; dropped.
    stray_in,
    /// Inbound reliable packets seen before (duplicates suppressed).
    duplicates_in,
    /// Well-formed messages the region has no use for (ignored).
    messages_ignored,
    /// Circuits opened by UseCircuitCode.
    circuits_opened,
    /// Circuits closed by LogoutRequest.
    circuits_logged_out,
    /// Circuits dropped because the viewer went silent.
    circuits_timed_out,
    /// `RegionHandshake` messages sent: one when a circuit opens, plus one
    /// per repeat while its `RegionHandshakeReply` is missing.
    region_handshakes_sent,
    /// Reliable packets re-sent (with the resent flag).
    resends,
    /// Reliable packets abandoned after the retry limit.
    reliable_abandoned,
    /// Terrain patches sent in LayerData (first sends only, per circuit).
    terrain_patches_sent,
    /// Object blocks sent in `ObjectUpdate` / `ObjectUpdateCompressed`:
    /// one per prim or avatar per circuit, re-requests included.
    object_updates_sent,
    /// Object blocks in ImprovedTerseObjectUpdate messages.
    terse_updates_sent,
    /// Objects killed (one per prim per circuit).
    kills_sent,
    /// ChatFromViewer messages echoed back.
    chat_echoed,
    /// StartPingCheck messages answered.
    pings_answered,
    /// Messages not sent because a circuit's queue or window was full.
    send_queue_overflow,
    /// Messages too large for one packet (a bug if ever non-zero).
    oversized_dropped,
    /// Garbage datagrams sent by `flood_malformed`.
    malformed_sent,
    /// Prims in the region now (a gauge).
    region_prims,
    /// Circuits live now (a gauge).
    live_circuits,
    /// Times the region was killed.
    kills,
    /// Times the region was restarted.
    restarts,
    /// Requests to the texture capabilities (`GetTexture`, `ViewerAsset`)
    /// of a live session, any answer.
    texture_requests,
    /// Texture answers `200` (the whole asset).
    texture_whole,
    /// Texture answers `206` (a range).
    texture_partial,
    /// Texture answers `404` (unknown id, no asset type in the query, empty asset).
    texture_not_found,
    /// Texture answers `416` (range start at or past the end).
    texture_not_satisfiable,
    /// Texture answers `503` (a flaky asset failing).
    texture_unavailable,
    /// Texture answers `400` (no query, an empty or malformed id).
    texture_bad_requests,
    /// Texture answers `500` (a texture that could not be encoded).
    texture_failed,
    /// Body bytes of the `200` and `206` texture answers.
    texture_bytes,
}

impl SimStats {
    /// Publishes the two directions' impairment counters.
    pub fn set_impairment(&self, inbound: ImpairmentStats, outbound: ImpairmentStats) {
        *self.impairment.lock() = (inbound, outbound);
    }
}
