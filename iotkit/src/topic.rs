//! `iotkit topic` (alias `topics`): validation and matching of MQTT topics
//! and filters, and the conformance-case runner for `topics.json` files.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::{Value, json};
use topic_match::{Profile, ProtocolVersion, SubscribeFilter, TopicError, TopicName};

/// The `topic` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum TopicCommand {
    /// Does TOPIC match FILTER? Prints true or false; exits 1 when it does not match.
    #[command(
        after_help = "Examples:\n  iotkit topic match 'sport/+/player1' sport/tennis/player1\n  \
                            iotkit topic match '$share/workers/jobs/#' jobs/42"
    )]
    Match {
        /// A topic filter, wildcards allowed; `$share/{group}/{filter}` is a
        /// shared subscription (MQTT 5.0).
        filter: String,
        /// A topic name.
        topic: String,
    },
    /// Validate topic names (or filters with --filter); prints each verdict, exits 1 if any is invalid.
    #[command(
        after_help = "Examples:\n  iotkit topic validate --filter 'a/+/c' 'a/#/c'\n  \
                            iotkit topic validate --aws '$aws/things/lamp/shadow/update'"
    )]
    Validate {
        /// Validate as topic filters instead of topic names.
        #[arg(long)]
        filter: bool,
        /// Also apply the AWS IoT Core limits (256 bytes, 7 slashes, reserved `$` topics).
        #[arg(long)]
        aws: bool,
        /// With --filter: the MQTT version, `3.1.1` or `5` (5 parses `$share/...`).
        #[arg(long = "mqtt-version", default_value = "5", value_parser = parse_version)]
        version: ProtocolVersion,
        /// The strings to validate.
        #[arg(required = true)]
        items: Vec<String>,
    },
    /// Run a conformance case file (the format of `conformance/topics.json`).
    ///
    /// Reads `{"cases": [...]}`; each case is a matching case (`filter`,
    /// `topic`, expected `matches`) or a validity case (`kind` = `filter` or
    /// `name`, `filter` or `topic`, expected `valid`), with an optional
    /// `version` (`3.1.1` or `5.0`; absent = both). Prints one JSON line per
    /// case, `{"id": "...", "actual": {"matches": bool}}` or
    /// `{"id": "...", "actual": {"valid": bool}}` (plus `"error"` with the
    /// failed rule when a string is invalid), then `N passed, M failed`,
    /// counting the cases that carry an expected value. A case without a
    /// `version` passes only if it holds under both versions. Exits 0 only
    /// if none failed.
    #[command(after_help = "Example:\n  iotkit topics run-cases conformance/topics.json")]
    RunCases {
        /// The case file.
        file: PathBuf,
    },
}

fn parse_version(s: &str) -> Result<ProtocolVersion, String> {
    match s {
        "3.1.1" | "4" | "311" => Ok(ProtocolVersion::V311),
        "5" | "5.0" => Ok(ProtocolVersion::V5),
        other => Err(format!("unknown MQTT version {other:?} (use 3.1.1 or 5)")),
    }
}

pub(crate) fn run(cmd: TopicCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TopicCommand::Match { filter, topic } => {
            let filter = SubscribeFilter::parse(&filter, ProtocolVersion::V5)
                .context("invalid topic filter")?;
            let topic = TopicName::new(&topic).context("invalid topic name")?;
            let matched = filter.filter().matches(&topic);
            println!("{matched}");
            Ok(if matched {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        TopicCommand::Validate {
            filter,
            aws,
            version,
            items,
        } => {
            let profile = if aws {
                Profile::AwsIotCore
            } else {
                Profile::Mqtt
            };
            let mut all_valid = true;
            for item in &items {
                let verdict = if filter {
                    SubscribeFilter::parse_with_profile(item, version, profile).map(drop)
                } else {
                    TopicName::with_profile(item, profile).map(drop)
                };
                match verdict {
                    Ok(()) => println!("valid   {item}"),
                    Err(err) => {
                        all_valid = false;
                        println!("invalid {item}: {err}");
                    }
                }
            }
            Ok(if all_valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        TopicCommand::RunCases { file } => run_cases(&file),
    }
}

fn run_cases(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let doc: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", file.display()))?;
    let Some(cases) = doc.get("cases").and_then(Value::as_array) else {
        bail!("{}: no \"cases\" array at the top level", file.display());
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for (n, case) in cases.iter().enumerate() {
        let id = case
            .get("id")
            .and_then(Value::as_str)
            .map_or_else(|| format!("#{n}"), str::to_owned);
        let (actual, ok) = match evaluate(case) {
            Ok(result) => result,
            Err(message) => (json!({ "error": message }), Some(false)),
        };
        match ok {
            Some(true) => passed += 1,
            Some(false) => failed += 1,
            None => {}
        }
        println!("{}", json!({ "id": id, "actual": actual }));
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The versions a case is about (`version` field; absent = both, 5.0 first).
fn versions(case: &Value) -> Result<Vec<ProtocolVersion>, String> {
    match case.get("version") {
        None | Some(Value::Null) => Ok(vec![ProtocolVersion::V5, ProtocolVersion::V311]),
        Some(v) => {
            let s = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            parse_version(&s).map(|v| vec![v])
        }
    }
}

fn str_field<'a>(case: &'a Value, name: &str) -> Result<&'a str, String> {
    case.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("case has no string field {name:?}"))
}

fn bool_field(case: &Value, name: &str) -> Result<Option<bool>, String> {
    match case.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("field {name:?} is not a boolean")),
    }
}

/// Evaluates one case: the actual value, and whether it passed (None when
/// no expected value is present).
fn evaluate(case: &Value) -> Result<(Value, Option<bool>), String> {
    let versions = versions(case)?;
    match case.get("kind").and_then(Value::as_str) {
        None if case.get("filter").is_some() && case.get("topic").is_some() => {
            let filter = str_field(case, "filter")?;
            let topic = str_field(case, "topic")?;
            let expected = bool_field(case, "matches")?;
            let mut results = Vec::new();
            for v in &versions {
                let result = SubscribeFilter::parse(filter, *v)
                    .map_err(|e| format!("filter: {e}"))
                    .and_then(|f| {
                        let t = TopicName::new(topic).map_err(|e| format!("topic: {e}"))?;
                        Ok(f.filter().matches(&t))
                    });
                results.push(result);
            }
            let actual = match results.first() {
                Some(Ok(m)) => json!({ "matches": m }),
                Some(Err(e)) => json!({ "matches": false, "error": e }),
                None => json!({ "matches": false }),
            };
            let ok = expected.map(|want| {
                results
                    .iter()
                    .all(|r| r.as_ref().map_or(!want, |m| *m == want))
            });
            Ok((actual, ok))
        }
        Some(kind @ ("filter" | "name")) => {
            let expected = bool_field(case, "valid")?;
            let mut results: Vec<Result<(), TopicError>> = Vec::new();
            if kind == "filter" {
                let text = str_field(case, "filter")?;
                for v in &versions {
                    results.push(SubscribeFilter::parse(text, *v).map(drop));
                }
            } else {
                results.push(TopicName::new(str_field(case, "topic")?).map(drop));
            }
            let actual = match results.first() {
                Some(Err(e)) => json!({ "valid": false, "error": e.to_string() }),
                _ => json!({ "valid": true }),
            };
            let ok = expected.map(|want| results.iter().all(|r| r.is_ok() == want));
            Ok((actual, ok))
        }
        Some(other) => Err(format!("unknown case kind {other:?}")),
        None => {
            Err("case is neither a matching case (filter, topic) nor a validity case (kind)".into())
        }
    }
}
