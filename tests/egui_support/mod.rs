//! Drives egui panels headless: runs frames on synthetic input (no window,
//! no painter), collects every text drawn with its rectangle so a test can
//! find a button or value by its label, and clicks or drags there.

#![allow(dead_code)] // each test uses the part it needs

use egui::epaint::{ClippedShape, Shape};
use egui::{Event, Modifiers, PointerButton, Pos2, RawInput, Rect, Ui, Vec2};

/// A headless egui context of a fixed screen size.
pub struct UiDriver {
    ctx: egui::Context,
    screen: Vec2,
}

impl UiDriver {
    /// A context drawing onto a `width` × `height` screen.
    pub fn new(width: f32, height: f32) -> Self {
        UiDriver {
            ctx: egui::Context::default(),
            screen: Vec2::new(width, height),
        }
    }

    /// One frame of `ui` (inside a central panel) with `events`; answers
    /// every visible text with its rectangle.
    pub fn frame(&self, events: Vec<Event>, ui: &mut dyn FnMut(&mut Ui)) -> Vec<(String, Rect)> {
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, self.screen)),
            events,
            ..RawInput::default()
        };
        let mut out = self.ctx.run_ui(input, |root| {
            egui::CentralPanel::default().show(root, |inner| ui(inner));
        });
        // No painter here: the font atlas is not uploaded anywhere.
        out.textures_delta.clear();
        let mut texts = Vec::new();
        for ClippedShape {
            shape, clip_rect, ..
        } in &out.shapes
        {
            collect_texts(shape, *clip_rect, &mut texts);
        }
        texts
    }

    /// Moves the pointer to `at`, presses and releases the primary button
    /// (three frames).
    pub fn click(&self, at: Pos2, ui: &mut dyn FnMut(&mut Ui)) {
        self.frame(vec![Event::PointerMoved(at)], ui);
        self.frame(vec![button(at, true)], ui);
        self.frame(vec![button(at, false)], ui);
    }

    /// Presses at `from`, drags `dx` points to the right in steps, releases.
    pub fn drag(&self, from: Pos2, dx: f32, ui: &mut dyn FnMut(&mut Ui)) {
        self.frame(vec![Event::PointerMoved(from)], ui);
        self.frame(vec![button(from, true)], ui);
        let steps = 10;
        for i in 1..=steps {
            let at = from + Vec2::new(dx * i as f32 / steps as f32, 0.0);
            self.frame(vec![Event::PointerMoved(at)], ui);
        }
        let end = from + Vec2::new(dx, 0.0);
        self.frame(vec![button(end, false)], ui);
        self.frame(vec![Event::PointerMoved(end)], ui);
    }
}

fn button(at: Pos2, pressed: bool) -> Event {
    Event::PointerButton {
        pos: at,
        button: PointerButton::Primary,
        pressed,
        modifiers: Modifiers::default(),
    }
}

fn collect_texts(shape: &Shape, clip: Rect, out: &mut Vec<(String, Rect)>) {
    match shape {
        Shape::Text(t) => {
            let rect = t.galley.rect.translate(t.pos.to_vec2());
            // Only what is visible can be clicked.
            if clip.contains(rect.center()) {
                out.push((t.galley.text().to_owned(), rect));
            }
        }
        Shape::Vec(shapes) => {
            for s in shapes {
                collect_texts(s, clip, out);
            }
        }
        _ => {}
    }
}

/// The centre of the first text exactly `label`.
pub fn find(texts: &[(String, Rect)], label: &str) -> Option<Pos2> {
    texts
        .iter()
        .find(|(t, _)| t == label)
        .map(|(_, r)| r.center())
}

/// The centre of the first text on the same row as the text `row`, to its right.
pub fn right_of(texts: &[(String, Rect)], row: &str) -> Option<(String, Pos2)> {
    let r = texts.iter().find(|(t, _)| t == row)?.1;
    texts
        .iter()
        .filter(|(_, x)| (x.center().y - r.center().y).abs() < r.height() / 2.0)
        .filter(|(_, x)| x.left() > r.right())
        .min_by(|a, b| a.1.left().total_cmp(&b.1.left()))
        .map(|(t, x)| (t.clone(), x.center()))
}

/// Where the button labelled `label` is drawn in the row whose first text is `row`.
pub fn button_in_row(texts: &[(String, Rect)], row: &str, label: &str) -> Option<Pos2> {
    let r = texts.iter().find(|(t, _)| t == row)?.1;
    texts
        .iter()
        .filter(|(t, x)| t == label && (x.center().y - r.center().y).abs() < r.height() / 2.0)
        .map(|(_, x)| x.center())
        .next()
}
