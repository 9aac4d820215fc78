//! UNSUBSCRIBE (MQTT 3.10).

use alloc::vec::Vec;

use bytes::BufMut;

use super::ack::no_properties;
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties};
use crate::reader::Reader;
use crate::string::{self, Utf8Str};
use crate::types::{PacketId, ProtocolVersion};

/// UNSUBSCRIBE (MQTT 3.10): at least one topic filter.
///
/// ```
/// use iot_mqtt_codec::{PacketId, Unsubscribe, Utf8Str};
/// let u = Unsubscribe::new(PacketId::new(2).unwrap(), vec![Utf8Str::new("a/b")?]);
/// assert_eq!(u.filters.len(), 1);
/// # Ok::<(), iot_mqtt_codec::ErrorKind>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Unsubscribe {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// Properties (MQTT 5: User Property only).
    pub properties: Properties,
    /// Topic filters, in order.
    pub filters: Vec<Utf8Str>,
}

impl Unsubscribe {
    /// An UNSUBSCRIBE without properties.
    #[must_use]
    pub fn new(packet_id: PacketId, filters: Vec<Utf8Str>) -> Self {
        Self {
            packet_id,
            properties: Properties::new(),
            filters,
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let v5 = r.is_v5();
        let (packet_id, properties) = super::read_list_header(r, Ctx::UNSUBSCRIBE, "UNSUBSCRIBE")?;
        let mut filters = Vec::with_capacity(r.count_prefixed(0));
        while !r.is_empty() {
            let at = r.pos();
            let filter = r.utf8("topic filter")?;
            string::check_topic_filter(filter.as_bytes(), v5).map_err(|k| Reader::err_at(k, at))?;
            filters.push(filter);
        }
        Ok(Self {
            packet_id,
            properties,
            filters,
        })
    }

    pub(crate) fn validate(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        let v5 = v == ProtocolVersion::V5;
        if v5 {
            self.properties.check_ctx(Ctx::UNSUBSCRIBE)?;
        } else {
            no_properties(&self.properties, "UNSUBSCRIBE")?;
        }
        if self.filters.is_empty() {
            return Err(ErrorKind::EmptyList {
                packet: "UNSUBSCRIBE",
            });
        }
        for filter in &self.filters {
            string::check_topic_filter(filter.as_bytes(), v5)?;
        }
        Ok(())
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        let props = if v == ProtocolVersion::V5 {
            self.properties.encoded_len()
        } else {
            0
        };
        2 + props + self.filters.iter().map(|f| 2 + f.len()).sum::<usize>()
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, dst: &mut impl BufMut) {
        dst.put_u16(self.packet_id.get());
        if v == ProtocolVersion::V5 {
            self.properties.encode(dst);
        }
        for filter in &self.filters {
            crate::writer::put_str(dst, filter);
        }
    }
}
