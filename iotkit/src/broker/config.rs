//! `--config FILE`: the broker's TOML configuration.
//!
//! Every setting has a default, so the broker runs with no file at all; a
//! command-line flag wins over the same setting in the file. Relative paths
//! in the file are resolved against the file's directory.
//!
//! ```toml
//! listen = "127.0.0.1:1883"      # --listen
//! max_packet_size = 262144       # --max-packet-size
//! connect_timeout = 10           # --connect-timeout (seconds)
//! stats = 10                     # --stats (seconds; absent: no stats line)
//! max_queued_bytes = 1048576     # --max-queued-bytes (per connection / stored session)
//! region = "us-east-1"           # ARN region used by policies (default us-east-1)
//! account = "123456789012"       # ARN account used by policies (default 123456789012)
//! tls_listen = "0.0.0.0:8883"    # --tls-listen: MQTT over TLS (see [tls])
//! ws_listen = "127.0.0.1:8080"   # --ws-listen: MQTT over WebSocket, path /mqtt
//! wss_listen = "0.0.0.0:443"     # MQTT over WebSocket over TLS
//! http_listen = "127.0.0.1:8081" # --http-listen: POST /topics/{topic}?qos=1
//! https_listen = "0.0.0.0:8443"  # HTTP publish over TLS
//!
//! [[policies]]                   # an AWS IoT policy document ...
//! name = "device"
//! path = "device-policy.json"    # ... from a file,
//! # document = '{"Version": "2012-10-17", "Statement": [...]}'   # ... or inline
//!
//! [[attach]]                     # policies of one client id (exact match)
//! client_id = "device-1"
//! policies = ["device"]
//!
//! [[attach]]                     # policies of a client certificate (TLS with tls.ca)
//! cert_cn = "device-2"           # by subject common name, and/or
//! # cert_fingerprint = "3f2a..." # by SHA-256 of the DER (hex, colons allowed)
//! # client_id = "device-2"       # optional: only for this client id
//! # thing = "device-2"           # optional: thing attached (iot:Connection.Thing.*)
//! policies = ["device"]
//!
//! [tls]                          # for tls_listen, wss_listen, https_listen
//! cert = "server-chain.pem"      # --tls-cert: server certificate chain (PEM)
//! key = "server-key.pem"         # --tls-key: its private key (PEM)
//! ca = "ca.pem"                  # --tls-ca: client CA(s); client certificates required
//!
//! [[rules]]                      # an AWS topic-rule payload (sql, actions, ...)
//! name = "hot"
//! path = "hot-rule.json"
//! # payload = '{"sql": "SELECT * FROM \'a/b\'", "actions": [...]}'  # or inline
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Deserialize;

use super::auth::{Auth, CertAttach};
use super::listeners;
use super::rules::RuleSet;
use super::{BrokerArgs, DEFAULT_MAX_PACKET_SIZE};

/// Default listen address.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:1883";
/// Default seconds a new connection has to send CONNECT.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: u64 = 10;
/// Default ARN region of policy resources.
pub(crate) const DEFAULT_REGION: &str = "us-east-1";
/// Default ARN account of policy resources (the one AWS documentation uses).
pub(crate) const DEFAULT_ACCOUNT: &str = "123456789012";

/// The TOML file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    listen: Option<SocketAddr>,
    max_packet_size: Option<u32>,
    connect_timeout: Option<u64>,
    stats: Option<u64>,
    max_queued_bytes: Option<u64>,
    region: Option<String>,
    account: Option<String>,
    #[serde(default)]
    policies: Vec<PolicyEntry>,
    #[serde(default)]
    attach: Vec<AttachEntry>,
    #[serde(default)]
    rules: Vec<RuleEntry>,
    tls_listen: Option<SocketAddr>,
    ws_listen: Option<SocketAddr>,
    wss_listen: Option<SocketAddr>,
    http_listen: Option<SocketAddr>,
    https_listen: Option<SocketAddr>,
    tls: Option<listeners::TlsFiles>,
}

/// A `[[policies]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyEntry {
    name: String,
    path: Option<PathBuf>,
    document: Option<String>,
}

/// An `[[attach]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachEntry {
    client_id: Option<String>,
    cert_cn: Option<String>,
    cert_fingerprint: Option<String>,
    thing: Option<String>,
    policies: Vec<String>,
}

/// A `[[rules]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    name: String,
    path: Option<PathBuf>,
    payload: Option<String>,
}

/// The broker's settings after defaults, file and flags are merged.
#[derive(Debug)]
pub(crate) struct Settings {
    /// Address to listen on.
    pub(crate) listen: SocketAddr,
    /// Largest packet accepted.
    pub(crate) max_packet_size: u32,
    /// Time allowed before CONNECT.
    pub(crate) connect_timeout: Duration,
    /// Stats line interval in seconds.
    pub(crate) stats: Option<u64>,
    /// Byte budget of each connection's queues (see `budget`).
    pub(crate) max_queued_bytes: usize,
    /// Authorization (allow-all when no policy is configured).
    pub(crate) auth: Auth,
    /// Topic rules.
    pub(crate) rules: RuleSet,
    /// TLS, WebSocket and HTTP listeners.
    pub(crate) net: listeners::Settings,
}

/// Reads `--config` (if given) and merges it with the flags.
pub(crate) fn load(args: &BrokerArgs) -> anyhow::Result<Settings> {
    let (file, dir) = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            let file: File = toml::from_str(&text)
                .with_context(|| format!("invalid config file {}", path.display()))?;
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (file, dir)
        }
        None => (File::default(), PathBuf::new()),
    };
    let listen = match args.listen.or(file.listen) {
        Some(a) => a,
        None => DEFAULT_LISTEN.parse().context("default listen address")?,
    };
    let max_packet_size = args
        .max_packet_size
        .or(file.max_packet_size)
        .unwrap_or(DEFAULT_MAX_PACKET_SIZE);
    if max_packet_size < 16 {
        bail!("max_packet_size must be at least 16");
    }
    let connect_timeout = args
        .connect_timeout
        .or(file.connect_timeout)
        .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    if connect_timeout == 0 {
        bail!("connect_timeout must be at least 1");
    }
    let stats = args.stats.or(file.stats);
    if stats == Some(0) {
        bail!("stats must be at least 1");
    }
    let max_queued_bytes = match args.max_queued_bytes.or(file.max_queued_bytes) {
        None => super::budget::DEFAULT_MAX_QUEUED_BYTES,
        Some(0) => bail!("max_queued_bytes must be at least 1"),
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
    };
    let region = file.region.unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let account = file.account.unwrap_or_else(|| DEFAULT_ACCOUNT.to_owned());

    let mut policies = HashMap::new();
    for p in file.policies {
        let text = inline_or_file(p.document, p.path.as_deref(), &dir, "policy", &p.name)?;
        if policies.insert(p.name.clone(), text).is_some() {
            bail!("policy {:?} is defined twice", p.name);
        }
    }
    let (mut attach, mut certs) = (Vec::new(), Vec::new());
    for a in file.attach {
        match (a.client_id, a.cert_cn, a.cert_fingerprint, a.thing) {
            (Some(client_id), None, None, None) => attach.push((client_id, a.policies)),
            (client_id, cn, fingerprint, thing) => certs.push(CertAttach {
                cn,
                fingerprint,
                client_id,
                thing,
                policies: a.policies,
            }),
        }
    }
    let mut auth = Auth::new(&policies, &attach, region, account)?;
    auth.attach_certs(&policies, certs)?;
    let net = listeners::Settings::new(
        &args.net,
        listeners::FileKeys {
            tls_listen: file.tls_listen,
            ws_listen: file.ws_listen,
            wss_listen: file.wss_listen,
            http_listen: file.http_listen,
            https_listen: file.https_listen,
            tls: file.tls,
        },
        &dir,
    )?;

    let mut rules = Vec::new();
    for r in file.rules {
        let text = inline_or_file(r.payload, r.path.as_deref(), &dir, "rule", &r.name)?;
        rules.push((r.name, text, dir.clone()));
    }
    let rules = RuleSet::new(&rules)?;
    Ok(Settings {
        listen,
        max_packet_size,
        connect_timeout: Duration::from_secs(connect_timeout),
        stats,
        max_queued_bytes,
        auth,
        rules,
        net,
    })
}

/// The inline text, or the text of the file at `path` (relative to `dir`).
fn inline_or_file(
    inline: Option<String>,
    path: Option<&Path>,
    dir: &Path,
    what: &str,
    name: &str,
) -> anyhow::Result<String> {
    match (inline, path) {
        (Some(text), None) => Ok(text),
        (None, Some(path)) => {
            let path = dir.join(path);
            std::fs::read_to_string(&path)
                .with_context(|| format!("{what} {name:?}: cannot read {}", path.display()))
        }
        _ => bail!("{what} {name:?}: give exactly one of `path` and the inline text"),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: BrokerArgs,
    }

    fn args(argv: &[&str]) -> BrokerArgs {
        Cli::try_parse_from(std::iter::once("broker").chain(argv.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn defaults_without_a_file_allow_everything() {
        let s = load(&args(&[])).unwrap();
        assert_eq!(s.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(s.max_packet_size, DEFAULT_MAX_PACKET_SIZE);
        assert_eq!(s.connect_timeout, Duration::from_secs(10));
        assert_eq!(s.stats, None);
        let conn = s.auth.bind(
            "anyone",
            std::net::Ipv4Addr::LOCALHOST.into(),
            None,
            false,
            None,
        );
        assert!(conn.can_connect() && conn.can_publish("a/b", true));
    }

    #[test]
    fn file_settings_apply_and_flags_win() {
        let dir = std::env::temp_dir().join(format!("iotkit-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("broker.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:1999\"\nstats = 7\nconnect_timeout = 3\n",
        )
        .unwrap();
        let p = path.to_str().unwrap();
        let s = load(&args(&["--config", p, "--stats", "2"])).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:1999");
        assert_eq!(s.stats, Some(2));
        assert_eq!(s.connect_timeout, Duration::from_secs(3));
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        assert!(load(&args(&["--config", p])).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn default_region_and_account_make_the_arns() {
        let doc = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "iot:Connect", "Resource": "arn:aws:iot:us-east-1:123456789012:client/a"}]}"#;
        let policies = HashMap::from([("p".to_owned(), doc.to_owned())]);
        let attach = [("a".to_owned(), vec!["p".to_owned()])];
        let auth = Auth::new(
            &policies,
            &attach,
            DEFAULT_REGION.into(),
            DEFAULT_ACCOUNT.into(),
        )
        .unwrap();
        let ip = std::net::Ipv4Addr::LOCALHOST.into();
        assert!(auth.bind("a", ip, None, false, None).can_connect());
        assert!(!auth.bind("b", ip, None, false, None).can_connect());
        assert!(
            !auth
                .bind("a", ip, None, false, None)
                .can_publish("t", false)
        );
    }
}
