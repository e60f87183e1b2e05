//! Assets: the AssetActor that streams textures from the region and hands
//! decoded mip chains to the render thread, with its disk cache, the
//! decoded-texture budget and the render side's demand feedback. See
//! docs/TEXTURES.md.
//!
//! Data flow: the SceneActor sends the texture ids it meets
//! ([`WantTextures`]); the actor fetches a small prefix of each over the
//! region's texture capability, decodes it on the rayon pool and pushes a
//! [`TextureDelta`] into a bounded queue the render thread drains within a
//! byte budget per frame; the render thread reports each visible texture's
//! screen coverage through a [`DemandSender`], and the actor fetches and
//! decodes sharper levels for the textures that cover the most pixels.

mod actor;
mod demand;
pub mod disk_cache;
pub mod levels;
mod stats;
mod texture;

pub use actor::{
    AssetActor, AssetDurable, AssetSettings, AttachRegion, SetTextureBudget, SetTextureCapability,
    TextureDelta, WantTextures,
};
pub use demand::{DemandReceiver, DemandReport, DemandSender, demand_channel};
pub use stats::{AssetStats, FailureKind, Failures, TextureFigures};

use kestrel_actors::bus::{Deltas, Latest};
use kestrel_actors::{Addr, RuntimeHandle, SpawnError};

/// Deliveries the render thread may have waiting at once.
pub const TEXTURE_QUEUE: usize = 256;
/// Most (texture, pixels) pairs one demand report holds before growing.
const DEMAND_CAPACITY: usize = 4096;

/// What the rest of the viewer holds of the AssetActor.
#[derive(Clone)]
pub struct AssetHandle {
    /// The actor.
    pub addr: Addr<AssetActor>,
    /// Texture levels for the render thread, coalesced by texture.
    pub textures: Deltas<TextureDelta>,
    /// Counters for the editor and the headless JSON.
    pub stats: Latest<AssetStats>,
}

/// Spawns the AssetActor; returns its handle and the render thread's end of
/// the demand channel.
pub fn spawn_assets(
    runtime: &RuntimeHandle,
    settings: AssetSettings,
) -> Result<(AssetHandle, DemandSender), SpawnError> {
    let textures = Deltas::new(TEXTURE_QUEUE);
    let stats = Latest::new(AssetStats::default());
    let (demand_tx, demand_rx) = demand_channel(DEMAND_CAPACITY);
    let durable = AssetDurable::new(
        settings,
        textures.coalescing_sender(actor::MAX_PENDING),
        stats.clone(),
        demand_rx,
    );
    let addr = runtime.spawn::<AssetActor>("assets", durable)?;
    Ok((
        AssetHandle {
            addr,
            textures,
            stats,
        },
        demand_tx,
    ))
}
