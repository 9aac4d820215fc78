//! Device Shadows on the reserved `$aws/things/{thing}/shadow/...` topics,
//! served with `shadow-doc`, and the refusal of the other reserved `$aws/` topics.
//!
//! A PUBLISH on a shadow request topic (`.../update`, `.../get`, `.../delete`,
//! classic or `.../name/{shadow}/...`) is not routed: the request goes to the
//! [`ShadowStore`](shadow_doc::ShadowStore) and the documents it returns are published by the broker on
//! `/accepted` or `/rejected`, plus `/update/delta` (when the delta is not
//! empty) and `/update/documents` after an accepted update, as AWS IoT does.
//! Responses are published with QoS 1 (subscribers get the minimum of that and
//! their subscription's QoS), without RETAIN. Time is the system clock in
//! seconds, read here and passed into the library.
//!
//! With `--data-dir DIR`, every accepted update or delete writes the shadow's
//! stored form ([`Shadow::to_stored`]) to `DIR/shadows/{thing}/classic.json`
//! or `DIR/shadows/{thing}/named/{shadow}.json` (temporary file + rename, see
//! [`super::persist`]) before the change is kept and answered: a request whose
//! write fails is rejected with 500 and changes nothing. The files are loaded
//! back at start.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use bytes::Bytes;
use iot_mqtt_codec::{Properties, QoS, Utf8Str};
use shadow_doc::{
    Config as ShadowConfig, ErrorKind, Limits, MemoryStore, Operation, Shadow, ShadowError,
    ShadowKey, ShadowStore as _, ShadowTopic, Suffix, lenient_client_token,
};
use tracing::{debug, info, warn};

use super::{Message, Shared, persist};

/// The shadows of the broker, in memory, written through to the data directory if any.
#[derive(Debug, Default)]
pub(crate) struct Shadows {
    store: MemoryStore,
}

/// What the broker does with a client PUBLISH on a `$aws/` topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reserved {
    /// Not reserved, a shadow request (served by [`serve`] from
    /// `Shared::publish`) or Basic Ingest (`$aws/rules/...`): handle as usual.
    Allowed,
    /// A reserved topic the broker does not serve (any other `$aws/` topic,
    /// shadow response topics included): refused.
    Refused,
}

/// Classifies a topic a client publishes to. AWS IoT reserves every `$aws/`
/// topic; clients may publish to the shadow request topics and Basic Ingest;
/// the rest (jobs, events, shadow responses, ...) is not served here.
pub(crate) fn check_client_publish(topic: &str) -> Reserved {
    if !topic.starts_with("$aws/") || topic.starts_with("$aws/rules/") {
        return Reserved::Allowed;
    }
    match ShadowTopic::parse(topic) {
        Ok(t) if t.suffix().is_none() => Reserved::Allowed,
        _ => Reserved::Refused,
    }
}

/// Serves `msg` if it is a shadow request and returns true (the message is
/// then not routed); returns false for every other topic.
pub(crate) fn serve(shared: &Shared, msg: &Message) -> bool {
    let Ok(topic) = ShadowTopic::parse(msg.topic.as_str()) else {
        return false;
    };
    if topic.suffix().is_some() {
        // A response topic (published by the broker itself): route normally.
        return false;
    }
    let now = now_secs();
    let dir = shared.config.data_dir.as_deref();
    let shadows = &shared.shadows;
    let key = topic.key();
    let request = &msg.payload[..];
    let responses: Vec<(Suffix, Result<Vec<u8>, serde_json::Error>)> = match topic.operation() {
        Operation::Update => match shadows.change(dir, key, |s| s.update(request, now)) {
            Ok(out) => {
                let mut r = vec![(Suffix::Accepted, serde_json::to_vec(&out.accepted))];
                if let Some(delta) = &out.delta {
                    r.push((Suffix::Delta, serde_json::to_vec(delta)));
                }
                if let Some(docs) = &out.documents {
                    r.push((Suffix::Documents, serde_json::to_vec(docs)));
                }
                r
            }
            Err(err) => vec![rejected(err, request, now)],
        },
        Operation::Get => match shadows.store.get(key, request, now) {
            Ok(doc) => vec![(Suffix::Accepted, serde_json::to_vec(&doc))],
            Err(err) => vec![rejected(err, request, now)],
        },
        Operation::Delete => match shadows.change(dir, key, |s| s.delete(request, now)) {
            Ok(doc) => vec![(Suffix::Accepted, serde_json::to_vec(&doc))],
            Err(err) => vec![rejected(err, request, now)],
        },
    };
    debug!(topic = %topic, "shadow request served");
    for (suffix, payload) in responses {
        let (Ok(t), Ok(payload)) = (topic.with_suffix(Some(suffix)), payload) else {
            warn!(topic = %topic, ?suffix, "cannot build a shadow response");
            continue;
        };
        let Ok(name) = Utf8Str::new(&t.to_topic()) else {
            continue;
        };
        shared.publish(&Message {
            topic: name,
            payload: Bytes::from(payload),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: Properties::new(),
            // Connection ids start at 1: no subscriber is the "publisher".
            from: 0,
        });
    }
    true
}

/// The `/rejected` answer; a storage failure (500, raised here, not by the
/// library) echoes the request's `clientToken` like the library's errors do.
fn rejected(
    mut err: ShadowError,
    request: &[u8],
    now: u64,
) -> (Suffix, Result<Vec<u8>, serde_json::Error>) {
    if err.code() == 500 && err.client_token().is_none() {
        err = err.with_client_token(lenient_client_token(request, &Limits::default()));
    }
    (Suffix::Rejected, serde_json::to_vec(&err.to_document(now)))
}

/// Seconds since the Unix epoch by the system clock (0 if it is before 1970).
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Shadows {
    /// Runs the change `f` on shadow `key`; with a data directory, the changed
    /// shadow is written before it replaces the old one (atomically per shadow:
    /// the store holds the shadow's lock meanwhile).
    fn change<R>(
        &self,
        dir: Option<&Path>,
        key: &ShadowKey,
        f: impl FnOnce(&mut Shadow) -> Result<R, ShadowError>,
    ) -> Result<R, ShadowError> {
        let Some(dir) = dir else {
            return self.store.with_shadow(key, f)?;
        };
        self.store.with_shadow(key, |s| {
            let mut next = s.clone();
            let out = f(&mut next)?;
            let path = shadow_path(dir, key);
            let bytes = serde_json::to_vec(&next.to_stored()).map_err(internal)?;
            persist::write_atomic(&path, &bytes).map_err(|err| {
                warn!(path = %path.display(), %err, "cannot write shadow");
                internal(err)
            })?;
            *s = next;
            Ok(out)
        })?
    }

    /// Loads every shadow stored under `dir` (see the module docs); returns how many.
    pub(crate) fn load(&self, dir: &Path) -> anyhow::Result<usize> {
        let root = dir.join("shadows");
        let mut count = 0;
        for thing in read_dir_names(&root)? {
            let thing_dir = root.join(&thing);
            if !thing_dir.is_dir() {
                warn!(path = %thing_dir.display(), "not a shadow directory; ignored");
                continue;
            }
            let classic = thing_dir.join("classic.json");
            if classic.is_file() {
                self.load_one(&classic, &thing, None)?;
                count += 1;
            }
            let named = thing_dir.join("named");
            for file in read_dir_names(&named)? {
                let Some(name) = file.strip_suffix(".json") else {
                    continue;
                };
                self.load_one(&named.join(&file), &thing, Some(name))?;
                count += 1;
            }
        }
        Ok(count)
    }

    fn load_one(&self, path: &Path, thing: &str, name: Option<&str>) -> anyhow::Result<()> {
        let key = ShadowKey::parse(thing, name)
            .with_context(|| format!("{}: not a shadow name", path.display()))?;
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{}: not JSON", path.display()))?;
        let shadow = Shadow::from_stored(key, ShadowConfig::default(), &value)
            .with_context(|| format!("{}: not a stored shadow", path.display()))?;
        self.store
            .insert(shadow)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    }
}

/// Loads the shadows and retained messages saved under `--data-dir`, if set.
pub(crate) fn restore(shared: &Shared) -> anyhow::Result<()> {
    let Some(dir) = shared.config.data_dir.as_deref() else {
        return Ok(());
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    let shadows = shared.shadows.load(dir)?;
    let retained = persist::load_retained(shared, dir)?;
    info!(dir = %dir.display(), shadows, retained, "data directory loaded");
    Ok(())
}

/// Where shadow `key` is stored under `dir`. Thing and shadow names are
/// `[a-zA-Z0-9:_-]+` (checked by `shadow-doc`), so they are safe file names.
fn shadow_path(dir: &Path, key: &ShadowKey) -> PathBuf {
    let thing = dir.join("shadows").join(key.thing().as_str());
    match key.shadow() {
        None => thing.join("classic.json"),
        Some(name) => thing.join("named").join(format!("{}.json", name.as_str())),
    }
}

/// The names of the entries of `dir` (none if it does not exist).
fn read_dir_names(dir: &Path) -> anyhow::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        if let Some(name) = entry.file_name().to_str() {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

fn internal(err: impl std::fmt::Display) -> ShadowError {
    ShadowError::new(ErrorKind::Internal {
        detail: err.to_string(),
    })
}
