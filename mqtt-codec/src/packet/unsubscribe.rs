//! UNSUBSCRIBE (MQTT 3.10).

use alloc::vec::Vec;

use bytes::{BufMut, Bytes};

use super::ack::no_properties;
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties, PropertiesRef};
use crate::reader::Reader;
use crate::string::{self, Utf8Ref, Utf8Str};
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

    pub(crate) fn decode_ref<'a>(r: &mut Reader<'a>) -> Result<UnsubscribeRef<'a>, DecodeError> {
        let (packet_id, properties) = super::read_list_header(r, Ctx::UNSUBSCRIBE, "UNSUBSCRIBE")?;
        let raw = r.rest();
        let mut len = 0;
        while !r.is_empty() {
            r.topic_filter()?;
            len += 1;
        }
        Ok(UnsubscribeRef {
            packet_id,
            properties,
            filters: TopicFiltersRef { raw, len },
        })
    }

    pub(crate) fn from_ref(u: UnsubscribeRef<'_>, base: &Bytes) -> Self {
        Self {
            packet_id: u.packet_id,
            properties: u.properties.share(base),
            filters: u.filters.iter().map(|f| f.share(base)).collect(),
        }
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

/// UNSUBSCRIBE from the borrowed decode path ([`crate::PacketRef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnsubscribeRef<'a> {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// Properties (MQTT 5: User Property only).
    pub properties: PropertiesRef<'a>,
    /// Topic filters, in order (at least one).
    pub filters: TopicFiltersRef<'a>,
}

/// The topic filters of an UNSUBSCRIBE, validated when the packet was
/// decoded and read lazily from its bytes (no allocation).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TopicFiltersRef<'a> {
    raw: &'a [u8],
    len: usize,
}

impl<'a> TopicFiltersRef<'a> {
    /// Number of topic filters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are none (never for a decoded UNSUBSCRIBE).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The list as received: each filter with its two-byte length.
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// The filters, in order.
    #[must_use]
    pub fn iter(&self) -> TopicFilters<'a> {
        TopicFilters {
            raw: self.raw,
            left: self.len,
        }
    }
}

impl core::fmt::Debug for TopicFiltersRef<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for TopicFiltersRef<'a> {
    type Item = Utf8Ref<'a>;
    type IntoIter = TopicFilters<'a>;
    fn into_iter(self) -> TopicFilters<'a> {
        self.iter()
    }
}

/// Iterator over [`TopicFiltersRef`].
#[derive(Debug, Clone)]
pub struct TopicFilters<'a> {
    raw: &'a [u8],
    left: usize,
}

impl<'a> Iterator for TopicFilters<'a> {
    type Item = Utf8Ref<'a>;

    fn next(&mut self) -> Option<Utf8Ref<'a>> {
        let (filter, rest) = super::split_prefixed(self.raw)?;
        self.raw = rest;
        self.left = self.left.saturating_sub(1);
        Some(filter)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for TopicFilters<'_> {}
