//! `iotkit demo`: each crate at work on built-in sample data.

use std::process::ExitCode;

use iot_mqtt_codec::{ProtocolVersion, QoS};
use iot_policy::Effect;
use iot_sql::SqlVersion;
use shadow_doc::ThingName;
use topic_match::{TopicFilter, TopicName};

const FILTERS: &[&str] = &[
    "building/+/floor/+/temperature",
    "building/7/#",
    "$aws/things/+/shadow/update/delta",
    "#",
];
const TOPICS: &[&str] = &[
    "building/7/floor/2/temperature",
    "building/9/floor/1/humidity",
    "$aws/things/pump-1/shadow/update/delta",
];

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    println!("topic-match: which subscriptions receive which publish");
    for topic in TOPICS {
        let topic = TopicName::new(topic)?;
        let mut receivers = Vec::new();
        for filter in FILTERS {
            if TopicFilter::new(filter)?.matches(&topic) {
                receivers.push(*filter);
            }
        }
        println!("  {topic:<42} -> {receivers:?}");
    }
    println!();
    println!("iot-mqtt-codec: protocol levels and QoS values");
    for level in [3u8, 4, 5, 6] {
        match ProtocolVersion::from_level(level) {
            Ok(version) => println!("  protocol level {level}: {version:?}"),
            Err(err) => println!("  protocol level {level}: rejected ({err})"),
        }
    }
    for qos in 0u8..4 {
        match QoS::try_from(qos) {
            Ok(q) => println!("  QoS {qos}: {q:?}"),
            Err(err) => println!("  QoS {qos}: rejected ({err})"),
        }
    }
    println!();
    println!("iot-sql: default SQL version {}", SqlVersion::default());
    println!("shadow-doc: thing name check:");
    for name in ["pump-1", "bad name"] {
        match ThingName::new(name) {
            Ok(_) => println!("  {name:?}: valid"),
            Err(err) => println!("  {name:?}: {err}"),
        }
    }
    println!("iot-policy: effects parse case-sensitively:");
    for effect in ["Allow", "deny"] {
        match effect.parse::<Effect>() {
            Ok(e) => println!("  {effect:?}: {e:?}"),
            Err(err) => println!("  {effect:?}: {err}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
