//! The embedded region simulator: a real peer speaking the OpenSimulator
//! region protocol on loopback — XML-RPC login, the seed capability, the
//! event queue, and the LLUDP circuit — serving a demo region (terrain,
//! a few hundred prims, some moving, wearing procedural textures it serves
//! through `GetTexture`/`ViewerAsset`), with seeded wire impairment and
//! kill/restart for fault tests. See `docs/SIMULATOR.md`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kestrel::sim::SimError> {
//! use kestrel::sim::{SimConfig, Simulator};
//! let sim = Simulator::start(SimConfig::default()).await?;
//! println!("log in at {}", sim.login_uri());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod assets;
pub mod avatar;
pub mod boards;
pub mod caps;
pub mod circuit_server;
pub mod config;
pub mod event_queue;
pub mod garbage;
mod handlers;
pub mod http;
pub mod impairment;
pub mod layout;
pub mod login;
pub mod object_wire;
pub mod objects;
pub mod region;
pub mod region_messages;
pub mod rng;
pub mod state;
pub mod stats;
pub mod terrain;
pub mod tls;
pub mod udp;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use assets::{ServedAsset, TextureLibrary};
pub use config::{ImpairmentConfig, SimConfig};
pub use stats::SimStatsSnapshot;
pub use udp::CircuitInfo;

use region::Region;
use region_messages::TerrainBlobs;
use state::Shared;
use stats::SimStats;
use udp::{UdpCommand, UdpServer};

/// Why the simulator could not start or do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A socket could not be bound.
    #[error("cannot bind the simulator's {what} socket to {addr}: {source}")]
    Bind {
        /// "HTTP" or "UDP".
        what: &'static str,
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration is out of range.
    #[error("invalid simulator configuration: {0}")]
    Config(String),
    /// The terrain could not be encoded (a bug in the demo terrain).
    #[error("cannot encode the region's terrain: {0}")]
    Terrain(#[from] kestrel_protocol::layer_data::LayerDataError),
    /// The region is killed; restart it first.
    #[error("the region is not running (killed or shut down)")]
    NotRunning,
    /// TLS could not be set up (`--tls`).
    #[error(transparent)]
    Tls(#[from] tls::SimTlsError),
    /// The certificate could not be written (`--tls-cert-out`).
    #[error("cannot write the certificate to {path}: {source}")]
    CertOut {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Waiting for the shutdown signal failed.
    #[error("cannot wait for Ctrl-C: {0}")]
    Signal(#[source] std::io::Error),
}

/// Starts simulators.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Binds the sockets, builds the region and starts serving on the
    /// current tokio runtime. Logs (and returns, through the handle) the
    /// login URI.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        config.impairment.validate().map_err(SimError::Config)?;
        let (listener, socket) = bind(config.port).await?;
        let http_addr = local_addr(&listener.local_addr(), "HTTP", config.port)?;
        let udp_addr = local_addr(&socket.local_addr(), "UDP", config.port)?;
        let now = Instant::now();
        let palette = assets::Palette::new(config.texture_count());
        let mut region = Region::with_palette(
            &config.region_name,
            config.world_seed,
            config.object_count,
            palette,
            now,
        );
        let boards = config
            .texture_boards
            .then(|| boards::boards(&region, region_palette_first(&config)));
        if let Some(b) = &boards {
            region.add_boards(b);
        }
        let terrain = TerrainBlobs::encode(&region)?;
        let stats = Arc::new(SimStats::default());
        let tls = match config.tls {
            true => Some(tls::SimTls::self_signed()?),
            false => None,
        };
        let shared = Arc::new(
            Shared::new(config, http_addr, udp_addr, region.info().clone(), stats).with_tls(tls),
        );
        if boards.is_some() {
            boards::serve_white(&shared.textures).map_err(SimError::Config)?;
        }
        let running = spawn(shared.clone(), listener, socket, region, terrain, now);
        let handle = SimHandle {
            inner: Arc::new(Inner {
                shared,
                running: tokio::sync::Mutex::new(Some(running)),
                boards,
            }),
        };
        tracing::info!(
            login_uri = %handle.login_uri(),
            udp = %udp_addr,
            region = %handle.region_name(),
            "simulator listening"
        );
        Ok(handle)
    }
}

async fn bind(port: u16) -> Result<(TcpListener, UdpSocket), SimError> {
    let tcp_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = TcpListener::bind(tcp_addr)
        .await
        .map_err(|source| SimError::Bind {
            what: "HTTP",
            addr: tcp_addr,
            source,
        })?;
    // The same port number for UDP, as OpenSimulator does; when the HTTP
    // port was picked by the OS and that UDP port is taken, any free one.
    let same = SocketAddr::from((
        Ipv4Addr::LOCALHOST,
        listener.local_addr().map_or(port, |a| a.port()),
    ));
    let socket = match UdpSocket::bind(same).await {
        Ok(s) => s,
        Err(_) if port == 0 => {
            let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
            UdpSocket::bind(any)
                .await
                .map_err(|source| SimError::Bind {
                    what: "UDP",
                    addr: any,
                    source,
                })?
        }
        Err(source) => {
            return Err(SimError::Bind {
                what: "UDP",
                addr: same,
                source,
            });
        }
    };
    Ok((listener, socket))
}

fn local_addr(
    r: &std::io::Result<SocketAddr>,
    what: &'static str,
    port: u16,
) -> Result<SocketAddr, SimError> {
    r.as_ref().copied().map_err(|e| SimError::Bind {
        what,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        source: std::io::Error::new(e.kind(), e.to_string()),
    })
}

/// The tasks of a live region.
#[derive(Debug)]
struct Running {
    http: JoinHandle<()>,
    udp: JoinHandle<()>,
    commands: mpsc::Sender<UdpCommand>,
}

fn spawn(
    shared: Arc<Shared>,
    listener: TcpListener,
    socket: UdpSocket,
    region: Region,
    terrain: Arc<TerrainBlobs>,
    now: Instant,
) -> Running {
    let (commands, rx) = mpsc::channel(16);
    let http = tokio::spawn(http::serve(listener, shared.clone()));
    let server = UdpServer::new(socket, shared, region, terrain, now);
    let udp = tokio::spawn(server.run(rx));
    Running {
        http,
        udp,
        commands,
    }
}

impl Running {
    async fn stop(self) {
        self.http.abort();
        self.udp.abort();
        // Wait until both tasks are gone, so their sockets are closed.
        let _ = self.http.await;
        let _ = self.udp.await;
    }
}

#[derive(Debug)]
struct Inner {
    shared: Arc<Shared>,
    running: tokio::sync::Mutex<Option<Running>>,
    boards: Option<[boards::Board; 3]>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(r) = self.running.get_mut().take() {
            r.http.abort();
            r.udp.abort();
        }
    }
}

/// A running simulator. Cloning shares it; dropping the last clone stops it.
#[derive(Debug, Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
}

impl SimHandle {
    /// The certificate the region serves `https://` with (DER), when it does.
    pub fn tls_certificate_der(&self) -> Option<&[u8]> {
        self.inner.shared.tls.as_ref().map(|t| t.certificate_der())
    }

    /// The same certificate as PEM.
    pub fn tls_certificate_pem(&self) -> Option<&str> {
        self.inner.shared.tls.as_ref().map(|t| t.certificate_pem())
    }

    /// The XML-RPC login URI (`http://127.0.0.1:PORT/`, `https://` with TLS).
    pub fn login_uri(&self) -> String {
        format!("{}/", self.inner.shared.base_url())
    }

    /// The HTTP server's address.
    pub fn http_addr(&self) -> SocketAddr {
        self.inner.shared.http_addr
    }

    /// The region's UDP address.
    pub fn udp_addr(&self) -> SocketAddr {
        self.inner.shared.udp_addr
    }

    /// The region's name.
    pub fn region_name(&self) -> &str {
        &self.inner.shared.region.name
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &SimConfig {
        &self.inner.shared.config
    }

    /// The texture boards floated over the spawn point (`--texture-boards`).
    pub fn texture_boards(&self) -> Option<[boards::Board; 3]> {
        self.inner.boards
    }

    /// The textures the region serves: ids of the content's and the
    /// terrain's textures, per-id counters and the request log, and
    /// `insert`/`remove` of test assets. Kept across kill/restart.
    pub fn textures(&self) -> &Arc<TextureLibrary> {
        &self.inner.shared.textures
    }

    /// Every counter now.
    pub fn stats(&self) -> SimStatsSnapshot {
        self.inner.shared.stats.snapshot()
    }

    /// Logged-in sessions (they survive kill/restart).
    pub fn sessions(&self) -> usize {
        self.inner.shared.sessions.lock().len()
    }

    /// True while the region answers (not killed or shut down).
    pub async fn is_running(&self) -> bool {
        self.inner.running.lock().await.is_some()
    }

    /// The live circuits; empty when the region is not running.
    pub async fn circuits(&self) -> Vec<CircuitInfo> {
        let Some(tx) = self.commands().await else {
            return Vec::new();
        };
        let (reply, rx) = oneshot::channel();
        if tx.send(UdpCommand::Circuits { reply }).await.is_err() {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }

    /// Sends `per_circuit` malformed datagrams to every connected viewer
    /// (straight to the socket, not through the impairment). Returns how
    /// many were sent in all.
    pub async fn flood_malformed(&self, per_circuit: usize) -> Result<usize, SimError> {
        let tx = self.commands().await.ok_or(SimError::NotRunning)?;
        let (reply, rx) = oneshot::channel();
        tx.send(UdpCommand::FloodMalformed { per_circuit, reply })
            .await
            .map_err(|_| SimError::NotRunning)?;
        rx.await.map_err(|_| SimError::NotRunning)
    }

    async fn commands(&self) -> Option<mpsc::Sender<UdpCommand>> {
        self.inner
            .running
            .lock()
            .await
            .as_ref()
            .map(|r| r.commands.clone())
    }

    /// The region goes away: both sockets close, circuits and queued events
    /// are dropped, viewers see their circuit time out. Login sessions are
    /// kept, so a viewer can reconnect after [`SimHandle::restart`].
    /// Killing a killed region does nothing.
    pub async fn kill(&self) {
        let running = self.inner.running.lock().await.take();
        if let Some(r) = running {
            r.stop().await;
            let shared = &self.inner.shared;
            shared.sessions.lock().clear_events();
            shared.stats.kills.inc();
            shared.stats.live_circuits.set(0);
            tracing::info!("simulator killed");
        }
    }

    /// Brings a killed region back on the same ports with a fresh region
    /// state (same seed, same content). Viewers may log in again, or
    /// present their old circuit code in a new `UseCircuitCode`. A running
    /// region is left as it is.
    pub async fn restart(&self) -> Result<(), SimError> {
        let mut running = self.inner.running.lock().await;
        if running.is_some() {
            return Ok(());
        }
        let shared = self.inner.shared.clone();
        let listener = TcpListener::bind(shared.http_addr)
            .await
            .map_err(|source| SimError::Bind {
                what: "HTTP",
                addr: shared.http_addr,
                source,
            })?;
        let socket = UdpSocket::bind(shared.udp_addr)
            .await
            .map_err(|source| SimError::Bind {
                what: "UDP",
                addr: shared.udp_addr,
                source,
            })?;
        let now = Instant::now();
        let c = &shared.config;
        let mut region = Region::with_palette(
            &c.region_name,
            c.world_seed,
            c.object_count,
            shared.textures.palette(),
            now,
        );
        if c.texture_boards {
            let b = boards::boards(&region, region_palette_first(c));
            region.add_boards(&b);
        }
        let terrain = TerrainBlobs::encode(&region)?;
        *running = Some(spawn(
            shared.clone(),
            listener,
            socket,
            region,
            terrain,
            now,
        ));
        shared.stats.restarts.inc();
        tracing::info!(login_uri = %self.login_uri(), "simulator restarted");
        Ok(())
    }

    /// Stops serving for good (the same as [`SimHandle::kill`], for a
    /// handle that will not restart).
    pub async fn shutdown(self) {
        self.kill().await;
    }
}

/// Runs a simulator until Ctrl-C: the `kestrel sim` subcommand. Prints the
/// login URI on stdout so a viewer (or a person) can use it.
pub async fn run(config: SimConfig) -> Result<(), SimError> {
    let sim = Simulator::start(config).await?;
    if let (Some(path), Some(pem)) = (&sim.config().tls_cert_out, sim.tls_certificate_pem()) {
        std::fs::write(path, pem).map_err(|source| SimError::CertOut {
            path: path.clone(),
            source,
        })?;
        println!("  certificate written to {}", path.display());
    }
    println!("Kestrel simulator: region \"{}\"", sim.region_name());
    println!("  login URI: {}", sim.login_uri());
    println!("  UDP:       {}", sim.udp_addr());
    println!(
        "  any first/last name, password {:?}",
        sim.config().password
    );
    tokio::signal::ctrl_c().await.map_err(SimError::Signal)?;
    sim.shutdown().await;
    Ok(())
}

/// The first content texture of the palette `config` asks for (the textured
/// board wears it).
fn region_palette_first(config: &SimConfig) -> kestrel_protocol::types::Uuid {
    assets::Palette::new(config.texture_count())
        .ids()
        .next()
        .unwrap_or(boards::WHITE_TEXTURE)
}
