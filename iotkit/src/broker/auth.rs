//! Authorization with `iot-policy`, as AWS IoT Core does it on the data plane.
//!
//! Policies come from the config file and are attached (`[[attach]]`) to
//! client ids (exact match) or to client certificates, by subject common name
//! (`cert_cn`) or by fingerprint (`cert_fingerprint`: the lowercase hex
//! SHA-256 of the certificate's DER, AWS's certificate id; `openssl x509
//! -noout -fingerprint -sha256` prints it in upper case with colons, which are
//! accepted too). A connection with a client certificate (TLS listener with a
//! CA) is identified by it, as in AWS IoT: only entries naming a certificate
//! apply, and an entry that also gives a `client_id` applies only to that
//! client id. A connection without a certificate gets the entries that give
//! only a `client_id`. The policies of every matching entry apply together.
//!
//! When no policy is configured at all, every action is allowed. Otherwise
//! the policies are bound once at CONNECT ([`iot_policy::PolicySet::bind`]
//! with the client id, source ip, will topic, connect attributes and the
//! certificate parsed by [`iot_policy::CertificateContext::from_der`], so
//! `${iot:Certificate.Subject.CommonName}`, `${iot:CertificateId}` and the
//! other certificate variables resolve; an entry's `thing` attaches a thing
//! to the certificate, which sets `iot:Connection.Thing.ThingName` and
//! `IsAttached` when the client id is the thing's name, AWS's non-exclusive
//! association) and decide:
//!
//! | action | resource | when |
//! |---|---|---|
//! | `iot:Connect` | `client/{clientId}` | CONNECT |
//! | `iot:Publish` | `topic/{topic}` | every PUBLISH and the will |
//! | `iot:RetainPublish` | `topic/{topic}` | a PUBLISH with RETAIN set (in addition) |
//! | `iot:Subscribe` | `topicfilter/{filter}` | each filter of a SUBSCRIBE |
//! | `iot:Receive` | `topic/{topic}` | each delivery |
//!
//! Resources are `arn:aws:iot:{region}:{account}:...` with the region and
//! account of the config file. A client id with no attached policy is denied
//! everything, CONNECT included.
//!
//! The bound policies of a connection never change (variables and the time
//! are bound at CONNECT), so its `iot:Publish` and `iot:Receive` decisions
//! are kept per topic in a small map ([`DECISIONS_PER_ACTION`] topics per
//! action, emptied when full): a device publishing to its own topic, or a
//! subscriber receiving a fleet's topics, is checked once per topic rather
//! than once per message (no ARN formatted, no policy evaluated).

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;

use anyhow::{Context as _, bail};
use iot_policy::{
    BoundPolicySet, CertificateContext, ConnectionContext, DnAttribute, PolicyDocument, PolicySet,
    ThingContext,
};

/// The configured policies, compiled per client id.
#[derive(Debug, Default)]
pub(crate) struct Auth {
    /// `None`: no policy configured, everything is allowed.
    policies: Option<Policies>,
}

#[derive(Debug)]
struct Policies {
    /// `arn:aws:iot:{region}:{account}:`.
    arn: String,
    /// The compiled policies attached to each client id.
    by_client: HashMap<String, PolicySet>,
    /// The empty set, for client ids with nothing attached (implicit deny).
    none: PolicySet,
    /// Attachments to certificates, in config order.
    by_cert: Vec<CertEntry>,
}

/// An `[[attach]]` entry that names a certificate.
#[derive(Debug, Clone, Default)]
pub(crate) struct CertAttach {
    /// Subject common name the certificate must have.
    pub(crate) cn: Option<String>,
    /// SHA-256 of the certificate's DER (hex; colons and case ignored).
    pub(crate) fingerprint: Option<String>,
    /// Client id the connection must use, if given.
    pub(crate) client_id: Option<String>,
    /// Thing attached to the certificate (`iot:Connection.Thing.*`).
    pub(crate) thing: Option<String>,
    /// Names of the attached policies.
    pub(crate) policies: Vec<String>,
}

#[derive(Debug)]
struct CertEntry {
    attach: CertAttach,
    docs: Vec<PolicyDocument>,
    /// `docs` compiled (shared, cheap to clone), for the usual single match.
    set: PolicySet,
}

impl CertEntry {
    fn matches(&self, cert: &CertificateContext, client_id: &str) -> bool {
        let a = &self.attach;
        a.cn.as_deref().is_none_or(|cn| {
            cert.subject_values(DnAttribute::CommonName)
                .any(|v| v == cn)
        }) && a
            .fingerprint
            .as_deref()
            .is_none_or(|f| cert.certificate_id.as_deref() == Some(f))
            && a.client_id.as_deref().is_none_or(|c| c == client_id)
    }
}

/// A fingerprint as written in the config, normalised to AWS's certificate
/// id form (lowercase hex, no colons).
fn normalise_fingerprint(f: &str) -> anyhow::Result<String> {
    let hex: String = f
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!("cert_fingerprint {f:?} is not a SHA-256 in hex (64 digits, colons allowed)");
    }
    Ok(hex)
}

impl Auth {
    /// Parses `policies` (name → JSON text) and compiles the ones attached
    /// to each client id.
    pub(crate) fn new(
        policies: &HashMap<String, String>,
        attach: &[(String, Vec<String>)],
        region: String,
        account: String,
    ) -> anyhow::Result<Self> {
        if policies.is_empty() {
            if !attach.is_empty() {
                bail!("[[attach]] entries given but no [[policies]]");
            }
            return Ok(Self { policies: None });
        }
        let mut docs = HashMap::new();
        for (name, text) in policies {
            let doc = PolicyDocument::parse(text)
                .with_context(|| format!("policy {name:?} is invalid"))?;
            docs.insert(name.as_str(), doc);
        }
        let mut by_client = HashMap::new();
        for (client_id, names) in attach {
            let mut attached = Vec::with_capacity(names.len());
            for name in names {
                let Some(doc) = docs.get(name.as_str()) else {
                    bail!("client id {client_id:?} is attached to unknown policy {name:?}");
                };
                attached.push(doc.clone());
            }
            if by_client
                .insert(client_id.clone(), PolicySet::compile(&attached))
                .is_some()
            {
                bail!("client id {client_id:?} has two [[attach]] entries");
            }
        }
        Ok(Self {
            policies: Some(Policies {
                arn: format!("arn:aws:iot:{region}:{account}:"),
                by_client,
                none: PolicySet::compile(&[]),
                by_cert: Vec::new(),
            }),
        })
    }

    /// Adds the `[[attach]]` entries that name a certificate.
    pub(crate) fn attach_certs(
        &mut self,
        policies: &HashMap<String, String>,
        certs: Vec<CertAttach>,
    ) -> anyhow::Result<()> {
        let Some(p) = &mut self.policies else {
            if certs.is_empty() {
                return Ok(());
            }
            bail!("[[attach]] entries given but no [[policies]]");
        };
        for mut attach in certs {
            if attach.cn.is_none() && attach.fingerprint.is_none() {
                if attach.client_id.is_some() {
                    bail!("[[attach]] `thing` needs cert_cn or cert_fingerprint");
                }
                bail!("an [[attach]] entry needs client_id, cert_cn or cert_fingerprint");
            }
            attach.fingerprint = attach
                .fingerprint
                .as_deref()
                .map(normalise_fingerprint)
                .transpose()?;
            let mut docs = Vec::with_capacity(attach.policies.len());
            for name in &attach.policies {
                let Some(text) = policies.get(name) else {
                    bail!("a certificate is attached to unknown policy {name:?}");
                };
                docs.push(
                    PolicyDocument::parse(text)
                        .with_context(|| format!("policy {name:?} is invalid"))?,
                );
            }
            let set = PolicySet::compile(&docs);
            p.by_cert.push(CertEntry { attach, docs, set });
        }
        Ok(())
    }

    /// Binds the policies of `client_id` for one connection; `cert` is the
    /// client certificate (DER) when the client presented one.
    pub(crate) fn bind(
        &self,
        client_id: &str,
        source_ip: IpAddr,
        will_topic: Option<&str>,
        persistent: bool,
        cert: Option<&[u8]>,
    ) -> ConnAuth {
        let Some(p) = &self.policies else {
            return ConnAuth::default();
        };
        let mut connect_attributes = Vec::new();
        if persistent {
            connect_attributes.push("PersistentConnect".to_owned());
        }
        if will_topic.is_some() {
            connect_attributes.push("LastWill".to_owned());
        }
        let mut ctx = ConnectionContext {
            client_id: client_id.to_owned(),
            source_ip: Some(source_ip),
            connect_attributes,
            last_will_topic: will_topic.map(|t| format!("{}topic/{t}", p.arn)),
            current_time_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|d| i64::try_from(d.as_millis()).ok()),
            ..ConnectionContext::default()
        };
        let compiled;
        let set = match cert {
            None => p.by_client.get(client_id).unwrap_or(&p.none),
            Some(der) => {
                // The certificate is the principal: only its attachments apply.
                let (set, cert) = p.cert_policies(der, client_id);
                if let Some((thing, cert)) = cert {
                    // Non-exclusive thing association: the thing variables
                    // exist only when the client id is the thing's name.
                    let thing = thing.filter(|t| t == client_id);
                    ctx.is_attached = thing.is_some();
                    ctx.thing = thing.map(|name| ThingContext {
                        name,
                        ..ThingContext::default()
                    });
                    ctx.certificate = Some(cert);
                }
                compiled = set;
                &compiled
            }
        };
        ConnAuth {
            bound: Some(Bound {
                set: set.bind(&ctx),
                arn: p.arn.clone(),
                client_id: client_id.to_owned(),
                decisions: RefCell::default(),
            }),
        }
    }
}

impl Policies {
    /// The policies attached to certificate `der` (for `client_id`), with
    /// the attached thing and the parsed certificate; the empty set if the
    /// certificate does not parse.
    fn cert_policies(
        &self,
        der: &[u8],
        client_id: &str,
    ) -> (PolicySet, Option<(Option<String>, CertificateContext)>) {
        let cert = match CertificateContext::from_der(der) {
            Ok(cert) => cert,
            Err(err) => {
                tracing::info!(%err, "client certificate not understood; no policy applies");
                return (PolicySet::compile(&[]), None);
            }
        };
        let matching: Vec<&CertEntry> = self
            .by_cert
            .iter()
            .filter(|e| e.matches(&cert, client_id))
            .collect();
        let thing = matching.iter().find_map(|e| e.attach.thing.clone());
        let set = match matching.as_slice() {
            [] => self.none.clone(),
            [one] => one.set.clone(),
            several => {
                let docs: Vec<PolicyDocument> = several
                    .iter()
                    .flat_map(|e| e.docs.iter().cloned())
                    .collect();
                PolicySet::compile(&docs)
            }
        };
        (set, Some((thing, cert)))
    }
}

/// The policies of one connection (allow-all when none are configured).
#[derive(Debug, Default)]
pub(crate) struct ConnAuth {
    bound: Option<Bound>,
}

#[derive(Debug)]
struct Bound {
    set: BoundPolicySet,
    arn: String,
    client_id: String,
    /// Decisions already made on topics (the connection's task is the only user).
    decisions: RefCell<Decisions>,
}

/// Topics decided per connection and action before the map is emptied.
pub(crate) const DECISIONS_PER_ACTION: usize = 256;

/// Cached `iot:Publish` and `iot:Receive` decisions by topic.
#[derive(Debug, Default)]
struct Decisions {
    publish: HashMap<String, bool>,
    receive: HashMap<String, bool>,
}

/// Which map of [`Decisions`] an action uses.
#[derive(Debug, Clone, Copy)]
enum Cached {
    Publish,
    Receive,
}

impl Decisions {
    fn map(&mut self, action: Cached) -> &mut HashMap<String, bool> {
        match action {
            Cached::Publish => &mut self.publish,
            Cached::Receive => &mut self.receive,
        }
    }
}

impl ConnAuth {
    fn allowed(&self, action: &str, kind: &str, name: &str) -> bool {
        let Some(b) = &self.bound else {
            return true;
        };
        let allowed = b
            .set
            .authorize(action, &format!("{}{kind}/{name}", b.arn))
            .is_allowed();
        if !allowed {
            tracing::debug!(client_id = %b.client_id, action, resource = name, "denied by policy");
        }
        allowed
    }

    /// `iot:Connect` on `client/{clientId}`.
    pub(crate) fn can_connect(&self) -> bool {
        match &self.bound {
            Some(b) => self.allowed("iot:Connect", "client", &b.client_id),
            None => true,
        }
    }

    /// `action` on `topic/{topic}`, from the connection's cache when decided before.
    fn allowed_cached(&self, action: Cached, topic: &str) -> bool {
        let Some(b) = &self.bound else {
            return true;
        };
        if let Ok(mut d) = b.decisions.try_borrow_mut()
            && let Some(&allowed) = d.map(action).get(topic)
        {
            return allowed;
        }
        let name = match action {
            Cached::Publish => "iot:Publish",
            Cached::Receive => "iot:Receive",
        };
        let allowed = self.allowed(name, "topic", topic);
        if let Ok(mut d) = b.decisions.try_borrow_mut() {
            let map = d.map(action);
            if map.len() >= DECISIONS_PER_ACTION {
                map.clear();
            }
            map.insert(topic.to_owned(), allowed);
        }
        allowed
    }

    /// `iot:Publish`, and `iot:RetainPublish` when `retain`, on `topic/{topic}`.
    pub(crate) fn can_publish(&self, topic: &str, retain: bool) -> bool {
        self.allowed_cached(Cached::Publish, topic)
            && (!retain || self.allowed("iot:RetainPublish", "topic", topic))
    }

    /// `iot:Subscribe` on `topicfilter/{filter}`.
    pub(crate) fn can_subscribe(&self, filter: &str) -> bool {
        self.allowed("iot:Subscribe", "topicfilter", filter)
    }

    /// `iot:Receive` on `topic/{topic}`.
    pub(crate) fn can_receive(&self, topic: &str) -> bool {
        self.allowed_cached(Cached::Receive, topic)
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

    use super::*;

    const ARN: &str = "arn:aws:iot:us-east-1:123456789012";

    /// DER of a self-signed certificate with common name `cn`.
    fn cert(cn: &str) -> Vec<u8> {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name = DistinguishedName::new();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.self_signed(&key).unwrap().der().to_vec()
    }

    fn sha256_hex(der: &[u8]) -> String {
        CertificateContext::from_der(der)
            .unwrap()
            .certificate_id
            .unwrap()
    }

    fn auth(certs: Vec<CertAttach>) -> Auth {
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iot:Connect",
             "Resource": format!("{ARN}:client/${{iot:Connection.Thing.ThingName}}"),
             "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}},
            {"Effect": "Allow", "Action": "iot:Publish",
             "Resource": format!("{ARN}:topic/cn/${{iot:Certificate.Subject.CommonName}}")},
            {"Effect": "Allow", "Action": "iot:Publish",
             "Resource": format!("{ARN}:topic/id/${{iot:CertificateId}}")}
        ]});
        let policies = HashMap::from([("p".to_owned(), doc.to_string())]);
        let attach = [("plain".to_owned(), vec!["p".to_owned()])];
        let mut auth = Auth::new(
            &policies,
            &attach,
            "us-east-1".into(),
            "123456789012".into(),
        )
        .unwrap();
        auth.attach_certs(&policies, certs).unwrap();
        auth
    }

    fn by_cn(cn: &str) -> CertAttach {
        CertAttach {
            cn: Some(cn.to_owned()),
            policies: vec!["p".to_owned()],
            ..CertAttach::default()
        }
    }

    fn bind<'a>(a: &Auth, client_id: &str, der: impl Into<Option<&'a [u8]>>) -> ConnAuth {
        a.bind(
            client_id,
            Ipv4Addr::LOCALHOST.into(),
            None,
            false,
            der.into(),
        )
    }

    #[test]
    fn certificate_variables_resolve_for_a_certificate_attached_by_common_name() {
        let der = cert("dev-1");
        let a = auth(vec![by_cn("dev-1")]);
        let c = bind(&a, "x", der.as_slice());
        assert!(c.can_publish("cn/dev-1", false));
        assert!(!c.can_publish("cn/dev-2", false));
        assert!(c.can_publish(&format!("id/{}", sha256_hex(&der)), false));
        // No thing attached: the Connect statement does not apply.
        assert!(!c.can_connect());
        // Another common name has nothing attached.
        assert!(!bind(&a, "x", cert("dev-2").as_slice()).can_publish("cn/dev-2", false));
    }

    #[test]
    fn fingerprints_match_in_aws_and_openssl_forms() {
        let der = cert("dev-1");
        let hex = sha256_hex(&der);
        let openssl_form = hex
            .to_uppercase()
            .as_bytes()
            .chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(":");
        for f in [hex.clone(), openssl_form] {
            let a = auth(vec![CertAttach {
                fingerprint: Some(f),
                policies: vec!["p".to_owned()],
                ..CertAttach::default()
            }]);
            assert!(bind(&a, "x", der.as_slice()).can_publish("cn/dev-1", false));
            assert!(!bind(&a, "x", cert("dev-1").as_slice()).can_publish("cn/dev-1", false));
        }
        let policies = HashMap::from([("p".to_owned(), "{}".to_owned())]);
        let mut a = auth(vec![]);
        let bad = CertAttach {
            fingerprint: Some("abc".to_owned()),
            ..by_cn("x")
        };
        assert!(a.attach_certs(&policies, vec![bad]).is_err());
    }

    #[test]
    fn a_certificate_is_the_principal_and_client_id_attachments_do_not_apply() {
        let der = cert("dev-1");
        let a = auth(vec![]);
        // "plain" has the policy by client id, but not with a certificate.
        assert!(!bind(&a, "plain", der.as_slice()).can_publish("cn/dev-1", false));
        // An entry with a client id applies only to that client id.
        let a = auth(vec![CertAttach {
            client_id: Some("only-me".to_owned()),
            ..by_cn("dev-1")
        }]);
        assert!(bind(&a, "only-me", der.as_slice()).can_publish("cn/dev-1", false));
        assert!(!bind(&a, "other", der.as_slice()).can_publish("cn/dev-1", false));
    }

    #[test]
    fn an_attached_thing_is_bound_when_the_client_id_is_its_name() {
        let der = cert("dev-1");
        let a = auth(vec![CertAttach {
            thing: Some("thing-1".to_owned()),
            ..by_cn("dev-1")
        }]);
        assert!(bind(&a, "thing-1", der.as_slice()).can_connect());
        assert!(!bind(&a, "thing-2", der.as_slice()).can_connect());
    }

    #[test]
    fn the_policies_of_every_matching_entry_apply_together() {
        let der = cert("dev-1");
        let allow = |topic: &str| {
            serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iot:Publish",
                 "Resource": format!("{ARN}:topic/{topic}")}]})
            .to_string()
        };
        let policies = HashMap::from([("a".to_owned(), allow("a")), ("b".to_owned(), allow("b"))]);
        let mut auth =
            Auth::new(&policies, &[], "us-east-1".into(), "123456789012".into()).unwrap();
        let entry = |policy: &str| CertAttach {
            policies: vec![policy.to_owned()],
            ..by_cn("dev-1")
        };
        auth.attach_certs(
            &policies,
            vec![
                entry("a"),
                CertAttach {
                    fingerprint: Some(sha256_hex(&der)),
                    cn: None,
                    ..entry("b")
                },
            ],
        )
        .unwrap();
        let c = bind(&auth, "x", der.as_slice());
        assert!(c.can_publish("a", false) && c.can_publish("b", false));
        assert!(!c.can_publish("c", false));
        // Another dev-1 certificate matches only the common-name entry.
        let c = bind(&auth, "x", cert("dev-1").as_slice());
        assert!(c.can_publish("a", false) && !c.can_publish("b", false));
    }

    #[test]
    fn an_unparsable_certificate_gets_no_policy() {
        let a = auth(vec![by_cn("dev-1")]);
        assert!(!bind(&a, "x", &b"not a certificate"[..]).can_publish("cn/dev-1", false));
    }

    #[test]
    fn cached_decisions_equal_fresh_ones_past_the_cache_bound() {
        let doc = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
             "Resource": "arn:aws:iot:us-east-1:123456789012:topic/${iot:ClientId}/*"}]}"#;
        let policies = HashMap::from([("p".to_owned(), doc.to_owned())]);
        let attach = [("dev".to_owned(), vec!["p".to_owned()])];
        let auth = Auth::new(
            &policies,
            &attach,
            "us-east-1".into(),
            "123456789012".into(),
        )
        .unwrap();
        let conn = auth.bind("dev", IpAddr::from([127, 0, 0, 1]), None, false, None);
        // Twice over more topics than the cache keeps: same answers.
        for _ in 0..2 {
            for i in 0..(DECISIONS_PER_ACTION + 44) {
                assert!(conn.can_publish(&format!("dev/{i}"), false));
                assert!(conn.can_receive(&format!("dev/{i}")));
                assert!(!conn.can_publish(&format!("other/{i}"), false));
                assert!(!conn.can_receive(&format!("other/{i}")));
            }
        }
        // RetainPublish is not granted, cached Publish or not.
        assert!(!conn.can_publish("dev/0", true));
    }
}
