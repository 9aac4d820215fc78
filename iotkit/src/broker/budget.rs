//! The per-connection memory bound in bytes (`--max-queued-bytes`).
//!
//! Counting messages alone (the outbox holds [`OUTBOX_CAPACITY`] of them)
//! lets a subscriber that never reads pin 1,024 maximum-size packets, 256 MiB
//! at the default packet size, until the write timeout closes it. So every
//! queue of deliveries also has a budget in bytes, [`cost`] of each message
//! (payload, topic and a fixed allowance for the rest):
//! - a connection's outbox ([`Outbox`], filled by
//!   [`Shared::publish`](super::Shared::publish), emptied by the session):
//!   a QoS 1/2 message is refused when it would take the outbox above the
//!   budget, a QoS 0 message already above half of it (QoS 0 goes first);
//! - the connection's Receive-Maximum backlog (QoS 1/2 deliveries waiting for
//!   the client to acknowledge others): at most the budget again;
//! - each stored session's offline queue (with the backlog it keeps): at
//!   most the budget.
//!
//! An empty queue always takes one message, however large, so a budget below
//! the packet size still lets every message through one at a time. A refused
//! message is dropped and counted (`dropped` on the `--stats` line), as a
//! full outbox already was. One connection therefore holds at most about
//! twice the budget of queued messages (outbox plus backlog), plus what its
//! socket and codec buffers hold; a payload delivered to many connections is
//! stored once but counted in each of their budgets.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use iot_mqtt_codec::QoS;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

use super::store::Held;
use super::{Message, OUTBOX_CAPACITY, Outbound};

/// Default budget: 1 MiB (four packets of the default maximum size).
pub(crate) const DEFAULT_MAX_QUEUED_BYTES: usize = 1024 * 1024;

/// Bytes counted for a queued message besides its payload and topic (the
/// message's structure, properties, queue slot).
const OVERHEAD: usize = 128;

/// What a queued `msg` counts against a budget.
pub(crate) fn cost(msg: &Message) -> usize {
    msg.payload
        .len()
        .saturating_add(msg.topic.as_str().len())
        .saturating_add(OVERHEAD)
}

/// True when a queue already holding `queued` bytes may take `size` more
/// under `limit` (an empty queue takes anything).
fn admits(queued: usize, size: usize, limit: usize) -> bool {
    queued == 0 || queued.saturating_add(size) <= limit
}

/// True when `held` (a Receive-Maximum backlog or an offline queue) may
/// take `msg` under `limit`.
pub(crate) fn backlog_admits<'a>(
    held: impl IntoIterator<Item = &'a Held>,
    msg: &Message,
    limit: usize,
) -> bool {
    let queued = held.into_iter().map(|h| cost(&h.msg)).sum();
    admits(queued, cost(msg), limit)
}

/// Keeps the oldest deliveries of `queue` that fit in `limit`; returns how
/// many newer ones were dropped.
pub(crate) fn truncate(queue: &mut VecDeque<Held>, limit: usize) -> usize {
    let mut total = 0usize;
    let mut keep = 0;
    for h in queue.iter() {
        let size = cost(&h.msg);
        if !admits(total, size, limit) {
            break;
        }
        total = total.saturating_add(size);
        keep += 1;
    }
    let dropped = queue.len().saturating_sub(keep);
    queue.truncate(keep);
    dropped
}

/// A new connection's outbox: the sending half for the router, the
/// receiving half for the session, sharing the count of queued bytes.
pub(crate) fn channel(limit: usize) -> (Outbox, Inbox) {
    let (tx, rx) = mpsc::channel(OUTBOX_CAPACITY);
    let queued = Arc::new(AtomicUsize::new(0));
    let outbox = Outbox {
        tx,
        queued: Arc::clone(&queued),
        limit,
    };
    (outbox, Inbox { rx, queued })
}

/// The sending half of a connection's outbox.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    tx: mpsc::Sender<Outbound>,
    queued: Arc<AtomicUsize>,
    limit: usize,
}

impl Outbox {
    /// Queues `out` unless the outbox is full (by count or bytes, see the
    /// module docs); false when it was refused.
    pub(crate) fn try_send(&self, out: Outbound) -> bool {
        let Outbound::Deliver { msg, qos, .. } = &out;
        let size = cost(msg);
        let limit = if *qos == QoS::AtMostOnce {
            self.limit / 2
        } else {
            self.limit
        };
        let admitted = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                admits(q, size, limit).then(|| q.saturating_add(size))
            })
            .is_ok();
        if !admitted {
            return false;
        }
        if self.tx.try_send(out).is_err() {
            self.queued.fetch_sub(size, Ordering::AcqRel);
            return false;
        }
        true
    }
}

/// The receiving half of a connection's outbox.
#[derive(Debug)]
pub(crate) struct Inbox {
    rx: mpsc::Receiver<Outbound>,
    queued: Arc<AtomicUsize>,
}

impl Inbox {
    /// The next delivery (cancel safe, like [`mpsc::Receiver::recv`]).
    pub(crate) async fn recv(&mut self) -> Option<Outbound> {
        let out = self.rx.recv().await?;
        self.taken(&out);
        Some(out)
    }

    /// The next delivery already queued.
    pub(crate) fn try_recv(&mut self) -> Result<Outbound, TryRecvError> {
        let out = self.rx.try_recv()?;
        self.taken(&out);
        Ok(out)
    }

    fn taken(&self, out: &Outbound) {
        let Outbound::Deliver { msg, .. } = out;
        let size = cost(msg);
        // Never below zero: every queued message was counted when sent.
        let _ = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                Some(q.saturating_sub(size))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use iot_mqtt_codec::{Properties, Utf8Str};
    use tokio::time::Instant;

    fn msg(len: usize) -> Message {
        Message {
            topic: Utf8Str::new("t").unwrap(),
            payload: Bytes::from(vec![0u8; len]),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: Properties::new(),
            from: 1,
        }
    }

    fn deliver(len: usize, qos: QoS) -> Outbound {
        Outbound::Deliver {
            msg: msg(len),
            qos,
            retain: false,
            subscription_ids: Vec::new(),
        }
    }

    fn held(len: usize) -> Held {
        Held {
            msg: msg(len),
            qos: QoS::AtLeastOnce,
            retain: false,
            subscription_ids: Vec::new(),
            since: Instant::now(),
        }
    }

    #[test]
    fn outbox_refuses_beyond_the_budget_qos_0_first_and_frees_on_receive() {
        let (tx, mut rx) = channel(10_000);
        // An empty outbox takes a message larger than the budget.
        assert!(tx.try_send(deliver(20_000, QoS::AtLeastOnce)));
        assert!(!tx.try_send(deliver(10, QoS::AtLeastOnce)));
        assert!(rx.try_recv().is_ok());
        assert!(tx.try_send(deliver(4_000, QoS::AtLeastOnce)));
        // Above half the budget: QoS 0 is refused, QoS 1 still fits.
        assert!(!tx.try_send(deliver(2_000, QoS::AtMostOnce)));
        assert!(tx.try_send(deliver(4_000, QoS::AtLeastOnce)));
        assert!(!tx.try_send(deliver(4_000, QoS::ExactlyOnce)));
        assert!(rx.try_recv().is_ok());
        assert!(rx.try_recv().is_ok());
        assert!(tx.try_send(deliver(4_000, QoS::AtMostOnce)));
    }

    #[test]
    fn backlog_and_truncate_keep_the_oldest_within_the_budget() {
        let mut q: VecDeque<Held> = (0..10).map(|_| held(1_000)).collect();
        assert!(!backlog_admits(&q, &msg(1_000), 5_000));
        assert!(backlog_admits(&VecDeque::new(), &msg(9_000), 5_000));
        let dropped = truncate(&mut q, 5_000);
        assert_eq!(q.len(), 4, "4 × (1,000 + 1 + 128) fit in 5,000");
        assert_eq!(dropped, 6);
        assert!(backlog_admits(&q, &msg(100), 5_000));
    }
}
