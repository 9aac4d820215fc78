//! Condition operators and IAM's combination rules (spec §5), beyond the
//! cases in the conformance file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iot_policy::{ConnectionContext, PolicyDocument, PolicySet};
use serde_json::json;

fn allows(condition: serde_json::Value, ctx: serde_json::Value) -> bool {
    let doc = json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "iot:Connect", "Resource": "*", "Condition": condition}});
    let doc = PolicyDocument::parse(&doc.to_string()).unwrap();
    let ctx = ConnectionContext::from_json(&ctx).unwrap();
    PolicySet::compile(&[doc])
        .bind(&ctx)
        .authorize("iot:Connect", "arn:aws:iot:us-east-1:1:client/c")
        .is_allowed()
}

#[test]
fn string_operators() {
    let ctx = json!({"client_id": "Sensor-1"});
    assert!(allows(
        json!({"StringEquals": {"iot:ClientId": "Sensor-1"}}),
        ctx.clone()
    ));
    assert!(!allows(
        json!({"StringEquals": {"iot:ClientId": "sensor-1"}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"StringEqualsIgnoreCase": {"iot:ClientId": "sensor-1"}}),
        ctx.clone()
    ));
    assert!(!allows(
        json!({"StringNotEqualsIgnoreCase": {"iot:ClientId": "SENSOR-1"}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"StringLike": {"iot:ClientId": "Sensor-?"}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"StringNotLike": {"iot:ClientId": ["a*", "b*"]}}),
        ctx.clone()
    ));
    assert!(!allows(
        json!({"StringNotLike": {"iot:ClientId": ["a*", "S*"]}}),
        ctx.clone()
    ));
    // `*` is literal in StringEquals.
    assert!(!allows(
        json!({"StringEquals": {"iot:ClientId": "Sensor-*"}}),
        ctx.clone()
    ));
    // Variables in condition values.
    assert!(allows(
        json!({"StringEquals": {"iot:Connection.Thing.ThingName": "${iot:ClientId}"}}),
        json!({"client_id": "t1", "thing_name": "t1"})
    ));
    // Unresolved variable: the value is dropped; a positive operator fails…
    assert!(!allows(
        json!({"StringEquals": {"iot:ClientId": "${iot:Connection.Thing.ThingName}"}}),
        json!({"client_id": "t1"})
    ));
    // …and a negated one holds.
    assert!(allows(
        json!({"StringNotEquals": {"iot:ClientId": "${iot:Connection.Thing.ThingName}"}}),
        json!({"client_id": "t1"})
    ));
}

#[test]
fn numeric_date_binary_ip_and_arn_operators() {
    let ctx = json!({"thing_name": "t", "thing_attributes": {"floor": "3", "blob": "aGk="},
        "source_ip": "2001:db8::7", "current_time": "2025-01-01T12:00:00Z",
        "last_will_topic": "arn:aws:iot:us-east-1:1:topic/will/t"});
    let floor = "iot:Connection.Thing.Attributes[floor]";
    assert!(allows(
        json!({"NumericEquals": {floor: "3.0"}}),
        ctx.clone()
    ));
    assert!(allows(json!({"NumericLessThan": {floor: 4}}), ctx.clone()));
    assert!(!allows(
        json!({"NumericGreaterThan": {floor: 3}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"NumericGreaterThanEquals": {floor: 3}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"NumericNotEquals": {floor: [1, 2]}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"DateLessThan": {"aws:CurrentTime": "2025-06-01"}}),
        ctx.clone()
    ));
    assert!(!allows(
        json!({"DateGreaterThan": {"aws:CurrentTime": "2025-06-01T00:00:00Z"}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"DateEquals": {"aws:EpochTime": 1_735_732_800}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"BinaryEquals": {"iot:Connection.Thing.Attributes[blob]": "aGk="}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}),
        ctx.clone()
    ));
    assert!(!allows(
        json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"ArnEquals": {"iot:LastWillTopic": "arn:aws:iot:us-east-1:1:topic/will/t"}}),
        ctx.clone()
    ));
    assert!(allows(
        json!({"ArnLike": {"iot:LastWillTopic": "arn:aws:iot:*:*:topic/will/*"}}),
        ctx.clone()
    ));
    assert!(!allows(
        json!({"ArnNotLike": {"iot:LastWillTopic": "arn:aws:iot:*:1:topic/*"}}),
        ctx.clone()
    ));
}

#[test]
fn absent_keys_null_and_if_exists() {
    let ctx = json!({"client_id": "c"});
    let ty = "iot:Connection.Thing.ThingTypeName";
    assert!(!allows(json!({"StringEquals": {ty: "x"}}), ctx.clone()));
    assert!(allows(json!({"StringNotEquals": {ty: "x"}}), ctx.clone()));
    assert!(allows(
        json!({"StringEqualsIfExists": {ty: "x"}}),
        ctx.clone()
    ));
    assert!(allows(json!({"Null": {ty: "true"}}), ctx.clone()));
    assert!(!allows(json!({"Null": {ty: "false"}}), ctx.clone()));
    assert!(allows(
        json!({"Null": {"iot:ClientId": "false"}}),
        ctx.clone()
    ));
    // Unknown keys are absent.
    assert!(allows(
        json!({"Null": {"iot:NoSuchKey": "true"}}),
        ctx.clone()
    ));
    // ForAllValues on an absent set is true (IAM); ForAnyValue is false.
    assert!(allows(
        json!({"ForAllValues:StringEquals": {"iot:ConnectAttributes": "LastWill"}}),
        ctx.clone()
    ));
    assert!(!allows(
        json!({"ForAnyValue:StringEquals": {"iot:ConnectAttributes": "LastWill"}}),
        ctx.clone()
    ));
}

#[test]
fn operators_and_keys_are_anded() {
    let ctx =
        json!({"client_id": "c", "source_ip": "10.0.0.1", "thing_name": "t", "is_attached": true});
    assert!(allows(
        json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
               "Bool": {"iot:Connection.Thing.IsAttached": "true"},
               "StringEquals": {"iot:ClientId": "c", "iot:Connection.Thing.ThingName": ["x", "t"]}}),
        ctx.clone()
    ));
    assert!(!allows(
        json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
               "StringEquals": {"iot:ClientId": "c", "iot:Connection.Thing.ThingName": "x"}}),
        ctx
    ));
}
