//! The subscription table: which connection wants which topics.
//!
//! Matching is topic-match's [`SubscriptionIndex`]; a connection's
//! overlapping subscriptions are merged by [`Deliveries`] into one copy per
//! publish (highest QoS, every subscription identifier; MQTT 5 3.3.4,
//! MQTT-3.3.4-2/-3). MQTT 5 shared subscriptions (`$share/{group}/{filter}`,
//! 4.8.2) send each message to one member of each matching group, round
//! robin. A per-connection map of the filters it holds makes UNSUBSCRIBE,
//! replacement and removal on disconnect exact.

use std::collections::HashMap;

use iot_mqtt_codec::{QoS, SubscriptionOptions};
use topic_match::{
    CapacityError, Deliveries, Match, SubscribeFilter, Subscriber, SubscriptionIndex,
};
use tracing::debug;

/// One subscription of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    /// The options the client asked for (QoS, No Local, Retain As Published, ...).
    pub(crate) options: SubscriptionOptions,
    /// The MQTT 5 Subscription Identifier given with SUBSCRIBE, if any.
    pub(crate) id: Option<u32>,
}

/// A subscription as stored in the index: its connection and what it asked for.
#[derive(Debug, Clone)]
struct Entry {
    conn: u64,
    sub: Subscription,
    /// For a shared subscription member: `$share/{group}/{filter}`, the
    /// group's identity (4.8.2) and its key in [`Router::groups`].
    group: Option<String>,
}

impl Subscriber for Entry {
    type Client = u64;

    fn client(&self) -> &u64 {
        &self.conn
    }

    fn qos(&self) -> u8 {
        u8::from(self.sub.options.qos)
    }

    fn subscription_id(&self) -> Option<u32> {
        self.sub.id
    }

    fn retain_as_published(&self) -> bool {
        self.sub.options.retain_as_published
    }

    fn no_local(&self) -> bool {
        self.sub.options.no_local
    }
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

/// Subscriptions of every live connection.
#[derive(Debug, Default)]
pub(crate) struct Router {
    /// Every subscription, ordinary and shared.
    index: SubscriptionIndex<Entry>,
    /// The filters each connection holds, keyed by the string it subscribed
    /// with (UNSUBSCRIBE names the same string, MQTT-3.10.4-1).
    conns: HashMap<u64, HashMap<String, (SubscribeFilter, Subscription)>>,
    /// Shared groups by `$share/{group}/{filter}`: round-robin position and
    /// member count (the index reports a matching group by ShareName only, so
    /// members carry the full key).
    groups: HashMap<String, Group>,
}

/// Round-robin state of one shared subscription group.
#[derive(Debug, Default)]
struct Group {
    /// Deliveries made so far (the next member is `next % len`).
    next: usize,
    /// Members in the index.
    members: usize,
}

/// The string a client subscribes and unsubscribes `filter` with.
fn key(filter: &SubscribeFilter) -> String {
    match filter {
        SubscribeFilter::Shared(s) => s.to_string(),
        other => other.filter().as_str().to_owned(),
    }
}

impl Router {
    /// Adds or replaces `filter` for `conn`; returns true when it already
    /// existed (a replacement, MQTT-3.8.4-3).
    ///
    /// # Errors
    /// When the index is full (32-bit ids exhausted).
    pub(crate) fn subscribe(
        &mut self,
        conn: u64,
        filter: &SubscribeFilter,
        sub: Subscription,
    ) -> Result<bool, CapacityError> {
        let existed = self.remove_entry(conn, filter);
        let group = filter.group().map(|_| key(filter));
        let entry = Entry {
            conn,
            sub: sub.clone(),
            group: group.clone(),
        };
        self.index.insert_subscription(filter, entry)?;
        if let Some(group) = group {
            self.groups.entry(group).or_default().members += 1;
        }
        self.conns
            .entry(conn)
            .or_default()
            .insert(key(filter), (filter.clone(), sub));
        Ok(existed)
    }

    /// Removes `filter` (as the client wrote it) for `conn`; returns true when it existed.
    pub(crate) fn unsubscribe(&mut self, conn: u64, filter: &str) -> bool {
        let Some(subs) = self.conns.get_mut(&conn) else {
            return false;
        };
        let Some((parsed, _)) = subs.remove(filter) else {
            return false;
        };
        if subs.is_empty() {
            self.conns.remove(&conn);
        }
        self.remove_entry(conn, &parsed)
    }

    /// Forgets every subscription of `conn`.
    pub(crate) fn remove_connection(&mut self, conn: u64) {
        for (filter, _) in self.conns.remove(&conn).unwrap_or_default().into_values() {
            self.remove_entry(conn, &filter);
        }
    }

    /// Removes the index entry of `conn` on `filter`; true when there was one.
    fn remove_entry(&mut self, conn: u64, filter: &SubscribeFilter) -> bool {
        let mine = |e: &Entry| e.conn == conn;
        let removed = match filter {
            SubscribeFilter::Shared(s) => self.index.remove_shared_where(s, mine),
            other => self.index.remove_where(other.filter(), mine),
        };
        let Some(entry) = removed else {
            return false;
        };
        if let Some(key) = entry.group
            && let Some(g) = self.groups.get_mut(&key)
        {
            g.members = g.members.saturating_sub(1);
            if g.members == 0 {
                self.groups.remove(&key);
            }
        }
        true
    }

    /// The subscriptions of `conn`: the filter as the client wrote it, whether
    /// it is an MQTT 5 shared subscription, and its options.
    pub(crate) fn subscriptions_of(&self, conn: u64) -> Vec<(String, bool, Subscription)> {
        self.conns
            .get(&conn)
            .map(|subs| {
                subs.iter()
                    .map(|(k, (f, s))| (k.clone(), f.group().is_some(), s.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many subscriptions (ordinary and shared members) are held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// The deliveries for a message on `topic`: one route per connection for
    /// its ordinary subscriptions (merged), then one route per matching shared
    /// group (a member chosen round robin). `from` is the publishing
    /// connection, skipped by subscriptions with No Local.
    pub(crate) fn route(&mut self, topic: &str, from: u64) -> Vec<Route> {
        let (index, groups) = (&self.index, &mut self.groups);
        let mut merged = Deliveries::new();
        let mut shared: Vec<&Entry> = Vec::new();
        // The codec validated the topic already; this checks it again while
        // matching, without copying it.
        let matched = index.for_each_match_str(topic, |m| match m {
            // No Local (MQTT-3.8.3-3) and the merge of QoS, identifiers and
            // Retain As Published are topic-match's `Deliveries`.
            Match::Subscriber(e) => {
                merged.push_from(e, &from);
            }
            Match::Shared(group) => {
                let state = group
                    .members()
                    .next()
                    .and_then(|m| m.group.as_ref())
                    .and_then(|key| groups.get_mut(key));
                let Some(state) = state else {
                    return;
                };
                let n = group.len().max(1);
                if let Some(member) = group.members().nth(state.next % n) {
                    shared.push(member);
                }
                state.next = state.next.wrapping_add(1);
            }
            _ => {}
        });
        if let Err(err) = matched {
            // A disagreement with the codec routes nowhere.
            debug!(topic, %err, "topic name refused by topic-match; not routed");
            return Vec::new();
        }
        let mut routes: Vec<Route> = merged
            .merge()
            .map(|d| Route {
                conn: *d.client,
                qos: QoS::try_from(d.qos).unwrap_or(QoS::AtMostOnce),
                retain_as_published: d.retain_as_published,
                subscription_ids: d.subscription_ids.to_vec(),
            })
            .collect();
        routes.extend(shared.into_iter().map(|e| Route {
            conn: e.conn,
            qos: e.sub.options.qos,
            retain_as_published: e.sub.options.retain_as_published,
            subscription_ids: e.sub.id.into_iter().collect(),
        }));
        routes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use topic_match::ProtocolVersion;

    fn sub(qos: QoS) -> Subscription {
        Subscription {
            options: SubscriptionOptions::new(qos),
            id: None,
        }
    }

    fn f(s: &str) -> SubscribeFilter {
        SubscribeFilter::parse(s, ProtocolVersion::V5).unwrap()
    }

    #[test]
    fn overlapping_subscriptions_merge_to_the_highest_qos() {
        let mut r = Router::default();
        r.subscribe(1, &f("a/#"), sub(QoS::AtMostOnce)).unwrap();
        r.subscribe(1, &f("a/+"), sub(QoS::ExactlyOnce)).unwrap();
        r.subscribe(2, &f("b/#"), sub(QoS::AtLeastOnce)).unwrap();
        let routes = r.route("a/x", 9);
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].conn, 1);
        assert_eq!(routes[0].qos, QoS::ExactlyOnce);
    }

    #[test]
    fn mqtt_3_3_4_3_all_subscription_ids_of_overlapping_subscriptions() {
        let mut r = Router::default();
        let mut a = sub(QoS::AtMostOnce);
        a.id = Some(7);
        let mut b = sub(QoS::AtLeastOnce);
        b.id = Some(3);
        r.subscribe(1, &f("a/+"), a).unwrap();
        r.subscribe(1, &f("a/#"), b).unwrap();
        let routes = r.route("a/b", 9);
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].qos, QoS::AtLeastOnce);
        assert_eq!(routes[0].subscription_ids, [3, 7]);
    }

    #[test]
    fn mqtt_4_7_2_1_dollar_topics_not_matched_by_leading_wildcards() {
        let mut r = Router::default();
        r.subscribe(1, &f("#"), sub(QoS::AtMostOnce)).unwrap();
        r.subscribe(2, &f("$SYS/#"), sub(QoS::AtMostOnce)).unwrap();
        let routes = r.route("$SYS/x", 9);
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].conn, 2);
    }

    #[test]
    fn no_local_skips_the_publisher_and_unsubscribe_removes() {
        let mut r = Router::default();
        let mut s = sub(QoS::AtMostOnce);
        s.options.no_local = true;
        r.subscribe(1, &f("t"), s).unwrap();
        assert!(r.route("t", 1).is_empty());
        assert_eq!(r.route("t", 2).len(), 1);
        assert!(r.unsubscribe(1, "t"));
        assert!(!r.unsubscribe(1, "t"));
        assert!(r.route("t", 2).is_empty());
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn resubscribing_replaces_and_disconnect_removes_everything() {
        let mut r = Router::default();
        assert!(!r.subscribe(1, &f("a/+"), sub(QoS::AtMostOnce)).unwrap());
        assert!(r.subscribe(1, &f("a/+"), sub(QoS::AtLeastOnce)).unwrap());
        r.subscribe(1, &f("$share/g/a/+"), sub(QoS::AtMostOnce))
            .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.route("a/b", 9)[0].qos, QoS::AtLeastOnce);
        r.remove_connection(1);
        assert_eq!(r.len(), 0);
        assert!(r.groups.is_empty());
        assert!(r.route("a/b", 9).is_empty());
    }

    #[test]
    fn mqtt_4_8_2_shared_group_round_robin_one_member_per_message() {
        let mut r = Router::default();
        r.subscribe(1, &f("$share/g/j/+"), sub(QoS::AtMostOnce))
            .unwrap();
        r.subscribe(2, &f("$share/g/j/#"), sub(QoS::AtMostOnce))
            .unwrap();
        r.subscribe(2, &f("$share/g/j/+"), sub(QoS::AtMostOnce))
            .unwrap();
        let mut got = Vec::new();
        for _ in 0..4 {
            // Two groups match (g on j/+ and g on j/#): one route each.
            let routes = r.route("j/x", 9);
            assert_eq!(routes.len(), 2);
            got.extend(routes.iter().map(|x| x.conn));
        }
        // Group g on j/+ alternates between 1 and 2; g on j/# has only 2.
        assert_eq!(got.iter().filter(|&&c| c == 1).count(), 2, "{got:?}");
        assert!(r.unsubscribe(2, "$share/g/j/+"));
        assert!(r.route("j/x", 9).iter().all(|x| x.conn == 1 || x.conn == 2));
    }
}
