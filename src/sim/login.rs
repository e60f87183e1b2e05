//! The XML-RPC `login_to_simulator` call at `POST /`.
//!
//! Any first/last name is accepted with the configured password (sent, as
//! every viewer does, as `"$1$"` + the MD5 hex of it). A wrong password is
//! refused the way a grid does: `login: "false"`, `reason: "key"` and a
//! message. A body that is not a login call is a `400` naming the problem.

use std::net::Ipv4Addr;
use std::sync::Arc;

use glam::Vec3;
use hyper::StatusCode;
use kestrel_protocol::login::xmlrpc::Value;
use kestrel_protocol::login::{
    HomeLocation, LoginError, LoginRefusal, LoginRequest, LoginResponse, LoginSuccess,
};
use kestrel_protocol::types::Uuid;

use super::caps::{SeedId, seed_url};
use super::event_queue::EventQueue;
use super::http::HttpReply;
use super::region::name_uuid;
use super::state::{Session, Shared};

/// The XML-RPC content type.
const XML_RPC: &str = "text/xml";

/// Namespace tag for agent ids derived from names.
const AGENT_NAMESPACE: u32 = 0x4147_454e;

/// Longest first or last name accepted (the viewer's own limit is 31).
pub const MAX_NAME_LEN: usize = 64;

/// The agent id a name logs in as: the same name always gets the same id.
pub fn agent_id_for(first: &str, last: &str) -> Uuid {
    name_uuid(
        AGENT_NAMESPACE,
        &format!("{} {}", first.to_lowercase(), last.to_lowercase()),
    )
}

/// The message of the day.
pub fn motd(region: &str) -> String {
    format!(
        "Welcome to {region}, Kestrel's embedded region. Walk the village, climb to the stone circle, watch the boats in the bay."
    )
}

fn refusal(reason: &str, message: impl Into<String>) -> HttpReply {
    let body = LoginResponse::Refused(LoginRefusal {
        reason: reason.to_string(),
        message: message.into(),
    })
    .to_xmlrpc();
    HttpReply::xml(StatusCode::OK, body, XML_RPC)
}

/// Handles one login call.
pub fn handle(shared: &Shared, body: &[u8]) -> HttpReply {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            shared.stats.logins_refused.inc();
            return HttpReply::text(
                StatusCode::BAD_REQUEST,
                format!("login request is not UTF-8 (byte {})", e.valid_up_to()),
            );
        }
    };
    let request = match LoginRequest::from_xmlrpc(text) {
        Ok(r) => r,
        Err(e) => {
            shared.stats.logins_refused.inc();
            let what = match e {
                LoginError::XmlRpc(_) => "login request is not XML-RPC",
                _ => "login request is not a valid login_to_simulator call",
            };
            return HttpReply::text(StatusCode::BAD_REQUEST, format!("{what}: {e}"));
        }
    };
    let (first, last) = (request.first.trim(), request.last.trim());
    if first.is_empty()
        || last.is_empty()
        || first.len() > MAX_NAME_LEN
        || last.len() > MAX_NAME_LEN
    {
        shared.stats.logins_refused.inc();
        return refusal(
            "key",
            format!("A first and a last name of 1 to {MAX_NAME_LEN} characters are required."),
        );
    }
    let expected = LoginRequest::hash_password(&shared.config.password);
    if !request.passwd.trim().eq_ignore_ascii_case(&expected) {
        shared.stats.logins_refused.inc();
        tracing::info!(first, last, "sim: login refused (wrong password)");
        return refusal(
            "key",
            "Could not authenticate your avatar. Please check your username and password, and check the grid if problems persist.",
        );
    }

    let session = Arc::new(Session {
        agent_id: agent_id_for(first, last),
        session_id: Uuid::from_u128(shared.random_u128()),
        secure_session_id: Uuid::from_u128(shared.random_u128()),
        circuit_code: shared.new_circuit_code(),
        first: first.to_string(),
        last: last.to_string(),
        seed: SeedId(shared.random_u128()),
        events: Arc::new(EventQueue::new()),
    });
    let replaced = shared.sessions.lock().insert(session.clone());
    if replaced.is_some() {
        tracing::info!(
            first,
            last,
            "sim: a new login replaces the agent's previous session"
        );
    }
    shared.stats.logins_accepted.inc();
    tracing::info!(
        first,
        last,
        circuit_code = session.circuit_code.0,
        "sim: login accepted"
    );

    let region = &shared.region;
    let look = region.spawn_look_at;
    let sim_ip = match shared.udp_addr.ip() {
        std::net::IpAddr::V4(ip) if !ip.is_unspecified() => ip,
        _ => Ipv4Addr::LOCALHOST,
    };
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .ok();
    let success = LoginSuccess {
        agent_id: session.agent_id,
        session_id: session.session_id,
        secure_session_id: session.secure_session_id,
        first_name: session.first.clone(),
        last_name: session.last.clone(),
        circuit_code: session.circuit_code.0,
        sim_ip,
        sim_port: shared.udp_addr.port(),
        region_x: region.handle.global_x(),
        region_y: region.handle.global_y(),
        seed_capability: seed_url(shared, session.seed),
        look_at: [look.x, look.y, look.z],
        message: motd(&region.name),
        agent_access: "M".to_string(),
        start_location: "last".to_string(),
        home: Some(HomeLocation {
            region_x: region.handle.global_x(),
            region_y: region.handle.global_y(),
            position: vec3(region.spawn),
            look_at: [look.x, look.y, look.z],
        }),
        seconds_since_epoch: seconds,
        inventory_root: None,
        extra: vec![
            ("agent_access_max".into(), Value::from("A")),
            ("region_size_x".into(), Value::Int(256)),
            ("region_size_y".into(), Value::Int(256)),
        ],
    };
    HttpReply::xml(
        StatusCode::OK,
        LoginResponse::Success(Box::new(success)).to_xmlrpc(),
        XML_RPC,
    )
}

fn vec3(v: Vec3) -> [f32; 3] {
    [v.x, v.y, v.z]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids_are_per_name_and_case_insensitive() {
        assert_eq!(
            agent_id_for("Ada", "Lovelace"),
            agent_id_for("ada", "LOVELACE")
        );
        assert_ne!(
            agent_id_for("Ada", "Lovelace"),
            agent_id_for("Ada", "Byron")
        );
    }
}
