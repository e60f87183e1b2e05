//! The chat window driven headless against a live session: typing a line
//! and pressing Enter says it (the embedded region echoes it back into the
//! window's history); a blank line is not sent; the window draws nothing
//! while closed.

mod egui_support;

use std::time::{Duration, Instant};

use egui::{Event, Key, Modifiers};
use egui_support::UiDriver;
use kestrel::app::{LoginTarget, Session};
use kestrel::editor::ChatWindow;
use kestrel::sim::SimConfig;

fn enter() -> Event {
    Event::Key {
        key: Key::Enter,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: Modifiers::NONE,
    }
}

#[test]
fn typing_a_line_and_pressing_enter_says_it() {
    let session =
        Session::start(LoginTarget::Embedded(SimConfig::default())).expect("start the session");
    session.connect(Duration::from_secs(30)).expect("connect");
    let driver = UiDriver::new(1000.0, 700.0);
    let mut window = ChatWindow::new();
    let mut said = Vec::new();

    // Closed: nothing drawn.
    let texts = driver.frame(vec![], &mut |ui| {
        said.extend(window.ui(ui.ctx(), &session.chat.log.load(), &session.chat.addr));
    });
    assert!(!texts.iter().any(|(t, _)| t == "Local chat"));

    window.open();
    let mut ui = |ui: &mut egui::Ui| {
        said.extend(window.ui(ui.ctx(), &session.chat.log.load(), &session.chat.addr));
    };
    driver.frame(vec![], &mut ui);
    driver.frame(vec![Event::Text("hi there".into())], &mut ui);
    driver.frame(vec![enter()], &mut ui);
    // Still focused: a blank line, then a second one.
    driver.frame(vec![Event::Text("   ".into())], &mut ui);
    driver.frame(vec![enter()], &mut ui);
    driver.frame(vec![Event::Text("bye".into())], &mut ui);
    driver.frame(vec![enter()], &mut ui);

    let deadline = Instant::now() + Duration::from_secs(20);
    let texts = loop {
        let texts = driver.frame(vec![], &mut ui);
        if texts.iter().any(|(t, _)| t == "bye") {
            break texts;
        }
        assert!(
            Instant::now() < deadline,
            "the echo never showed: {texts:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(said, ["hi there", "bye"]);
    assert!(
        texts.iter().any(|(t, _)| t == "hi there"),
        "the first echo is shown"
    );
    assert!(texts.iter().any(|(t, _)| t == "Kestrel Resident:"));
    let log = session.chat.log.load();
    assert_eq!((log.said, log.unsent), (2, 0));
    assert!(session.shutdown(), "logged out");
}
