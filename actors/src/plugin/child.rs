//! The child side of an isolated plugin: [`serve_stdio`] runs a
//! [`Plugin`] behind the framed protocol on stdin/stdout. An isolated
//! plugin's `main` is three lines:
//!
//! ```no_run
//! # use kestrel_actors::plugin::{Plugin, PluginInfo, serve_stdio};
//! # struct MyPlugin;
//! # impl Plugin for MyPlugin { fn info(&self) -> PluginInfo { PluginInfo::new("mine", "1") } }
//! fn main() -> std::process::ExitCode {
//!     serve_stdio(Box::new(MyPlugin))
//! }
//! ```

use std::io::{self, BufReader, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::time::Duration;

use thiserror::Error;

use super::api::{Plugin, PluginContext};
use super::protocol::{
    ChildMessage, FrameError, HostMessage, PROTOCOL_VERSION, read_frame, write_frame,
};

/// How serving ended normally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServeEnd {
    /// The host asked for `shutdown`.
    Shutdown,
    /// The host closed the pipe (`shutdown` was called anyway).
    HostGone,
}

/// Why serving stopped abnormally.
#[derive(Debug, Error)]
pub enum ServeError {
    /// The host's frames could not be read, or ours not written.
    #[error("protocol: {0}")]
    Frame(#[from] FrameError),
    /// The host speaks another protocol version.
    #[error("host speaks protocol {host}, this plugin {PROTOCOL_VERSION}")]
    Version {
        /// The host's version.
        host: u32,
    },
    /// The host did not start with `hello`.
    #[error("expected hello from the host, got {0}")]
    NoHello(&'static str),
    /// A callback panicked (reported to the host).
    #[error("plugin panicked: {0}")]
    Panicked(String),
    /// `on_load` failed (reported to the host).
    #[error("plugin failed to load: {0}")]
    LoadFailed(String),
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

/// Serve `plugin` on this process's stdin/stdout until the host says
/// `shutdown` or goes away. Exit status: 0 after a normal end, 101 after a
/// panic, 2 after a protocol or load error (reported on stderr).
pub fn serve_stdio(plugin: Box<dyn Plugin>) -> ExitCode {
    let stdin = io::stdin().lock();
    let stdout = io::stdout().lock();
    match serve(plugin, stdin, stdout) {
        Ok(_) => ExitCode::SUCCESS,
        Err(ServeError::Panicked(detail)) => {
            eprintln!("plugin panicked: {detail}");
            ExitCode::from(101)
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// Serve `plugin` on any pair of streams (used by [`serve_stdio`] and by tests).
pub fn serve<R: Read, W: Write>(
    mut plugin: Box<dyn Plugin>,
    input: R,
    mut output: W,
) -> Result<ServeEnd, ServeError> {
    let mut input = BufReader::new(input);
    let mut buf = Vec::new();
    match read_frame::<_, HostMessage>(&mut input, &mut buf)? {
        HostMessage::Hello { protocol } if protocol == PROTOCOL_VERSION => {}
        HostMessage::Hello { protocol } => {
            // Still answer, so the host can say what is wrong.
            let _ = write_frame(
                &mut output,
                &ChildMessage::Hello {
                    protocol: PROTOCOL_VERSION,
                    info: plugin.info(),
                },
            );
            return Err(ServeError::Version { host: protocol });
        }
        _ => return Err(ServeError::NoHello("a request")),
    }
    let info = plugin.info();
    let mut ctx = PluginContext::new(info.capabilities);
    write_frame(
        &mut output,
        &ChildMessage::Hello {
            protocol: PROTOCOL_VERSION,
            info,
        },
    )?;
    loop {
        let msg = match read_frame::<_, HostMessage>(&mut input, &mut buf) {
            Ok(m) => m,
            Err(FrameError::Closed) => {
                let _ = catch_unwind(AssertUnwindSafe(|| plugin.shutdown(&mut ctx)));
                return Ok(ServeEnd::HostGone);
            }
            Err(e) => return Err(e.into()),
        };
        let Some(seq) = msg.seq() else {
            return Err(ServeError::NoHello("a second hello"));
        };
        let result = catch_unwind(AssertUnwindSafe(|| match &msg {
            HostMessage::Load { .. } => plugin.on_load(&mut ctx).map_err(|e| e.0),
            HostMessage::Update { dt_us, .. } => {
                plugin.update(&mut ctx, Duration::from_micros(*dt_us));
                Ok(())
            }
            HostMessage::FixedUpdate { step_us, .. } => {
                plugin.fixed_update(&mut ctx, Duration::from_micros(*step_us));
                Ok(())
            }
            HostMessage::Event { event, .. } => {
                plugin.on_event(&mut ctx, event);
                Ok(())
            }
            HostMessage::Shutdown { .. } => {
                plugin.shutdown(&mut ctx);
                Ok(())
            }
            HostMessage::Hello { .. } => Ok(()),
        }));
        match result {
            Ok(Ok(())) => {
                let outputs = ctx.take_outputs();
                write_frame(&mut output, &ChildMessage::Done { seq, outputs })?;
                if matches!(msg, HostMessage::Shutdown { .. }) {
                    return Ok(ServeEnd::Shutdown);
                }
            }
            Ok(Err(error)) => {
                let _ = write_frame(
                    &mut output,
                    &ChildMessage::LoadFailed {
                        seq,
                        error: error.clone(),
                    },
                );
                return Err(ServeError::LoadFailed(error));
            }
            Err(payload) => {
                let detail = panic_text(&*payload);
                let _ = write_frame(
                    &mut output,
                    &ChildMessage::Panicked {
                        seq,
                        detail: detail.clone(),
                    },
                );
                return Err(ServeError::Panicked(detail));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::api::{PluginEvent, PluginInfo};
    use crate::plugin::protocol::encode_frame;

    struct Counter(u32);
    impl Plugin for Counter {
        fn info(&self) -> PluginInfo {
            PluginInfo::new("counter", "1").draws_overlay()
        }
        fn update(&mut self, ctx: &mut PluginContext, _dt: Duration) {
            self.0 += 1;
            ctx.set_overlay(format!("{}", self.0)).unwrap();
            if self.0 == 3 {
                panic!("three");
            }
        }
    }

    fn frames(msgs: &[HostMessage]) -> Vec<u8> {
        msgs.iter().flat_map(|m| encode_frame(m).unwrap()).collect()
    }

    fn answers(mut out: &[u8]) -> Vec<ChildMessage> {
        let mut buf = Vec::new();
        let mut v = Vec::new();
        while let Ok(m) = read_frame(&mut out, &mut buf) {
            v.push(m);
        }
        v
    }

    #[test]
    fn answers_in_order_and_reports_a_panic() {
        let input = frames(&[
            HostMessage::Hello {
                protocol: PROTOCOL_VERSION,
            },
            HostMessage::Load { seq: 1 },
            HostMessage::Update { seq: 2, dt_us: 1 },
            HostMessage::Event {
                seq: 3,
                event: PluginEvent::ObjectRemoved { local_id: 1 },
            },
            HostMessage::Update { seq: 4, dt_us: 1 },
            HostMessage::Update { seq: 5, dt_us: 1 },
            HostMessage::Update { seq: 6, dt_us: 1 },
        ]);
        let mut out = Vec::new();
        let end = serve(Box::new(Counter(0)), input.as_slice(), &mut out);
        assert!(matches!(end, Err(ServeError::Panicked(ref d)) if d == "three"));
        let got = answers(&out);
        assert!(matches!(got[0], ChildMessage::Hello { protocol: 1, .. }));
        let seqs: Vec<u64> = got[1..]
            .iter()
            .map(|m| match m {
                ChildMessage::Done { seq, .. } | ChildMessage::Panicked { seq, .. } => *seq,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
        assert!(matches!(
            got.last(),
            Some(ChildMessage::Panicked { seq: 5, .. })
        ));
    }

    #[test]
    fn refuses_another_version() {
        let input = frames(&[HostMessage::Hello { protocol: 99 }]);
        let mut out = Vec::new();
        let end = serve(Box::new(Counter(0)), input.as_slice(), &mut out);
        assert!(matches!(end, Err(ServeError::Version { host: 99 })));
    }
}
