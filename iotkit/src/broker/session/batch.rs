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
//!
//! Inbound packets are handled the same way ([`handle_buffered`]): the
//! answers (PUBACK, PUBREC, PUBCOMP, PINGRESP, SUBACK...) to every packet
//! already received and decodable without waiting are written with one flush,
//! so a QoS 1 publisher that pipelines its PUBLISH packets gets its PUBACKs
//! in one write instead of one write each. The batch is flushed however it
//! ends (an answer is never held back by a following DISCONNECT or error).

use futures_util::{FutureExt as _, SinkExt, StreamExt as _};
use iot_mqtt_codec::Packet;
use iot_mqtt_codec::codec::CodecError;
use tokio::time::timeout;
use tracing::debug;

use super::{End, Session, WRITE_TIMEOUT};
use crate::broker::budget::Inbox;
use crate::broker::{OUTBOX_CAPACITY, Outbound};

/// Most deliveries written before one flush.
pub(super) const BATCH: usize = 64;

/// Delivers `first`, then the deliveries already queued in `rx` (up to
/// [`BATCH`] in all), and flushes once.
pub(super) async fn deliver_queued(
    session: &mut Session,
    first: Outbound,
    rx: &mut Inbox,
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

/// Handles `first`, then the packets already received that decode without
/// waiting for more input (up to [`BATCH`] in all), and flushes the answers once.
pub(super) async fn handle_buffered(session: &mut Session, first: Packet) -> Result<(), End> {
    session.batching = true;
    let mut result = session.handle(first).await;
    let mut handled = 1;
    // Only bytes already read are looked at: an empty buffer would cost a
    // `read` that finds nothing (the serve loop reads next anyway).
    while result.is_ok() && handled < BATCH && !session.framed.read_buffer().is_empty() {
        // `now_or_never`: only what needs no wait (Framed keeps a partial
        // packet in its buffer when polled and dropped).
        result = match session.framed.next().now_or_never() {
            None => break,
            Some(Some(Ok(packet))) => session.handle(packet).await,
            Some(Some(Err(CodecError::Decode(err)))) => {
                debug!(conn = session.conn, %err, "invalid packet; closing");
                session.disconnect(err.reason_code()).await;
                Err(End::Abnormal)
            }
            Some(Some(Err(err))) => {
                debug!(conn = session.conn, %err, "connection failed");
                Err(End::Abnormal)
            }
            Some(None) => Err(End::Abnormal),
        };
        handled += 1;
    }
    session.batching = false;
    let flushed = timeout(WRITE_TIMEOUT, SinkExt::<Packet>::flush(&mut session.framed)).await;
    result?;
    match flushed {
        Ok(Ok(())) => Ok(()),
        _ => Err(End::Abnormal),
    }
}
