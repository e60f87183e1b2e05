//! The simulator's HTTP side (hyper 1): the XML-RPC login at `POST /`, the
//! seed capability at `POST /caps/<seed>`, the simulator-features
//! capability at `GET /caps/<seed>/features`, and the event queue at
//! `POST /caps/<seed>/eq`, and the texture capabilities at
//! `GET /caps/<seed>/texture` (`GetTexture`) and `GET /caps/<seed>/asset`
//! (`ViewerAsset`). Bodies are limited to [`MAX_BODY`]; anything
//! malformed gets a 4xx with a plain-text reason, never a panic.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue, RANGE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::assets::TextureCap;
use super::assets::capability::{self as texture_cap, AssetRequest};
use super::caps::SeedId;
use super::state::Shared;
use super::{caps, event_queue, login};

/// Largest request body accepted (a login or an LLSD poll is a few KiB).
pub const MAX_BODY: usize = 256 * 1024;

/// Most HTTP connections served at once; more are closed on accept.
pub const MAX_CONNECTIONS: usize = 256;

/// An HTTP answer: status, content type and body.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpReply {
    /// Status code.
    pub status: StatusCode,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Body bytes.
    pub body: Bytes,
    /// Headers beyond `Content-Type` (e.g. `Content-Range`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl HttpReply {
    /// 200 with an XML body (XML-RPC or LLSD+XML).
    pub fn xml(status: StatusCode, body: String, content_type: &'static str) -> Self {
        HttpReply {
            status,
            content_type,
            body: Bytes::from(body),
            headers: Vec::new(),
        }
    }

    /// A binary body (an asset).
    pub fn binary(status: StatusCode, content_type: &'static str, body: Bytes) -> Self {
        HttpReply {
            status,
            content_type,
            body,
            headers: Vec::new(),
        }
    }

    /// The same answer with one more header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// A plain-text error or status message.
    pub fn text(status: StatusCode, message: impl Into<String>) -> Self {
        HttpReply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: Bytes::from(message.into()),
            headers: Vec::new(),
        }
    }
}

/// Accepts connections until the task is aborted; aborting drops the
/// connection set, which aborts every connection (the region "goes away").
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        // Reap finished connections so the set stays bounded.
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "sim http: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        if connections.len() >= MAX_CONNECTIONS {
            tracing::warn!(%peer, "sim http: too many connections, closing this one");
            drop(stream);
            continue;
        }
        let shared = shared.clone();
        connections.spawn(async move {
            match shared.tls.as_ref().map(|t| t.acceptor().clone()) {
                None => serve_connection(TokioIo::new(stream), peer, shared).await,
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(tls) => serve_connection(TokioIo::new(tls), peer, shared).await,
                    Err(e) => tracing::debug!(%peer, error = %e, "sim https: handshake failed"),
                },
            }
        });
    }
}

/// Serves one connection (plain or TLS) until the peer closes it.
async fn serve_connection<I>(io: I, peer: std::net::SocketAddr, shared: Arc<Shared>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(to_response(handle(req, &shared).await)) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    if let Err(e) = conn.await {
        tracing::debug!(%peer, error = %e, "sim http: connection ended with an error");
    }
}

fn to_response(reply: HttpReply) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(reply.body));
    *resp.status_mut() = reply.status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    for (name, value) in reply.headers {
        headers.insert(name, value);
    }
    resp
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Login,
    Seed(SeedId),
    Features(SeedId),
    EventQueue(SeedId),
    Texture(SeedId, TextureCap),
}

fn route(method: &Method, path: &str) -> Result<Route, HttpReply> {
    let not_found = || HttpReply::text(StatusCode::NOT_FOUND, format!("no such resource: {path}"));
    let wrong_method = |allowed: &str| {
        HttpReply::text(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not served at {path}; use {allowed}"),
        )
    };
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let want = |m: Method, r: Route, allowed: &str| {
        if *method == m {
            Ok(r)
        } else {
            Err(wrong_method(allowed))
        }
    };
    match segments.as_slice() {
        [] => want(Method::POST, Route::Login, "POST"),
        ["caps", id] => {
            let id = id.parse::<SeedId>().map_err(|_| not_found())?;
            want(Method::POST, Route::Seed(id), "POST")
        }
        ["caps", id, "features"] => {
            let id = id.parse::<SeedId>().map_err(|_| not_found())?;
            want(Method::GET, Route::Features(id), "GET")
        }
        ["caps", id, "eq"] => {
            let id = id.parse::<SeedId>().map_err(|_| not_found())?;
            want(Method::POST, Route::EventQueue(id), "POST")
        }
        ["caps", id, cap @ ("texture" | "asset")] => {
            let id = id.parse::<SeedId>().map_err(|_| not_found())?;
            let cap = match *cap {
                "texture" => TextureCap::GetTexture,
                _ => TextureCap::ViewerAsset,
            };
            want(Method::GET, Route::Texture(id, cap), "GET")
        }
        _ => Err(not_found()),
    }
}

async fn handle(req: Request<Incoming>, shared: &Shared) -> HttpReply {
    shared.stats.http_requests.inc();
    let route = match route(req.method(), req.uri().path()) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    // What the texture capabilities read, before the body is taken.
    let query = req.uri().query().map(str::to_string);
    let range = req
        .headers()
        .get(RANGE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let too_big = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            return if too_big {
                HttpReply::text(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("request body is larger than {MAX_BODY} bytes"),
                )
            } else {
                HttpReply::text(
                    StatusCode::BAD_REQUEST,
                    format!("could not read the request body: {e}"),
                )
            };
        }
    };
    let reply = match route {
        Route::Login => login::handle(shared, &body),
        Route::Seed(id) => caps::seed(shared, id, &body),
        Route::Features(id) => caps::features(shared, id),
        Route::EventQueue(id) => event_queue::poll(shared, id, &body).await,
        Route::Texture(id, cap) => {
            let request = AssetRequest {
                cap,
                query: query.as_deref(),
                range: range.as_deref(),
            };
            texture_cap::handle(shared, id, request).await
        }
    };
    if reply.status.is_client_error() {
        shared.stats.http_rejected.inc();
        tracing::debug!(status = %reply.status, body = %String::from_utf8_lossy(&reply.body), "sim http: refused a request");
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_recognised_and_the_rest_is_404_or_405() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(route(&Method::POST, "/"), Ok(Route::Login));
        assert!(matches!(
            route(&Method::POST, &format!("/caps/{id}")),
            Ok(Route::Seed(_))
        ));
        assert!(matches!(
            route(&Method::POST, &format!("/caps/{id}/eq")),
            Ok(Route::EventQueue(_))
        ));
        assert!(matches!(
            route(&Method::GET, &format!("/caps/{id}/features")),
            Ok(Route::Features(_))
        ));
        assert_eq!(
            route(&Method::GET, &format!("/caps/{id}/texture")),
            Ok(Route::Texture(id.parse().unwrap(), TextureCap::GetTexture))
        );
        assert_eq!(
            route(&Method::GET, &format!("/caps/{id}/asset")),
            Ok(Route::Texture(id.parse().unwrap(), TextureCap::ViewerAsset))
        );
        assert_eq!(
            route(&Method::POST, &format!("/caps/{id}/texture"))
                .unwrap_err()
                .status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            route(&Method::GET, "/").unwrap_err().status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            route(&Method::POST, "/caps/nothex").unwrap_err().status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            route(&Method::POST, "/elsewhere").unwrap_err().status,
            StatusCode::NOT_FOUND
        );
    }
}
