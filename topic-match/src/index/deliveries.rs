//! Merging the overlapping subscriptions of one client into one delivery.

use alloc::vec::Vec;

/// A subscriber value that [`Deliveries`] can merge: which client it
/// belongs to, the QoS it granted and its MQTT 5.0 subscription identifier.
pub trait Subscriber {
    /// The client identity; deliveries are merged per client.
    type Client: Ord;
    /// The client this subscription belongs to.
    fn client(&self) -> &Self::Client;
    /// The maximum QoS granted for this subscription (0, 1 or 2).
    fn qos(&self) -> u8;
    /// The subscription identifier (MQTT 5.0 §3.8.2.1.2), if any.
    fn subscription_id(&self) -> Option<u32>;
    /// The subscription's Retain As Published option (MQTT 5.0
    /// §3.8.3.1); `false` unless overridden (always the case in 3.1.1).
    fn retain_as_published(&self) -> bool {
        false
    }
    /// The subscription's No Local option (MQTT 5.0 §3.8.3.1): messages
    /// published by this subscription's own client are not delivered
    /// through it. `false` unless overridden.
    fn no_local(&self) -> bool {
        false
    }
}

/// One merged delivery: a client, the highest QoS of its matching
/// subscriptions, all their subscription identifiers, and whether the
/// RETAIN flag is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery<'a, C> {
    /// The receiving client.
    pub client: &'a C,
    /// The highest QoS among the client's matching subscriptions.
    pub qos: u8,
    /// The distinct subscription identifiers, ascending (MQTT-3.3.4-3:
    /// a server that sends one copy includes all of them).
    pub subscription_ids: &'a [u32],
    /// Forward the RETAIN flag as published? True when at least one of the
    /// client's matching subscriptions has Retain As Published (MQTT 5.0
    /// §3.3.1.3: with it the server keeps the flag, without it the server
    /// sets it to 0; a single copy keeps it if any subscription asks for it,
    /// as the copy the client would get through that subscription would).
    pub retain_as_published: bool,
}

/// Collects matching subscriptions and merges them per client, the way a
/// server that sends a single copy per client must (MQTT 5.0 §3.3.4):
/// highest QoS, all subscription identifiers, RETAIN kept when any of them
/// has Retain As Published. [`Deliveries::push_from`] also applies No
/// Local: a subscription with No Local does not deliver its own client's
/// messages (MQTT-3.8.3-3), before anything is merged.
///
/// Reuse one `Deliveries` across publishes with [`Deliveries::recycle`] to
/// keep its buffers.
///
/// ```
/// use topic_match::{Deliveries, Match, Subscriber, SubscriptionIndex, TopicFilter, TopicName};
///
/// struct Sub { client: &'static str, qos: u8, id: Option<u32> }
/// impl Subscriber for Sub {
///     type Client = &'static str;
///     fn client(&self) -> &&'static str { &self.client }
///     fn qos(&self) -> u8 { self.qos }
///     fn subscription_id(&self) -> Option<u32> { self.id }
/// }
///
/// let mut index = SubscriptionIndex::new();
/// index.insert(&TopicFilter::new("a/+")?, Sub { client: "c1", qos: 0, id: Some(7) })?;
/// index.insert(&TopicFilter::new("a/#")?, Sub { client: "c1", qos: 1, id: Some(3) })?;
/// index.insert(&TopicFilter::new("a/b")?, Sub { client: "c2", qos: 2, id: None })?;
///
/// let mut out = Deliveries::new();
/// index.for_each_match(&TopicName::new("a/b")?, |m| {
///     if let Match::Subscriber(s) = m {
///         out.push(s);
///     }
/// });
/// let merged: Vec<_> = out.merge().collect();
/// assert_eq!(merged.len(), 2);
/// assert_eq!((*merged[0].client, merged[0].qos, merged[0].subscription_ids), ("c1", 1, &[3, 7][..]));
/// assert_eq!((*merged[1].client, merged[1].qos, merged[1].subscription_ids), ("c2", 2, &[][..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// With Retain As Published and No Local (override the trait's default
/// methods), and the publishing client passed to [`Deliveries::push_from`]:
///
/// ```
/// use topic_match::{Deliveries, Match, Subscriber, SubscriptionIndex, TopicFilter, TopicName};
///
/// struct Sub { client: u64, qos: u8, rap: bool, no_local: bool }
/// impl Subscriber for Sub {
///     type Client = u64;
///     fn client(&self) -> &u64 { &self.client }
///     fn qos(&self) -> u8 { self.qos }
///     fn subscription_id(&self) -> Option<u32> { None }
///     fn retain_as_published(&self) -> bool { self.rap }
///     fn no_local(&self) -> bool { self.no_local }
/// }
///
/// let mut index = SubscriptionIndex::new();
/// index.insert(&TopicFilter::new("a/#")?, Sub { client: 1, qos: 1, rap: false, no_local: false })?;
/// index.insert(&TopicFilter::new("a/+")?, Sub { client: 1, qos: 0, rap: true, no_local: false })?;
/// // Client 2 does not want its own messages back on `a/b`.
/// index.insert(&TopicFilter::new("a/b")?, Sub { client: 2, qos: 2, rap: false, no_local: true })?;
///
/// let mut out = Deliveries::new();
/// let publisher = 2;
/// index.for_each_match(&TopicName::new("a/b")?, |m| {
///     if let Match::Subscriber(s) = m {
///         out.push_from(s, &publisher);
///     }
/// });
/// let merged: Vec<_> = out.merge().collect();
/// assert_eq!(merged.len(), 1);
/// assert_eq!((*merged[0].client, merged[0].qos, merged[0].retain_as_published), (1, 1, true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Deliveries<'a, C> {
    raw: Vec<(&'a C, u8, Option<u32>, bool)>,
    merged: Vec<(&'a C, u8, usize, usize, bool)>,
    ids: Vec<u32>,
}

impl<C: Ord> Default for Deliveries<'_, C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, C: Ord> Deliveries<'a, C> {
    /// An empty collector.
    #[must_use]
    pub fn new() -> Self {
        Self {
            raw: Vec::new(),
            merged: Vec::new(),
            ids: Vec::new(),
        }
    }

    /// Adds one matching subscription (No Local is not applied: see
    /// [`Deliveries::push_from`]).
    pub fn push<S: Subscriber<Client = C>>(&mut self, sub: &'a S) {
        self.raw.push((
            sub.client(),
            sub.qos(),
            sub.subscription_id(),
            sub.retain_as_published(),
        ));
    }

    /// Adds one matching subscription of a message published by
    /// `publisher`, unless the subscription has No Local and belongs to
    /// `publisher` (MQTT-3.8.3-3). Returns whether it was added.
    pub fn push_from<S: Subscriber<Client = C>>(&mut self, sub: &'a S, publisher: &C) -> bool {
        if sub.no_local() && sub.client() == publisher {
            return false;
        }
        self.push(sub);
        true
    }

    /// Number of subscriptions pushed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Were no subscriptions pushed?
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Sorts by client and returns one [`Delivery`] per client, in client
    /// order. Allocates only when its buffers grow.
    pub fn merge(&mut self) -> impl Iterator<Item = Delivery<'_, C>> + '_ {
        self.raw
            .sort_unstable_by(|a, b| a.0.cmp(b.0).then(a.2.cmp(&b.2)));
        // First pass: the identifiers of each run, deduplicated, in `ids`.
        self.ids.clear();
        self.merged.clear();
        let mut i = 0;
        while let Some(&(client, ..)) = self.raw.get(i) {
            let start = self.ids.len();
            let (mut qos, mut retain) = (0, false);
            let mut j = i;
            while let Some(&(c, q, id, rap)) = self.raw.get(j) {
                if c != client {
                    break;
                }
                qos = qos.max(q);
                retain |= rap;
                if let Some(id) = id
                    && self
                        .ids
                        .last()
                        .is_none_or(|&l| l != id || self.ids.len() == start)
                {
                    self.ids.push(id);
                }
                j += 1;
            }
            self.merged
                .push((client, qos, start, self.ids.len(), retain));
            i = j;
        }
        let ids = &self.ids;
        self.merged
            .iter()
            .map(move |&(client, qos, s, e, retain_as_published)| Delivery {
                client,
                qos,
                subscription_ids: ids.get(s..e).unwrap_or_default(),
                retain_as_published,
            })
    }

    /// Empties the collector for another publish, keeping its buffers.
    #[must_use]
    pub fn recycle<'b>(mut self) -> Deliveries<'b, C> {
        self.raw.clear();
        self.merged.clear();
        self.ids.clear();
        Deliveries {
            // Empty vectors: the in-place collection keeps the allocation.
            raw: reuse(self.raw),
            merged: reuse(self.merged),
            ids: self.ids,
        }
    }
}

/// An empty vector of another element type that keeps `v`'s allocation
/// (in-place collection applies when the layouts agree, as they do for the
/// lifetime-only changes made here).
fn reuse<A, B>(v: Vec<A>) -> Vec<B> {
    v.into_iter().filter_map(|_| None).collect()
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;

    struct Sub {
        client: u32,
        qos: u8,
        id: Option<u32>,
        rap: bool,
        no_local: bool,
    }

    impl Subscriber for Sub {
        type Client = u32;
        fn client(&self) -> &u32 {
            &self.client
        }
        fn qos(&self) -> u8 {
            self.qos
        }
        fn subscription_id(&self) -> Option<u32> {
            self.id
        }
        fn retain_as_published(&self) -> bool {
            self.rap
        }
        fn no_local(&self) -> bool {
            self.no_local
        }
    }

    fn sub(client: u32, qos: u8, id: Option<u32>, rap: bool, no_local: bool) -> Sub {
        Sub {
            client,
            qos,
            id,
            rap,
            no_local,
        }
    }

    #[test]
    fn mqtt_3_8_3_3_no_local_does_not_deliver_to_the_publisher() {
        let subs = [
            sub(1, 1, Some(4), false, true),
            sub(1, 0, Some(5), false, false),
            sub(2, 2, None, false, true),
        ];
        let mut out = Deliveries::new();
        let pushed: Vec<bool> = subs.iter().map(|s| out.push_from(s, &1)).collect();
        assert_eq!(pushed, [false, true, true]);
        let merged: Vec<(u32, u8, Vec<u32>)> = out
            .merge()
            .map(|d| (*d.client, d.qos, d.subscription_ids.to_vec()))
            .collect();
        // Client 1 still gets the message through its other subscription,
        // with that subscription's QoS and identifier only.
        assert_eq!(merged, [(1, 0, alloc::vec![5]), (2, 2, alloc::vec![])]);
    }

    #[test]
    fn mqtt_3_3_1_12_and_13_retain_as_published_kept_if_any_subscription_asks() {
        let subs = [
            sub(1, 0, None, false, false),
            sub(1, 1, None, true, false),
            sub(2, 1, None, false, false),
            sub(3, 0, None, true, false),
        ];
        let mut out = Deliveries::new();
        for s in &subs {
            out.push(s);
        }
        let rap: Vec<(u32, bool)> = out
            .merge()
            .map(|d| (*d.client, d.retain_as_published))
            .collect();
        assert_eq!(rap, [(1, true), (2, false), (3, true)]);
        // Recycling forgets the previous publish.
        let mut out = out.recycle();
        out.push(&subs[0]);
        assert_eq!(
            out.merge()
                .map(|d| d.retain_as_published)
                .collect::<Vec<_>>(),
            [false]
        );
    }
}
