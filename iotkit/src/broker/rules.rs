//! Topic rules with `iot-sql`: the AWS IoT Rules Engine in miniature.
//!
//! Each `[[rules]]` entry of the config is an AWS topic-rule payload
//! (`sql`, `awsIotSqlVersion` (default `2015-10-08`, as AWS), `actions`,
//! `errorAction`, `ruleDisabled`). Supported actions:
//!
//! - `{"republish": {"topic": "<template>", "qos": 0|1}}`: the rule's output
//!   is published on the rendered topic and routed to subscribers as usual
//!   (other fields such as `roleArn` are accepted and ignored);
//! - `{"log": {"path": "FILE"}}` (ours): the output is appended to FILE as
//!   one line of compact JSON (binary output as a base64 JSON string).
//!
//! When an action fails (unwritable file, rendered topic invalid), the
//! `errorAction` runs with the AWS error message as its payload
//! (`ruleName`, `topic`, `clientId`, `base64OriginalPayload`, `failures`).
//!
//! Every publish whose topic matches a rule's FROM filter is handed, with
//! its context (`clientid()`, `sourceip()`, `principal()`, `traceid()`,
//! `newuuid()`, `rand()`, `timestamp()`, MQTT 5 user properties and
//! `get_mqtt_property()` values; see [`super::context`] for what each
//! returns), to one worker thread over a bounded queue ([`QUEUE_CAPACITY`];
//! when it is full the message skips the rules and is counted as `dropped`),
//! so evaluation and file I/O never hold up routing.
//!
//! The `--stats` line counts `rule_matches` (message and rule pairs whose
//! topic matched the rule's FROM filter, or Basic Ingest to the rule, as AWS
//! counts `TopicMatch`) and `rule_errors` (evaluations that ended in an SQL
//! error or a failed action, whether or not an errorAction then ran).
//!
//! Basic Ingest: a PUBLISH to `$aws/rules/{ruleName}/...` goes to that rule only (FROM is ignored) and
//! never to subscribers; an unknown or disabled rule name drops it.
//!
//! Loops: messages published by a republish action do not trigger rules
//! again (so a rule can never feed itself, stricter than AWS, which allows
//! chains), and a republish to a `$aws/rules/...` topic fails (AWS does not
//! let a rule publish into Basic Ingest).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use bytes::Bytes;
use iot_mqtt_codec::{Properties, Property, QoS, Utf8Str};
use iot_sql::{Context, Message as SqlMessage, Outcome, Rule, SqlVersion, Template};
use serde::Deserialize;
use tracing::{debug, warn};

use super::{Message, Shared, context};

/// The `from` of messages published by a rule action: they never trigger rules.
pub(crate) const RULE_CONN: u64 = u64::MAX;

/// Messages waiting for rule evaluation before further ones skip the rules.
pub(crate) const QUEUE_CAPACITY: usize = 16_384;

/// Basic Ingest topic prefix.
const BASIC_INGEST: &str = "$aws/rules/";

/// A topic-rule payload as AWS `CreateTopicRule` takes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RulePayload {
    sql: String,
    aws_iot_sql_version: Option<String>,
    #[serde(default)]
    actions: Vec<ActionSpec>,
    error_action: Option<ActionSpec>,
    #[serde(default)]
    rule_disabled: bool,
}

/// One action as written in the payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
enum ActionSpec {
    Republish {
        topic: String,
        #[serde(default)]
        qos: u8,
    },
    Log {
        path: PathBuf,
    },
}

/// A compiled action.
#[derive(Debug)]
enum Action {
    Republish {
        topic: Template,
        qos: QoS,
    },
    /// The file stays open in append mode after the first success (one
    /// write per line, no open/close per message); a failed write closes it
    /// so the next message opens it again.
    Log {
        path: PathBuf,
        file: Mutex<Option<std::fs::File>>,
    },
}

impl Action {
    fn compile(spec: ActionSpec, rule: &Rule, dir: &Path) -> anyhow::Result<Self> {
        Ok(match spec {
            ActionSpec::Republish { topic, qos } => Self::Republish {
                topic: rule
                    .template(&topic)
                    .with_context(|| format!("republish topic template {topic:?}"))?,
                qos: match qos {
                    0 => QoS::AtMostOnce,
                    1 => QoS::AtLeastOnce,
                    _ => bail!("republish qos must be 0 or 1"),
                },
            },
            ActionSpec::Log { path } => Self::Log {
                path: dir.join(path),
                file: Mutex::new(None),
            },
        })
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Republish { .. } => "RepublishAction",
            Self::Log { .. } => "LogAction",
        }
    }

    /// Runs the action with `payload` (the bytes to publish) and `json` (the
    /// line to log); `Err` is the failure message.
    fn execute(
        &self,
        shared: &Shared,
        rule: &Rule,
        msg: &SqlMessage<'_>,
        payload: &[u8],
        json: &str,
    ) -> Result<(), String> {
        match self {
            Self::Republish { topic, qos } => {
                let topic = rule.render(topic, msg).map_err(|e| e.to_string())?;
                if topic.starts_with(BASIC_INGEST) {
                    return Err(format!("cannot republish to Basic Ingest topic {topic}"));
                }
                topic_match::TopicName::new(&topic)
                    .map_err(|e| format!("invalid republish topic {topic:?}: {e}"))?;
                let name = Utf8Str::new(&topic)
                    .map_err(|e| format!("invalid republish topic {topic:?}: {e}"))?;
                shared.publish(&Message {
                    topic: name,
                    payload: Bytes::copy_from_slice(payload),
                    qos: *qos,
                    retain: false,
                    properties: Properties::new(),
                    from: RULE_CONN,
                });
                Ok(())
            }
            Self::Log { path, file } => {
                let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
                let mut line = String::with_capacity(json.len() + 1);
                line.push_str(json);
                line.push('\n');
                let result = match &mut *file {
                    Some(f) => f.write_all(line.as_bytes()),
                    None => std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .and_then(|mut f| {
                            f.write_all(line.as_bytes())?;
                            *file = Some(f);
                            Ok(())
                        }),
                };
                if result.is_err() {
                    *file = None;
                }
                result.map_err(|e| format!("cannot append to {}: {e}", path.display()))
            }
        }
    }
}

/// One loaded rule.
#[derive(Debug)]
struct LoadedRule {
    name: String,
    rule: Rule,
    disabled: bool,
    actions: Vec<Action>,
    error_action: Option<Action>,
}

/// A message handed to the rules worker.
#[derive(Debug)]
struct Job {
    rule: usize,
    /// True for a message that arrived over MQTT (it gets a `traceid()`).
    traced: bool,
    topic: String,
    payload: Bytes,
    context: Context,
}

/// The configured rules and the queue to their worker.
#[derive(Debug, Default)]
pub(crate) struct RuleSet {
    rules: Vec<LoadedRule>,
    by_name: HashMap<String, usize>,
    queue: OnceLock<SyncSender<Job>>,
    /// Message and rule pairs that matched (for `--stats`).
    pub(crate) matches: AtomicU64,
    /// Evaluations that failed (SQL error or action failure).
    pub(crate) errors: AtomicU64,
}

impl RuleSet {
    /// Parses `(name, payload JSON, directory for relative log paths)` entries.
    pub(crate) fn new(entries: &[(String, String, PathBuf)]) -> anyhow::Result<Self> {
        let mut set = Self::default();
        for (name, text, dir) in entries {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                bail!("rule name {name:?} must be letters, digits and underscores (as AWS)");
            }
            let p: RulePayload = serde_json::from_str(text)
                .with_context(|| format!("rule {name:?}: invalid topic-rule payload"))?;
            let version: SqlVersion = p
                .aws_iot_sql_version
                .as_deref()
                .unwrap_or("2015-10-08")
                .parse()
                .with_context(|| format!("rule {name:?}: awsIotSqlVersion"))?;
            let rule =
                Rule::parse(&p.sql, version).map_err(|e| anyhow::anyhow!("rule {name:?}: {e}"))?;
            let actions = p
                .actions
                .into_iter()
                .map(|a| Action::compile(a, &rule, dir))
                .collect::<anyhow::Result<Vec<_>>>()
                .with_context(|| format!("rule {name:?}"))?;
            let error_action = p
                .error_action
                .map(|a| Action::compile(a, &rule, dir))
                .transpose()
                .with_context(|| format!("rule {name:?}: errorAction"))?;
            if set.by_name.insert(name.clone(), set.rules.len()).is_some() {
                bail!("rule {name:?} is defined twice");
            }
            set.rules.push(LoadedRule {
                name: name.clone(),
                rule,
                disabled: p.rule_disabled,
                actions,
                error_action,
            });
        }
        Ok(set)
    }

    /// Starts the worker thread (only when rules are configured).
    pub(crate) fn start(shared: &Arc<Shared>) -> anyhow::Result<()> {
        if shared.config.rules.rules.is_empty() {
            return Ok(());
        }
        let (tx, rx) = sync_channel(QUEUE_CAPACITY);
        let _ = shared.config.rules.queue.set(tx);
        let shared = Arc::clone(shared);
        std::thread::Builder::new()
            .name("iotkit-rules".into())
            .spawn(move || worker(&shared, &rx))
            .context("cannot start the rules thread")?;
        Ok(())
    }

    /// Hands `msg` to the rules it triggers; returns true when it is a Basic
    /// Ingest message, which must not reach subscribers.
    pub(crate) fn on_publish(&self, shared: &Shared, msg: &Message) -> bool {
        let topic = msg.topic.as_str();
        if let Some(rest) = topic.strip_prefix(BASIC_INGEST) {
            let name = rest.split('/').next().unwrap_or_default();
            match self.by_name.get(name) {
                Some(&i) if rest.len() > name.len() => {
                    self.enqueue(shared, &[i], msg);
                }
                _ => debug!(topic, "Basic Ingest to no enabled rule; dropped"),
            }
            return true;
        }
        if msg.from == RULE_CONN {
            return false;
        }
        let hits: Vec<usize> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                !r.disabled
                    && r.rule
                        .topic_filter()
                        .is_some_and(|f| topic_match::matches(f, topic))
            })
            .map(|(i, _)| i)
            .collect();
        if !hits.is_empty() {
            self.enqueue(shared, &hits, msg);
        }
        false
    }

    fn enqueue(&self, shared: &Shared, hits: &[usize], msg: &Message) {
        let Some(queue) = self.queue.get() else {
            return;
        };
        let mut context = Context::default();
        if let Some(origin) = shared.origins.get(msg.from) {
            context.clientid = Some(origin.client_id.clone());
            context.principal = Some(origin.principal.clone());
            context.sourceip = Some(origin.source_ip.clone());
        }
        context.timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_millis()).ok());
        for p in msg.properties.iter() {
            match p {
                Property::PayloadFormatIndicator(v) => context.mqtt.format_indicator = Some(v == 1),
                Property::ContentType(v) => context.mqtt.content_type = Some(v.as_str().to_owned()),
                Property::ResponseTopic(v) => {
                    context.mqtt.response_topic = Some(v.as_str().to_owned());
                }
                Property::CorrelationData(v) => context.mqtt.correlation_data = Some(v.to_vec()),
                _ => {}
            }
        }
        context.user_properties = msg
            .properties
            .user_properties()
            .map(|(k, v)| (k.as_str().to_owned(), v.as_str().to_owned()))
            .collect();
        for &rule in hits {
            if self.rules.get(rule).is_some_and(|r| r.disabled) {
                continue;
            }
            self.matches.fetch_add(1, Ordering::Relaxed);
            let job = Job {
                rule,
                // traceid() is Undefined for messages that did not arrive over MQTT.
                traced: msg.from != RULE_CONN,
                topic: msg.topic.as_str().to_owned(),
                payload: msg.payload.clone(),
                context: context.clone(),
            };
            match queue.try_send(job) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
                    debug!("rules queue full; message not evaluated");
                }
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
    }

    /// Evaluates one rule for one message and runs its actions.
    fn run(&self, shared: &Shared, job: &mut Job) {
        let Some(r) = self.rules.get(job.rule) else {
            return;
        };
        // The random values are made here, off the publishing connection's path.
        job.context.traceid = job.traced.then(context::uuid_v4);
        job.context.newuuid = Some(context::uuid_v4());
        job.context.rand = Some(context::random_f64());
        let job = &*job;
        let msg =
            SqlMessage::for_rule(&r.rule, &job.topic, &job.payload).with_context(&job.context);
        let mut failures = Vec::new();
        match r.rule.evaluate(&msg) {
            Ok(Outcome::Emit(out)) => {
                // Serialized only for the actions that use each form.
                let (mut payload, mut json) = (Vec::new(), String::new());
                if r.actions
                    .iter()
                    .any(|a| matches!(a, Action::Republish { .. }))
                {
                    payload = out.to_bytes();
                }
                if r.actions.iter().any(|a| matches!(a, Action::Log { .. })) {
                    json = out.to_json_string();
                }
                for action in &r.actions {
                    if let Err(e) = action.execute(shared, &r.rule, &msg, &payload, &json) {
                        failures.push((action.name(), e));
                    }
                }
            }
            Ok(_) => return,
            Err(e) => failures.push(("SqlEvaluation", e.to_string())),
        }
        if failures.is_empty() {
            return;
        }
        self.errors.fetch_add(1, Ordering::Relaxed);
        warn!(rule = %r.name, topic = %job.topic, ?failures, "rule action failed");
        let Some(error_action) = &r.error_action else {
            return;
        };
        let report = serde_json::json!({
            "ruleName": r.name,
            "topic": job.topic,
            "clientId": job.context.clientid,
            "base64OriginalPayload": base64::engine::general_purpose::STANDARD.encode(&job.payload),
            "failures": failures.iter().map(|(action, message)| serde_json::json!({
                "failedAction": action,
                "errorMessage": message,
            })).collect::<Vec<_>>(),
        })
        .to_string();
        if let Err(e) = error_action.execute(shared, &r.rule, &msg, report.as_bytes(), &report) {
            warn!(rule = %r.name, error = %e, "errorAction failed");
        }
    }
}

fn worker(shared: &Shared, rx: &Receiver<Job>) {
    while let Ok(mut job) = rx.recv() {
        shared.config.rules.run(shared, &mut job);
    }
}
