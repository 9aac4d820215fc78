//! A real peer: the Debian `mosquitto` broker and `mosquitto_pub`.
//!
//! A small blocking client written with this codec talks to mosquitto with
//! MQTT 3.1.1 and 5.0; and a listener built on the codec decodes what
//! `mosquitto_pub -V 5` sends. Without mosquitto the tests print a reason
//! and pass, unless `IOTKIT_REQUIRE_PEERS=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use iot_mqtt_codec::{
    Connect, Decoder, Disconnect, Packet, PacketId, Properties, Property, ProtocolVersion, PubAck,
    PubComp, PubRec, PubRel, Publish, QoS, ReasonCode, Subscribe, SubscriptionOptions, Utf8Str,
};

const TIMEOUT: Duration = Duration::from_secs(5);

fn find(name: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

/// The peer binary, or None (after printing why) when it is absent and not required.
fn peer(name: &str) -> Option<PathBuf> {
    match find(name) {
        Some(p) => Some(p),
        None if std::env::var("IOTKIT_REQUIRE_PEERS").as_deref() == Ok("1") => {
            panic!("{name} is required (IOTKIT_REQUIRE_PEERS=1) but not installed")
        }
        None => {
            eprintln!(
                "skipping: {name} not installed (apt-get install mosquitto mosquitto-clients)"
            );
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the broker when the test ends, however it ends.
struct Broker {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_broker(bin: &Path, tag: &str) -> Broker {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("mqtt-codec-{tag}-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
    )
    .unwrap();
    let child = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let broker = Broker { child, port, dir };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < TIMEOUT,
            "mosquitto did not start listening"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    broker
}

/// A blocking MQTT client: the codec plus a socket with read timeouts.
struct Client {
    stream: TcpStream,
    decoder: Decoder,
    buf: BytesMut,
}

impl Client {
    fn connect(port: u16, version: ProtocolVersion) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        Self {
            stream,
            decoder: Decoder::new(version),
            buf: BytesMut::new(),
        }
    }

    fn send(&mut self, p: Packet) {
        let mut out = BytesMut::new();
        p.encode(self.decoder.version(), &mut out).unwrap();
        self.stream.write_all(&out).unwrap();
    }

    fn recv(&mut self) -> Packet {
        loop {
            if let Some(p) = self.decoder.decode(&mut self.buf).unwrap() {
                return p;
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).expect("read timed out");
            assert!(n > 0, "connection closed by the peer");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads packets, answering the QoS handshakes, until `done` holds for what was seen.
    fn pump(&mut self, seen: &mut Vec<Packet>, done: impl Fn(&[Packet]) -> bool) {
        let start = Instant::now();
        while !done(seen) {
            assert!(start.elapsed() < TIMEOUT, "timed out; seen {seen:#?}");
            let p = self.recv();
            match &p {
                Packet::Publish(m) if m.qos == QoS::AtLeastOnce => {
                    self.send(Packet::PubAck(PubAck::new(m.packet_id.unwrap())))
                }
                Packet::Publish(m) if m.qos == QoS::ExactlyOnce => {
                    self.send(Packet::PubRec(PubRec::new(m.packet_id.unwrap())))
                }
                Packet::PubRec(r) => self.send(Packet::PubRel(PubRel::new(r.packet_id))),
                Packet::PubRel(r) => self.send(Packet::PubComp(PubComp::new(r.packet_id))),
                _ => {}
            }
            seen.push(p);
        }
    }
}

fn s(text: &str) -> Utf8Str {
    Utf8Str::new(text).unwrap()
}

fn publishes<'a>(seen: &'a [Packet], topic: &'a str) -> impl Iterator<Item = &'a Publish> + 'a {
    seen.iter().filter_map(move |p| match p {
        Packet::Publish(m) if m.topic.as_str() == topic => Some(m),
        _ => None,
    })
}

fn has(seen: &[Packet], f: impl Fn(&Packet) -> bool) -> bool {
    seen.iter().any(f)
}

fn message(topic: &str, payload: &'static [u8], qos: QoS, id: u16) -> Publish {
    let mut m = Publish::new(s(topic), Bytes::from_static(payload));
    m.qos = qos;
    m.packet_id = if qos == QoS::AtMostOnce {
        None
    } else {
        PacketId::new(id)
    };
    m
}

/// Publishes QoS 0, 1 and 2 to our own wildcard subscriptions and checks
/// every handshake packet and delivery.
fn exchange(c: &mut Client, prefix: &str, props: Properties) {
    let sub = Packet::Subscribe(Subscribe::new(
        PacketId::new(1).unwrap(),
        vec![
            (
                s(&format!("{prefix}/+/a")),
                SubscriptionOptions::new(QoS::ExactlyOnce),
            ),
            (
                s(&format!("{prefix}/b/#")),
                SubscriptionOptions::new(QoS::AtLeastOnce),
            ),
        ],
    ));
    c.send(sub);
    let Packet::SubAck(ack) = c.recv() else {
        panic!("expected SUBACK")
    };
    assert_eq!(ack.packet_id.get(), 1);
    assert_eq!(
        ack.reason_codes,
        [ReasonCode::GRANTED_QOS_2, ReasonCode::GRANTED_QOS_1]
    );

    let mut q0 = message(&format!("{prefix}/x/a"), b"zero", QoS::AtMostOnce, 0);
    let mut q1 = message(&format!("{prefix}/b/c/d"), b"one", QoS::AtLeastOnce, 10);
    let mut q2 = message(&format!("{prefix}/y/a"), b"two", QoS::ExactlyOnce, 11);
    for m in [&mut q0, &mut q1, &mut q2] {
        m.properties = props.clone();
    }
    let (t0, t1, t2) = (
        q0.topic.to_string(),
        q1.topic.to_string(),
        q2.topic.to_string(),
    );
    c.send(Packet::Publish(q0));
    c.send(Packet::Publish(q1));
    c.send(Packet::Publish(q2));
    let mut seen = Vec::new();
    c.pump(&mut seen, |seen| {
        publishes(seen, &t0).count() == 1
            && publishes(seen, &t1).count() == 1
            && publishes(seen, &t2).count() == 1
            && has(seen, |p| matches!(p, Packet::PubAck(a) if a.packet_id.get() == 10))
            && has(seen, |p| matches!(p, Packet::PubComp(a) if a.packet_id.get() == 11))
            // the broker's own QoS 2 delivery completes with its PUBREL
            && has(seen, |p| matches!(p, Packet::PubRel(_)))
    });
    let got0 = publishes(&seen, &t0).next().unwrap();
    assert_eq!(
        (got0.qos, &got0.payload[..]),
        (QoS::AtMostOnce, &b"zero"[..])
    );
    let got1 = publishes(&seen, &t1).next().unwrap();
    assert_eq!(
        (got1.qos, &got1.payload[..]),
        (QoS::AtLeastOnce, &b"one"[..])
    );
    let got2 = publishes(&seen, &t2).next().unwrap();
    assert_eq!(
        (got2.qos, &got2.payload[..]),
        (QoS::ExactlyOnce, &b"two"[..])
    );
}

#[test]
fn mosquitto_v311_client_session() {
    let Some(bin) = peer("mosquitto") else { return };
    let broker = start_broker(&bin, "v311");
    let mut c = Client::connect(broker.port, ProtocolVersion::V311);
    c.send(Packet::from(Connect::new(
        ProtocolVersion::V311,
        s("codec-v311"),
    )));
    let Packet::ConnAck(ack) = c.recv() else {
        panic!("expected CONNACK")
    };
    assert_eq!(ack.reason_code, ReasonCode::SUCCESS);
    assert!(!ack.session_present);
    exchange(&mut c, "t311", Properties::new());
    c.send(Packet::PingReq);
    assert_eq!(c.recv(), Packet::PingResp);
    c.send(Packet::Disconnect(Disconnect::default()));
}

#[test]
fn mosquitto_v5_client_session() {
    let Some(bin) = peer("mosquitto") else { return };
    let broker = start_broker(&bin, "v5");
    let mut c = Client::connect(broker.port, ProtocolVersion::V5);
    // Empty client id: a 5.0 broker assigns one and says so in CONNACK.
    let mut connect = Connect::new(ProtocolVersion::V5, s(""));
    connect.properties =
        Properties::from_list([Property::ReceiveMaximum(20), Property::TopicAliasMaximum(5)])
            .unwrap();
    c.send(Packet::from(connect));
    let Packet::ConnAck(ack) = c.recv() else {
        panic!("expected CONNACK")
    };
    assert_eq!(ack.reason_code, ReasonCode::SUCCESS);
    let assigned = ack.properties.iter().find_map(|p| match p {
        Property::AssignedClientIdentifier(id) => Some(id),
        _ => None,
    });
    assert!(
        assigned.is_some_and(|id| !id.is_empty()),
        "CONNACK properties: {:?}",
        ack.properties
    );

    // Subscription identifier on a wildcard subscription, echoed on delivery.
    let mut sub = Subscribe::new(
        PacketId::new(2).unwrap(),
        vec![(s("t5s/#"), SubscriptionOptions::new(QoS::AtLeastOnce))],
    );
    sub.properties = Properties::from_list([Property::SubscriptionIdentifier(77)]).unwrap();
    c.send(Packet::Subscribe(sub));
    let Packet::SubAck(sa) = c.recv() else {
        panic!("expected SUBACK")
    };
    assert_eq!(sa.reason_codes, [ReasonCode::GRANTED_QOS_1]);

    let props = Properties::from_list([
        Property::MessageExpiryInterval(60),
        Property::ResponseTopic(s("t5/reply")),
        Property::CorrelationData(Bytes::from_static(b"\x01\x02")),
        Property::UserProperty(s("k1"), s("v1")),
        Property::UserProperty(s("k2"), s("v2")),
    ])
    .unwrap();
    exchange(&mut c, "t5", props);

    let mut m = message("t5s/deep/topic", b"tagged", QoS::AtLeastOnce, 20);
    m.properties = Properties::from_list([Property::UserProperty(s("a"), s("b"))]).unwrap();
    c.send(Packet::Publish(m));
    let mut seen = Vec::new();
    c.pump(&mut seen, |seen| {
        publishes(seen, "t5s/deep/topic").count() == 1
            && has(seen, |p| matches!(p, Packet::PubAck(_)))
    });
    let got = publishes(&seen, "t5s/deep/topic").next().unwrap();
    assert_eq!(
        got.properties
            .subscription_identifiers()
            .collect::<Vec<_>>(),
        [77]
    );
    let users: Vec<_> = got
        .properties
        .user_properties()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(users, [("a".to_owned(), "b".to_owned())]);
    c.send(Packet::Disconnect(Disconnect::default()));
}

#[test]
fn mosquitto_v5_properties_survive_the_broker() {
    let Some(bin) = peer("mosquitto") else { return };
    let broker = start_broker(&bin, "v5props");
    let mut c = Client::connect(broker.port, ProtocolVersion::V5);
    c.send(Packet::from(Connect::new(ProtocolVersion::V5, s("props"))));
    assert!(matches!(c.recv(), Packet::ConnAck(a) if a.reason_code == ReasonCode::SUCCESS));
    c.send(Packet::Subscribe(Subscribe::new(
        PacketId::new(3).unwrap(),
        vec![(s("p/+"), SubscriptionOptions::new(QoS::AtLeastOnce))],
    )));
    assert!(matches!(c.recv(), Packet::SubAck(_)));
    let mut m = message("p/1", b"x", QoS::AtLeastOnce, 5);
    m.properties = Properties::from_list([
        Property::MessageExpiryInterval(60),
        Property::ResponseTopic(s("p/reply")),
        Property::UserProperty(s("k1"), s("v1")),
        Property::UserProperty(s("k2"), s("v2")),
    ])
    .unwrap();
    c.send(Packet::Publish(m));
    let mut seen = Vec::new();
    c.pump(&mut seen, |seen| {
        publishes(seen, "p/1").count() == 1 && has(seen, |p| matches!(p, Packet::PubAck(_)))
    });
    let got = publishes(&seen, "p/1").next().unwrap();
    assert!(
        got.properties
            .message_expiry_interval()
            .is_some_and(|e| (58..=60).contains(&e))
    );
    assert_eq!(
        got.properties
            .response_topic()
            .map(|t| t.to_string())
            .as_deref(),
        Some("p/reply")
    );
    let users: Vec<_> = got
        .properties
        .user_properties()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(users, ["k1=v1", "k2=v2"]);
}

#[test]
fn decode_what_mosquitto_pub_v5_sends() {
    let Some(bin) = peer("mosquitto_pub") else {
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut child = Command::new(bin)
        .args([
            "-V",
            "5",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-i",
            "pubber",
            "-q",
            "1",
        ])
        .args(["-t", "sensors/1/temp", "-m", "21.5"])
        .args(["-D", "publish", "user-property", "unit", "C"])
        .args(["-D", "publish", "message-expiry-interval", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill<'a>(&'a mut Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let guard = Kill(&mut child);
    listener.set_nonblocking(false).unwrap();
    let (stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    // A server learns the version from CONNECT.
    let mut server = Client {
        stream,
        decoder: Decoder::new(ProtocolVersion::V311),
        buf: BytesMut::new(),
    };
    let Packet::Connect(connect) = server.recv() else {
        panic!("expected CONNECT")
    };
    assert_eq!(connect.protocol_version, ProtocolVersion::V5);
    assert_eq!(connect.client_id.as_str(), "pubber");
    server.decoder.set_version(ProtocolVersion::V5);
    server.send(Packet::ConnAck(iot_mqtt_codec::ConnAck::new(
        ReasonCode::SUCCESS,
    )));
    let Packet::Publish(p) = server.recv() else {
        panic!("expected PUBLISH")
    };
    assert_eq!(
        (p.topic.as_str(), &p.payload[..], p.qos),
        ("sensors/1/temp", &b"21.5"[..], QoS::AtLeastOnce)
    );
    let users: Vec<_> = p
        .properties
        .user_properties()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(users, ["unit=C"]);
    assert_eq!(p.properties.message_expiry_interval(), Some(30));
    server.send(Packet::PubAck(PubAck::new(p.packet_id.unwrap())));
    let Packet::Disconnect(d) = server.recv() else {
        panic!("expected DISCONNECT")
    };
    assert_eq!(d.reason_code, ReasonCode::NORMAL_DISCONNECTION);
    drop(guard);
}
