//! `iotkit shadow`: a local Device Shadow service and the shadow case-file runner.
//!
//! All rules live in the `shadow-doc` crate; this module reads files, calls it and prints.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::{Value, json};
use shadow_doc::scenario::{self, Verdict};
use shadow_doc::{
    Config, MemoryStore, Operation, Shadow, ShadowError, ShadowKey, ShadowStore, ShadowTopic,
    Suffix,
};

/// The `shadow` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum ShadowCommand {
    /// Apply update/get/delete requests to a local shadow store and print what the service
    /// would publish.
    ///
    /// Input: JSON lines from the FILEs (or standard input), one request each, either
    /// {"topic": "$aws/things/T/shadow[/name/S]/update", "payload": ...} or
    /// {"op": "update", "thing": "T", "shadow": "S", "payload": ...}. A string payload is sent
    /// as raw text. With --topic, each FILE is instead the raw payload of one request to that
    /// topic. Output: one JSON line per published message, {"topic": ..., "payload": ...}, on
    /// the accepted/rejected/delta/documents topics. Rejections are normal answers (exit 0);
    /// unreadable input is an error.
    #[command(after_help = "Examples:
  echo '{\"topic\": \"$aws/things/lamp/shadow/update\", \"payload\": {\"state\": {\"desired\": {\"on\": true}}}}' \\
    | iotkit shadow apply --state ./shadows
  iotkit shadow apply --topic '$aws/things/lamp/shadow/update' update.json
  echo '{\"op\": \"get\", \"thing\": \"lamp\"}' | iotkit shadow apply --state ./shadows")]
    Apply {
        /// Directory holding the shadows between runs (created if missing); default: in memory.
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// Send each FILE whole as the payload of one request to this topic.
        #[arg(long, value_name = "TOPIC")]
        topic: Option<String>,
        /// The clock, in epoch seconds (default: the system clock).
        #[arg(long, value_name = "SECS")]
        now: Option<u64>,
        /// Request files (default: standard input).
        files: Vec<PathBuf>,
    },
    /// Run a case file in the format of conformance/shadow.json.
    ///
    /// Prints one line per case, {"id": "...", "actual": {"steps": [...]}}, where each step
    /// has the members its operation produces ("accepted", "delta" (or null), "documents",
    /// "error": {"code", "message", "clientToken"?}, "parsed"), then "N passed, M failed"
    /// counting the cases with expectations. Comparison follows the file's conventions
    /// (`"<ts>"` matches any timestamp; a "clock" step sets the clock). Failures are explained
    /// on standard error. Exit status 0 only if no case failed.
    #[command(after_help = "Example:\n  iotkit shadow run-cases conformance/shadow.json")]
    RunCases {
        /// The case file.
        file: PathBuf,
    },
}

pub(crate) fn run(cmd: ShadowCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ShadowCommand::RunCases { file } => run_cases(&file),
        ShadowCommand::Apply {
            state,
            topic,
            now,
            files,
        } => apply(state.as_deref(), topic.as_deref(), now, &files),
    }
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

fn run_cases(file: &Path) -> anyhow::Result<ExitCode> {
    let cases = read_json(file)?;
    let reports = scenario::run_file(&cases)
        .with_context(|| format!("{} is not a shadow case file", file.display()))?;
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut out = std::io::stdout().lock();
    for report in &reports {
        writeln!(out, "{}", json!({"id": report.id, "actual": report.actual}))?;
        match &report.verdict {
            Verdict::Passed => passed += 1,
            Verdict::Failed(why) => {
                failed += 1;
                for line in why {
                    eprintln!("FAIL {}: {line}", report.id);
                }
            }
            _ => {}
        }
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One request: which shadow, which operation, the payload bytes.
struct Request {
    topic: ShadowTopic,
    payload: Vec<u8>,
}

fn payload_bytes(v: Option<&Value>) -> anyhow::Result<Vec<u8>> {
    Ok(match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(v) => serde_json::to_vec(v)?,
    })
}

fn parse_line(line: &str) -> anyhow::Result<Request> {
    let v: Value = serde_json::from_str(line).context("request line is not valid JSON")?;
    let payload = payload_bytes(v.get("payload"))?;
    if let Some(topic) = v.get("topic").and_then(Value::as_str) {
        return Ok(Request {
            topic: request_topic(topic)?,
            payload,
        });
    }
    let op = match v.get("op").and_then(Value::as_str) {
        Some("get") => Operation::Get,
        Some("update") => Operation::Update,
        Some("delete") => Operation::Delete,
        Some(other) => bail!("unknown op {other:?} (expected get, update or delete)"),
        None => bail!("request needs a \"topic\" or an \"op\""),
    };
    let thing = v
        .get("thing")
        .and_then(Value::as_str)
        .context("request needs a \"thing\"")?;
    let key = ShadowKey::parse(thing, v.get("shadow").and_then(Value::as_str))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Request {
        topic: ShadowTopic::new(key, op, None)?,
        payload,
    })
}

fn request_topic(topic: &str) -> anyhow::Result<ShadowTopic> {
    let t = ShadowTopic::parse(topic).with_context(|| format!("bad topic {topic:?}"))?;
    if t.suffix().is_some() {
        bail!("{topic:?} is a response topic, not a request topic");
    }
    Ok(t)
}

fn apply(
    state: Option<&Path>,
    topic: Option<&str>,
    now: Option<u64>,
    files: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let now = match now {
        Some(n) => n,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };
    let mut requests = Vec::new();
    match topic {
        Some(topic) => {
            let topic = request_topic(topic)?;
            if files.is_empty() {
                bail!("--topic needs at least one payload FILE");
            }
            for f in files {
                let payload =
                    std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
                requests.push(Request {
                    topic: topic.clone(),
                    payload,
                });
            }
        }
        None if files.is_empty() => {
            for (i, line) in std::io::stdin().lock().lines().enumerate() {
                let line = line.context("cannot read standard input")?;
                if !line.trim().is_empty() {
                    requests
                        .push(parse_line(&line).with_context(|| format!("stdin line {}", i + 1))?);
                }
            }
        }
        None => {
            for f in files {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read {}", f.display()))?;
                for (i, line) in text.lines().enumerate() {
                    if !line.trim().is_empty() {
                        requests.push(
                            parse_line(line)
                                .with_context(|| format!("{} line {}", f.display(), i + 1))?,
                        );
                    }
                }
            }
        }
    }

    let store = MemoryStore::default();
    if let Some(dir) = state {
        load(&store, dir)?;
    }
    let mut out = std::io::stdout().lock();
    for req in &requests {
        for (topic, payload) in handle(&store, req, now)? {
            writeln!(out, "{}", json!({"topic": topic, "payload": payload}))?;
        }
    }
    if let Some(dir) = state {
        save(&store, dir)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn handle(store: &MemoryStore, req: &Request, now: u64) -> anyhow::Result<Vec<(String, Value)>> {
    let key = req.topic.key();
    let answer =
        |suffix| -> anyhow::Result<String> { Ok(req.topic.with_suffix(Some(suffix))?.to_string()) };
    let rejected = |e: ShadowError| -> anyhow::Result<Vec<(String, Value)>> {
        Ok(vec![(
            answer(Suffix::Rejected)?,
            serde_json::to_value(e.to_document(now))?,
        )])
    };
    Ok(match req.topic.operation() {
        Operation::Update => match store.update(key, &req.payload, now) {
            Ok(o) => {
                let mut msgs = vec![(
                    answer(Suffix::Accepted)?,
                    serde_json::to_value(&o.accepted)?,
                )];
                if let Some(d) = &o.delta {
                    msgs.push((answer(Suffix::Delta)?, serde_json::to_value(d)?));
                }
                if let Some(d) = &o.documents {
                    msgs.push((answer(Suffix::Documents)?, serde_json::to_value(d)?));
                }
                msgs
            }
            Err(e) => rejected(e)?,
        },
        Operation::Get => match store.get(key, &req.payload, now) {
            Ok(doc) => vec![(answer(Suffix::Accepted)?, serde_json::to_value(doc)?)],
            Err(e) => rejected(e)?,
        },
        Operation::Delete => match store.delete(key, &req.payload, now) {
            Ok(doc) => vec![(answer(Suffix::Accepted)?, serde_json::to_value(doc)?)],
            Err(e) => rejected(e)?,
        },
    })
}

/// Each shadow is one file `<thing>.json` or `<thing>~<shadow>.json` holding
/// {"thing", "shadow", "stored"} (names cannot contain `~` or `/`).
fn load(store: &MemoryStore, dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let v = read_json(&path)?;
        let thing = v.get("thing").and_then(Value::as_str);
        let key = thing
            .map(|t| ShadowKey::parse(t, v.get("shadow").and_then(Value::as_str)))
            .with_context(|| format!("{} has no \"thing\"", path.display()))?
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let stored = v.get("stored").unwrap_or(&Value::Null);
        let shadow = Shadow::from_stored(key, Config::default(), stored)
            .with_context(|| format!("{} is not a stored shadow", path.display()))?;
        store.insert(shadow)?;
    }
    Ok(())
}

fn save(store: &MemoryStore, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for shadow in store.snapshot()? {
        let key = shadow.key();
        let body = json!({
            "thing": key.thing().as_str(),
            "shadow": key.shadow().map(|s| s.as_str()),
            "stored": shadow.to_stored(),
        });
        let path = dir.join(format!("{key}.json"));
        let tmp = dir.join(format!(".{key}.json.tmp"));
        std::fs::write(&tmp, serde_json::to_vec_pretty(&body)?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
