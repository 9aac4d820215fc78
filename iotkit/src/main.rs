//! `iotkit`: the command-line tool of the iotkit workspace.
//!
//! Each subcommand lives in its own module; all protocol logic stays in the
//! library crates.

mod demo;
mod policy;
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
  iotkit policy run-cases conformance/policy.json";

#[derive(Debug, Subcommand)]
enum Command {
    /// Show each crate at work on built-in sample data.
    Demo,
    /// Validate topics and filters, and match topics against filters.
    #[command(subcommand)]
    Topic(topic::TopicCommand),
    /// Check requests against AWS IoT policies, lint policies, run policy case files.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => demo::run(),
        Command::Topic(cmd) => topic::run(cmd),
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
