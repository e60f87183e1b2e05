//! The Network panel: the circuit's state and wire counters from the latest
//! `CircuitStats` snapshot.

use egui::{Color32, Ui};
use kestrel_actors::circuit::{CircuitState, CircuitStats};

/// What the user reads for a circuit state.
pub fn state_text(state: CircuitState) -> &'static str {
    match state {
        CircuitState::Idle => "idle",
        CircuitState::LoggingIn => "logging in",
        CircuitState::Connecting => "handshake",
        CircuitState::Connected => "connected",
        CircuitState::TimedOut => "timed out",
        CircuitState::Reconnecting => "reconnecting",
        CircuitState::LoggingOut => "logging out",
        CircuitState::LoggedOut => "logged out",
        CircuitState::Failed => "failed",
    }
}

/// The share of our packets that had to be sent again: each resend is a
/// reliable packet (or its ack) the wire lost, so this estimates outbound
/// loss. `None` before anything was sent.
pub fn loss_estimate(s: &CircuitStats) -> Option<f64> {
    (s.packets_out > 0).then(|| s.resent as f64 / s.packets_out as f64)
}

/// Draws the circuit's figures (borrowed from the published snapshot).
pub fn network_ui(ui: &mut Ui, s: &CircuitStats) {
    egui::Grid::new("network_grid")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            ui.label("state");
            let colour = match s.state {
                CircuitState::Connected => Color32::LIGHT_GREEN,
                CircuitState::Failed | CircuitState::TimedOut => Color32::LIGHT_RED,
                _ => Color32::YELLOW,
            };
            ui.colored_label(colour, state_text(s.state));
            ui.end_row();
            ui.label("region");
            ui.label(s.region_name.as_deref().unwrap_or("—"));
            ui.end_row();
            ui.label("RTT");
            ui.label(match s.rtt_ms {
                Some(ms) => format!("{ms:.1} ms"),
                None => "—".to_owned(),
            });
            ui.end_row();
            ui.label("loss estimate");
            ui.label(match loss_estimate(s) {
                Some(share) => format!("{:.1} % (resent / sent)", share * 100.0),
                None => "—".to_owned(),
            });
            ui.end_row();
            for (name, value) in [
                ("packets in", s.packets_in),
                ("packets out", s.packets_out),
                ("resent", s.resent),
                ("duplicates dropped", s.duplicates_dropped),
                ("reliable lost", s.reliable_lost),
                ("malformed", s.malformed),
                ("unknown messages", s.unknown_messages),
                ("acks sent", s.acks_sent),
                ("pending acks (ours, in flight)", s.in_flight as u64),
                ("reconnects", s.reconnects),
                ("resumed after crash", s.resumed),
            ] {
                ui.label(name);
                ui.monospace(value.to_string());
                ui.end_row();
            }
        });
    if let Some(e) = &s.last_error {
        ui.colored_label(Color32::LIGHT_RED, format!("last error: {e}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_estimate_is_resends_over_packets_sent() {
        let mut s = CircuitStats::default();
        assert_eq!(loss_estimate(&s), None);
        s.packets_out = 200;
        s.resent = 10;
        assert_eq!(loss_estimate(&s), Some(0.05));
    }
}
