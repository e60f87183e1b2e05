//! The [`SettingsRelay`]: subscribed to the governor, it turns each new
//! [`ActiveSettings`] into the messages the other actors understand — the
//! mesh LOD bias for the SceneActor, the bandwidth budget for the circuit and
//! the decoded-texture budget for the AssetActor
//! (sent on to the region as `AgentThrottle`). The renderer needs no relay:
//! it reads [`GovernorHandle::settings`](super::GovernorHandle::settings) each frame.
//!
//! A relay keeps the governor free of the other actors' types (the circuit
//! lives in `kestrel-actors`, which knows nothing of performance profiles)
//! and gives each of them only the part of the settings it acts on.

use kestrel_actors::circuit::{CircuitActor, SetBandwidth};
use kestrel_actors::{Addr, Ctx, Durable, Handles, RuntimeHandle, SupervisedActor};

use super::actor::{ActiveSettings, GovernorHandle, Subscribe};
use crate::assets::{AssetActor, SetTextureBudget};
use crate::scene::{SceneActor, SetLodBias};

/// The name the relay is spawned under.
pub const SETTINGS_RELAY_ACTOR: &str = "settings-relay";

/// Where the relay sends the settings, and what it last sent.
pub struct RelayTargets {
    scene: Option<Addr<SceneActor>>,
    circuit: Option<Addr<CircuitActor>>,
    assets: Option<Addr<AssetActor>>,
}

/// The relay actor (its targets are durable).
pub struct SettingsRelay;

impl SupervisedActor for SettingsRelay {
    type Durable = RelayTargets;

    fn start(_: &mut Durable<RelayTargets>, _: &mut Ctx<'_, Self>) -> Self {
        SettingsRelay
    }
}

impl Handles<ActiveSettings> for SettingsRelay {
    fn handle(
        &mut self,
        msg: &ActiveSettings,
        d: &mut Durable<RelayTargets>,
        _: &mut Ctx<'_, Self>,
    ) {
        let s = &msg.settings;
        // A full mailbox refuses (and counts) the message; the next change
        // carries the whole settings again, so nothing stays half-applied.
        let scene = d
            .scene
            .as_ref()
            .map(|a| a.try_send(SetLodBias(s.mesh_lod_bias)).is_ok());
        let circuit = d.circuit.as_ref().map(|a| {
            a.try_send(SetBandwidth {
                kbps: s.bandwidth_kbps,
            })
            .is_ok()
        });
        let assets = d
            .assets
            .as_ref()
            .map(|a| a.try_send(SetTextureBudget(s.texture_cache_mb)).is_ok());
        tracing::info!(
            profile = %msg.profile,
            generation = msg.generation,
            ?scene,
            ?circuit,
            ?assets,
            "performance settings relayed"
        );
    }
}

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The actor did not spawn.
    #[error("settings relay: {0}")]
    Spawn(#[from] kestrel_actors::SpawnError),
    /// The governor did not take the subscription.
    #[error("settings relay: the governor refused the subscription: {0}")]
    Subscribe(String),
}

/// Spawns the relay on `runtime` and subscribes it to `governor` (it gets
/// the settings in force at once, then every change).
pub fn spawn_relay(
    runtime: &RuntimeHandle,
    governor: &GovernorHandle,
    scene: Option<Addr<SceneActor>>,
    circuit: Option<Addr<CircuitActor>>,
    assets: Option<Addr<AssetActor>>,
) -> Result<Addr<SettingsRelay>, RelayError> {
    let targets = RelayTargets {
        scene,
        circuit,
        assets,
    };
    let addr = runtime.spawn::<SettingsRelay>(SETTINGS_RELAY_ACTOR, targets)?;
    governor
        .addr
        .ask_blocking(Subscribe(addr.recipient()))
        .map_err(|e| RelayError::Subscribe(format!("{e:?}")))?
        .map_err(|e| RelayError::Subscribe(e.to_string()))?;
    Ok(addr)
}
