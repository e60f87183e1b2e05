//! Capabilities: the seed capability (which URLs the region grants) and one
//! `EventQueueGet` long poll. The actor loops the poll; this module only
//! speaks HTTP + LLSD.

use std::time::Duration;

use kestrel_protocol::llsd::caps::{
    EventQueueGetRequest, EventQueueGetResponse, SeedCapabilityRequest, SeedCapabilityResponse,
};
use kestrel_protocol::llsd::{self, Llsd};

use super::http::{HttpClient, HttpError};

/// The capabilities Kestrel asks the seed for.
pub const WANTED_CAPABILITIES: &[&str] = &[
    "EventQueueGet",
    "SimulatorFeatures",
    "GetTexture",
    "GetMesh",
    "GetMesh2",
    "ViewerAsset",
    "FetchInventory2",
];

/// A capability request that failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CapsError {
    /// The HTTP exchange failed.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The answer is not the LLSD expected.
    #[error("{what}: {reason}")]
    BadBody {
        /// Which request.
        what: &'static str,
        /// Why.
        reason: String,
    },
}

const LLSD_XML: &str = "application/llsd+xml";

/// POSTs the wanted names to the seed capability; returns name → URL.
pub async fn fetch_seed(
    http: &HttpClient,
    seed_url: &str,
    names: &[String],
    timeout: Duration,
) -> Result<SeedCapabilityResponse, CapsError> {
    let body =
        llsd::to_xml_string(&SeedCapabilityRequest::new(names.iter().cloned())).map_err(|e| {
            CapsError::BadBody {
                what: "seed capability request",
                reason: e.to_string(),
            }
        })?;
    let reply = http
        .post(seed_url, LLSD_XML, body.into_bytes(), timeout)
        .await?;
    let value = Llsd::from_xml_bytes(&reply.body).map_err(|e| CapsError::BadBody {
        what: "seed capability reply",
        reason: e.to_string(),
    })?;
    llsd::from_value::<SeedCapabilityResponse>(value).map_err(|e| CapsError::BadBody {
        what: "seed capability reply (expected a map of name to URL)",
        reason: e.to_string(),
    })
}

/// What one event-queue poll brought.
#[derive(Debug, Clone, PartialEq)]
pub enum PollResult {
    /// A batch of events.
    Events(EventQueueGetResponse),
    /// Nothing within the region's hold time (HTTP 502): poll again.
    Empty,
    /// The queue is gone (HTTP 404: logged out, region restarted): stop.
    Closed,
}

/// One `EventQueueGet` long poll acknowledging `ack`.
pub async fn poll_event_queue(
    http: &HttpClient,
    url: &str,
    ack: Option<i32>,
    done: bool,
    timeout: Duration,
) -> Result<PollResult, CapsError> {
    let body = llsd::to_xml_string(&EventQueueGetRequest { ack, done }).map_err(|e| {
        CapsError::BadBody {
            what: "EventQueueGet request",
            reason: e.to_string(),
        }
    })?;
    let reply = match http.post(url, LLSD_XML, body.into_bytes(), timeout).await {
        Ok(r) => r,
        Err(HttpError::Status { status: 502, .. }) => return Ok(PollResult::Empty),
        Err(HttpError::Status { status: 404, .. }) => return Ok(PollResult::Closed),
        Err(e) => return Err(e.into()),
    };
    let value = Llsd::from_xml_bytes(&reply.body).map_err(|e| CapsError::BadBody {
        what: "EventQueueGet reply",
        reason: e.to_string(),
    })?;
    let batch =
        llsd::from_value::<EventQueueGetResponse>(value).map_err(|e| CapsError::BadBody {
            what: "EventQueueGet reply (expected {events, id})",
            reason: e.to_string(),
        })?;
    Ok(PollResult::Events(batch))
}
