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
