//! Stored sessions under `--data-dir`, so they survive a restart.
//!
//! Each stored session is one file, `DIR/sessions/{name}.json` (`{name}`:
//! the client id in hex, or `h` and its 64-bit FNV-1a hash when that is
//! longer than 200 characters), written atomically (temporary file, flush
//! to disk, rename: see [`write_atomic`]). It holds the client id, the
//! Session Expiry Interval, the time of the save, the subscriptions (filter
//! and options), and, for a session whose client is offline, its
//! unacknowledged QoS 1/2 messages (with their packet ids, resent with DUP
//! after the restart) and the messages queued for it, plus the inbound QoS 2
//! packet ids awaiting PUBREL.
//!
//! Durability: every change to a stored session (a message queued for it
//! offline, its connection ending, a SUBSCRIBE or UNSUBSCRIBE, its creation,
//! its end) marks it, and a writer task saves the marked sessions every
//! [`FLUSH_INTERVAL`] (each file at most once per interval, at most the
//! `--max-queued-bytes` budget of messages). So a message acknowledged to its
//! publisher (PUBACK/PUBREC) is on disk for its offline subscribers within
//! that interval, and a kill after that loses nothing. While a client is
//! connected its file keeps its subscriptions and expiry only: messages in
//! flight on a live connection are saved when the connection ends (a crash
//! during the connection loses those, the client having been sent them).
//! There is no clean-shutdown hook (the broker runs until killed); the
//! interval bounds what a kill can lose.
//!
//! At start every file is loaded: the session is restored offline, its
//! expiry counted from the save time (an expired one is deleted), with a
//! fresh session key, its subscriptions back in the router and its expiry
//! timer running. Not saved: delayed wills (a restart ends them) and the
//! time messages waited before the restart (Message Expiry counts again
//! from the restart).

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use iot_mqtt_codec::{Publish, QoS, SubscriptionOptions};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio::time::Instant;
use tracing::{info, warn};

use super::super::Message;
use super::super::persist::write_atomic;
use super::super::router::Subscription;
use super::{Awaiting, Held, InFlight, NEVER, Saved, Shared, Store, Stored, offline_timer};

/// How often marked sessions are written.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(200);

/// Longest file name (without `.json`) made from a client id before hashing it.
const MAX_NAME: usize = 200;

/// One session file.
#[derive(Debug, Serialize, Deserialize)]
struct File {
    client_id: String,
    /// Session Expiry Interval in seconds (`u32::MAX`: never expires).
    expiry: u32,
    /// Seconds since the epoch when it was saved.
    saved_at: u64,
    subscriptions: Vec<SubFile>,
    inflight: Vec<InFlightFile>,
    queued: Vec<HeldFile>,
    incoming_qos2: Vec<u16>,
    next_packet_id: u16,
    next_seq: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct SubFile {
    filter: String,
    /// An MQTT 5 shared subscription (`$share/...`).
    shared: bool,
    options: SubscriptionOptions,
    id: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct InFlightFile {
    packet_id: u16,
    /// 1: PUBACK, 2: PUBREC, 3: PUBCOMP awaited.
    awaiting: u8,
    seq: u64,
    publish: Publish,
}

#[derive(Debug, Serialize, Deserialize)]
struct HeldFile {
    /// The message as published (topic, payload, QoS, RETAIN, properties).
    message: Publish,
    /// The QoS and RETAIN flag to deliver it with.
    qos: QoS,
    retain: bool,
    subscription_ids: Vec<u32>,
}

impl Store {
    /// Marks the session of `key` for saving (with `--data-dir`).
    pub(crate) fn touch_key(&mut self, key: u64) {
        if let Some(id) = self.keys.get(&key) {
            self.dirty.insert(id.clone());
        }
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The file of `client_id`'s session.
fn path(dir: &Path, client_id: &str) -> PathBuf {
    let mut name: String = client_id.bytes().map(|b| format!("{b:02x}")).collect();
    if name.len() > MAX_NAME {
        let hash = client_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        name = format!("h{hash:016x}");
    }
    dir.join("sessions").join(format!("{name}.json"))
}

fn held_file(h: &Held) -> HeldFile {
    let mut message = Publish::new(h.msg.topic.clone(), h.msg.payload.clone());
    message.qos = h.msg.qos;
    message.retain = h.msg.retain;
    message.properties = h.msg.properties.clone();
    HeldFile {
        message,
        qos: h.qos,
        retain: h.retain,
        subscription_ids: h.subscription_ids.clone(),
    }
}

/// What is saved of `client_id`'s session now (`None`: it no longer exists).
fn snapshot(state: &super::super::State, client_id: &str) -> Option<File> {
    let s = state.sessions.sessions.get(client_id)?;
    let subscriptions = state
        .router
        .subscriptions_of(s.key)
        .into_iter()
        .map(|(filter, shared, sub)| SubFile {
            filter,
            shared,
            options: sub.options,
            id: sub.id,
        })
        .collect();
    let (inflight, queued) = if s.online {
        (Vec::new(), Vec::new())
    } else {
        let inflight = s
            .saved
            .inflight
            .iter()
            .map(|(id, f)| InFlightFile {
                packet_id: *id,
                awaiting: match f.awaiting {
                    Awaiting::PubAck => 1,
                    Awaiting::PubRec => 2,
                    Awaiting::PubComp => 3,
                },
                seq: f.seq,
                publish: f.publish.clone(),
            })
            .collect();
        let queued = s
            .saved
            .pending
            .iter()
            .chain(&s.queue)
            .map(held_file)
            .collect();
        (inflight, queued)
    };
    Some(File {
        client_id: client_id.to_owned(),
        expiry: s.expiry,
        saved_at: now_secs(),
        subscriptions,
        inflight,
        queued,
        incoming_qos2: s.saved.incoming_qos2.iter().copied().collect(),
        next_packet_id: s.saved.next_packet_id,
        next_seq: s.saved.next_seq,
    })
}

/// With `--data-dir`: restores the saved sessions and starts the writer task.
pub(crate) fn start(shared: &Arc<Shared>) -> anyhow::Result<()> {
    let Some(dir) = shared.config.data_dir.clone() else {
        return Ok(());
    };
    let restored = restore(shared, &dir)?;
    if restored > 0 {
        info!(sessions = restored, "stored sessions restored");
    }
    tokio::spawn(writer(Arc::clone(shared), dir));
    Ok(())
}

/// Saves the marked sessions every [`FLUSH_INTERVAL`].
async fn writer(shared: Arc<Shared>, dir: PathBuf) {
    let mut ticker = tokio::time::interval(FLUSH_INTERVAL);
    loop {
        ticker.tick().await;
        let work: Vec<(String, Option<File>)> = {
            let mut state = shared.lock();
            let dirty: HashSet<String> = std::mem::take(&mut state.sessions.dirty);
            dirty
                .into_iter()
                .map(|id| {
                    let file = snapshot(&state, &id);
                    (id, file)
                })
                .collect()
        };
        if work.is_empty() {
            continue;
        }
        let dir = dir.clone();
        let _ = tokio::task::spawn_blocking(move || {
            for (id, file) in work {
                let path = path(&dir, &id);
                let result = match file {
                    Some(f) => serde_json::to_vec(&f)
                        .map_err(std::io::Error::other)
                        .and_then(|bytes| write_atomic(&path, &bytes)),
                    None => match std::fs::remove_file(&path) {
                        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
                        _ => Ok(()),
                    },
                };
                if let Err(err) = result {
                    warn!(client_id = %id, path = %path.display(), %err, "cannot save stored session");
                }
            }
        })
        .await;
    }
}

/// Loads every session file under `dir`; returns how many were restored.
fn restore(shared: &Arc<Shared>, dir: &Path) -> anyhow::Result<usize> {
    let root = dir.join("sessions");
    let entries = match std::fs::read_dir(&root) {
        Ok(e) => e,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", root.display())),
    };
    let now = now_secs();
    let mut count = 0;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", root.display()))?
            .path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let file: File = serde_json::from_slice(&bytes)
            .with_context(|| format!("{}: not a session file", path.display()))?;
        let left = if file.expiry == NEVER {
            NEVER
        } else {
            let waited = u32::try_from(now.saturating_sub(file.saved_at)).unwrap_or(u32::MAX);
            file.expiry.saturating_sub(waited)
        };
        if left == 0 {
            let _ = std::fs::remove_file(&path);
            continue;
        }
        insert(shared, file, left);
        count += 1;
    }
    Ok(count)
}

/// Puts a loaded session back, offline, with `left` seconds to live.
fn insert(shared: &Arc<Shared>, file: File, left: u32) {
    let key = shared.next_conn_id();
    let since = Instant::now();
    let inflight: HashMap<u16, InFlight> = file
        .inflight
        .into_iter()
        .filter_map(|f| {
            let awaiting = match f.awaiting {
                1 => Awaiting::PubAck,
                2 => Awaiting::PubRec,
                3 => Awaiting::PubComp,
                _ => return None,
            };
            let publish = f.publish;
            Some((
                f.packet_id,
                InFlight {
                    awaiting,
                    publish,
                    seq: f.seq,
                },
            ))
        })
        .collect();
    let pending: VecDeque<Held> = file
        .queued
        .into_iter()
        .map(|h| Held {
            msg: Message {
                topic: h.message.topic,
                payload: h.message.payload,
                qos: h.message.qos,
                retain: h.message.retain,
                properties: h.message.properties,
                from: 0,
            },
            qos: h.qos,
            retain: h.retain,
            subscription_ids: h.subscription_ids,
            since,
        })
        .collect();
    let saved = Saved {
        inflight,
        pending,
        incoming_qos2: file.incoming_qos2.into_iter().collect(),
        next_packet_id: file.next_packet_id,
        next_seq: file.next_seq,
    };
    let client_id = file.client_id;
    let generation = {
        let mut state = shared.lock();
        for sub in file.subscriptions {
            let version = if sub.shared {
                topic_match::ProtocolVersion::V5
            } else {
                topic_match::ProtocolVersion::V311
            };
            let Ok(parsed) = topic_match::SubscribeFilter::parse(&sub.filter, version) else {
                continue;
            };
            let s = Subscription {
                options: sub.options,
                id: sub.id,
            };
            let _ = state.router.subscribe(key, &parsed, s);
        }
        state.sessions.next_generation += 1;
        let generation = state.sessions.next_generation;
        state.sessions.keys.insert(key, client_id.clone());
        state.sessions.sessions.insert(
            client_id.clone(),
            Stored {
                key,
                generation,
                expiry: left,
                online: false,
                released: Arc::new(Notify::new()),
                saved,
                queue: VecDeque::new(),
                will: None,
            },
        );
        generation
    };
    let expire_at = (left != NEVER).then(|| Instant::now() + Duration::from_secs(u64::from(left)));
    if expire_at.is_some() {
        tokio::spawn(offline_timer(
            Arc::clone(shared),
            client_id,
            generation,
            None,
            expire_at,
        ));
    }
}
