//! The plugin API: what a plugin declares ([`PluginInfo`], [`Capabilities`]),
//! the callbacks it implements ([`Plugin`]), the events it can subscribe to
//! ([`PluginEvent`]) and what it may ask of the viewer ([`PluginContext`]).
//!
//! The same trait serves both kinds of plugin: an in-process plugin is a
//! `Box<dyn Plugin>` run by the supervisor on a worker thread; an isolated
//! plugin is an executable whose `main` hands its `Box<dyn Plugin>` to
//! [`serve_stdio`](super::serve_stdio), which speaks the framed protocol of
//! [`protocol`](super::protocol) with the supervisor.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Longest plugin name, in bytes.
pub const MAX_NAME_BYTES: usize = 64;
/// Longest plugin version string, in bytes.
pub const MAX_VERSION_BYTES: usize = 32;
/// Longest chat line a plugin may send, in bytes (the simulator's limit).
pub const MAX_CHAT_BYTES: usize = 1023;
/// Longest overlay text, in bytes.
pub const MAX_OVERLAY_BYTES: usize = 4096;
/// Longest log line, in bytes (longer ones are cut).
pub const MAX_LOG_BYTES: usize = 1024;
/// Most chat lines and log lines one callback may emit.
pub const MAX_OUTPUTS_PER_CALLBACK: usize = 64;

/// A kind of event a plugin may subscribe to (its capability to *see* it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Chat heard from the simulator (`ChatFromSimulator`).
    Chat,
    /// An object was created or changed (`ObjectUpdate` and its terse/compressed/cached forms).
    ObjectUpdate,
    /// An object left the scene (`KillObject`).
    ObjectRemoved,
    /// The agent entered a region (region handshake).
    Region,
    /// The circuit to the region connected or was lost.
    Circuit,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 5] = [
        EventKind::Chat,
        EventKind::ObjectUpdate,
        EventKind::ObjectRemoved,
        EventKind::Region,
        EventKind::Circuit,
    ];

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`EventKind`]s. Serialized as a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "Vec<EventKind>", from = "Vec<EventKind>")]
pub struct EventKinds(u8);

impl EventKinds {
    /// No events.
    pub const NONE: EventKinds = EventKinds(0);

    /// This set plus `kind`.
    pub const fn with(self, kind: EventKind) -> Self {
        EventKinds(self.0 | kind.bit())
    }

    /// Whether `kind` is in the set.
    pub const fn contains(self, kind: EventKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// The kinds in the set, in [`EventKind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = EventKind> {
        EventKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }
}

impl From<EventKinds> for Vec<EventKind> {
    fn from(set: EventKinds) -> Self {
        set.iter().collect()
    }
}

impl From<Vec<EventKind>> for EventKinds {
    fn from(kinds: Vec<EventKind>) -> Self {
        kinds.into_iter().fold(EventKinds::NONE, EventKinds::with)
    }
}

impl FromIterator<EventKind> for EventKinds {
    fn from_iter<I: IntoIterator<Item = EventKind>>(iter: I) -> Self {
        iter.into_iter().fold(EventKinds::NONE, EventKinds::with)
    }
}

/// What a plugin is allowed to do. The supervisor enforces it: events of
/// other kinds are never delivered, and chat or overlay requests without the
/// capability are refused (and counted as `denied`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// The event kinds delivered to [`Plugin::on_event`].
    pub events: EventKinds,
    /// May send chat ([`PluginContext::send_chat`]).
    pub send_chat: bool,
    /// May draw an overlay ([`PluginContext::set_overlay`]).
    pub overlay: bool,
}

/// A plugin's declaration: name, version and capabilities. Owned strings;
/// checked by [`validate`](Self::validate) when the plugin is loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// Short name (`[A-Za-z0-9_.-]`, at most [`MAX_NAME_BYTES`]), shown in the editor and the status list.
    pub name: String,
    /// Version text (printable, at most [`MAX_VERSION_BYTES`]).
    pub version: String,
    /// What the plugin may see and do.
    pub capabilities: Capabilities,
}

impl PluginInfo {
    /// A plugin with no capabilities yet.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            capabilities: Capabilities::default(),
        }
    }

    /// Also subscribe to events of `kind`.
    pub fn sees(mut self, kind: EventKind) -> Self {
        self.capabilities.events = self.capabilities.events.with(kind);
        self
    }

    /// Also allow sending chat.
    pub fn sends_chat(mut self) -> Self {
        self.capabilities.send_chat = true;
        self
    }

    /// Also allow drawing an overlay.
    pub fn draws_overlay(mut self) -> Self {
        self.capabilities.overlay = true;
        self
    }

    /// Check the name and version.
    pub fn validate(&self) -> Result<(), InfoError> {
        let name_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if self.name.is_empty() {
            return Err(InfoError::EmptyName);
        }
        if self.name.len() > MAX_NAME_BYTES {
            return Err(InfoError::NameTooLong(self.name.len()));
        }
        if let Some((at, c)) = self.name.char_indices().find(|(_, c)| !name_ok(*c)) {
            return Err(InfoError::BadNameChar { at, c });
        }
        if self.version.len() > MAX_VERSION_BYTES {
            return Err(InfoError::VersionTooLong(self.version.len()));
        }
        if self.version.chars().any(char::is_control) {
            return Err(InfoError::BadVersion);
        }
        Ok(())
    }
}

/// A [`PluginInfo`] that cannot be accepted.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum InfoError {
    /// The name is empty.
    #[error("plugin name is empty")]
    EmptyName,
    /// The name is too long.
    #[error("plugin name is {0} bytes long (at most {MAX_NAME_BYTES})")]
    NameTooLong(usize),
    /// The name has a character outside `[A-Za-z0-9_.-]`.
    #[error("plugin name has {c:?} at byte {at} (allowed: letters, digits, '_', '-', '.')")]
    BadNameChar {
        /// Byte offset.
        at: usize,
        /// The character.
        c: char,
    },
    /// The version is too long.
    #[error("plugin version is {0} bytes long (at most {MAX_VERSION_BYTES})")]
    VersionTooLong(usize),
    /// The version has control characters.
    #[error("plugin version contains control characters")]
    BadVersion,
}

/// A 128-bit agent, object or asset key (a UUID), shown and serialized in
/// its usual text form (`01234567-89ab-cdef-0123-456789abcdef`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Key(pub u128);

impl Key {
    /// Parse the text form (32 hex digits, hyphens anywhere ignored).
    pub fn parse(text: &str) -> Option<Key> {
        let mut v: u128 = 0;
        let mut digits = 0;
        for c in text.chars().filter(|c| *c != '-') {
            v = (v << 4) | u128::from(c.to_digit(16)?);
            digits += 1;
            if digits > 32 {
                return None;
            }
        }
        (digits == 32).then_some(Key(v))
    }
}

impl Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Key::parse(&text).ok_or_else(|| {
            serde::de::Error::invalid_value(serde::de::Unexpected::Str(&text), &"a UUID")
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0.to_be_bytes();
        for (i, byte) in b.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// Who spoke (`ChatFromSimulator.SourceType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatSource {
    /// The simulator itself (0).
    System,
    /// An avatar (1).
    Agent,
    /// An object (2).
    Object,
    /// A value this viewer does not know.
    Other(u8),
}

impl From<u8> for ChatSource {
    fn from(v: u8) -> Self {
        match v {
            0 => Self::System,
            1 => Self::Agent,
            2 => Self::Object,
            other => Self::Other(other),
        }
    }
}

/// How it was said (`ChatFromSimulator.ChatType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatType {
    /// Whisper (0).
    Whisper,
    /// Normal say (1).
    Normal,
    /// Shout (2).
    Shout,
    /// Started typing (4).
    StartTyping,
    /// Stopped typing (5).
    StopTyping,
    /// Script debug channel (6).
    Debug,
    /// `llOwnerSay` (8).
    OwnerSay,
    /// A value this viewer does not know.
    Other(u8),
}

impl From<u8> for ChatType {
    fn from(v: u8) -> Self {
        match v {
            0 => Self::Whisper,
            1 => Self::Normal,
            2 => Self::Shout,
            4 => Self::StartTyping,
            5 => Self::StopTyping,
            6 => Self::Debug,
            8 => Self::OwnerSay,
            other => Self::Other(other),
        }
    }
}

/// One line of chat heard from the simulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatEvent {
    /// Speaker's name.
    pub from_name: String,
    /// Speaker's key (agent or object).
    pub source_id: Key,
    /// Who spoke.
    pub source: ChatSource,
    /// How.
    pub chat_type: ChatType,
    /// Region-local position of the speaker.
    pub position: [f32; 3],
    /// The text.
    pub message: String,
}

impl ChatEvent {
    /// Build from the wire fields of `ChatFromSimulator` (variable fields as
    /// raw bytes: invalid UTF-8 is replaced, a trailing NUL dropped).
    pub fn from_wire(
        from_name: &[u8],
        source_id: u128,
        source_type: u8,
        chat_type: u8,
        position: [f32; 3],
        message: &[u8],
    ) -> Self {
        let text = |b: &[u8]| {
            let b = b.strip_suffix(&[0]).unwrap_or(b);
            String::from_utf8_lossy(b).into_owned()
        };
        Self {
            from_name: text(from_name),
            source_id: Key(source_id),
            source: source_type.into(),
            chat_type: chat_type.into(),
            position,
            message: text(message),
        }
    }
}

/// Which form of object update arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateForm {
    /// `ObjectUpdate` (full).
    Full,
    /// `ImprovedTerseObjectUpdate`.
    Terse,
    /// `ObjectUpdateCompressed`.
    Compressed,
    /// `ObjectUpdateCached`.
    Cached,
}

/// An event a plugin may subscribe to. Owned data, serializable (it crosses
/// the process boundary for isolated plugins).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PluginEvent {
    /// Chat heard ([`EventKind::Chat`]).
    Chat(ChatEvent),
    /// An object was created or changed ([`EventKind::ObjectUpdate`]).
    ObjectUpdate {
        /// Region-local object id.
        local_id: u32,
        /// Which update message carried it.
        form: UpdateForm,
    },
    /// An object left the scene ([`EventKind::ObjectRemoved`]).
    ObjectRemoved {
        /// Region-local object id.
        local_id: u32,
    },
    /// The agent entered a region ([`EventKind::Region`]).
    RegionEntered {
        /// Region name.
        name: String,
        /// Region handle (global position).
        handle: u64,
    },
    /// The circuit connected or was lost ([`EventKind::Circuit`]).
    Circuit {
        /// Connected now.
        connected: bool,
        /// Why, in words.
        reason: String,
    },
}

impl PluginEvent {
    /// The kind a plugin must subscribe to in order to see this event.
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Chat(_) => EventKind::Chat,
            Self::ObjectUpdate { .. } => EventKind::ObjectUpdate,
            Self::ObjectRemoved { .. } => EventKind::ObjectRemoved,
            Self::RegionEntered { .. } => EventKind::Region,
            Self::Circuit { .. } => EventKind::Circuit,
        }
    }
}

/// Importance of a plugin log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// Debugging detail.
    Debug,
    /// Normal information.
    Info,
    /// Something is wrong.
    Warn,
}

/// A chat line a plugin wants said (needs [`Capabilities::send_chat`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Chat channel (0 = public).
    pub channel: i32,
    /// The text (at most [`MAX_CHAT_BYTES`]).
    pub text: String,
}

/// What a callback asked for, collected by [`PluginContext`] and handed to
/// the supervisor when the callback returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "output", rename_all = "snake_case")]
pub enum PluginOutput {
    /// Say something.
    Chat(ChatRequest),
    /// Replace (`Some`) or remove (`None`) the plugin's overlay text.
    Overlay {
        /// The new text.
        text: Option<String>,
    },
    /// A log line (goes to the viewer's log, tagged with the plugin's name).
    Log {
        /// Importance.
        level: LogLevel,
        /// The text.
        text: String,
    },
}

/// A request the context refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum HostError {
    /// The plugin did not declare the capability.
    #[error("plugin lacks the {0} capability")]
    NotAllowed(&'static str),
    /// Text over its limit.
    #[error("{what} is {len} bytes long (at most {max})")]
    TooLong {
        /// Which text.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Too many outputs in one callback.
    #[error("more than {MAX_OUTPUTS_PER_CALLBACK} outputs in one callback")]
    TooMany,
}

/// What a plugin callback may do: send chat, set its overlay, log. Outputs
/// are collected and handed over when the callback returns; limits and
/// capabilities are checked here, before anything leaves the plugin.
#[derive(Debug)]
pub struct PluginContext {
    capabilities: Capabilities,
    outputs: Vec<PluginOutput>,
    counted: usize,
}

impl PluginContext {
    /// A context enforcing `capabilities`.
    pub fn new(capabilities: Capabilities) -> Self {
        Self {
            capabilities,
            outputs: Vec::new(),
            counted: 0,
        }
    }

    /// The capabilities this context enforces.
    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    fn room(&mut self) -> Result<(), HostError> {
        if self.counted >= MAX_OUTPUTS_PER_CALLBACK {
            return Err(HostError::TooMany);
        }
        self.counted += 1;
        Ok(())
    }

    /// Say `text` on `channel` (needs [`Capabilities::send_chat`]).
    pub fn send_chat(&mut self, channel: i32, text: impl Into<String>) -> Result<(), HostError> {
        if !self.capabilities.send_chat {
            return Err(HostError::NotAllowed("send_chat"));
        }
        let text = text.into();
        if text.len() > MAX_CHAT_BYTES {
            return Err(HostError::TooLong {
                what: "chat text",
                len: text.len(),
                max: MAX_CHAT_BYTES,
            });
        }
        self.room()?;
        self.outputs
            .push(PluginOutput::Chat(ChatRequest { channel, text }));
        Ok(())
    }

    /// Replace the overlay text (needs [`Capabilities::overlay`]). Only the
    /// last overlay change of a callback is kept.
    pub fn set_overlay(&mut self, text: impl Into<String>) -> Result<(), HostError> {
        self.overlay(Some(text.into()))
    }

    /// Remove the overlay (needs [`Capabilities::overlay`]).
    pub fn clear_overlay(&mut self) -> Result<(), HostError> {
        self.overlay(None)
    }

    fn overlay(&mut self, text: Option<String>) -> Result<(), HostError> {
        if !self.capabilities.overlay {
            return Err(HostError::NotAllowed("overlay"));
        }
        if let Some(t) = &text
            && t.len() > MAX_OVERLAY_BYTES
        {
            return Err(HostError::TooLong {
                what: "overlay text",
                len: t.len(),
                max: MAX_OVERLAY_BYTES,
            });
        }
        self.outputs
            .retain(|o| !matches!(o, PluginOutput::Overlay { .. }));
        self.outputs.push(PluginOutput::Overlay { text });
        Ok(())
    }

    /// Log a line (cut at [`MAX_LOG_BYTES`]).
    pub fn log(&mut self, level: LogLevel, text: impl Into<String>) -> Result<(), HostError> {
        let mut text = text.into();
        if text.len() > MAX_LOG_BYTES {
            let mut cut = MAX_LOG_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        self.room()?;
        self.outputs.push(PluginOutput::Log { level, text });
        Ok(())
    }

    /// Take the outputs of the callback that just returned.
    pub fn take_outputs(&mut self) -> Vec<PluginOutput> {
        self.counted = 0;
        std::mem::take(&mut self.outputs)
    }

    /// Whether the last callback produced nothing.
    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }
}

/// A plugin's own error from [`Plugin::on_load`].
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct PluginError(pub String);

/// A plugin. Every callback runs on the plugin's worker thread (in-process)
/// or in its own process (isolated), never on the render thread, wrapped in
/// `catch_unwind` and a watchdog deadline: a panic is a crash (restart with
/// backoff, disabled past the restart intensity), a callback that overruns
/// its deadline is a hang.
///
/// Construction (the factory) must be cheap; do real work in
/// [`on_load`](Self::on_load), which is supervised.
pub trait Plugin: Send + 'static {
    /// Name, version and capabilities. Asked once, when the plugin is loaded.
    fn info(&self) -> PluginInfo;

    /// Called once per incarnation, before anything else. An error is a
    /// crash (the supervisor restarts the plugin under its policy).
    fn on_load(&mut self, _ctx: &mut PluginContext) -> Result<(), PluginError> {
        Ok(())
    }

    /// Called once per supervisor tick (the frame rate, 60 Hz by default)
    /// with the time since the previous update. Skipped (and counted) while
    /// the previous update is still running.
    fn update(&mut self, _ctx: &mut PluginContext, _dt: Duration) {}

    /// Called at a fixed rate (20 Hz by default) with the fixed step.
    fn fixed_update(&mut self, _ctx: &mut PluginContext, _step: Duration) {}

    /// Called for each event of a kind the plugin declared in its capabilities.
    fn on_event(&mut self, _ctx: &mut PluginContext, _event: &PluginEvent) {}

    /// Called once when the plugin is unloaded or reloaded (not after a crash).
    fn shutdown(&mut self, _ctx: &mut PluginContext) {}
}

/// Bad plugin arguments: which one and why.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("plugin argument {arg:?}: {reason}")]
pub struct PluginArgsError {
    /// The argument as given.
    pub arg: String,
    /// What is wrong with it.
    pub reason: String,
}

impl PluginArgsError {
    /// `arg` is wrong because `reason`.
    pub fn new(arg: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            arg: arg.into(),
            reason: reason.into(),
        }
    }
}

type CreateFn = dyn Fn(&[String]) -> Result<Box<dyn Plugin>, PluginArgsError> + Send + Sync;

/// Makes instances of an in-process plugin from its arguments: once when it
/// is loaded (on the caller's thread, so bad arguments are reported at once)
/// and again, on the worker thread, for every restart.
#[derive(Clone)]
pub struct PluginFactory {
    name: String,
    summary: String,
    create: Arc<CreateFn>,
}

impl fmt::Debug for PluginFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginFactory")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl PluginFactory {
    /// A factory registered as `name`, described by `summary` (one line).
    pub fn new(
        name: impl Into<String>,
        summary: impl Into<String>,
        create: impl Fn(&[String]) -> Result<Box<dyn Plugin>, PluginArgsError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            summary: summary.into(),
            create: Arc::new(create),
        }
    }

    /// The name it is loaded by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One-line description.
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// Make an instance.
    pub fn create(&self, args: &[String]) -> Result<Box<dyn Plugin>, PluginArgsError> {
        (self.create)(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_round_trip_as_a_list() {
        let set: EventKinds = [EventKind::Chat, EventKind::Region].into_iter().collect();
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["chat","region"]"#);
        let back: EventKinds = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set);
        assert!(!back.contains(EventKind::ObjectUpdate));
    }

    #[test]
    fn context_enforces_capabilities_and_limits() {
        let mut ctx = PluginContext::new(Capabilities::default());
        assert_eq!(
            ctx.send_chat(0, "hi"),
            Err(HostError::NotAllowed("send_chat"))
        );
        assert_eq!(ctx.set_overlay("x"), Err(HostError::NotAllowed("overlay")));
        let caps = Capabilities {
            send_chat: true,
            overlay: true,
            ..Capabilities::default()
        };
        let mut ctx = PluginContext::new(caps);
        assert!(matches!(
            ctx.send_chat(0, "x".repeat(MAX_CHAT_BYTES + 1)),
            Err(HostError::TooLong { .. })
        ));
        ctx.set_overlay("a").unwrap();
        ctx.set_overlay("b").unwrap();
        for _ in 0..MAX_OUTPUTS_PER_CALLBACK {
            ctx.send_chat(0, "hi").unwrap();
        }
        assert_eq!(ctx.send_chat(0, "hi"), Err(HostError::TooMany));
        let out = ctx.take_outputs();
        let overlays: Vec<_> = out
            .iter()
            .filter(|o| matches!(o, PluginOutput::Overlay { .. }))
            .collect();
        assert_eq!(
            overlays,
            vec![&PluginOutput::Overlay {
                text: Some("b".into())
            }]
        );
        assert_eq!(out.len(), MAX_OUTPUTS_PER_CALLBACK + 1);
        ctx.send_chat(0, "again").unwrap();
    }

    #[test]
    fn info_validation_names_the_problem() {
        assert_eq!(PluginInfo::new("ok-name_1.2", "1.0").validate(), Ok(()));
        assert_eq!(
            PluginInfo::new("", "1").validate(),
            Err(InfoError::EmptyName)
        );
        assert_eq!(
            PluginInfo::new("a b", "1").validate(),
            Err(InfoError::BadNameChar { at: 1, c: ' ' })
        );
    }

    #[test]
    fn key_displays_as_uuid() {
        let k = Key(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(k.to_string(), "01234567-89ab-cdef-0123-456789abcdef");
        assert_eq!(Key::parse(&k.to_string()), Some(k));
        assert_eq!(Key::parse("0123"), None);
        assert_eq!(Key::parse("x1234567-89ab-cdef-0123-456789abcdef"), None);
        // Through an internally tagged enum, as on the plugin pipe.
        let ev = PluginEvent::Chat(ChatEvent::from_wire(b"a", 7, 1, 1, [0.0; 3], b"m"));
        let json = serde_json::to_string(&ev).unwrap();
        assert_eq!(serde_json::from_str::<PluginEvent>(&json).unwrap(), ev);
    }

    #[test]
    fn chat_from_wire_drops_nul_and_repairs_utf8() {
        let c = ChatEvent::from_wire(b"Bob\0", 7, 1, 1, [1.0, 2.0, 3.0], b"hi \xff\0");
        assert_eq!(c.from_name, "Bob");
        assert_eq!(c.message, "hi \u{fffd}");
        assert_eq!(
            (c.source, c.chat_type),
            (ChatSource::Agent, ChatType::Normal)
        );
    }
}
