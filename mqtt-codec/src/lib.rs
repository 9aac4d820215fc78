#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod decoder;
mod error;
mod fixed_header;
mod packet;
mod properties;
mod reader;
mod reason_code;
mod string;
mod types;
mod varint;
mod writer;

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod codec;
#[cfg(feature = "serde")]
mod serde_hex;

#[doc = include_str!("../CONFORMANCE.md")]
pub mod conformance {}

pub use decoder::{Decoder, MAX_PACKET_SIZE, Role};
pub use error::{DecodeError, EncodeError, ErrorKind};
pub use fixed_header::FixedHeader;
pub use packet::{
    AckRef, Auth, AuthRef, ConnAck, ConnAckRef, Connect, ConnectRef, Disconnect, DisconnectRef,
    Packet, PacketRef, PubAck, PubComp, PubRec, PubRel, Publish, PublishRef, RetainHandling,
    SubAck, SubAckRef, Subscribe, SubscribeRef, SubscriptionOptions, Subscriptions,
    SubscriptionsRef, TopicFilters, TopicFiltersRef, UnsubAck, UnsubAckRef, Unsubscribe,
    UnsubscribeRef, Will, WillRef,
};
pub use properties::{Iter as PropertiesIter, Properties, PropertiesRef, Property};
pub use reason_code::ReasonCode;
pub use string::{Utf8Ref, Utf8Str};
pub use types::{InvalidValue, PacketId, ProtocolVersion, QoS};
pub use varint::{VAR_INT_MAX, var_int_len};

#[cfg(feature = "arbitrary")]
fn arbitrary_bytes(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<bytes::Bytes> {
    let v: &[u8] = u.arbitrary()?;
    Ok(bytes::Bytes::copy_from_slice(v))
}

#[cfg(feature = "arbitrary")]
fn arbitrary_opt_bytes(
    u: &mut arbitrary::Unstructured<'_>,
) -> arbitrary::Result<Option<bytes::Bytes>> {
    if u.arbitrary()? {
        arbitrary_bytes(u).map(Some)
    } else {
        Ok(None)
    }
}
