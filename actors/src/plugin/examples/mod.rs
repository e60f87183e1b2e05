//! The example plugins and [`PluginRegistry`], the in-process plugins
//! loadable by name (`--plugin NAME[:ARGS]`).
//!
//! * `chat-logger` ([`ChatLogger`]): logs the chat it hears, to a file (`path=FILE`) or the viewer's log.
//! * `region-stats` ([`RegionStats`]): counts objects and updates, shows them as overlay text.
//! * `faulty` ([`Faulty`]): misbehaves on command (panics, hangs, leaks, aborts,
//!   garbage on the pipe); used by the tests. The same plugins run isolated
//!   through the `kestrel-plugin-host` executable (`kestrel-plugin-host faulty abort-after=3`).

mod chat_logger;
mod faulty;
mod region_stats;

pub use chat_logger::ChatLogger;
pub use faulty::{Faulty, FaultyMode};
pub use region_stats::RegionStats;

use super::api::{Plugin, PluginArgsError, PluginFactory};

/// In-process plugin factories by name.
#[derive(Clone, Debug, Default)]
pub struct PluginRegistry {
    factories: Vec<PluginFactory>,
}

impl PluginRegistry {
    /// No plugins.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The example plugins, as run in-process (`faulty` refuses the
    /// misbehaviours that would take the viewer's own process down).
    pub fn examples() -> Self {
        Self::examples_for(FaultyMode::InProcess)
    }

    /// The example plugins as run inside `kestrel-plugin-host` (every
    /// misbehaviour of `faulty` allowed: it only ends that process).
    pub fn isolated_examples() -> Self {
        Self::examples_for(FaultyMode::Isolated)
    }

    fn examples_for(mode: FaultyMode) -> Self {
        let mut r = Self::empty();
        r.register(PluginFactory::new(
            "chat-logger",
            "logs chat heard from the simulator (args: path=FILE)",
            |args| ChatLogger::from_args(args).map(|p| Box::new(p) as Box<dyn Plugin>),
        ));
        r.register(PluginFactory::new(
            "region-stats",
            "counts objects and object updates; overlay text",
            |args| RegionStats::from_args(args).map(|p| Box::new(p) as Box<dyn Plugin>),
        ));
        r.register(PluginFactory::new(
            "faulty",
            "misbehaves on command: panic-every-update, panic-on-load, panic-after=N, panic-on-event, hang-on-load, hang-on-update, hang-after=N, hang-ms=MS, leak-mb-per-update=N, abort-after=N, garbage (the last two isolated only)",
            move |args| Faulty::from_args(args, mode).map(|p| Box::new(p) as Box<dyn Plugin>),
        ));
        r
    }

    /// Add `factory`, replacing one of the same name.
    pub fn register(&mut self, factory: PluginFactory) {
        self.factories.retain(|f| f.name() != factory.name());
        self.factories.push(factory);
    }

    /// The factory registered as `name`.
    pub fn get(&self, name: &str) -> Option<&PluginFactory> {
        self.factories.iter().find(|f| f.name() == name)
    }

    /// Registered names, in registration order.
    pub fn names(&self) -> Vec<&str> {
        self.factories.iter().map(PluginFactory::name).collect()
    }

    /// Every factory.
    pub fn iter(&self) -> impl Iterator<Item = &PluginFactory> {
        self.factories.iter()
    }

    /// Make plugin `name` with `args` (for `kestrel-plugin-host`).
    pub fn create(&self, name: &str, args: &[String]) -> Result<Box<dyn Plugin>, PluginArgsError> {
        let factory = self.get(name).ok_or_else(|| {
            PluginArgsError::new(
                name,
                format!("no such plugin (known: {})", self.names().join(", ")),
            )
        })?;
        factory.create(args)
    }
}

/// Split `key=value` (or a bare `key`).
pub(crate) fn split_arg(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (arg, None),
    }
}

/// Parse the value of `arg` as a number.
pub(crate) fn number<T: std::str::FromStr>(
    arg: &str,
    value: Option<&str>,
) -> Result<T, PluginArgsError> {
    let v = value.ok_or_else(|| PluginArgsError::new(arg, "needs a value (key=N)"))?;
    v.parse()
        .map_err(|_| PluginArgsError::new(arg, format!("{v:?} is not a valid number")))
}
