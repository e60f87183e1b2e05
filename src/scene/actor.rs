//! The SceneActor: subscribes to the circuit's object and terrain messages,
//! folds them into [`SceneTables`], builds meshes on the rayon pool, and
//! publishes [`SceneDelta`]s and the terrain to the render thread.

use std::sync::Arc;
use std::time::Duration;

use kestrel_actors::bus::{CoalescingSender, Deltas, Latest, PendingFull};
use kestrel_actors::circuit::{CircuitActor, CircuitHandle, Received, SendMessage, Subscribe};
use kestrel_actors::{
    Addr, Ctx, Durable, Handles, Message, RuntimeHandle, SpawnError, SupervisedActor,
};
use kestrel_protocol::circuit::Reliability;
use kestrel_protocol::messages::{
    ImprovedTerseObjectUpdate, KillObject, LayerData, Message as WireMessage, MessageType,
    ObjectUpdate, ObjectUpdateCached, ObjectUpdateCompressed, RequestMultipleObjects,
    request_multiple_objects,
};
use kestrel_protocol::types::Uuid;
use rayon::prelude::*;

use super::delta::{SceneDelta, SceneStats, TerrainSnapshot};
use super::looks::{texture_key, textures_of};
use super::meshes::{MeshCache, lod_for, mesh_key};
use super::tables::{LocalId, SceneTables};
use crate::assets::{AssetActor, WantTextures};
use crate::mesh::terrain::{REGION_SIZE, TILE_SIZE};
use crate::mesh::{MeshData, TileCoord, build_terrain_tile};
use crate::render::{TerrainTextures, TextureKey};

/// Objects whose latest state may wait for the render thread at once; a
/// region holds at most 15,000 prims, so this never fills in practice.
const MAX_PENDING: usize = 32_768;
/// How often the actor rebuilds a changed terrain and flushes deferred deltas.
const TICK: Duration = Duration::from_millis(100);

/// What the render side reads from the scene.
#[derive(Clone)]
pub struct SceneHandle {
    /// The actor (to send it settings or attach a circuit).
    pub addr: Addr<SceneActor>,
    /// Object changes, coalesced by object id.
    pub deltas: Deltas<SceneDelta>,
    /// The terrain mesh.
    pub terrain: Latest<TerrainSnapshot>,
    /// Counters.
    pub stats: Latest<SceneStats>,
    /// Where our own avatar is (known once the region sends it).
    pub agent: Latest<AgentPose>,
    /// The region's terrain textures (from its handshake).
    pub terrain_textures: Latest<Option<TerrainTextures>>,
}

/// Our avatar's place in the region, for the camera to follow.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AgentPose {
    /// False until the region has sent our avatar.
    pub known: bool,
    /// Region coordinates, metres.
    pub position: glam::Vec3,
    /// Body rotation.
    pub rotation: glam::Quat,
}

/// State that survives a crash of the SceneActor: the tables, the meshes,
/// the pending deltas and the publishers.
pub struct SceneDurable {
    tables: SceneTables,
    meshes: MeshCache,
    sender: CoalescingSender<SceneDelta>,
    terrain: Latest<TerrainSnapshot>,
    stats: Latest<SceneStats>,
    agent: Latest<AgentPose>,
    counters: SceneStats,
    terrain_built: u64,
    lod_bias: f32,
    circuit: Option<(Addr<CircuitActor>, Uuid, Uuid)>,
    terrain_textures: Latest<Option<TerrainTextures>>,
    assets: Option<Addr<AssetActor>>,
    /// Textures already asked of the AssetActor.
    textures_asked: std::collections::HashSet<TextureKey>,
    /// Textures to ask for when its mailbox has room.
    textures_pending: Vec<TextureKey>,
}

/// The scene actor (its volatile part is empty: everything lives in [`SceneDurable`]).
pub struct SceneActor;

impl SupervisedActor for SceneActor {
    type Durable = SceneDurable;

    fn start(_durable: &mut Durable<SceneDurable>, ctx: &mut Ctx<'_, Self>) -> Self {
        ctx.run_interval(TICK, |_, d, _| {
            d.flush();
            d.rebuild_terrain();
            d.ask_textures();
        });
        SceneActor
    }
}

/// Tell the scene which circuit to ask for objects it is missing.
#[derive(Clone)]
pub struct AttachCircuit {
    /// The circuit.
    pub circuit: Addr<CircuitActor>,
    /// The agent, for `RequestMultipleObjects`.
    pub agent_id: Uuid,
    /// The session, for `RequestMultipleObjects`.
    pub session_id: Uuid,
}

impl Message for AttachCircuit {
    type Result = ();
}

/// Tell the scene which AssetActor fetches the textures it meets.
#[derive(Clone)]
pub struct AttachAssets(pub Addr<AssetActor>);

impl Message for AttachAssets {
    type Result = ();
}

impl Handles<AttachAssets> for SceneActor {
    fn handle(&mut self, msg: &AttachAssets, d: &mut Durable<SceneDurable>, _: &mut Ctx<'_, Self>) {
        d.assets = Some(msg.0.clone());
        // Everything met before the assets were attached.
        let all: Vec<TextureKey> = d.textures_asked.iter().copied().collect();
        d.textures_pending.extend(all);
        d.ask_textures();
    }
}

/// Change the mesh LOD bias (from the active performance settings).
#[derive(Debug, Clone, Copy)]
pub struct SetLodBias(pub f32);

impl Message for SetLodBias {
    type Result = ();
}

impl Handles<AttachCircuit> for SceneActor {
    fn handle(
        &mut self,
        msg: &AttachCircuit,
        d: &mut Durable<SceneDurable>,
        _: &mut Ctx<'_, Self>,
    ) {
        d.circuit = Some((msg.circuit.clone(), msg.agent_id, msg.session_id));
        // Our avatar may have arrived before we knew which one it is.
        let ours = d
            .tables
            .objects()
            .find(|o| o.full_id == msg.agent_id)
            .map(|o| o.local_id);
        if let Some(id) = ours {
            d.publish_agent(id);
        }
    }
}

impl Handles<SetLodBias> for SceneActor {
    fn handle(&mut self, msg: &SetLodBias, d: &mut Durable<SceneDurable>, _: &mut Ctx<'_, Self>) {
        if (msg.0 - d.lod_bias).abs() > f32::EPSILON {
            d.lod_bias = msg.0;
            let all: Vec<LocalId> = d.tables.objects().map(|o| o.local_id).collect();
            d.publish_objects(&all);
        }
    }
}

impl Handles<Received<WireMessage<'static>>> for SceneActor {
    fn handle(
        &mut self,
        msg: &Received<WireMessage<'static>>,
        d: &mut Durable<SceneDurable>,
        _: &mut Ctx<'_, Self>,
    ) {
        if let WireMessage::RegionHandshake(h) = &msg.message {
            let info = &h.region_info;
            let detail = [
                info.terrain_detail0,
                info.terrain_detail1,
                info.terrain_detail2,
                info.terrain_detail3,
            ];
            let keys = detail.map(|id| texture_key(id).unwrap_or(TextureKey(0)));
            d.terrain_textures.publish(Some(TerrainTextures {
                detail: keys,
                start_height: [
                    info.terrain_start_height00,
                    info.terrain_start_height01,
                    info.terrain_start_height10,
                    info.terrain_start_height11,
                ],
                height_range: [
                    info.terrain_height_range00,
                    info.terrain_height_range01,
                    info.terrain_height_range10,
                    info.terrain_height_range11,
                ],
            }));
            for key in keys {
                d.want_texture(key);
            }
            d.ask_textures();
            return;
        }
        // Fold first, then publish: a panic while publishing retries the
        // message, and folding the same update twice gives the same tables.
        let changes = d.tables.apply(&msg.message);
        d.counters.malformed += changes.malformed as u64;
        if !changes.missing.is_empty() {
            d.request_missing(&changes.missing);
        }
        let moved = d.tables.with_children(&changes.objects);
        d.publish_objects(&moved);
        for id in &changes.removed {
            d.push(SceneDelta::Removed { id: *id });
        }
        d.publish_stats();
    }
}

impl SceneDurable {
    /// Fresh state publishing to `deltas`, `terrain` and `stats`.
    pub fn new(
        deltas: &Deltas<SceneDelta>,
        terrain: Latest<TerrainSnapshot>,
        stats: Latest<SceneStats>,
        agent: Latest<AgentPose>,
        terrain_textures: Latest<Option<TerrainTextures>>,
    ) -> Self {
        SceneDurable {
            tables: SceneTables::default(),
            meshes: MeshCache::default(),
            sender: deltas.coalescing_sender(MAX_PENDING),
            terrain,
            stats,
            agent,
            counters: SceneStats::default(),
            terrain_built: 0,
            lod_bias: 1.0,
            circuit: None,
            terrain_textures,
            assets: None,
            textures_asked: std::collections::HashSet::new(),
            textures_pending: Vec::new(),
        }
    }

    fn want_texture(&mut self, key: TextureKey) {
        if key.0 != 0 && self.textures_asked.insert(key) {
            self.textures_pending.push(key);
        }
    }

    /// Hands the AssetActor the textures met since the last time; a full
    /// mailbox keeps them for the next tick.
    fn ask_textures(&mut self) {
        let Some(assets) = &self.assets else { return };
        if self.textures_pending.is_empty() {
            return;
        }
        let ids = self
            .textures_pending
            .iter()
            .map(|k| Uuid::from_u128(k.0))
            .collect();
        if assets.try_send(WantTextures(ids)).is_ok() {
            self.textures_pending.clear();
        }
    }

    /// Publishes where our avatar (object `id`) is, for the camera.
    fn publish_agent(&self, id: LocalId) {
        if let Some(model) = self.tables.world_transform(id) {
            let (_, rotation, position) = model.to_scale_rotation_translation();
            self.agent.publish(AgentPose {
                known: true,
                position,
                rotation,
            });
        }
    }

    fn publish_objects(&mut self, ids: &[LocalId]) {
        let wanted: Vec<_> = ids
            .iter()
            .filter_map(|id| self.tables.get(*id))
            .map(|o| {
                let lod = lod_for(o.scale, self.lod_bias);
                (mesh_key(&o.shape, lod), o.shape, lod)
            })
            .collect();
        self.meshes.ensure(&wanted);
        for (id, (key, _, _)) in ids.iter().zip(wanted.iter()) {
            let (Some(obj), Some(mesh)) = (self.tables.get(*id), self.meshes.get(*key)) else {
                continue;
            };
            // A child whose root has not arrived yet is drawn once it does.
            let Some(model) = self.tables.world_transform(*id) else {
                continue;
            };
            if let Some((_, agent_id, _)) = &self.circuit
                && obj.full_id == *agent_id
            {
                self.publish_agent(*id);
            }
            let faces = obj.faces.clone();
            let delta = SceneDelta::Object {
                id: *id,
                mesh_key: *key,
                mesh: mesh.clone(),
                model,
                colour: obj.colour,
                faces: faces.clone(),
            };
            self.push(delta);
            for key in textures_of(&faces) {
                self.want_texture(key);
            }
        }
        self.ask_textures();
    }

    /// Pushes a delta; when even the pending set is full, waits for the
    /// render thread to drain (the actor may wait; nothing is dropped).
    fn push(&mut self, mut delta: SceneDelta) {
        loop {
            match self.sender.push(delta) {
                Ok(_) => return,
                Err(PendingFull(back)) => {
                    delta = back;
                    self.sender.flush();
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
    }

    fn flush(&mut self) {
        self.sender.flush();
    }

    fn publish_stats(&mut self) {
        self.counters.objects = self.tables.object_count();
        self.counters.terrain_patches = self.tables.patches_received();
        self.counters.meshes = self.meshes.len();
        if *self.stats.load() != self.counters {
            self.stats.publish(self.counters);
        }
    }

    fn rebuild_terrain(&mut self) {
        let version = self.tables.terrain_version();
        if version == self.terrain_built {
            return;
        }
        let mesh = build_region_terrain(self.tables.heightfield().as_slice());
        self.terrain_built = version;
        self.terrain.publish(TerrainSnapshot {
            version,
            mesh: Arc::new(mesh),
            patches: self.tables.patches_received(),
        });
    }

    fn request_missing(&mut self, ids: &[u32]) {
        let Some((circuit, agent_id, session_id)) = &self.circuit else {
            return;
        };
        // At most 255 blocks per message (the Variable block count is a u8).
        for chunk in ids.chunks(255) {
            let msg = RequestMultipleObjects {
                agent_data: request_multiple_objects::AgentData {
                    agent_id: *agent_id,
                    session_id: *session_id,
                },
                object_data: chunk
                    .iter()
                    .map(|id| request_multiple_objects::ObjectData {
                        cache_miss_type: 0,
                        id: *id,
                    })
                    .collect(),
            };
            let send = SendMessage {
                message: msg.into_message(),
                reliability: Reliability::Reliable,
            };
            if circuit.try_send(send).is_ok() {
                self.counters.requested += chunk.len() as u64;
            }
        }
    }
}

/// Builds the region's terrain from its 64 m tiles in parallel on the rayon
/// pool, joined into one mesh (one draw).
pub fn build_region_terrain(heights: &[f32]) -> MeshData {
    let tiles = (REGION_SIZE / TILE_SIZE) as u32;
    let coords: Vec<TileCoord> = (0..tiles)
        .flat_map(|y| (0..tiles).map(move |x| TileCoord { x, y }))
        .collect();
    let built: Vec<MeshData> = coords
        .par_iter()
        .filter_map(|c| build_terrain_tile(heights, REGION_SIZE, *c, 1).ok())
        .collect();
    let mut out = MeshData::default();
    for tile in built {
        let base = out.vertices.len() as u32;
        out.vertices.extend_from_slice(&tile.vertices);
        out.indices.extend(tile.indices.iter().map(|i| i + base));
    }
    out
}

/// The circuit messages the scene folds.
pub fn scene_message_ids() -> [kestrel_protocol::messages::MessageId; 7] {
    [
        <kestrel_protocol::messages::RegionHandshake<'static> as MessageType<'static>>::ID,
        <ObjectUpdate<'static> as MessageType<'static>>::ID,
        <ObjectUpdateCompressed<'static> as MessageType<'static>>::ID,
        <ObjectUpdateCached as MessageType<'static>>::ID,
        <ImprovedTerseObjectUpdate<'static> as MessageType<'static>>::ID,
        <KillObject as MessageType<'static>>::ID,
        <LayerData<'static> as MessageType<'static>>::ID,
    ]
}

/// Spawns the SceneActor on `runtime` and, when a circuit is given,
/// subscribes it to the circuit's object and terrain messages.
pub fn spawn_scene(
    runtime: &RuntimeHandle,
    circuit: Option<&CircuitHandle>,
    delta_capacity: usize,
) -> Result<SceneHandle, SceneSpawnError> {
    let deltas = Deltas::new(delta_capacity);
    let terrain = Latest::new(TerrainSnapshot::default());
    let stats = Latest::new(SceneStats::default());
    let agent = Latest::new(AgentPose::default());
    let terrain_textures = Latest::new(None);
    let durable = SceneDurable::new(
        &deltas,
        terrain.clone(),
        stats.clone(),
        agent.clone(),
        terrain_textures.clone(),
    );
    let addr = runtime.spawn::<SceneActor>("scene", durable)?;
    if let Some(c) = circuit {
        let sub = Subscribe::any(scene_message_ids(), addr.recipient());
        c.addr
            .ask_blocking(sub)
            .map_err(|e| SceneSpawnError::Subscribe(format!("{e:?}")))?
            .map_err(|e| SceneSpawnError::Subscribe(e.to_string()))?;
    }
    Ok(SceneHandle {
        addr,
        deltas,
        terrain,
        stats,
        agent,
        terrain_textures,
    })
}

/// Why the scene could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SceneSpawnError {
    /// The runtime refused the actor.
    #[error("scene actor: {0}")]
    Spawn(#[from] SpawnError),
    /// The circuit refused the subscription.
    #[error("scene subscription to the circuit: {0}")]
    Subscribe(String),
}
