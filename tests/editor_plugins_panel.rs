//! The Plugins panel driven headless: egui runs on synthetic input (no
//! window), the test finds the Disable / Enable buttons in a running
//! plugin's row of the rendered panel, clicks them with pointer events, and
//! the supervisor's next snapshots show the plugin disabled, then running.
//! The overlay corner shows each plugin's overlay text.

use std::sync::Arc;
use std::time::{Duration, Instant};

mod egui_support;

use egui::Rect;
use egui_support::{UiDriver, button_in_row};
use kestrel::editor::panels::{PluginsPanel, plugin_overlays_ui};
use kestrel_actors::plugin::{
    PluginControl, PluginEvent, PluginId, PluginState, PluginSupervisor, PluginSupervisorConfig,
    PluginsSnapshot, UpdateForm,
};

/// The panel and the overlay corner, as the editor draws them.
fn draw<'a>(
    panel: &'a mut PluginsPanel,
    snapshot: &'a PluginsSnapshot,
    control: &'a PluginControl,
) -> impl FnMut(&mut egui::Ui) + 'a {
    move |ui| {
        panel.ui(ui, snapshot, control);
        plugin_overlays_ui(ui.ctx(), snapshot);
    }
}

/// Waits for a snapshot where `done` holds.
fn wait_for(
    control: &PluginControl,
    what: &str,
    done: impl Fn(&PluginsSnapshot) -> bool,
) -> Arc<PluginsSnapshot> {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let snap = control.snapshot();
        if done(&snap) {
            return snap;
        }
        assert!(Instant::now() < end, "no snapshot with {what}: {snap:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn state(s: &PluginsSnapshot, id: PluginId) -> Option<PluginState> {
    s.get(id).map(|r| r.status.state)
}

/// Two frames (the grid measures its columns in the first); the second's texts.
fn settled(driver: &UiDriver, ui: &mut dyn FnMut(&mut egui::Ui)) -> Vec<(String, Rect)> {
    driver.frame(vec![], ui);
    driver.frame(vec![], ui)
}

#[test]
fn disable_then_enable_from_the_plugins_panel() {
    let sup = PluginSupervisor::start(PluginSupervisorConfig::default()).expect("supervisor");
    let control = sup.control();
    let logger = sup.load_str("chat-logger").expect("chat-logger");
    let stats = sup.load_str("region-stats").expect("region-stats");
    for local_id in 0..5 {
        control
            .publish_event(PluginEvent::ObjectUpdate {
                local_id,
                form: UpdateForm::Full,
            })
            .expect("event taken");
    }
    let running = wait_for(&control, "both running, stats counted", |s| {
        state(s, logger) == Some(PluginState::Running)
            && s.get(stats)
                .is_some_and(|r| r.status.state == PluginState::Running && r.events_delivered == 5)
    });

    let driver = UiDriver::new(1900.0, 700.0);
    let mut panel = PluginsPanel::new();
    let texts = settled(&driver, &mut draw(&mut panel, &running, &control));
    // The overlay corner shows region-stats' text.
    assert!(
        texts
            .iter()
            .any(|(t, _)| t.starts_with("Region ?: 5 objects")),
        "the overlay is drawn: {:?}",
        texts.iter().map(|(t, _)| t).collect::<Vec<_>>()
    );
    assert!(
        button_in_row(&texts, "chat-logger", "Enable").is_some(),
        "every row has its buttons"
    );
    let at = button_in_row(&texts, "chat-logger", "Disable").expect("a Disable button");
    assert!(
        button_in_row(&texts, "region-stats", "Disable").is_some_and(|p| p != at),
        "region-stats has its own row and button"
    );
    driver.click(at, &mut draw(&mut panel, &running, &control));
    assert_eq!(
        panel.last_action(),
        Some(&Ok("Disable → chat-logger".to_owned())),
        "the click reached the chat-logger's Disable button"
    );

    let disabled = wait_for(&control, "chat-logger disabled", |s| {
        state(s, logger) == Some(PluginState::Disabled)
    });
    assert_eq!(
        state(&disabled, stats),
        Some(PluginState::Running),
        "only the chat-logger was disabled"
    );
    let l = disabled.get(logger).expect("logger row");
    assert_eq!((l.status.crashes, l.status.restarts), (0, 0));
    // The supervisor's answer shows on a later frame.
    let texts = settled(&driver, &mut draw(&mut panel, &disabled, &control));
    assert_eq!(
        panel.last_action(),
        Some(&Ok("Disable → chat-logger done".to_owned()))
    );
    assert!(
        texts.iter().any(|(t, _)| t == "disabled"),
        "the row shows the state"
    );

    // Enable is clickable now that it is disabled.
    let at = button_in_row(&texts, "chat-logger", "Enable").expect("an Enable button");
    driver.click(at, &mut draw(&mut panel, &disabled, &control));
    assert_eq!(
        panel.last_action(),
        Some(&Ok("Enable → chat-logger".to_owned()))
    );
    let enabled = wait_for(&control, "chat-logger running again", |s| {
        state(s, logger) == Some(PluginState::Running)
    });
    let l = enabled.get(logger).expect("logger row");
    assert_eq!(l.status.crashes, 0);
    assert_eq!(l.incarnation, 1, "a new incarnation was started");
    settled(&driver, &mut draw(&mut panel, &enabled, &control));
    assert_eq!(
        panel.last_action(),
        Some(&Ok("Enable → chat-logger done".to_owned()))
    );

    // Clicking Enable on a running plugin does nothing: the button is off.
    let texts = settled(&driver, &mut draw(&mut panel, &enabled, &control));
    let at = button_in_row(&texts, "region-stats", "Enable").expect("an Enable button");
    driver.click(at, &mut draw(&mut panel, &enabled, &control));
    assert_eq!(
        panel.last_action(),
        Some(&Ok("Enable → chat-logger done".to_owned())),
        "a disabled button sends nothing"
    );

    sup.shutdown();
}
