//! The subscription table: which connection wants which topics.
//!
//! Kept deliberately simple (a map per connection, matched with
//! [`topic_match::matches`] by a linear scan) and behind a small API so it can
//! be replaced by topic-match's subscription index without touching sessions.

use std::collections::HashMap;

use iot_mqtt_codec::{QoS, SubscriptionOptions};

/// One subscription of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    /// The options the client asked for (QoS, No Local, Retain As Published, ...).
    pub(crate) options: SubscriptionOptions,
    /// The MQTT 5 Subscription Identifier given with SUBSCRIBE, if any.
    pub(crate) id: Option<u32>,
}

/// Where a matched message goes and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// The receiving connection.
    pub(crate) conn: u64,
    /// The highest QoS granted over the matching subscriptions (capped later by the publish QoS).
    pub(crate) qos: QoS,
    /// True when any matching subscription asked for Retain As Published.
    pub(crate) retain_as_published: bool,
    /// Subscription identifiers of the matching subscriptions (MQTT 5, 3.3.4).
    pub(crate) subscription_ids: Vec<u32>,
}

/// Subscriptions of every live connection, by connection id.
#[derive(Debug, Default)]
pub(crate) struct Router {
    conns: HashMap<u64, HashMap<String, Subscription>>,
}

impl Router {
    /// Adds or replaces `filter` for `conn`; returns true when it already existed.
    pub(crate) fn subscribe(&mut self, conn: u64, filter: &str, sub: Subscription) -> bool {
        self.conns
            .entry(conn)
            .or_default()
            .insert(filter.to_owned(), sub)
            .is_some()
    }

    /// Removes `filter` for `conn`; returns true when it existed.
    pub(crate) fn unsubscribe(&mut self, conn: u64, filter: &str) -> bool {
        let Some(subs) = self.conns.get_mut(&conn) else {
            return false;
        };
        let existed = subs.remove(filter).is_some();
        if subs.is_empty() {
            self.conns.remove(&conn);
        }
        existed
    }

    /// Forgets every subscription of `conn`.
    pub(crate) fn remove_connection(&mut self, conn: u64) {
        self.conns.remove(&conn);
    }

    /// The connections with a subscription matching `topic`, one route per
    /// connection (overlapping subscriptions are merged: highest QoS, all
    /// identifiers, MQTT 5 3.3.4). `from` is the publishing connection, skipped
    /// by subscriptions with No Local.
    pub(crate) fn route(&self, topic: &str, from: u64) -> Vec<Route> {
        let mut routes = Vec::new();
        for (&conn, subs) in &self.conns {
            let mut route: Option<Route> = None;
            for (filter, sub) in subs {
                if sub.options.no_local && conn == from {
                    continue;
                }
                if !topic_match::matches(filter, topic) {
                    continue;
                }
                let r = route.get_or_insert_with(|| Route {
                    conn,
                    qos: QoS::AtMostOnce,
                    retain_as_published: false,
                    subscription_ids: Vec::new(),
                });
                r.qos = r.qos.max(sub.options.qos);
                r.retain_as_published |= sub.options.retain_as_published;
                if let Some(id) = sub.id {
                    r.subscription_ids.push(id);
                }
            }
            routes.extend(route);
        }
        routes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(qos: QoS) -> Subscription {
        Subscription {
            options: SubscriptionOptions::new(qos),
            id: None,
        }
    }

    #[test]
    fn overlapping_subscriptions_merge_to_the_highest_qos() {
        let mut r = Router::default();
        r.subscribe(1, "a/#", sub(QoS::AtMostOnce));
        r.subscribe(1, "a/+", sub(QoS::ExactlyOnce));
        r.subscribe(2, "b/#", sub(QoS::AtLeastOnce));
        let routes = r.route("a/x", 9);
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].conn, 1);
        assert_eq!(routes[0].qos, QoS::ExactlyOnce);
    }

    #[test]
    fn mqtt_4_7_2_1_dollar_topics_not_matched_by_leading_wildcards() {
        let mut r = Router::default();
        r.subscribe(1, "#", sub(QoS::AtMostOnce));
        r.subscribe(2, "$SYS/#", sub(QoS::AtMostOnce));
        let routes = r.route("$SYS/x", 9);
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].conn, 2);
    }

    #[test]
    fn no_local_skips_the_publisher_and_unsubscribe_removes() {
        let mut r = Router::default();
        let mut s = sub(QoS::AtMostOnce);
        s.options.no_local = true;
        r.subscribe(1, "t", s);
        assert!(r.route("t", 1).is_empty());
        assert_eq!(r.route("t", 2).len(), 1);
        assert!(r.unsubscribe(1, "t"));
        assert!(!r.unsubscribe(1, "t"));
        assert!(r.route("t", 2).is_empty());
    }
}
