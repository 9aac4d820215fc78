//! `iotkit topic`: validation and matching of MQTT topics and filters.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use topic_match::{TopicFilter, TopicName};

/// The `topic` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum TopicCommand {
    /// Does TOPIC match FILTER? Prints true or false; exits 1 when it does not match.
    #[command(after_help = "Example:\n  iotkit topic match 'sport/+/player1' sport/tennis/player1")]
    Match {
        /// A topic filter, wildcards allowed.
        filter: String,
        /// A topic name.
        topic: String,
    },
    /// Validate topic names (or filters with --filter); prints each verdict, exits 1 if any is invalid.
    #[command(after_help = "Example:\n  iotkit topic validate --filter 'a/+/c' 'a/#/c'")]
    Validate {
        /// Validate as topic filters instead of topic names.
        #[arg(long)]
        filter: bool,
        /// The strings to validate.
        #[arg(required = true)]
        items: Vec<String>,
    },
}

pub(crate) fn run(cmd: TopicCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TopicCommand::Match { filter, topic } => {
            let filter = TopicFilter::new(&filter).context("invalid topic filter")?;
            let topic = TopicName::new(&topic).context("invalid topic name")?;
            let matched = filter.matches(&topic);
            println!("{matched}");
            Ok(if matched {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        TopicCommand::Validate { filter, items } => {
            let mut all_valid = true;
            for item in &items {
                let verdict = if filter {
                    TopicFilter::new(item).map(drop)
                } else {
                    TopicName::new(item).map(drop)
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
    }
}
