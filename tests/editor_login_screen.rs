//! The login screen's state machine against the embedded simulator: the form
//! refuses incomplete input, a wrong password ends in the region's error
//! text (shown on screen), the right one connects and hands over a session.

use std::time::{Duration, Instant};

use egui::epaint::Shape;
use egui::{Pos2, RawInput, Rect, Vec2};
use kestrel::app::Session;
use kestrel::editor::{LoginForm, LoginScreen, LoginState};
use kestrel::sim::{SimConfig, Simulator};
use kestrel_actors::circuit::CircuitState;

/// Every text the screen draws in one egui frame.
fn drawn_texts(ctx: &egui::Context, screen: &mut LoginScreen) -> Vec<String> {
    let input = RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(1280.0, 720.0))),
        ..RawInput::default()
    };
    // A window's first frame only measures itself; draw twice.
    // No painter here: the texture updates are dropped on purpose.
    ctx.run_ui(input.clone(), |ui| screen.ui(ui))
        .textures_delta
        .clear();
    let mut out = ctx.run_ui(input, |ui| screen.ui(ui));
    out.textures_delta.clear();
    let mut texts = Vec::new();
    for clipped in &out.shapes {
        if let Shape::Text(t) = &clipped.shape {
            texts.push(t.galley.text().to_owned());
        }
    }
    texts
}

/// Polls like the render thread does, once per "frame", until the login
/// ends; returns the session if it connected and the status lines seen.
fn poll_until_done(screen: &mut LoginScreen) -> (Option<Session>, Vec<String>) {
    let end = Instant::now() + Duration::from_secs(60);
    let mut statuses = vec![screen.status_text()];
    while Instant::now() < end {
        let session = screen.poll();
        let status = screen.status_text();
        if statuses.last() != Some(&status) {
            statuses.push(status);
        }
        if session.is_some() || *screen.state() != LoginState::Connecting {
            return (session, statuses);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("login still running after 60 s: {statuses:?}");
}

#[test]
fn login_screen_goes_from_form_to_error_to_connected() {
    let rt = tokio::runtime::Runtime::new().expect("tokio");
    let sim = rt
        .block_on(Simulator::start(SimConfig::default()))
        .expect("simulator");
    let mut screen = LoginScreen::new(
        LoginForm {
            login_uri: sim.login_uri(),
            first: "Test".into(),
            last: String::new(),
            password: "wrong".into(),
        },
        SimConfig::default(),
    );
    let ctx = egui::Context::default();
    assert_eq!(*screen.state(), LoginState::Editing);
    let texts = drawn_texts(&ctx, &mut screen);
    for label in [
        "Login URI",
        "First name",
        "Last name",
        "Password",
        "Log in",
        "Use the embedded region",
    ] {
        assert!(
            texts.iter().any(|t| t == label),
            "{label:?} missing from {texts:?}"
        );
    }
    assert!(
        !texts.iter().any(|t| t.contains("wrong")),
        "the password is drawn masked"
    );

    // Incomplete form: refused on the spot, nothing started.
    screen.submit();
    assert_eq!(
        *screen.state(),
        LoginState::Failed("the last name is empty".into())
    );

    // Wrong password: connecting, then the region's refusal.
    screen.form_mut().last = "User".into();
    screen.submit();
    assert_eq!(*screen.state(), LoginState::Connecting);
    let (session, statuses) = poll_until_done(&mut screen);
    assert!(session.is_none());
    let LoginState::Failed(error) = screen.state().clone() else {
        panic!("expected a failure, got {:?}", screen.state());
    };
    assert!(
        error.contains("Could not authenticate"),
        "error text: {error}"
    );
    assert_eq!(statuses.first().map(String::as_str), Some("Starting…"));
    let texts = drawn_texts(&ctx, &mut screen);
    assert!(texts.contains(&error), "the error is on screen: {texts:?}");

    // Right password: connected, with a session handed over.
    screen.form_mut().password = "kestrel".into();
    screen.submit();
    let (session, statuses) = poll_until_done(&mut screen);
    let session = session.unwrap_or_else(|| panic!("not connected: {:?}", screen.state()));
    assert_eq!(*screen.state(), LoginState::Connected);
    assert_eq!(screen.status_text(), "Connected");
    assert_eq!(statuses.last().map(String::as_str), Some("Connected"));
    assert_eq!(
        session.net.circuit.stats.load().state,
        CircuitState::Connected
    );
    assert!(
        drawn_texts(&ctx, &mut screen)
            .iter()
            .any(|t| t == "Connected")
    );
    // Whether the logout was answered is the circuit's business, not the screen's.
    session.shutdown();
    rt.block_on(sim.shutdown());
}

#[test]
fn use_the_embedded_region_starts_one_and_connects() {
    let mut screen = LoginScreen::new(LoginForm::default(), SimConfig::default());
    screen.use_embedded();
    assert_eq!(screen.status_text(), "Starting the embedded region…");
    let (session, _) = poll_until_done(&mut screen);
    let session = session.unwrap_or_else(|| panic!("not connected: {:?}", screen.state()));
    assert!(session.embedded().is_some());
    assert_eq!(
        session.net.circuit.stats.load().state,
        CircuitState::Connected
    );
    session.shutdown();
}
