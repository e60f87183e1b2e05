//! The [`ChatActor`]: local chat in and out.
//!
//! In: subscribed to the circuit's `ChatFromSimulator`, it appends each line
//! to a bounded history and publishes the whole history as one immutable
//! [`ChatLog`] (replaced per line; chat is a few lines a second at most, and
//! the render thread reads it wait-free). Out: [`Say`] sends the user's line
//! as `ChatFromViewer` through the circuit's mailbox, which keeps the order
//! of lines. The ids it says them with come from the session
//! ([`ChatSession`], sent after login).
//!
//! Everything is durable: a crash loses neither the history nor the ids.

use std::collections::VecDeque;
use std::sync::Arc;

use kestrel_actors::bus::Latest;
use kestrel_actors::circuit::{
    CircuitActor, CircuitHandle, Received, Reliability, SendMessage, SessionInfo, Subscribe,
};
use kestrel_actors::plugin::ChatEvent;
use kestrel_actors::{
    Addr, Ctx, Durable, Handles, Message, RuntimeHandle, SpawnError, SupervisedActor,
};
use kestrel_protocol::messages::{ChatFromSimulator, Message as WireMessage, MessageType};

use super::wire::{heard, say};

/// The name the chat actor is spawned under.
pub const CHAT_ACTOR: &str = "chat";

/// Lines of history kept (older ones are dropped, oldest first).
pub const CHAT_HISTORY: usize = 200;

/// Local chat as the user sees it: the newest lines, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatLog {
    /// The last [`CHAT_HISTORY`] lines heard.
    pub lines: Vec<Arc<ChatEvent>>,
    /// Lines heard in all (the history may have dropped some).
    pub heard: u64,
    /// Lines the user said that went to the circuit.
    pub said: u64,
    /// Lines the user said that could not be sent, and why the last one failed.
    pub unsent: u64,
    /// Why the last line could not be sent.
    pub last_error: Option<String>,
}

/// Say this line on the public channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Say(pub String);

impl Message for Say {
    type Result = ();
}

/// The logged-in session the user's lines are said in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatSession(pub SessionInfo);

impl Message for ChatSession {
    type Result = ();
}

/// The chat actor's durable state.
pub struct ChatDurable {
    circuit: Addr<CircuitActor>,
    session: Option<SessionInfo>,
    lines: VecDeque<Arc<ChatEvent>>,
    log: Latest<ChatLog>,
    heard: u64,
    said: u64,
    unsent: u64,
    last_error: Option<String>,
}

impl ChatDurable {
    fn publish(&self) {
        self.log.publish(ChatLog {
            lines: self.lines.iter().cloned().collect(),
            heard: self.heard,
            said: self.said,
            unsent: self.unsent,
            last_error: self.last_error.clone(),
        });
    }

    fn unsent(&mut self, why: String) {
        tracing::warn!("chat line not sent: {why}");
        self.unsent += 1;
        self.last_error = Some(why);
    }
}

/// The chat actor.
pub struct ChatActor;

impl SupervisedActor for ChatActor {
    type Durable = ChatDurable;

    fn start(_: &mut Durable<ChatDurable>, _: &mut Ctx<'_, Self>) -> Self {
        ChatActor
    }
}

impl Handles<Received<WireMessage<'static>>> for ChatActor {
    fn handle(
        &mut self,
        msg: &Received<WireMessage<'static>>,
        d: &mut Durable<ChatDurable>,
        _: &mut Ctx<'_, Self>,
    ) {
        let WireMessage::ChatFromSimulator(m) = &msg.message else {
            return;
        };
        let line = heard(m);
        if d.lines.len() >= CHAT_HISTORY {
            d.lines.pop_front();
        }
        d.lines.push_back(Arc::new(line));
        d.heard += 1;
        d.publish();
    }
}

impl Handles<Say> for ChatActor {
    fn handle(&mut self, msg: &Say, d: &mut Durable<ChatDurable>, _: &mut Ctx<'_, Self>) {
        let text = msg.0.trim();
        if text.is_empty() {
            return;
        }
        match &d.session {
            None => d.unsent("not logged in".into()),
            Some(session) => {
                let send = SendMessage {
                    message: say(session, 0, text),
                    reliability: Reliability::Reliable,
                };
                // The circuit's mailbox keeps the lines in order; a full
                // one refuses the line (counted) rather than making us wait.
                match d.circuit.try_send(send) {
                    Ok(()) => {
                        d.said += 1;
                        d.last_error = None;
                    }
                    Err(e) => d.unsent(format!("the circuit did not take it: {e}")),
                }
            }
        }
        d.publish();
    }
}

impl Handles<ChatSession> for ChatActor {
    fn handle(&mut self, msg: &ChatSession, d: &mut Durable<ChatDurable>, _: &mut Ctx<'_, Self>) {
        d.session = Some(msg.0.clone());
    }
}

/// What [`spawn_chat`] gives back.
#[derive(Debug, Clone)]
pub struct ChatHandle {
    /// Send it [`Say`] and [`ChatSession`].
    pub addr: Addr<ChatActor>,
    /// The chat history (read on the render thread: wait-free).
    pub log: Latest<ChatLog>,
}

/// Why the chat actor could not start.
#[derive(Debug, thiserror::Error)]
pub enum ChatSpawnError {
    /// The actor did not spawn.
    #[error("chat: {0}")]
    Spawn(#[from] SpawnError),
    /// The circuit did not take the subscription.
    #[error("chat: the circuit refused the subscription: {0}")]
    Subscribe(String),
}

/// Spawns the chat actor on `runtime`, subscribed to `circuit`'s chat.
pub fn spawn_chat(
    runtime: &RuntimeHandle,
    circuit: &CircuitHandle,
) -> Result<ChatHandle, ChatSpawnError> {
    let log = Latest::new(ChatLog::default());
    let durable = ChatDurable {
        circuit: circuit.addr.clone(),
        session: None,
        lines: VecDeque::with_capacity(CHAT_HISTORY),
        log: log.clone(),
        heard: 0,
        said: 0,
        unsent: 0,
        last_error: None,
    };
    let addr = runtime.spawn::<ChatActor>(CHAT_ACTOR, durable)?;
    let id = <ChatFromSimulator<'static> as MessageType<'static>>::ID;
    circuit
        .addr
        .ask_blocking(Subscribe::any([id], addr.recipient()))
        .map_err(|e| ChatSpawnError::Subscribe(format!("{e:?}")))?
        .map_err(|e| ChatSpawnError::Subscribe(e.to_string()))?;
    Ok(ChatHandle { addr, log })
}
