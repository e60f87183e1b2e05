//! The small HTTP client the circuit uses for login, the seed capability
//! and the event queue: one POST with a connect timeout, a response
//! timeout and a bound on the body size, over `http://` or `https://`
//! (rustls; the Mozilla roots shipped with the viewer, plus any
//! certificates a [`TlsTrust`] adds for a grid with its own authority).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, StatusCode, Uri, header};
use std::sync::Arc;

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;

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
    /// Only `http://` and `https://` are spoken.
    #[error("unsupported URL scheme in {url:?}: use http:// or https://")]
    UnsupportedScheme {
        /// The URL.
        url: String,
    },
    /// The server's TLS certificate is not one the viewer trusts.
    #[error(
        "{url}: the server's certificate is not trusted ({reason}); a grid with its own \
         certificate authority needs it passed with --ca-cert FILE"
    )]
    UntrustedCertificate {
        /// The URL.
        url: String,
        /// What rustls said.
        reason: String,
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
    /// The `Content-Range`, if any (answers to range requests).
    pub content_range: Option<String>,
    /// The body.
    pub body: Bytes,
}

/// Which servers an `https://` exchange trusts: the Mozilla root
/// authorities built into the viewer (`webpki-roots`, so no system store
/// is needed), plus these certificates — a private grid's own authority,
/// or the embedded region's self-signed certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsTrust {
    /// Extra trusted certificates, DER-encoded.
    pub extra_roots_der: Vec<Vec<u8>>,
}

/// A certificate given to [`TlsTrust`] is not one rustls can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("trusted certificate #{index} is not usable: {reason}")]
pub struct TlsTrustError {
    /// Its position in [`TlsTrust::extra_roots_der`], from 0.
    pub index: usize,
    /// Why.
    pub reason: String,
}

/// A certificate file given to trust could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsFileError {
    /// It could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// It holds no PEM certificate, or a malformed one.
    #[error("{path}: {reason}")]
    Pem {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A certificate in it is not one rustls accepts as a trust anchor.
    #[error("{path}: {source}")]
    Unusable {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: TlsTrustError,
    },
}

impl TlsTrust {
    /// Trusts, beyond the built-in roots, every certificate in these PEM
    /// files (`-----BEGIN CERTIFICATE-----` blocks); each is checked here.
    pub fn from_pem_files(paths: &[std::path::PathBuf]) -> Result<TlsTrust, TlsFileError> {
        use rustls::pki_types::pem::PemObject;
        let mut trust = TlsTrust::default();
        for path in paths {
            let bytes = std::fs::read(path).map_err(|source| TlsFileError::Io {
                path: path.clone(),
                source,
            })?;
            let first = trust.extra_roots_der.len();
            for cert in CertificateDer::pem_slice_iter(&bytes) {
                let cert = cert.map_err(|e| TlsFileError::Pem {
                    path: path.clone(),
                    reason: format!("malformed PEM: {e}"),
                })?;
                trust.extra_roots_der.push(cert.to_vec());
            }
            if trust.extra_roots_der.len() == first {
                return Err(TlsFileError::Pem {
                    path: path.clone(),
                    reason: "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into(),
                });
            }
            trust.validate().map_err(|source| TlsFileError::Unusable {
                path: path.clone(),
                source,
            })?;
        }
        Ok(trust)
    }

    /// Also trusts this DER-encoded certificate.
    pub fn with_der(mut self, der: Vec<u8>) -> Self {
        self.extra_roots_der.push(der);
        self
    }

    /// Checks every extra certificate is usable as a trust anchor.
    pub fn validate(&self) -> Result<(), TlsTrustError> {
        self.client_config().map(drop)
    }

    fn client_config(&self) -> Result<rustls::ClientConfig, TlsTrustError> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for (index, der) in self.extra_roots_der.iter().enumerate() {
            roots
                .add(CertificateDer::from(der.clone()))
                .map_err(|e| TlsTrustError {
                    index,
                    reason: e.to_string(),
                })?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsTrustError {
                index: 0,
                reason: format!("TLS settings: {e}"),
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(config)
    }
}

/// A pooled HTTP/1 client over plain TCP or TLS; cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    connect_timeout: Duration,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client whose connections time out after `connect_timeout`,
    /// trusting the built-in roots only. Must be used inside a tokio runtime.
    pub fn new(connect_timeout: Duration) -> Self {
        let connector = HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp_connector(connect_timeout));
        Self::from_connector(connector, connect_timeout)
    }

    /// A client whose connections time out after `connect_timeout`, also
    /// trusting `trust`'s certificates for `https://`.
    pub fn with_trust(connect_timeout: Duration, trust: &TlsTrust) -> Result<Self, TlsTrustError> {
        if trust.extra_roots_der.is_empty() {
            return Ok(Self::new(connect_timeout));
        }
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(trust.client_config()?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp_connector(connect_timeout));
        Ok(Self::from_connector(connector, connect_timeout))
    }

    fn from_connector(connector: HttpsConnector<HttpConnector>, connect_timeout: Duration) -> Self {
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
        let uri = parse_http_uri(url)?;
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, "application/llsd+xml, text/xml")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| HttpError::InvalidUrl {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
        self.exchange(request, url, response_timeout, MAX_BODY)
            .await
    }

    /// GETs `url`, asking for `range` (inclusive byte offsets) when given, with
    /// the body bounded by `max_body`. Answers 200 and 206 as a response (the
    /// status tells which); every other status is [`HttpError::Status`]
    /// (404 missing, 416 range past the end, 5xx worth retrying).
    pub async fn get(
        &self,
        url: &str,
        range: Option<(u64, u64)>,
        response_timeout: Duration,
        max_body: usize,
    ) -> Result<HttpResponse, HttpError> {
        let uri = parse_http_uri(url)?;
        let mut builder = Request::get(uri);
        if let Some((first, last)) = range {
            builder = builder.header(header::RANGE, format!("bytes={first}-{last}"));
        }
        let request = builder
            .body(Full::new(Bytes::new()))
            .map_err(|e| HttpError::InvalidUrl {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
        self.exchange(request, url, response_timeout, max_body)
            .await
    }

    /// Sends `request` and reads its whole answer within `response_timeout`.
    async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
        url: &str,
        response_timeout: Duration,
        max_body: usize,
    ) -> Result<HttpResponse, HttpError> {
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                if e.is_connect() {
                    let reason = source_chain(&e);
                    if let Some(at) = reason.find("invalid peer certificate") {
                        HttpError::UntrustedCertificate {
                            url: url.to_string(),
                            reason: reason[at..].to_string(),
                        }
                    } else if reason.contains("timed out") || reason.contains("timeout") {
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
            let content_range = response
                .headers()
                .get(header::CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let collected = Limited::new(response.into_body(), max_body)
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
                content_range,
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

/// Parses an `http://` or `https://` URL; anything else is refused by name.
fn parse_http_uri(url: &str) -> Result<Uri, HttpError> {
    let uri: Uri =
        url.parse()
            .map_err(|e: hyper::http::uri::InvalidUri| HttpError::InvalidUrl {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(_) => {
            return Err(HttpError::UnsupportedScheme {
                url: url.to_string(),
            });
        }
        None => {
            return Err(HttpError::InvalidUrl {
                url: url.to_string(),
                reason: "no scheme (expected http:// or https://host:port/...)".into(),
            });
        }
    }
    Ok(uri)
}

/// TCP with the connect timeout; the TLS layer above it decides per URL
/// whether to speak TLS.
fn tcp_connector(connect_timeout: Duration) -> HttpConnector {
    let mut tcp = HttpConnector::new();
    tcp.set_connect_timeout(Some(connect_timeout));
    tcp.set_nodelay(true);
    tcp.enforce_http(false);
    tcp
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
