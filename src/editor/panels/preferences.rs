//! The Preferences panel: pick Low, Balanced, High or Custom, and edit each
//! Custom setting. Every change goes to the governor at once, which applies
//! it (renderer, scene, circuit throttle) and saves it to the user's
//! `settings.toml` off the render thread.

use egui::{Color32, Ui};
use kestrel_actors::Addr;

use crate::config::{PerformanceProfile, PerformanceSettings, ShaderQuality, TextureFiltering};
use crate::governor::{
    ActiveSettings, Cause, GovernorStatus, ScalingGovernor, SetCustom, SetEnabled, SetProfile,
};

/// What a control in the panel asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum PreferencesAction {
    /// Switch to this profile.
    Profile(PerformanceProfile),
    /// New Custom values (switching to Custom if another profile was chosen).
    Custom(PerformanceSettings),
    /// Let the governor move the profile, or not.
    Governor(bool),
}

/// The panel's state: the Custom values being edited.
#[derive(Debug, Default)]
pub struct PreferencesPanel {
    /// The governor's Custom values at the last frame.
    seen: Option<PerformanceSettings>,
    /// The Custom values as edited.
    draft: Option<PerformanceSettings>,
    /// Values sent that the governor has not published yet (a slider drag
    /// sends many): its older ones must not overwrite the draft meanwhile.
    pending: Option<PerformanceSettings>,
}

impl PreferencesPanel {
    /// A panel showing the governor's values.
    pub fn new() -> Self {
        Self::default()
    }

    /// The Custom values as edited in the panel (what it last sent).
    pub fn draft(&self) -> Option<&PerformanceSettings> {
        self.draft.as_ref()
    }

    /// Draws the panel; what the user changed is sent to `governor` (never
    /// blocking) and returned.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        status: &GovernorStatus,
        active: &ActiveSettings,
        governor: &Addr<ScalingGovernor>,
    ) -> Option<PreferencesAction> {
        if self.pending == Some(status.custom) {
            self.pending = None;
        }
        if self.pending.is_none() && self.seen != Some(status.custom) {
            self.draft = Some(status.custom);
        }
        self.seen = Some(status.custom);
        let mut action = None;
        ui.horizontal(|ui| {
            ui.label("Performance profile:");
            for p in [
                PerformanceProfile::Low,
                PerformanceProfile::Balanced,
                PerformanceProfile::High,
                PerformanceProfile::Custom,
            ] {
                if ui.radio(status.user_profile == p, p.name()).clicked()
                    && status.user_profile != p
                {
                    action = Some(PreferencesAction::Profile(p));
                }
            }
        });
        let mut governed = status.enabled;
        if ui
            .checkbox(
                &mut governed,
                "Let the governor lower and raise the profile to keep frames on time",
            )
            .changed()
        {
            action = Some(PreferencesAction::Governor(governed));
        }
        let why = match active.cause {
            Cause::Start => "as started",
            Cause::User => "your choice",
            Cause::Governor(_) => "set by the governor",
        };
        ui.label(format!("In force now: {} ({why})", active.profile));
        ui.separator();
        let custom = status.user_profile == PerformanceProfile::Custom;
        if custom {
            ui.label("Custom settings (applied as you edit):");
        } else {
            ui.label("Settings in force (editing one switches to Custom, starting from these):");
        }
        let mut edited = if custom {
            self.draft.unwrap_or(status.custom)
        } else {
            active.settings
        };
        if settings_ui(ui, &mut edited) {
            match edited.validate(std::path::Path::new("(preferences)"), "custom") {
                Ok(()) => {
                    self.draft = Some(edited);
                    action = Some(PreferencesAction::Custom(edited));
                }
                Err(e) => {
                    ui.colored_label(Color32::LIGHT_RED, format!("not applied: {e}"));
                }
            }
        }
        super::governor::file_outcome_ui(ui, status.last_file_outcome.as_ref());
        if let Some(a) = &action
            && send(governor, a, status.user_profile)
            && let PreferencesAction::Custom(sent) = a
        {
            self.pending = Some(*sent);
        }
        action
    }
}

/// One control per setting; true when one changed.
fn settings_ui(ui: &mut Ui, s: &mut PerformanceSettings) -> bool {
    let mut changed = false;
    egui::Grid::new("preferences_settings")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            ui.label("draw distance (m)");
            changed |= ui
                .add(egui::Slider::new(&mut s.draw_distance_m, 32.0..=512.0))
                .changed();
            ui.end_row();
            ui.label("mesh LOD bias");
            changed |= ui
                .add(egui::Slider::new(&mut s.mesh_lod_bias, 0.25..=4.0))
                .changed();
            ui.end_row();
            ui.label("shader quality");
            ui.horizontal(|ui| {
                for (q, name) in [(ShaderQuality::Low, "Low"), (ShaderQuality::High, "High")] {
                    changed |= ui
                        .selectable_value(&mut s.shader_quality, q, name)
                        .changed();
                }
            });
            ui.end_row();
            ui.label("texture filtering");
            ui.horizontal(|ui| {
                for (f, name) in [
                    (TextureFiltering::Bilinear, "bilinear"),
                    (TextureFiltering::Trilinear, "trilinear"),
                    (TextureFiltering::Anisotropic, "anisotropic"),
                ] {
                    changed |= ui
                        .selectable_value(&mut s.texture_filtering, f, name)
                        .changed();
                }
            });
            ui.end_row();
            ui.label("anisotropy");
            changed |= ui
                .add(egui::Slider::new(&mut s.anisotropy, 1..=16))
                .changed();
            ui.end_row();
            ui.label("impostor distance (m)");
            changed |= ui
                .add(egui::Slider::new(&mut s.impostor_distance_m, 16.0..=512.0))
                .changed();
            ui.end_row();
            ui.label("texture cache (MiB)");
            changed |= ui
                .add(egui::Slider::new(&mut s.texture_cache_mb, 64..=4096))
                .changed();
            ui.end_row();
            ui.label("virtual-texture cache (MiB)");
            changed |= ui
                .add(egui::Slider::new(&mut s.vt_cache_mb, 32..=2048))
                .changed();
            ui.end_row();
            ui.label("bandwidth (kbit/s)");
            changed |= ui
                .add(egui::Slider::new(&mut s.bandwidth_kbps, 100..=10_000))
                .changed();
            ui.end_row();
            ui.label("packet aggregation");
            changed |= ui.checkbox(&mut s.packet_aggregation, "").changed();
            ui.end_row();
        });
    changed
}

/// Sends the command; answers whether the governor's mailbox took it (a
/// full one refuses and counts it: nothing changes on screen and the user
/// can try again).
fn send(
    governor: &Addr<ScalingGovernor>,
    action: &PreferencesAction,
    chosen: PerformanceProfile,
) -> bool {
    match action {
        PreferencesAction::Profile(p) => governor.try_send(SetProfile(*p)).is_ok(),
        PreferencesAction::Governor(on) => governor.try_send(SetEnabled(*on)).is_ok(),
        PreferencesAction::Custom(s) => {
            let sent = governor.try_send(SetCustom(*s)).is_ok();
            if sent && chosen != PerformanceProfile::Custom {
                let _ = governor.try_send(SetProfile(PerformanceProfile::Custom));
            }
            sent
        }
    }
}
