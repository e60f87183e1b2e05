//! The Assets panel driven headless: the editor runs on synthetic input (no
//! window) over a `Latest<AssetStats>` holding known figures, and the test
//! reads what was drawn — the figures a user would read, the memory bar, the
//! failures by kind (zero rows greyed) — at the README's 1280×960, in the
//! tabbed window and with every panel tiled.

mod egui_support;

use egui::epaint::{ClippedShape, Shape};
use egui::{Color32, Pos2, RawInput, Rect, Vec2};
use egui_support::{UiDriver, find, right_of};
use kestrel::assets::{AssetStats, FailureKind, Failures};
use kestrel::editor::panels::AssetsPanel;
use kestrel::editor::panels::assets::{ASSET_HISTORY_POINTS, ASSET_SAMPLE_S};
use kestrel::editor::{Editor, EditorSources, EditorTab};
use kestrel_actors::bus::Latest;

const MIB: u64 = 1024 * 1024;

/// Figures a user can tell apart on screen.
fn known() -> AssetStats {
    AssetStats {
        requested: 150,
        fetched: 120,
        decoded: 131,
        failed: 7,
        failures: Failures {
            missing: 4,
            http: 1,
            corrupt: 2,
            ..Failures::default()
        },
        http_requests: 212,
        retries: 9,
        bytes_fetched: 48 * MIB,
        cache_hits: 42,
        cache_corrupt: 3,
        queued: 17,
        in_flight: 6,
        decoding: 2,
        resident_bytes: 12 * MIB,
        budget_bytes: 256 * MIB,
        evictions: 5,
        delivered: 99,
        decode_ms_p50: 3.4,
        decode_ms_p99: 17.6,
        fetched_per_s: 4.5,
        bytes_per_s: 1.5 * MIB as f64,
        incarnation: 1,
    }
}

fn sources(stats: AssetStats) -> EditorSources {
    EditorSources {
        assets: Some(Latest::new(stats)),
        ..EditorSources::default()
    }
}

/// Two frames (grids measure their columns in the first); the second's texts.
fn settled(driver: &UiDriver, ui: &mut dyn FnMut(&mut egui::Ui)) -> Vec<(String, Rect)> {
    driver.frame(vec![], ui);
    driver.frame(vec![], ui);
    driver.frame(vec![], ui)
}

fn value(texts: &[(String, Rect)], label: &str) -> String {
    right_of(texts, label)
        .unwrap_or_else(|| panic!("no value right of {label:?}"))
        .0
}

#[test]
fn the_assets_tab_shows_the_actors_figures() {
    let sources = sources(known());
    let mut editor = Editor::new(true);
    editor.select(EditorTab::Assets);
    let driver = UiDriver::new(1280.0, 960.0);
    let texts = settled(&driver, &mut |ui| editor.ui(ui, &sources));
    let all: Vec<&str> = texts.iter().map(|(t, _)| t.as_str()).collect();
    assert!(find(&texts, "Assets").is_some(), "an Assets tab: {all:?}");

    assert_eq!(value(&texts, "queued"), "17");
    assert_eq!(value(&texts, "in flight"), "6");
    assert_eq!(value(&texts, "decoding"), "2");
    assert_eq!(value(&texts, "fetched/s"), "4.5");
    assert_eq!(value(&texts, "bytes/s"), "1.5 MiB/s");
    assert_eq!(value(&texts, "decode ms p50 / p99"), "3.4 / 17.6");
    assert_eq!(
        value(&texts, "cache hits"),
        "42 (3 corrupt entries dropped)"
    );
    assert_eq!(value(&texts, "texture memory"), "12 / 256 MiB");
    assert_eq!(value(&texts, "evictions"), "5");
    assert_eq!(value(&texts, "delivered"), "99");
    assert_eq!(value(&texts, "HTTP requests / retries"), "212 / 9");
    assert_eq!(value(&texts, "bytes fetched"), "48.0 MiB");
    assert_eq!(value(&texts, "failed (textures)"), "7");

    // The failures table: every kind, its count on its row.
    for kind in FailureKind::ALL {
        let expected = known().failures.get(kind).to_string();
        assert_eq!(value(&texts, kind.label()), expected, "{kind:?}");
    }
    assert_eq!(value(&texts, "missing (404)"), "4");
    assert_eq!(value(&texts, "corrupt"), "2");

    // The plots are drawn under it, on screen (bytes/s in MiB at 1.5 MiB/s).
    for title in ["fetched MiB/s", "queue length"] {
        let at = find(&texts, title).unwrap_or_else(|| panic!("no {title:?}: {texts:?}"));
        assert!(at.y < 960.0, "{title} off screen at {at:?}");
    }
}

#[test]
fn zero_failure_rows_are_greyed() {
    let stats = known();
    let mut panel = AssetsPanel::new();
    let ctx = egui::Context::default();
    let mut coloured = Vec::new();
    for _ in 0..2 {
        coloured = frame_colours(&ctx, |ui| panel.ui(ui, &stats));
    }
    let weak = ctx.global_style().visuals.weak_text_color();
    let colour_of = |label: &str| {
        coloured
            .iter()
            .find(|(t, _)| t == label)
            .unwrap_or_else(|| panic!("no {label:?}"))
            .1
    };
    for kind in FailureKind::ALL {
        let greyed = colour_of(kind.label()) == weak;
        assert_eq!(
            greyed,
            stats.failures.get(kind) == 0,
            "{kind:?} greyed: {greyed}"
        );
    }
}

#[test]
fn without_a_source_it_says_so() {
    let sources = EditorSources::default();
    let mut editor = Editor::new(true);
    editor.select(EditorTab::Assets);
    let driver = UiDriver::new(1280.0, 960.0);
    let texts = settled(&driver, &mut |ui| editor.ui(ui, &sources));
    assert!(find(&texts, "no asset actor").is_some());
    assert!(find(&texts, "queued").is_none());
}

#[test]
fn every_panel_tiled_stays_within_1280_by_960() {
    let sources = sources(known());
    let mut editor = Editor::new(true);
    editor.show_all(true);
    let driver = UiDriver::new(1280.0, 960.0);
    let texts = settled(&driver, &mut |ui| editor.ui(ui, &sources));
    let screen = Rect::from_min_size(Pos2::ZERO, Vec2::new(1280.0, 960.0));
    let mut titles = Vec::new();
    for tab in EditorTab::ALL {
        let (_, r) = texts
            .iter()
            .find(|(t, _)| t == tab.name())
            .unwrap_or_else(|| panic!("no {} window", tab.name()));
        assert!(screen.contains_rect(*r), "{} title at {r:?}", tab.name());
        assert!(
            titles.iter().all(|o: &Rect| !o.intersects(*r)),
            "{} overlaps another title",
            tab.name()
        );
        titles.push(*r);
    }
    // The Assets window shows its figures there too.
    assert_eq!(value(&texts, "queued"), "17");
}

#[test]
fn the_history_is_a_fixed_ring() {
    let mut panel = AssetsPanel::new();
    let capacity = panel.plot_capacity();
    let mut stats = known();
    // Ten minutes of samples ending just before the driver's clock starts.
    for i in (1..=1200).rev() {
        stats.queued = i;
        panel.observe(-(i as f64) * ASSET_SAMPLE_S, &stats);
    }
    assert_eq!(panel.history_len(), ASSET_HISTORY_POINTS);
    let driver = UiDriver::new(1280.0, 960.0);
    for _ in 0..40 {
        driver.frame(vec![], &mut |ui| panel.ui(ui, &stats));
        assert_eq!(panel.history_len(), ASSET_HISTORY_POINTS);
        assert_eq!(panel.plot_capacity(), capacity, "the plot buffers grew");
    }
}

/// One frame of `ui` in a central panel; every visible text with its colour.
fn frame_colours(ctx: &egui::Context, mut ui: impl FnMut(&mut egui::Ui)) -> Vec<(String, Color32)> {
    let input = RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(1280.0, 960.0))),
        ..RawInput::default()
    };
    let mut out = ctx.run_ui(input, |root| {
        egui::CentralPanel::default().show(root, |inner| ui(inner));
    });
    out.textures_delta.clear();
    let mut texts = Vec::new();
    for ClippedShape { shape, .. } in &out.shapes {
        colours(shape, &mut texts);
    }
    texts
}

fn colours(shape: &Shape, out: &mut Vec<(String, Color32)>) {
    match shape {
        Shape::Text(t) => {
            let colour = t
                .galley
                .job
                .sections
                .first()
                .map(|s| s.format.color)
                .filter(|c| *c != Color32::PLACEHOLDER)
                .unwrap_or(t.fallback_color);
            out.push((t.galley.text().to_owned(), colour));
        }
        Shape::Vec(shapes) => {
            for s in shapes {
                colours(s, out);
            }
        }
        _ => {}
    }
}
