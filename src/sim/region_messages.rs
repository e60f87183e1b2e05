//! The region-level messages the simulator sends, built from the region's
//! state: the handshake, arrival, terrain, statistics, time of day, chat,
//! kills, logout, and the `ParcelProperties` event-queue body.

use std::sync::Arc;

use glam::Vec3;
use kestrel_protocol::layer_data::{
    LAYER_DATA_BLOB_LIMIT, LayerDataError, LayerType, PATCHES_PER_EDGE, decode_land_patches,
    encode_land_patches_limited,
};
use kestrel_protocol::llsd::{Date, Llsd};
use kestrel_protocol::messages::{
    AgentMovementComplete, ChatFromSimulator, KillObject, LayerData, LogoutReply, RegionHandshake,
    SimStats, SimulatorViewerTimeMessage, VarBytes, agent_movement_complete, chat_from_simulator,
    kill_object, layer_data, logout_reply, region_handshake, sim_stats,
    simulator_viewer_time_message,
};
use kestrel_protocol::types::Uuid;

use super::region::{Region, RegionInfo};
use super::terrain::REGION_SIZE;

/// `SimAccess` of a Mature region.
pub const SIM_ACCESS_MATURE: u8 = 21;

/// The terrain detail textures the region serves (dirt, grass, rock,
/// snow): [`super::assets::TERRAIN_DETAIL_IDS`].
pub const TERRAIN_TEXTURES: [Uuid; 4] = super::assets::TERRAIN_DETAIL_IDS;

/// `TimeDilation` of 1.0 as the object messages carry it.
pub const TIME_DILATION_ONE: u16 = u16::MAX;

/// The version string the simulator reports.
pub const CHANNEL_VERSION: &str = concat!("Kestrel Embedded Simulator ", env!("CARGO_PKG_VERSION"));

/// `RegionHandshake`.
pub fn region_handshake(info: &RegionInfo) -> RegionHandshake<'static> {
    let terrain = &info.terrain_textures;
    let [t0, t1, t2, t3] = terrain.detail;
    let [s00, s01, s10, s11] = terrain.start_heights;
    let [r00, r01, r10, r11] = terrain.height_ranges;
    RegionHandshake {
        region_info: region_handshake::RegionInfo {
            region_flags: 0,
            sim_access: SIM_ACCESS_MATURE,
            sim_name: VarBytes::from_text(&info.name),
            sim_owner: info.owner,
            is_estate_manager: false,
            water_height: info.water_height,
            billable_factor: 1.0,
            cache_id: info.id,
            // OpenSimulator sends zeros for the obsolete base textures.
            terrain_base0: Uuid::NIL,
            terrain_base1: Uuid::NIL,
            terrain_base2: Uuid::NIL,
            terrain_base3: Uuid::NIL,
            terrain_detail0: t0,
            terrain_detail1: t1,
            terrain_detail2: t2,
            terrain_detail3: t3,
            // Dirt at the waterline, snow on the hilltops.
            terrain_start_height00: s00,
            terrain_start_height01: s01,
            terrain_start_height10: s10,
            terrain_start_height11: s11,
            terrain_height_range00: r00,
            terrain_height_range01: r01,
            terrain_height_range10: r10,
            terrain_height_range11: r11,
        },
        region_info2: region_handshake::RegionInfo2 { region_id: info.id },
        region_info3: region_handshake::RegionInfo3 {
            cpu_class_id: 1,
            cpu_ratio: 1,
            colo_name: VarBytes::from_text("loopback"),
            product_sku: VarBytes::from_text("kestrel"),
            product_name: VarBytes::from_text("Kestrel Embedded Region"),
        },
        region_info4: vec![region_handshake::RegionInfo4 {
            region_flags_extended: 0,
            region_protocols: 0,
        }],
    }
}

/// `AgentMovementComplete`: where the agent stands now.
pub fn agent_movement_complete(
    info: &RegionInfo,
    agent_id: Uuid,
    session_id: Uuid,
    position: Vec3,
) -> AgentMovementComplete<'static> {
    AgentMovementComplete {
        agent_data: agent_movement_complete::AgentData {
            agent_id,
            session_id,
        },
        data: agent_movement_complete::Data {
            position,
            look_at: info.spawn_look_at,
            region_handle: info.handle.0,
            timestamp: unix_seconds() as u32,
        },
        sim_data: agent_movement_complete::SimData {
            channel_version: VarBytes::from_text(CHANNEL_VERSION),
        },
    }
}

/// The region's terrain as `LayerData` blobs, nearest patches to the spawn
/// point first; each blob is under [`LAYER_DATA_BLOB_LIMIT`] bytes.
#[derive(Debug, Clone)]
pub struct TerrainBlobs {
    /// (blob, patches in it).
    pub blobs: Vec<(Vec<u8>, usize)>,
}

impl TerrainBlobs {
    /// Encodes all 256 patches of the region's terrain.
    pub fn encode(region: &Region) -> Result<Arc<TerrainBlobs>, LayerDataError> {
        let spawn = region.info().spawn.truncate();
        let mut patches: Vec<(u32, u32)> = (0..PATCHES_PER_EDGE)
            .flat_map(|y| (0..PATCHES_PER_EDGE).map(move |x| (x, y)))
            .collect();
        let size = (REGION_SIZE as u32 / PATCHES_PER_EDGE) as f32;
        patches.sort_by(|a, b| {
            let d = |(x, y): (u32, u32)| {
                let c = glam::Vec2::new((x as f32 + 0.5) * size, (y as f32 + 0.5) * size);
                c.distance_squared(spawn)
            };
            d(*a).total_cmp(&d(*b))
        });
        let blobs =
            encode_land_patches_limited(region.heightfield(), &patches, LAYER_DATA_BLOB_LIMIT)?;
        let mut out = Vec::with_capacity(blobs.len());
        for blob in blobs {
            let n = decode_land_patches(&blob)?.len();
            out.push((blob, n));
        }
        Ok(Arc::new(TerrainBlobs { blobs: out }))
    }

    /// Total patches over all blobs.
    pub fn patch_count(&self) -> usize {
        self.blobs.iter().map(|(_, n)| n).sum()
    }
}

/// One `LayerData` message carrying a land blob.
pub fn layer_data(blob: &[u8]) -> LayerData<'static> {
    LayerData {
        layer_id: layer_data::LayerID {
            r#type: LayerType::Land.code(),
        },
        layer_data: layer_data::LayerData {
            data: VarBytes::owned(blob.to_vec()),
        },
    }
}

/// Stat ids of `SimStats` (the viewer's `LL_SIM_STAT_*`).
mod stat_id {
    pub const TIME_DILATION: u32 = 0;
    pub const SIM_FPS: u32 = 1;
    pub const PHYSICS_FPS: u32 = 2;
    pub const AGENT_UPDATES: u32 = 3;
    pub const FRAME_MS: u32 = 4;
    pub const NUM_TASKS: u32 = 11;
    pub const NUM_TASKS_ACTIVE: u32 = 12;
    pub const NUM_AGENTS_MAIN: u32 = 13;
    pub const NUM_AGENTS_CHILD: u32 = 14;
    pub const NUM_SCRIPTS_ACTIVE: u32 = 15;
    pub const PACKETS_IN: u32 = 17;
    pub const PACKETS_OUT: u32 = 18;
}

/// Figures reported in `SimStats`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RegionFigures {
    /// Prims in the region.
    pub prims: u32,
    /// Prims moving.
    pub active_prims: u32,
    /// Agents in the region.
    pub agents: u32,
    /// AgentUpdates handled per second.
    pub agent_updates_per_s: f32,
    /// Datagrams in per second.
    pub packets_in_per_s: f32,
    /// Datagrams out per second.
    pub packets_out_per_s: f32,
}

/// `SimStats`.
pub fn sim_stats(info: &RegionInfo, f: &RegionFigures) -> SimStats {
    use stat_id::*;
    let stat = |stat_id, stat_value| sim_stats::Stat {
        stat_id,
        stat_value,
    };
    SimStats {
        region: sim_stats::Region {
            region_x: info.handle.global_x() / REGION_SIZE as u32,
            region_y: info.handle.global_y() / REGION_SIZE as u32,
            region_flags: 0,
            object_capacity: 15_000,
        },
        stat: vec![
            stat(TIME_DILATION, 1.0),
            stat(SIM_FPS, 45.0),
            stat(PHYSICS_FPS, 45.0),
            stat(AGENT_UPDATES, f.agent_updates_per_s),
            stat(FRAME_MS, 1.0),
            stat(NUM_TASKS, f.prims as f32),
            stat(NUM_TASKS_ACTIVE, f.active_prims as f32),
            stat(NUM_AGENTS_MAIN, f.agents as f32),
            stat(NUM_AGENTS_CHILD, 0.0),
            stat(NUM_SCRIPTS_ACTIVE, 0.0),
            stat(PACKETS_IN, f.packets_in_per_s),
            stat(PACKETS_OUT, f.packets_out_per_s),
        ],
        pid_stat: sim_stats::PidStat {
            pid: std::process::id() as i32,
        },
        region_info: vec![sim_stats::RegionInfo {
            region_flags_extended: 0,
        }],
    }
}

/// Length of the region's day, seconds (four hours, as on the main grid).
pub const SECONDS_PER_DAY: u32 = 4 * 3600;

/// `SimulatorViewerTimeMessage`: a fixed, pleasant late-morning sun that
/// crawls along its arc with the region's clock.
pub fn time_message(region_seconds: f64) -> SimulatorViewerTimeMessage {
    // Start at 40 % of the day's arc and move at the real day length.
    let phase = 0.4 + (region_seconds / f64::from(SECONDS_PER_DAY)) as f32;
    let angle = phase * std::f32::consts::TAU;
    let sun = Vec3::new(angle.cos() * 0.6, 0.35, angle.sin().abs().max(0.35)).normalize();
    let omega = std::f32::consts::TAU / SECONDS_PER_DAY as f32;
    SimulatorViewerTimeMessage {
        time_info: simulator_viewer_time_message::TimeInfo {
            usec_since_start: (region_seconds * 1e6) as u64,
            sec_per_day: SECONDS_PER_DAY,
            sec_per_year: SECONDS_PER_DAY * 11,
            sun_direction: sun,
            sun_phase: angle,
            sun_ang_velocity: Vec3::new(0.0, 0.0, omega),
        },
    }
}

/// Who is speaking in [`chat`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatSource {
    /// The region itself (source type 0).
    System,
    /// An avatar (1).
    Agent,
    /// An object (2).
    Object,
}

/// `ChatFromSimulator`.
pub fn chat(
    from_name: &str,
    source: ChatSource,
    source_id: Uuid,
    chat_type: u8,
    position: Vec3,
    message: &str,
) -> ChatFromSimulator<'static> {
    ChatFromSimulator {
        chat_data: chat_from_simulator::ChatData {
            from_name: VarBytes::from_text(from_name),
            source_id,
            owner_id: source_id,
            source_type: match source {
                ChatSource::System => 0,
                ChatSource::Agent => 1,
                ChatSource::Object => 2,
            },
            chat_type,
            audible: 1,
            position,
            message: VarBytes::from_text(message),
        },
    }
}

/// `KillObject` for the given local ids.
pub fn kill_object(ids: &[u32]) -> KillObject {
    KillObject {
        object_data: ids
            .iter()
            .map(|&id| kill_object::ObjectData { id })
            .collect(),
    }
}

/// `LogoutReply`.
pub fn logout_reply(agent_id: Uuid, session_id: Uuid) -> LogoutReply {
    LogoutReply {
        agent_data: logout_reply::AgentData {
            agent_id,
            session_id,
        },
        inventory_data: vec![logout_reply::InventoryData { item_id: Uuid::NIL }],
    }
}

/// The parcel flags of the one parcel: OpenSimulator's defaults for new
/// land (fly, other scripts, landmarks, create objects, deed to group, all
/// object entry, voice).
pub const PARCEL_FLAGS: u32 = parcel_flags::ALLOW_FLY
    | parcel_flags::ALLOW_OTHER_SCRIPTS
    | parcel_flags::ALLOW_LANDMARK
    | parcel_flags::CREATE_OBJECTS
    | parcel_flags::ALLOW_DEED_TO_GROUP
    | parcel_flags::ALLOW_ALL_OBJECT_ENTRY
    | parcel_flags::ALLOW_VOICE_CHAT;

/// `ParcelFlags` bits (the protocol's parcel flag values).
pub mod parcel_flags {
    /// Anyone may fly.
    pub const ALLOW_FLY: u32 = 1 << 0;
    /// Scripts of non-owners run.
    pub const ALLOW_OTHER_SCRIPTS: u32 = 1 << 1;
    /// Anyone may make landmarks.
    pub const ALLOW_LANDMARK: u32 = 1 << 3;
    /// Damage is on.
    pub const ALLOW_DAMAGE: u32 = 1 << 5;
    /// Anyone may create objects.
    pub const CREATE_OBJECTS: u32 = 1 << 6;
    /// Listed in search.
    pub const SHOW_DIRECTORY: u32 = 1 << 12;
    /// The parcel may be deeded to its group.
    pub const ALLOW_DEED_TO_GROUP: u32 = 1 << 13;
    /// Objects of anyone may enter.
    pub const ALLOW_ALL_OBJECT_ENTRY: u32 = 1 << 27;
    /// Voice chat is allowed.
    pub const ALLOW_VOICE_CHAT: u32 = 1 << 29;
}

/// Prims a 256 m region holds (OpenSimulator's default object capacity).
pub const REGION_PRIM_CAPACITY: i32 = 15_000;

/// `ParcelData.Status` of owned land (`Leased`, 0).
pub const PARCEL_STATUS_OWNED: i32 = 0;

/// `ParcelData.LandingType` "anywhere" (`Direct`, OpenSimulator's default).
pub const LANDING_TYPE_DIRECT: i32 = 2;

/// An LLSD `U32` as the viewer reads it: 4 bytes, big-endian, binary.
pub fn llsd_u32(v: u32) -> Llsd {
    Llsd::Binary(v.to_be_bytes().to_vec())
}

/// The `ParcelProperties` event-queue body for the one parcel covering the
/// whole region, with every field and block OpenSimulator 0.9.2 sends:
/// `ParcelData`, `MediaData`, `ParcelExtendedFlags`,
/// `AgeVerificationBlock`, `ParcelEnvironmentBlock` and
/// `RegionAllowAccessBlock`, each an array of one map. LLSD types follow
/// OpenSimulator: `U32` fields (`ParcelFlags`, the extended `Flags`) are
/// 4-byte big-endian binary, `F32` fields reals, `ClaimDate` a date, the
/// `U8`/`S32` fields integers (`MediaAutoScale` a boolean).
///
/// `prims` is the region's prim count; `claimed` the Unix time the land was
/// claimed (the region's start); `corners` the terrain heights at the
/// south-west and north-east corners, which OpenSimulator puts in the z of
/// `AABBMin` and `AABBMax`.
pub fn parcel_properties(info: &RegionInfo, prims: usize, claimed: f64, corners: [f32; 2]) -> Llsd {
    let size = REGION_SIZE as f64;
    let vec3 = |v: Vec3| {
        Llsd::Array(vec![
            Llsd::Real(f64::from(v.x)),
            Llsd::Real(f64::from(v.y)),
            Llsd::Real(f64::from(v.z)),
        ])
    };
    let prims = i32::try_from(prims).unwrap_or(i32::MAX);
    let claim_date = Date::from_unix_seconds(claimed.floor())
        .or_else(|_| Date::from_unix_seconds(0.0))
        .map_or(Llsd::Undefined, Llsd::Date);
    let parcel = Llsd::new_map()
        .with("LocalID", Llsd::Integer(1))
        .with(
            "AABBMax",
            vec3(Vec3::new(size as f32, size as f32, corners[1])),
        )
        .with("AABBMin", vec3(Vec3::new(0.0, 0.0, corners[0])))
        .with("Area", Llsd::Integer((REGION_SIZE * REGION_SIZE) as i32))
        .with("AuctionID", Llsd::Integer(0))
        .with("AuthBuyerID", Llsd::Uuid(Uuid::NIL))
        // 64 × 64 cells of 4 m, one bit each: all of them in this parcel.
        .with(
            "Bitmap",
            Llsd::Binary(vec![0xFF; (REGION_SIZE / 4) * (REGION_SIZE / 4) / 8]),
        )
        .with("Category", Llsd::Integer(0))
        .with("ClaimDate", claim_date)
        .with("ClaimPrice", Llsd::Integer(0))
        .with(
            "Desc",
            Llsd::String("The whole region: village, hills and bay.".into()),
        )
        .with("ParcelFlags", llsd_u32(PARCEL_FLAGS))
        .with("GroupID", Llsd::Uuid(Uuid::NIL))
        .with("GroupPrims", Llsd::Integer(0))
        .with("IsGroupOwned", Llsd::Boolean(false))
        .with("LandingType", Llsd::Integer(LANDING_TYPE_DIRECT))
        .with("MaxPrims", Llsd::Integer(REGION_PRIM_CAPACITY))
        .with("MediaID", Llsd::Uuid(Uuid::NIL))
        .with("MediaURL", Llsd::String(String::new()))
        .with("MediaAutoScale", Llsd::Boolean(false))
        .with("MusicURL", Llsd::String(String::new()))
        .with("Name", Llsd::String(format!("{} Commons", info.name)))
        .with("OtherCleanTime", Llsd::Integer(0))
        .with("OtherCount", Llsd::Integer(0))
        .with("OtherPrims", Llsd::Integer(0))
        .with("OwnerID", Llsd::Uuid(info.owner))
        .with("OwnerPrims", Llsd::Integer(prims))
        .with("ParcelPrimBonus", Llsd::Real(1.0))
        .with("PassHours", Llsd::Real(0.0))
        .with("PassPrice", Llsd::Integer(0))
        .with("PublicCount", Llsd::Integer(0))
        .with("RegionDenyAnonymous", Llsd::Boolean(false))
        .with("RegionDenyIdentified", Llsd::Boolean(false))
        .with("RegionDenyTransacted", Llsd::Boolean(false))
        .with("RegionPushOverride", Llsd::Boolean(false))
        .with("RentPrice", Llsd::Integer(0))
        .with("RequestResult", Llsd::Integer(0))
        .with("SalePrice", Llsd::Integer(0))
        .with("SelectedPrims", Llsd::Integer(0))
        .with("SelfCount", Llsd::Integer(0))
        .with("SequenceID", Llsd::Integer(0))
        .with("SimWideMaxPrims", Llsd::Integer(REGION_PRIM_CAPACITY))
        .with("SimWideTotalPrims", Llsd::Integer(prims))
        .with("SnapSelection", Llsd::Boolean(false))
        .with("SnapshotID", Llsd::Uuid(Uuid::NIL))
        .with("Status", Llsd::Integer(PARCEL_STATUS_OWNED))
        .with("TotalPrims", Llsd::Integer(prims))
        .with("UserLocation", vec3(info.spawn))
        .with("UserLookAt", vec3(info.spawn_look_at))
        .with("SeeAVs", Llsd::Boolean(true))
        .with("AnyAVSounds", Llsd::Boolean(true))
        .with("GroupAVSounds", Llsd::Boolean(true));
    let media = Llsd::new_map()
        .with("MediaDesc", Llsd::String(String::new()))
        .with("MediaHeight", Llsd::Integer(0))
        .with("MediaWidth", Llsd::Integer(0))
        .with("MediaLoop", Llsd::Boolean(false))
        .with("MediaType", Llsd::String("none/none".into()))
        .with("ObscureMedia", Llsd::Boolean(false))
        .with("ObscureMusic", Llsd::Boolean(false));
    let one = |m: Llsd| Llsd::Array(vec![m]);
    Llsd::new_map()
        .with("ParcelData", one(parcel))
        .with("MediaData", one(media))
        .with(
            "ParcelExtendedFlags",
            one(Llsd::new_map().with("Flags", llsd_u32(0))),
        )
        .with(
            "AgeVerificationBlock",
            one(Llsd::new_map().with("RegionDenyAgeUnverified", Llsd::Boolean(false))),
        )
        // No environment override: the version is -1, as OpenSimulator sends
        // when the region does not allow one.
        .with(
            "ParcelEnvironmentBlock",
            one(Llsd::new_map()
                .with("ParcelEnvironmentVersion", Llsd::Integer(-1))
                .with("RegionAllowEnvironmentOverride", Llsd::Boolean(false))),
        )
        .with(
            "RegionAllowAccessBlock",
            one(Llsd::new_map().with("RegionAllowAccessOverride", Llsd::Boolean(true))),
        )
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_protocol::layer_data::Heightfield;
    use std::time::Instant;

    #[test]
    fn terrain_blobs_cover_all_256_patches_and_decode_back() {
        let region = Region::new("T", 1, 0, Instant::now());
        let blobs = TerrainBlobs::encode(&region).expect("encodes");
        assert_eq!(blobs.patch_count(), 256);
        let mut seen = std::collections::HashSet::new();
        let mut rebuilt = Heightfield::flat(0.0);
        for (blob, n) in &blobs.blobs {
            assert!(blob.len() <= LAYER_DATA_BLOB_LIMIT);
            let patches = decode_land_patches(blob).expect("decodes");
            assert_eq!(patches.len(), *n);
            for p in patches {
                assert!(seen.insert((p.x, p.y)));
                rebuilt.apply_patch(&p).expect("applies");
            }
        }
        // The compressed terrain is close to the generated one.
        let worst = rebuilt
            .as_slice()
            .iter()
            .zip(region.heightfield().as_slice())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 0.5, "worst height error {worst} m");
    }
}
