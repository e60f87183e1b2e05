//! The small HTTP client the circuit uses for login, the seed capability
//! and the event queue: one POST with a connect timeout, a response
//! timeout and a bound on the body size.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, StatusCode, Uri, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// The largest response body accepted (a login reply or an event batch).
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// Which part of an HTTP exchange ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpPhase {
    /// Opening the TCP connection.
    Connect,
    /// Waiting for the response head and body.
    Response,
}

impl std::fmt::Display for HttpPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HttpPhase::Connect => "connecting",
            HttpPhase::Response => "waiting for the response",
        })
    }
}

/// An HTTP request that did not produce a usable response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The URL does not parse.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// Only plain `http://` is spoken (OpenSimulator grids, the embedded simulator).
    #[error("unsupported URL scheme in {url:?}: only http:// is supported")]
    UnsupportedScheme {
        /// The URL.
        url: String,
    },
    /// The server could not be reached.
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The URL.
        url: String,
        /// The transport's error.
        reason: String,
    },
    /// The exchange took too long.
    #[error("{url}: timed out after {after:?} {phase}")]
    Timeout {
        /// The URL.
        url: String,
        /// Which phase.
        phase: HttpPhase,
        /// The limit that passed.
        after: Duration,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The body could not be read or was too large.
    #[error("{url}: bad response body: {reason}")]
    Body {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

/// Timeouts of one kind of request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HttpTimeouts {
    /// Opening the connection.
    pub connect: Duration,
    /// The whole exchange: connecting, sending, and reading the response
    /// to its end.
    pub response: Duration,
}

/// A successful (2xx) response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status.
    pub status: StatusCode,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Bytes,
}

/// A pooled HTTP/1 client; cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpConnector, Full<Bytes>>,
    connect_timeout: Duration,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client whose connections time out after `connect_timeout`. Must be
    /// created and used inside a tokio runtime.
    pub fn new(connect_timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        HttpClient {
            client,
            connect_timeout,
        }
    }

    /// POSTs `body` to `url` and returns the 2xx response; every other
    /// outcome is an [`HttpError`] naming the URL. The whole exchange is
    /// bounded by `response_timeout` (connecting also by the client's
    /// connect timeout).
    pub async fn post(
        &self,
        url: &str,
        content_type: &str,
        body: Vec<u8>,
        response_timeout: Duration,
    ) -> Result<HttpResponse, HttpError> {
        let uri: Uri =
            url.parse()
                .map_err(|e: hyper::http::uri::InvalidUri| HttpError::InvalidUrl {
                    url: url.to_string(),
                    reason: e.to_string(),
                })?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(_) => {
                return Err(HttpError::UnsupportedScheme {
                    url: url.to_string(),
                });
            }
            None => {
                return Err(HttpError::InvalidUrl {
                    url: url.to_string(),
                    reason: "no scheme (expected http://host:port/...)".into(),
                });
            }
        }
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, "application/llsd+xml, text/xml")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| HttpError::InvalidUrl {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                if e.is_connect() {
                    let reason = source_chain(&e);
                    if reason.contains("timed out") || reason.contains("timeout") {
                        HttpError::Timeout {
                            url: url.to_string(),
                            phase: HttpPhase::Connect,
                            after: self.connect_timeout,
                        }
                    } else {
                        HttpError::Unreachable {
                            url: url.to_string(),
                            reason,
                        }
                    }
                } else {
                    HttpError::Unreachable {
                        url: url.to_string(),
                        reason: source_chain(&e),
                    }
                }
            })?;
            let status = response.status();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let collected = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| HttpError::Body {
                    url: url.to_string(),
                    reason: e.to_string(),
                })?;
            if !status.is_success() {
                return Err(HttpError::Status {
                    url: url.to_string(),
                    status: status.as_u16(),
                });
            }
            Ok(HttpResponse {
                status,
                content_type,
                body: collected.to_bytes(),
            })
        };
        match tokio::time::timeout(response_timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(HttpError::Timeout {
                url: url.to_string(),
                phase: HttpPhase::Response,
                after: response_timeout,
            }),
        }
    }
}

/// An error and its sources, joined (hyper's top-level message is terse).
fn source_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        text.push_str(": ");
        text.push_str(&s.to_string());
        cur = s.source();
    }
    text
}
