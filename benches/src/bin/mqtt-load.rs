//! `mqtt-load`: the load generator of `scripts/bench-broker`.
//!
//! Connects N publishers and M subscribers (MQTT 3.1.1, built on
//! `iot-mqtt-codec` and its tokio codec) to one broker and prints one JSON
//! line: messages delivered to subscribers per second, publish throughput
//! and the p50/p99 end-to-end latency (publish time is in the payload).
//!
//! The shape is a fleet of devices and a few backends: publisher `i` is the
//! device with client id `dev-{i}` and sends telemetry to `bench/dev-{i}/data`;
//! every subscriber (client id `app-{j}`) subscribes to `bench/+/data`, so
//! each message fans out to all M subscribers. Payloads are 64-byte JSON
//! objects `{"v":1,"t":"<20 digits>","p":"xx..."}`.
//!
//! The load is closed-loop: each publisher keeps at most `--window` messages
//! not yet received by each subscriber (and, at QoS 1, not yet acknowledged),
//! so the brokers run at their sustainable throughput with bounded queues and
//! the latency figures mean something. A publisher that sees no progress for
//! a second writes the missing deliveries off as lost and goes on.
//!
//! ```text
//! mqtt-load --port 1883 [--host 127.0.0.1] [--publishers 8] [--subscribers 8]
//!           [--qos 0|1] [--seconds 10] [--count 0] [--window 64] [--label NAME]
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{FutureExt as _, SinkExt as _, StreamExt as _};
use iot_mqtt_codec::codec::MqttCodec;
use iot_mqtt_codec::{
    Connect, Packet, PacketId, ProtocolVersion, PubAck, Publish, QoS, Subscribe,
    SubscriptionOptions, Utf8Str,
};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::timeout;
use tokio_util::codec::Framed;

/// Size of every payload.
const PAYLOAD_LEN: usize = 64;
/// Bounded wait for CONNACK, SUBACK and the final drain.
const WAIT: Duration = Duration::from_secs(5);
/// No progress for this long: the missing deliveries are counted as lost.
const STALL: Duration = Duration::from_secs(1);

type Conn = Framed<TcpStream, MqttCodec>;
type Res<T> = Result<T, String>;

/// Command-line settings.
#[derive(Debug, Clone)]
struct Args {
    addr: SocketAddr,
    publishers: usize,
    subscribers: usize,
    qos: QoS,
    seconds: f64,
    count: u64,
    window: u64,
    label: String,
}

fn parse_args() -> Res<Args> {
    let mut host = "127.0.0.1".to_owned();
    let mut port: Option<u16> = None;
    let mut a = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 1883)),
        publishers: 8,
        subscribers: 8,
        qos: QoS::AtMostOnce,
        seconds: 10.0,
        count: 0,
        window: 64,
        label: "broker".to_owned(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(
                "usage: mqtt-load --port PORT [--host H] [--publishers N] [--subscribers M] \
                 [--qos 0|1] [--seconds S] [--count C] [--window W] [--label NAME]"
                    .to_owned(),
            );
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |_| format!("invalid value {value:?} for {flag}");
        match flag.as_str() {
            "--host" => host.clone_from(&value),
            "--port" => port = Some(value.parse().map_err(|_| bad(()))?),
            "--publishers" => a.publishers = value.parse().map_err(|_| bad(()))?,
            "--subscribers" => a.subscribers = value.parse().map_err(|_| bad(()))?,
            "--qos" => {
                a.qos = match value.as_str() {
                    "0" => QoS::AtMostOnce,
                    "1" => QoS::AtLeastOnce,
                    _ => return Err(bad(())),
                }
            }
            "--seconds" => a.seconds = value.parse().map_err(|_| bad(()))?,
            "--count" => a.count = value.parse().map_err(|_| bad(()))?,
            "--window" => a.window = value.parse().map_err(|_| bad(()))?,
            "--label" => a.label.clone_from(&value),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    let port = port.ok_or("--port is required")?;
    a.addr = format!("{host}:{port}")
        .parse()
        .map_err(|e| format!("address {host}:{port}: {e}"))?;
    if a.publishers == 0 || a.subscribers == 0 || a.window == 0 || a.seconds <= 0.0 {
        return Err("publishers, subscribers, window and seconds must be positive".to_owned());
    }
    Ok(a)
}

/// Progress of one publisher, shared with the subscribers.
#[derive(Debug, Default)]
struct Progress {
    /// Copies received by each subscriber.
    received: Vec<AtomicU64>,
    /// PUBACKs received (QoS 1).
    acked: AtomicU64,
    /// Woken on every receipt and acknowledgement.
    wake: Notify,
}

/// What the whole run shares.
#[derive(Debug)]
struct Run {
    args: Args,
    start: Instant,
    progress: Vec<Progress>,
    /// Set once the publishers are done and the drain is over.
    stop: AtomicBool,
}

impl Run {
    /// Nanoseconds since the start of the run.
    fn now_ns(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// What one publisher did.
#[derive(Debug, Default)]
struct PubReport {
    sent: u64,
    lost: u64,
    elapsed: Duration,
}

fn utf(s: &str) -> Res<Utf8Str> {
    Utf8Str::new(s).map_err(|e| format!("{s:?}: {e}"))
}

async fn connect(addr: SocketAddr, client_id: &str) -> Res<Conn> {
    let stream = timeout(WAIT, TcpStream::connect(addr))
        .await
        .map_err(|_| format!("{client_id}: connect timed out"))?
        .map_err(|e| format!("{client_id}: connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let mut framed = Framed::new(stream, MqttCodec::new(ProtocolVersion::V311));
    let mut c = Connect::new(ProtocolVersion::V311, utf(client_id)?);
    c.keep_alive = 60;
    framed
        .send(Packet::from(c))
        .await
        .map_err(|e| format!("{client_id}: send CONNECT: {e}"))?;
    match timeout(WAIT, framed.next()).await {
        Ok(Some(Ok(Packet::ConnAck(ack)))) if !ack.reason_code.is_error() => Ok(framed),
        Ok(Some(Ok(Packet::ConnAck(ack)))) => Err(format!(
            "{client_id}: CONNACK refused: {:?}",
            ack.reason_code
        )),
        other => Err(format!("{client_id}: expected CONNACK, got {other:?}")),
    }
}

/// The 64-byte payload carrying the publish time.
fn payload(t_ns: u64) -> Bytes {
    let mut s = format!("{{\"v\":1,\"t\":\"{t_ns:020}\",\"p\":\"");
    while s.len() < PAYLOAD_LEN - 2 {
        s.push('x');
    }
    s.push_str("\"}");
    Bytes::from(s)
}

/// The publish time in a payload made by [`payload`].
fn payload_time(p: &[u8]) -> Option<u64> {
    std::str::from_utf8(p.get(12..32)?).ok()?.parse().ok()
}

/// The publisher index in `bench/dev-{i}/data`.
fn publisher_of(topic: &str) -> Option<usize> {
    topic
        .strip_prefix("bench/dev-")?
        .strip_suffix("/data")?
        .parse()
        .ok()
}

async fn subscriber(run: Arc<Run>, j: usize, ready: Arc<tokio::sync::Barrier>) -> Res<Vec<u32>> {
    let id = format!("app-{j}");
    let mut conn = connect(run.args.addr, &id).await?;
    let one = PacketId::new(1).ok_or("packet id")?;
    let filter = (utf("bench/+/data")?, SubscriptionOptions::new(run.args.qos));
    conn.send(Packet::Subscribe(Subscribe::new(one, vec![filter])))
        .await
        .map_err(|e| format!("{id}: send SUBSCRIBE: {e}"))?;
    match timeout(WAIT, conn.next()).await {
        Ok(Some(Ok(Packet::SubAck(a)))) if a.reason_codes.iter().all(|r| !r.is_error()) => {}
        other => return Err(format!("{id}: expected a granted SUBACK, got {other:?}")),
    }
    ready.wait().await;
    let mut latencies = Vec::with_capacity(1 << 20);
    let (mut sink, mut stream) = conn.split();
    let mut handle = |packet: Packet, acks: &mut Vec<Packet>| {
        if let Packet::Publish(p) = packet {
            let now = run.now_ns();
            if let Some(t) = payload_time(&p.payload) {
                let us = now.saturating_sub(t) / 1000;
                latencies.push(u32::try_from(us).unwrap_or(u32::MAX));
            }
            if let Some(i) = publisher_of(p.topic.as_str())
                && let Some(pr) = run.progress.get(i)
                && let Some(count) = pr.received.get(j)
            {
                count.fetch_add(1, Ordering::Relaxed);
                pr.wake.notify_one();
            }
            if let Some(pid) = p.packet_id {
                acks.push(Packet::PubAck(PubAck::new(pid)));
            }
        }
    };
    let mut acks = Vec::new();
    while !run.stop.load(Ordering::Relaxed) {
        let next = match timeout(Duration::from_millis(100), stream.next()).await {
            Err(_) => continue,
            Ok(None) => return Err(format!("{id}: connection closed by the broker")),
            Ok(Some(Err(e))) => return Err(format!("{id}: {e}")),
            Ok(Some(Ok(p))) => p,
        };
        handle(next, &mut acks);
        // Drain what is already buffered, then acknowledge in one write.
        while let Some(Some(Ok(p))) = stream.next().now_or_never() {
            handle(p, &mut acks);
        }
        for ack in acks.drain(..) {
            sink.feed(ack).await.map_err(|e| format!("{id}: {e}"))?;
        }
        sink.flush().await.map_err(|e| format!("{id}: {e}"))?;
    }
    let _ = sink.send(Packet::Disconnect(Default::default())).await;
    Ok(latencies)
}

async fn publisher(run: Arc<Run>, i: usize, go: Arc<tokio::sync::Barrier>) -> Res<PubReport> {
    let id = format!("dev-{i}");
    let conn = connect(run.args.addr, &id).await?;
    let progress = run.progress.get(i).ok_or("publisher index")?;
    let topic = utf(&format!("bench/dev-{i}/data"))?;
    let (mut sink, mut stream) = conn.split();
    let qos = run.args.qos;
    let window = run.args.window;
    // QoS 1: PUBACKs are counted by a reader task.
    let run2 = Arc::clone(&run);
    let reader = tokio::spawn(async move {
        let progress = run2.progress.get(i);
        while let Some(Ok(p)) = stream.next().await {
            if let (Packet::PubAck(_), Some(pr)) = (p, progress) {
                pr.acked.fetch_add(1, Ordering::Relaxed);
                pr.wake.notify_one();
            }
        }
    });
    go.wait().await;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(run.args.seconds);
    let mut report = PubReport::default();
    // Copies written off as lost, per subscriber.
    let mut written_off = vec![0u64; progress.received.len()];
    let mut acks_written_off = 0u64;
    // Copies received by the subscriber furthest behind.
    let slowest = |written_off: &[u64]| {
        progress
            .received
            .iter()
            .zip(written_off)
            .map(|(r, off)| r.load(Ordering::Relaxed) + off)
            .min()
            .unwrap_or(0)
    };
    let mut next_id: u16 = 0;
    loop {
        if Instant::now() >= deadline || (run.args.count > 0 && report.sent >= run.args.count) {
            break;
        }
        // Room in the window?
        let acked = progress.acked.load(Ordering::Relaxed) + acks_written_off;
        let e2e_room = report.sent.saturating_sub(slowest(&written_off)) < window;
        let ack_room = qos == QoS::AtMostOnce || report.sent.saturating_sub(acked) < window;
        if e2e_room && ack_room {
            let mut p = Publish::new(topic.clone(), payload(run.now_ns()));
            p.qos = qos;
            if qos != QoS::AtMostOnce {
                next_id = next_id.checked_add(1).unwrap_or(1);
                p.packet_id = PacketId::new(next_id);
            }
            sink.feed(Packet::Publish(p))
                .await
                .map_err(|e| format!("{id}: {e}"))?;
            report.sent += 1;
            if report.sent % 16 == 0 {
                sink.flush().await.map_err(|e| format!("{id}: {e}"))?;
            }
            continue;
        }
        sink.flush().await.map_err(|e| format!("{id}: {e}"))?;
        if timeout(STALL, progress.wake.notified()).await.is_err() {
            // No progress at all: write the missing copies off.
            for (r, off) in progress.received.iter().zip(written_off.iter_mut()) {
                let missing = report.sent.saturating_sub(r.load(Ordering::Relaxed) + *off);
                *off += missing;
                report.lost += missing;
            }
            let acked = progress.acked.load(Ordering::Relaxed) + acks_written_off;
            if qos != QoS::AtMostOnce {
                acks_written_off += report.sent.saturating_sub(acked);
            }
        }
    }
    sink.flush().await.map_err(|e| format!("{id}: {e}"))?;
    report.elapsed = started.elapsed();
    // Wait (bounded) for the last acknowledgements.
    let drain_end = Instant::now() + WAIT;
    while qos != QoS::AtMostOnce
        && progress.acked.load(Ordering::Relaxed) + acks_written_off < report.sent
        && Instant::now() < drain_end
    {
        let _ = timeout(Duration::from_millis(50), progress.wake.notified()).await;
    }
    let _ = sink.send(Packet::Disconnect(Default::default())).await;
    reader.abort();
    Ok(report)
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(rank).copied().unwrap_or(0)
}

async fn main_async(args: Args) -> Res<String> {
    let run = Arc::new(Run {
        progress: (0..args.publishers)
            .map(|_| Progress {
                received: (0..args.subscribers).map(|_| AtomicU64::new(0)).collect(),
                ..Progress::default()
            })
            .collect(),
        args: args.clone(),
        start: Instant::now(),
        stop: AtomicBool::new(false),
    });
    // Subscribers first (all SUBACKed), then the publishers start together.
    let ready = Arc::new(tokio::sync::Barrier::new(args.subscribers + 1));
    let subs: Vec<_> = (0..args.subscribers)
        .map(|j| tokio::spawn(subscriber(Arc::clone(&run), j, Arc::clone(&ready))))
        .collect();
    timeout(WAIT * 2, ready.wait())
        .await
        .map_err(|_| "subscribers did not all subscribe in time".to_owned())?;
    let go = Arc::new(tokio::sync::Barrier::new(args.publishers + 1));
    let pubs: Vec<_> = (0..args.publishers)
        .map(|i| tokio::spawn(publisher(Arc::clone(&run), i, Arc::clone(&go))))
        .collect();
    timeout(WAIT * 2, go.wait())
        .await
        .map_err(|_| "publishers did not all connect in time".to_owned())?;
    let mut sent = 0u64;
    let mut lost = 0u64;
    let mut elapsed = Duration::ZERO;
    for p in pubs {
        let r = p.await.map_err(|e| format!("publisher task: {e}"))??;
        sent += r.sent;
        lost += r.lost;
        elapsed = elapsed.max(r.elapsed);
    }
    // Let the last deliveries arrive (bounded).
    let subs_n = u64::try_from(args.subscribers).unwrap_or(1);
    let expected = sent * subs_n;
    let drain_end = Instant::now() + WAIT;
    let received = |run: &Run| {
        run.progress
            .iter()
            .flat_map(|p| &p.received)
            .map(|r| r.load(Ordering::Relaxed))
            .sum::<u64>()
    };
    while received(&run) < expected.saturating_sub(lost) && Instant::now() < drain_end {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    run.stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for s in subs {
        all.extend(s.await.map_err(|e| format!("subscriber task: {e}"))??);
    }
    all.sort_unstable();
    let delivered = received(&run);
    let secs = elapsed.as_secs_f64().max(1e-9);
    Ok(serde_json::json!({
        "broker": args.label,
        "qos": u8::from(args.qos),
        "publishers": args.publishers,
        "subscribers": args.subscribers,
        "payload_bytes": PAYLOAD_LEN,
        "seconds": (secs * 100.0).round() / 100.0,
        "published": sent,
        "published_per_s": (sent as f64 / secs).round(),
        "delivered": delivered,
        "delivered_per_s": (delivered as f64 / secs).round(),
        "lost": expected.saturating_sub(delivered),
        "p50_us": percentile(&all, 0.50),
        "p99_us": percentile(&all, 0.99),
    })
    .to_string())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mqtt-load: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mqtt-load: cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(main_async(args)) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mqtt-load: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_64_bytes_of_json_with_the_time() {
        let p = payload(1234);
        assert_eq!(p.len(), PAYLOAD_LEN);
        assert_eq!(payload_time(&p), Some(1234));
        let v: serde_json::Value = serde_json::from_slice(&p).unwrap();
        assert_eq!(v["v"], 1);
        assert_eq!(publisher_of("bench/dev-7/data"), Some(7));
    }
}
