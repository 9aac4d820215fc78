//! `iotkit`: the command-line tool of the iotkit workspace.
//!
//! Each subcommand lives in its own module; all protocol logic stays in the
//! library crates.

mod broker;
mod demo;
mod mqtt;
mod policy;
mod shadow;
mod sql;
mod topic;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Test AWS IoT rules, shadows and policies offline, and work with MQTT topics and packets.
#[derive(Debug, Parser)]
#[command(name = "iotkit", version, about, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "Examples:
  iotkit demo
  iotkit topic match 'building/+/temp' building/7/temp
  iotkit topic validate --filter 'a/#' 'a/b+'
  iotkit sql eval --sql \"SELECT temp FROM 'sensors/#'\" --topic sensors/a --payload '{\"temp\": 25}'
  iotkit shadow run-cases conformance/shadow.json
  iotkit topics run-cases conformance/topics.json
  iotkit policy run-cases conformance/policy.json";

#[derive(Debug, Subcommand)]
enum Command {
    /// Show each crate at work on built-in sample data.
    Demo,
    /// Validate topics and filters, match topics against filters, run topic conformance cases.
    #[command(subcommand, visible_alias = "topics")]
    Topic(topic::TopicCommand),
    /// Evaluate AWS IoT rules (SQL) offline and run SQL conformance case files.
    #[command(subcommand)]
    Sql(sql::SqlCommand),
    /// Simulate the Device Shadow service locally, and run shadow case files.
    #[command(subcommand)]
    Shadow(shadow::ShadowCommand),
    /// Decode and encode MQTT 3.1.1 / 5.0 packets; run MQTT conformance case files.
    #[command(subcommand)]
    Mqtt(mqtt::MqttCommand),
    /// Run a local MQTT 3.1.1 / 5.0 broker (default 127.0.0.1:1883).
    Broker(broker::BrokerArgs),
    /// Check requests against AWS IoT policies, lint policies, run policy case files.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => demo::run(),
        Command::Topic(cmd) => topic::run(cmd),
        Command::Sql(cmd) => sql::run(cmd),
        Command::Shadow(cmd) => shadow::run(cmd),
        Command::Mqtt(cmd) => mqtt::run(cmd),
        Command::Broker(args) => broker::run(args),
        Command::Policy(cmd) => policy::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("iotkit: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
