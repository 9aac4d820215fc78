#![no_main]
//! Arbitrary requests and connection contexts against a fixed set of
//! policies (plus any fuzzer-written policy that parses). Asserts: no panic,
//! `authorize` agrees with `explain`, and an added Allow-all only turns
//! implicit denies into allows.

use arbitrary::Arbitrary;
use iot_policy::{
    AltNameKind, CertificateContext, ConnectionContext, DnAttribute, Outcome, PolicyDocument,
    PolicySet, ThingContext,
};
use libfuzzer_sys::fuzz_target;

const POLICIES: [&str; 3] = [
    r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}",
       "Condition":{"Bool":{"iot:Connection.Thing.IsAttached":"true"}}},
      {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":"arn:aws:iot:*:*:topic/${iot:ClientId}/*"},
      {"Effect":"Allow","Action":"iot:Subscribe","Resource":"arn:aws:iot:*:*:topicfilter/${iot:Certificate.Subject.CommonName.1}/?/*"},
      {"Effect":"Deny","Action":"iot:Publish","Resource":"arn:aws:iot:*:*:topic/*/admin"}]}"#,
    r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","NotAction":"iot:Connect","NotResource":"arn:aws:iot:*:*:topic/${iot:Connection.Thing.Attributes[zone]}/*",
       "Condition":{"ForAllValues:StringLike":{"iot:Certificate.Subject.AlternativeName.DNSName.List":"*.example"},
                    "IpAddressIfExists":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}},
      {"Effect":"Deny","Action":"iot:*","Resource":"*","Condition":{"StringNotEqualsIgnoreCase":{"iot:Connection.Thing.ThingTypeName":"Sensor"}}}]}"#,
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*",
      "Condition":{"ForAnyValue:StringEquals":{"iot:ConnectAttributes":["LastWill","PersistentConnect"]},
                   "ArnLike":{"iot:LastWillTopic":"arn:aws:iot:*:*:topic/${iot:ClientId}/will"},
                   "NumericLessThan":{"iot:Connection.Thing.Attributes[level]":5}}}}"#,
];

#[derive(Debug, Arbitrary)]
struct Input {
    extra_policy: Option<String>,
    client_id: String,
    thing: Option<(String, Option<String>, Vec<(String, String)>)>,
    is_attached: bool,
    source_ip: Option<[u8; 4]>,
    common_names: Vec<String>,
    dns_names: Vec<String>,
    connect_attributes: Vec<String>,
    last_will_topic: Option<String>,
    requests: Vec<(u8, String)>,
}

const ACTIONS: [&str; 6] = [
    "iot:Connect",
    "iot:Publish",
    "iot:Subscribe",
    "iot:Receive",
    "IOT:publish",
    "iot:Mystery",
];

fuzz_target!(|input: Input| {
    let mut docs: Vec<PolicyDocument> = POLICIES
        .iter()
        .map(|p| PolicyDocument::parse(p).expect("built-in policy"))
        .collect();
    if let Some(extra) = &input.extra_policy
        && let Ok(doc) = PolicyDocument::parse(extra)
    {
        docs.push(doc);
    }
    let ctx = ConnectionContext {
        client_id: input.client_id,
        source_ip: input.source_ip.map(|b| std::net::IpAddr::from(b)),
        thing: input.thing.map(|(name, type_name, attrs)| ThingContext {
            name,
            type_name,
            attributes: attrs.into_iter().collect(),
        }),
        is_attached: input.is_attached,
        certificate: Some(CertificateContext {
            subject: input
                .common_names
                .into_iter()
                .map(|v| (DnAttribute::CommonName, v))
                .collect(),
            subject_alt_names: input
                .dns_names
                .into_iter()
                .map(|v| (AltNameKind::DnsName, v))
                .collect(),
            ..Default::default()
        }),
        connect_attributes: input.connect_attributes,
        last_will_topic: input.last_will_topic,
        ..Default::default()
    };
    let bound = PolicySet::compile(&docs).bind(&ctx);
    docs.push(
        PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        )
        .expect("allow-all"),
    );
    let with_allow_all = PolicySet::compile(&docs).bind(&ctx);
    for (a, tail) in input.requests.iter().take(16) {
        let action = ACTIONS[usize::from(*a) % ACTIONS.len()];
        let resource = format!("arn:aws:iot:us-east-1:123456789012:{tail}");
        let d = bound.authorize(action, &resource);
        let e = bound.explain(action, &resource);
        assert_eq!(d.outcome, e.outcome);
        assert_eq!(d.statement.is_some(), !e.statements.is_empty());
        let widened = with_allow_all.authorize(action, &resource).outcome;
        match d.outcome {
            Outcome::ExplicitDeny => assert_eq!(widened, Outcome::ExplicitDeny),
            _ => assert_eq!(widened, Outcome::Allow),
        }
    }
});
