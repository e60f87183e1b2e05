//! The local chat window: the last lines heard (newest at the bottom) and a
//! line to type in; Enter says it. Opened with Enter in the viewer, closed
//! with Esc; drawn only while open, so a closed chat costs a frame nothing.

use egui::{Color32, Key, RichText};
use kestrel_actors::Addr;
use kestrel_actors::plugin::{ChatEvent, ChatSource};

use crate::chat::{ChatActor, ChatLog, Say};

/// Lines shown (the newest); the actor keeps more.
pub const CHAT_LINES_SHOWN: usize = 50;

/// The chat window's state: whether it is open and the line being typed.
#[derive(Debug, Default)]
pub struct ChatWindow {
    open: bool,
    input: String,
    /// Give the input line the keyboard on the next frame.
    focus: bool,
}

impl ChatWindow {
    /// A closed chat window.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether it is shown.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Shows it, with the keyboard in its input line.
    pub fn open(&mut self) {
        self.open = true;
        self.focus = true;
    }

    /// Hides it (what was typed stays for next time).
    pub fn close(&mut self) {
        self.open = false;
    }

    /// Draws the window when open; a line entered with Enter is sent to
    /// `chat` (never waiting) and returned.
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        log: &ChatLog,
        chat: &Addr<ChatActor>,
    ) -> Option<String> {
        if !self.open {
            return None;
        }
        let mut said = None;
        let mut open = self.open;
        egui::Window::new("Local chat")
            .open(&mut open)
            .anchor(egui::Align2::LEFT_BOTTOM, [10.0, -10.0])
            .default_width(460.0)
            .resizable(true)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::ScrollArea::vertical()
                    .max_height(180.0)
                    .stick_to_bottom(true)
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        let skip = log.lines.len().saturating_sub(CHAT_LINES_SHOWN);
                        for line in &log.lines[skip..] {
                            line_ui(ui, line);
                        }
                    });
                if let Some(why) = &log.last_error {
                    ui.colored_label(Color32::LIGHT_RED, format!("not sent: {why}"));
                }
                let input = ui.add(
                    egui::TextEdit::singleline(&mut self.input)
                        .hint_text("Say something — Enter sends, Esc closes")
                        .desired_width(f32::INFINITY),
                );
                if self.focus {
                    input.request_focus();
                    self.focus = false;
                }
                if input.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                    let line = std::mem::take(&mut self.input);
                    if !line.trim().is_empty() {
                        // A full mailbox refuses the line: keep it in the
                        // box, so Enter sends it again.
                        match chat.try_send(Say(line.clone())) {
                            Ok(()) => said = Some(line),
                            Err(_) => self.input = line,
                        }
                    }
                    // Keep typing: the next line goes to the same box.
                    input.request_focus();
                }
            });
        self.open = open;
        said
    }
}

fn line_ui(ui: &mut egui::Ui, line: &ChatEvent) {
    let colour = match line.source {
        ChatSource::Agent => Color32::WHITE,
        ChatSource::Object => Color32::from_rgb(0x9f, 0xd7, 0xa0),
        _ => Color32::LIGHT_GRAY,
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!("{}:", line.from_name))
                .color(colour)
                .strong(),
        );
        ui.label(RichText::new(&line.message).color(colour));
    });
}
