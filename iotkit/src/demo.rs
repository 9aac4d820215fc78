//! `iotkit demo`: one device message followed through the five crates, on
//! built-in sample data (no network, no files).
//!
//! The story: thermostat `sensor-7` publishes a reading; the codec frames
//! it, its policy decides whether it may publish there, the subscription
//! index finds who receives it, a topic rule turns it into an alert, and
//! the alert sets a desired value in the device's shadow, whose delta is
//! what the device would be told.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use bytes::{Bytes, BytesMut};
use iot_mqtt_codec::{
    Decoder, Packet, PacketId, Properties, Property, ProtocolVersion, Publish, QoS, Utf8Str,
};
use iot_policy::{ConnectionContext, PolicyDocument, PolicySet};
use iot_sql::{Message, Outcome, Rule, SqlVersion};
use shadow_doc::{MemoryStore, ShadowStore, ShadowTopic, Suffix};
use topic_match::{Match, SubscriptionIndex, TopicFilter, TopicName};

/// Who subscribed to what on the demo broker.
const SUBSCRIPTIONS: &[(&str, &str)] = &[
    ("building/+/floor/+/temperature", "dashboard"),
    ("building/7/#", "facility-7"),
    ("$aws/things/+/shadow/update/delta", "fleet-monitor"),
    ("#", "archiver"),
];

/// Topics published in the demo; the first is the device's reading.
const TOPICS: &[&str] = &[
    "building/7/floor/2/temperature",
    "building/9/floor/1/humidity",
    "$aws/things/pump-1/shadow/update/delta",
];

const READING: &[u8] = br#"{"device": "sensor-7", "celsius": 31.5, "humidity": 40}"#;

const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "iot:Publish",
     "Resource": "arn:aws:iot:us-east-1:123456789012:topic/building/7/floor/*/temperature",
     "Condition": {"StringEquals": {"iot:ClientId": "sensor-7"}}},
    {"Effect": "Deny", "Action": "iot:Publish",
     "Resource": "arn:aws:iot:us-east-1:123456789012:topic/$aws/*"}
  ]
}"#;

const RULE: &str = "SELECT topic(2) AS building, celsius, round(celsius * 1.8 + 32) AS fahrenheit \
                    FROM 'building/+/floor/+/temperature' WHERE celsius > 30";

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let publish = codec()?;
    let topic = publish.topic.as_str();
    policy(topic)?;
    routing()?;
    let alert = rule(topic, &publish.payload)?;
    shadow(&alert)?;
    Ok(ExitCode::SUCCESS)
}

/// iot-mqtt-codec: the device's PUBLISH on the wire and back.
fn codec() -> anyhow::Result<Publish> {
    println!("1. iot-mqtt-codec: sensor-7 publishes a reading (MQTT 5, QoS 1)");
    let topic = TOPICS.first().copied().unwrap_or_default();
    let mut publish = Publish::new(Utf8Str::new(topic)?, Bytes::from_static(READING));
    publish.qos = QoS::AtLeastOnce;
    publish.packet_id = PacketId::new(1);
    publish.properties = Properties::from_list([
        Property::ContentType(Utf8Str::new("application/json")?),
        Property::UserProperty(Utf8Str::new("unit")?, Utf8Str::new("celsius")?),
    ])?;
    let packet = Packet::Publish(publish);
    let mut wire = BytesMut::with_capacity(packet.encoded_len(ProtocolVersion::V5));
    packet.encode(ProtocolVersion::V5, &mut wire)?;
    println!(
        "   encoded: {} bytes, fixed header {:02x?}",
        wire.len(),
        wire.get(..3).unwrap_or_default()
    );
    let decoder = Decoder::new(ProtocolVersion::V5);
    let Some(Packet::Publish(back)) = decoder.decode(&mut wire)? else {
        bail!("the PUBLISH did not decode back to a PUBLISH");
    };
    println!(
        "   decoded: topic {:?}, {} payload bytes, {} properties",
        back.topic.as_str(),
        back.payload.len(),
        back.properties.iter().count()
    );
    let mut garbage = BytesMut::from(&b"\x30\x03\x00\x05a"[..]);
    match decoder.decode(&mut garbage) {
        Err(err) => println!(
            "   a PUBLISH whose topic runs past its packet: {err} (reason code {:#04x})",
            err.reason_code().0
        ),
        Ok(other) => bail!("a truncated topic was accepted: {other:?}"),
    }
    println!();
    Ok(back)
}

/// iot-policy: may sensor-7 publish there?
fn policy(topic: &str) -> anyhow::Result<()> {
    println!("2. iot-policy: is sensor-7 allowed to publish?");
    let policies = PolicySet::compile(&[PolicyDocument::parse(POLICY)?]);
    let conn = policies.bind(&ConnectionContext {
        client_id: "sensor-7".into(),
        ..Default::default()
    });
    let arn = "arn:aws:iot:us-east-1:123456789012:topic/";
    for t in [
        topic,
        "building/7/floor/2/humidity",
        "$aws/things/sensor-7/jobs",
    ] {
        let decision = conn.authorize("iot:Publish", &format!("{arn}{t}"));
        println!("   {t:<42} -> {:?}", decision.outcome);
    }
    println!();
    Ok(())
}

/// topic-match: who receives which publish.
fn routing() -> anyhow::Result<()> {
    println!("3. topic-match: which subscriptions receive which publish");
    let mut index = SubscriptionIndex::new();
    for (filter, who) in SUBSCRIPTIONS {
        index.insert(&TopicFilter::new(filter)?, *who)?;
    }
    for topic in TOPICS {
        let name = TopicName::new(topic)?;
        let mut receivers = Vec::new();
        index.for_each_match(&name, |m| {
            if let Match::Subscriber(who) = m {
                receivers.push(*who);
            }
        });
        receivers.sort_unstable();
        let filters: Vec<&str> = SUBSCRIPTIONS
            .iter()
            .filter(|(_, who)| receivers.contains(who))
            .map(|(filter, _)| *filter)
            .collect();
        println!("   {topic:<42} -> {filters:?}");
    }
    println!("   (`#` does not reach topics that start with `$`: MQTT-4.7.2-1)");
    println!();
    Ok(())
}

/// iot-sql: the alert rule over the reading; returns the alert's JSON.
fn rule(topic: &str, payload: &[u8]) -> anyhow::Result<String> {
    println!("4. iot-sql: {RULE}");
    let rule = Rule::parse(RULE, SqlVersion::V2016_03_23)?;
    let republish = rule.template("alerts/${topic(2)}/${device}")?;
    let msg = Message::for_rule(&rule, topic, payload);
    let Outcome::Emit(out) = rule.evaluate(&msg)? else {
        bail!("the rule did not fire on a 31.5 °C reading");
    };
    let alert = out.to_json_string();
    println!(
        "   fires; republish to {:?}: {alert}",
        rule.render(&republish, &msg)?
    );
    let cool = Message::new(topic, br#"{"device": "sensor-7", "celsius": 21}"#);
    println!(
        "   on a 21 °C reading the WHERE clause is false: {}",
        matches!(rule.evaluate(&cool)?, Outcome::NoMatch)
    );
    println!();
    Ok(alert)
}

/// shadow-doc: the alert asks the fan to turn on; the delta tells the device.
fn shadow(alert: &str) -> anyhow::Result<()> {
    println!("5. shadow-doc: the alert sets the fan in sensor-7's shadow");
    let store = MemoryStore::default();
    let topic = ShadowTopic::parse("$aws/things/sensor-7/shadow/update")?;
    let now = 1_700_000_000;
    store.update(
        topic.key(),
        br#"{"state": {"reported": {"fan": "off", "setpoint": 24}}}"#,
        now,
    )?;
    let request = format!(r#"{{"state": {{"desired": {{"fan": "on", "alert": {alert}}}}}}}"#);
    let out = store.update(topic.key(), request.as_bytes(), now + 1)?;
    println!(
        "   accepted, version {}; delta published on {}:",
        out.accepted.version,
        topic.with_suffix(Some(Suffix::Delta))?
    );
    let delta = out.delta.context("desired differs from reported")?;
    for entry in delta.state.entries() {
        println!("   {} = {}", entry.pointer(), entry.value);
    }
    let err = store
        .update(
            topic.key(),
            br#"{"state": {"desired": {"fan": "on"}}, "version": 1}"#,
            now + 2,
        )
        .err()
        .context("a stale version was accepted")?;
    println!(
        "   an update with a stale version: {} {}",
        err.code(),
        err.message()
    );
    Ok(())
}
