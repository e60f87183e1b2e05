//! Chat on the wire: the `ChatFromViewer` a line becomes, and the line a
//! `ChatFromSimulator` carries.

use kestrel_actors::circuit::SessionInfo;
use kestrel_actors::plugin::ChatEvent;
use kestrel_protocol::messages::{
    ChatFromSimulator, ChatFromViewer, Message, MessageType, VarBytes, chat_from_viewer,
};

/// The line a `ChatFromSimulator` carries (the user's chat log and the
/// plugins' chat events alike).
pub fn heard(m: &ChatFromSimulator<'_>) -> ChatEvent {
    let c = &m.chat_data;
    ChatEvent::from_wire(
        c.from_name.as_bytes(),
        u128::from_be_bytes(c.source_id.0),
        c.source_type,
        c.chat_type,
        c.position.to_array(),
        c.message.as_bytes(),
    )
}

/// `ChatFromViewer.ChatType` of a normal say (heard within 20 m).
pub const CHAT_NORMAL: u8 = 1;

/// Longest line sent, in bytes (the simulator's limit); longer ones are cut
/// on a character boundary.
pub const MAX_CHAT_BYTES: usize = 1023;

/// `text` said normally on `channel` (0 = public) by this session's agent.
pub fn say(session: &SessionInfo, channel: i32, text: &str) -> Message<'static> {
    let mut end = text.len().min(MAX_CHAT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    ChatFromViewer {
        agent_data: chat_from_viewer::AgentData {
            agent_id: session.agent_id,
            session_id: session.session_id,
        },
        chat_data: chat_from_viewer::ChatData {
            message: VarBytes::from_text(&text[..end]),
            r#type: CHAT_NORMAL,
            channel,
        },
    }
    .into_message()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_protocol::types::Uuid;

    fn session() -> SessionInfo {
        SessionInfo {
            agent_id: Uuid::from_u128(1),
            session_id: Uuid::from_u128(2),
            circuit_code: 3,
            sim: "127.0.0.1:9000".parse().expect("address"),
            seed_capability: None,
            region_handle: 0,
        }
    }

    #[test]
    fn a_line_is_said_normally_on_its_channel() {
        let Message::ChatFromViewer(m) = say(&session(), 7, "hello") else {
            panic!("not a ChatFromViewer");
        };
        assert_eq!(m.agent_data.agent_id, Uuid::from_u128(1));
        assert_eq!(m.agent_data.session_id, Uuid::from_u128(2));
        assert_eq!((m.chat_data.r#type, m.chat_data.channel), (CHAT_NORMAL, 7));
        assert_eq!(m.chat_data.message.text_lossy(), "hello");
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        let long = "é".repeat(1000); // 2000 bytes
        let Message::ChatFromViewer(m) = say(&session(), 0, &long) else {
            panic!("not a ChatFromViewer");
        };
        let text = m.chat_data.message.text_lossy();
        assert!(text.len() <= MAX_CHAT_BYTES && text.chars().all(|c| c == 'é'));
    }
}
