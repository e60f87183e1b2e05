//! `region-stats`: counts the region's objects and object updates and shows
//! them as overlay text.

use std::collections::HashSet;
use std::time::Duration;

use crate::plugin::api::{
    EventKind, Plugin, PluginArgsError, PluginContext, PluginEvent, PluginInfo,
};

/// Counts objects (updates add a local id, removals take it away) and
/// updates, with the update rate over the last second, as overlay text:
/// `Region NAME: N objects, U updates (R/s)`.
#[derive(Debug, Default)]
pub struct RegionStats {
    region: String,
    objects: HashSet<u32>,
    updates: u64,
    removals: u64,
    window_updates: u64,
    window: Duration,
    rate: u64,
    shown: (usize, u64, u64),
    dirty: bool,
}

impl RegionStats {
    /// From `--plugin region-stats` (no arguments).
    pub fn from_args(args: &[String]) -> Result<Self, PluginArgsError> {
        if let Some(a) = args.first() {
            return Err(PluginArgsError::new(a, "region-stats takes no arguments"));
        }
        Ok(Self {
            region: "?".into(),
            dirty: true,
            ..Self::default()
        })
    }

    /// The overlay text for the current counts.
    pub fn text(&self) -> String {
        format!(
            "Region {}: {} objects, {} updates ({}/s)",
            self.region,
            self.objects.len(),
            self.updates,
            self.rate
        )
    }
}

impl Plugin for RegionStats {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("region-stats", env!("CARGO_PKG_VERSION"))
            .sees(EventKind::ObjectUpdate)
            .sees(EventKind::ObjectRemoved)
            .sees(EventKind::Region)
            .draws_overlay()
    }

    fn on_event(&mut self, _ctx: &mut PluginContext, event: &PluginEvent) {
        match event {
            PluginEvent::ObjectUpdate { local_id, .. } => {
                self.objects.insert(*local_id);
                self.updates += 1;
                self.window_updates += 1;
            }
            PluginEvent::ObjectRemoved { local_id } => {
                self.objects.remove(local_id);
                self.removals += 1;
            }
            PluginEvent::RegionEntered { name, .. } => {
                self.region.clone_from(name);
                self.objects.clear();
                self.dirty = true;
            }
            _ => {}
        }
    }

    fn fixed_update(&mut self, _ctx: &mut PluginContext, step: Duration) {
        self.window += step;
        if self.window >= Duration::from_secs(1) {
            self.rate = self.window_updates;
            self.window_updates = 0;
            self.window = Duration::ZERO;
        }
    }

    fn update(&mut self, ctx: &mut PluginContext, _dt: Duration) {
        let now = (self.objects.len(), self.updates + self.removals, self.rate);
        if now != self.shown || self.dirty {
            self.shown = now;
            self.dirty = false;
            let _ = ctx.set_overlay(self.text());
        }
    }
}
