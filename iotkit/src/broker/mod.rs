//! `iotkit broker`: a small reference MQTT 3.1.1 / 5.0 broker.
//!
//! The broker is glue: packets are framed and checked by `iot-mqtt-codec`
//! (through its `tokio_util` codec), filters validated and matched by
//! `topic-match`. This module holds the command-line arguments, the state
//! shared by all connections and the accept loop; [`connect`] negotiates
//! CONNECT/CONNACK, [`session`] runs one connection, [`router`] is the
//! subscription table (topic-match's `SubscriptionIndex`: one copy per
//! client per publish, MQTT 5 shared subscriptions round robin) and
//! [`retained`] the retained-message store (topic-match's `RetainedIndex`);
//! [`config`] reads `--config FILE`, [`auth`] applies `iot-policy` policies
//! and [`rules`] runs `iot-sql` topic rules (with the publisher's
//! [`context`]: client id, source ip, principal); [`shadow`] serves Device Shadows
//! on the reserved `$aws/things/...` topics and refuses the other reserved
//! `$aws/` topics; [`persist`] keeps shadows and retained messages under
//! `--data-dir`, as [`store`] does the sessions that outlive their connection
//! (3.1.1 Clean Session 0, 5.0 Session Expiry Interval), with redelivery,
//! session expiry, the Will Delay Interval and Message Expiry; [`alias`]
//! resolves inbound MQTT 5 topic aliases and assigns outbound ones;
//! [`events`] publishes the AWS IoT lifecycle events on
//! `$aws/events/presence/...` and `$aws/events/subscriptions/...`; [`budget`]
//! bounds in bytes what is queued for each connection and stored session. [`listeners`] adds MQTT over TLS (client certificates,
//! policies attached to them), MQTT over WebSocket ([`websocket`]) and HTTP
//! publish ([`http`]), each handing its stream to [`session::run`] or
//! [`Shared::publish`].
//!
//! Limits and deliberate simplifications of this first slice:
//! - stored sessions are saved under `--data-dir` every
//!   [`store::disk::FLUSH_INTERVAL`] when they change (see [`store::disk`]); an
//!   offline session holds at most [`store::QUEUE_LIMIT`] messages, QoS 1/2 only;
//! - each connection has a bounded outbound queue ([`OUTBOX_CAPACITY`]
//!   messages, plus as many held back by its Receive Maximum), each also
//!   bounded in bytes by `--max-queued-bytes` ([`budget`], default 1 MiB); a
//!   subscriber that falls further behind loses messages (counted as
//!   `dropped` on the `--stats` line);
//! - the largest packet accepted is [`DEFAULT_MAX_PACKET_SIZE`] (256 KiB)
//!   unless `--max-packet-size` says otherwise;
//! - topic aliases: inbound up to [`alias::TOPIC_ALIAS_MAXIMUM`]; outbound
//!   for a client's first topics only (an alias is never reassigned).

mod alias;
mod auth;
mod budget;
mod config;
mod connect;
mod context;
mod events;
mod http;
mod listeners;
mod persist;
mod retained;
mod router;
mod rules;
mod session;
mod shadow;
mod store;
mod websocket;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use clap::Args;
use iot_mqtt_codec::{Properties, QoS, Utf8Str};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tracing::{debug, info, warn};

use retained::Retained;
use router::Router;

/// A client's byte stream, whatever carries it (TCP, TLS, WebSocket: every
/// listener hands its streams to [`session::run`] the same way).
pub(crate) type Stream = Box<dyn Transport>;

/// What a listener must provide for a connection to run on it.
pub(crate) trait Transport: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Transport for T {}

/// Default largest packet accepted from a client, fixed header included: 256 KiB.
pub(crate) const DEFAULT_MAX_PACKET_SIZE: u32 = 256 * 1024;

/// Messages queued for one connection before further ones are dropped.
pub(crate) const OUTBOX_CAPACITY: usize = 1024;

/// Run a local MQTT 3.1.1 / 5.0 broker (TCP, TLS, WebSocket, HTTP publish; no config file needed).
#[derive(Debug, Args)]
#[command(
    after_help = "Logs go to stderr; set RUST_LOG to filter them (default: info).

A client with overlapping subscriptions gets one copy per publish (highest QoS, all
subscription identifiers). MQTT 5 shared subscriptions ($share/GROUP/FILTER) send each
message to one member of each group, round robin, and get no retained messages on
subscribe; MQTT 3.1.1 reads $share/... as an ordinary filter.

Device Shadows are served on $aws/things/THING/shadow[/name/SHADOW]/{update,get,delete}
(answers on .../accepted, .../rejected, .../update/delta, .../update/documents); other
reserved $aws/ topics are refused (5.0: PUBACK/PUBREC 0x87; 3.1.1: disconnect), except
Basic Ingest $aws/rules/. With --data-dir, shadows and retained messages survive a restart.
A retained message whose MQTT 5 Message Expiry Interval has passed is dropped within a
second (from memory and the data dir).

Config file (TOML, --config): every flag above as a key (listen, max_packet_size,
connect_timeout, stats, max_queued_bytes; a flag wins over the file), plus
  region, account            ARN parts for policies (default us-east-1, 123456789012)
  [[policies]] name, path | document    AWS IoT policy JSON (file or inline)
  [[attach]]   client_id, policies      policies of a client id (exact match)
  [[attach]]   cert_cn | cert_fingerprint [, client_id, thing], policies
                                     policies of a client certificate (fingerprint:
                                     SHA-256 of the DER in hex, colons allowed)
  [[rules]]    name, path | payload     AWS topic-rule JSON: sql, awsIotSqlVersion,
               actions / errorAction: {\"republish\": {\"topic\": \"t/${topic(2)}\", \"qos\": 0|1}}
               or {\"log\": {\"path\": \"FILE\"}} (one JSON line per output), ruleDisabled
Rule SQL sees clientid(), sourceip(), principal() (the client id over plain TCP),
traceid() (a UUID per message); --stats counts rule_matches and rule_errors.
Relative paths are relative to the config file. With no [[policies]] everything is
allowed; with some, iot:Connect, Publish, RetainPublish, Subscribe and Receive are
checked as AWS IoT does. PUBLISH to $aws/rules/NAME/... goes only to rule NAME.
Sessions: 3.1.1 Clean Session 0 and 5.0 Session Expiry Interval > 0 keep subscriptions,
QoS 1/2 messages queued while offline (up to 1000) and unacknowledged messages (resent
with DUP on reconnect, CONNACK Session Present 1); 3.1.1 sessions expire after
--persistent-session-expiry seconds (default 3600, as AWS IoT). Will Delay Interval and
Message Expiry Interval are honoured; topic aliases: up to 10 from each client, and to a
client that allows them, its first topics. Lifecycle events are published on
$aws/events/presence/{connected,disconnected}/CLIENT_ID and
$aws/events/subscriptions/{subscribed,unsubscribed}/CLIENT_ID (AWS JSON; the
principalIdentifier of a certificate connection is the certificate id).
Memory: --max-queued-bytes (default 1 MiB) bounds each connection's outbox, again its
Receive-Maximum backlog, and each stored session's offline queue; messages beyond it
are dropped (QoS 0 first) and counted as dropped on the --stats line. QoS 1/2
acknowledgements to packets received together are written together.

Listeners (each prints `iotkit broker NAME listening on ADDR` after the first line):
  tls_listen    MQTT over TLS (AWS: 8883); [tls] cert, key (PEM) and, to require
                client certificates issued by it, ca (--tls-cert/--tls-key/--tls-ca)
  ws_listen     MQTT over WebSocket on path /mqtt, subprotocol mqtt; wss_listen: over TLS
  http_listen   POST /topics/TOPIC?qos=0|1&retain=true with the payload as body,
                answered 200 {\"message\":\"OK\",\"traceId\":..} as AWS IoT does (also
                contentType, responseTopic, messageExpiry, x-amz-mqtt5-* headers);
                https_listen: over TLS, checked against the client certificate's
                policies. Plain HTTP has no principal: with policies configured it is
                accepted from loopback addresses only.
A client certificate is the connection's principal: only [[attach]] entries naming a
certificate apply to it; policies see ${iot:Certificate.*}, ${iot:CertificateId}.
With --data-dir, stored sessions (subscriptions, expiry, queued and unacknowledged
QoS 1/2 messages of offline clients) are saved within 0.2 s of each change and
restored at start, their expiry counted from the save. Not supported: MQTT 5
enhanced authentication (a CONNECT with an Authentication Method gets CONNACK 0x8C).

Examples:
  iotkit broker
  iotkit broker --listen 0.0.0.0:1883 --stats 10
  iotkit broker --config broker.toml
  iotkit broker --data-dir ./iotkit-data
  iotkit broker --tls-listen 0.0.0.0:8883 --tls-cert server.pem --tls-key server.key --tls-ca ca.pem
  iotkit broker --ws-listen 127.0.0.1:8080 --http-listen 127.0.0.1:8081"
)]
pub(crate) struct BrokerArgs {
    /// TOML configuration file (policies, rules and the settings below).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port; the bound address is
    /// printed as `iotkit broker listening on ADDR`) [default: 127.0.0.1:1883].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Largest packet accepted from a client in bytes, fixed header included
    /// (announced to MQTT 5 clients as Maximum Packet Size) [default: 262144].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(16..))]
    max_packet_size: Option<u32>,
    /// Seconds a new connection has to send its CONNECT [default: 10].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    connect_timeout: Option<u64>,
    /// Print a statistics line (connections, messages/s in and out, drops, rule
    /// matches and rule errors) every SECS seconds.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    stats: Option<u64>,
    /// Directory where shadows and retained messages (atomically, on every
    /// accepted change) and stored sessions (within 0.2 s of a change) are
    /// saved and loaded from at start; default: memory only.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Seconds an MQTT 3.1.1 Clean Session 0 session is kept after its
    /// connection ends (MQTT 5 clients set their own Session Expiry Interval)
    /// [default: 3600, AWS IoT's default persistent session expiry].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32).range(1..))]
    persistent_session_expiry: Option<u32>,
    /// Bytes of messages queued for one connection (its outbox, and again
    /// its Receive-Maximum backlog) and for one stored session offline,
    /// beyond which new messages are dropped, QoS 0 first [default: 1048576].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    max_queued_bytes: Option<u64>,
    /// TLS, WebSocket and HTTP listeners.
    #[command(flatten)]
    net: listeners::NetArgs,
}

/// Settings every connection reads.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Largest packet accepted from clients.
    pub(crate) max_packet_size: u32,
    /// Time allowed between accept and CONNECT.
    pub(crate) connect_timeout: Duration,
    /// Policies (allow-all when none are configured).
    pub(crate) auth: Arc<auth::Auth>,
    /// Topic rules.
    pub(crate) rules: Arc<rules::RuleSet>,
    /// Where shadows and retained messages persist (`None`: memory only).
    pub(crate) data_dir: Option<PathBuf>,
    /// Expiry in seconds of 3.1.1 Clean Session 0 sessions ([`store`]).
    pub(crate) persistent_session_expiry: u32,
    /// Byte budget of each connection's queues and stored session ([`budget`]).
    pub(crate) max_queued_bytes: usize,
}

/// An application message on its way through the broker.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    /// Topic name, validated by the codec.
    pub(crate) topic: Utf8Str,
    /// Payload (shared, never copied).
    pub(crate) payload: Bytes,
    /// QoS it was published with.
    pub(crate) qos: QoS,
    /// The RETAIN flag it was published with.
    pub(crate) retain: bool,
    /// MQTT 5 properties as published (filtered per delivery).
    pub(crate) properties: Properties,
    /// The publishing connection (for No Local).
    pub(crate) from: u64,
}

/// What a session is sent by the rest of the broker.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// Deliver a message matched by this connection's subscriptions.
    Deliver {
        /// The message.
        msg: Message,
        /// The QoS granted by the subscription (capped by the message's).
        qos: QoS,
        /// The RETAIN flag to send.
        retain: bool,
        /// Subscription identifiers to attach (MQTT 5).
        subscription_ids: Vec<u32>,
    },
}

/// The live connection registered for a client id.
#[derive(Debug)]
struct ClientEntry {
    conn: u64,
    taken_over: Arc<Notify>,
}

/// Mutable broker state, behind one mutex that is never held across an await.
#[derive(Debug, Default)]
pub(crate) struct State {
    router: Router,
    retained: Retained,
    clients: HashMap<String, ClientEntry>,
    outboxes: HashMap<u64, budget::Outbox>,
    /// Sessions that outlive their connection ([`store`]).
    sessions: store::Store,
}

/// Counters for the `--stats` line.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// Connections that completed CONNECT and are still open.
    pub(crate) connections: AtomicU64,
    /// PUBLISH packets received.
    pub(crate) msgs_in: AtomicU64,
    /// PUBLISH packets sent.
    pub(crate) msgs_out: AtomicU64,
    /// Messages not delivered to a subscriber (queue full, larger than the
    /// client's Maximum Packet Size, no free packet identifier).
    pub(crate) dropped: AtomicU64,
}

/// Everything the connections share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Settings.
    pub(crate) config: Config,
    /// Counters.
    pub(crate) stats: Stats,
    /// Device shadows ([`shadow`]).
    pub(crate) shadows: shadow::Shadows,
    /// Who is behind each connection, for the rules' context ([`context`]).
    pub(crate) origins: context::Origins,
    state: Mutex<State>,
    next_conn: AtomicU64,
}

impl Shared {
    fn new(config: Config) -> Self {
        Self {
            config,
            stats: Stats::default(),
            shadows: shadow::Shadows::default(),
            origins: context::Origins::default(),
            state: Mutex::new(State::default()),
            next_conn: AtomicU64::new(1),
        }
    }

    /// Locks the state (a panic elsewhere cannot leave it half-updated in a
    /// way that matters more than stopping the broker would, so poisoning is ignored).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A fresh connection id.
    pub(crate) fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Registers `client_id` for connection `conn`; a connection already using
    /// that client id is told to close (session takeover, MQTT-3.1.4-3).
    pub(crate) fn register(
        &self,
        client_id: &str,
        conn: u64,
        outbox: budget::Outbox,
        taken_over: Arc<Notify>,
    ) {
        let mut state = self.lock();
        state.outboxes.insert(conn, outbox);
        let entry = ClientEntry { conn, taken_over };
        if let Some(old) = state.clients.insert(client_id.to_owned(), entry) {
            info!(client_id, old = old.conn, new = conn, "session taken over");
            old.taken_over.notify_one();
        }
    }

    /// Forgets connection `conn` and its subscriptions (kept for a stored session).
    pub(crate) fn unregister(&self, client_id: &str, conn: u64) {
        self.origins.disconnected(conn);
        let mut state = self.lock();
        state.outboxes.remove(&conn);
        if !state.sessions.is_stored(conn) {
            state.router.remove_connection(conn);
        }
        if state.clients.get(client_id).is_some_and(|e| e.conn == conn) {
            state.clients.remove(client_id);
        }
    }

    /// Stores `msg` if retained and queues it for every matching subscriber.
    /// Returns how many connections it was queued for.
    pub(crate) fn publish(&self, msg: &Message) -> usize {
        // Rules first, outside the lock (rules may select shadow request
        // topics, as in AWS); Basic Ingest stops here.
        if self.config.rules.on_publish(self, msg) {
            return 0;
        }
        if shadow::serve(self, msg) {
            return 0; // A shadow request: answered on its response topics, not routed.
        }
        let mut guard = self.lock();
        let state = &mut *guard;
        if msg.retain {
            state.retained.store(msg);
            persist::retained(&self.config, msg);
        }
        let routes = state.router.route(msg.topic.as_str(), msg.from);
        let mut queued = 0;
        for route in routes {
            let qos = route.qos.min(msg.qos);
            // MQTT-3.3.1-9 / MQTT-3.3.1-12: RETAIN is kept only with Retain As Published.
            let retain = msg.retain && route.retain_as_published;
            let Some(outbox) = state.outboxes.get(&route.conn) else {
                // An offline stored session: held until it reconnects.
                let held = store::Held {
                    msg: msg.clone(),
                    qos,
                    retain,
                    subscription_ids: route.subscription_ids,
                    since: tokio::time::Instant::now(),
                };
                if state
                    .sessions
                    .hold(route.conn, held, self.config.max_queued_bytes)
                {
                    queued += 1;
                } else if qos != QoS::AtMostOnce && state.sessions.is_stored(route.conn) {
                    self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            };
            let out = Outbound::Deliver {
                msg: msg.clone(),
                qos,
                retain,
                subscription_ids: route.subscription_ids,
            };
            if outbox.try_send(out) {
                queued += 1;
            } else {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                // Counted on the --stats line; one log line per drop would flood.
                debug!(conn = route.conn, topic = %msg.topic, "outbound queue full, message dropped");
            }
        }
        queued
    }
}

/// Runs `iotkit broker` until it is killed.
pub(crate) fn run(args: BrokerArgs) -> anyhow::Result<ExitCode> {
    init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    runtime.block_on(serve(args))?;
    Ok(ExitCode::SUCCESS)
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

async fn serve(args: BrokerArgs) -> anyhow::Result<()> {
    let settings = config::load(&args)?;
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr().context("no local address")?;
    println!("iotkit broker listening on {addr}");
    info!(%addr, max_packet_size = settings.max_packet_size, "broker started");
    let shared = Arc::new(Shared::new(Config {
        max_packet_size: settings.max_packet_size,
        connect_timeout: settings.connect_timeout,
        auth: Arc::new(settings.auth),
        rules: Arc::new(settings.rules),
        data_dir: args.data_dir.clone(),
        persistent_session_expiry: args
            .persistent_session_expiry
            .unwrap_or(store::DEFAULT_PERSISTENT_SESSION_EXPIRY),
        max_queued_bytes: settings.max_queued_bytes,
    }));
    shadow::restore(&shared)?;
    store::disk::start(&shared)?;
    rules::RuleSet::start(&shared)?;
    listeners::start(&settings.net, &shared).await?;
    if let Some(secs) = settings.stats {
        tokio::spawn(print_stats(Arc::clone(&shared), secs));
    }
    tokio::spawn(purge_retained(Arc::clone(&shared)));
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(session::run(
                    Arc::clone(&shared),
                    Box::new(stream),
                    peer,
                    None,
                ));
            }
            Err(err) => {
                // Typically out of file descriptors: back off instead of spinning.
                warn!(%err, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Once a second, drops the retained messages whose Message Expiry Interval
/// has passed (from memory and from the data dir).
async fn purge_retained(shared: Arc<Shared>) {
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    loop {
        ticker.tick().await;
        let gone = shared.lock().retained.purge_expired();
        for topic in &gone {
            persist::forget_retained(&shared.config, topic);
        }
        if !gone.is_empty() {
            debug!(count = gone.len(), "expired retained messages removed");
        }
    }
}

async fn print_stats(shared: Arc<Shared>, secs: u64) {
    let mut ticker = tokio::time::interval(Duration::from_secs(secs));
    ticker.tick().await;
    let (mut last_in, mut last_out) = (0u64, 0u64);
    loop {
        ticker.tick().await;
        let s = &shared.stats;
        let (now_in, now_out) = (
            s.msgs_in.load(Ordering::Relaxed),
            s.msgs_out.load(Ordering::Relaxed),
        );
        let retained = shared.lock().retained.len();
        let rules = &shared.config.rules;
        println!(
            "stats: connections={} msgs_in/s={:.1} msgs_out/s={:.1} retained={} dropped={} rule_matches={} rule_errors={}",
            s.connections.load(Ordering::Relaxed),
            now_in.saturating_sub(last_in) as f64 / secs as f64,
            now_out.saturating_sub(last_out) as f64 / secs as f64,
            retained,
            s.dropped.load(Ordering::Relaxed),
            rules.matches.load(Ordering::Relaxed),
            rules.errors.load(Ordering::Relaxed),
        );
        (last_in, last_out) = (now_in, now_out);
    }
}
