//! Authorization with `iot-policy`, as AWS IoT Core does it on the data plane.
//!
//! Policies come from the config file and are attached to client ids (exact
//! match; plain-TCP mode has no certificates). When no policy is configured
//! at all, every action is allowed. Otherwise the policies attached to the
//! client id are bound once at CONNECT ([`iot_policy::PolicySet::bind`] with
//! the client id, source ip, will topic and connect attributes) and decide:
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
use iot_policy::{BoundPolicySet, ConnectionContext, PolicyDocument, PolicySet};

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
            }),
        })
    }

    /// Binds the policies of `client_id` for one connection.
    pub(crate) fn bind(
        &self,
        client_id: &str,
        source_ip: IpAddr,
        will_topic: Option<&str>,
        persistent: bool,
    ) -> ConnAuth {
        let Some(p) = &self.policies else {
            return ConnAuth::default();
        };
        let set = p.by_client.get(client_id).unwrap_or(&p.none);
        let mut connect_attributes = Vec::new();
        if persistent {
            connect_attributes.push("PersistentConnect".to_owned());
        }
        if will_topic.is_some() {
            connect_attributes.push("LastWill".to_owned());
        }
        let ctx = ConnectionContext {
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
    use super::*;

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
        let conn = auth.bind("dev", IpAddr::from([127, 0, 0, 1]), None, false);
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
