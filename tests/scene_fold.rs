//! SceneActor's fold: a stream of object and terrain messages recorded from
//! the embedded simulator's own encoders, folded into the scene tables, must
//! give back the simulator's region: every prim where it is, with its shape,
//! size and colour; terse updates move them; kills remove link sets; and the
//! LayerData patches reproduce the simulator's heightfield.

use std::collections::VecDeque;
use std::time::Instant;

use kestrel::scene::{LocalId, PATCH_COUNT, SceneTables};
use kestrel::sim::circuit_server::object_batch;
use kestrel::sim::object_wire::terse_block;
use kestrel::sim::objects::LocalId as SimId;
use kestrel::sim::region::Region;
use kestrel::sim::region_messages::{TerrainBlobs, kill_object, layer_data};
use kestrel::sim::stats::SimStats;
use kestrel_protocol::messages::{
    ImprovedTerseObjectUpdate, Message, improved_terse_object_update,
};

fn region() -> Region {
    Region::new("Fold", 3, 300, Instant::now())
}

/// Everything the simulator sends a new viewer about its objects, in order.
fn object_stream(region: &Region) -> Vec<Message<'static>> {
    let stats = SimStats::default();
    let mut ids: VecDeque<SimId> = region.prims().iter().map(|p| p.local_id).collect();
    let mut out = Vec::new();
    while let Some(m) = object_batch(region, &mut ids, 0.0, &stats) {
        out.push(m);
    }
    out
}

fn world_position(region: &Region, id: SimId) -> glam::Vec3 {
    let p = region.prim(id).unwrap();
    match p.parent {
        None => p.position,
        Some(root) => {
            let r = region.prim(root).unwrap();
            r.position + r.rotation * p.position
        }
    }
}

#[test]
fn recorded_object_stream_folds_into_the_regions_tables() {
    let region = region();
    let mut tables = SceneTables::default();
    let mut malformed = 0;
    for m in object_stream(&region) {
        malformed += tables.apply(&m).malformed;
    }
    assert_eq!(malformed, 0);
    assert_eq!(tables.object_count(), region.prims().len());
    for p in region.prims() {
        let o = tables
            .get(LocalId(p.local_id.0))
            .expect("every prim arrived");
        assert_eq!(o.full_id, p.full_id);
        assert_eq!(
            o.parent.map(|l| l.0),
            p.parent.map(|l| l.0),
            "link of {}",
            p.name
        );
        assert!(
            (o.scale - p.scale).abs().max_element() < 1e-4,
            "scale of {}",
            p.name
        );
        let world = tables
            .world_transform(o.local_id)
            .expect("transform resolves");
        let at = world.w_axis.truncate();
        let want = world_position(&region, p.local_id);
        assert!(
            (at - want).length() < 0.01,
            "{} at {at} want {want}",
            p.name
        );
        assert_eq!(o.shape.path, p.shape.path, "path of {}", p.name);
        assert_eq!(o.shape.profile, p.shape.profile, "profile of {}", p.name);
        assert!(
            (o.shape.profile_hollow - p.shape.profile_hollow).abs() < 0.001,
            "hollow of {}",
            p.name
        );
        for c in 0..3 {
            assert!(
                (o.colour[c] - p.colour.0[c]).abs() <= 1.0 / 255.0 + 1e-6,
                "colour of {}",
                p.name
            );
        }
    }
}

#[test]
fn terse_updates_move_and_kills_remove_link_sets() {
    let region = region();
    let mut tables = SceneTables::default();
    for m in object_stream(&region) {
        tables.apply(&m);
    }
    let movers: Vec<_> = region
        .prims()
        .iter()
        .filter(|p| p.motion.is_some() && p.parent.is_none())
        .collect();
    assert!(!movers.is_empty(), "the demo region has moving prims");
    let terse = ImprovedTerseObjectUpdate {
        region_data: improved_terse_object_update::RegionData {
            region_handle: region.info().handle.0,
            time_dilation: 65535,
        },
        object_data: movers
            .iter()
            .map(|p| terse_block(p, 2.5).unwrap())
            .collect(),
    };
    let changes = tables.apply(&Message::from(terse));
    assert_eq!(changes.objects.len(), movers.len());
    for p in &movers {
        let want = p.pose_at(2.5).position;
        let got = tables.get(LocalId(p.local_id.0)).unwrap().position;
        assert!(
            (got - want).length() < 0.01,
            "{} moved to {got}, want {want}",
            p.name
        );
    }

    let root = region
        .prims()
        .iter()
        .find(|r| r.parent.is_none() && region.prims().iter().any(|c| c.parent == Some(r.local_id)))
        .expect("a link set");
    let family = 1 + region
        .prims()
        .iter()
        .filter(|c| c.parent == Some(root.local_id))
        .count();
    let before = tables.object_count();
    let changes = tables.apply(&Message::from(kill_object(&[root.local_id.0])));
    assert_eq!(
        changes.removed.len(),
        family,
        "the root and its children are removed"
    );
    assert_eq!(tables.object_count(), before - family);
    assert!(tables.get(LocalId(root.local_id.0)).is_none());
}

#[test]
fn layer_data_from_the_simulator_reproduces_its_heightfield() {
    let region = region();
    let blobs = TerrainBlobs::encode(&region).unwrap();
    let mut tables = SceneTables::default();
    for (blob, _) in &blobs.blobs {
        let c = tables.apply(&Message::from(layer_data(blob)));
        assert_eq!(c.malformed, 0);
    }
    assert_eq!(tables.patches_received(), PATCH_COUNT);
    let (want, got) = (region.heightfield(), tables.heightfield());
    // Per patch, the codec's error bound: RMS ≤ 0.0164 × the patch's height
    // range (DCT coefficients rounded to their quantisation step; see the
    // payload-codec docs), plus a centimetre for flat patches' f32 rounding.
    for py in 0..16u32 {
        for px in 0..16u32 {
            let (a, b) = (want.patch(px, py).unwrap(), got.patch(px, py).unwrap());
            let (lo, hi) = a
                .iter()
                .fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
            let rms = (a
                .iter()
                .zip(b.iter())
                .map(|(x, y)| (x - y).powi(2))
                .sum::<f32>()
                / 256.0)
                .sqrt();
            assert!(
                rms <= 0.0164 * (hi - lo) + 0.01,
                "patch ({px},{py}) rms {rms} range {}",
                hi - lo
            );
        }
    }
}

#[test]
fn an_avatar_folds_into_an_upright_stand_in_of_its_size() {
    use kestrel::scene::AVATAR_COLOUR;
    use kestrel::sim::object_wire::{AvatarView, avatar_block};
    use kestrel_protocol::messages::object_update;
    use kestrel_protocol::object_data::{PCode, PrimShape};

    let view = AvatarView {
        local_id: 9000,
        agent_id: kestrel_protocol::types::Uuid::from_u128(0xa11ce),
        first: "Kestrel".into(),
        last: "Resident".into(),
        position: glam::Vec3::new(100.0, 120.0, 25.0),
        velocity: glam::Vec3::ZERO,
        rotation: glam::Quat::IDENTITY,
        foot_height: 24.0,
    };
    let message = Message::ObjectUpdate(kestrel_protocol::messages::ObjectUpdate {
        region_data: object_update::RegionData {
            region_handle: 0,
            time_dilation: 65535,
        },
        object_data: vec![avatar_block(&view).expect("an avatar block")],
    });
    let mut tables = SceneTables::default();
    assert_eq!(tables.apply(&message).malformed, 0);
    let o = tables
        .get(LocalId(9000))
        .expect("the avatar is in the tables");
    assert_eq!(o.pcode, PCode::Avatar);
    assert_eq!(o.shape, PrimShape::CYLINDER);
    assert_eq!(o.colour, AVATAR_COLOUR);
    assert!((o.position - view.position).length() < 1e-3);
}
