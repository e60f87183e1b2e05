//! Logging in: the XML-RPC `login_to_simulator` call over HTTP, with its
//! outcome as a typed [`LoginFailure`] a user can read.

use md5::{Digest, Md5};

use kestrel_protocol::login::{
    LoginError, LoginRequest, LoginResponse, LoginSuccess, StartLocation,
};

use super::http::{HttpClient, HttpError, HttpTimeouts};

/// What the user types to log in.
#[derive(Clone, PartialEq)]
pub struct LoginParams {
    /// The grid's login URI (`http://host:port/`).
    pub login_uri: String,
    /// Avatar first name.
    pub first: String,
    /// Avatar last name.
    pub last: String,
    /// The plain password (hashed before it leaves the process).
    pub password: String,
    /// Where to arrive.
    pub start: StartLocation,
}

impl std::fmt::Debug for LoginParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password.
        f.debug_struct("LoginParams")
            .field("login_uri", &self.login_uri)
            .field("first", &self.first)
            .field("last", &self.last)
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

/// Why logging in failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoginFailure {
    /// The grid said no (wrong password, already logged in, …).
    #[error("login refused by the grid ({reason}): {message}")]
    Refused {
        /// Machine-readable reason (`key` for bad credentials).
        reason: String,
        /// The grid's message for the user.
        message: String,
    },
    /// The login server could not be reached or did not answer in time.
    #[error("login server unreachable: {0}")]
    Http(#[from] HttpError),
    /// The login server answered something that is not a login reply.
    #[error("login server sent a reply Kestrel cannot read: {0}")]
    BadReply(LoginError),
}

/// Identifies the viewer to the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewerInfo {
    /// Channel name.
    pub channel: String,
    /// Version `a.b.c.d`.
    pub version: String,
    /// `Lin`, `Mac` or `Win`.
    pub platform: String,
}

impl Default for ViewerInfo {
    fn default() -> Self {
        let platform = if cfg!(target_os = "windows") {
            "Win"
        } else if cfg!(target_os = "macos") {
            "Mac"
        } else {
            "Lin"
        };
        ViewerInfo {
            channel: "Kestrel".into(),
            version: format!("{}.0", env!("CARGO_PKG_VERSION")),
            platform: platform.into(),
        }
    }
}

/// The `login_to_simulator` request for `params`.
pub fn login_request(params: &LoginParams, viewer: &ViewerInfo) -> LoginRequest {
    // The grid wants stable hardware ids; a hash of the account name is stable
    // per user and reveals nothing about the machine.
    let ident = |salt: &str| {
        hex::encode(Md5::digest(
            format!("{salt}:{}.{}", params.first, params.last).as_bytes(),
        ))
    };
    LoginRequest {
        first: params.first.clone(),
        last: params.last.clone(),
        passwd: LoginRequest::hash_password(&params.password),
        start: params.start.clone(),
        channel: viewer.channel.clone(),
        version: viewer.version.clone(),
        platform: viewer.platform.clone(),
        mac: ident("mac"),
        id0: ident("id0"),
        agree_to_tos: true,
        read_critical: true,
        viewer_digest: None,
        options: vec!["inventory-root".into()],
    }
}

/// Calls `login_to_simulator` on `params.login_uri`.
pub async fn login(
    http: &HttpClient,
    params: &LoginParams,
    viewer: &ViewerInfo,
    timeouts: HttpTimeouts,
) -> Result<LoginSuccess, LoginFailure> {
    let body = login_request(params, viewer).to_xmlrpc();
    let reply = http
        .post(
            &params.login_uri,
            "text/xml",
            body.into_bytes(),
            timeouts.response,
        )
        .await?;
    let text = String::from_utf8_lossy(&reply.body);
    match LoginResponse::from_xmlrpc(&text) {
        Ok(LoginResponse::Success(s)) => Ok(*s),
        Ok(LoginResponse::Refused(r)) => Err(LoginFailure::Refused {
            reason: r.reason,
            message: r.message,
        }),
        Err(e) => Err(LoginFailure::BadReply(e)),
    }
}
