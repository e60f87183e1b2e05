//! A viewer session: the actor runtime with the circuit and the scene, the
//! embedded region when it is the target, and the login.

use std::time::{Duration, Instant};

use kestrel_actors::ActorsConfig;
use kestrel_actors::circuit::{
    AgentControl, CircuitSettings, HeadlessError, HeadlessSession, LoginParams, TlsTrust,
};
use kestrel_protocol::login::StartLocation;

use kestrel_actors::plugin::PluginControl;

use super::plugin_bridge::{PluginBridge, PluginBridgeError};
use crate::assets::{AssetHandle, AssetSettings, AttachRegion, DemandSender, spawn_assets};
use crate::chat::{ChatHandle, ChatSession, spawn_chat};
use crate::config::PerformanceProfile;
use crate::governor::relay::{RelayError, spawn_relay};
use crate::governor::{GovernorHandle, GovernorSpawn, Thresholds};
use crate::scene::{AttachAssets, AttachCircuit, SceneHandle, SceneSpawnError, spawn_scene};
use crate::sim::{SimConfig, SimError, SimHandle, Simulator};

/// Deltas the scene may queue for the render thread before it coalesces.
const SCENE_DELTA_CAPACITY: usize = 4096;

/// Where to log in.
#[derive(Debug, Clone)]
pub enum LoginTarget {
    /// Start the embedded region on loopback and log in to it.
    Embedded(SimConfig),
    /// A grid.
    Grid(LoginParams),
}

/// Why a session could not start or connect.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The embedded region did not start.
    #[error("embedded region: {0}")]
    Sim(#[from] SimError),
    /// The tokio runtime for the embedded region did not start.
    #[error("embedded region runtime: {0}")]
    Tokio(std::io::Error),
    /// Login, handshake or the actors failed.
    #[error(transparent)]
    Circuit(#[from] HeadlessError),
    /// The scene actor did not start.
    #[error(transparent)]
    Scene(#[from] SceneSpawnError),
    /// The ScalingGovernor did not start.
    #[error("governor: {0}")]
    Governor(#[from] kestrel_actors::SpawnError),
    /// The AssetActor did not start.
    #[error("asset actor: {0}")]
    Assets(kestrel_actors::SpawnError),
    /// The governor's settings relay did not start.
    #[error(transparent)]
    Relay(#[from] RelayError),
    /// The chat actor did not start.
    #[error(transparent)]
    Chat(#[from] crate::chat::actor::ChatSpawnError),
    /// The bridge between the session and the plugins did not start.
    #[error(transparent)]
    PluginBridge(#[from] PluginBridgeError),
    /// The frame-time trace could not be written.
    #[error("--record-trace: {0}")]
    Trace(#[from] crate::governor::TraceError),
    /// Rendering failed.
    #[error("renderer: {0}")]
    Render(#[from] crate::render::RenderError),
    /// Writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// How a session starts, beyond where it logs in.
#[derive(Clone)]
pub struct SessionOptions {
    /// The ScalingGovernor: its thresholds, the profile it starts on, and
    /// where the user's choices are saved.
    pub governor: GovernorSpawn,
    /// The plugins the session's events go to (through a [`PluginBridge`]
    /// spawned before login, so nothing of the handshake is missed) and
    /// whose chat it sends.
    pub plugins: Option<PluginControl>,
    /// Certificates `https://` logins and capabilities trust beyond the
    /// built-in roots (`--ca-cert`); the embedded region's own is added
    /// when the session starts one with TLS.
    pub tls: TlsTrust,
    /// How textures are fetched and cached (the decoded-texture budget
    /// follows the governor's `texture_cache_mb`).
    pub assets: AssetSettings,
}

impl Default for SessionOptions {
    /// Balanced, the shipped thresholds, nothing saved.
    fn default() -> Self {
        SessionOptions {
            governor: GovernorSpawn::new(PerformanceProfile::Balanced, Thresholds::built_in()),
            plugins: None,
            tls: TlsTrust::default(),
            assets: AssetSettings::default(),
        }
    }
}

/// A running session.
pub struct Session {
    /// The runtime, the circuit and its census.
    pub net: HeadlessSession,
    /// The scene the render thread draws.
    pub scene: SceneHandle,
    /// The ScalingGovernor: the settings in force, its status, the frame feed.
    pub governor: GovernorHandle,
    /// Local chat: the history heard and the user's lines out.
    pub chat: ChatHandle,
    /// Textures: the AssetActor, its deliveries and its counters.
    pub assets: AssetHandle,
    /// The render side's end of the texture demand channel (taken by the
    /// render loop).
    pub demand: Option<DemandSender>,
    /// Carries events to the plugins and their chat out, when plugins run.
    pub plugin_bridge: Option<PluginBridge>,
    /// The plugins' snapshot and controls (for the editor), when plugins run.
    pub plugins: Option<PluginControl>,
    /// Who logs in where.
    pub login: LoginParams,
    /// The embedded region and the runtime it runs on (dropped last).
    sim: Option<(SimHandle, tokio::runtime::Runtime)>,
}

impl Session {
    /// Starts the embedded region if it is the target, then the actors,
    /// with the default [`SessionOptions`].
    pub fn start(target: LoginTarget) -> Result<Session, AppError> {
        Self::start_with(target, SessionOptions::default())
    }

    /// Starts the embedded region if it is the target, then the actors: the
    /// circuit, the scene, the governor and the relay that hands the
    /// governor's settings to the scene and the circuit.
    pub fn start_with(target: LoginTarget, options: SessionOptions) -> Result<Session, AppError> {
        let (login, sim) = match target {
            LoginTarget::Grid(login) => (login, None),
            LoginTarget::Embedded(config) => {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("kestrel-sim")
                    .enable_all()
                    .build()
                    .map_err(AppError::Tokio)?;
                let password = config.password.clone();
                let handle = rt.block_on(Simulator::start(config))?;
                tracing::info!(login_uri = %handle.login_uri(), "embedded region started");
                let login = LoginParams {
                    login_uri: handle.login_uri(),
                    first: "Kestrel".into(),
                    last: "Resident".into(),
                    password,
                    start: StartLocation::Last,
                };
                (login, Some((handle, rt)))
            }
        };
        let mut tls = options.tls.clone();
        if let Some(cert) = sim.as_ref().and_then(|(h, _)| h.tls_certificate_der()) {
            tls = tls.with_der(cert.to_vec());
        }
        let asset_tls = tls.clone();
        let settings = CircuitSettings {
            tls,
            ..CircuitSettings::default()
        };
        let net = HeadlessSession::start(settings, ActorsConfig::builtin())?;
        let scene = spawn_scene(
            &net.runtime.handle(),
            Some(&net.circuit),
            SCENE_DELTA_CAPACITY,
        )?;
        let runtime = net.runtime.handle();
        let governor = options.governor.spawn(&runtime)?;
        let asset_settings = AssetSettings {
            tls: asset_tls,
            texture_budget_mb: governor.settings.load().settings.texture_cache_mb,
            ..options.assets.clone()
        };
        let (assets, demand) = spawn_assets(&runtime, asset_settings).map_err(AppError::Assets)?;
        let _ = assets.addr.try_send(AttachRegion(net.circuit.addr.clone()));
        let _ = scene.addr.try_send(AttachAssets(assets.addr.clone()));
        spawn_relay(
            &runtime,
            &governor,
            Some(scene.addr.clone()),
            Some(net.circuit.addr.clone()),
            Some(assets.addr.clone()),
        )?;
        let chat = spawn_chat(&runtime, &net.circuit)?;
        let plugin_bridge = match &options.plugins {
            Some(control) => Some(PluginBridge::spawn(
                &runtime,
                &net.circuit,
                control.clone(),
            )?),
            None => None,
        };
        Ok(Session {
            net,
            scene,
            governor,
            chat,
            assets,
            demand: Some(demand),
            plugin_bridge,
            plugins: options.plugins,
            login,
            sim,
        })
    }

    /// Logs in and completes the handshake (blocking, up to `deadline`).
    pub fn connect(&self, deadline: Duration) -> Result<(), AppError> {
        let started = Instant::now();
        self.net.connect(self.login.clone(), deadline)?;
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "connected"
        );
        if let Ok(Some(info)) = self
            .net
            .circuit
            .addr
            .ask_blocking(kestrel_actors::circuit::GetSession)
        {
            let attach = AttachCircuit {
                circuit: self.net.circuit.addr.clone(),
                agent_id: info.agent_id,
                session_id: info.session_id,
            };
            let _ = self.scene.addr.try_send(attach);
            let _ = self.chat.addr.try_send(ChatSession(info));
        }
        Ok(())
    }

    /// Sends the agent's controls (movement keys, camera) to the circuit;
    /// never blocks (a full mailbox is counted there and the next frame retries).
    pub fn control(&self, control: AgentControl) {
        let _ = self.net.circuit.addr.try_send(control);
    }

    /// The embedded region, if this session started one.
    pub fn embedded(&self) -> Option<&SimHandle> {
        self.sim.as_ref().map(|(h, _)| h)
    }

    /// Logs out and stops the actors and the embedded region.
    pub fn shutdown(self) -> bool {
        let logged_out = self.net.logout().unwrap_or(false);
        let HeadlessSession { runtime, .. } = self.net;
        runtime.shutdown();
        if let Some((handle, rt)) = self.sim {
            rt.block_on(handle.shutdown());
        }
        logged_out
    }
}
