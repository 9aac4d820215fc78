//! Shared helpers of the broker integration tests: a broker process killed
//! on drop, peer detection with the IOTKIT_REQUIRE_PEERS rule, bounded
//! process runs and a raw MQTT client built on the codec.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use iot_mqtt_codec::{
    Connect, Decoder, Packet, PacketId, Properties, Property, ProtocolVersion, Publish, ReasonCode,
    Subscribe, SubscriptionOptions, Utf8Str,
};

/// Upper bound for any single wait in these tests.
pub const WAIT: Duration = Duration::from_secs(10);

/// A broker process, killed on drop.
pub struct Broker {
    pub child: Child,
    pub port: u16,
    /// Lines the broker prints on stdout after the address line.
    pub stdout: mpsc::Receiver<String>,
}

impl Broker {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_iotkit"));
        cmd.args(["broker", "--listen", "127.0.0.1:0"]).args(extra);
        Self::spawn(cmd)
    }

    /// Starts `cmd` (an `iotkit broker` command line) and waits for the
    /// address line on its stdout.
    fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start iotkit broker");
        let rx = line_channel(child.stdout.take().unwrap());
        let line = match rx.recv_timeout(WAIT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("broker did not report its address");
            }
        };
        let addr = line
            .strip_prefix("iotkit broker listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let port = addr.rsplit(':').next().unwrap().parse().unwrap();
        Self {
            child,
            port,
            stdout: rx,
        }
    }

    pub fn port(&self) -> String {
        self.port.to_string()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True when every program runs; otherwise skips (or fails under IOTKIT_REQUIRE_PEERS=1).
pub fn peers(programs: &[&[&str]]) -> bool {
    for argv in programs {
        let ok = Command::new(argv[0])
            .args(&argv[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success() || argv[0].starts_with("mosquitto"));
        if !ok {
            let why = format!("peer `{}` not available", argv.join(" "));
            if std::env::var("IOTKIT_REQUIRE_PEERS").as_deref() == Ok("1") {
                panic!("{why} and IOTKIT_REQUIRE_PEERS=1");
            }
            eprintln!("skipping: {why}");
            return false;
        }
    }
    true
}

/// Runs a command to completion, killing it after `limit`.
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn peer");
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("peer output"),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
    }
}

/// A hand-driven client: packets built and parsed with the codec.
pub struct Raw {
    pub stream: TcpStream,
    pub buf: BytesMut,
    pub decoder: Decoder,
    pub version: ProtocolVersion,
}

impl Raw {
    pub fn open(b: &Broker, version: ProtocolVersion) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", b.port)).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        Self {
            stream,
            buf: BytesMut::new(),
            decoder: Decoder::new(version),
            version,
        }
    }

    /// Opens a connection and completes a successful CONNECT (keep-alive
    /// 60 s, then `edit`).
    pub fn connect(
        b: &Broker,
        version: ProtocolVersion,
        id: &str,
        edit: impl FnOnce(&mut Connect),
    ) -> Self {
        Self::connect_ack(b, version, id, edit).0
    }

    pub fn send(&mut self, p: &Packet) {
        let mut out = BytesMut::new();
        p.encode(self.version, &mut out).unwrap();
        self.stream.write_all(&out).unwrap();
    }

    /// The next packet, or `None` once the broker closed the connection.
    pub fn recv(&mut self) -> Option<Packet> {
        loop {
            if let Some(p) = self.decoder.decode(&mut self.buf).unwrap() {
                return Some(p);
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("read failed (timeout?): {e}"),
            }
        }
    }

    pub fn expect_closed(&mut self) {
        let started = Instant::now();
        while let Some(p) = self.recv() {
            assert!(started.elapsed() < WAIT, "still open, last packet {p:?}");
        }
    }

    /// Asserts that nothing arrives for `quiet`.
    pub fn expect_silence(&mut self, quiet: Duration) {
        assert!(self.buf.is_empty(), "unread bytes {:?}", self.buf);
        self.stream.set_read_timeout(Some(quiet)).unwrap();
        let mut chunk = [0u8; 64];
        match self.stream.read(&mut chunk) {
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            other => panic!("expected silence, got {other:?}"),
        }
        self.stream.set_read_timeout(Some(WAIT)).unwrap();
    }

    pub fn ping(&mut self) {
        self.send(&Packet::PingReq);
        assert_eq!(self.recv(), Some(Packet::PingResp));
    }
}

pub fn disconnect_reason(p: Option<Packet>) -> ReasonCode {
    match p {
        Some(Packet::Disconnect(d)) => d.reason_code,
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
}

/// A fresh empty directory under the system temp dir for one test.
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("iotkit-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Broker {
    /// Writes `toml` (and `files`, name → text) to `dir` and starts a broker
    /// with `--config dir/broker.toml`.
    pub fn start_with_config(dir: &std::path::Path, toml: &str, files: &[(&str, &str)]) -> Self {
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let path = dir.join("broker.toml");
        std::fs::write(&path, toml).unwrap();
        Self::start_with(&["--config", path.to_str().unwrap()])
    }
}

impl Raw {
    /// Like [`Raw::connect`], also returning the CONNACK (Session Present,
    /// properties); asserts it is a success.
    pub fn connect_ack(
        b: &Broker,
        version: ProtocolVersion,
        id: &str,
        edit: impl FnOnce(&mut Connect),
    ) -> (Self, iot_mqtt_codec::ConnAck) {
        let mut raw = Self::open(b, version);
        let mut c = Connect::new(version, Utf8Str::new(id).unwrap());
        c.keep_alive = 60;
        edit(&mut c);
        raw.send(&Packet::from(c));
        match raw.recv() {
            Some(Packet::ConnAck(ack)) => {
                assert_eq!(ack.reason_code, ReasonCode::SUCCESS);
                (raw, ack)
            }
            other => panic!("expected CONNACK, got {other:?}"),
        }
    }
}

/// Resident set size of process `pid` in KiB (`VmRSS` in `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .map(|v| v.trim().parse().unwrap())
        .expect("VmRSS in /proc/PID/status")
}

impl Broker {
    /// Starts a broker whose open-file limit is raised to `limit` first
    /// (`ulimit -n` in a shell that then execs the broker, so the broker's
    /// pid is the child's; the shell falls back to the hard limit).
    pub fn start_with_fd_limit(limit: u32, extra: &[&str]) -> Self {
        let script = format!(
            "ulimit -n {limit} 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$0\" \"$@\""
        );
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(script)
            .arg(env!("CARGO_BIN_EXE_iotkit"))
            .args(["broker", "--listen", "127.0.0.1:0"])
            .args(extra);
        Self::spawn(cmd)
    }
}

/// A topic name or filter known to be valid.
pub fn utf(s: &str) -> Utf8Str {
    Utf8Str::new(s).unwrap()
}

/// A non-zero packet identifier.
pub fn pid(id: u16) -> PacketId {
    PacketId::new(id).unwrap()
}

impl Raw {
    /// Sends a SUBSCRIBE (packet id `id`, `props` as its properties) and
    /// returns the SUBACK's reason codes.
    pub fn subscribe_to(
        &mut self,
        id: u16,
        filters: &[(&str, SubscriptionOptions)],
        props: &[Property],
    ) -> Vec<u8> {
        let list = filters.iter().map(|(f, o)| (utf(f), *o)).collect();
        let mut s = Subscribe::new(pid(id), list);
        s.properties = Properties::from_list(props.iter().cloned()).unwrap();
        self.send(&Packet::Subscribe(s));
        match self.recv() {
            Some(Packet::SubAck(a)) => a.reason_codes.iter().map(|r| r.0).collect(),
            other => panic!("expected SUBACK, got {other:?}"),
        }
    }

    /// The next packet, which must be a PUBLISH (not acknowledged).
    pub fn recv_publish(&mut self) -> Publish {
        match self.recv() {
            Some(Packet::Publish(p)) => p,
            other => panic!("expected PUBLISH, got {other:?}"),
        }
    }
}

/// The lines `out` prints, on a channel. The reader keeps draining after
/// the receiver is gone, so the writer never blocks on a full pipe.
pub fn line_channel(out: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    rx
}

/// A peer process (such as `mosquitto_sub`) whose stdout lines arrive on
/// a channel; killed on drop.
pub struct Lines {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Lines {
    /// Starts `cmd` with stdin closed and stdout captured.
    pub fn spawn(cmd: &mut Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
        let lines = line_channel(child.stdout.take().unwrap());
        Self { child, lines }
    }

    /// The next line, or `None` if none comes within [`WAIT`] (or the
    /// process exited).
    pub fn next_line(&self) -> Option<String> {
        self.line_within(WAIT)
    }

    /// The next line if one comes within `limit` (`Duration::ZERO`: only
    /// a line already received).
    pub fn line_within(&self, limit: Duration) -> Option<String> {
        if limit.is_zero() {
            self.lines.try_recv().ok()
        } else {
            self.lines.recv_timeout(limit).ok()
        }
    }

    /// The next line, which must come within [`WAIT`].
    pub fn line(&self) -> String {
        self.next_line()
            .unwrap_or_else(|| panic!("no line from the peer within {WAIT:?}"))
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `mosquitto_pub` against `b` (`-V version -t topic -m msg`, then
/// `extra`) and asserts it succeeded.
pub fn mosquitto_pub(b: &Broker, version: &str, topic: &str, msg: &str, extra: &[&str]) {
    let out = run_bounded(
        Command::new("mosquitto_pub")
            .args(["-h", "127.0.0.1", "-p", &b.port(), "-V", version])
            .args(["-t", topic, "-m", msg])
            .args(extra),
        WAIT,
    );
    assert!(
        out.status.success(),
        "mosquitto_pub failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `tests/{script}` (a paho-mqtt client in Python) against `b` and
/// asserts it succeeded and printed `marker`; skips without paho.
pub fn paho_script(b: &Broker, script: &str, marker: &str) {
    if !peers(&[&["python3", "-c", "import paho.mqtt.client"]]) {
        return;
    }
    let path = format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = run_bounded(
        Command::new("python3").args([&path, "127.0.0.1", &b.port()]),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(marker), "{stdout}");
}
