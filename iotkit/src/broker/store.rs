//! Sessions that outlive their connection (MQTT 3.1.1 Clean Session 0, MQTT 5
//! Session Expiry Interval > 0), kept by client id.
//!
//! A stored session is known to the rest of the broker by its *key*: the
//! connection id of the connection that created it. Every later connection
//! that resumes the session runs under that same key, so its subscriptions
//! stay in the [`Router`](super::router::Router) while the client is offline
//! and keep matching; a message routed to an offline key is held here
//! ([`Store::hold`]). What a session keeps (MQTT 5 4.1):
//! - its subscriptions (in the router, under the key);
//! - QoS 1/2 messages queued while offline and the Receive-Maximum backlog,
//!   at most [`QUEUE_LIMIT`] messages and `--max-queued-bytes` per session
//!   ([`budget`](super::budget)); newer messages beyond it
//!   are dropped and counted on the `--stats` line (AWS IoT bounds stored
//!   messages by a per-account queuing rate and the session expiry; a
//!   per-session count is this broker's choice). QoS 0 messages are not
//!   queued for an offline client (AWS IoT stores QoS 1 messages only);
//! - outgoing QoS 1/2 messages not yet acknowledged, resent in their original
//!   order on reconnect with DUP set (or PUBREL for those already PUBREC'd,
//!   MQTT-4.4.0-1);
//! - inbound QoS 2 packet ids awaiting PUBREL.
//!
//! Expiry: MQTT 5 uses the client's Session Expiry Interval (from CONNECT,
//! updated at DISCONNECT, 0xFFFFFFFF never expires); a 3.1.1 Clean Session 0
//! session expires after `--persistent-session-expiry` seconds
//! ([`DEFAULT_PERSISTENT_SESSION_EXPIRY`], one hour, AWS IoT's default
//! "persistent session expiry period"). An expired session is removed with
//! its subscriptions by a timer task started when the client goes offline.
//!
//! The Will Delay Interval (MQTT-3.1.3-9) is handled by the same timer: the
//! will of a stored session is published when the delay or the session ends,
//! whichever comes first, and a reconnect in time cancels it.
//!
//! Messages held for a client honour the Message Expiry Interval: see [`aged`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use iot_mqtt_codec::{Properties, Property, Publish, QoS};
use tokio::sync::Notify;
use tokio::time::{Instant, sleep_until, timeout};
use tracing::{debug, info};

use super::{Message, Shared};

pub(crate) mod disk;

/// Default expiry of a 3.1.1 Clean Session 0 session, in seconds: one hour,
/// AWS IoT's default persistent session expiry period.
pub(crate) const DEFAULT_PERSISTENT_SESSION_EXPIRY: u32 = 3600;

/// QoS 1/2 messages held for one session (offline queue plus Receive-Maximum
/// backlog) before newer ones are dropped.
pub(crate) const QUEUE_LIMIT: usize = 1000;

/// Session Expiry Interval meaning "never expires" (MQTT 5 3.1.2.11.2).
pub(crate) const NEVER: u32 = u32::MAX;

/// How long a new connection waits for the connection it takes over to
/// hand its session back before going on without it.
const TAKEOVER_WAIT: Duration = Duration::from_secs(5);

/// State of a QoS 1/2 message we sent and the client has not finished acknowledging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(clippy::enum_variant_names, reason = "named after the packet awaited")]
pub(crate) enum Awaiting {
    /// QoS 1, waiting for PUBACK.
    PubAck,
    /// QoS 2, waiting for PUBREC.
    PubRec,
    /// QoS 2, PUBREL sent, waiting for PUBCOMP.
    PubComp,
}

/// An outgoing QoS 1/2 message in flight.
#[derive(Debug, Clone)]
pub(crate) struct InFlight {
    /// What the client still owes us.
    pub(crate) awaiting: Awaiting,
    /// The PUBLISH as first sent (resent with DUP after a reconnect).
    pub(crate) publish: Publish,
    /// Send order (MQTT-4.4.0-1: resend in the original order).
    pub(crate) seq: u64,
}

/// A delivery held for a client: offline, or waiting for its Receive Maximum.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    /// The message.
    pub(crate) msg: Message,
    /// The QoS to deliver it with.
    pub(crate) qos: QoS,
    /// The RETAIN flag to send.
    pub(crate) retain: bool,
    /// Subscription identifiers to attach (MQTT 5).
    pub(crate) subscription_ids: Vec<u32>,
    /// When it started waiting (for the Message Expiry Interval).
    pub(crate) since: Instant,
}

/// What a connection hands back to its stored session when it ends.
#[derive(Debug, Default)]
pub(crate) struct Saved {
    /// Outgoing QoS 1/2 messages not yet acknowledged, by packet id.
    pub(crate) inflight: HashMap<u16, InFlight>,
    /// Deliveries not yet sent, oldest first.
    pub(crate) pending: VecDeque<Held>,
    /// Inbound QoS 2 packet ids awaiting PUBREL.
    pub(crate) incoming_qos2: HashSet<u16>,
    /// The last packet id used.
    pub(crate) next_packet_id: u16,
    /// The next in-flight sequence number.
    pub(crate) next_seq: u64,
}

/// A connection's hold on its stored session.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lease {
    /// Distinguishes successive connections of one session.
    generation: u64,
    /// Session Expiry Interval in seconds ([`NEVER`]: no expiry).
    pub(crate) expiry: u32,
}

/// The result of [`open`].
#[derive(Debug)]
pub(crate) struct Opened {
    /// The id the connection runs under (the stored session's key when resumed).
    pub(crate) conn: u64,
    /// CONNACK Session Present (MQTT-3.2.2-2/3).
    pub(crate) present: bool,
    /// The resumed session's state (default when new).
    pub(crate) saved: Saved,
    /// Present when the session is stored (outlives the connection).
    pub(crate) lease: Option<Lease>,
}

/// One stored session.
#[derive(Debug)]
struct Stored {
    key: u64,
    generation: u64,
    expiry: u32,
    /// A connection is using the session.
    online: bool,
    /// Signalled when the connection hands the session back.
    released: Arc<Notify>,
    saved: Saved,
    /// Deliveries held while no connection takes them.
    queue: VecDeque<Held>,
    /// A delayed will, published by the offline timer.
    will: Option<Message>,
}

/// Stored sessions by client id.
#[derive(Debug, Default)]
pub(crate) struct Store {
    sessions: HashMap<String, Stored>,
    /// Client id of each stored session key.
    keys: HashMap<u64, String>,
    next_generation: u64,
    /// Client ids of sessions changed since they were last saved ([`disk`]).
    dirty: HashSet<String>,
}

impl Store {
    /// True when `key` belongs to a stored session (its subscriptions stay
    /// when its connection ends).
    pub(crate) fn is_stored(&self, key: u64) -> bool {
        self.keys.contains_key(&key)
    }

    /// Holds a delivery for the offline session `key`; false when `key` is no
    /// stored session, the QoS is 0 or the queue is full (by count, or by
    /// bytes beyond `max_bytes`, see [`budget`](super::budget)): the message is dropped.
    pub(crate) fn hold(&mut self, key: u64, held: Held, max_bytes: usize) -> bool {
        if held.qos == QoS::AtMostOnce {
            return false;
        }
        let Some(s) = self.keys.get(&key).and_then(|id| self.sessions.get_mut(id)) else {
            return false;
        };
        if s.queue.len() + s.saved.pending.len() >= QUEUE_LIMIT
            || !super::budget::backlog_admits(
                s.saved.pending.iter().chain(&s.queue),
                &held.msg,
                max_bytes,
            )
        {
            return false;
        }
        s.queue.push_back(held);
        if let Some(id) = self.keys.get(&key) {
            self.dirty.insert(id.clone());
        }
        true
    }

    /// How many sessions are stored (online or not).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Removes the session of `client_id` and its subscriptions; returns its delayed will.
    fn discard(shared_state: &mut super::State, client_id: &str) -> Option<Message> {
        let s = shared_state.sessions.sessions.remove(client_id)?;
        shared_state.sessions.keys.remove(&s.key);
        shared_state.sessions.dirty.insert(client_id.to_owned());
        shared_state.router.remove_connection(s.key);
        s.will
    }
}

/// What the CONNECT asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request {
    /// Clean Session (3.1.1) / Clean Start (5.0).
    pub(crate) clean_start: bool,
    /// The session expiry it asks for (0: the session ends with the connection).
    pub(crate) expiry: u32,
}

impl Request {
    /// The request of a CONNECT: 3.1.1 Clean Session 0 gets
    /// `v311_expiry`; 5.0 the Session Expiry Interval (absent: 0).
    pub(crate) fn of(connect: &iot_mqtt_codec::Connect, v311_expiry: u32) -> Self {
        let expiry = if connect.protocol_version == iot_mqtt_codec::ProtocolVersion::V5 {
            connect.properties.session_expiry_interval().unwrap_or(0)
        } else if connect.clean_start {
            0
        } else {
            v311_expiry.max(1)
        };
        Self {
            clean_start: connect.clean_start,
            expiry,
        }
    }
}

/// Finds or creates the session of `client_id` for new connection `conn`:
/// a connection still using it is told to close and given up to
/// [`TAKEOVER_WAIT`] to hand it back; Clean Start discards it (MQTT-3.1.2-4,
/// its delayed will is published: the session ended); otherwise it is resumed.
pub(crate) async fn open(shared: &Shared, client_id: &str, conn: u64, req: Request) -> Opened {
    let deadline = Instant::now() + TAKEOVER_WAIT;
    loop {
        let released = {
            let state = shared.lock();
            match state.sessions.sessions.get(client_id) {
                Some(s) if s.online => {
                    if let Some(live) = state.clients.get(client_id) {
                        live.taken_over.notify_one();
                    }
                    Some(Arc::clone(&s.released))
                }
                _ => None,
            }
        };
        let Some(released) = released else { break };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || timeout(left, released.notified()).await.is_err() {
            debug!(
                client_id,
                "previous connection did not hand its session back in time"
            );
            break;
        }
    }
    let mut will = None;
    let opened = {
        let mut state = shared.lock();
        let resumable = state
            .sessions
            .sessions
            .get(client_id)
            .is_some_and(|_| !req.clean_start);
        let mut present = false;
        let mut saved = Saved::default();
        let mut key = conn;
        if resumable {
            if let Some(s) = state.sessions.sessions.get_mut(client_id) {
                present = true;
                key = s.key;
                saved = std::mem::take(&mut s.saved);
                saved.pending.extend(s.queue.drain(..));
                // A reconnect before the Will Delay cancels the will (MQTT-3.1.3-9).
                s.will = None;
            }
        } else {
            will = Store::discard(&mut state, client_id);
        }
        let lease = if req.expiry > 0 {
            state.sessions.next_generation += 1;
            let generation = state.sessions.next_generation;
            let store = &mut state.sessions;
            let s = store
                .sessions
                .entry(client_id.to_owned())
                .or_insert_with(|| Stored {
                    key,
                    generation,
                    expiry: req.expiry,
                    online: true,
                    released: Arc::new(Notify::new()),
                    saved: Saved::default(),
                    queue: VecDeque::new(),
                    will: None,
                });
            s.generation = generation;
            s.expiry = req.expiry;
            s.online = true;
            s.released = Arc::new(Notify::new());
            store.keys.insert(key, client_id.to_owned());
            Some(Lease {
                generation,
                expiry: req.expiry,
            })
        } else {
            // A resumed session asked to end with this connection (5.0 Clean
            // Start 0, expiry 0): it continues now (its subscriptions stay in
            // the router until the connection ends) but is not stored again.
            if present {
                state.sessions.sessions.remove(client_id);
                state.sessions.keys.remove(&key);
            }
            None
        };
        state.sessions.dirty.insert(client_id.to_owned());
        Opened {
            conn: key,
            present,
            saved,
            lease,
        }
    };
    if let Some(will) = will {
        info!(
            client_id,
            "session discarded by Clean Start; its delayed will is published"
        );
        shared.publish(&will);
    }
    opened
}

/// Deliveries held for `client_id` while its resumed session had no outbox
/// yet (between [`open`] and registration); empty once the outbox exists.
pub(crate) fn take_queued(shared: &Shared, client_id: &str) -> VecDeque<Held> {
    let mut state = shared.lock();
    state
        .sessions
        .sessions
        .get_mut(client_id)
        .map(|s| std::mem::take(&mut s.queue))
        .unwrap_or_default()
}

/// Hands the session back when its connection ends: the state is kept for a
/// later connection, `will` (when the connection ended abnormally and policy
/// allows it) is published after `will_delay` seconds unless the client comes
/// back, and the session expires after `lease.expiry` seconds offline.
pub(crate) fn release(
    shared: &Arc<Shared>,
    client_id: &str,
    lease: Lease,
    mut saved: Saved,
    will: Option<(Message, u32)>,
) {
    let mut publish_now = None;
    {
        let mut state = shared.lock();
        let current = state
            .sessions
            .sessions
            .get(client_id)
            .filter(|s| s.generation == lease.generation)
            .map(|s| Arc::clone(&s.released));
        let Some(released) = current else {
            // Taken over after a timeout: the newer connection owns the session.
            drop(state);
            if let Some((w, _)) = will {
                shared.publish(&w);
            }
            return;
        };
        // Whatever happens below, a connection waiting to take over may go on.
        released.notify_one();
        state.sessions.dirty.insert(client_id.to_owned());
        if lease.expiry == 0 {
            // Session Expiry set to 0 at DISCONNECT: the session ends now.
            let _ = Store::discard(&mut state, client_id);
            publish_now = will.map(|(w, _)| w);
        } else if let Some(s) = state.sessions.sessions.get_mut(client_id) {
            saved.pending.extend(s.queue.drain(..));
            let mut dropped = saved.pending.len().saturating_sub(QUEUE_LIMIT);
            saved.pending.truncate(QUEUE_LIMIT);
            dropped += super::budget::truncate(&mut saved.pending, shared.config.max_queued_bytes);
            shared
                .stats
                .dropped
                .fetch_add(dropped as u64, Ordering::Relaxed);
            s.saved = saved;
            s.online = false;
            s.expiry = lease.expiry;
            let mut will_at = None;
            match will {
                Some((w, 0)) => publish_now = Some(w),
                Some((w, delay)) if delay < lease.expiry => {
                    s.will = Some(w);
                    will_at = Some(Instant::now() + Duration::from_secs(u64::from(delay)));
                }
                // The session ends first: the will goes with it.
                Some((w, _)) => s.will = Some(w),
                None => {}
            }
            let expire_at = (lease.expiry != NEVER)
                .then(|| Instant::now() + Duration::from_secs(u64::from(lease.expiry)));
            if will_at.is_some() || expire_at.is_some() {
                tokio::spawn(offline_timer(
                    Arc::clone(shared),
                    client_id.to_owned(),
                    lease.generation,
                    will_at,
                    expire_at,
                ));
            }
        }
    }
    if let Some(w) = publish_now {
        shared.publish(&w);
    }
}

/// Publishes a delayed will and expires the session of `client_id`, unless a
/// connection has resumed it (a newer generation) in the meantime.
async fn offline_timer(
    shared: Arc<Shared>,
    client_id: String,
    generation: u64,
    will_at: Option<Instant>,
    expire_at: Option<Instant>,
) {
    let offline = |state: &super::State| {
        state
            .sessions
            .sessions
            .get(&client_id)
            .is_some_and(|s| s.generation == generation && !s.online)
    };
    if let Some(at) = will_at {
        sleep_until(at).await;
        let will = {
            let mut state = shared.lock();
            if !offline(&state) {
                return;
            }
            state
                .sessions
                .sessions
                .get_mut(&client_id)
                .and_then(|s| s.will.take())
        };
        if let Some(w) = will {
            debug!(client_id, "will delay passed; will published");
            shared.publish(&w);
        }
    }
    if let Some(at) = expire_at {
        sleep_until(at).await;
        let will = {
            let mut state = shared.lock();
            if !offline(&state) {
                return;
            }
            info!(client_id, "stored session expired");
            Store::discard(&mut state, &client_id)
        };
        if let Some(w) = will {
            shared.publish(&w);
        }
    }
}

/// `msg` as it should be sent after waiting since `since`: `None` when its
/// Message Expiry Interval has passed (it is not delivered), otherwise with
/// the interval reduced by the whole seconds waited (MQTT-3.3.2-6).
pub(crate) fn aged(msg: &Message, since: Instant) -> Option<Message> {
    let Some(interval) = msg.properties.message_expiry_interval() else {
        return Some(msg.clone());
    };
    let waited = since.elapsed().as_secs();
    let left = u64::from(interval).saturating_sub(waited);
    if left == 0 {
        return None;
    }
    if waited == 0 {
        return Some(msg.clone());
    }
    let left = u32::try_from(left).unwrap_or(interval);
    let props = msg.properties.iter().map(|p| match p {
        Property::MessageExpiryInterval(_) => Property::MessageExpiryInterval(left),
        other => other,
    });
    let mut out = msg.clone();
    out.properties = Properties::from_list(props).unwrap_or_else(|_| msg.properties.clone());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use iot_mqtt_codec::Utf8Str;

    fn msg(expiry: Option<u32>) -> Message {
        Message {
            topic: Utf8Str::new("t").unwrap(),
            payload: Bytes::from_static(b"x"),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: Properties::from_list(expiry.map(Property::MessageExpiryInterval)).unwrap(),
            from: 1,
        }
    }

    #[test]
    fn mqtt_3_3_2_6_expiry_reduced_by_the_time_waited() {
        let since = Instant::now() - Duration::from_secs(3);
        let out = aged(&msg(Some(10)), since).unwrap();
        assert_eq!(out.properties.message_expiry_interval(), Some(7));
        assert!(aged(&msg(Some(3)), since).is_none());
        assert!(aged(&msg(None), since).is_some());
        let fresh = aged(&msg(Some(10)), Instant::now()).unwrap();
        assert_eq!(fresh.properties.message_expiry_interval(), Some(10));
    }

    /// Stores an offline session `client_id` under `key`.
    fn stored(store: &mut Store, client_id: &str, key: u64) {
        store.sessions.insert(
            client_id.to_owned(),
            Stored {
                key,
                generation: 1,
                expiry: 10,
                online: false,
                released: Arc::new(Notify::new()),
                saved: Saved::default(),
                queue: VecDeque::new(),
                will: Some(msg(None)),
            },
        );
        store.keys.insert(key, client_id.to_owned());
    }

    #[test]
    fn discard_removes_the_session_and_its_subscriptions_from_the_router() {
        use super::super::router::Subscription;
        use iot_mqtt_codec::SubscriptionOptions;
        use topic_match::{ProtocolVersion, SubscribeFilter};

        let mut state = super::super::State::default();
        let filter = SubscribeFilter::parse("a/+", ProtocolVersion::V5).unwrap();
        let sub = Subscription {
            options: SubscriptionOptions::new(QoS::AtLeastOnce),
            id: None,
        };
        state.router.subscribe(5, &filter, sub).unwrap();
        stored(&mut state.sessions, "c", 5);
        assert_eq!(state.router.route("a/b", 9).len(), 1);
        let will = Store::discard(&mut state, "c");
        assert!(will.is_some(), "the delayed will goes with the session");
        assert!(state.router.route("a/b", 9).is_empty());
        assert!(!state.sessions.is_stored(5));
        assert_eq!(state.sessions.len(), 0);
    }

    #[test]
    fn hold_skips_qos_0_unknown_keys_and_respects_the_limit() {
        let mut store = Store::default();
        let held = |qos| Held {
            msg: msg(None),
            qos,
            retain: false,
            subscription_ids: Vec::new(),
            since: Instant::now(),
        };
        assert!(!store.hold(5, held(QoS::AtLeastOnce), usize::MAX));
        stored(&mut store, "c", 5);
        assert!(!store.hold(5, held(QoS::AtMostOnce), usize::MAX));
        for _ in 0..QUEUE_LIMIT {
            assert!(store.hold(5, held(QoS::AtLeastOnce), usize::MAX));
        }
        assert!(!store.hold(5, held(QoS::ExactlyOnce), usize::MAX));
        assert!(store.is_stored(5));
        assert_eq!(store.len(), 1);
    }
}
