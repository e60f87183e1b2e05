//! The camera follows our own avatar: once the session is connected the
//! scene publishes where the avatar stands, even when the region sent the
//! avatar before the scene learned which agent is ours.

use std::time::{Duration, Instant};

use kestrel::app::{LoginTarget, Session};
use kestrel::sim::SimConfig;

#[test]
fn our_avatar_is_known_after_login() {
    let session =
        Session::start(LoginTarget::Embedded(SimConfig::default())).expect("start the session");
    session.connect(Duration::from_secs(30)).expect("connect");
    let deadline = Instant::now() + Duration::from_secs(10);
    let pose = loop {
        let pose = *session.scene.agent.load();
        if pose.known {
            break pose;
        }
        assert!(
            Instant::now() < deadline,
            "our avatar's place was never published"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let p = pose.position;
    assert!(
        (0.0..256.0).contains(&p.x) && (0.0..256.0).contains(&p.y) && p.z > 0.0,
        "inside the region: {p}"
    );
    assert!(session.shutdown(), "logged out");
}
