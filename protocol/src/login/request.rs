//! The `login_to_simulator` request.

use std::fmt;
use std::str::FromStr;

use md5::{Digest, Md5};

use super::xmlrpc::{MethodCall, Value};
use super::{LOGIN_METHOD, LoginError, Members, invalid};

/// Where the agent asks to arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum StartLocation {
    /// The agent's home (`"home"`).
    Home,
    /// Where the agent last logged out (`"last"`).
    Last,
    /// A named region and position in metres (`"uri:Region&x&y&z"`).
    Region {
        /// The region name.
        name: String,
        /// Position in the region, metres.
        x: f32,
        /// Position in the region, metres.
        y: f32,
        /// Height, metres.
        z: f32,
    },
}

impl fmt::Display for StartLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartLocation::Home => f.write_str("home"),
            StartLocation::Last => f.write_str("last"),
            StartLocation::Region { name, x, y, z } => {
                // '&' separates the parts and '%' starts an escape, so both
                // are percent-encoded inside the name.
                let name = name.replace('%', "%25").replace('&', "%26");
                write!(f, "uri:{name}&{x}&{y}&{z}")
            }
        }
    }
}

impl FromStr for StartLocation {
    type Err = LoginError;

    fn from_str(s: &str) -> Result<Self, LoginError> {
        let bad = || LoginError::InvalidField {
            field: "start".into(),
            value: format!("{:?}", s.chars().take(80).collect::<String>()),
            expected: "\"home\", \"last\" or \"uri:Region&x&y&z\"",
        };
        match s.trim() {
            "home" => return Ok(StartLocation::Home),
            "last" | "" => return Ok(StartLocation::Last),
            _ => {}
        }
        let rest = s.trim().strip_prefix("uri:").ok_or_else(bad)?;
        let mut parts = rest.rsplitn(4, '&');
        let (Some(z), Some(y), Some(x), Some(name)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let coord = |t: &str| t.trim().parse::<f32>().ok().filter(|v| v.is_finite());
        Ok(StartLocation::Region {
            name: percent_decode(name).ok_or_else(bad)?,
            x: coord(x).ok_or_else(bad)?,
            y: coord(y).ok_or_else(bad)?,
            z: coord(z).ok_or_else(bad)?,
        })
    }
}

/// Decodes `%XX` escapes; `None` for a broken escape or non-UTF-8 result.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The viewer's `login_to_simulator` parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginRequest {
    /// Avatar first name.
    pub first: String,
    /// Avatar last name (`Resident` on grids with single names).
    pub last: String,
    /// `"$1$"` + lowercase hex MD5 of the password; see
    /// [`LoginRequest::hash_password`].
    pub passwd: String,
    /// Requested arrival point.
    pub start: StartLocation,
    /// Viewer channel name.
    pub channel: String,
    /// Viewer version (`1.2.3.4`).
    pub version: String,
    /// `Lin`, `Mac` or `Win`.
    pub platform: String,
    /// Hardware identifier (MD5 hex of a MAC address).
    pub mac: String,
    /// Second hardware identifier (MD5 hex).
    pub id0: String,
    /// The user accepted the current terms of service.
    pub agree_to_tos: bool,
    /// The user read the critical message.
    pub read_critical: bool,
    /// Digest identifying the viewer build, when sent.
    pub viewer_digest: Option<String>,
    /// Optional response sections wanted (`inventory-root`, `buddy-list`, …).
    pub options: Vec<String>,
}

impl LoginRequest {
    /// The login password hash: `"$1$"` followed by the lowercase hex MD5 of
    /// the plain password (the form both Second Life and OpenSimulator
    /// expect).
    pub fn hash_password(plain: &str) -> String {
        format!("$1${}", hex::encode(Md5::digest(plain.as_bytes())))
    }

    /// The XML-RPC `methodCall` document.
    pub fn to_xmlrpc(&self) -> String {
        let mut members: Vec<(String, Value)> = vec![
            ("first".into(), self.first.as_str().into()),
            ("last".into(), self.last.as_str().into()),
            ("passwd".into(), self.passwd.as_str().into()),
            ("start".into(), self.start.to_string().into()),
            ("channel".into(), self.channel.as_str().into()),
            ("version".into(), self.version.as_str().into()),
            ("platform".into(), self.platform.as_str().into()),
            ("mac".into(), self.mac.as_str().into()),
            ("id0".into(), self.id0.as_str().into()),
            ("agree_to_tos".into(), self.agree_to_tos.into()),
            ("read_critical".into(), self.read_critical.into()),
        ];
        if let Some(d) = &self.viewer_digest {
            members.push(("viewer_digest".into(), d.as_str().into()));
        }
        members.push((
            "options".into(),
            Value::Array(self.options.iter().map(|o| o.as_str().into()).collect()),
        ));
        MethodCall {
            method_name: LOGIN_METHOD.into(),
            params: vec![Value::Struct(members)],
        }
        .to_xml()
    }

    /// Reads a `methodCall` document (the simulator side). `first`, `last`
    /// and `passwd` are required; other members default when absent.
    pub fn from_xmlrpc(text: &str) -> Result<LoginRequest, LoginError> {
        let call = MethodCall::parse(text)?;
        if call.method_name != LOGIN_METHOD {
            return Err(LoginError::WrongMethod {
                found: call.method_name,
            });
        }
        let params = match call.params.first() {
            Some(v @ Value::Struct(_)) => v,
            _ => return Err(LoginError::NoStruct { what: "request" }),
        };
        let m = Members { value: params };
        let start = match m.string("start")? {
            Some(s) => s.parse()?,
            None => StartLocation::Last,
        };
        let options = match m.get("options") {
            None | Some(Value::Nil) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| invalid("options", v, "an array of strings"))
                })
                .collect::<Result<_, _>>()?,
            Some(v) => return Err(invalid("options", v, "an array of strings")),
        };
        Ok(LoginRequest {
            first: m.required_string("first")?,
            last: m.required_string("last")?,
            passwd: m.required_string("passwd")?,
            start,
            channel: m.string("channel")?.unwrap_or_default(),
            version: m.string("version")?.unwrap_or_default(),
            platform: m.string("platform")?.unwrap_or_default(),
            mac: m.string("mac")?.unwrap_or_default(),
            id0: m.string("id0")?.unwrap_or_default(),
            agree_to_tos: m.boolean("agree_to_tos")?,
            read_critical: m.boolean("read_critical")?,
            viewer_digest: m.string("viewer_digest")?,
            options,
        })
    }
}
