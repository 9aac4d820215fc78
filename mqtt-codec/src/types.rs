/// A byte that is not one of the values its field allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {value}")]
#[non_exhaustive]
pub struct InvalidValue {
    /// The field that was being read.
    pub field: &'static str,
    /// The value found.
    pub value: u8,
}

/// Quality of service of a PUBLISH or a subscription (MQTT 4.3).
///
/// ```
/// use iot_mqtt_codec::QoS;
/// assert_eq!(u8::from(QoS::ExactlyOnce), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(into = "u8", try_from = "u8"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum QoS {
    /// At most once delivery.
    #[default]
    AtMostOnce = 0,
    /// At least once delivery.
    AtLeastOnce = 1,
    /// Exactly once delivery.
    ExactlyOnce = 2,
}

impl TryFrom<u8> for QoS {
    type Error = InvalidValue;

    /// QoS 3 is reserved and must be rejected (MQTT-3.3.1-4).
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            0 => Ok(Self::AtMostOnce),
            1 => Ok(Self::AtLeastOnce),
            2 => Ok(Self::ExactlyOnce),
            _ => Err(InvalidValue {
                field: "QoS",
                value,
            }),
        }
    }
}

impl From<QoS> for u8 {
    fn from(qos: QoS) -> Self {
        qos as u8
    }
}

/// The protocol level a connection speaks.
///
/// ```
/// use iot_mqtt_codec::ProtocolVersion;
/// // Level 3 (MQTT 3.1, "MQIsdp") is decoded as 3.1.1.
/// assert_eq!(ProtocolVersion::from_level(3)?, ProtocolVersion::V311);
/// # Ok::<(), iot_mqtt_codec::InvalidValue>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(into = "u8", try_from = "u8"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// MQTT 3.1.1, protocol level 4 (and 3.1, level 3, treated alike).
    V311,
    /// MQTT 5.0, protocol level 5.
    V5,
}

impl ProtocolVersion {
    /// The version for a CONNECT protocol level byte.
    ///
    /// # Errors
    /// Levels other than 3, 4 and 5 (a server answers 0x84, MQTT-3.1.2-2).
    pub fn from_level(level: u8) -> Result<Self, InvalidValue> {
        match level {
            3 | 4 => Ok(Self::V311),
            5 => Ok(Self::V5),
            _ => Err(InvalidValue {
                field: "protocol level",
                value: level,
            }),
        }
    }

    /// The protocol level byte this version writes.
    #[must_use]
    pub fn level(self) -> u8 {
        match self {
            Self::V311 => 4,
            Self::V5 => 5,
        }
    }
}

impl From<ProtocolVersion> for u8 {
    fn from(version: ProtocolVersion) -> Self {
        version.level()
    }
}

impl TryFrom<u8> for ProtocolVersion {
    type Error = InvalidValue;

    fn try_from(level: u8) -> Result<Self, Self::Error> {
        Self::from_level(level)
    }
}

/// A non-zero packet identifier (MQTT 2.2.1: 0 is not a valid identifier).
///
/// ```
/// use iot_mqtt_codec::PacketId;
/// assert_eq!(PacketId::new(10).map(PacketId::get), Some(10));
/// assert!(PacketId::new(0).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(into = "u16", try_from = "u16"))]
pub struct PacketId(core::num::NonZeroU16);

impl PacketId {
    /// The identifier `id`, or `None` for 0.
    #[must_use]
    pub const fn new(id: u16) -> Option<Self> {
        match core::num::NonZeroU16::new(id) {
            Some(id) => Some(Self(id)),
            None => None,
        }
    }

    /// The identifier as a number.
    #[must_use]
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

impl From<PacketId> for u16 {
    fn from(id: PacketId) -> Self {
        id.get()
    }
}

impl TryFrom<u16> for PacketId {
    type Error = InvalidValue;

    fn try_from(id: u16) -> Result<Self, Self::Error> {
        Self::new(id).ok_or(InvalidValue {
            field: "packet identifier",
            value: 0,
        })
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for PacketId {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self::new(u.int_in_range(1..=u16::MAX)?).unwrap_or(Self(core::num::NonZeroU16::MIN)))
    }
}

impl core::fmt::Display for PacketId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}
