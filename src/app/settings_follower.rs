//! The renderer's side of the governor: between two frames, when the
//! governor (or the user, through it) has published new settings, hand the
//! renderer its part of them. A generation number makes the check one load
//! and one compare per frame.

use crate::governor::GovernorHandle;
use crate::render::Renderer;

/// Remembers which settings generation the renderer has.
#[derive(Debug, Default)]
pub struct SettingsFollower {
    applied: Option<u64>,
}

impl SettingsFollower {
    /// A follower that applies the governor's settings on the first frame.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives `renderer` the settings in force if they changed since the
    /// last call; answers whether it did. Allocates nothing.
    pub fn follow(&mut self, governor: &GovernorHandle, renderer: &mut Renderer) -> bool {
        let active = governor.settings.load();
        if self.applied == Some(active.generation) {
            return false;
        }
        self.applied = Some(active.generation);
        renderer.set_settings(super::render_settings(&active.settings));
        true
    }
}
