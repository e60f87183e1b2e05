//! The Governor and Preferences panels driven headless against a real
//! governor actor: clicks and drags on the drawn controls change the
//! profile, the thresholds and the user's files, as a user would.

mod egui_support;

use std::time::{Duration, Instant};

use egui_support::{UiDriver, find, right_of};
use kestrel::config::{ConfigDir, LoadOutcome, PerformanceProfile, UserSettings};
use kestrel::editor::panels::{GovernorPanel, PreferencesPanel};
use kestrel::governor::{Cause, FileOutcome, GovernorHandle, GovernorSpawn, Thresholds};
use kestrel_actors::prelude::*;

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn temp_dir(name: &str) -> ConfigDir {
    let d = std::env::temp_dir().join(format!("kestrel-panels-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    ConfigDir(d)
}

fn governor(rt: &ActorRuntime, dir: &ConfigDir) -> GovernorHandle {
    let mut spawn = GovernorSpawn::new(PerformanceProfile::High, Thresholds::built_in());
    spawn.persist = Some(dir.clone());
    spawn.spawn(&rt.handle()).unwrap()
}

/// The Governor panel as the editor draws it.
fn draw<'a>(
    panel: &'a mut GovernorPanel,
    gov: &'a GovernorHandle,
    dir: &'a ConfigDir,
) -> impl FnMut(&mut egui::Ui) + 'a {
    move |ui| {
        let status = gov.status.load();
        panel.ui(ui, &status, &gov.addr, Some(dir));
    }
}

fn saved(dir: &ConfigDir) -> UserSettings {
    match UserSettings::load(dir) {
        LoadOutcome::Loaded(s) => s,
        other => panic!("settings.toml not readable: {other:?}"),
    }
}

#[test]
fn preferences_switch_the_profile_apply_custom_values_and_save_them() {
    let rt = ActorRuntime::start(ActorsConfig::default()).unwrap();
    let dir = temp_dir("prefs");
    let gov = governor(&rt, &dir);
    let mut panel = PreferencesPanel::new();
    let driver = UiDriver::new(1200.0, 900.0);
    let mut ui = |ui: &mut egui::Ui| {
        let (status, active) = (gov.status.load(), gov.settings.load());
        panel.ui(ui, &status, &active, &gov.addr);
    };

    let texts = driver.frame(vec![], &mut ui);
    let low = find(&texts, "Low").expect("a Low choice");
    driver.click(low, &mut ui);
    wait_until("Low in force", || {
        let a = gov.settings.load();
        a.profile == PerformanceProfile::Low && a.cause == Cause::User
    });
    assert_eq!(gov.settings.load().settings.bandwidth_kbps, 500);
    wait_until("Low saved", || {
        matches!(
            gov.status.load().last_file_outcome,
            Some(FileOutcome::Done(_))
        )
    });
    assert_eq!(saved(&dir).profile, PerformanceProfile::Low);

    // Editing a value of a built-in profile switches to Custom from there.
    let texts = driver.frame(vec![], &mut ui);
    let (value, at) = right_of(&texts, "bandwidth (kbit/s)").expect("the bandwidth control");
    assert_eq!(value, "500");
    driver.drag(at, 60.0, &mut ui);
    // The drag applied every value it passed through; wait for the last to
    // be in force and saved.
    wait_until("Custom in force and saved", || {
        let active = gov.settings.load();
        let saved = saved(&dir);
        active.profile == PerformanceProfile::Custom
            && saved.profile == PerformanceProfile::Custom
            && saved.custom == Some(active.settings)
            && gov.status.load().custom == active.settings
    });
    let custom = gov.settings.load().settings;
    assert!(custom.bandwidth_kbps > 500, "{custom:?}");
    assert_eq!(custom.draw_distance_m, 64.0, "the rest kept Low's values");

    // Switching the governor off from here.
    let texts = driver.frame(vec![], &mut ui);
    let switch = texts
        .iter()
        .find(|(t, _)| t.starts_with("Let the governor"))
        .map(|(_, r)| r.center())
        .expect("the governor switch");
    driver.click(switch, &mut ui);
    wait_until("governor off", || !gov.status.load().enabled);
    wait_until("governor off saved", || !saved(&dir).governor_enabled);
    rt.shutdown();
    let _ = std::fs::remove_dir_all(&dir.0);
}

#[test]
fn governor_panel_tunes_saves_and_reverts_the_thresholds() {
    let rt = ActorRuntime::start(ActorsConfig::default()).unwrap();
    let dir = temp_dir("thresholds");
    let gov = governor(&rt, &dir);
    let mut panel = GovernorPanel::new();
    let driver = UiDriver::new(1200.0, 1400.0);
    let shipped = Thresholds::built_in();

    // Drag the target frame time up: the governor takes it live (every value
    // the drag passes through; the last one stays).
    let texts = driver.frame(vec![], &mut draw(&mut panel, &gov, &dir));
    let (_, at) = right_of(&texts, "target_frame_ms").expect("the target control");
    driver.drag(at, 50.0, &mut draw(&mut panel, &gov, &dir));
    let tuned = *panel.draft();
    assert!(
        tuned.target_frame_ms > shipped.target_frame_ms + 2.0,
        "{tuned:?}"
    );
    wait_until("the new target in force", || {
        gov.status.load().thresholds == tuned
    });
    let mut ui = draw(&mut panel, &gov, &dir);

    // Save writes them to the user's governor.toml.
    let texts = driver.frame(vec![], &mut ui);
    driver.click(find(&texts, "Save").expect("Save"), &mut ui);
    wait_until(
        "saved",
        || matches!(&gov.status.load().last_file_outcome, Some(FileOutcome::Done(t)) if t.starts_with("saved")),
    );
    assert_eq!(Thresholds::load_user(&dir).unwrap(), tuned);

    // Tune again, then Revert brings back what was saved.
    let texts = driver.frame(vec![], &mut ui);
    let (_, at) = right_of(&texts, "cooldown_ms").expect("the cooldown control");
    driver.drag(at, 40.0, &mut ui);
    wait_until("cooldown changed", || {
        gov.status.load().thresholds.cooldown_ms != tuned.cooldown_ms
    });
    let texts = driver.frame(vec![], &mut ui);
    driver.click(find(&texts, "Revert").expect("Revert"), &mut ui);
    wait_until("reverted", || gov.status.load().thresholds == tuned);

    // Dragging the down window past the up window: the governor follows the
    // drag while the values are valid and never takes an invalid one; the
    // panel says why the rest was not applied.
    let texts = driver.frame(vec![], &mut ui);
    let (_, at) = right_of(&texts, "down_window_ms").expect("the down window control");
    driver.drag(at, 300.0, &mut ui);
    let texts = driver.frame(vec![], &mut ui);
    assert!(
        texts.iter().any(|(t, _)| t.starts_with("not applied")),
        "no refusal shown"
    );
    std::thread::sleep(Duration::from_millis(100));
    let now = gov.status.load().thresholds;
    assert!(now.validate().is_ok(), "{now:?}");
    assert!(
        now.down_window_ms > tuned.down_window_ms,
        "the valid part applied"
    );
    assert!(now.down_window_ms <= now.up_window_ms, "{now:?}");
    rt.shutdown();
    let _ = std::fs::remove_dir_all(&dir.0);
}
