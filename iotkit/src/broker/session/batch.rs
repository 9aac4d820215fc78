//! Deliveries written in batches: one flush (one `write` system call) for
//! every message already waiting in a connection's outbox, instead of one
//! per message.
//!
//! Under load a subscriber's outbox holds many messages by the time its
//! task runs; writing each with its own flush made the broker spend most of
//! its time in the kernel (`scripts/bench-broker` under `perf`: two thirds
//! of the samples in socket writes). A batch takes at most [`BATCH`]
//! messages (so keep-alive and incoming packets are not held up) and stops
//! early when the Receive Maximum queue is full. The codec's write buffer
//! still goes out whenever it passes 8 KiB, and each write keeps the write
//! timeout.

use futures_util::SinkExt;
use iot_mqtt_codec::Packet;
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::{End, Session, WRITE_TIMEOUT};
use crate::broker::{OUTBOX_CAPACITY, Outbound};

/// Most deliveries written before one flush.
pub(super) const BATCH: usize = 64;

/// Delivers `first`, then the deliveries already queued in `rx` (up to
/// [`BATCH`] in all), and flushes once.
pub(super) async fn deliver_queued(
    session: &mut Session,
    first: Outbound,
    rx: &mut mpsc::Receiver<Outbound>,
) -> Result<(), End> {
    session.batching = true;
    let mut result = Ok(());
    let mut next = Some(first);
    let mut written = 0;
    while let Some(out) = next.take() {
        let Outbound::Deliver {
            msg,
            qos,
            retain,
            subscription_ids,
        } = out;
        result = session.deliver(&msg, qos, retain, &subscription_ids).await;
        written += 1;
        if result.is_err() || written >= BATCH || session.pending.len() >= OUTBOX_CAPACITY {
            break;
        }
        next = rx.try_recv().ok();
    }
    session.batching = false;
    result?;
    match timeout(WRITE_TIMEOUT, SinkExt::<Packet>::flush(&mut session.framed)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(End::Abnormal),
    }
}
