//! Files under `--data-dir`: atomic writes, and retained messages kept one
//! file per topic so a restart delivers them again.
//!
//! A retained message is stored as JSON (`topic`, `qos`, `payload` in base64,
//! `properties` as the codec serialises them) in `DIR/retained/{name}.json`;
//! an empty retained payload deletes the file (MQTT-3.3.1-10). `{name}` is
//! the topic with every byte outside `[A-Za-z0-9_-]` written as `%XX`, or, if
//! that is longer than [`MAX_NAME`], `h` and the 64-bit FNV-1a hash of the
//! topic in hex (two long topics with the same hash would share one file:
//! the later one replaces the earlier on disk, and only it survives a restart).
//!
//! Every write goes to a temporary file in the same directory, is flushed to
//! disk and renamed over the target: a reader (or a restart) sees the old or
//! the new content, never a mix. Writes happen on the publishing task; they
//! are rare (retained messages and shadow changes) and only with `--data-dir`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use iot_mqtt_codec::{Properties, QoS, Utf8Str};
use tracing::warn;

use super::{Config, Message, Shared};

/// Longest file name (without `.json`) made from a topic before hashing it.
const MAX_NAME: usize = 200;

/// Writes `bytes` to `path` atomically: temporary file, flush to disk, rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// Saves (or, for an empty payload, deletes) the retained message `msg` when
/// `--data-dir` is set. Failures are logged: the message stays retained in memory.
pub(crate) fn retained(config: &Config, msg: &Message) {
    let Some(dir) = config.data_dir.as_deref() else {
        return;
    };
    let path = retained_path(dir, msg.topic.as_str());
    let result = if msg.payload.is_empty() {
        match std::fs::remove_file(&path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    } else {
        let doc = serde_json::json!({
            "topic": msg.topic.as_str(),
            "qos": u8::from(msg.qos),
            "payload": BASE64.encode(&msg.payload),
            "properties": msg.properties,
        });
        serde_json::to_vec(&doc)
            .map_err(std::io::Error::other)
            .and_then(|bytes| write_atomic(&path, &bytes))
    };
    if let Err(err) = result {
        warn!(topic = %msg.topic, path = %path.display(), %err, "cannot persist retained message");
    }
}

/// Deletes the saved retained message of `topic` (one that expired).
pub(crate) fn forget_retained(config: &Config, topic: &str) {
    let Some(dir) = config.data_dir.as_deref() else {
        return;
    };
    let path = retained_path(dir, topic);
    match std::fs::remove_file(&path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            warn!(topic, path = %path.display(), %err, "cannot delete expired retained message");
        }
        _ => {}
    }
}

/// Loads the retained messages saved under `dir` into the broker; returns how many.
pub(crate) fn load_retained(shared: &Shared, dir: &Path) -> anyhow::Result<usize> {
    let root = dir.join("retained");
    let entries = match std::fs::read_dir(&root) {
        Ok(e) => e,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", root.display())),
    };
    let mut count = 0;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", root.display()))?
            .path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let msg = read_retained(&path).with_context(|| format!("{}", path.display()))?;
        shared.lock().retained.store(&msg);
        count += 1;
    }
    Ok(count)
}

fn read_retained(path: &Path) -> anyhow::Result<Message> {
    let bytes = std::fs::read(path).context("cannot read")?;
    let doc: serde_json::Value = serde_json::from_slice(&bytes).context("not JSON")?;
    let field = |name: &str| doc.get(name).context(format!("no {name}"));
    let topic = field("topic")?.as_str().context("topic is not a string")?;
    let qos = field("qos")?
        .as_u64()
        .and_then(|n| u8::try_from(n).ok())
        .and_then(|n| QoS::try_from(n).ok())
        .context("bad qos")?;
    let payload = BASE64
        .decode(
            field("payload")?
                .as_str()
                .context("payload is not a string")?,
        )
        .context("payload is not base64")?;
    let properties: Properties =
        serde_json::from_value(field("properties")?.clone()).context("bad properties")?;
    Ok(Message {
        topic: Utf8Str::new(topic).map_err(|e| anyhow::anyhow!("bad topic: {e:?}"))?,
        payload: Bytes::from(payload),
        qos,
        retain: true,
        properties,
        from: 0,
    })
}

/// The file of the retained message of `topic` (see the module docs).
fn retained_path(dir: &Path, topic: &str) -> PathBuf {
    let mut name = String::new();
    for b in topic.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            name.push(char::from(b));
        } else {
            let _ = write!(name, "%{b:02X}");
        }
    }
    if name.len() > MAX_NAME {
        // FNV-1a, 64 bits: stable across builds, unlike std's hasher.
        let hash = topic.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        name = format!("h{hash:016x}");
    }
    dir.join("retained").join(format!("{name}.json"))
}
