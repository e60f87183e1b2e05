//! Typed LLSD bodies of the two capabilities every session starts with.
//!
//! - Seed capability: the viewer POSTs an array of capability names
//!   ([`SeedCapabilityRequest`]); the region answers a map name → URL
//!   ([`SeedCapabilityResponse`]).
//! - `EventQueueGet`: the viewer long-polls with `{ack, done}`
//!   ([`EventQueueGetRequest`]); the region answers `{events, id}`
//!   ([`EventQueueGetResponse`]), each event `{message, body}`.
//!
//! All of them convert with [`super::to_value`] / [`super::from_value`]
//! (or `to_xml_string` / `from_xml_str`), as any serde type does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Llsd, ValueError};

/// The seed capability request body: the names of the capabilities wanted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SeedCapabilityRequest(pub Vec<String>);

impl SeedCapabilityRequest {
    /// A request for the given names.
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SeedCapabilityRequest(names.into_iter().map(Into::into).collect())
    }
}

/// The seed capability response: capability name → URL. Names the region
/// does not grant are simply absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SeedCapabilityResponse(pub BTreeMap<String, String>);

impl SeedCapabilityResponse {
    /// The URL granted for `name`, if any.
    pub fn url(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// One `EventQueueGet` poll: acknowledges the batch with id `ack` (undefined
/// on the first poll) and says whether the viewer is leaving (`done`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventQueueGetRequest {
    /// The `id` of the last response received; `None` is sent as undefined.
    pub ack: Option<i32>,
    /// True on the final poll when the viewer disconnects.
    #[serde(default)]
    pub done: bool,
}

/// One event delivered through the event queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventQueueEvent {
    /// The message name, e.g. `EnableSimulator`, `TeleportFinish`.
    pub message: String,
    /// The message body, a map whose shape depends on `message`.
    #[serde(default)]
    pub body: Llsd,
}

impl EventQueueEvent {
    /// Converts the body into a typed Rust value.
    pub fn body_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, ValueError> {
        super::from_value(self.body.clone())
    }
}

/// One `EventQueueGet` answer: a batch of events and its id, which the next
/// poll acknowledges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventQueueGetResponse {
    /// The events, oldest first.
    #[serde(default)]
    pub events: Vec<EventQueueEvent>,
    /// The batch id to send back as `ack`.
    pub id: i32,
}
