//! `https://` logins and capabilities, over loopback against the embedded
//! region serving TLS with its self-signed certificate: a viewer that trusts
//! the certificate logs in, completes the handshake and polls the event
//! queue over TLS; one that does not is refused with a clear error; a
//! certificate file for `--ca-cert` is read, and a bad one refused by name.

use std::time::{Duration, Instant};

use kestrel::app::{LoginTarget, Session};
use kestrel::sim::SimConfig;
use kestrel_actors::ActorsConfig;
use kestrel_actors::circuit::{CircuitSettings, HeadlessSession, TlsFileError, TlsTrust};

fn tls_region() -> SimConfig {
    SimConfig {
        tls: true,
        object_count: 20,
        ..SimConfig::default()
    }
}

#[test]
fn a_viewer_logs_in_and_polls_capabilities_over_https() {
    let session = Session::start(LoginTarget::Embedded(tls_region())).expect("start the session");
    assert!(
        session.login.login_uri.starts_with("https://127.0.0.1:"),
        "{}",
        session.login.login_uri
    );
    session
        .connect(Duration::from_secs(30))
        .expect("connect over https");
    let stats = session.net.circuit.stats.load_full();
    assert!(stats.handshake, "{stats:?}");
    // The seed capability and the event queue are https too, and answered.
    let sim = session.embedded().expect("the embedded region");
    let deadline = Instant::now() + Duration::from_secs(20);
    while session.net.circuit.stats.load().caps_events == 0 {
        assert!(
            Instant::now() < deadline,
            "no event-queue event over https: {:?}",
            sim.stats()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(sim.stats().eq_events_sent > 0);
    assert_eq!(sim.stats().logins_accepted, 1);
    assert!(session.shutdown(), "logged out");
}

#[test]
fn a_certificate_the_viewer_does_not_trust_is_refused_with_a_reason() {
    // The region's session is only used to host it; a second, separate
    // viewer (no trust in its certificate) tries the same login.
    let host = Session::start(LoginTarget::Embedded(tls_region())).expect("start the region");
    let stranger = HeadlessSession::start(CircuitSettings::default(), ActorsConfig::builtin())
        .expect("a viewer");
    let err = stranger
        .connect(host.login.clone(), Duration::from_secs(20))
        .expect_err("an untrusted certificate must not log in");
    let text = err.to_string();
    assert!(
        text.contains("https://127.0.0.1")
            && text.contains("certificate is not trusted")
            && text.contains("--ca-cert"),
        "{text}"
    );
    stranger.runtime.shutdown();
    host.shutdown();
}

#[test]
fn ca_cert_files_are_read_and_bad_ones_refused_by_name() {
    let host = Session::start(LoginTarget::Embedded(tls_region())).expect("start the region");
    let sim = host.embedded().expect("the region");
    let dir = std::env::temp_dir().join(format!("kestrel-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("region.pem");
    std::fs::write(&good, sim.tls_certificate_pem().expect("a certificate")).unwrap();
    let trust = TlsTrust::from_pem_files(std::slice::from_ref(&good)).expect("a good PEM file");
    assert_eq!(
        trust.extra_roots_der,
        vec![sim.tls_certificate_der().unwrap().to_vec()]
    );

    // A viewer trusting that file (as `--ca-cert` does) logs in.
    let viewer = HeadlessSession::start(
        CircuitSettings {
            tls: trust,
            ..CircuitSettings::default()
        },
        ActorsConfig::builtin(),
    )
    .expect("a viewer");
    viewer
        .connect(host.login.clone(), Duration::from_secs(30))
        .expect("trusted through the file");
    assert!(viewer.logout().expect("logout"));
    viewer.runtime.shutdown();

    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    match TlsTrust::from_pem_files(std::slice::from_ref(&empty)) {
        Err(TlsFileError::Pem { path, reason }) => {
            assert_eq!(path, empty);
            assert!(reason.contains("no PEM certificate"), "{reason}");
        }
        other => panic!("an empty file must be refused: {other:?}"),
    }
    let missing = dir.join("missing.pem");
    let e = TlsTrust::from_pem_files(std::slice::from_ref(&missing)).expect_err("a missing file");
    assert!(e.to_string().contains("missing.pem"), "{e}");
    host.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
