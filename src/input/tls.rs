//! TLS to PostgreSQL with libpq's meaning of `sslmode` and `sslrootcert`
//! (in the URL, else `PGSSLMODE` / `PGSSLROOTCERT`), by rustls with the ring
//! provider: pure Rust, no system OpenSSL, and the same crates polars
//! already builds. The modes:
//!
//! - `disable`: plain text; `allow`: plain text, TLS if the server insists;
//!   `prefer` (the default): TLS when the server offers it;
//!   `require`: TLS or nothing. None of these checks the certificate, as in
//!   libpq — except `require` with an `sslrootcert`, which is `verify-ca`.
//! - `verify-ca`: the server's chain must lead to a trusted root;
//!   `verify-full`: that, and the certificate must name the host.
//!
//! The trusted roots are `sslrootcert` (a PEM file), else
//! `~/.postgresql/root.crt` when it exists, else the system's roots.
//! `sslrootcert=system` asks for the system's roots by name. A Unix socket
//! never uses TLS (as in libpq).

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use anyhow::{Context as _, Result, bail};
use postgres::Socket;
use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn parse(text: &str) -> Result<SslMode> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => bail!(
                "sslmode={other} is not a mode PostgreSQL knows: disable, allow, prefer, require, verify-ca or verify-full"
            ),
        })
    }
}

/// Where the trusted roots come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Roots {
    /// `sslrootcert=FILE` (or `PGSSLROOTCERT`).
    File(PathBuf),
    /// `sslrootcert=system`, or no file given and no `~/.postgresql/root.crt`.
    System,
}

/// What the URL and the environment ask of TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsRequest {
    pub mode: SslMode,
    /// `sslrootcert`, when given.
    pub root: Option<Roots>,
}

impl TlsRequest {
    /// From the URL's `sslmode` / `sslrootcert` (already taken out of it),
    /// else the environment, else libpq's defaults.
    pub fn new(mode: Option<&str>, root: Option<&str>) -> Result<TlsRequest> {
        let env = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        let mode = match mode.map(str::to_string).or_else(|| env("PGSSLMODE")) {
            Some(m) => SslMode::parse(&m)?,
            None => SslMode::Prefer,
        };
        let root = root.map(str::to_string).or_else(|| env("PGSSLROOTCERT")).map(|r| match r.as_str() {
            "system" => Roots::System,
            file => Roots::File(PathBuf::from(file)),
        });
        Ok(TlsRequest { mode, root })
    }

    /// What the certificate must pass: libpq's `require` with a root file
    /// given checks the chain, as `verify-ca` does.
    fn check(&self) -> Check {
        match self.mode {
            SslMode::VerifyFull => Check::ChainAndName,
            SslMode::VerifyCa => Check::Chain,
            SslMode::Require if matches!(self.root, Some(Roots::File(_))) => Check::Chain,
            _ => Check::Nothing,
        }
    }

    /// The connector for this request.
    pub fn connector(&self) -> Result<Rustls> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let check = self.check();
        let verifier: Arc<dyn ServerCertVerifier> = match check {
            Check::Nothing => Arc::new(Unchecked(provider.signature_verification_algorithms)),
            Check::Chain | Check::ChainAndName => {
                let roots = Arc::new(self.roots()?);
                let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                    .build()
                    .context("cannot use the trusted roots")?;
                Arc::new(Checked { webpki, name: check == Check::ChainAndName })
            }
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS set-up")?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Rustls(Arc::new(config)))
    }

    fn roots(&self) -> Result<RootCertStore> {
        let home_root = std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".postgresql/root.crt"))
            .filter(|p| p.exists());
        let file = match &self.root {
            Some(Roots::File(f)) => Some(f.clone()),
            Some(Roots::System) => None,
            None => home_root,
        };
        let mut store = RootCertStore::empty();
        match file {
            Some(file) => {
                let certs = read_pem(&file)?;
                let (added, _) = store.add_parsable_certificates(certs);
                if added == 0 {
                    bail!("sslrootcert {}: no certificate in it could be used", file.display());
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                store.add_parsable_certificates(found.certs);
                if store.is_empty() {
                    bail!(
                        "no trusted roots: this system has no CA certificates (install ca-certificates) \
                         and no sslrootcert was given"
                    );
                }
            }
        }
        Ok(store)
    }
}

fn read_pem(file: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(file)
        .with_context(|| format!("sslrootcert {}: cannot read the file", file.display()))?
        .collect::<std::result::Result<_, _>>()
        .with_context(|| format!("sslrootcert {}: not a PEM certificate file", file.display()))?;
    if certs.is_empty() {
        bail!(
            "sslrootcert {}: no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)",
            file.display()
        );
    }
    Ok(certs)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

/// libpq's `prefer`/`require`: encrypted, the certificate not checked (the
/// handshake's signatures still are).
#[derive(Debug)]
struct Unchecked(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `verify-ca` and `verify-full`: the chain by webpki; under `verify-ca` a
/// certificate for another name is accepted, as libpq does.
#[derive(Debug)]
struct Checked {
    webpki: Arc<WebPkiServerVerifier>,
    name: bool,
}

impl ServerCertVerifier for Checked {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// What the postgres driver calls to wrap its socket in TLS.
#[derive(Clone)]
pub struct Rustls(Arc<ClientConfig>);

/// One connection's handshake, for the host it was made for.
pub struct RustlsConnect {
    config: Arc<ClientConfig>,
    host: ServerName<'static>,
}

impl MakeTlsConnect<Socket> for Rustls {
    type Stream = Encrypted;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, host: &str) -> io::Result<RustlsConnect> {
        let host = ServerName::try_from(host.to_string()).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{host:?} is not a host name"))
        })?;
        Ok(RustlsConnect { config: self.0.clone(), host })
    }
}

impl TlsConnect<Socket> for RustlsConnect {
    type Stream = Encrypted;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Encrypted>> + Send>>;

    fn connect(self, socket: Socket) -> Self::Future {
        let connector = tokio_rustls::TlsConnector::from(self.config);
        Box::pin(async move { connector.connect(self.host, socket).await.map(Encrypted) })
    }
}

/// The encrypted socket. No channel binding: SCRAM runs without `-PLUS`,
/// which libpq's default (`channel_binding=prefer`) also accepts.
pub struct Encrypted(tokio_rustls::client::TlsStream<Socket>);

impl TlsStream for Encrypted {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl AsyncRead for Encrypted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Encrypted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// What a TLS failure means, in words, from the driver's error chain.
pub fn explain_failure(text: &str) -> Option<&'static str> {
    let has = |s: &str| text.contains(s);
    Some(if has("server does not support TLS") {
        "the server does not support TLS; ask for ssl = on, or connect with sslmode=prefer"
    } else if has("NotValidForName") || has("not valid for name") {
        "host name mismatch: the server's certificate is not for this host; connect by the name it was \
         issued for, or use sslmode=verify-ca"
    } else if has("UnknownIssuer") || has("BadSignature") {
        "certificate unknown: the server's certificate is not signed by a trusted root; name the CA with \
         sslrootcert=FILE (or PGSSLROOTCERT)"
    } else if has("Expired") {
        "the server's certificate has expired"
    } else if has("no encryption") {
        "the server accepts this login only over TLS; connect with sslmode=require or verify-full"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_as_libpq_means_them() {
        let request = |mode, root| TlsRequest::new(Some(mode), root).unwrap();
        assert_eq!(request("verify-full", None).check(), Check::ChainAndName);
        assert_eq!(request("verify-ca", None).check(), Check::Chain);
        assert_eq!(request("require", None).check(), Check::Nothing);
        assert_eq!(request("require", Some("/ca.pem")).check(), Check::Chain);
        assert_eq!(request("require", Some("system")).check(), Check::Nothing);
        assert_eq!(request("prefer", Some("/ca.pem")).check(), Check::Nothing);
        assert!(TlsRequest::new(Some("verify"), None).unwrap_err().to_string().contains("verify-full"));
    }

    #[test]
    fn a_root_file_without_certificates_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, "not a certificate\n").unwrap();
        let request = TlsRequest::new(Some("verify-full"), file.to_str()).unwrap();
        let error = request.connector().err().unwrap().to_string();
        assert!(error.contains("ca.pem") && error.contains("no certificate"), "{error}");
    }
}
