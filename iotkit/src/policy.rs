//! `iotkit policy`: check requests against AWS IoT policies, lint policies,
//! and run policy conformance case files. All logic is in `iot-policy`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use iot_policy::{
    CertificateContext, ConnectionContext, EvalOptions, PolicyDocument, PolicySet, Severity,
    ThingContext,
};
use serde_json::{Value, json};

/// The `policy` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Decide one request against policies; prints allow/deny and the deciding
    /// statements (`<policy index>/<Sid or statement index>`). Exit status 0 if
    /// allowed, 1 if denied.
    #[command(
        after_help = "Example:\n  iotkit policy check --policy device.json --action iot:Publish \\\n    --resource arn:aws:iot:us-east-1:123456789012:topic/dt/sensor-1/temp --client-id sensor-1"
    )]
    Check(CheckArgs),
    /// Lint policy documents: Device Defender's overly-permissive check and
    /// common mistakes. Prints one finding per line; exit status 1 if any
    /// finding is critical.
    #[command(after_help = "Example:\n  iotkit policy lint device.json fleet.json")]
    Lint {
        /// Policy documents (a document, or AWS CLI get-policy output).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run a policy conformance case file (the format of conformance/policy.json).
    #[command(after_help = RUN_CASES_HELP)]
    RunCases {
        /// The case file.
        file: PathBuf,
        #[command(flatten)]
        options: OptionArgs,
    },
}

const RUN_CASES_HELP: &str = "Interface (stable):
  Reads {\"cases\": [{\"id\", \"policies\": [...], \"context\": {...},
  \"request\": {\"action\", \"resource\"}, \"expect\": \"allow\"|\"deny\" (optional)}]}.
  Prints one line per case:
    {\"id\": \"...\", \"actual\": {\"decision\": \"allow\"|\"deny\", \"statements\": [\"<policy index>/<Sid or statement index>\"]}}
  (plus \"error\" when the case's input is invalid), then `N passed, M failed`
  over the cases that have an expectation. Exit status 0 only if none failed.

Example:
  iotkit policy run-cases conformance/policy.json";

/// Switches for the behaviours AWS IoT does not confirm (all IAM by default).
#[derive(Debug, Args)]
pub(crate) struct OptionArgs {
    /// `?` in resources does not match `/`.
    #[arg(long)]
    question_mark_within_level: bool,
    /// `ForAllValues` over an absent or empty key is false.
    #[arg(long)]
    for_all_values_empty_false: bool,
    /// Condition-key and variable names are case-sensitive.
    #[arg(long)]
    case_sensitive_keys: bool,
    /// Only documented condition keys (not `iot:ClientId` etc.).
    #[arg(long)]
    documented_keys_only: bool,
}

impl OptionArgs {
    fn options(&self) -> EvalOptions {
        EvalOptions {
            question_mark_crosses_slash: !self.question_mark_within_level,
            for_all_values_empty_is_true: !self.for_all_values_empty_false,
            case_insensitive_keys: !self.case_sensitive_keys,
            variables_as_condition_keys: !self.documented_keys_only,
        }
    }
}

/// Arguments of `policy check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Policy documents attached to the principal (repeatable).
    #[arg(long = "policy", required = true)]
    policies: Vec<PathBuf>,
    /// The action, e.g. iot:Publish (case-insensitive).
    #[arg(long)]
    action: String,
    /// The request's resource ARN.
    #[arg(long)]
    resource: String,
    /// The MQTT client id (iot:ClientId).
    #[arg(long)]
    client_id: Option<String>,
    /// The attached thing's name (also sets IsAttached).
    #[arg(long)]
    thing: Option<String>,
    /// The client certificate (PEM or DER).
    #[arg(long)]
    cert: Option<PathBuf>,
    /// A JSON connection context (the `context` shape of conformance/policy.json).
    #[arg(long)]
    context: Option<PathBuf>,
    #[command(flatten)]
    options: OptionArgs,
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    serde_json::from_str(&read(path)?)
        .with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Parses a policy file: a document, or AWS CLI output with `policyDocument`.
fn load_policy(path: &Path) -> anyhow::Result<PolicyDocument> {
    let text = read(path)?;
    let cli: Option<String> = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("policyDocument")?.as_str().map(str::to_string));
    PolicyDocument::parse(cli.as_deref().unwrap_or(&text))
        .with_context(|| format!("invalid policy {}", path.display()))
}

pub(crate) fn run(cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Check(args) => check(args),
        PolicyCommand::Lint { files } => lint(&files),
        PolicyCommand::RunCases { file, options } => run_cases(&file, options.options()),
    }
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let docs = args
        .policies
        .iter()
        .map(|p| load_policy(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut ctx = match &args.context {
        Some(p) => ConnectionContext::from_json(&read_json(p)?)
            .with_context(|| format!("invalid context {}", p.display()))?,
        None => ConnectionContext::default(),
    };
    if let Some(id) = args.client_id {
        ctx.client_id = id;
    }
    if let Some(name) = args.thing {
        ctx.thing = Some(ThingContext {
            name,
            ..Default::default()
        });
        ctx.is_attached = true;
    }
    if let Some(path) = &args.cert {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let cert = match std::str::from_utf8(&bytes) {
            Ok(text) if text.contains("-----BEGIN") => CertificateContext::from_pem(text),
            _ => CertificateContext::from_der(&bytes),
        }
        .with_context(|| format!("invalid certificate {}", path.display()))?;
        ctx.certificate = Some(cert);
    }
    if iot_policy::Action::from_name(&args.action).is_none() {
        eprintln!(
            "iotkit: warning: {} is not a known AWS IoT action",
            args.action
        );
    }
    let set = PolicySet::compile_with(&docs, args.options.options());
    let conn = set.bind(&ctx);
    let e = conn.explain(&args.action, &args.resource);
    println!("{}", e.outcome);
    for id in &e.statements {
        println!("  {}", conn.label(*id).unwrap_or("?"));
    }
    Ok(if e.outcome.is_allowed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn lint(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut critical = false;
    for f in files {
        let doc = load_policy(f)?;
        for finding in doc.lint() {
            critical |= finding.severity == Severity::Critical;
            println!("{}: {finding}", f.display());
        }
    }
    Ok(if critical {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Decides one case; `Err` for invalid case input.
fn decide_case(case: &Value, options: EvalOptions) -> anyhow::Result<Value> {
    let policies = case
        .get("policies")
        .and_then(Value::as_array)
        .context("case has no \"policies\" array")?;
    let docs = policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let text = match p {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            PolicyDocument::parse(&text).with_context(|| format!("policy {i}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ctx = match case.get("context") {
        Some(c) => ConnectionContext::from_json(c).context("invalid context")?,
        None => ConnectionContext::default(),
    };
    let req = case.get("request").context("case has no \"request\"")?;
    let field = |k: &str| {
        req.get(k)
            .and_then(Value::as_str)
            .with_context(|| format!("request has no \"{k}\" string"))
    };
    let conn = PolicySet::compile_with(&docs, options).bind(&ctx);
    let e = conn.explain(field("action")?, field("resource")?);
    let labels: Vec<&str> = e
        .statements
        .iter()
        .filter_map(|id| conn.label(*id))
        .collect();
    Ok(json!({
        "decision": if e.outcome.is_allowed() { "allow" } else { "deny" },
        "statements": labels,
    }))
}

/// The expected decision and statements of a case, if present. Accepts
/// `"expect": "allow"` or `"expect": {"decision": ..., "statements": [...]}`.
fn expectation(case: &Value) -> Option<(String, Option<Value>)> {
    match case.get("expect")? {
        Value::String(s) => Some((
            s.to_ascii_lowercase(),
            case.get("expect_statements").cloned(),
        )),
        Value::Object(o) => Some((
            o.get("decision")?.as_str()?.to_ascii_lowercase(),
            o.get("statements").cloned(),
        )),
        _ => None,
    }
}

fn run_cases(file: &Path, options: EvalOptions) -> anyhow::Result<ExitCode> {
    let doc = read_json(file)?;
    let Some(cases) = doc.get("cases").and_then(Value::as_array) else {
        bail!("{} has no \"cases\" array", file.display());
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for (i, case) in cases.iter().enumerate() {
        let id = case
            .get("id")
            .and_then(Value::as_str)
            .map_or_else(|| format!("#{i}"), str::to_string);
        let actual = decide_case(case, options).unwrap_or_else(
            |e| json!({"decision": "deny", "statements": [], "error": format!("{e:#}")}),
        );
        println!("{}", json!({"id": id, "actual": actual}));
        if let Some((decision, statements)) = expectation(case) {
            let ok = actual.get("error").is_none()
                && actual.get("decision").and_then(Value::as_str) == Some(decision.as_str())
                && statements.is_none_or(|s| Some(&s) == actual.get("statements"));
            if ok {
                passed += 1;
            } else {
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
