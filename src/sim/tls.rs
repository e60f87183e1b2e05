//! `https://` for the embedded region: a self-signed certificate for
//! `127.0.0.1` and `localhost`, made at start (rcgen), and the rustls
//! acceptor the HTTP server wraps each connection in. The viewer that
//! starts the region trusts that one certificate (and only for this run);
//! `kestrel sim --tls` writes it as PEM so another viewer can be told to
//! trust it (`--ca-cert FILE`).

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The region's certificate and the acceptor built from it.
#[derive(Clone)]
pub struct SimTls {
    acceptor: TlsAcceptor,
    cert_der: Vec<u8>,
    cert_pem: String,
}

impl std::fmt::Debug for SimTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimTls")
            .field("cert_der_len", &self.cert_der.len())
            .finish_non_exhaustive()
    }
}

/// Why the region could not set up TLS.
#[derive(Debug, thiserror::Error)]
pub enum SimTlsError {
    /// The certificate could not be generated.
    #[error("cannot make the region's TLS certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the certificate or its settings.
    #[error("cannot set up the region's TLS: {0}")]
    Rustls(#[from] rustls::Error),
}

impl SimTls {
    /// A fresh self-signed certificate for `127.0.0.1` and `localhost`.
    pub fn self_signed() -> Result<SimTls, SimTlsError> {
        let certified =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])?;
        let cert_der = certified.cert.der().to_vec();
        let cert_pem = certified.cert.pem();
        let key =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key)?;
        Ok(SimTls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            cert_der,
            cert_pem,
        })
    }

    /// The acceptor for incoming connections.
    pub fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    /// The certificate, DER-encoded (what a viewer adds to its trust).
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The certificate as PEM.
    pub fn certificate_pem(&self) -> &str {
        &self.cert_pem
    }
}
