//! Kestrel against a real OpenSimulator 0.9.2.2 region on 127.0.0.1 (see
//! docs/OPENSIM.md): the region is built from its source archive (once,
//! cached), started with fresh databases, and given a few hundred prims of
//! every standard shape from an xml2 file this test writes. The viewer's
//! own session logs in over loopback and must show what a user would see:
//! the handshake, all the terrain, every prim where it was put with its
//! shape, size, colour, link and hover text, local chat heard back, the
//! avatar walking, and a clean logout, with no malformed or lost packets.
//!
//! Without the source archive the region test prints one line and passes
//! (`KESTREL_OPENSIM_REQUIRED=1` makes that a failure).

mod opensim_support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use glam::{Mat4, Vec3};
use kestrel::app::{LoginTarget, Session};
use kestrel::chat::Say;
use kestrel::scene::{LocalId, SceneDelta, SceneTables, scene_message_ids};
use kestrel_actors::bus::DrainBudget;
use kestrel_actors::circuit::{
    AgentControl, CircuitState, ControlFlags, GetSession, LoginParams, Received, Subscribe,
};
use kestrel_actors::{Ctx, Durable, Handles, Message, SupervisedActor};
use kestrel_protocol::login::StartLocation;
use kestrel_protocol::messages::Message as WireMessage;
use kestrel_protocol::object_data::{CompressedObject, PCode, TerseUpdate};
use kestrel_protocol::types::Uuid;
use opensim_support::content::{LINK_CHILDREN, TEXT_EVERY, region_content};
use opensim_support::{FIRST, LAST, OpenSim, PASSWORD};

/// Longest wait for any one step, only so a broken run ends with a message
/// instead of hanging; nothing passes or fails on how long a step takes.
const STEP: Duration = Duration::from_secs(300);
/// How far a prim may be from where it was put (the wire carries f32).
const POSITION_TOLERANCE: f32 = 0.01;

/// A progress line, straight to stderr so it shows even when the test
/// harness captures output.
fn step(what: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "[opensim_region] {what}");
}

/// Polls `f` every 100 ms until it returns `Some`, or panics naming `what`.
fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + STEP;
    let mut next_note = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f() {
            return v;
        }
        let now = Instant::now();
        assert!(now < end, "gave up after {STEP:?} waiting for {what}");
        if now >= next_note {
            step(&format!("still waiting for {what}"));
            next_note = now + Duration::from_secs(10);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What the test's own subscriber saw on the circuit: the object and
/// terrain messages folded by the viewer's [`SceneTables`], the hover text
/// of every object, and the positions terse updates gave each object.
#[derive(Clone, Default)]
struct Seen {
    tables: SceneTables,
    texts: HashMap<u32, String>,
    terse: HashMap<u32, Vec<Vec3>>,
    malformed: usize,
}

struct Recorder;

impl SupervisedActor for Recorder {
    type Durable = Seen;
    fn start(_: &mut Durable<Seen>, _: &mut Ctx<'_, Self>) -> Self {
        Recorder
    }
}

impl Handles<Received<WireMessage<'static>>> for Recorder {
    fn handle(
        &mut self,
        r: &Received<WireMessage<'static>>,
        d: &mut Durable<Seen>,
        _: &mut Ctx<'_, Self>,
    ) {
        d.malformed += d.tables.apply(&r.message).malformed;
        match &r.message {
            WireMessage::ObjectUpdate(m) => {
                for od in &m.object_data {
                    let text = od.text.text_lossy().trim_end_matches('\0').to_string();
                    d.texts.insert(od.id, text);
                }
            }
            WireMessage::ObjectUpdateCompressed(m) => {
                for od in &m.object_data {
                    if let Ok(co) = CompressedObject::decode(&od.data) {
                        let text = co.text.map(|t| t.text).unwrap_or_default();
                        d.texts.insert(co.local_id, text);
                    }
                }
            }
            WireMessage::ImprovedTerseObjectUpdate(m) => {
                for od in &m.object_data {
                    if let Ok(t) = TerseUpdate::decode(&od.data) {
                        d.terse
                            .entry(t.local_id)
                            .or_default()
                            .push(t.motion.position);
                    }
                }
            }
            _ => {}
        }
    }
}

struct GetSeen;

impl Message for GetSeen {
    type Result = Seen;
}

impl Handles<GetSeen> for Recorder {
    fn handle(&mut self, _: &GetSeen, d: &mut Durable<Seen>, _: &mut Ctx<'_, Self>) -> Seen {
        (**d).clone()
    }
}

#[test]
fn the_content_file_holds_every_prim_once() {
    let content = region_content();
    let xml = content.to_xml2();
    assert!(
        xml.starts_with("<scene>"),
        "load xml2 reads the first element"
    );
    assert_eq!(
        xml.matches("<SceneObjectGroup>").count(),
        content.group_count()
    );
    assert_eq!(
        xml.matches("<SceneObjectPart>").count(),
        content.prim_count()
    );
    assert!(content.group_count() >= 300, "a few hundred objects");
    assert_eq!(content.link_set().parts.len(), 1 + LINK_CHILDREN);
    let mut uuids: Vec<u128> = content.prims().map(|(_, p, _)| p.uuid).collect();
    uuids.sort_unstable();
    uuids.dedup();
    assert_eq!(
        uuids.len(),
        content.prim_count(),
        "every prim has its own UUID"
    );
    // scripts/opensim/screenshot.sh loads the same content into its region.
    if let Some(path) = std::env::var_os("KESTREL_OPENSIM_XML2") {
        content.write(path.as_ref()).expect("write the xml2 file");
        eprintln!(
            "[opensim_region] wrote {} objects ({} prims) to {}",
            content.group_count(),
            content.prim_count(),
            std::path::Path::new(&path).display()
        );
    }
}

#[test]
fn kestrel_in_a_real_opensim_region() {
    let started = Instant::now();
    let Some(region) = OpenSim::start("opensim_region") else {
        return;
    };
    step(&format!(
        "region up on 127.0.0.1:{} after {:.0} s",
        region.port,
        region.start_time.as_secs_f64()
    ));

    // --- Content: written here, loaded on the region's console -------------
    let content = region_content();
    let file = region.dir.join("content.xml");
    content.write(&file).expect("write the xml2 file");
    step(&format!(
        "loading {} objects ({} prims)",
        content.group_count(),
        content.prim_count()
    ));
    region.load_xml2(&file, content.group_count());
    assert_eq!(region.object_count(), content.group_count());

    // --- Login and handshake -----------------------------------------------
    let login = LoginParams {
        login_uri: region.login_uri(),
        first: FIRST.into(),
        last: LAST.into(),
        password: PASSWORD.into(),
        start: StartLocation::Last,
    };
    let session = Session::start(LoginTarget::Grid(login)).expect("start the session");
    let recorder = session
        .net
        .runtime
        .spawn::<Recorder>("opensim-recorder", Seen::default())
        .expect("spawn the recorder");
    session
        .net
        .circuit
        .addr
        .ask_blocking(Subscribe::any(scene_message_ids(), recorder.recipient()))
        .expect("the circuit answers")
        .expect("subscribed");
    step("logging in as Test User");
    session
        .connect(STEP)
        .expect("log in to OpenSim and complete the handshake");
    let stats = session.net.circuit.stats.clone();
    {
        let s = stats.load_full();
        assert!(s.handshake, "the region handshake completed");
        assert_eq!(s.state, CircuitState::Connected);
        assert_eq!(s.region_name.as_deref(), Some("Kestrel Test"));
    }
    let me = session
        .net
        .circuit
        .addr
        .ask_blocking(GetSession)
        .expect("the circuit answers")
        .expect("a session after login");

    // --- Terrain and every object ------------------------------------------
    let want_objects = content.prim_count() + 1; // and our avatar
    step(&format!(
        "waiting for 256 terrain patches and {want_objects} objects"
    ));
    wait_until(
        "the scene to hold every prim, our avatar and the terrain",
        || {
            let s = *session.scene.stats.load();
            (s.objects >= want_objects && s.terrain_patches == 256).then_some(())
        },
    );
    let census = session.net.census().expect("the census answers");
    assert_eq!(
        census.terrain_patches(),
        256,
        "the whole 16 x 16 patch grid"
    );
    assert_eq!(census.avatars.len(), 1, "our avatar, alone in the region");
    assert_eq!(
        census.objects(),
        want_objects,
        "every loaded prim and our avatar"
    );
    let scene_stats = *session.scene.stats.load();
    assert_eq!(scene_stats.objects, want_objects);
    assert_eq!(scene_stats.terrain_patches, 256);
    assert_eq!(scene_stats.malformed, 0, "the scene decoded every update");

    let seen = recorder
        .ask_blocking(GetSeen)
        .expect("the recorder answers");
    assert_eq!(seen.malformed, 0);
    assert_eq!(seen.tables.patches_received(), 256);
    let by_uuid: HashMap<Uuid, LocalId> = seen
        .tables
        .objects()
        .map(|o| (o.full_id, o.local_id))
        .collect();

    // What the scene actor hands the render thread: each object's latest
    // transform, by local id.
    let mut drawn: HashMap<LocalId, Mat4> = HashMap::new();
    session
        .scene
        .deltas
        .drain_with(DrainBudget::items(usize::MAX), |d| match d {
            SceneDelta::Object { id, model, .. } => {
                drawn.insert(id, model);
            }
            SceneDelta::Removed { id } => {
                drawn.remove(&id);
            }
        });

    step("checking every prim's shape, place, size, colour, link and hover text");
    let mut texts = 0;
    for (group, prim, is_root) in content.prims() {
        let id = *by_uuid
            .get(&Uuid::from_u128(prim.uuid))
            .unwrap_or_else(|| panic!("{} never arrived", prim.name));
        let o = seen.tables.get(id).unwrap();
        assert_eq!(o.pcode, PCode::Primitive, "{} is a prim", prim.name);
        let (want, got) = (prim.shape(), o.shape);
        assert_eq!(got.path, want.path, "path curve of {}", prim.name);
        assert_eq!(got.profile, want.profile, "profile curve of {}", prim.name);
        assert_eq!(got.hole, want.hole, "hollow shape of {}", prim.name);
        for (name, a, b) in [
            ("top size x", got.path_scale_x, want.path_scale_x),
            ("top size y", got.path_scale_y, want.path_scale_y),
            ("shear x", got.path_shear_x, want.path_shear_x),
            ("path end", got.path_end, want.path_end),
            ("profile end", got.profile_end, want.profile_end),
        ] {
            assert!(
                (a - b).abs() < 0.011,
                "{name} of {}: {a} want {b}",
                prim.name
            );
        }
        assert!(
            (o.scale - prim.scale).abs().max_element() < 1e-3,
            "size of {}: {} want {}",
            prim.name,
            o.scale,
            prim.scale
        );
        let world = seen
            .tables
            .world_transform(id)
            .expect("the transform resolves");
        let at = world.w_axis.truncate();
        assert!(
            (at - prim.position).length() < POSITION_TOLERANCE,
            "{} at {at}, put at {}",
            prim.name,
            prim.position
        );
        let rotation = match o.parent {
            Some(p) => seen.tables.get(p).expect("the root arrived").rotation * o.rotation,
            None => o.rotation,
        };
        assert!(
            rotation.angle_between(prim.rotation) < 0.5f32.to_radians(),
            "rotation of {}: {rotation} want {}",
            prim.name,
            prim.rotation
        );
        let colour = prim.colour;
        for (c, want) in [colour.r, colour.g, colour.b].into_iter().enumerate() {
            assert!(
                (o.colour[c] - f32::from(want) / 255.0).abs() <= 1.5 / 255.0,
                "colour of {}: {:?}",
                prim.name,
                o.colour
            );
        }
        let root_id = by_uuid[&Uuid::from_u128(group.parts[0].uuid)];
        if is_root {
            assert_eq!(o.parent, None, "{} is a root", prim.name);
        } else {
            assert_eq!(
                o.parent,
                Some(root_id),
                "{} is linked to its root",
                prim.name
            );
        }
        let text = seen.texts.get(&id.0).map(String::as_str).unwrap_or("");
        assert_eq!(
            text,
            prim.text.as_deref().unwrap_or(""),
            "hover text of {}",
            prim.name
        );
        texts += usize::from(!text.is_empty());
        let model = drawn
            .get(&id)
            .unwrap_or_else(|| panic!("the scene never handed {} to the renderer", prim.name));
        assert!(
            (model.w_axis.truncate() - prim.position).length() < POSITION_TOLERANCE,
            "{} drawn at {}, put at {}",
            prim.name,
            model.w_axis.truncate(),
            prim.position
        );
    }
    assert_eq!(texts, 300usize.div_ceil(TEXT_EVERY) + 1, "every hover text");
    let link = content.link_set();
    let root = by_uuid[&Uuid::from_u128(link.parts[0].uuid)];
    let mut family = seen.tables.with_children(&[root]);
    family.sort();
    assert_eq!(
        family.len(),
        1 + LINK_CHILDREN,
        "the link set's root and children"
    );

    // --- Local chat: said, and heard back from the region -----------------
    let line = format!("hello from kestrel at {:?}", Instant::now());
    step("saying a line on local chat");
    session
        .chat
        .addr
        .try_send(Say(line.clone()))
        .expect("the chat actor takes it");
    let heard = wait_until("our line to come back as ChatFromSimulator", || {
        let log = session.chat.log.load_full();
        log.lines.iter().find(|l| l.message == line).cloned()
    });
    assert_eq!(heard.from_name, "Test User");
    assert_eq!(session.chat.log.load_full().said, 1);

    // --- Walking: the region moves our avatar -------------------------------
    let me_local = wait_until("our avatar in the scene", || {
        let seen = recorder.ask_blocking(GetSeen).ok()?;
        seen.tables
            .objects()
            .find(|o| o.pcode == PCode::Avatar && o.full_id == me.agent_id)
            .map(|o| o.local_id)
    });
    let pose = wait_until("our avatar's place", || {
        let p = *session.scene.agent.load();
        p.known.then_some(p)
    });
    let before = pose.position;
    step(&format!("walking forward from {before}"));
    session.control(AgentControl {
        flags: ControlFlags::AT_POS,
        ..AgentControl::default()
    });
    std::thread::sleep(Duration::from_secs(3));
    session.control(AgentControl::default());
    let after = wait_until("our avatar to have walked a metre", || {
        let p = session.scene.agent.load().position;
        let moved = Vec3::new(p.x - before.x, p.y - before.y, 0.0).length();
        (moved > 1.0).then_some(p)
    });
    step(&format!("walked to {after}"));
    let seen = recorder
        .ask_blocking(GetSeen)
        .expect("the recorder answers");
    let terse = seen.terse.get(&me_local.0).cloned().unwrap_or_default();
    assert!(
        terse
            .iter()
            .any(|p| Vec3::new(p.x - before.x, p.y - before.y, 0.0).length() > 1.0),
        "the region's ImprovedTerseObjectUpdate moved our avatar: {terse:?}"
    );

    // --- The circuit's figures ----------------------------------------------
    let s = (*stats.load_full()).clone();
    let census = session.net.census().expect("the census answers");
    step(&format!(
        "circuit: packets in {} out {}, resent {}, lost {}, malformed {}, objects {}",
        s.packets_in,
        s.packets_out,
        s.resent,
        s.reliable_lost,
        s.malformed,
        census.objects()
    ));
    assert_eq!(
        census.objects(),
        want_objects,
        "objects = loaded prims + our avatar"
    );
    assert_eq!(s.malformed, 0, "no malformed datagram from OpenSim");
    assert_eq!(s.reliable_lost, 0, "no reliable packet lost");
    assert_eq!(s.resent, 0, "nothing had to be resent on loopback");

    // --- Logout ----------------------------------------------------------------
    step("logging out");
    let answered = session.shutdown();
    let s = stats.load_full();
    assert_eq!(s.state, CircuitState::LoggedOut, "the logout ended");
    step(&format!(
        "logged out ({}); whole test {:.0} s",
        if answered {
            "the region answered"
        } else {
            "no LogoutReply: timed out"
        },
        started.elapsed().as_secs_f64()
    ));
    drop(region);
}
