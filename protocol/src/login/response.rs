//! The `login_to_simulator` response: success or refusal.
//!
//! Member names follow OpenSimulator's `LLLoginResponse` and the Second
//! Life login protocol; members this type does not model are kept in
//! [`LoginSuccess::extra`] so nothing a grid sends is lost.

use std::net::Ipv4Addr;

use super::xmlrpc::{MethodResponse, Value};
use super::{LoginError, Members, invalid};
use crate::llsd::Llsd;
use crate::types::Uuid;

/// Members [`LoginSuccess`] models itself (everything else goes to `extra`).
const MODELLED: &[&str] = &[
    "login",
    "first_name",
    "last_name",
    "agent_id",
    "session_id",
    "secure_session_id",
    "circuit_code",
    "sim_ip",
    "sim_port",
    "region_x",
    "region_y",
    "seed_capability",
    "look_at",
    "message",
    "agent_access",
    "start_location",
    "home",
    "seconds_since_epoch",
    "inventory-root",
];

/// The agent's home, from the `home` member (an LLSD-notation map).
#[derive(Debug, Clone, PartialEq)]
pub struct HomeLocation {
    /// Global x of the home region's corner, metres.
    pub region_x: u32,
    /// Global y of the home region's corner, metres.
    pub region_y: u32,
    /// Position in the region, metres.
    pub position: [f32; 3],
    /// Facing direction.
    pub look_at: [f32; 3],
}

/// A successful login: everything needed to open the circuit.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginSuccess {
    /// The avatar's id.
    pub agent_id: Uuid,
    /// The session id, sent in every agent packet.
    pub session_id: Uuid,
    /// The secure session id (never sent in plain packets).
    pub secure_session_id: Uuid,
    /// Avatar first name (Second Life's surrounding quotes removed).
    pub first_name: String,
    /// Avatar last name.
    pub last_name: String,
    /// Circuit code for `UseCircuitCode` (sent as a signed `int`; the bits
    /// are kept).
    pub circuit_code: u32,
    /// The simulator's UDP address.
    pub sim_ip: Ipv4Addr,
    /// The simulator's UDP port.
    pub sim_port: u16,
    /// Global x of the region's corner, metres (256 × grid x).
    pub region_x: u32,
    /// Global y of the region's corner, metres.
    pub region_y: u32,
    /// The seed capability URL.
    pub seed_capability: String,
    /// Initial facing direction.
    pub look_at: [f32; 3],
    /// Message of the day.
    pub message: String,
    /// Maturity access: `PG`, `M` or `A`.
    pub agent_access: String,
    /// Where the agent arrived (`home`, `last`, `url`, …).
    pub start_location: String,
    /// The agent's home, when sent and readable.
    pub home: Option<HomeLocation>,
    /// The grid's clock, seconds since the Unix epoch.
    pub seconds_since_epoch: Option<i64>,
    /// Root folder of the agent's inventory (`inventory-root`).
    pub inventory_root: Option<Uuid>,
    /// Every other member, in document order (inventory skeleton, buddy
    /// list, UI config, …), and `home` / `inventory-root` when unreadable.
    pub extra: Vec<(String, Value)>,
}

impl LoginSuccess {
    /// The region handle: global x in the high 32 bits, y in the low.
    pub fn region_handle(&self) -> u64 {
        (u64::from(self.region_x) << 32) | u64::from(self.region_y)
    }
}

/// A refused login (`login` = `"false"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRefusal {
    /// Machine-readable reason (`key` for bad credentials, `presence`,
    /// `update`, `tos`, …).
    pub reason: String,
    /// Text for the user.
    pub message: String,
}

/// The grid's answer to `login_to_simulator`.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginResponse {
    /// Logged in.
    Success(Box<LoginSuccess>),
    /// The grid said no.
    Refused(LoginRefusal),
}

fn vector_text(v: &[f32]) -> String {
    let parts: Vec<String> = v.iter().map(|c| format!("r{c}")).collect();
    format!("[{}]", parts.join(","))
}

/// Reads an LLSD-notation array of `N` numbers (`[r0.5,r0.5,r0]`).
fn parse_vector<const N: usize>(text: &str) -> Option<[f32; N]> {
    let value = Llsd::from_notation(text.as_bytes()).ok()?;
    let items = value.as_array()?;
    if items.len() != N {
        return None;
    }
    let mut out = [0f32; N];
    for (slot, item) in out.iter_mut().zip(items) {
        *slot = item.as_real()? as f32;
    }
    Some(out)
}

/// Reads the `home` member: `{'region_handle':[r x, r y], 'position':[…],
/// 'look_at':[…]}` in LLSD notation.
fn parse_home(text: &str) -> Option<HomeLocation> {
    let value = Llsd::from_notation(text.as_bytes()).ok()?;
    let triple = |key| -> Option<[f32; 3]> {
        let a = value.get(key)?.as_array()?;
        if a.len() != 3 {
            return None;
        }
        Some([
            a[0].as_real()? as f32,
            a[1].as_real()? as f32,
            a[2].as_real()? as f32,
        ])
    };
    let handle = value.get("region_handle")?.as_array()?;
    if handle.len() != 2 {
        return None;
    }
    let metre = |v: &Llsd| {
        let r = v.as_real()?;
        (r.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&r)).then_some(r as u32)
    };
    Some(HomeLocation {
        region_x: metre(&handle[0])?,
        region_y: metre(&handle[1])?,
        position: triple("position")?,
        look_at: triple("look_at")?,
    })
}

fn home_text(h: &HomeLocation) -> String {
    format!(
        "{{'region_handle':[r{},r{}], 'position':{}, 'look_at':{}}}",
        h.region_x,
        h.region_y,
        vector_text(&h.position),
        vector_text(&h.look_at)
    )
}

impl LoginResponse {
    /// The response as a `methodResponse` document (the simulator side).
    pub fn to_xmlrpc(&self) -> String {
        let members = match self {
            LoginResponse::Refused(r) => vec![
                ("login".into(), "false".into()),
                ("reason".into(), r.reason.as_str().into()),
                ("message".into(), r.message.as_str().into()),
            ],
            LoginResponse::Success(s) => success_members(s),
        };
        MethodResponse::Params(vec![Value::Struct(members)]).to_xml()
    }

    /// Reads a `methodResponse` document (the viewer side). A refusal is
    /// `Ok(LoginResponse::Refused)`; a fault is [`LoginError::Fault`].
    pub fn from_xmlrpc(text: &str) -> Result<LoginResponse, LoginError> {
        let params = match MethodResponse::parse(text)? {
            MethodResponse::Fault(f) => {
                return Err(LoginError::Fault {
                    code: f.code,
                    message: f.message,
                });
            }
            MethodResponse::Params(p) => p,
        };
        let value = match params.first() {
            Some(v @ Value::Struct(_)) => v,
            _ => return Err(LoginError::NoStruct { what: "response" }),
        };
        let m = Members { value };
        let login = match m.get("login") {
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Boolean(b)) => b.to_string(),
            Some(v) => return Err(invalid("login", v, "\"true\" or \"false\"")),
            None => return Err(LoginError::MissingField { field: "login" }),
        };
        if login != "true" {
            return Ok(LoginResponse::Refused(LoginRefusal {
                reason: m.string("reason")?.unwrap_or_default(),
                message: m.string("message")?.unwrap_or_default(),
            }));
        }
        Ok(LoginResponse::Success(Box::new(parse_success(&m)?)))
    }

    /// The success, or the refusal as [`LoginError::Refused`].
    pub fn into_result(self) -> Result<LoginSuccess, LoginError> {
        match self {
            LoginResponse::Success(s) => Ok(*s),
            LoginResponse::Refused(r) => Err(LoginError::Refused {
                reason: r.reason,
                message: r.message,
            }),
        }
    }
}

fn ranged<T: TryFrom<i64>>(
    m: &Members<'_>,
    field: &'static str,
    expected: &'static str,
) -> Result<T, LoginError> {
    let n = m.required_integer(field)?;
    T::try_from(n).map_err(|_| LoginError::InvalidField {
        field: field.into(),
        value: n.to_string(),
        expected,
    })
}

fn parse_success(m: &Members<'_>) -> Result<LoginSuccess, LoginError> {
    let mut extra = Vec::new();
    if let Value::Struct(members) = m.value {
        for (k, v) in members {
            if !MODELLED.contains(&k.as_str()) {
                extra.push((k.clone(), v.clone()));
            }
        }
    }
    let code = m.required_integer("circuit_code")?;
    // OpenSimulator casts the unsigned code to a signed int; keep the bits.
    let circuit_code = if let Ok(signed) = i32::try_from(code) {
        signed as u32
    } else {
        u32::try_from(code).map_err(|_| LoginError::InvalidField {
            field: "circuit_code".into(),
            value: code.to_string(),
            expected: "a 32-bit circuit code",
        })?
    };
    let ip_text = m.required_string("sim_ip")?;
    let sim_ip = ip_text
        .trim()
        .parse()
        .map_err(|_| LoginError::InvalidField {
            field: "sim_ip".into(),
            value: format!("{ip_text:?}"),
            expected: "an IPv4 address",
        })?;
    let look_at = match m.string("look_at")? {
        None => [1.0, 0.0, 0.0],
        Some(t) => parse_vector::<3>(&t).ok_or_else(|| LoginError::InvalidField {
            field: "look_at".into(),
            value: format!("{t:?}"),
            expected: "an LLSD vector like [r0.5,r0.5,r0]",
        })?,
    };
    let home = match m.get("home") {
        Some(Value::String(t)) => {
            let parsed = parse_home(t);
            if parsed.is_none() {
                extra.push(("home".into(), Value::String(t.clone())));
            }
            parsed
        }
        Some(other) => {
            extra.push(("home".into(), other.clone()));
            None
        }
        None => None,
    };
    let inventory_root = match m.get("inventory-root") {
        None => None,
        Some(v) => {
            let id = match v {
                Value::Array(items) => items
                    .first()
                    .and_then(|f| f.member("folder_id"))
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok()),
                _ => None,
            };
            if id.is_none() {
                extra.push(("inventory-root".into(), v.clone()));
            }
            id
        }
    };
    // Second Life sends names wrapped in double quotes.
    let unquote = |s: String| s.trim_matches('"').to_string();
    Ok(LoginSuccess {
        agent_id: m.uuid("agent_id")?,
        session_id: m.uuid("session_id")?,
        secure_session_id: m.uuid("secure_session_id")?,
        first_name: unquote(m.string("first_name")?.unwrap_or_default()),
        last_name: unquote(m.string("last_name")?.unwrap_or_default()),
        circuit_code,
        sim_ip,
        sim_port: ranged(m, "sim_port", "a UDP port (0-65535)")?,
        region_x: ranged(m, "region_x", "a non-negative global x in metres")?,
        region_y: ranged(m, "region_y", "a non-negative global y in metres")?,
        seed_capability: m.required_string("seed_capability")?,
        look_at,
        message: m.string("message")?.unwrap_or_default(),
        agent_access: m.string("agent_access")?.unwrap_or_default(),
        start_location: m.string("start_location")?.unwrap_or_default(),
        home,
        seconds_since_epoch: m.integer("seconds_since_epoch")?,
        inventory_root,
        extra,
    })
}

fn success_members(s: &LoginSuccess) -> Vec<(String, Value)> {
    let mut members: Vec<(String, Value)> = vec![
        ("login".into(), "true".into()),
        ("first_name".into(), s.first_name.as_str().into()),
        ("last_name".into(), s.last_name.as_str().into()),
        ("agent_id".into(), s.agent_id.to_string().into()),
        ("session_id".into(), s.session_id.to_string().into()),
        (
            "secure_session_id".into(),
            s.secure_session_id.to_string().into(),
        ),
        // Signed on the wire, as OpenSimulator writes it.
        ("circuit_code".into(), Value::Int(s.circuit_code as i32)),
        ("sim_ip".into(), s.sim_ip.to_string().into()),
        ("sim_port".into(), Value::Int(i32::from(s.sim_port))),
        ("region_x".into(), int_or_double(i64::from(s.region_x))),
        ("region_y".into(), int_or_double(i64::from(s.region_y))),
        ("seed_capability".into(), s.seed_capability.as_str().into()),
        ("look_at".into(), vector_text(&s.look_at).into()),
        ("message".into(), s.message.as_str().into()),
        ("agent_access".into(), s.agent_access.as_str().into()),
        ("start_location".into(), s.start_location.as_str().into()),
    ];
    if let Some(h) = &s.home {
        members.push(("home".into(), home_text(h).into()));
    }
    if let Some(t) = s.seconds_since_epoch {
        members.push(("seconds_since_epoch".into(), int_or_double(t)));
    }
    if let Some(root) = s.inventory_root {
        members.push((
            "inventory-root".into(),
            Value::Array(vec![Value::Struct(vec![(
                "folder_id".into(),
                root.to_string().into(),
            )])]),
        ));
    }
    members.extend(s.extra.iter().cloned());
    members
}

/// An `<int>` when the number fits, else an exact `<double>` (XML-RPC ints
/// are 32-bit).
fn int_or_double(v: i64) -> Value {
    match i32::try_from(v) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Double(v as f64),
    }
}
