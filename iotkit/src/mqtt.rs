//! `iotkit mqtt`: decode and encode MQTT packets, and run the MQTT
//! conformance case file. All protocol logic is in `iot-mqtt-codec`.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use bytes::BytesMut;
use clap::Subcommand;
use iot_mqtt_codec::{Decoder, Packet, ProtocolVersion};
use serde_json::{Value, json};

/// The `mqtt` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum MqttCommand {
    /// Decode one packet given in hex (or `-` to read hex from standard input) and print it as JSON.
    #[command(after_help = "Example:\n  iotkit mqtt decode --version 4 33090003612f62000a6869")]
    Decode {
        /// Protocol level the decoder is set to: 4 (3.1.1) or 5 (5.0). CONNECT uses its own level.
        #[arg(long, default_value_t = 5)]
        version: u8,
        /// The packet bytes in hex, fixed header included; `-` reads standard input.
        hex: String,
    },
    /// Encode a packet from the JSON that `decode` prints (or `-` for standard input); prints hex.
    #[command(
        after_help = "Example:\n  iotkit mqtt encode --version 4 '{\"type\":\"PubAck\",\"packet_id\":10,\"reason_code\":0,\"properties\":[]}'"
    )]
    Encode {
        /// Protocol level to encode for: 4 (3.1.1) or 5 (5.0). CONNECT uses its own protocol_version.
        #[arg(long, default_value_t = 5)]
        version: u8,
        /// The packet as JSON; `-` reads standard input.
        json: String,
    },
    /// Run a case file in the format of conformance/mqtt-vectors.json.
    ///
    /// Prints one line per case, `{"id": ..., "actual": {"result": "ok"|"malformed"|"incomplete",
    /// "reencoded": HEX (ok only), "error": MESSAGE (malformed only)}}`, then `N passed, M failed`
    /// over the cases that have an `expect` field. A case passes when its result is `expect` or
    /// `alt_expect` and, for ok, the re-encoding equals the input. Exit status 0 only if none failed.
    #[command(after_help = "Example:\n  iotkit mqtt run-cases conformance/mqtt-vectors.json")]
    RunCases {
        /// The case file.
        file: PathBuf,
    },
}

pub(crate) fn run(cmd: MqttCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        MqttCommand::Decode { version, hex } => {
            let version = parse_version(version)?;
            let bytes = parse_hex(&read_arg(&hex)?)?;
            let packet = decode_exact(&bytes, version)?;
            println!("{}", serde_json::to_string_pretty(&packet)?);
            Ok(ExitCode::SUCCESS)
        }
        MqttCommand::Encode { version, json } => {
            let version = parse_version(version)?;
            let packet: Packet =
                serde_json::from_str(&read_arg(&json)?).context("invalid packet JSON")?;
            let mut buf = BytesMut::new();
            packet.encode(version, &mut buf)?;
            println!("{}", to_hex(&buf));
            Ok(ExitCode::SUCCESS)
        }
        MqttCommand::RunCases { file } => run_cases(&file),
    }
}

fn parse_version(level: u8) -> anyhow::Result<ProtocolVersion> {
    match level {
        4 => Ok(ProtocolVersion::V311),
        5 => Ok(ProtocolVersion::V5),
        _ => bail!("--version must be 4 or 5, not {level}"),
    }
}

fn read_arg(arg: &str) -> anyhow::Result<String> {
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        Ok(s)
    } else {
        Ok(arg.to_owned())
    }
}

fn parse_hex(text: &str) -> anyhow::Result<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        bail!("odd number of hex digits");
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).unwrap_or("");
            u8::from_str_radix(s, 16).with_context(|| format!("invalid hex digits {s:?}"))
        })
        .collect()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes exactly one packet that uses every byte.
fn decode_exact(bytes: &[u8], version: ProtocolVersion) -> anyhow::Result<Packet> {
    let mut buf = BytesMut::from(bytes);
    match Decoder::new(version).decode(&mut buf) {
        Ok(Some(_)) if !buf.is_empty() => bail!("{} byte(s) after the first packet", buf.len()),
        Ok(Some(packet)) => Ok(packet),
        Ok(None) => bail!("incomplete packet: more bytes are needed"),
        Err(e) => bail!(
            "malformed packet: {e} (reason code {:#04x})",
            e.reason_code().0
        ),
    }
}

/// The `actual` object for one case.
fn evaluate(bytes: &[u8], version: ProtocolVersion) -> Value {
    let mut buf = BytesMut::from(bytes);
    match Decoder::new(version).decode(&mut buf) {
        Ok(Some(_)) if !buf.is_empty() => json!({
            "result": "malformed",
            "error": format!("{} byte(s) after the first packet", buf.len()),
        }),
        Ok(Some(packet)) => {
            let mut out = BytesMut::new();
            match packet.encode(version, &mut out) {
                Ok(_) => json!({"result": "ok", "reencoded": to_hex(&out)}),
                Err(e) => json!({"result": "malformed", "error": e.to_string()}),
            }
        }
        Ok(None) => json!({"result": "incomplete"}),
        Err(e) => json!({"result": "malformed", "error": e.to_string()}),
    }
}

fn run_cases(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let doc: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", file.display()))?;
    let Some(cases) = doc.get("cases").and_then(Value::as_array) else {
        bail!("{}: no \"cases\" array", file.display());
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for (i, case) in cases.iter().enumerate() {
        let id = case.get("id").and_then(Value::as_str).unwrap_or("");
        let field = |name: &str| case.get(name).and_then(Value::as_str);
        let Some(hex) = field("hex") else {
            bail!("case {i} ({id}): missing \"hex\" string");
        };
        let level = case.get("version").and_then(Value::as_u64).unwrap_or(4);
        let version = u8::try_from(level)
            .ok()
            .and_then(|l| parse_version(l).ok())
            .with_context(|| format!("case {i} ({id}): version must be 4 or 5"))?;
        let bytes = parse_hex(hex).with_context(|| format!("case {i} ({id}): bad hex"))?;
        let actual = evaluate(&bytes, version);
        println!("{}", json!({"id": id, "actual": actual}));
        if let Some(expect) = field("expect") {
            let result = actual.get("result").and_then(Value::as_str).unwrap_or("");
            let accepted = result == expect || Some(result) == field("alt_expect");
            let same_bytes = result != "ok"
                || actual.get("reencoded").and_then(Value::as_str) == Some(&hex.to_lowercase());
            if accepted && same_bytes {
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
