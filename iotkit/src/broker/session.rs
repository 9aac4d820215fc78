//! One client connection: CONNECT handshake, then packets in, deliveries out.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use iot_mqtt_codec::codec::{CodecError, MqttCodec};
use iot_mqtt_codec::{
    Decoder, Disconnect, Packet, PacketId, Properties, Property, ProtocolVersion, PubAck, PubComp,
    PubRec, PubRel, Publish, QoS, ReasonCode, RetainHandling, Role, SubAck, Subscribe, UnsubAck,
    Unsubscribe,
};
use tokio::sync::Notify;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_util::codec::Framed;
use tracing::{debug, info};

mod batch;

use super::alias::{Aliases, Outgoing};
use super::auth::ConnAuth;
use super::budget::{self, Inbox};
use super::connect::{self, Accepted};
use super::events::{Presence, Reason};
use super::router::Subscription;
use super::shadow;
use super::store::{self, Awaiting, Held, InFlight, Lease, Saved};
use super::{Message, OUTBOX_CAPACITY, Outbound, Shared, Stream};

/// A write that takes longer than this closes the connection (a client that
/// stops reading must not pin its session forever).
pub(super) const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Properties of a PUBLISH passed on to subscribers (MQTT 5 3.3.2.3): Payload
/// Format Indicator, Message Expiry, Content Type, Response Topic,
/// Correlation Data and User Properties. Topic Alias and Subscription
/// Identifier are per connection; will-only properties are dropped.
const FORWARDED_PROPERTIES: [u8; 6] = [0x01, 0x02, 0x03, 0x08, 0x09, 0x26];

/// How a connection ended, which decides whether its will is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// DISCONNECT with reason 0x00: the will is discarded (MQTT-3.1.2-10).
    Normal,
    /// Anything else: the will is published (MQTT-3.1.2-8).
    Abnormal,
}

/// Runs one accepted connection to its end.
/// `cert` is the client certificate (DER) of a TLS connection that presented one.
pub(crate) async fn run(
    shared: Arc<Shared>,
    stream: Stream,
    peer: SocketAddr,
    cert: Option<CertificateDer<'static>>,
) {
    let conn = shared.next_conn_id();
    let codec = MqttCodec::from_decoder(
        Decoder::new(ProtocolVersion::V311)
            .with_role(Role::Server)
            .with_max_packet_size(shared.config.max_packet_size),
    );
    let mut framed = Framed::new(stream, codec);
    // The first packet must be CONNECT (MQTT-3.1.0-1), within the connect timeout.
    let connect = match timeout(shared.config.connect_timeout, framed.next()).await {
        Err(_) => {
            debug!(%peer, conn, "no CONNECT before the connect timeout; closing");
            return;
        }
        Ok(None) => return,
        Ok(Some(Ok(Packet::Connect(c)))) => c,
        Ok(Some(Ok(other))) => {
            debug!(%peer, conn, packet = other.name(), "first packet is not CONNECT; closing");
            return;
        }
        Ok(Some(Err(CodecError::Decode(err)))) => {
            debug!(%peer, conn, %err, "invalid CONNECT; closing");
            connect::refuse(framed.get_mut(), &err).await;
            return;
        }
        Ok(Some(Err(err))) => {
            debug!(%peer, conn, %err, "connection failed before CONNECT");
            return;
        }
    };
    if connect::asks_enhanced_auth(&connect) {
        info!(%peer, conn, "CONNECT asks for enhanced authentication; refused with 0x8C");
        let code = ReasonCode::BAD_AUTHENTICATION_METHOD;
        connect::send_connack(framed.get_mut(), ProtocolVersion::V5, code).await;
        return;
    }
    let persistent = !connect.clean_start;
    let request = store::Request::of(&connect, shared.config.persistent_session_expiry);
    let out_aliases = Outgoing::new(&connect.properties);
    let accepted = connect::accept(*connect, conn, shared.config.max_packet_size);
    // Policies are bound once per connection (iot:Connect checked here).
    let will_topic = accepted.will.as_ref().map(|w| w.topic.as_str());
    let auth = shared.config.auth.bind(
        &accepted.client_id,
        peer.ip(),
        will_topic,
        persistent,
        cert.as_deref(),
    );
    // AWS reports a certificate connection's principal as the certificate id
    // (SHA-256 of the DER); without one, `principal()` is the client id.
    let principal = cert
        .as_deref()
        .and_then(|der| iot_policy::CertificateContext::from_der(der).ok())
        .and_then(|c| c.certificate_id);
    if !auth.can_connect() {
        info!(%peer, conn, client_id = %accepted.client_id, "CONNECT denied by policy");
        connect::refuse_not_authorized(framed.get_mut(), accepted.version).await;
        return;
    }
    // A stored session is resumed (or discarded by Clean Start) and its
    // connections run under its key (see `store`).
    let opened = store::open(&shared, &accepted.client_id, conn, request).await;
    let conn = opened.conn;
    let mut connack = accepted.ack.clone();
    connack.session_present = opened.present;
    let mut session = Session::new(shared, conn, framed, accepted);
    session.auth = auth;
    session.lease = opened.lease;
    session.out_aliases = out_aliases;
    session.restore(opened.saved);
    let presence = Presence::new(&session.client_id, conn, peer.ip(), principal.as_deref());
    session.presence = Some(presence.clone());
    let (tx, mut rx) = budget::channel(session.shared.config.max_queued_bytes);
    let taken_over = Arc::new(Notify::new());
    // Register before CONNACK: once a client holds its CONNACK, a later
    // CONNECT with the same id must find it and take over (MQTT-3.1.4-3).
    session
        .shared
        .register(&session.client_id, conn, tx, Arc::clone(&taken_over));
    let queued = store::take_queued(&session.shared, &session.client_id);
    session.pending.extend(queued);
    session
        .shared
        .origins
        .connected(conn, &session.client_id, peer.ip(), principal.as_deref());
    if session.send(Packet::ConnAck(connack)).await.is_err() {
        session.shared.unregister(&session.client_id, conn);
        session.hand_back(&mut rx, None);
        return;
    }
    info!(%peer, conn, client_id = %session.client_id, version = ?session.version, keep_alive = session.keep_alive, present = opened.present, "client connected");
    presence.connected(&session.shared);
    session
        .shared
        .stats
        .connections
        .fetch_add(1, Ordering::Relaxed);
    let end = match session.resend().await {
        Ok(()) => session.serve(&mut rx, &taken_over).await,
        Err(end) => end,
    };
    session
        .shared
        .stats
        .connections
        .fetch_sub(1, Ordering::Relaxed);
    session.shared.unregister(&session.client_id, conn);
    info!(client_id = %session.client_id, conn, ?end, reason = session.reason.as_str(), "client disconnected");
    presence.disconnected(&session.shared, session.reason);
    let will = match (end, session.will.take()) {
        (End::Abnormal, Some(will))
            if session.auth.can_publish(will.topic.as_str(), will.retain) =>
        {
            Some(will)
        }
        _ => None,
    };
    session.hand_back(&mut rx, will);
}

/// A connected client.
struct Session {
    shared: Arc<Shared>,
    conn: u64,
    client_id: String,
    version: ProtocolVersion,
    framed: Framed<Stream, MqttCodec>,
    /// Keep Alive in seconds (0: none).
    keep_alive: u16,
    /// Maximum Packet Size the client accepts (MQTT-3.1.2-24 for 5.0).
    max_outgoing: usize,
    /// Receive Maximum of the client: QoS 1/2 messages we may have in flight
    /// (MQTT-3.3.4-9); 3.1.1 has no such limit.
    receive_maximum: usize,
    next_packet_id: u16,
    inflight: HashMap<u16, InFlight>,
    /// Send order of the next in-flight message.
    next_seq: u64,
    /// QoS 1/2 deliveries waiting for room under the Receive Maximum.
    pending: VecDeque<Held>,
    /// QoS 2 packet ids received and not yet released (PUBREL).
    incoming_qos2: HashSet<u16>,
    will: Option<Message>,
    /// The connection's bound policies.
    auth: ConnAuth,
    /// The stored session this connection uses, if it outlives the connection.
    lease: Option<Lease>,
    /// Inbound topic aliases (MQTT 5).
    aliases: Aliases,
    /// Topic aliases we send (MQTT 5, when the client allows them).
    out_aliases: Outgoing,
    /// Why the connection ended (the lifecycle event's `disconnectReason`).
    reason: Reason,
    /// True while a batch of deliveries is written ([`batch`]).
    batching: bool,
    /// The connection's identity in lifecycle events (subscribe/unsubscribe).
    presence: Option<Presence>,
}

impl Session {
    /// Builds the session for an accepted CONNECT.
    fn new(shared: Arc<Shared>, conn: u64, framed: Framed<Stream, MqttCodec>, a: Accepted) -> Self {
        Self {
            shared,
            conn,
            client_id: a.client_id,
            version: a.version,
            framed,
            keep_alive: a.keep_alive,
            max_outgoing: a.max_outgoing,
            receive_maximum: a.receive_maximum,
            next_packet_id: 0,
            inflight: HashMap::new(),
            next_seq: 0,
            pending: VecDeque::new(),
            incoming_qos2: HashSet::new(),
            will: a.will,
            auth: ConnAuth::default(),
            lease: None,
            aliases: Aliases::default(),
            out_aliases: Outgoing::default(),
            reason: Reason::ConnectionLost,
            batching: false,
            presence: None,
        }
    }

    /// Takes over the state of a resumed stored session.
    fn restore(&mut self, saved: Saved) {
        self.inflight = saved.inflight;
        self.pending = saved.pending;
        self.incoming_qos2 = saved.incoming_qos2;
        self.next_packet_id = saved.next_packet_id;
        self.next_seq = saved.next_seq;
    }

    /// After a resume: resends the unacknowledged PUBLISH packets with DUP
    /// set and PUBREL for those already PUBREC'd, in their original order
    /// (MQTT-4.4.0-1), up to the client's Receive Maximum (the rest go back
    /// to the front of the queue), then the queued messages.
    async fn resend(&mut self) -> Result<(), End> {
        let mut order: Vec<(u64, u16)> = self.inflight.iter().map(|(id, f)| (f.seq, *id)).collect();
        order.sort_unstable();
        let mut sent = 0;
        let mut requeue = Vec::new();
        for (_, id) in order {
            let Some(f) = self.inflight.get(&id) else {
                continue;
            };
            let packet = match f.awaiting {
                Awaiting::PubComp => {
                    let Some(pid) = PacketId::new(id) else {
                        continue;
                    };
                    Packet::PubRel(PubRel::new(pid))
                }
                _ if sent >= self.receive_maximum => {
                    requeue.push(id);
                    continue;
                }
                _ => {
                    sent += 1;
                    let mut p = f.publish.clone();
                    p.dup = true;
                    if self.version != ProtocolVersion::V5 {
                        p.properties = Properties::new();
                    }
                    Packet::Publish(p)
                }
            };
            if packet.encoded_len(self.version) > self.max_outgoing {
                // MQTT-3.1.2-25: the new connection accepts less; dropped.
                self.inflight.remove(&id);
                self.shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            self.send(packet).await?;
        }
        // Beyond the Receive Maximum: delivered again later as new messages.
        for id in requeue.into_iter().rev() {
            if let Some(f) = self.inflight.remove(&id) {
                let p = f.publish;
                let subscription_ids = p.properties.subscription_identifiers().collect();
                self.pending.push_front(Held {
                    msg: Message {
                        topic: p.topic,
                        payload: p.payload,
                        qos: p.qos,
                        retain: p.retain,
                        properties: p.properties,
                        from: 0,
                    },
                    qos: p.qos,
                    retain: p.retain,
                    subscription_ids,
                    since: Instant::now(),
                });
            }
        }
        self.send_pending().await
    }

    /// Hands the session state to the store when the connection ends (a
    /// stored session), or publishes `will` now (a session that ends here).
    fn hand_back(&mut self, rx: &mut Inbox, will: Option<Message>) {
        let Some(lease) = self.lease else {
            if let Some(will) = will {
                self.shared.publish(&will);
            }
            return;
        };
        // Deliveries already in the outbox stay with the session.
        while let Ok(Outbound::Deliver {
            msg,
            qos,
            retain,
            subscription_ids,
        }) = rx.try_recv()
        {
            if qos != QoS::AtMostOnce {
                self.pending.push_back(Held {
                    msg,
                    qos,
                    retain,
                    subscription_ids,
                    since: Instant::now(),
                });
            }
        }
        let saved = Saved {
            inflight: std::mem::take(&mut self.inflight),
            pending: std::mem::take(&mut self.pending),
            incoming_qos2: std::mem::take(&mut self.incoming_qos2),
            next_packet_id: self.next_packet_id,
            next_seq: self.next_seq,
        };
        // MQTT-3.1.3-9: the will waits for its Will Delay Interval.
        let will = will.map(|w| {
            let delay = match w.properties.get(0x18) {
                Some(Property::WillDelayInterval(n)) => n,
                _ => 0,
            };
            (w, delay)
        });
        store::release(&self.shared, &self.client_id, lease, saved, will);
    }

    /// The packet and delivery loop; returns how the connection ended.
    async fn serve(&mut self, rx: &mut Inbox, taken_over: &Notify) -> End {
        // MQTT-3.1.2-24: no packet within 1.5 × Keep Alive closes the connection.
        let keep_alive =
            (self.keep_alive > 0).then(|| Duration::from_millis(u64::from(self.keep_alive) * 1500));
        let far = Duration::from_secs(365 * 24 * 3600);
        let mut deadline = Instant::now() + keep_alive.unwrap_or(far);
        loop {
            tokio::select! {
                () = taken_over.notified() => {
                    self.disconnect(ReasonCode::SESSION_TAKEN_OVER).await;
                    return End::Abnormal;
                }
                frame = self.framed.next() => match frame {
                    None => return End::Abnormal,
                    Some(Ok(packet)) => {
                        deadline = Instant::now() + keep_alive.unwrap_or(far);
                        match batch::handle_buffered(self, packet).await {
                            Ok(()) => {}
                            Err(end) => return end,
                        }
                    }
                    Some(Err(CodecError::Decode(err))) => {
                        debug!(conn = self.conn, %err, "invalid packet; closing");
                        self.disconnect(err.reason_code()).await;
                        return End::Abnormal;
                    }
                    Some(Err(err)) => {
                        debug!(conn = self.conn, %err, "connection failed");
                        return End::Abnormal;
                    }
                },
                // While deliveries wait for the Receive Maximum, leave the
                // rest in the outbox: a full outbox drops (and counts) at the publisher.
                out = rx.recv(), if self.pending.len() < OUTBOX_CAPACITY => match out {
                    Some(out) => {
                        if batch::deliver_queued(self, out, rx).await.is_err() {
                            return End::Abnormal;
                        }
                    }
                    None => return End::Abnormal,
                },
                () = sleep_until(deadline) => {
                    debug!(conn = self.conn, "keep-alive timeout");
                    self.disconnect(ReasonCode::KEEP_ALIVE_TIMEOUT).await;
                    return End::Abnormal;
                }
            }
        }
    }

    /// Handles one packet from the client; `Err` ends the connection.
    async fn handle(&mut self, packet: Packet) -> Result<(), End> {
        match packet {
            Packet::PingReq => self.send(Packet::PingResp).await,
            Packet::Publish(p) => self.on_publish(p).await,
            Packet::PubAck(a) => {
                if self.awaiting(a.packet_id.get()) == Some(Awaiting::PubAck) {
                    self.inflight.remove(&a.packet_id.get());
                }
                self.send_pending().await
            }
            Packet::PubRec(r) => {
                let id = r.packet_id.get();
                let known = self.awaiting(id) == Some(Awaiting::PubRec);
                if r.reason_code.is_error() {
                    // MQTT 5 4.3.3: a failed PUBREC ends the exchange.
                    self.inflight.remove(&id);
                    return self.send_pending().await;
                }
                let mut rel = PubRel::new(r.packet_id);
                if known && let Some(f) = self.inflight.get_mut(&id) {
                    f.awaiting = Awaiting::PubComp;
                } else if !known && self.version == ProtocolVersion::V5 {
                    rel.reason_code = ReasonCode::PACKET_IDENTIFIER_NOT_FOUND;
                }
                self.send(Packet::PubRel(rel)).await
            }
            Packet::PubComp(c) => {
                self.inflight.remove(&c.packet_id.get());
                self.send_pending().await
            }
            Packet::PubRel(r) => {
                let mut comp = PubComp::new(r.packet_id);
                if !self.incoming_qos2.remove(&r.packet_id.get())
                    && self.version == ProtocolVersion::V5
                {
                    comp.reason_code = ReasonCode::PACKET_IDENTIFIER_NOT_FOUND;
                }
                self.send(Packet::PubComp(comp)).await
            }
            Packet::Subscribe(s) => self.on_subscribe(s).await,
            Packet::Unsubscribe(u) => self.on_unsubscribe(u).await,
            Packet::Disconnect(d) => {
                self.reason = Reason::ClientInitiated;
                // MQTT-3.14.2-2: the Session Expiry may change at DISCONNECT,
                // but not from 0 (a Protocol Error).
                if let Some(n) = d.properties.session_expiry_interval() {
                    match &mut self.lease {
                        Some(lease) => lease.expiry = n,
                        None if n > 0 => {
                            self.disconnect(ReasonCode::PROTOCOL_ERROR).await;
                            return Err(End::Abnormal);
                        }
                        None => {}
                    }
                }
                // Only reason 0x00 discards the will (MQTT-3.14.4-3); 0x04
                // and the error codes have it published (3.14.2.1).
                if d.reason_code == ReasonCode::NORMAL_DISCONNECTION {
                    Err(End::Normal)
                } else {
                    Err(End::Abnormal)
                }
            }
            other => {
                // A second CONNECT (MQTT-3.1.0-2), AUTH (no enhanced
                // authentication here) or a server-to-client packet.
                debug!(
                    conn = self.conn,
                    packet = other.name(),
                    "unexpected packet; closing"
                );
                self.disconnect(ReasonCode::PROTOCOL_ERROR).await;
                Err(End::Abnormal)
            }
        }
    }

    async fn on_publish(&mut self, mut p: Publish) -> Result<(), End> {
        self.shared.stats.msgs_in.fetch_add(1, Ordering::Relaxed);
        match self.aliases.resolve(&p) {
            Ok(topic) => p.topic = topic,
            Err(code) => {
                self.disconnect(code).await;
                return Err(End::Abnormal);
            }
        }
        if !self.auth.can_publish(p.topic.as_str(), p.retain) {
            return self.publish_denied(p.qos, p.packet_id).await;
        }
        let msg = Message {
            topic: p.topic,
            payload: p.payload,
            qos: p.qos,
            retain: p.retain,
            properties: p.properties,
            from: self.conn,
        };
        if shadow::check_client_publish(msg.topic.as_str()) == shadow::Reserved::Refused {
            return self.refuse_reserved(&msg, p.packet_id).await;
        }
        match (p.qos, p.packet_id) {
            (QoS::AtLeastOnce, Some(id)) => {
                self.shared.publish(&msg);
                self.send(Packet::PubAck(PubAck::new(id))).await
            }
            (QoS::ExactlyOnce, Some(id)) => {
                // Deliver on the first PUBLISH of an id, not on a DUP resend
                // before PUBREL (4.3.3, method A).
                if self.incoming_qos2.insert(id.get()) {
                    self.shared.publish(&msg);
                }
                self.send(Packet::PubRec(PubRec::new(id))).await
            }
            _ => {
                self.shared.publish(&msg);
                Ok(())
            }
        }
    }

    async fn on_subscribe(&mut self, s: Subscribe) -> Result<(), End> {
        let v5 = self.version == ProtocolVersion::V5;
        let id = s.properties.subscription_identifiers().next();
        let mut codes = Vec::with_capacity(s.filters.len());
        let mut retained = Vec::new();
        {
            let mut state = self.shared.lock();
            let version = if v5 {
                topic_match::ProtocolVersion::V5
            } else {
                topic_match::ProtocolVersion::V311
            };
            for (filter, options) in &s.filters {
                // `$share/{group}/{filter}` is a shared subscription in 5.0
                // only; 3.1.1 reads it as an ordinary filter.
                let Ok(parsed) = topic_match::SubscribeFilter::parse(filter.as_str(), version)
                else {
                    codes.push(if v5 {
                        ReasonCode::TOPIC_FILTER_INVALID
                    } else {
                        ReasonCode::UNSPECIFIED_ERROR
                    });
                    continue;
                };
                // iot:Subscribe is asked for the filter as the client sent it
                // (`topicfilter/$share/...` for a shared subscription).
                if !self.auth.can_subscribe(filter.as_str()) {
                    codes.push(if v5 {
                        ReasonCode::NOT_AUTHORIZED
                    } else {
                        ReasonCode(0x80)
                    });
                    continue;
                }
                let sub = Subscription {
                    options: *options,
                    id,
                };
                let Ok(existed) = state.router.subscribe(self.conn, &parsed, sub) else {
                    codes.push(ReasonCode::UNSPECIFIED_ERROR);
                    continue;
                };
                codes.push(ReasonCode(u8::from(options.qos)));
                // No retained messages for a new shared subscription (4.8.2).
                let send_retained = parsed.group().is_none()
                    && match options.retain_handling {
                        RetainHandling::SendAtSubscribe => true,
                        RetainHandling::SendIfNew => !existed,
                        RetainHandling::DoNotSend => false,
                    };
                if send_retained {
                    for m in state.retained.matching(parsed.filter()) {
                        retained.push((m, options.qos));
                    }
                }
            }
            state.sessions.touch_key(self.conn);
        }
        if let Some(presence) = &self.presence {
            let granted: Vec<&str> = s
                .filters
                .iter()
                .zip(&codes)
                .filter(|(_, code)| !code.is_error())
                .map(|((filter, _), _)| filter.as_str())
                .collect();
            presence.subscribed(&self.shared, &granted);
        }
        self.send(Packet::SubAck(SubAck::new(s.packet_id, codes)))
            .await?;
        // Retained messages are sent with RETAIN set (MQTT-3.3.1-8).
        let ids: Vec<u32> = id.into_iter().collect();
        for (m, qos) in retained {
            self.deliver(&m, qos, true, &ids).await?;
        }
        Ok(())
    }

    async fn on_unsubscribe(&mut self, u: Unsubscribe) -> Result<(), End> {
        let mut codes = Vec::with_capacity(u.filters.len());
        {
            let mut state = self.shared.lock();
            for filter in &u.filters {
                codes.push(if state.router.unsubscribe(self.conn, filter.as_str()) {
                    ReasonCode::SUCCESS
                } else {
                    ReasonCode::NO_SUBSCRIPTION_EXISTED
                });
            }
            state.sessions.touch_key(self.conn);
        }
        if let Some(presence) = &self.presence {
            let topics: Vec<&str> = u.filters.iter().map(|f| f.as_str()).collect();
            presence.unsubscribed(&self.shared, &topics);
        }
        if self.version != ProtocolVersion::V5 {
            codes.clear();
        }
        self.send(Packet::UnsubAck(UnsubAck::new(u.packet_id, codes)))
            .await
    }

    /// Sends `msg` at min(`qos`, its own QoS); drops it (with a debug log)
    /// when it is larger than the client accepts or cannot be encoded.
    async fn deliver(
        &mut self,
        msg: &Message,
        qos: QoS,
        retain: bool,
        subscription_ids: &[u32],
    ) -> Result<(), End> {
        if !self.auth.can_receive(msg.topic.as_str()) {
            return Ok(());
        }
        let qos = qos.min(msg.qos);
        if qos != QoS::AtMostOnce && self.inflight.len() >= self.receive_maximum {
            let limit = self.shared.config.max_queued_bytes;
            if self.pending.len() < OUTBOX_CAPACITY
                && budget::backlog_admits(&self.pending, msg, limit)
            {
                self.pending.push_back(Held {
                    msg: msg.clone(),
                    qos,
                    retain,
                    subscription_ids: subscription_ids.to_vec(),
                    since: Instant::now(),
                });
            } else {
                self.shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
                debug!(
                    conn = self.conn,
                    "receive maximum reached and queue full; message dropped"
                );
            }
            return Ok(());
        }
        let mut p = Publish::new(msg.topic.clone(), msg.payload.clone());
        p.qos = qos;
        p.retain = retain;
        if self.version == ProtocolVersion::V5 {
            p.properties = forward_properties(&msg.properties, subscription_ids);
        }
        let state = match qos {
            QoS::AtMostOnce => None,
            QoS::AtLeastOnce => Some(Awaiting::PubAck),
            QoS::ExactlyOnce => Some(Awaiting::PubRec),
        };
        if let Some(state) = state {
            let Some(id) = self.allocate_packet_id() else {
                self.shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
                debug!(
                    conn = self.conn,
                    "no free packet identifier; message dropped"
                );
                return Ok(());
            };
            p.packet_id = Some(id);
            let seq = self.next_seq;
            self.next_seq += 1;
            let f = InFlight {
                awaiting: state,
                publish: p.clone(),
                seq,
            };
            self.inflight.insert(id.get(), f);
        }
        let packet = Packet::Publish(p);
        let size = packet.encoded_len(self.version);
        if size > self.max_outgoing || packet.validate(self.version).is_err() {
            // MQTT-3.1.2-25: never send a packet above the client's maximum.
            self.shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
            debug!(
                conn = self.conn,
                size, "message not deliverable to this client; dropped"
            );
            if let Packet::Publish(Publish {
                packet_id: Some(id),
                ..
            }) = &packet
            {
                self.inflight.remove(&id.get());
            }
            return Ok(());
        }
        let mut packet = packet;
        self.out_aliases
            .apply(&mut packet, self.version, self.max_outgoing);
        self.send(packet).await?;
        self.shared.stats.msgs_out.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Answers a PUBLISH denied by policy as AWS IoT does: on 5.0 a PUBACK
    /// (or PUBREC) with 0x87 Not authorized (nothing for QoS 0); on 3.1.1 the
    /// connection is closed.
    async fn publish_denied(&mut self, qos: QoS, id: Option<PacketId>) -> Result<(), End> {
        if self.version != ProtocolVersion::V5 {
            self.reason = Reason::AuthError;
            return Err(End::Abnormal);
        }
        match (qos, id) {
            (QoS::AtLeastOnce, Some(id)) => {
                let mut ack = PubAck::new(id);
                ack.reason_code = ReasonCode::NOT_AUTHORIZED;
                self.send(Packet::PubAck(ack)).await
            }
            (QoS::ExactlyOnce, Some(id)) => {
                let mut rec = PubRec::new(id);
                rec.reason_code = ReasonCode::NOT_AUTHORIZED;
                self.send(Packet::PubRec(rec)).await
            }
            _ => Ok(()),
        }
    }

    /// Sends held-back deliveries while the Receive Maximum allows.
    async fn send_pending(&mut self) -> Result<(), End> {
        while self.inflight.len() < self.receive_maximum {
            let Some(d) = self.pending.pop_front() else {
                break;
            };
            // Message Expiry (3.3.2.3.3): held too long, it is not sent.
            let Some(msg) = store::aged(&d.msg, d.since) else {
                continue;
            };
            self.deliver(&msg, d.qos, d.retain, &d.subscription_ids)
                .await?;
        }
        Ok(())
    }

    /// What the client owes for packet id `id`, if it is in flight.
    fn awaiting(&self, id: u16) -> Option<Awaiting> {
        self.inflight.get(&id).map(|f| f.awaiting)
    }

    /// The next packet identifier not in flight, if any.
    fn allocate_packet_id(&mut self) -> Option<PacketId> {
        for _ in 0..u16::MAX {
            self.next_packet_id = self.next_packet_id.checked_add(1).unwrap_or(1);
            if !self.inflight.contains_key(&self.next_packet_id) {
                return PacketId::new(self.next_packet_id);
            }
        }
        None
    }

    async fn send(&mut self, packet: Packet) -> Result<(), End> {
        // Within a batch ([`batch`]) packets are only buffered (the codec
        // writes out past 8 KiB) and the batch ends with one flush.
        let io = if self.batching {
            timeout(WRITE_TIMEOUT, self.framed.feed(packet)).await
        } else {
            timeout(WRITE_TIMEOUT, self.framed.send(packet)).await
        };
        match io {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => {
                debug!(conn = self.conn, %err, "write failed");
                Err(End::Abnormal)
            }
            Err(_) => {
                debug!(conn = self.conn, "write timed out");
                Err(End::Abnormal)
            }
        }
    }

    /// Refuses a PUBLISH on a reserved `$aws/` topic the broker does not serve
    /// (see [`shadow`]), as AWS IoT answers an unauthorized publish: MQTT 5
    /// QoS 1/2 get PUBACK/PUBREC with 0x87 Not authorized (3.3.4, the message
    /// is not delivered) and the connection stays; MQTT 5 QoS 0 has no answer
    /// and is dropped; MQTT 3.1.1 has no reason codes, so the connection is closed.
    async fn refuse_reserved(&mut self, msg: &Message, id: Option<PacketId>) -> Result<(), End> {
        debug!(conn = self.conn, topic = %msg.topic, "publish to a reserved topic refused");
        if self.version != ProtocolVersion::V5 {
            self.reason = Reason::AuthError;
            return Err(End::Abnormal);
        }
        match (msg.qos, id) {
            (QoS::AtLeastOnce, Some(id)) => {
                let mut ack = PubAck::new(id);
                ack.reason_code = ReasonCode::NOT_AUTHORIZED;
                self.send(Packet::PubAck(ack)).await
            }
            (QoS::ExactlyOnce, Some(id)) => {
                let mut rec = PubRec::new(id);
                rec.reason_code = ReasonCode::NOT_AUTHORIZED;
                self.send(Packet::PubRec(rec)).await
            }
            _ => Ok(()),
        }
    }

    /// Sends an MQTT 5 DISCONNECT with `reason` before the connection is
    /// closed (3.1.1 has no server DISCONNECT: the connection is just closed).
    async fn disconnect(&mut self, reason: ReasonCode) {
        self.reason = match reason {
            ReasonCode::SESSION_TAKEN_OVER => Reason::DuplicateClientId,
            ReasonCode::KEEP_ALIVE_TIMEOUT => Reason::KeepAliveTimeout,
            ReasonCode::NOT_AUTHORIZED => Reason::AuthError,
            ReasonCode::SERVER_BUSY | ReasonCode::SERVER_SHUTTING_DOWN => Reason::ServerInitiated,
            _ => Reason::ClientError,
        };
        if self.version == ProtocolVersion::V5 {
            let _ = self.send(Packet::Disconnect(Disconnect::new(reason))).await;
        }
    }
}

/// The properties to send with a forwarded PUBLISH to an MQTT 5 client.
fn forward_properties(published: &Properties, subscription_ids: &[u32]) -> Properties {
    let kept = published
        .iter()
        .filter(|p| FORWARDED_PROPERTIES.contains(&p.id()));
    let ids = subscription_ids
        .iter()
        .map(|&id| Property::SubscriptionIdentifier(id));
    Properties::from_list(kept.chain(ids)).unwrap_or_default()
}
