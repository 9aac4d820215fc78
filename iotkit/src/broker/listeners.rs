//! The listeners beside plain MQTT over TCP: MQTT over TLS (with client
//! certificates when a CA is configured), MQTT over WebSocket ([`super::websocket`],
//! also over TLS) and HTTP publish ([`super::http`], also over TLS).
//!
//! Each listener accepts TCP connections, runs the TLS handshake when it is
//! a TLS listener (bounded by the connect timeout) and hands the resulting
//! [`Stream`] and the client certificate, if any, to the protocol: MQTT
//! connections go to [`session::run`] like plain TCP ones. TLS uses rustls
//! (ring provider, TLS 1.2 and 1.3); with a CA configured, every TLS
//! listener requires a client certificate issued by it
//! (`WebPkiClientVerifier`), as AWS IoT does; without one, TLS only
//! authenticates the server and policies attach by client id.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};
use tracing::{debug, info, warn};

use super::{Shared, Stream, http, session, websocket};

/// Command-line flags of the extra listeners (the config file has the same
/// keys, plus `wss_listen` and `https_listen`).
#[derive(Debug, Default, Args)]
pub(crate) struct NetArgs {
    /// Address of the MQTT over TLS listener (AWS IoT uses 8883); needs
    /// --tls-cert and --tls-key.
    #[arg(long, value_name = "ADDR")]
    tls_listen: Option<SocketAddr>,
    /// Server certificate chain (PEM) of the TLS listeners.
    #[arg(long, value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// Private key (PEM: PKCS#8, PKCS#1 or SEC1) of --tls-cert.
    #[arg(long, value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// CA certificate(s) (PEM) for client certificates: when given, TLS
    /// clients must present a certificate issued by one of them.
    #[arg(long, value_name = "FILE")]
    tls_ca: Option<PathBuf>,
    /// Address of the MQTT over WebSocket listener (path /mqtt, subprotocol mqtt).
    #[arg(long, value_name = "ADDR")]
    ws_listen: Option<SocketAddr>,
    /// Address of the HTTP publish listener (POST /topics/TOPIC?qos=1).
    #[arg(long, value_name = "ADDR")]
    http_listen: Option<SocketAddr>,
}

/// The `[tls]` table of the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TlsFiles {
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    ca: Option<PathBuf>,
}

/// The listener keys of the config file.
#[derive(Debug, Default)]
pub(crate) struct FileKeys {
    /// `tls_listen`.
    pub(crate) tls_listen: Option<SocketAddr>,
    /// `ws_listen`.
    pub(crate) ws_listen: Option<SocketAddr>,
    /// `wss_listen`.
    pub(crate) wss_listen: Option<SocketAddr>,
    /// `http_listen`.
    pub(crate) http_listen: Option<SocketAddr>,
    /// `https_listen`.
    pub(crate) https_listen: Option<SocketAddr>,
    /// `[tls]`.
    pub(crate) tls: Option<TlsFiles>,
}

/// What a listener speaks once the connection is established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Mqtt,
    WebSocket,
    Http,
}

/// One configured listener.
#[derive(Debug, Clone, Copy)]
struct Listener {
    name: &'static str,
    addr: SocketAddr,
    protocol: Protocol,
    tls: bool,
}

/// The extra listeners after flags and file are merged.
#[derive(Debug, Default)]
pub(crate) struct Settings {
    listeners: Vec<Listener>,
    /// The TLS server configuration, when a TLS listener is configured.
    tls: Option<Arc<ServerConfig>>,
}

impl Settings {
    /// Merges flags (which win) and file keys; relative file paths are
    /// resolved against `dir`. Certificates and key are loaded here, so a
    /// bad file stops the broker at start.
    pub(crate) fn new(args: &NetArgs, file: FileKeys, dir: &Path) -> anyhow::Result<Self> {
        let tls_files = file.tls.unwrap_or_default();
        let path = |flag: &Option<PathBuf>, key: Option<PathBuf>| {
            flag.clone().or_else(|| key.map(|p| dir.join(p)))
        };
        let cert = path(&args.tls_cert, tls_files.cert);
        let key = path(&args.tls_key, tls_files.key);
        let ca = path(&args.tls_ca, tls_files.ca);
        let candidates = [
            (
                "tls",
                args.tls_listen.or(file.tls_listen),
                Protocol::Mqtt,
                true,
            ),
            (
                "ws",
                args.ws_listen.or(file.ws_listen),
                Protocol::WebSocket,
                false,
            ),
            ("wss", file.wss_listen, Protocol::WebSocket, true),
            (
                "http",
                args.http_listen.or(file.http_listen),
                Protocol::Http,
                false,
            ),
            ("https", file.https_listen, Protocol::Http, true),
        ];
        let listeners: Vec<Listener> = candidates
            .into_iter()
            .filter_map(|(name, addr, protocol, tls)| {
                addr.map(|addr| Listener {
                    name,
                    addr,
                    protocol,
                    tls,
                })
            })
            .collect();
        let tls = if listeners.iter().any(|l| l.tls) {
            let (Some(cert), Some(key)) = (cert, key) else {
                bail!("a TLS listener needs a server certificate and key (tls.cert, tls.key)");
            };
            Some(server_config(&cert, &key, ca.as_deref())?)
        } else {
            None
        };
        Ok(Self { listeners, tls })
    }
}

/// Builds the rustls server configuration: the certificate chain and key,
/// and client certificates required when `ca` is given.
fn server_config(cert: &Path, key: &Path, ca: Option<&Path>) -> anyhow::Result<Arc<ServerConfig>> {
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .with_context(|| format!("cannot read certificates from {}", cert.display()))?;
    if chain.is_empty() {
        bail!("no certificate in {}", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read a private key from {}", key.display()))?;
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?;
    let builder = match ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(ca)
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .with_context(|| format!("cannot read CA certificates from {}", ca.display()))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                bail!("no usable CA certificate in {}", ca.display());
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .context("client certificate verifier")?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(chain, key)
        .context("the server certificate and key do not make a TLS configuration")?;
    Ok(Arc::new(config))
}

/// Binds every configured listener, prints `iotkit broker NAME listening on
/// ADDR` for each (after the MQTT address line) and spawns its accept loop.
pub(crate) async fn start(settings: &Settings, shared: &Arc<Shared>) -> anyhow::Result<()> {
    for l in &settings.listeners {
        let socket = TcpListener::bind(l.addr)
            .await
            .with_context(|| format!("cannot listen on {} ({})", l.addr, l.name))?;
        let addr = socket.local_addr().context("no local address")?;
        println!("iotkit broker {} listening on {addr}", l.name);
        info!(%addr, listener = l.name, "listener started");
        let tls = if l.tls {
            settings.tls.clone().map(TlsAcceptor::from)
        } else {
            None
        };
        tokio::spawn(accept_loop(socket, *l, tls, Arc::clone(shared)));
    }
    Ok(())
}

async fn accept_loop(
    socket: TcpListener,
    l: Listener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
) {
    loop {
        match socket.accept().await {
            Ok((tcp, peer)) => {
                let _ = tcp.set_nodelay(true);
                tokio::spawn(connection(tcp, peer, l, tls.clone(), Arc::clone(&shared)));
            }
            Err(err) => {
                warn!(%err, listener = l.name, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Runs the TLS handshake if any, then the listener's protocol.
async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    l: Listener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
) {
    let (stream, cert): (Stream, Option<CertificateDer<'static>>) = match tls {
        None => (Box::new(tcp), None),
        Some(acceptor) => {
            match timeout(shared.config.connect_timeout, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    let cert = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .map(|c| c.clone().into_owned());
                    (Box::new(tls), cert)
                }
                Ok(Err(err)) => {
                    info!(%peer, listener = l.name, %err, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    debug!(%peer, listener = l.name, "TLS handshake timed out");
                    return;
                }
            }
        }
    };
    match l.protocol {
        Protocol::Mqtt => session::run(shared, stream, peer, cert).await,
        Protocol::WebSocket => websocket::serve(shared, stream, peer, cert).await,
        Protocol::Http => http::serve(shared, stream, peer, cert, l.tls).await,
    }
}
