//! `chat-logger`: logs every line of chat it hears.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use super::split_arg;
use crate::plugin::api::{
    EventKind, LogLevel, Plugin, PluginArgsError, PluginContext, PluginError, PluginEvent,
    PluginInfo,
};

/// Logs `ChatFromSimulator` lines: appended to a file (`path=FILE`), one
/// line per message (`type from: text`, newlines escaped), or to the viewer's log.
#[derive(Debug)]
pub struct ChatLogger {
    path: Option<PathBuf>,
    file: Option<BufWriter<File>>,
    lines: u64,
}

impl ChatLogger {
    /// From `--plugin chat-logger[:path=FILE]`.
    pub fn from_args(args: &[String]) -> Result<Self, PluginArgsError> {
        let mut path = None;
        for arg in args {
            match split_arg(arg) {
                ("path", Some(p)) if !p.is_empty() => path = Some(PathBuf::from(p)),
                _ => return Err(PluginArgsError::new(arg, "expected path=FILE")),
            }
        }
        Ok(Self {
            path,
            file: None,
            lines: 0,
        })
    }

    /// Lines logged by this instance.
    pub fn lines(&self) -> u64 {
        self.lines
    }
}

impl Plugin for ChatLogger {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("chat-logger", env!("CARGO_PKG_VERSION")).sees(EventKind::Chat)
    }

    fn on_load(&mut self, _ctx: &mut PluginContext) -> Result<(), PluginError> {
        if let Some(path) = &self.path {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| PluginError(format!("cannot open {}: {e}", path.display())))?;
            self.file = Some(BufWriter::new(f));
        }
        Ok(())
    }

    fn on_event(&mut self, ctx: &mut PluginContext, event: &PluginEvent) {
        let PluginEvent::Chat(chat) = event else {
            return;
        };
        let line = format!(
            "{:?} {}: {}",
            chat.chat_type,
            chat.from_name.replace('\n', " "),
            chat.message.replace('\\', "\\\\").replace('\n', "\\n")
        );
        self.lines += 1;
        match &mut self.file {
            Some(f) => {
                if let Err(e) = writeln!(f, "{line}").and_then(|()| f.flush()) {
                    let _ = ctx.log(LogLevel::Warn, format!("chat log write failed: {e}"));
                }
            }
            None => {
                let _ = ctx.log(LogLevel::Info, line);
            }
        }
    }

    fn shutdown(&mut self, _ctx: &mut PluginContext) {
        if let Some(f) = &mut self.file {
            let _ = f.flush();
        }
    }
}
