//! MQTT over WebSocket (MQTT 5.0 §6, the same for 3.1.1): the handshake on
//! path `/mqtt` (a query string is allowed, as AWS's signed URLs have one)
//! with the subprotocol `mqtt`, then MQTT control packets carried in binary
//! messages. [`WsIo`] turns the message stream back into a byte stream, so a
//! packet may span messages and a message may hold several packets
//! (MQTT-6.0.0-2); the connection then runs in [`session::run`] as any other.
//! A text message closes the connection (MQTT-6.0.0-1).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_util::{Sink, Stream as _};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::timeout;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tracing::debug;

use super::{Shared, Stream, session};

/// The path MQTT clients connect to (AWS IoT's).
pub(crate) const PATH: &str = "/mqtt";
/// The subprotocol (MQTT-6.0.0-3, MQTT-6.0.0-4).
const SUBPROTOCOL: &str = "mqtt";

/// Runs the WebSocket handshake on `stream`, then the MQTT session.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    stream: Stream,
    peer: SocketAddr,
    cert: Option<CertificateDer<'static>>,
) {
    // A message holds at most a packet or a few; the codec enforces the
    // packet limit on the bytes, this bounds what one message may buffer.
    let limit = usize::try_from(shared.config.max_packet_size)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let config = WebSocketConfig::default()
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit));
    let handshake =
        tokio_tungstenite::accept_hdr_async_with_config(stream, check_request, Some(config));
    let ws = match timeout(shared.config.connect_timeout, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(err)) => {
            debug!(%peer, %err, "WebSocket handshake failed");
            return;
        }
        Err(_) => {
            debug!(%peer, "WebSocket handshake timed out");
            return;
        }
    };
    let io = WsIo {
        ws,
        read: Bytes::new(),
    };
    session::run(shared, Box::new(io), peer, cert).await;
}

/// Accepts only `GET /mqtt` offering the `mqtt` subprotocol, and selects it.
#[expect(
    clippy::result_large_err,
    reason = "the signature of tungstenite's handshake callback"
)]
fn check_request(req: &Request, mut resp: Response) -> Result<Response, ErrorResponse> {
    if req.uri().path() != PATH {
        return Err(refusal(StatusCode::NOT_FOUND, "MQTT is served on /mqtt"));
    }
    let offers_mqtt = req
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == SUBPROTOCOL);
    if !offers_mqtt {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "the WebSocket subprotocol must be mqtt",
        ));
    }
    resp.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static(SUBPROTOCOL),
    );
    Ok(resp)
}

fn refusal(status: StatusCode, why: &str) -> ErrorResponse {
    let mut resp = ErrorResponse::new(Some(why.to_owned()));
    *resp.status_mut() = status;
    resp
}

/// A WebSocket connection as a byte stream: reads concatenate the binary
/// messages, each write is sent as one binary message.
struct WsIo {
    ws: WebSocketStream<Stream>,
    /// The unread rest of the last binary message.
    read: Bytes,
}

fn io_error(err: tungstenite::Error) -> io::Error {
    match err {
        tungstenite::Error::Io(err) => err,
        other => io::Error::other(other),
    }
}

impl AsyncRead for WsIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            if !self.read.is_empty() {
                let n = self.read.len().min(buf.remaining());
                let chunk = self.read.split_to(n);
                buf.put_slice(&chunk);
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut self.ws).poll_next(cx)) {
                Some(Ok(Message::Binary(data))) => self.read = data,
                // Pings are answered by tungstenite itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                // A close handshake or the end of the stream: end of file.
                Some(Ok(Message::Close(_))) | None => return Poll::Ready(Ok(())),
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "text WebSocket message (MQTT-6.0.0-1)",
                    )));
                }
                Some(Err(err)) => return Poll::Ready(Err(io_error(err))),
            }
        }
    }
}

impl AsyncWrite for WsIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(Pin::new(&mut self.ws).poll_ready(cx)).map_err(io_error)?;
        Pin::new(&mut self.ws)
            .start_send(Message::Binary(Bytes::copy_from_slice(buf)))
            .map_err(io_error)?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.ws).poll_flush(cx).map_err(io_error)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.ws).poll_close(cx).map_err(io_error)
    }
}
