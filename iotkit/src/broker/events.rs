//! Lifecycle events as AWS IoT publishes them ("Lifecycle events" in the AWS
//! IoT Core developer guide): `$aws/events/presence/connected/{clientId}` and
//! `$aws/events/presence/disconnected/{clientId}`, JSON with `clientId`,
//! `timestamp` (milliseconds since the epoch), `eventType`,
//! `sessionIdentifier`, `principalIdentifier`, `ipAddress` and
//! `versionNumber`, plus `clientInitiatedDisconnect` and `disconnectReason`
//! for a disconnect; and the subscribe/unsubscribe events
//! `$aws/events/subscriptions/subscribed/{clientId}` and
//! `$aws/events/subscriptions/unsubscribed/{clientId}` with `clientId`,
//! `timestamp`, `eventType` (`subscribed` / `unsubscribed`),
//! `sessionIdentifier`, `principalIdentifier` and `topics` (the filters of
//! one SUBSCRIBE that were granted, or of one UNSUBSCRIBE).
//!
//! They are broker-originated messages routed through
//! [`Shared::publish`](super::Shared::publish) at QoS 1 (so rules see them
//! and subscribers of `$aws/events/#` receive them); clients cannot publish
//! on `$aws/events/` (the reserved-topic refusal). Choices of this broker:
//! `principalIdentifier` is the certificate id (SHA-256 of the DER in hex,
//! as AWS IoT reports it) on a connection with a client certificate, and the
//! client id otherwise (policies are attached to client ids over plain TCP,
//! there is no other principal); `versionNumber` counts connections
//! broker-wide, so it increases for each client id, and a disconnect carries
//! the number of its connect; client ids that are not valid topic levels
//! (containing `#` or `+`) get no events, as in AWS IoT.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use iot_mqtt_codec::{Properties, QoS, Utf8Str};
use serde_json::json;

use super::{Message, Shared};

/// The `disconnectReason` values used here (AWS IoT's documented names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The client sent DISCONNECT.
    ClientInitiated,
    /// A protocol error by the client (malformed or unexpected packet, bad topic alias).
    ClientError,
    /// The network connection ended without DISCONNECT.
    ConnectionLost,
    /// Another connection used the same client id.
    DuplicateClientId,
    /// No packet within 1.5 × Keep Alive.
    KeepAliveTimeout,
    /// An action was refused by policy (3.1.1 closes the connection).
    AuthError,
    /// The broker closed the connection for another reason.
    ServerInitiated,
}

impl Reason {
    /// The documented `disconnectReason` string.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::ClientInitiated => "CLIENT_INITIATED_DISCONNECT",
            Self::ClientError => "CLIENT_ERROR",
            Self::ConnectionLost => "CONNECTION_LOST",
            Self::DuplicateClientId => "DUPLICATE_CLIENTID",
            Self::KeepAliveTimeout => "MQTT_KEEP_ALIVE_TIMEOUT",
            Self::AuthError => "AUTH_ERROR",
            Self::ServerInitiated => "SERVER_INITIATED_DISCONNECT",
        }
    }
}

/// The identity of one connection in its events.
#[derive(Debug, Clone)]
pub(crate) struct Presence {
    client_id: String,
    session_identifier: String,
    principal: String,
    ip: IpAddr,
    version: u64,
}

/// Broker-wide connection counter behind `versionNumber`.
static VERSION: AtomicU64 = AtomicU64::new(0);

fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}

impl Presence {
    /// A new connection of `client_id` (connection id `conn`) from `ip`;
    /// `certificate_id` is that of its client certificate, if any.
    pub(crate) fn new(
        client_id: &str,
        conn: u64,
        ip: IpAddr,
        certificate_id: Option<&str>,
    ) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Self {
            client_id: client_id.to_owned(),
            // 32 hex digits, unique per connection (time and connection id).
            session_identifier: format!("{:016x}{conn:016x}", nanos as u64),
            principal: certificate_id.unwrap_or(client_id).to_owned(),
            ip,
            version: VERSION.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Publishes the `connected` event.
    pub(crate) fn connected(&self, shared: &Shared) {
        let body = json!({
            "clientId": self.client_id,
            "timestamp": now_millis(),
            "eventType": "connected",
            "sessionIdentifier": self.session_identifier,
            "principalIdentifier": self.principal,
            "ipAddress": self.ip.to_string(),
            "versionNumber": self.version,
        });
        self.publish(shared, "connected", &body);
    }

    /// Publishes the `disconnected` event.
    pub(crate) fn disconnected(&self, shared: &Shared, reason: Reason) {
        let body = json!({
            "clientId": self.client_id,
            "timestamp": now_millis(),
            "eventType": "disconnected",
            "clientInitiatedDisconnect": reason == Reason::ClientInitiated,
            "sessionIdentifier": self.session_identifier,
            "principalIdentifier": self.principal,
            "disconnectReason": reason.as_str(),
            "ipAddress": self.ip.to_string(),
            "versionNumber": self.version,
        });
        self.publish(shared, "disconnected", &body);
    }

    /// Publishes the `subscribed` event for the filters granted by one SUBSCRIBE
    /// (nothing when none was).
    pub(crate) fn subscribed(&self, shared: &Shared, topics: &[&str]) {
        self.subscriptions(shared, "subscribed", topics);
    }

    /// Publishes the `unsubscribed` event for the filters of one UNSUBSCRIBE.
    pub(crate) fn unsubscribed(&self, shared: &Shared, topics: &[&str]) {
        self.subscriptions(shared, "unsubscribed", topics);
    }

    fn subscriptions(&self, shared: &Shared, kind: &str, topics: &[&str]) {
        if topics.is_empty() {
            return;
        }
        let body = json!({
            "clientId": self.client_id,
            "timestamp": now_millis(),
            "eventType": kind,
            "sessionIdentifier": self.session_identifier,
            "principalIdentifier": self.principal,
            "topics": topics,
        });
        self.emit(shared, &format!("subscriptions/{kind}"), &body);
    }

    fn publish(&self, shared: &Shared, kind: &str, body: &serde_json::Value) {
        self.emit(shared, &format!("presence/{kind}"), body);
    }

    /// Publishes `body` on `$aws/events/{path}/{clientId}`.
    fn emit(&self, shared: &Shared, path: &str, body: &serde_json::Value) {
        if self.client_id.contains(['#', '+']) {
            return;
        }
        let Ok(topic) = Utf8Str::new(&format!("$aws/events/{path}/{}", self.client_id)) else {
            return;
        };
        let Ok(payload) = serde_json::to_vec(body) else {
            return;
        };
        shared.publish(&Message {
            topic,
            payload: Bytes::from(payload),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: Properties::new(),
            // No connection has id 0: No Local never skips these.
            from: 0,
        });
    }
}
