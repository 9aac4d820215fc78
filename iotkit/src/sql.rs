//! `iotkit sql`: evaluate AWS IoT rules offline and run SQL conformance
//! case files. All SQL logic lives in the `iot-sql` crate.

use std::io::BufRead as _;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use iot_sql::cases::{Mocks, context_from_json};
use iot_sql::{Context, Message, Outcome, OutputKind, Rule, SqlVersion};
use serde_json::Value as Json;

/// The `sql` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum SqlCommand {
    /// Evaluate a rule against one message (or many with --jsonl) and print its output.
    #[command(after_help = EVAL_HELP)]
    Eval(EvalArgs),
    /// Run a conformance case file; prints one JSON line per case, then `N passed, M failed`.
    #[command(after_help = RUN_CASES_HELP)]
    RunCases {
        /// A case file in the shape of conformance/iot-sql.json.
        file: std::path::PathBuf,
    },
    /// Print a statement in canonical form; the printed text parses back to the same statement.
    #[command(after_help = FMT_HELP)]
    Fmt {
        /// The SQL statement (read from standard input when absent).
        sql: Option<String>,
        /// SQL version the statement must compile under: 2015-10-08, 2016-03-23 (default) or beta.
        #[arg(long)]
        sql_version: Option<String>,
    },
}

const FMT_HELP: &str =
    "Canonical form: upper-case keywords, one space around operators, single-quoted
strings, parentheses only where precedence needs them; names, numbers and string contents are
kept exactly. A statement that does not compile is reported with its position (exit status 1).

Example:
  iotkit sql fmt \"select a+b as s from 'dev/#' where (x>1) and not (y or z)\"";

const EVAL_HELP: &str = "Output: the rule's output as compact JSON, `binary <base64>` for binary output,
`no match` (WHERE not true) or `not triggered` (topic does not match FROM).
With --rule, each action string containing ${...} is rendered too.
With --jsonl, each standard-input line is {\"topic\": T, \"payload\": JSON} or
{\"topic\": T, \"payload_base64\": B} (topic defaults to --topic); one result line each.

Examples:
  iotkit sql eval --sql \"SELECT temp FROM 'sensors/#' WHERE temp > 20\" --topic sensors/a --payload '{\"temp\": 25}'
  iotkit sql eval --rule rule.json --topic sensors/a --payload-file msg.json --context ctx.json
  printf '{\"payload\": {\"temp\": 30}}\\n' | iotkit sql eval --sql \"SELECT * FROM '#'\" --topic t --jsonl";

const RUN_CASES_HELP: &str = "Each case has sql, sql_version, topic, payload (payload_encoding \"base64\" for raw bytes),
optional context and templates, and optional expectations (output_kind, expected, alt_expected,
expected_text, tolerance). Each line printed is {\"id\": ..., \"actual\": {\"kind\":
\"object\"|\"value\"|\"binary\"|\"no_match\"|\"not_triggered\"|\"error\", \"output\": JSON, base64 or null,
\"error\": message (errors only), \"templates\": [rendered] (cases with templates)}}.
Numbers compare numerically unless expected_text is given; object key order is irrelevant.
Exit status 0 only if no case with expectations failed.

Example:
  iotkit sql run-cases conformance/iot-sql.json";

/// Arguments of `iotkit sql eval`.
#[derive(Debug, Args)]
pub(crate) struct EvalArgs {
    /// The SQL statement.
    #[arg(long, conflicts_with = "rule", required_unless_present = "rule")]
    sql: Option<String>,
    /// An AWS topic-rule payload (JSON with sql, awsIotSqlVersion, actions).
    #[arg(long)]
    rule: Option<std::path::PathBuf>,
    /// SQL version: 2015-10-08, 2016-03-23 or beta (default: the rule file's, else 2015-10-08).
    #[arg(long)]
    sql_version: Option<String>,
    /// The topic the message was published to.
    #[arg(long, default_value = "")]
    topic: String,
    /// The payload as JSON text.
    #[arg(long, group = "payload_source")]
    payload: Option<String>,
    /// A file holding the payload bytes.
    #[arg(long, group = "payload_source")]
    payload_file: Option<std::path::PathBuf>,
    /// The payload bytes, base64-encoded.
    #[arg(long, group = "payload_source")]
    payload_base64: Option<String>,
    /// A JSON file with the message environment (clientid, timestamp, mocks for external functions, ...).
    #[arg(long)]
    context: Option<std::path::PathBuf>,
    /// Read messages as JSON lines from standard input.
    #[arg(long, conflicts_with = "payload_source")]
    jsonl: bool,
}

pub(crate) fn run(cmd: SqlCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SqlCommand::Eval(args) => eval(args),
        SqlCommand::RunCases { file } => run_cases(&file),
        SqlCommand::Fmt { sql, sql_version } => fmt(sql, sql_version.as_deref()),
    }
}

fn fmt(sql: Option<String>, version: Option<&str>) -> anyhow::Result<ExitCode> {
    let sql = match sql {
        Some(s) => s,
        None => std::io::read_to_string(std::io::stdin()).context("reading standard input")?,
    };
    let version = match version {
        Some(v) => v.parse()?,
        None => SqlVersion::V2016_03_23,
    };
    let sql = sql.trim();
    let rule = Rule::parse(sql, version).map_err(|e| anyhow!("{e}\n{}", e.caret(sql)))?;
    println!("{}", rule.to_sql());
    Ok(ExitCode::SUCCESS)
}

fn read_text(path: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn run_cases(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text = read_text(file)?;
    let results =
        iot_sql::cases::run_file(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let (mut passed, mut failed) = (0, 0);
    for r in &results {
        println!("{}", serde_json::json!({"id": r.id, "actual": r.actual}));
        match r.passed {
            Some(true) => passed += 1,
            Some(false) => failed += 1,
            None => {}
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The actions' template strings: (JSON path, text).
fn templates_of(actions: &Json, path: &str, out: &mut Vec<(String, String)>) {
    match actions {
        Json::String(s) if s.contains("${") => out.push((path.to_string(), s.clone())),
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                templates_of(v, &format!("{path}[{i}]"), out);
            }
        }
        Json::Object(m) => {
            for (k, v) in m {
                templates_of(v, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let (sql, file_version, templates) = match (&args.sql, &args.rule) {
        (Some(sql), _) => (sql.clone(), None, Vec::new()),
        (None, Some(path)) => {
            let doc: Json = serde_json::from_str(&read_text(path)?)
                .with_context(|| format!("{} is not valid JSON", path.display()))?;
            // Accept both the TopicRulePayload and the CLI's {"topicRulePayload": ...} wrapper.
            let payload = doc.get("topicRulePayload").unwrap_or(&doc);
            let sql = payload.get("sql").and_then(Json::as_str).ok_or_else(|| {
                anyhow!("{}: no \"sql\" string in the topic rule", path.display())
            })?;
            let version = payload
                .get("awsIotSqlVersion")
                .and_then(Json::as_str)
                .map(str::to_string);
            let mut templates = Vec::new();
            for key in ["actions", "errorAction"] {
                if let Some(a) = payload.get(key) {
                    templates_of(a, key, &mut templates);
                }
            }
            (sql.to_string(), version, templates)
        }
        (None, None) => bail!("give --sql or --rule"),
    };
    let version: SqlVersion = match args.sql_version.as_deref().or(file_version.as_deref()) {
        Some(v) => v.parse()?,
        None => SqlVersion::default(),
    };
    let rule = Rule::parse(&sql, version).map_err(|e| anyhow!("{e}\n{}", e.caret(&sql)))?;
    let compiled: Vec<(String, iot_sql::Template)> = templates
        .into_iter()
        .map(|(path, text)| {
            rule.template(&text)
                .map(|t| (path.clone(), t))
                .map_err(|e| anyhow!("template {path}: {e}\n{}", e.caret(&text)))
        })
        .collect::<anyhow::Result<_>>()?;
    let (context, mocks) = match &args.context {
        Some(path) => {
            let doc: Json = serde_json::from_str(&read_text(path)?)
                .with_context(|| format!("{} is not valid JSON", path.display()))?;
            let ctx = context_from_json(&doc).map_err(|e| anyhow!("{}: {e}", path.display()))?;
            (ctx, Mocks(doc.get("mocks").cloned().unwrap_or(Json::Null)))
        }
        None => (live_context(), Mocks(Json::Null)),
    };
    let one = |topic: &str, payload: &[u8]| -> anyhow::Result<()> {
        let msg = Message::new(topic, payload)
            .with_context(&context)
            .with_external(&mocks);
        let line = match rule.evaluate(&msg)? {
            Outcome::NotTriggered => "not triggered".to_string(),
            Outcome::NoMatch => "no match".to_string(),
            Outcome::Emit(out) if out.kind() == OutputKind::Binary => {
                format!("binary {}", STANDARD.encode(out.to_bytes()))
            }
            Outcome::Emit(out) => out.to_json_string(),
            _ => "unknown outcome".to_string(),
        };
        println!("{line}");
        for (path, t) in &compiled {
            println!("{path}: {}", rule.render(t, &msg)?);
        }
        Ok(())
    };
    if args.jsonl {
        for (n, line) in std::io::stdin().lock().lines().enumerate() {
            let line = line.context("cannot read standard input")?;
            if line.trim().is_empty() {
                continue;
            }
            let doc: Json = serde_json::from_str(&line)
                .with_context(|| format!("line {}: invalid JSON", n + 1))?;
            let topic = doc
                .get("topic")
                .and_then(Json::as_str)
                .unwrap_or(&args.topic);
            let payload = match (
                doc.get("payload"),
                doc.get("payload_base64").and_then(Json::as_str),
            ) {
                (_, Some(b)) => STANDARD
                    .decode(b)
                    .with_context(|| format!("line {}: invalid base64", n + 1))?,
                (Some(p), None) => p.to_string().into_bytes(),
                (None, None) => bail!("line {}: no \"payload\" or \"payload_base64\"", n + 1),
            };
            one(topic, &payload)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let payload = match (&args.payload, &args.payload_file, &args.payload_base64) {
        (Some(p), _, _) => {
            serde_json::from_str::<Json>(p)
                .context("--payload is not valid JSON (use --payload-base64 for bytes)")?;
            p.clone().into_bytes()
        }
        (_, Some(f), _) => {
            std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?
        }
        (_, _, Some(b)) => STANDARD
            .decode(b)
            .context("--payload-base64 is not valid base64")?,
        _ => bail!("give --payload, --payload-file, --payload-base64 or --jsonl"),
    };
    one(&args.topic, &payload)?;
    Ok(ExitCode::SUCCESS)
}

/// Without --context: the current time for timestamp(), nothing else.
fn live_context() -> Context {
    let mut c = Context::default();
    c.timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok());
    c
}
