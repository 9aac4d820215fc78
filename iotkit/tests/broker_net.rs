#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `iotkit broker` listeners: MQTT over TLS with client certificates,
//! policies attached to certificates, MQTT over WebSocket (ws and wss) and
//! HTTP(S) publish, driven by real peers (mosquitto clients, paho-mqtt,
//! Python's urllib / http.client, openssl) and by hand-made frames.
//!
//! Expected values come from the specifications: RFC 6455 §1.3's example
//! key/accept pair and frame layout, MQTT 5.0 §6 (binary frames, path
//! `/mqtt`, subprotocol `mqtt`, a packet may span frames), the AWS IoT
//! data-plane Publish API (`POST /topics/{topic}?qos=&retain=`, 200 with
//! `{"message":"OK","traceId":...}`, 403 ForbiddenException, 405, 400) and
//! AWS IoT policy variables (`${iot:Certificate.Subject.CommonName}`,
//! `iot:CertificateId` = SHA-256 of the DER, as `openssl x509 -fingerprint
//! -sha256` prints it).

mod broker_common;

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use broker_common::{Broker, Lines, Raw, WAIT, peers, run_bounded, scratch_dir};
use bytes::BytesMut;
use iot_mqtt_codec::{
    Connect, Decoder, Packet, PacketId, Property, ProtocolVersion, QoS, ReasonCode, Subscribe,
    SubscriptionOptions, Utf8Str,
};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use serde_json::Value;

// ------------------------------------------------------------ helpers

/// The `iotkit broker NAME listening on ADDR` lines that follow the MQTT
/// address line, as name → port.
fn listener_ports(b: &Broker, n: usize) -> HashMap<String, u16> {
    let mut ports = HashMap::new();
    for _ in 0..n {
        let line = b.stdout.recv_timeout(WAIT).expect("a listener line");
        let rest = line.strip_prefix("iotkit broker ").unwrap();
        let (name, addr) = rest.split_once(" listening on ").unwrap();
        let port = addr.rsplit(':').next().unwrap().parse().unwrap();
        ports.insert(name.to_owned(), port);
    }
    ports
}

/// A test PKI under `dir`: `ca.pem`, `server.{pem,key}` (127.0.0.1),
/// `device-1.{pem,key}`, `device-2.{pem,key}` issued by the CA, and
/// `rogue.{pem,key}` (CN device-1) issued by another CA.
fn make_pki(dir: &Path) {
    let ca = |cn: &str| {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name = DistinguishedName::new();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = p.self_signed(&key).unwrap();
        (cert, key)
    };
    let (ca_cert, ca_key) = ca("iotkit test CA");
    let (rogue_ca, rogue_key) = ca("rogue CA");
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    let leaf = |name: &str, cn: &str, server: bool, issuer: &rcgen::Certificate, ikey: &KeyPair| {
        let key = KeyPair::generate().unwrap();
        let sans = if server {
            vec!["127.0.0.1".to_owned(), "localhost".to_owned()]
        } else {
            Vec::new()
        };
        let mut p = CertificateParams::new(sans).unwrap();
        p.distinguished_name = DistinguishedName::new();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.extended_key_usages = vec![if server {
            ExtendedKeyUsagePurpose::ServerAuth
        } else {
            ExtendedKeyUsagePurpose::ClientAuth
        }];
        let cert = p.signed_by(&key, issuer, ikey).unwrap();
        std::fs::write(dir.join(format!("{name}.pem")), cert.pem()).unwrap();
        std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem()).unwrap();
    };
    leaf("server", "localhost", true, &ca_cert, &ca_key);
    leaf("device-1", "device-1", false, &ca_cert, &ca_key);
    leaf("device-2", "device-2", false, &ca_cert, &ca_key);
    leaf("rogue", "device-1", false, &rogue_ca, &rogue_key);
}

/// `openssl x509 -fingerprint -sha256` of a PEM file (`AB:CD:...`).
fn openssl_fingerprint(pem: &Path) -> String {
    let out = run_bounded(
        Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
            .arg(pem),
        WAIT,
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    text.trim().split_once('=').unwrap().1.to_owned()
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

/// mosquitto client arguments for TLS with `who`'s certificate (`None`: no
/// client certificate).
fn tls_args(dir: &Path, port: u16, who: Option<&str>) -> Vec<String> {
    let mut args = vec![
        "-h".to_owned(),
        "127.0.0.1".to_owned(),
        "-p".to_owned(),
        port.to_string(),
        "--cafile".to_owned(),
        path(dir, "ca.pem"),
    ];
    if let Some(who) = who {
        args.extend([
            "--cert".to_owned(),
            path(dir, &format!("{who}.pem")),
            "--key".to_owned(),
            path(dir, &format!("{who}.key")),
        ]);
    }
    args
}

fn mosquitto_pub(args: &[String], extra: &[&str]) -> std::process::Output {
    run_bounded(Command::new("mosquitto_pub").args(args).args(extra), WAIT)
}

/// A running `mosquitto_sub -v -W 20` with `args` then `extra`.
fn mosquitto_sub(args: &[String], extra: &[&str]) -> Lines {
    Lines::spawn(
        Command::new("mosquitto_sub")
            .args(args)
            .args(["-v", "-W", "20"])
            .args(extra),
    )
}

/// Sends raw `request` bytes to `port` and returns (status, body).
fn http_raw(port: u16, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    // The broker may answer (and stop reading) before a refused body is all sent.
    let _ = s.write_all(request);
    let mut text = Vec::new();
    let _ = s.read_to_end(&mut text);
    let text = String::from_utf8_lossy(&text).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"))
        .parse()
        .unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn post(port: u16, target: &str, body: &str) -> (u16, String) {
    let req = format!(
        "POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    http_raw(port, req.as_bytes())
}

fn python(script: &str, args: &[&str]) -> (bool, String) {
    let out = run_bounded(
        Command::new("python3").arg("-c").arg(script).args(args),
        Duration::from_secs(60),
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

// ------------------------------------------------------------ TLS + policies

const ARN: &str = "arn:aws:iot:us-east-1:123456789012";

/// A device may connect as `{CN}-*` and use only `devices/{CN}/...`.
fn cn_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iot:Connect",
             "Resource": format!("{ARN}:client/${{iot:Certificate.Subject.CommonName}}-*")},
            {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive", "iot:RetainPublish"],
             "Resource": format!("{ARN}:topic/devices/${{iot:Certificate.Subject.CommonName}}/*")},
            {"Effect": "Allow", "Action": "iot:Subscribe",
             "Resource": format!("{ARN}:topicfilter/devices/${{iot:Certificate.Subject.CommonName}}/*")}
        ]
    })
    .to_string()
}

/// A broker with every TLS listener, the CA, and `cn_policy` attached to
/// device-1 by common name and to device-2 by fingerprint.
fn tls_broker(name: &str) -> Option<(Broker, PathBuf, HashMap<String, u16>)> {
    if !peers(&[
        &["mosquitto_pub", "--help"],
        &["mosquitto_sub", "--help"],
        &["openssl", "version"],
    ]) {
        return None;
    }
    let dir = scratch_dir(name);
    make_pki(&dir);
    let fingerprint = openssl_fingerprint(&dir.join("device-2.pem"));
    let toml = format!(
        r#"
tls_listen = "127.0.0.1:0"
wss_listen = "127.0.0.1:0"
https_listen = "127.0.0.1:0"

[tls]
cert = "server.pem"
key = "server.key"
ca = "ca.pem"

[[policies]]
name = "device"
path = "device.json"

[[policies]]
name = "plain"
document = '{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "iot:Connect", "Resource": "{ARN}:client/plain-1"}}]}}'

[[attach]]
client_id = "plain-1"
policies = ["plain"]

[[attach]]
cert_cn = "device-1"
policies = ["device"]

[[attach]]
cert_fingerprint = "{fingerprint}"
policies = ["device"]
"#
    );
    let b = Broker::start_with_config(&dir, &toml, &[("device.json", &cn_policy())]);
    let ports = listener_ports(&b, 3);
    Some((b, dir, ports))
}

fn tls_policy_round_trip(version: &str) {
    let Some((_b, dir, ports)) = tls_broker(&format!("tls-{version}")) else {
        return;
    };
    let port = ports["tls"];
    let dev1 = tls_args(&dir, port, Some("device-1"));
    let dev2 = tls_args(&dir, port, Some("device-2"));
    let v = ["-V", version];
    // A retained message first, so the subscriber's first line proves it is subscribed.
    let out = mosquitto_pub(
        &dev1,
        &[
            &v[..],
            &[
                "-i",
                "device-1-pub",
                "-t",
                "devices/device-1/ready",
                "-m",
                "ready",
                "-r",
                "-q",
                "1",
            ],
        ]
        .concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sub = mosquitto_sub(
        &dev1,
        &[
            &v[..],
            &[
                "-i",
                "device-1-sub",
                "-t",
                "devices/device-1/#",
                "-q",
                "1",
                "-C",
                "3",
            ],
        ]
        .concat(),
    );
    assert_eq!(sub.line(), "devices/device-1/ready ready");

    let out = mosquitto_pub(
        &dev1,
        &[
            &v[..],
            &[
                "-i",
                "device-1-pub",
                "-t",
                "devices/device-1/temp",
                "-m",
                "21",
                "-q",
                "1",
            ],
        ]
        .concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sub.line(), "devices/device-1/temp 21");

    // device-2 (attached by fingerprint) may connect and publish on its own
    // topics, but not on device-1's: that PUBLISH is refused and never delivered.
    let out = mosquitto_pub(
        &dev2,
        &[
            &v[..],
            &[
                "-i",
                "device-2-pub",
                "-t",
                "devices/device-2/temp",
                "-m",
                "5",
                "-q",
                "1",
            ],
        ]
        .concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = mosquitto_pub(
        &dev2,
        &[
            &v[..],
            &[
                "-i",
                "device-2-pub",
                "-t",
                "devices/device-1/temp",
                "-m",
                "forged",
                "-q",
                "1",
            ],
        ]
        .concat(),
    );
    let out = mosquitto_pub(
        &dev1,
        &[
            &v[..],
            &[
                "-i",
                "device-1-pub",
                "-t",
                "devices/device-1/last",
                "-m",
                "done",
                "-q",
                "1",
            ],
        ]
        .concat(),
    );
    assert!(out.status.success());
    assert_eq!(sub.line(), "devices/device-1/last done");

    // Refused: a client id the certificate's policy does not allow, no
    // client certificate, and a certificate from another CA.
    let refused = [
        (dev1.clone(), "device-2-pub"),
        (tls_args(&dir, port, None), "device-1-pub"),
        (tls_args(&dir, port, Some("rogue")), "device-1-pub"),
    ];
    for (args, id) in refused {
        let out = mosquitto_pub(
            &args,
            &[
                &v[..],
                &[
                    "-i",
                    id,
                    "-t",
                    "devices/device-1/temp",
                    "-m",
                    "x",
                    "-q",
                    "1",
                ],
            ]
            .concat(),
        );
        assert!(
            !out.status.success(),
            "connection as {id} with {args:?} was accepted"
        );
    }
}

#[test]
fn tls_v311_client_certificates_and_common_name_policy() {
    tls_policy_round_trip("mqttv311");
}

#[test]
fn tls_v5_client_certificates_and_common_name_policy() {
    tls_policy_round_trip("5");
}

#[test]
fn plain_tcp_keeps_client_id_attachments_and_gets_no_certificate_ones() {
    let Some((b, _dir, _ports)) = tls_broker("tls-plain") else {
        return;
    };
    let mut ok = Raw::connect(&b, ProtocolVersion::V5, "plain-1", |_| {});
    ok.ping();
    // device-1's policy is attached to its certificate, not to a client id.
    let mut raw = Raw::open(&b, ProtocolVersion::V5);
    let c = Connect::new(ProtocolVersion::V5, Utf8Str::new("device-1-sub").unwrap());
    raw.send(&Packet::from(c));
    match raw.recv() {
        Some(Packet::ConnAck(ack)) => assert_eq!(ack.reason_code, ReasonCode::NOT_AUTHORIZED),
        other => panic!("expected CONNACK 0x87, got {other:?}"),
    }
}

#[test]
fn https_publish_is_checked_against_the_certificate_policy() {
    if !peers(&[&["python3", "-c", "import ssl, http.client"]]) {
        return;
    }
    let Some((_b, dir, ports)) = tls_broker("https") else {
        return;
    };
    let sub = mosquitto_sub(
        &tls_args(&dir, ports["tls"], Some("device-1")),
        &[
            "-i",
            "device-1-sub",
            "-t",
            "devices/device-1/#",
            "-q",
            "1",
            "-C",
            "2",
        ],
    );
    // Retained, so the subscriber gets it whenever its subscription lands.
    let script = r#"
import http.client, json, ssl, sys
port, ca, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
for target in ["/topics/devices/device-1/http?qos=1&retain=true", "/topics/devices/device-2/http?qos=1"]:
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    c.request("POST", target, body=b"via https")
    r = c.getresponse()
    body = json.loads(r.read())
    print(r.status, body["message"], r.getheader("x-amzn-ErrorType"), "traceId" in body)
"#;
    let (ok, text) = python(
        script,
        &[
            &ports["https"].to_string(),
            &path(&dir, "ca.pem"),
            &path(&dir, "device-1.pem"),
            &path(&dir, "device-1.key"),
        ],
    );
    assert!(ok, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "200 OK None True", "{text}");
    assert!(
        lines[1].starts_with("403 ") && lines[1].ends_with(" ForbiddenException True"),
        "{text}"
    );
    assert_eq!(sub.line(), "devices/device-1/http via https");
}

#[test]
fn wss_paho_with_client_certificate() {
    if !peers(&[&["python3", "-c", "import paho.mqtt.client"]]) {
        return;
    }
    let Some((_b, dir, ports)) = tls_broker("wss") else {
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/broker_net_paho.py");
    let out = run_bounded(
        Command::new("python3").args([
            script,
            "127.0.0.1",
            &ports["wss"].to_string(),
            "devices/device-1",
            "device-1-",
            &path(&dir, "ca.pem"),
            &path(&dir, "device-1.pem"),
            &path(&dir, "device-1.key"),
        ]),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("paho ws: all ok"), "{stdout}");
}

#[test]
fn bad_tls_settings_stop_the_broker_at_start() {
    let dir = scratch_dir("tls-bad");
    std::fs::write(dir.join("broker.toml"), "tls_listen = \"127.0.0.1:0\"\n").unwrap();
    let out = run_bounded(
        Command::new(env!("CARGO_BIN_EXE_iotkit"))
            .args(["broker", "--listen", "127.0.0.1:0", "--config"])
            .arg(dir.join("broker.toml")),
        WAIT,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("certificate and key"));
}

// ------------------------------------------------------------ WebSocket

fn ws_broker() -> (Broker, u16) {
    let b = Broker::start_with(&["--ws-listen", "127.0.0.1:0"]);
    let port = listener_ports(&b, 1)["ws"];
    (b, port)
}

#[test]
fn websocket_paho_v311_and_v5_round_trip() {
    if !peers(&[&["python3", "-c", "import paho.mqtt.client"]]) {
        return;
    }
    let (_b, port) = ws_broker();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/broker_net_paho.py");
    let out = run_bounded(
        Command::new("python3").args([script, "127.0.0.1", &port.to_string(), "ws", "paho-ws-"]),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("paho ws: all ok"), "{stdout}");
}

/// The RFC 6455 §1.3 handshake; returns the stream after the 101 head, or
/// the head of a refusal.
fn ws_handshake(port: u16, path: &str, protocol: Option<&str>) -> (TcpStream, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let proto = protocol
        .map(|p| format!("Sec-WebSocket-Protocol: {p}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{proto}\r\n"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    (s, String::from_utf8_lossy(&head).to_lowercase())
}

/// A masked client frame (RFC 6455 §5.2), payload under 126 bytes.
fn client_frame(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
    let mask = [0x11, 0x22, 0x33, 0x44];
    let mut f = vec![
        opcode | if fin { 0x80 } else { 0 },
        0x80 | payload.len() as u8,
    ];
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

#[test]
fn websocket_packet_spanning_messages_and_refusals() {
    let (_b, port) = ws_broker();
    let (mut s, head) = ws_handshake(port, "/mqtt", Some("mqtt"));
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(
        head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
        "{head}"
    );
    assert!(head.contains("sec-websocket-protocol: mqtt\r\n"), "{head}");

    // A CONNECT split over two binary messages, then a PINGREQ in a
    // fragmented message (binary + continuation).
    let mut c = Connect::new(ProtocolVersion::V5, Utf8Str::new("ws-raw").unwrap());
    c.keep_alive = 30;
    let mut bytes = BytesMut::new();
    Packet::from(c)
        .encode(ProtocolVersion::V5, &mut bytes)
        .unwrap();
    let (a, rest) = bytes.split_at(5);
    s.write_all(&client_frame(0x2, true, a)).unwrap();
    s.write_all(&client_frame(0x2, true, rest)).unwrap();
    let decoder = Decoder::new(ProtocolVersion::V5);
    let mut buf = BytesMut::new();
    let mut next_packet = |s: &mut TcpStream| loop {
        if let Some(p) = decoder.decode(&mut buf).unwrap() {
            return p;
        }
        // Server frames are unmasked binary frames (0x82), short here.
        let mut hdr = [0u8; 2];
        s.read_exact(&mut hdr).unwrap();
        assert_eq!(hdr[0], 0x82, "binary, final frame");
        let mut payload = vec![0u8; usize::from(hdr[1] & 0x7f)];
        s.read_exact(&mut payload).unwrap();
        buf.extend_from_slice(&payload);
    };
    match next_packet(&mut s) {
        Packet::ConnAck(ack) => assert_eq!(ack.reason_code, ReasonCode::SUCCESS),
        other => panic!("expected CONNACK, got {other:?}"),
    }
    s.write_all(&client_frame(0x2, false, &[0xC0])).unwrap();
    s.write_all(&client_frame(0x0, true, &[0x00])).unwrap();
    assert_eq!(next_packet(&mut s), Packet::PingResp);

    let (_, head) = ws_handshake(port, "/other", Some("mqtt"));
    assert!(head.starts_with("http/1.1 404"), "{head}");
    let (_, head) = ws_handshake(port, "/mqtt", None);
    assert!(head.starts_with("http/1.1 400"), "{head}");
    // Still serving.
    let (_, head) = ws_handshake(port, "/mqtt?x-amz-foo=1", Some("mqtt, mqttv3.1"));
    assert!(head.starts_with("http/1.1 101"), "{head}");
}

// ------------------------------------------------------------ HTTP

fn http_broker() -> (Broker, u16) {
    let b = Broker::start_with(&["--http-listen", "127.0.0.1:0"]);
    let port = listener_ports(&b, 1)["http"];
    (b, port)
}

fn tcp_args(b: &Broker) -> Vec<String> {
    vec![
        "-h".to_owned(),
        "127.0.0.1".to_owned(),
        "-p".to_owned(),
        b.port(),
    ]
}

#[test]
fn http_publish_reaches_mosquitto_subscribers() {
    if !peers(&[
        &["mosquitto_sub", "--help"],
        &["python3", "-c", "import urllib.request"],
    ]) {
        return;
    }
    let (b, port) = http_broker();
    // Retained first: a later subscriber receives it, which also proves its
    // subscription is active before the live message.
    let (status, body) = post(port, "/topics/http/ready?qos=1&retain=true", "ready");
    assert_eq!(status, 200, "{body}");
    let sub = mosquitto_sub(
        &tcp_args(&b),
        &["-V", "5", "-t", "http/#", "-q", "1", "-C", "2"],
    );
    assert_eq!(sub.line(), "http/ready ready");

    let script = r#"
import json, sys, urllib.request
req = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/topics/http/room%201%2Ftemp?qos=1",
    data=b'{"temp": 21}', method="POST")
with urllib.request.urlopen(req, timeout=10) as r:
    body = json.loads(r.read())
    print(r.status, body["message"], len(body["traceId"]))
"#;
    let (ok, text) = python(script, &[&port.to_string()]);
    assert!(ok, "{text}");
    assert_eq!(text.trim(), "200 OK 36");
    assert_eq!(sub.line(), r#"http/room 1/temp {"temp": 21}"#);
}

/// The MQTT 5 properties of AWS's Publish API reach an MQTT 5 subscriber.
#[test]
fn http_publish_passes_the_mqtt5_properties_on() {
    let (b, port) = http_broker();
    let mut sub = Raw::connect(&b, ProtocolVersion::V5, "props-sub", |_| {});
    let filter = (
        Utf8Str::new("props/#").unwrap(),
        SubscriptionOptions::new(QoS::AtMostOnce),
    );
    sub.send(&Packet::Subscribe(Subscribe::new(
        PacketId::new(1).unwrap(),
        vec![filter],
    )));
    assert!(matches!(sub.recv(), Some(Packet::SubAck(_))));
    // base64 of [{"deviceName": "alpha"}, {"deviceCnt": "45"}] (the API's example)
    // and of "req-7".
    let user = "W3siZGV2aWNlTmFtZSI6ICJhbHBoYSJ9LCB7ImRldmljZUNudCI6ICI0NSJ9XQ==";
    let req = format!(
        "POST /topics/props/1?contentType=text%2Fplain&responseTopic=reply%2F1&messageExpiry=60 HTTP/1.1\r\n\
         x-amz-mqtt5-payload-format-indicator: UTF8_DATA\r\n\
         x-amz-mqtt5-correlation-data: cmVxLTc=\r\n\
         x-amz-mqtt5-user-properties: {user}\r\nContent-Length: 2\r\n\r\nhi"
    );
    let (status, body) = http_raw(port, req.as_bytes());
    assert_eq!(status, 200, "{body}");
    let p = match sub.recv() {
        Some(Packet::Publish(p)) => p,
        other => panic!("expected PUBLISH, got {other:?}"),
    };
    assert_eq!(p.topic.as_str(), "props/1");
    assert_eq!(&p.payload[..], b"hi");
    let props = p.properties.to_vec();
    assert!(
        props.contains(&Property::PayloadFormatIndicator(1)),
        "{props:?}"
    );
    assert!(props.contains(&Property::ContentType(Utf8Str::new("text/plain").unwrap())));
    assert!(props.contains(&Property::ResponseTopic(Utf8Str::new("reply/1").unwrap())));
    assert!(props.contains(&Property::CorrelationData(b"req-7"[..].into())));
    let expiry = p.properties.message_expiry_interval().unwrap();
    assert!((50..=60).contains(&expiry), "{expiry}");
    let users: Vec<(String, String)> = p
        .properties
        .user_properties()
        .map(|(k, v)| (k.as_str().to_owned(), v.as_str().to_owned()))
        .collect();
    assert_eq!(
        users,
        [
            ("deviceName".to_owned(), "alpha".to_owned()),
            ("deviceCnt".to_owned(), "45".to_owned())
        ]
    );
    // UTF8_DATA with a payload that is not UTF-8 is refused.
    let req =
        b"POST /topics/props/2 HTTP/1.1\r\nx-amz-mqtt5-payload-format-indicator: UTF8_DATA\r\n\
                Content-Length: 2\r\n\r\n\xff\xfe";
    assert_eq!(http_raw(port, req).0, 400);
}

#[test]
fn http_bad_requests_get_4xx_and_the_broker_stays_up() {
    let (_b, port) = http_broker();
    let cases: [(&[u8], u16); 9] = [
        (b"GET /topics/a HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (b"POST /other/a HTTP/1.1\r\nContent-Length: 1\r\n\r\nx", 404),
        (
            b"POST /topics/a?qos=2 HTTP/1.1\r\nContent-Length: 1\r\n\r\nx",
            400,
        ),
        (
            b"POST /topics/a/%23 HTTP/1.1\r\nContent-Length: 1\r\n\r\nx",
            400,
        ),
        (
            b"POST /topics/a?retain=yes HTTP/1.1\r\nContent-Length: 1\r\n\r\nx",
            400,
        ),
        // Larger than the default maximum packet size (262144).
        (
            b"POST /topics/a HTTP/1.1\r\nContent-Length: 300000\r\n\r\n",
            413,
        ),
        (
            b"POST /topics/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            411,
        ),
        (b"\x00\x01garbage\r\n\r\n", 400),
        // A shadow response topic is reserved to the broker.
        (
            b"POST /topics/%24aws/things/t/shadow/get/accepted HTTP/1.1\r\n\r\n",
            403,
        ),
    ];
    for (req, want) in cases {
        let (status, body) = http_raw(port, req);
        assert_eq!(status, want, "{:?}: {body}", String::from_utf8_lossy(req));
        let json: Value = serde_json::from_str(&body).unwrap();
        assert!(json["traceId"].is_string(), "{body}");
    }
    // An oversized body actually sent is refused too, and the answer is readable.
    let big = "x".repeat(300_000);
    assert_eq!(post(port, "/topics/a", &big).0, 413);
    // A head of more than 16 KiB.
    let huge = format!(
        "POST /topics/a HTTP/1.1\r\nX-Filler: {}\r\n\r\n",
        "y".repeat(20_000)
    );
    assert_eq!(http_raw(port, huge.as_bytes()).0, 431);
    // Expect: 100-continue (curl sends it for larger bodies): the interim
    // answer comes before the body is sent (RFC 9110 §10.1.1).
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.write_all(b"POST /topics/a HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let mut interim = [0u8; 25];
    s.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"hello").unwrap();
    let mut rest = String::new();
    let _ = s.read_to_string(&mut rest);
    assert!(rest.starts_with("HTTP/1.1 200 "), "{rest}");
    let (status, body) = post(port, "/topics/still/up", "yes");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["message"],
        "OK"
    );
}
