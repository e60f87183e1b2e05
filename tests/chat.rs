//! Local chat over loopback against the embedded region: the region's
//! welcome is heard, a line the user says goes out as `ChatFromViewer` and
//! comes back as the region's echo, in order; blank lines are not sent.

use std::time::{Duration, Instant};

use kestrel::app::{LoginTarget, Session};
use kestrel::chat::{ChatLog, Say};
use kestrel::sim::SimConfig;

fn wait_for(session: &Session, what: &str, done: impl Fn(&ChatLog) -> bool) -> ChatLog {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = (*session.chat.log.load_full()).clone();
        if done(&log) {
            return log;
        }
        assert!(Instant::now() < deadline, "no chat with {what}: {log:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_region_is_heard_and_what_the_user_says_comes_back_in_order() {
    let session =
        Session::start(LoginTarget::Embedded(SimConfig::default())).expect("start the session");
    session.connect(Duration::from_secs(30)).expect("connect");
    let log = wait_for(&session, "the welcome", |l| !l.lines.is_empty());
    assert_eq!(log.lines[0].from_name, "Village Well");
    assert_eq!(log.lines[0].message, "Welcome to Kestrel Bay, Kestrel!");

    for line in ["hello", "   ", "how are you?"] {
        session
            .chat
            .addr
            .try_send(Say(line.into()))
            .expect("the chat actor takes it");
    }
    let log = wait_for(&session, "both echoes", |l| l.lines.len() >= 3);
    let echoed: Vec<(&str, &str)> = log.lines[1..]
        .iter()
        .map(|l| (l.from_name.as_str(), l.message.as_str()))
        .collect();
    assert_eq!(
        echoed,
        [
            ("Kestrel Resident", "hello"),
            ("Kestrel Resident", "how are you?")
        ]
    );
    assert_eq!((log.said, log.unsent, log.heard), (2, 0, 3));
    let sim = session.embedded().expect("the region");
    assert_eq!(sim.stats().chat_echoed, 2, "the blank line was never sent");
    assert!(session.shutdown(), "logged out");
}
