//! `faulty`: a plugin that misbehaves on command, for tests and demos.

use std::io::Write;
use std::time::Duration;

use super::{number, split_arg};
use crate::plugin::api::{
    EventKind, EventKinds, Plugin, PluginArgsError, PluginContext, PluginError, PluginEvent,
    PluginInfo,
};

/// Where `faulty` runs: in-process it refuses the misbehaviours that would
/// end the viewer's own process (`abort-*`) or need a pipe (`garbage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultyMode {
    /// On a supervisor worker thread.
    InProcess,
    /// In its own process (`kestrel-plugin-host faulty …`).
    Isolated,
}

/// One misbehaviour (ARGS of `faulty`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misbehaviour {
    /// `panic-every-update`: every `update` panics.
    PanicEveryUpdate,
    /// `panic-on-load`: `on_load` panics.
    PanicOnLoad,
    /// `panic-after=N`: updates after the Nth panic.
    PanicAfter(u64),
    /// `panic-on-event`: every `on_event` panics.
    PanicOnEvent,
    /// `fail-load`: `on_load` returns an error.
    FailLoad,
    /// `hang-on-load`: `on_load` never returns (or sleeps `hang-ms`).
    HangOnLoad,
    /// `hang-on-update`: the first `update` hangs.
    HangOnUpdate,
    /// `hang-after=N`: the update after the Nth hangs.
    HangAfter(u64),
    /// `hang-ms=MS`: a hang lasts MS milliseconds instead of forever.
    HangMs(u64),
    /// `leak-mb-per-update=N`: every update leaks N MiB (written, so it is resident).
    LeakMbPerUpdate(u64),
    /// `abort-after=N` (isolated only): the update after the Nth aborts the process.
    AbortAfter(u64),
    /// `garbage` (isolated only): the first update writes bytes that are not a frame to stdout.
    Garbage,
}

impl Misbehaviour {
    fn parse(arg: &str, mode: FaultyMode) -> Result<Self, PluginArgsError> {
        let (key, value) = split_arg(arg);
        let m = match key {
            "panic-every-update" => Self::PanicEveryUpdate,
            "panic-on-load" => Self::PanicOnLoad,
            "panic-after" => Self::PanicAfter(number(arg, value)?),
            "panic-on-event" => Self::PanicOnEvent,
            "fail-load" => Self::FailLoad,
            "hang-on-load" => Self::HangOnLoad,
            "hang-on-update" => Self::HangOnUpdate,
            "hang-after" => Self::HangAfter(number(arg, value)?),
            "hang-ms" => Self::HangMs(number(arg, value)?),
            "leak-mb-per-update" => Self::LeakMbPerUpdate(number(arg, value)?),
            "abort-after" => Self::AbortAfter(number(arg, value)?),
            "garbage" => Self::Garbage,
            _ => {
                return Err(PluginArgsError::new(
                    arg,
                    "unknown misbehaviour (panic-every-update, panic-on-load, panic-after=N, panic-on-event, fail-load, hang-on-load, hang-on-update, hang-after=N, hang-ms=MS, leak-mb-per-update=N, abort-after=N, garbage)",
                ));
            }
        };
        let flag_takes_no_value = matches!(
            m,
            Self::PanicEveryUpdate
                | Self::PanicOnLoad
                | Self::PanicOnEvent
                | Self::FailLoad
                | Self::HangOnLoad
                | Self::HangOnUpdate
                | Self::Garbage
        );
        if flag_takes_no_value && value.is_some() {
            return Err(PluginArgsError::new(arg, "takes no value"));
        }
        if mode == FaultyMode::InProcess && matches!(m, Self::AbortAfter(_) | Self::Garbage) {
            return Err(PluginArgsError::new(
                arg,
                "only for the isolated plugin: in-process it would end the viewer (abort) or has no pipe (garbage); load it as PATH/kestrel-plugin-host:faulty,ARGS",
            ));
        }
        Ok(m)
    }
}

/// Misbehaves as told by its arguments; well-behaved with none.
#[derive(Debug)]
pub struct Faulty {
    misbehaviours: Vec<Misbehaviour>,
    updates: u64,
    leaked_mib: u64,
}

impl Faulty {
    /// From `--plugin faulty:ARG,ARG…`.
    pub fn from_args(args: &[String], mode: FaultyMode) -> Result<Self, PluginArgsError> {
        let misbehaviours = args
            .iter()
            .map(|a| Misbehaviour::parse(a, mode))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            misbehaviours,
            updates: 0,
            leaked_mib: 0,
        })
    }

    /// MiB leaked so far by this instance.
    pub fn leaked_mib(&self) -> u64 {
        self.leaked_mib
    }

    fn has(&self, m: Misbehaviour) -> bool {
        self.misbehaviours.contains(&m)
    }

    fn find<T>(&self, f: impl Fn(Misbehaviour) -> Option<T>) -> Option<T> {
        self.misbehaviours.iter().find_map(|m| f(*m))
    }

    fn hang(&self) {
        match self.find(|m| match m {
            Misbehaviour::HangMs(ms) => Some(ms),
            _ => None,
        }) {
            Some(ms) => std::thread::sleep(Duration::from_millis(ms)),
            None => loop {
                std::thread::park();
            },
        }
    }
}

impl Plugin for Faulty {
    fn info(&self) -> PluginInfo {
        let mut info = PluginInfo::new("faulty", env!("CARGO_PKG_VERSION"));
        info.capabilities.events = EventKind::ALL.into_iter().collect::<EventKinds>();
        info
    }

    fn on_load(&mut self, _ctx: &mut PluginContext) -> Result<(), PluginError> {
        if self.has(Misbehaviour::PanicOnLoad) {
            panic!("faulty: panic-on-load");
        }
        if self.has(Misbehaviour::HangOnLoad) {
            self.hang();
        }
        if self.has(Misbehaviour::FailLoad) {
            return Err(PluginError("faulty: fail-load".into()));
        }
        Ok(())
    }

    fn update(&mut self, _ctx: &mut PluginContext, _dt: Duration) {
        self.updates += 1;
        let n = self.updates;
        if let Some(mb) = self.find(|m| match m {
            Misbehaviour::LeakMbPerUpdate(mb) => Some(mb),
            _ => None,
        }) && mb > 0
        {
            let bytes = usize::try_from(mb << 20).unwrap_or(usize::MAX);
            // Written, not just reserved, so the leak shows in resident memory.
            std::mem::forget(vec![0xA5u8; bytes]);
            self.leaked_mib += mb;
        }
        if self.has(Misbehaviour::Garbage) && n == 1 {
            let mut out = std::io::stdout();
            let _ = out
                .write_all(b"\xde\xad\xbe\xef this is not a frame")
                .and_then(|()| out.flush());
        }
        if self
            .find(|m| match m {
                Misbehaviour::AbortAfter(k) => Some(k),
                _ => None,
            })
            .is_some_and(|k| n > k)
        {
            std::process::abort();
        }
        if self.has(Misbehaviour::PanicEveryUpdate) {
            panic!("faulty: panic-every-update (update {n})");
        }
        if self
            .find(|m| match m {
                Misbehaviour::PanicAfter(k) => Some(k),
                _ => None,
            })
            .is_some_and(|k| n > k)
        {
            panic!("faulty: panic-after (update {n})");
        }
        let hang_after = self.find(|m| match m {
            Misbehaviour::HangAfter(k) => Some(k),
            _ => None,
        });
        if (self.has(Misbehaviour::HangOnUpdate) && n == 1)
            || hang_after.is_some_and(|k| n == k + 1)
        {
            self.hang();
        }
    }

    fn on_event(&mut self, _ctx: &mut PluginContext, _event: &PluginEvent) {
        if self.has(Misbehaviour::PanicOnEvent) {
            panic!("faulty: panic-on-event");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_and_refuses_clearly() {
        let f = Faulty::from_args(
            &args(&["panic-after=3", "leak-mb-per-update=1"]),
            FaultyMode::InProcess,
        )
        .unwrap();
        assert_eq!(
            f.misbehaviours,
            vec![
                Misbehaviour::PanicAfter(3),
                Misbehaviour::LeakMbPerUpdate(1)
            ]
        );
        let e = Faulty::from_args(&args(&["abort-after=2"]), FaultyMode::InProcess).unwrap_err();
        assert_eq!(e.arg, "abort-after=2");
        assert!(
            Faulty::from_args(&args(&["abort-after=2", "garbage"]), FaultyMode::Isolated).is_ok()
        );
        let e = Faulty::from_args(&args(&["panic-after=x"]), FaultyMode::InProcess).unwrap_err();
        assert!(e.reason.contains("not a valid number"), "{e}");
        assert!(Faulty::from_args(&args(&["explode"]), FaultyMode::InProcess).is_err());
        assert!(Faulty::from_args(&args(&["garbage=1"]), FaultyMode::Isolated).is_err());
    }
}
