//! `GET <cap>?texture_id=UUID` for the `GetTexture` and `ViewerAsset`
//! capabilities, answered as OpenSimulator 0.9.2.2 answers both (one
//! handler, `GetAssetsHandler`, behind each):
//!
//! | request | answer |
//! |---|---|
//! | no query | 400 |
//! | no known `<type>_id` key (`texture_id`, `mesh_id`, …) | 404 |
//! | empty value, or not a UUID | 400 |
//! | id not served, or an empty asset | 404 |
//! | no `Range`, or one OpenSim does not parse | 200, the whole asset |
//! | `Range: bytes=a-b` / `bytes=a-` | 206, `Content-Range: bytes a-b'/N` (b clamped to N-1) |
//! | start at or past the end | 416 with `Content-Range: bytes */N` (OpenSim: 200; see [`super::PastEnd`]) |
//!
//! Bodies of 200 and 206 are `image/x-j2c`; the others are plain text.
//! Behaviours of inserted assets apply first: a slow asset answers after
//! its delay, a flaky one answers 503 while it has failures left.

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::{CONTENT_RANGE, HeaderValue};
use kestrel_protocol::types::Uuid;

use super::counters::{RequestRecord, TextureCap};
use super::range::{self, Selection};
use super::served::Resolved;
use crate::sim::caps::SeedId;
use crate::sim::http::HttpReply;
use crate::sim::state::Shared;

/// The content type of a J2C codestream.
pub const J2C_MIME: &str = "image/x-j2c";

/// The query keys OpenSim's `GetAssetsHandler` knows (one per asset type).
pub const QUERY_KEYS: [&str; 20] = [
    "texture_id",
    "sound_id",
    "callcard_id",
    "landmark_id",
    "script_id",
    "clothing_id",
    "object_id",
    "notecard_id",
    "lsltext_id",
    "lslbyte_id",
    "txtr_tga_id",
    "bodypart_id",
    "snd_wav_id",
    "img_tga_id",
    "jpeg_id",
    "animatn_id",
    "gesture_id",
    "mesh_id",
    "settings_id",
    "material_id",
];

/// A request to a texture capability.
#[derive(Debug, Clone, Copy)]
pub struct AssetRequest<'a> {
    /// Which capability.
    pub cap: TextureCap,
    /// The URL's query, if any.
    pub query: Option<&'a str>,
    /// The `Range` header, if any.
    pub range: Option<&'a str>,
}

/// Answers a request to `GetTexture` or `ViewerAsset` of session `seed`.
pub async fn handle(shared: &Shared, seed: SeedId, request: AssetRequest<'_>) -> HttpReply {
    if shared.sessions.lock().by_seed(seed).is_none() {
        return HttpReply::text(
            StatusCode::NOT_FOUND,
            format!("capability {seed} is not live (logged out, timed out or never issued)"),
        );
    }
    shared.stats.texture_requests.inc();
    let id = match asset_id(request.query) {
        Ok(id) => id,
        Err(reply) => {
            if reply.status == StatusCode::BAD_REQUEST {
                shared.stats.texture_bad_requests.inc();
            } else {
                shared.stats.texture_not_found.inc();
            }
            return reply;
        }
    };
    let library = &shared.textures;
    library.counters.request(id);
    let reply = answer(shared, id, request.range).await;
    let status = reply.status.as_u16();
    let bytes = match status {
        200 | 206 => reply.body.len() as u64,
        _ => 0,
    };
    let stats = &shared.stats;
    match status {
        200 => stats.texture_whole.inc(),
        206 => stats.texture_partial.inc(),
        404 => stats.texture_not_found.inc(),
        416 => stats.texture_not_satisfiable.inc(),
        503 => stats.texture_unavailable.inc(),
        _ => stats.texture_failed.inc(),
    }
    stats.texture_bytes.add(bytes);
    library.counters.answer(RequestRecord {
        id,
        cap: request.cap,
        range: request.range.map(str::to_string),
        status,
        bytes,
    });
    reply
}

/// The asset id of the query, or the 400/404 OpenSim answers.
fn asset_id(query: Option<&str>) -> Result<Uuid, HttpReply> {
    let bad = |why: &str| HttpReply::text(StatusCode::BAD_REQUEST, why.to_string());
    let query = query.unwrap_or("");
    if query.is_empty() {
        return Err(bad("no query: ask for ?texture_id=UUID"));
    }
    let value = query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        QUERY_KEYS.contains(&key).then_some(value)
    });
    let Some(value) = value else {
        return Err(HttpReply::text(
            StatusCode::NOT_FOUND,
            "no asset type in the query (expected texture_id=UUID)",
        ));
    };
    if value.is_empty() {
        return Err(bad("empty asset id"));
    }
    value
        .parse::<Uuid>()
        .map_err(|_| bad(&format!("not an asset id: {value:?}")))
}

async fn answer(shared: &Shared, id: Uuid, range_header: Option<&str>) -> HttpReply {
    let not_found = || HttpReply::text(StatusCode::NOT_FOUND, "not found");
    let library = &shared.textures;
    let Some(node) = library.node(id) else {
        return not_found();
    };
    let data = match node.resolve().await {
        Resolved::Unavailable => {
            return HttpReply::text(StatusCode::SERVICE_UNAVAILABLE, "asset service unavailable");
        }
        Resolved::Bytes(b) => b,
        Resolved::Generated(g) => match library.encoded(g).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(%id, error = %e, "sim: a texture could not be encoded");
                return HttpReply::text(StatusCode::INTERNAL_SERVER_ERROR, e);
            }
        },
    };
    if data.is_empty() {
        return not_found();
    }
    let len = data.len() as u64;
    match range::select(range_header, len, library.past_end()) {
        Selection::Whole => HttpReply::binary(StatusCode::OK, J2C_MIME, Bytes::from(data.to_vec())),
        Selection::Partial { start, end } => {
            let body = Bytes::copy_from_slice(&data[start as usize..=end as usize]);
            HttpReply::binary(StatusCode::PARTIAL_CONTENT, J2C_MIME, body).with_header(
                CONTENT_RANGE,
                content_range(&format!("bytes {start}-{end}/{len}")),
            )
        }
        Selection::NotSatisfiable => HttpReply::text(
            StatusCode::RANGE_NOT_SATISFIABLE,
            format!("the range starts at or past the end of the {len}-byte asset"),
        )
        .with_header(CONTENT_RANGE, content_range(&format!("bytes */{len}"))),
    }
}

fn content_range(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("bytes */0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_ids_are_read_as_opensim_reads_them() {
        let id = "6b657374-7265-6c54-0000-000000000003";
        assert_eq!(
            asset_id(Some(&format!("texture_id={id}"))).unwrap(),
            id.parse().unwrap()
        );
        assert_eq!(
            asset_id(Some(&format!("foo=1&mesh_id={id}"))).unwrap(),
            id.parse().unwrap()
        );
        assert_eq!(
            asset_id(Some("6b6573747265")).unwrap_err().status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(asset_id(None).unwrap_err().status, StatusCode::BAD_REQUEST);
        assert_eq!(
            asset_id(Some("texture_id=")).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            asset_id(Some("texture_id=nope")).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }
}
