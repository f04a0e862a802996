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
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, ErrorCode};
use crate::failure::Detail;

/// The handshake-signature methods of a `ServerCertVerifier`, which every
/// verifier here answers in one of two ways: through the verifier it wraps
/// (`inner`) or with the provider's algorithms (`algorithms`). The
/// certificate check, `verify_server_cert`, is each verifier's own.
macro_rules! signature_checks {
    (inner) => {
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
    };
    (algorithms) => {
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
    };
}

mod client_auth;
mod issuer;
mod legacy_pem;

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
    /// Client private key, PEM file (FETCHOPT_SSLKEY). Without it (and
    /// without `client_key_blob`) the key is read from the certificate's
    /// file or blob. A key without a certificate is ignored, as upstream.
    pub client_key: Option<PathBuf>,
    /// Client certificate chain, PEM in memory (FETCHOPT_SSLCERT_BLOB);
    /// used instead of `client_cert` when set, as upstream.
    pub client_cert_blob: Option<Vec<u8>>,
    /// Client private key, PEM in memory (FETCHOPT_SSLKEY_BLOB); used
    /// instead of `client_key` when set.
    pub client_key_blob: Option<Vec<u8>>,
    /// The client key's password (FETCHOPT_KEYPASSWD): decrypts a PKCS#8
    /// `ENCRYPTED PRIVATE KEY` (PBES2: PBKDF2 or scrypt, AES-CBC) or an
    /// OpenSSL legacy `Proc-Type: 4,ENCRYPTED` key (AES-128/192/256-CBC,
    /// DES-EDE3-CBC). Unused for a key that is not encrypted; an encrypted
    /// key without it, or with a wrong one, is
    /// [`ErrorCode::SslCertproblem`].
    pub key_password: Option<Password>,
    /// The server's certificate must have been issued by the first
    /// certificate of this PEM file (FETCHOPT_ISSUERCERT), checked after
    /// the chain (with SSL_VERIFYPEER off too) as upstream's
    /// `X509_check_issued`: names, authority key identifier, key usage; no
    /// signature. A mismatch, or a file that cannot be read, is
    /// [`ErrorCode::SslIssuerError`].
    pub issuer_cert: Option<PathBuf>,
    /// The same in memory (FETCHOPT_ISSUERCERT_BLOB); wins over
    /// `issuer_cert`.
    pub issuer_cert_blob: Option<Vec<u8>>,
    /// The lowest accepted protocol version.
    pub min_version: TlsVersion,
    /// The peer's public key must match this (FETCHOPT_PINNEDPUBLICKEY):
    /// `sha256//<base64>` hashes of the end-entity certificate's
    /// SubjectPublicKeyInfo joined by `;`, or the name of a file holding
    /// that key in DER or PEM. Checked after every handshake, with or
    /// without peer verification; a mismatch (or an unreadable file) is
    /// [`ErrorCode::SslPinnedpubkeynotmatch`].
    pub pinned_pubkey: Option<String>,
    /// A CA certificate that is not self-signed (an intermediate in
    /// CAINFO, CAPATH or the CA blob) is trusted as the end of a chain:
    /// OpenSSL's `X509_V_FLAG_PARTIAL_CHAIN`, which upstream sets unless
    /// FETCHSSLOPT_NO_PARTIALCHAIN is given (default `true`). When `false`,
    /// only self-signed CA certificates (issuer name equal to subject
    /// name) are trust anchors; the others may still link a chain to one.
    /// The built-in roots are all self-signed.
    pub partial_chain: bool,
}

/// A password kept in options (FETCHOPT_KEYPASSWD). Its `Debug` output
/// does not show it, so options printed to a log never carry it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Password(String);

impl Password {
    /// The password `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The password's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
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
            client_cert_blob: None,
            client_key_blob: None,
            key_password: None,
            issuer_cert: None,
            issuer_cert_blob: None,
            min_version: TlsVersion::Default,
            pinned_pubkey: None,
            partial_chain: true,
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

/// Whether a DER certificate names itself as its issuer.
fn self_signed(cert: &CertificateDer<'_>) -> bool {
    crate::pinning::tbs_fields(cert).is_some_and(|f| f[2] == f[4])
}

/// A DER certificate's subject name (the whole DER element).
fn subject(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    crate::pinning::tbs_fields(cert).map(|f| f[4].to_vec())
}

/// The trust anchors and, without partial chains, the CA certificates
/// that are not anchors (`links`) and the anchors' subject names.
struct Trust {
    roots: RootCertStore,
    links: Vec<CertificateDer<'static>>,
    anchor_names: Vec<Vec<u8>>,
}

fn load_roots(opts: &TlsOptions) -> Result<Trust, Error> {
    let mut roots = RootCertStore::empty();
    let mut links = Vec::new();
    let mut anchor_names = Vec::new();
    if opts.ca_file.is_none() && opts.ca_path.is_none() && opts.ca_blob.is_none() {
        #[cfg(feature = "webpki-roots")]
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(Trust {
            roots,
            links,
            anchor_names,
        });
    }
    let mut add = |certs: Vec<CertificateDer<'static>>, what: &str| -> Result<(), Error> {
        if certs.is_empty() {
            return Err(bad_ca(format!("{what}: no certificates")));
        }
        let certs = if opts.partial_chain {
            certs
        } else {
            links.extend(certs.iter().filter(|c| !self_signed(c)).cloned());
            anchor_names.extend(certs.iter().filter(|c| self_signed(c)).filter_map(subject));
            certs.into_iter().filter(self_signed).collect()
        };
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
    Ok(Trust {
        roots,
        links,
        anchor_names,
    })
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
        let trust = load_roots(opts)?;
        if opts.partial_chain {
            webpki_verifier(opts, trust.roots, &provider)?
        } else {
            // Without partial chains, a CA file of intermediates only has
            // no anchor at all: every chain fails as unknown (60), as with
            // upstream, rather than as a bad CA file.
            let inner = (!trust.roots.is_empty())
                .then(|| webpki_verifier(opts, trust.roots, &provider))
                .transpose()?;
            let link_names = trust.links.iter().filter_map(subject).collect();
            Arc::new(FullChain {
                inner,
                links: trust.links,
                link_names,
                anchor_names: trust.anchor_names,
                algorithms: provider.signature_verification_algorithms,
            })
        }
    } else {
        tracing::warn!(
            "TLS peer verification is off (SSL_VERIFYPEER=0): any certificate is accepted"
        );
        Arc::new(NoVerification {
            algorithms: provider.signature_verification_algorithms,
        })
    };
    let verifier = issuer::wrap(opts, verifier);
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match client_auth::identity(opts)? {
        None => builder.with_no_client_auth(),
        Some((chain, key)) => builder.with_client_auth_cert(chain, key).map_err(|e| {
            Error::new(
                ErrorCode::SslCertproblem,
                format!("client certificate: {e}"),
            )
        })?,
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The webpki verifier for `roots`, checking the host name or not.
fn webpki_verifier(
    opts: &TlsOptions,
    roots: RootCertStore,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(bad_ca)?;
    Ok(if opts.verify_host {
        inner
    } else {
        tracing::warn!("TLS host name verification is off (SSL_VERIFYHOST=0)");
        Arc::new(AnyHost { inner })
    })
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
        rustls::Error::InvalidCertificate(C::Other(o)) if o.0.is::<issuer::IssuerFailed>() => {
            return Error::new(ErrorCode::SslIssuerError, o.0.to_string());
        }
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "unable to get local issuer certificate".to_owned(),
            C::Expired | C::ExpiredContext { .. } => "certificate has expired".to_owned(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "certificate is not yet valid".to_owned()
            }
            C::Revoked => "certificate revoked".to_owned(),
            C::BadSignature => "certificate signature failure".to_owned(),
            C::Other(o) if o.0.is::<IssuerNotFound>() => o.0.to_string(),
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
        // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
        C::Other(o) if o.0.is::<IssuerNotFound>() => 2,
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

    signature_checks!(inner);
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

    signature_checks!(algorithms);
}

/// FETCHSSLOPT_NO_PARTIALCHAIN: chains must end at a self-signed anchor
/// (`inner`'s roots), built as OpenSSL builds them (see
/// [`FullChain::store_path`]). No anchor at all: every chain is unknown.
#[derive(Debug)]
struct FullChain {
    inner: Option<Arc<dyn ServerCertVerifier>>,
    /// The CA certificates that are not self-signed, and their subjects.
    links: Vec<CertificateDer<'static>>,
    link_names: Vec<Vec<u8>>,
    /// The anchors' subjects.
    anchor_names: Vec<Vec<u8>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl FullChain {
    /// The intermediates OpenSSL's chain building would use: up from the
    /// leaf through the presented certificates until an issuer is in the
    /// trust store, then store certificates only (the presented ones above
    /// that point are not used). Returns them, and whether the walk entered
    /// the store at a certificate that is not self-signed: then a chain
    /// that cannot be completed is OpenSSL's "unable to get issuer
    /// certificate", not "... local issuer ...".
    fn store_path(
        &self,
        leaf: &CertificateDer<'_>,
        presented: &[CertificateDer<'_>],
    ) -> (Vec<CertificateDer<'static>>, bool) {
        let mut pool = self.links.clone();
        let mut cur = crate::pinning::tbs_fields(leaf).map(|f| f[2].to_vec());
        for _ in 0..=presented.len() {
            let Some(issuer) = cur.take() else { break };
            if self.link_names.contains(&issuer) {
                return (pool, true);
            }
            if self.anchor_names.contains(&issuer) {
                break;
            }
            let next = presented
                .iter()
                .find(|c| subject(c).as_ref() == Some(&issuer));
            if let Some(next) = next {
                pool.push(next.clone().into_owned());
                cur = crate::pinning::tbs_fields(next).map(|f| f[2].to_vec());
            }
        }
        (pool, false)
    }
}

/// OpenSSL's X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT (see
/// [`FullChain::store_path`]).
#[derive(Debug)]
struct IssuerNotFound;

impl std::fmt::Display for IssuerNotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unable to get issuer certificate")
    }
}

impl std::error::Error for IssuerNotFound {}

impl ServerCertVerifier for FullChain {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        use rustls::CertificateError::UnknownIssuer;
        let (pool, via_link) = self.store_path(end_entity, intermediates);
        let result = match &self.inner {
            None => Err(rustls::Error::InvalidCertificate(UnknownIssuer)),
            Some(inner) => inner.verify_server_cert(end_entity, &pool, server_name, ocsp, now),
        };
        match result {
            Err(rustls::Error::InvalidCertificate(UnknownIssuer)) if via_link => {
                Err(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::Other(rustls::OtherError(Arc::new(IssuerNotFound))),
                ))
            }
            other => other,
        }
    }

    signature_checks!(algorithms);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Options printed for a log must not carry the key's password.
    #[test]
    fn debug_output_hides_the_key_password() {
        let opts = TlsOptions {
            key_password: Some(Password::new("hunter2-secret")),
            ..TlsOptions::default()
        };
        let text = format!("{opts:?}");
        assert!(!text.contains("hunter2-secret"), "{text}");
        assert!(
            text.contains("key_password: Some(Password(<redacted>))"),
            "{text}"
        );
        assert_eq!(opts.key_password.unwrap().as_str(), "hunter2-secret");
    }
}
