//! TLS with rustls, as a sans-IO layer between the socket and the HTTP
//! codec: rustls never touches the socket; the engine moves bytes with
//! `read_tls` / `write_tls` and derives socket interest from
//! `wants_read` / `wants_write`. This module builds client configurations
//! from [`TlsOptions`] (cached per multi, which also gives session
//! resumption) and maps TLS failures to upstream codes.

use std::hash::{Hash, Hasher};
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, ErrorCode};
use crate::failure::Detail;

/// The lowest TLS version a transfer accepts (FETCHOPT_SSLVERSION).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2 or newer (the default; rustls offers nothing older).
    #[default]
    Default,
    /// TLS 1.2 or newer.
    V1_2,
    /// TLS 1.3 only.
    V1_3,
}

/// A transfer's TLS settings. Transfers with equal settings share a client
/// configuration (and its session cache) and pooled connections.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TlsOptions {
    /// PEM file of trusted CA certificates (FETCHOPT_CAINFO). Replaces the
    /// built-in webpki roots.
    pub ca_file: Option<PathBuf>,
    /// Directory of PEM CA certificates (FETCHOPT_CAPATH).
    pub ca_path: Option<PathBuf>,
    /// PEM CA certificates in memory (FETCHOPT_CAINFO_BLOB).
    pub ca_blob: Option<Vec<u8>>,
    /// Verify the server's certificate chain (FETCHOPT_SSL_VERIFYPEER).
    pub verify_peer: bool,
    /// Verify the certificate names the host (FETCHOPT_SSL_VERIFYHOST).
    pub verify_host: bool,
    /// Client certificate chain, PEM file (FETCHOPT_SSLCERT).
    pub client_cert: Option<PathBuf>,
    /// Client private key, PEM file (FETCHOPT_SSLKEY).
    pub client_key: Option<PathBuf>,
    /// The lowest accepted protocol version.
    pub min_version: TlsVersion,
    /// The peer's public key must match this (FETCHOPT_PINNEDPUBLICKEY):
    /// `sha256//<base64>` hashes of the end-entity certificate's
    /// SubjectPublicKeyInfo joined by `;`, or the name of a file holding
    /// that key in DER or PEM. Checked after every handshake, with or
    /// without peer verification; a mismatch (or an unreadable file) is
    /// [`ErrorCode::SslPinnedpubkeynotmatch`].
    pub pinned_pubkey: Option<String>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self {
            ca_file: None,
            ca_path: None,
            ca_blob: None,
            verify_peer: true,
            verify_host: true,
            client_cert: None,
            client_key: None,
            min_version: TlsVersion::Default,
            pinned_pubkey: None,
        }
    }
}

impl TlsOptions {
    /// A short key distinguishing non-default settings in the pool key.
    pub(crate) fn pool_tag(&self) -> u64 {
        if *self == Self::default() {
            return 0;
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash(&mut h);
        h.finish() | 1
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn bad_ca(what: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::SslCacertBadfile,
        format!("error setting certificate verify locations: {what}"),
    )
}

fn load_roots(opts: &TlsOptions) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    if opts.ca_file.is_none() && opts.ca_path.is_none() && opts.ca_blob.is_none() {
        #[cfg(feature = "webpki-roots")]
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(roots);
    }
    let mut add = |certs: Vec<CertificateDer<'static>>, what: &str| -> Result<(), Error> {
        if certs.is_empty() {
            return Err(bad_ca(format!("{what}: no certificates")));
        }
        let (_, bad) = roots.add_parsable_certificates(certs);
        if bad > 0 && roots.is_empty() {
            return Err(bad_ca(format!("{what}: unusable certificates")));
        }
        Ok(())
    };
    if let Some(file) = &opts.ca_file {
        // Upstream's wording (OpenSSL builds) names only the file.
        let unusable = || {
            Error::new(
                ErrorCode::SslCacertBadfile,
                format!("error setting certificate file: {}", file.display()),
            )
        };
        let certs = CertificateDer::pem_file_iter(file)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| unusable().caused_by(e))?;
        add(certs, &format!("CAfile {}", file.display())).map_err(|_| unusable())?;
    }
    if let Some(blob) = &opts.ca_blob {
        let certs = CertificateDer::pem_slice_iter(blob)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad_ca(format!("CA blob: {e}")))?;
        add(certs, "CA blob")?;
    }
    if let Some(dir) = &opts.ca_path {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            let text = format!("error setting certificate path: {}", dir.display());
            Error::new(ErrorCode::SslCacertBadfile, text).caused_by(e)
        })?;
        let mut certs = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            // Files that are not PEM certificates are skipped, as with
            // OpenSSL's hashed directories.
            if let Ok(iter) = CertificateDer::pem_file_iter(&path) {
                certs.extend(iter.flatten());
            }
        }
        add(certs, &format!("CApath {}", dir.display()))?;
    }
    Ok(roots)
}

/// Builds the client configuration for `opts`.
pub(crate) fn client_config(opts: &TlsOptions) -> Result<Arc<ClientConfig>, Error> {
    let provider = provider();
    let versions: &[&'static rustls::SupportedProtocolVersion] = match opts.min_version {
        TlsVersion::V1_3 => &[&rustls::version::TLS13],
        TlsVersion::Default | TlsVersion::V1_2 => {
            &[&rustls::version::TLS13, &rustls::version::TLS12]
        }
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| Error::new(ErrorCode::SslConnectError, e.to_string()))?;
    let verifier: Arc<dyn ServerCertVerifier> = if opts.verify_peer {
        let roots = load_roots(opts)?;
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(bad_ca)?;
        if opts.verify_host {
            inner
        } else {
            tracing::warn!("TLS host name verification is off (SSL_VERIFYHOST=0)");
            Arc::new(AnyHost { inner })
        }
    } else {
        tracing::warn!(
            "TLS peer verification is off (SSL_VERIFYPEER=0): any certificate is accepted"
        );
        Arc::new(NoVerification {
            algorithms: provider.signature_verification_algorithms,
        })
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match (&opts.client_cert, &opts.client_key) {
        (None, None) => builder.with_no_client_auth(),
        (cert, key) => {
            let cert_err = |e: &dyn std::fmt::Display| {
                Error::new(
                    ErrorCode::SslCertproblem,
                    format!("client certificate: {e}"),
                )
            };
            let cert = cert
                .as_ref()
                .ok_or_else(|| cert_err(&"SSLKEY set without SSLCERT"))?;
            let key = key.as_ref().unwrap_or(cert);
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|e| cert_err(&e))?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| cert_err(&e))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| cert_err(&e))?
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Starts a client session for `host` (SNI comes from it; IP literals send
/// none, as RFC 6066 requires).
pub(crate) fn connect(
    config: Arc<ClientConfig>,
    host: &str,
) -> Result<rustls::ClientConnection, Error> {
    let name = ServerName::try_from(host.to_owned()).map_err(|e| {
        Error::new(
            ErrorCode::UrlMalformat,
            format!("bad TLS server name {host}: {e}"),
        )
    })?;
    rustls::ClientConnection::new(config, name)
        .map_err(|e| Error::new(ErrorCode::SslConnectError, e.to_string()))
}

/// Maps a TLS failure with `host` to the upstream code, and a rejected
/// certificate to upstream's wording of the reason.
pub(crate) fn map_error(e: &rustls::Error, handshaking: bool, host: &str) -> Error {
    use rustls::CertificateError as C;
    let problem = match e {
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => {
            let detail = Detail::CertificateName {
                host: host.to_owned(),
            };
            return Error::new(ErrorCode::PeerFailedVerification, detail);
        }
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "unable to get local issuer certificate".to_owned(),
            C::Expired | C::ExpiredContext { .. } => "certificate has expired".to_owned(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "certificate is not yet valid".to_owned()
            }
            C::Revoked => "certificate revoked".to_owned(),
            C::BadSignature => "certificate signature failure".to_owned(),
            other => format!("{other:?}"),
        },
        _ => {
            let code = if handshaking {
                ErrorCode::SslConnectError
            } else {
                ErrorCode::RecvError
            };
            let stage = if handshaking { "TLS handshake" } else { "TLS" };
            return Error::new(code, format!("{stage} failed: {e}"));
        }
    };
    Error::new(
        ErrorCode::PeerFailedVerification,
        Detail::Certificate { problem },
    )
}

/// FETCHINFO_SSL_VERIFYRESULT for a handshake error: OpenSSL's `X509_V_*`
/// number closest to rustls's certificate error, 0 for other errors.
pub(crate) fn verify_result(e: &rustls::Error) -> i64 {
    use rustls::CertificateError as C;
    let rustls::Error::InvalidCertificate(c) = e else {
        return 0;
    };
    match c {
        // X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED
        C::NotValidYet | C::NotValidYetContext { .. } => 9,
        C::Expired | C::ExpiredContext { .. } => 10,
        // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        C::UnknownIssuer => 20,
        // X509_V_ERR_CERT_REVOKED, X509_V_ERR_INVALID_PURPOSE
        C::Revoked => 23,
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => 26,
        // X509_V_ERR_CERT_SIGNATURE_FAILURE
        C::BadSignature => 7,
        // X509_V_ERR_UNSPECIFIED, also for a name that does not match: what
        // upstream (with OpenSSL) reports then.
        _ => 1,
    }
}

/// The socket as rustls's transport: reads with `recv`, writes with
/// MSG_NOSIGNAL so a closed peer never raises SIGPIPE.
pub(crate) struct SockIo<'a>(pub(crate) &'a socket2::Socket, pub(crate) i32);

impl Read for SockIo<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}

impl Write for SockIo<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.send_with_flags(buf, self.1)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// SSL_VERIFYHOST=0: the chain is verified, the name is not.
#[derive(Debug)]
struct AnyHost {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for AnyHost {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// SSL_VERIFYPEER=0: any certificate; handshake signatures still checked.
#[derive(Debug)]
struct NoVerification {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
