//! The XML-RPC `login_to_simulator` call, both sides: the viewer writes a
//! [`LoginRequest`] and reads a [`LoginResponse`]; the embedded simulator
//! reads the request and writes the response.
//!
//! - [`xmlrpc`]: the XML-RPC value model and codec.
//! - [`LoginRequest`]: name, hashed password, start location, viewer facts.
//! - [`LoginResponse`]: [`LoginSuccess`] (session ids, circuit code,
//!   simulator address, seed capability, …) or [`LoginRefusal`]
//!   (`login` = `"false"` with `reason` and `message`).

mod request;
mod response;
pub mod xmlrpc;

pub use request::{LoginRequest, StartLocation};
pub use response::{HomeLocation, LoginRefusal, LoginResponse, LoginSuccess};

/// The XML-RPC method name of the login call.
pub const LOGIN_METHOD: &str = "login_to_simulator";

/// Why a login exchange failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoginError {
    /// The document is not valid XML-RPC.
    #[error(transparent)]
    XmlRpc(#[from] xmlrpc::XmlRpcError),
    /// The server answered with an XML-RPC fault.
    #[error("login server fault {code}: {message}")]
    Fault {
        /// `faultCode`.
        code: i32,
        /// `faultString`.
        message: String,
    },
    /// A call to another method than `login_to_simulator`.
    #[error("method {found:?} is not {LOGIN_METHOD}")]
    WrongMethod {
        /// The method called.
        found: String,
    },
    /// The first parameter is missing or not a struct.
    #[error("the {what} carries no struct parameter")]
    NoStruct {
        /// "request" or "response".
        what: &'static str,
    },
    /// A required member is absent.
    #[error("member {field:?} is missing")]
    MissingField {
        /// The member name.
        field: &'static str,
    },
    /// A member holds a value of the wrong type or form.
    #[error("member {field:?} holds {value}, expected {expected}")]
    InvalidField {
        /// The member name.
        field: String,
        /// The value found, shortened.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// The grid refused the login (`login` = `"false"`).
    #[error("login refused ({reason}): {message}")]
    Refused {
        /// Machine-readable reason (`key`, `presence`, `update`, …).
        reason: String,
        /// Text for the user.
        message: String,
    },
}

/// Shortens a value for an error message.
fn describe(v: &xmlrpc::Value) -> String {
    let text = match v {
        xmlrpc::Value::String(s) => format!("{s:?}"),
        xmlrpc::Value::Int(i) => i.to_string(),
        xmlrpc::Value::Boolean(b) => b.to_string(),
        xmlrpc::Value::Double(d) => d.to_string(),
        other => format!("a {}", other.type_name()),
    };
    let short: String = text.chars().take(80).collect();
    format!("{} {short}", v.type_name())
}

fn invalid(field: &str, v: &xmlrpc::Value, expected: &'static str) -> LoginError {
    LoginError::InvalidField {
        field: field.to_string(),
        value: describe(v),
        expected,
    }
}

/// Member lookup with typed, lenient reads (servers disagree on whether
/// numbers travel as `<int>` or as text).
struct Members<'a> {
    value: &'a xmlrpc::Value,
}

impl<'a> Members<'a> {
    fn get(&self, field: &str) -> Option<&'a xmlrpc::Value> {
        self.value.member(field)
    }

    fn string(&self, field: &'static str) -> Result<Option<String>, LoginError> {
        match self.get(field) {
            None | Some(xmlrpc::Value::Nil) => Ok(None),
            Some(xmlrpc::Value::String(s)) => Ok(Some(s.clone())),
            Some(xmlrpc::Value::Int(i)) => Ok(Some(i.to_string())),
            Some(v) => Err(invalid(field, v, "a string")),
        }
    }

    fn required_string(&self, field: &'static str) -> Result<String, LoginError> {
        self.string(field)?
            .ok_or(LoginError::MissingField { field })
    }

    fn integer(&self, field: &'static str) -> Result<Option<i64>, LoginError> {
        match self.get(field) {
            None | Some(xmlrpc::Value::Nil) => Ok(None),
            Some(xmlrpc::Value::Int(i)) => Ok(Some(i64::from(*i))),
            Some(v @ xmlrpc::Value::Double(d)) => {
                if d.fract() == 0.0 && d.abs() < 9.0e15 {
                    Ok(Some(*d as i64))
                } else {
                    Err(invalid(field, v, "an integer"))
                }
            }
            Some(v @ xmlrpc::Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| invalid(field, v, "an integer")),
            Some(v) => Err(invalid(field, v, "an integer")),
        }
    }

    fn required_integer(&self, field: &'static str) -> Result<i64, LoginError> {
        self.integer(field)?
            .ok_or(LoginError::MissingField { field })
    }

    fn boolean(&self, field: &'static str) -> Result<bool, LoginError> {
        match self.get(field) {
            None | Some(xmlrpc::Value::Nil) => Ok(false),
            Some(xmlrpc::Value::Boolean(b)) => Ok(*b),
            Some(xmlrpc::Value::Int(i)) => Ok(*i != 0),
            Some(v @ xmlrpc::Value::String(s)) => match s.trim() {
                "true" | "TRUE" | "True" | "1" | "Y" => Ok(true),
                "false" | "FALSE" | "False" | "0" | "N" | "" => Ok(false),
                _ => Err(invalid(field, v, "a boolean")),
            },
            Some(v) => Err(invalid(field, v, "a boolean")),
        }
    }

    fn uuid(&self, field: &'static str) -> Result<crate::types::Uuid, LoginError> {
        let v = self.get(field).ok_or(LoginError::MissingField { field })?;
        v.as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid(field, v, "a UUID"))
    }
}
