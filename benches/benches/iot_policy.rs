//! AWS IoT policy benchmarks: decision latency for a typical device policy
//! (4 and 40 statements, and 1,000 devices sharing one policy), binding a
//! connection context from a certificate, and parsing. Behind `compare`,
//! `cedar-policy` evaluates the equivalent policy set (one policy per device
//! there, since Cedar has no variable substitution into patterns).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use iot_policy::{
    BoundPolicySet, CertificateContext, ConnectionContext, PolicyDocument, PolicySet,
};
use std::hint::black_box;

const DEVICE_POLICY: &str = include_str!("../data/iot-policy-device.json");
const ARN: &str = "arn:aws:iot:us-east-1:123456789012";

/// The device policy plus filler statements up to `n` statements (each
/// filler grants publish on another sub-namespace of the device).
fn policy_with(n: usize) -> PolicyDocument {
    let mut doc: serde_json::Value = serde_json::from_str(DEVICE_POLICY).unwrap();
    let statements = doc["Statement"].as_array_mut().unwrap();
    for i in statements.len()..n {
        statements.push(serde_json::json!({
            "Sid": format!("Extra{i}"),
            "Effect": "Allow",
            "Action": ["iot:Publish", "iot:Receive"],
            "Resource": format!("{ARN}:topic/extra/{i}/${{iot:ClientId}}/*"),
        }));
    }
    let options = iot_policy::ParseOptions {
        size_limit: None,
        ..Default::default()
    };
    PolicyDocument::parse_with(&doc.to_string(), &options).unwrap()
}

fn bound(n: usize, client: &str) -> BoundPolicySet {
    PolicySet::compile(&[policy_with(n)]).bind(&ConnectionContext {
        client_id: client.into(),
        ..Default::default()
    })
}

fn decisions(c: &mut Criterion) {
    let resource = format!("{ARN}:topic/dt/dev1/telemetry");
    for n in [4usize, 40] {
        let conn = bound(n, "dev1");
        assert!(conn.authorize("iot:Publish", &resource).is_allowed());
        c.bench_function(&format!("iot_policy/decision_{n}_statements/ours"), |b| {
            b.iter(|| conn.authorize(black_box("iot:Publish"), black_box(&resource)));
        });
    }
    // 1,000 devices share one compiled policy; decide for device 999.
    let set = PolicySet::compile(&[policy_with(4)]);
    let conns: Vec<BoundPolicySet> = (0..1000)
        .map(|i| {
            set.bind(&ConnectionContext {
                client_id: format!("dev{i}"),
                ..Default::default()
            })
        })
        .collect();
    let last = &conns[999];
    let resource999 = format!("{ARN}:topic/dt/dev999/telemetry");
    assert!(last.authorize("iot:Publish", &resource999).is_allowed());
    c.bench_function("iot_policy/decision_1000_devices/ours", |b| {
        b.iter(|| last.authorize(black_box("iot:Publish"), black_box(&resource999)));
    });
    let denied = format!("{ARN}:topic/dt/dev1/admin/reboot");
    let conn = bound(4, "dev1");
    assert!(!conn.authorize("iot:Publish", &denied).is_allowed());
    c.bench_function("iot_policy/decision_explicit_deny/ours", |b| {
        b.iter(|| conn.authorize(black_box("iot:Publish"), black_box(&denied)));
    });
}

fn binding(c: &mut Criterion) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["dev1.example.com".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "dev1");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Example Corp");
    let der = params.self_signed(&key).unwrap().der().to_vec();
    let set = PolicySet::compile(&[policy_with(4)]);
    c.bench_function("iot_policy/bind_from_certificate/ours", |b| {
        b.iter(|| {
            let cert = CertificateContext::from_der(black_box(&der)).unwrap();
            set.bind(&ConnectionContext {
                client_id: "dev1".into(),
                certificate: Some(cert),
                ..Default::default()
            })
        });
    });
    c.bench_function("iot_policy/parse_compile_4_statements/ours", |b| {
        b.iter(|| PolicySet::compile(&[PolicyDocument::parse(black_box(DEVICE_POLICY)).unwrap()]));
    });
}

#[cfg(feature = "compare")]
mod cedar {
    use super::*;
    use cedar_policy::{
        Authorizer, Context, Decision, Entities, EntityUid, PolicySet as CedarSet, Request,
        RestrictedExpression,
    };
    use std::str::FromStr;

    /// The Cedar equivalent of `policy_with(n)` for one device.
    fn device_policies(device: &str, n: usize) -> String {
        let p = format!(r#"principal == Device::"{device}""#);
        let mut out = format!(
            r#"permit({p}, action == Action::"Connect", resource) when {{ context.client == "{device}" }};
permit({p}, action in [Action::"Publish", Action::"Receive"], resource) when {{ context.topic like "dt/{device}/*" }};
permit({p}, action == Action::"Subscribe", resource) when {{ context.filter like "dt/{device}/*" }};
forbid({p}, action == Action::"Publish", resource) when {{ context.topic like "dt/{device}/admin/*" }};
"#
        );
        for i in 4..n {
            out.push_str(&format!(
                "permit({p}, action in [Action::\"Publish\", Action::\"Receive\"], resource) when {{ context.topic like \"extra/{i}/{device}/*\" }};\n"
            ));
        }
        out
    }

    fn request(device: &str, topic: &str) -> Request {
        let context = Context::from_pairs([(
            "topic".to_string(),
            RestrictedExpression::new_string(topic.to_string()),
        )])
        .unwrap();
        Request::new(
            EntityUid::from_str(&format!(r#"Device::"{device}""#)).unwrap(),
            EntityUid::from_str(r#"Action::"Publish""#).unwrap(),
            EntityUid::from_str(&format!(r#"Topic::"{topic}""#)).unwrap(),
            context,
            None,
        )
        .unwrap()
    }

    pub(crate) fn decisions(c: &mut Criterion) {
        let auth = Authorizer::new();
        let entities = Entities::empty();
        for n in [4usize, 40] {
            let set = CedarSet::from_str(&device_policies("dev1", n)).unwrap();
            let req = request("dev1", "dt/dev1/telemetry");
            assert_eq!(
                auth.is_authorized(&req, &set, &entities).decision(),
                Decision::Allow
            );
            c.bench_function(
                &format!("iot_policy/decision_{n}_statements/cedar_policy"),
                |b| {
                    b.iter(|| auth.is_authorized(black_box(&req), &set, &entities));
                },
            );
        }
        let all: String = (0..1000)
            .map(|i| device_policies(&format!("dev{i}"), 4))
            .collect();
        let set = CedarSet::from_str(&all).unwrap();
        let req = request("dev999", "dt/dev999/telemetry");
        assert_eq!(
            auth.is_authorized(&req, &set, &entities).decision(),
            Decision::Allow
        );
        c.bench_function("iot_policy/decision_1000_devices/cedar_policy", |b| {
            b.iter(|| auth.is_authorized(black_box(&req), &set, &entities));
        });
        let set = CedarSet::from_str(&device_policies("dev1", 4)).unwrap();
        let req = request("dev1", "dt/dev1/admin/reboot");
        assert_eq!(
            auth.is_authorized(&req, &set, &entities).decision(),
            Decision::Deny
        );
        c.bench_function("iot_policy/decision_explicit_deny/cedar_policy", |b| {
            b.iter(|| auth.is_authorized(black_box(&req), &set, &entities));
        });
    }
}

#[cfg(feature = "compare")]
criterion_group!(benches, decisions, binding, cedar::decisions);
#[cfg(not(feature = "compare"))]
criterion_group!(benches, decisions, binding);
criterion_main!(benches);
