//! Capabilities: the seed capability (`POST /caps/<seed>`, an LLSD array of
//! names in, a map of the granted ones out) and `SimulatorFeatures`
//! (`GET /caps/<seed>/features`). The simulator grants `EventQueueGet`,
//! `SimulatorFeatures` and the texture capabilities `GetTexture` and
//! `ViewerAsset` (served by [`super::assets::capability`]); every other
//! name is left out of the answer, as a region does for capabilities it
//! does not have.

use std::fmt;
use std::str::FromStr;

use hyper::StatusCode;
use kestrel_protocol::llsd::caps::{SeedCapabilityRequest, SeedCapabilityResponse};
use kestrel_protocol::llsd::{self, Format, Llsd};

use super::http::HttpReply;
use super::state::Shared;

/// The secret part of a session's capability URLs (32 hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeedId(pub u128);

/// A path segment that is not 32 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a capability id (expected 32 hex digits)")]
pub struct SeedIdError;

impl fmt::Display for SeedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl FromStr for SeedId {
    type Err = SeedIdError;
    fn from_str(s: &str) -> Result<Self, SeedIdError> {
        if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SeedIdError);
        }
        u128::from_str_radix(s, 16)
            .map(SeedId)
            .map_err(|_| SeedIdError)
    }
}

/// The capabilities this simulator serves.
pub const GRANTED: [&str; 4] = [
    "EventQueueGet",
    "SimulatorFeatures",
    "GetTexture",
    "ViewerAsset",
];

/// The seed capability URL of a session.
pub fn seed_url(shared: &Shared, seed: SeedId) -> String {
    format!("{}/caps/{seed}", shared.base_url())
}

/// The URL of a granted capability, `None` for one this region lacks.
pub fn cap_url(shared: &Shared, seed: SeedId, name: &str) -> Option<String> {
    let base = seed_url(shared, seed);
    match name {
        "EventQueueGet" => Some(format!("{base}/eq")),
        "SimulatorFeatures" => Some(format!("{base}/features")),
        "GetTexture" => Some(format!("{base}/texture")),
        "ViewerAsset" => Some(format!("{base}/asset")),
        _ => None,
    }
}

pub(crate) fn llsd_reply(value: &Llsd) -> HttpReply {
    HttpReply::xml(StatusCode::OK, value.to_xml(), Format::Xml.mime_type())
}

fn unknown_seed(seed: SeedId) -> HttpReply {
    HttpReply::text(
        StatusCode::NOT_FOUND,
        format!("capability {seed} is not live (logged out, timed out or never issued)"),
    )
}

/// Parses an LLSD XML request body (the format every viewer uses for
/// these capabilities), with a 400 naming what was wrong.
pub(crate) fn parse_llsd_body(body: &[u8], what: &str) -> Result<Llsd, HttpReply> {
    Llsd::from_xml_bytes(body).map_err(|e| {
        HttpReply::text(
            StatusCode::BAD_REQUEST,
            format!("{what}: the body is not LLSD XML: {e}"),
        )
    })
}

/// `POST /caps/<seed>`: answers the granted subset of the requested names.
pub fn seed(shared: &Shared, seed: SeedId, body: &[u8]) -> HttpReply {
    if shared.sessions.lock().by_seed(seed).is_none() {
        return unknown_seed(seed);
    }
    let value = match parse_llsd_body(body, "seed capability request") {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let request: SeedCapabilityRequest = match llsd::from_value(value) {
        Ok(r) => r,
        Err(e) => {
            return HttpReply::text(
                StatusCode::BAD_REQUEST,
                format!("seed capability request: expected an array of capability names: {e}"),
            );
        }
    };
    let granted = request
        .0
        .iter()
        .filter_map(|name| cap_url(shared, seed, name).map(|url| (name.clone(), url)))
        .collect();
    match llsd::to_value(&SeedCapabilityResponse(granted)) {
        Ok(v) => llsd_reply(&v),
        Err(e) => HttpReply::text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("seed capability answer: {e}"),
        ),
    }
}

/// `GET /caps/<seed>/features`: what this simulator supports.
pub fn features(shared: &Shared, seed: SeedId) -> HttpReply {
    if shared.sessions.lock().by_seed(seed).is_none() {
        return unknown_seed(seed);
    }
    let extras = Llsd::new_map()
        .with(
            "SimulatorName",
            Llsd::String("Kestrel embedded simulator".into()),
        )
        .with("GridName", Llsd::String("Kestrel loopback".into()))
        .with(
            "WaterHeight",
            Llsd::Real(f64::from(shared.region.water_height)),
        );
    let features = Llsd::new_map()
        .with("MeshRezEnabled", Llsd::Boolean(false))
        .with("MeshUploadEnabled", Llsd::Boolean(false))
        .with("MeshXferEnabled", Llsd::Boolean(false))
        .with("PhysicsMaterialsEnabled", Llsd::Boolean(false))
        .with("RenderMaterialsCapability", Llsd::Real(0.0))
        .with("MaxMaterialsPerTransaction", Llsd::Integer(0))
        .with(
            "LSLSyntaxId",
            Llsd::Uuid(kestrel_protocol::types::Uuid::NIL),
        )
        .with("OpenSimExtras", extras);
    llsd_reply(&features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ids_round_trip_through_text() {
        let id = SeedId(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        let text = id.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(text.parse::<SeedId>(), Ok(id));
        assert!("xyz".parse::<SeedId>().is_err());
        assert!(
            "0123456789abcdef0123456789abcdeg"
                .parse::<SeedId>()
                .is_err()
        );
    }
}
