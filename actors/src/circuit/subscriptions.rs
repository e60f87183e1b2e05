//! Typed subscriptions: other actors ask for message types and get each
//! received message as an owned value through their own bounded mailbox.
//!
//! Delivery never drops: a subscriber whose mailbox is full makes the
//! circuit wait for room (the wait is counted); only a subscriber that is
//! disabled or stopped cannot be delivered to, and that is counted too
//! (a stopped one is unsubscribed).

use std::time::Instant;

use kestrel_protocol::circuit::SequenceNumber;
use kestrel_protocol::llsd::Llsd;
use kestrel_protocol::messages::{Message as WireMessage, MessageId, MessageType};

use crate::mailbox::{BoxFuture, Recipient, SendError};
use crate::message::Message;

/// Most subscriptions one circuit keeps.
pub const MAX_SUBSCRIPTIONS: usize = 64;

/// Where a delivered message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketMeta {
    /// Its packet's sequence number.
    pub sequence: SequenceNumber,
    /// Whether it came in a reliable packet.
    pub reliable: bool,
    /// When the datagram was read from the socket.
    pub received_at: Instant,
}

/// A received message, as a subscriber gets it.
#[derive(Debug, Clone)]
pub struct Received<M> {
    /// The message, owned.
    pub message: M,
    /// Its packet.
    pub meta: PacketMeta,
}

impl<M: Send + 'static> Message for Received<M> {
    type Result = ();
}

/// One event from the region's event queue (`EventQueueGet`).
#[derive(Debug, Clone, PartialEq)]
pub struct CapsEvent {
    /// The event name (`EnableSimulator`, `TeleportFinish`, …).
    pub name: String,
    /// Its LLSD body.
    pub body: Llsd,
}

impl Message for CapsEvent {
    type Result = ();
}

/// Identifies a subscription, to cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionId(pub u64);

/// Why a subscription was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscribeError {
    /// The subscription table is full.
    #[error("the circuit already has {MAX_SUBSCRIPTIONS} subscriptions")]
    TooMany,
}

/// Why a message could not be handed to a subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undeliverable {
    /// The subscriber is disabled (its supervisor gave up) or refusing.
    Refused,
    /// The subscriber has stopped; the subscription is removed.
    Gone,
}

/// What offering a message to a subscriber did.
pub enum Offer {
    /// Accepted at once.
    Sent,
    /// The mailbox is full: await this to deliver when there is room.
    Wait(BoxFuture<Result<(), Undeliverable>>),
    /// Cannot be delivered.
    Failed(Undeliverable),
}

fn offer_to<T: Message>(recipient: &Recipient<T>, value: T) -> Offer {
    match recipient.try_send(value) {
        Ok(()) => Offer::Sent,
        Err(SendError::Full(v)) => {
            let fut = recipient.send(v);
            Offer::Wait(Box::pin(async move {
                fut.await.map_err(|e| match e {
                    SendError::Closed(_) => Undeliverable::Gone,
                    _ => Undeliverable::Refused,
                })
            }))
        }
        Err(SendError::Closed(_)) => Offer::Failed(Undeliverable::Gone),
        Err(_) => Offer::Failed(Undeliverable::Refused),
    }
}

/// A subscriber of some message types (type-erased).
trait Subscriber: Send {
    fn clone_box(&self) -> Box<dyn Subscriber>;
    fn wants(&self, id: MessageId) -> bool;
    fn offer(&self, message: &WireMessage<'static>, meta: PacketMeta) -> Offer;
    fn name(&self) -> String;
}

struct Typed<M: Send + 'static> {
    recipient: Recipient<Received<M>>,
}

impl<M> Subscriber for Typed<M>
where
    M: MessageType<'static> + Send + 'static,
{
    fn clone_box(&self) -> Box<dyn Subscriber> {
        Box::new(Typed {
            recipient: self.recipient.clone(),
        })
    }

    fn wants(&self, id: MessageId) -> bool {
        id == M::ID
    }

    fn offer(&self, message: &WireMessage<'static>, meta: PacketMeta) -> Offer {
        match M::from_message(message.clone()) {
            Some(m) => offer_to(&self.recipient, Received { message: m, meta }),
            // `wants` matched the id, so this cannot happen; offer nothing.
            None => Offer::Sent,
        }
    }

    fn name(&self) -> String {
        self.recipient.name().to_string()
    }
}

struct Untyped {
    ids: Vec<MessageId>,
    recipient: Recipient<Received<WireMessage<'static>>>,
}

impl Subscriber for Untyped {
    fn clone_box(&self) -> Box<dyn Subscriber> {
        Box::new(Untyped {
            ids: self.ids.clone(),
            recipient: self.recipient.clone(),
        })
    }

    fn wants(&self, id: MessageId) -> bool {
        self.ids.contains(&id)
    }

    fn offer(&self, message: &WireMessage<'static>, meta: PacketMeta) -> Offer {
        offer_to(
            &self.recipient,
            Received {
                message: message.clone(),
                meta,
            },
        )
    }

    fn name(&self) -> String {
        self.recipient.name().to_string()
    }
}

/// Subscribe an actor to messages received on the circuit. Answered with
/// the subscription's id.
pub struct Subscribe {
    subscriber: Box<dyn Subscriber>,
}

impl Clone for Subscribe {
    fn clone(&self) -> Self {
        Subscribe {
            subscriber: self.subscriber.clone_box(),
        }
    }
}

impl std::fmt::Debug for Subscribe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Subscribe({})", self.subscriber.name())
    }
}

impl Subscribe {
    /// Deliver every message of type `M` (e.g. `ObjectUpdate<'static>`) as
    /// `Received<M>`.
    pub fn to<M>(recipient: Recipient<Received<M>>) -> Self
    where
        M: MessageType<'static> + Send + 'static,
    {
        Subscribe {
            subscriber: Box::new(Typed { recipient }),
        }
    }

    /// Deliver the messages with these ids, untyped, as
    /// `Received<Message<'static>>` (one mailbox for several types).
    pub fn any(
        ids: impl IntoIterator<Item = MessageId>,
        recipient: Recipient<Received<WireMessage<'static>>>,
    ) -> Self {
        Subscribe {
            subscriber: Box::new(Untyped {
                ids: ids.into_iter().collect(),
                recipient,
            }),
        }
    }
}

impl Message for Subscribe {
    type Result = Result<SubscriptionId, SubscribeError>;
}

/// Cancel a subscription. Answers whether it existed.
#[derive(Debug, Clone, Copy)]
pub struct Unsubscribe(pub SubscriptionId);

impl Message for Unsubscribe {
    type Result = bool;
}

/// The subscription table (kept in the circuit's durable state, so
/// subscribers stay subscribed across a crash of the circuit actor).
#[derive(Default)]
pub struct Subscriptions {
    subs: Vec<(SubscriptionId, Box<dyn Subscriber>)>,
    next: u64,
}

impl std::fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.subs.iter().map(|(id, s)| (id.0, s.name())))
            .finish()
    }
}

impl Subscriptions {
    /// Adds a subscription.
    pub fn add(&mut self, s: Subscribe) -> Result<SubscriptionId, SubscribeError> {
        if self.subs.len() >= MAX_SUBSCRIPTIONS {
            return Err(SubscribeError::TooMany);
        }
        self.next += 1;
        let id = SubscriptionId(self.next);
        self.subs.push((id, s.subscriber));
        Ok(id)
    }

    /// Removes a subscription.
    pub fn remove(&mut self, id: SubscriptionId) -> bool {
        let before = self.subs.len();
        self.subs.retain(|(i, _)| *i != id);
        self.subs.len() != before
    }

    /// True when someone wants messages with this id.
    pub fn wanted(&self, id: MessageId) -> bool {
        self.subs.iter().any(|(_, s)| s.wants(id))
    }

    /// Offers `message` to every subscriber of its type. Returns the
    /// deliveries that must wait for room, and counts failures; subscribers
    /// that are gone are removed.
    pub fn offer(
        &mut self,
        message: &WireMessage<'static>,
        meta: PacketMeta,
        failures: &mut u64,
    ) -> Vec<BoxFuture<Result<(), Undeliverable>>> {
        let id = message.id();
        let mut waits = Vec::new();
        let mut gone = Vec::new();
        for (sid, s) in &self.subs {
            if !s.wants(id) {
                continue;
            }
            match s.offer(message, meta) {
                Offer::Sent => {}
                Offer::Wait(f) => waits.push(f),
                Offer::Failed(why) => {
                    *failures += 1;
                    if why == Undeliverable::Gone {
                        gone.push(*sid);
                    }
                }
            }
        }
        for sid in gone {
            self.remove(sid);
        }
        waits
    }
}

/// Offers an event to plain recipients (circuit events, caps events) with
/// the same wait-for-room rule.
pub(crate) fn offer_all<T: Message + Clone>(
    recipients: &mut Vec<Recipient<T>>,
    value: &T,
    failures: &mut u64,
) -> Vec<BoxFuture<Result<(), Undeliverable>>> {
    let mut waits = Vec::new();
    recipients.retain(|r| match offer_to(r, value.clone()) {
        Offer::Sent => true,
        Offer::Wait(f) => {
            waits.push(f);
            true
        }
        Offer::Failed(why) => {
            *failures += 1;
            why != Undeliverable::Gone
        }
    });
    waits
}
