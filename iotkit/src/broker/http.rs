//! HTTP publish, as AWS IoT's data-plane `Publish` (`POST /topics/{topic}`):
//! the request body is the payload, `qos=0|1` (default 0) and
//! `retain=true|false` (default false) come from the query string, the topic
//! from the percent-decoded path. The MQTT 5 properties of the API are
//! passed on to subscribers: `contentType`, `responseTopic` and
//! `messageExpiry` (query), `x-amz-mqtt5-payload-format-indicator`
//! (`UNSPECIFIED_BYTES` / `UTF8_DATA`, the payload then checked),
//! `x-amz-mqtt5-correlation-data` (base64) and `x-amz-mqtt5-user-properties`
//! (base64 of a JSON array of one-pair objects, `[{"key": "value"}, ...]`). The answer is AWS's: `200` with
//! `{"message":"OK","traceId":"..."}`; errors carry the same JSON shape with
//! the reason and an `x-amzn-ErrorType` header (`InvalidRequestException`
//! 400, `ForbiddenException` 403, `MethodNotAllowedException` 405, plus 404
//! for another path, 408 for a request not complete within the connect
//! timeout, 411 for a chunked body, 413 for a body larger than the maximum
//! packet size and 431 for a head over 16 KiB).
//!
//! One request per connection (`Connection: close`), read with
//! `httparse`; `Expect: 100-continue` is honoured. Messages go through
//! [`Shared::publish`], so rules, shadows and subscribers see them. With
//! policies configured, a request that came with a client certificate
//! (`https_listen` with `tls.ca`) is checked for `iot:Publish` (and
//! `iot:RetainPublish`) with that certificate's policies, as AWS does; a
//! request without a certificate is accepted unchecked from a loopback
//! address only (a local convenience: no principal, so no policy) and
//! refused (403) from any other.

use std::hash::{BuildHasher as _, Hasher as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use iot_mqtt_codec::{Properties, Property, QoS, Utf8Str};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::time::timeout;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tracing::debug;

use super::session::WRITE_TIMEOUT;
use super::{Message, Shared, Stream, shadow};

/// Largest request head (request line and headers) accepted.
const MAX_HEAD: usize = 16 * 1024;
/// Most headers parsed in a request.
const MAX_HEADERS: usize = 64;
/// After an early error answer, how long and how much of the unread request
/// is drained before closing (so the client reads the answer, not a reset).
const DRAIN_TIME: Duration = Duration::from_secs(2);
const DRAIN_BYTES: usize = 1 << 20;

/// An HTTP answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    reason: &'static str,
    /// `x-amzn-ErrorType` for errors.
    error_type: Option<&'static str>,
    message: String,
}

impl Answer {
    fn ok() -> Self {
        Self {
            status: 200,
            reason: "OK",
            error_type: None,
            message: "OK".to_owned(),
        }
    }

    fn error(status: u16, error_type: &'static str, message: impl Into<String>) -> Self {
        let reason = match status {
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            411 => "Length Required",
            413 => "Payload Too Large",
            431 => "Request Header Fields Too Large",
            _ => "Internal Server Error",
        };
        Self {
            status,
            reason,
            error_type: Some(error_type),
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Self {
        Self::error(400, "InvalidRequestException", message)
    }

    fn encode(&self) -> Vec<u8> {
        let body = serde_json::json!({"message": self.message, "traceId": trace_id()}).to_string();
        let mut head = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
            self.status,
            self.reason,
            body.len()
        );
        if let Some(t) = self.error_type {
            head.push_str(&format!("x-amzn-ErrorType: {t}\r\n"));
        }
        if self.status == 405 {
            head.push_str("allow: POST\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(body.as_bytes());
        out
    }
}

/// A random-looking UUID (version 4 layout) for `traceId`.
fn trace_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let half = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_u64(salt);
        h.finish()
    };
    let (a, b) = (half(1), half(2));
    let version = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
    let variant = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        version >> 32,
        (version >> 16) & 0xffff,
        version & 0xffff,
        variant >> 48,
        variant & 0xffff_ffff_ffff
    )
}

/// Serves one HTTP request on `stream`.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    mut stream: Stream,
    peer: SocketAddr,
    cert: Option<CertificateDer<'static>>,
    tls: bool,
) {
    let request = handle(&shared, &mut stream, peer, cert.as_deref());
    let (answer, drain) = match timeout(shared.config.connect_timeout, request).await {
        Ok(Some(done)) => done,
        Ok(None) => return, // The client went away.
        Err(_) => (
            Answer::error(
                408,
                "RequestTimeoutException",
                "request not complete in time",
            ),
            false,
        ),
    };
    debug!(%peer, tls, status = answer.status, message = %answer.message, "HTTP publish");
    let reply = async {
        stream.write_all(&answer.encode()).await?;
        stream.shutdown().await
    };
    if !matches!(timeout(WRITE_TIMEOUT, reply).await, Ok(Ok(()))) {
        return;
    }
    if drain {
        let mut sink = [0u8; 8192];
        let mut left = DRAIN_BYTES;
        let drained = async {
            while left > 0 {
                match stream.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => left = left.saturating_sub(n),
                }
            }
        };
        let _ = timeout(DRAIN_TIME, drained).await;
    }
}

/// Reads and runs one request; `None` if the connection ended first. The
/// flag says whether unread request bytes may remain.
async fn handle(
    shared: &Shared,
    stream: &mut Stream,
    peer: SocketAddr,
    cert: Option<&[u8]>,
) -> Option<(Answer, bool)> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_len = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(chunk.get(..n)?);
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        match httparse::Request::new(&mut headers).parse(&buf) {
            Ok(httparse::Status::Complete(len)) => break len,
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
                return Some((
                    Answer::error(431, "InvalidRequestException", "request head too large"),
                    true,
                ));
            }
            Err(err) => return Some((Answer::bad(format!("malformed request: {err}")), true)),
        }
    };
    if head_len > MAX_HEAD {
        let a = Answer::error(431, "InvalidRequestException", "request head too large");
        return Some((a, true));
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    if req.parse(&buf).is_err() {
        return Some((Answer::bad("malformed request"), true));
    }
    let request = match Request::read(&req, shared.config.max_packet_size) {
        Ok(r) => r,
        Err(answer) => return Some((answer, true)),
    };
    if request.expect_continue
        && stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await
            .is_err()
    {
        return None;
    }
    let mut body = buf.get(head_len..).unwrap_or_default().to_vec();
    body.truncate(request.length);
    while body.len() < request.length {
        let want = (request.length - body.len()).min(chunk.len());
        let n = stream.read(chunk.get_mut(..want)?).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(chunk.get(..n)?);
    }
    Some((publish(shared, request, body, peer, cert), false))
}

/// What a request asks for, once its head is checked.
#[derive(Debug)]
struct Request {
    topic: Utf8Str,
    qos: QoS,
    retain: bool,
    /// MQTT 5 properties from the request.
    properties: Vec<Property>,
    /// `UTF8_DATA`: the payload must be UTF-8.
    utf8: bool,
    length: usize,
    expect_continue: bool,
}

impl Request {
    /// Checks method, path, query and headers of `req`.
    fn read(req: &httparse::Request<'_, '_>, max_payload: u32) -> Result<Self, Answer> {
        if req.method != Some("POST") {
            return Err(Answer::error(
                405,
                "MethodNotAllowedException",
                "only POST /topics/{topic} is served",
            ));
        }
        let target = req.path.unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let Some(encoded) = path.strip_prefix("/topics/") else {
            return Err(Answer::error(
                404,
                "ResourceNotFoundException",
                "only POST /topics/{topic} is served",
            ));
        };
        let topic = percent_decode(encoded)
            .ok_or_else(|| Answer::bad("the topic is not percent-encoded UTF-8"))?;
        if topic_match::TopicName::new(&topic).is_err() {
            return Err(Answer::bad(format!("invalid topic name {topic:?}")));
        }
        let topic = Utf8Str::new(&topic).map_err(|e| Answer::bad(format!("invalid topic: {e}")))?;
        let (mut qos, mut retain) = (QoS::AtMostOnce, false);
        let mut properties = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match (key, value) {
                ("contentType", v) => properties.push(Property::ContentType(query_str(v)?)),
                ("responseTopic", v) => {
                    let t = query_str(v)?;
                    if topic_match::TopicName::new(t.as_str()).is_err() {
                        return Err(Answer::bad("responseTopic must be a topic name"));
                    }
                    properties.push(Property::ResponseTopic(t));
                }
                ("messageExpiry", v) => {
                    let secs = v
                        .parse::<u32>()
                        .map_err(|_| Answer::bad("messageExpiry must be 0 to 4294967295"))?;
                    properties.push(Property::MessageExpiryInterval(secs));
                }
                ("qos", "0") => qos = QoS::AtMostOnce,
                ("qos", "1") => qos = QoS::AtLeastOnce,
                ("qos", _) => return Err(Answer::bad("qos must be 0 or 1")),
                ("retain", "true") => retain = true,
                ("retain", "false") => retain = false,
                ("retain", _) => return Err(Answer::bad("retain must be true or false")),
                _ => {} // Other AWS parameters (contentType, ...) are not used.
            }
        }
        let mut length = None;
        let mut expect_continue = false;
        let mut utf8 = false;
        for h in req.headers.iter() {
            if h.name
                .eq_ignore_ascii_case("x-amz-mqtt5-payload-format-indicator")
            {
                utf8 = match h.value {
                    b"UTF8_DATA" => true,
                    b"UNSPECIFIED_BYTES" => false,
                    _ => return Err(Answer::bad("invalid payload format indicator")),
                };
                properties.push(Property::PayloadFormatIndicator(u8::from(utf8)));
            }
            if h.name.eq_ignore_ascii_case("x-amz-mqtt5-correlation-data") {
                let data = base64::engine::general_purpose::STANDARD
                    .decode(h.value)
                    .map_err(|_| Answer::bad("correlation data must be base64"))?;
                properties.push(Property::CorrelationData(Bytes::from(data)));
            }
            if h.name.eq_ignore_ascii_case("x-amz-mqtt5-user-properties") {
                properties.extend(user_properties(h.value)?);
            }
            if h.name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(Answer::error(
                    411,
                    "InvalidRequestException",
                    "send the payload with a Content-Length",
                ));
            }
            if h.name.eq_ignore_ascii_case("content-length") {
                let n = std::str::from_utf8(h.value)
                    .ok()
                    .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| Answer::bad("invalid Content-Length"))?;
                if length.is_some_and(|l| l != n) {
                    return Err(Answer::bad("conflicting Content-Length headers"));
                }
                length = Some(n);
            }
            if h.name.eq_ignore_ascii_case("expect") {
                expect_continue = h.value.eq_ignore_ascii_case(b"100-continue");
            }
        }
        let length = length.unwrap_or(0);
        if length > u64::from(max_payload) {
            return Err(Answer::error(
                413,
                "RequestEntityTooLargeException",
                format!("the payload is larger than {max_payload} bytes"),
            ));
        }
        Ok(Self {
            topic,
            qos,
            retain,
            properties,
            utf8,
            length: usize::try_from(length).unwrap_or(usize::MAX),
            expect_continue,
        })
    }
}

/// A percent-decoded query value as an MQTT string.
fn query_str(v: &str) -> Result<Utf8Str, Answer> {
    percent_decode(v)
        .and_then(|s| Utf8Str::new(&s).ok())
        .ok_or_else(|| Answer::bad("a query value is not percent-encoded UTF-8"))
}

/// `x-amz-mqtt5-user-properties`: base64 of `[{"key": "value"}, ...]`.
fn user_properties(header: &[u8]) -> Result<Vec<Property>, Answer> {
    let bad = || Answer::bad("user properties must be base64 of [{\"key\": \"value\"}, ...]");
    let json = base64::engine::general_purpose::STANDARD
        .decode(header)
        .map_err(|_| bad())?;
    let list: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(&json).map_err(|_| bad())?;
    let mut out = Vec::new();
    for object in list {
        for (key, value) in object {
            let serde_json::Value::String(value) = value else {
                return Err(bad());
            };
            let key = Utf8Str::new(&key).map_err(|_| bad())?;
            let value = Utf8Str::new(&value).map_err(|_| bad())?;
            out.push(Property::UserProperty(key, value));
        }
    }
    Ok(out)
}

/// Checks the policy and reserved topics, then publishes.
fn publish(
    shared: &Shared,
    r: Request,
    payload: Vec<u8>,
    peer: SocketAddr,
    cert: Option<&[u8]>,
) -> Answer {
    let topic = r.topic.as_str();
    // No client id over HTTP: policies see iot:ClientId as empty.
    let allowed = (cert.is_none() && peer.ip().is_loopback())
        || shared
            .config
            .auth
            .bind("", peer.ip(), None, false, cert)
            .can_publish(topic, r.retain);
    if !allowed {
        return Answer::error(403, "ForbiddenException", "not authorized by policy");
    }
    if shadow::check_client_publish(topic) == shadow::Reserved::Refused {
        return Answer::error(403, "ForbiddenException", "reserved topic");
    }
    if r.utf8 && std::str::from_utf8(&payload).is_err() {
        return Answer::bad("the payload is not UTF-8 (payload format indicator UTF8_DATA)");
    }
    let Ok(properties) = Properties::from_list(r.properties) else {
        return Answer::bad("invalid MQTT 5 properties");
    };
    shared.stats.msgs_in.fetch_add(1, Ordering::Relaxed);
    shared.publish(&Message {
        topic: r.topic,
        payload: Bytes::from(payload),
        qos: r.qos,
        retain: r.retain,
        properties,
        from: shared.next_conn_id(),
    });
    Answer::ok()
}

/// Decodes `%XX` escapes; `None` for a broken escape or non-UTF-8 result.
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hi = char::from(bytes.next()?).to_digit(16)?;
            let lo = char::from(bytes.next()?).to_digit(16)?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb%20c").as_deref(), Some("a/b c"));
        assert_eq!(percent_decode("caf%C3%A9").as_deref(), Some("café"));
        assert_eq!(percent_decode("bad%2"), None);
        assert_eq!(percent_decode("bad%zz"), None);
        assert_eq!(percent_decode("%FF"), None);
    }

    #[test]
    fn trace_ids_look_like_uuids() {
        let (a, b) = (trace_id(), trace_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
    }
}
