//! MQTT 5 reason codes (and the MQTT 3.1.1 CONNACK / SUBACK return codes).

/// A one-byte reason code (MQTT 5 section 2.4), kept as the raw byte so that
/// every value survives a round trip; named constants cover the defined codes.
///
/// The same type carries the MQTT 3.1.1 CONNACK return code (0 to 5) and
/// SUBACK return codes (0, 1, 2, 0x80).
///
/// ```
/// use iot_mqtt_codec::ReasonCode;
/// assert!(ReasonCode::NOT_AUTHORIZED.is_error());
/// assert_eq!(ReasonCode::NOT_AUTHORIZED.description(), "Not authorized");
/// assert_eq!(ReasonCode::from(0x10), ReasonCode::NO_MATCHING_SUBSCRIBERS);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ReasonCode(pub u8);

impl ReasonCode {
    /// 0x00 Success (also Normal disconnection, Granted QoS 0).
    pub const SUCCESS: Self = Self(0x00);
    /// 0x00 Normal disconnection (DISCONNECT).
    pub const NORMAL_DISCONNECTION: Self = Self(0x00);
    /// 0x00 Granted QoS 0 (SUBACK).
    pub const GRANTED_QOS_0: Self = Self(0x00);
    /// 0x01 Granted QoS 1 (SUBACK).
    pub const GRANTED_QOS_1: Self = Self(0x01);
    /// 0x02 Granted QoS 2 (SUBACK).
    pub const GRANTED_QOS_2: Self = Self(0x02);
    /// 0x04 Disconnect with Will Message.
    pub const DISCONNECT_WITH_WILL_MESSAGE: Self = Self(0x04);
    /// 0x10 No matching subscribers.
    pub const NO_MATCHING_SUBSCRIBERS: Self = Self(0x10);
    /// 0x11 No subscription existed.
    pub const NO_SUBSCRIPTION_EXISTED: Self = Self(0x11);
    /// 0x18 Continue authentication.
    pub const CONTINUE_AUTHENTICATION: Self = Self(0x18);
    /// 0x19 Re-authenticate.
    pub const RE_AUTHENTICATE: Self = Self(0x19);
    /// 0x80 Unspecified error (also SUBACK Failure in 3.1.1).
    pub const UNSPECIFIED_ERROR: Self = Self(0x80);
    /// 0x81 Malformed Packet.
    pub const MALFORMED_PACKET: Self = Self(0x81);
    /// 0x82 Protocol Error.
    pub const PROTOCOL_ERROR: Self = Self(0x82);
    /// 0x83 Implementation specific error.
    pub const IMPLEMENTATION_SPECIFIC_ERROR: Self = Self(0x83);
    /// 0x84 Unsupported Protocol Version.
    pub const UNSUPPORTED_PROTOCOL_VERSION: Self = Self(0x84);
    /// 0x85 Client Identifier not valid.
    pub const CLIENT_IDENTIFIER_NOT_VALID: Self = Self(0x85);
    /// 0x86 Bad User Name or Password.
    pub const BAD_USER_NAME_OR_PASSWORD: Self = Self(0x86);
    /// 0x87 Not authorized.
    pub const NOT_AUTHORIZED: Self = Self(0x87);
    /// 0x88 Server unavailable.
    pub const SERVER_UNAVAILABLE: Self = Self(0x88);
    /// 0x89 Server busy.
    pub const SERVER_BUSY: Self = Self(0x89);
    /// 0x8A Banned.
    pub const BANNED: Self = Self(0x8A);
    /// 0x8B Server shutting down.
    pub const SERVER_SHUTTING_DOWN: Self = Self(0x8B);
    /// 0x8C Bad authentication method.
    pub const BAD_AUTHENTICATION_METHOD: Self = Self(0x8C);
    /// 0x8D Keep Alive timeout.
    pub const KEEP_ALIVE_TIMEOUT: Self = Self(0x8D);
    /// 0x8E Session taken over.
    pub const SESSION_TAKEN_OVER: Self = Self(0x8E);
    /// 0x8F Topic Filter invalid.
    pub const TOPIC_FILTER_INVALID: Self = Self(0x8F);
    /// 0x90 Topic Name invalid.
    pub const TOPIC_NAME_INVALID: Self = Self(0x90);
    /// 0x91 Packet Identifier in use.
    pub const PACKET_IDENTIFIER_IN_USE: Self = Self(0x91);
    /// 0x92 Packet Identifier not found.
    pub const PACKET_IDENTIFIER_NOT_FOUND: Self = Self(0x92);
    /// 0x93 Receive Maximum exceeded.
    pub const RECEIVE_MAXIMUM_EXCEEDED: Self = Self(0x93);
    /// 0x94 Topic Alias invalid.
    pub const TOPIC_ALIAS_INVALID: Self = Self(0x94);
    /// 0x95 Packet too large.
    pub const PACKET_TOO_LARGE: Self = Self(0x95);
    /// 0x96 Message rate too high.
    pub const MESSAGE_RATE_TOO_HIGH: Self = Self(0x96);
    /// 0x97 Quota exceeded.
    pub const QUOTA_EXCEEDED: Self = Self(0x97);
    /// 0x98 Administrative action.
    pub const ADMINISTRATIVE_ACTION: Self = Self(0x98);
    /// 0x99 Payload format invalid.
    pub const PAYLOAD_FORMAT_INVALID: Self = Self(0x99);
    /// 0x9A Retain not supported.
    pub const RETAIN_NOT_SUPPORTED: Self = Self(0x9A);
    /// 0x9B QoS not supported.
    pub const QOS_NOT_SUPPORTED: Self = Self(0x9B);
    /// 0x9C Use another server.
    pub const USE_ANOTHER_SERVER: Self = Self(0x9C);
    /// 0x9D Server moved.
    pub const SERVER_MOVED: Self = Self(0x9D);
    /// 0x9E Shared Subscriptions not supported.
    pub const SHARED_SUBSCRIPTIONS_NOT_SUPPORTED: Self = Self(0x9E);
    /// 0x9F Connection rate exceeded.
    pub const CONNECTION_RATE_EXCEEDED: Self = Self(0x9F);
    /// 0xA0 Maximum connect time.
    pub const MAXIMUM_CONNECT_TIME: Self = Self(0xA0);
    /// 0xA1 Subscription Identifiers not supported.
    pub const SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED: Self = Self(0xA1);
    /// 0xA2 Wildcard Subscriptions not supported.
    pub const WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED: Self = Self(0xA2);

    /// Codes of 0x80 and above report a failure (MQTT 5 section 2.4).
    #[must_use]
    pub const fn is_error(self) -> bool {
        self.0 >= 0x80
    }

    /// The spec's name for the code, or `"Unknown"`.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self.0 {
            0x00 => "Success",
            0x01 => "Granted QoS 1",
            0x02 => "Granted QoS 2",
            0x04 => "Disconnect with Will Message",
            0x10 => "No matching subscribers",
            0x11 => "No subscription existed",
            0x18 => "Continue authentication",
            0x19 => "Re-authenticate",
            0x80 => "Unspecified error",
            0x81 => "Malformed Packet",
            0x82 => "Protocol Error",
            0x83 => "Implementation specific error",
            0x84 => "Unsupported Protocol Version",
            0x85 => "Client Identifier not valid",
            0x86 => "Bad User Name or Password",
            0x87 => "Not authorized",
            0x88 => "Server unavailable",
            0x89 => "Server busy",
            0x8A => "Banned",
            0x8B => "Server shutting down",
            0x8C => "Bad authentication method",
            0x8D => "Keep Alive timeout",
            0x8E => "Session taken over",
            0x8F => "Topic Filter invalid",
            0x90 => "Topic Name invalid",
            0x91 => "Packet Identifier in use",
            0x92 => "Packet Identifier not found",
            0x93 => "Receive Maximum exceeded",
            0x94 => "Topic Alias invalid",
            0x95 => "Packet too large",
            0x96 => "Message rate too high",
            0x97 => "Quota exceeded",
            0x98 => "Administrative action",
            0x99 => "Payload format invalid",
            0x9A => "Retain not supported",
            0x9B => "QoS not supported",
            0x9C => "Use another server",
            0x9D => "Server moved",
            0x9E => "Shared Subscriptions not supported",
            0x9F => "Connection rate exceeded",
            0xA0 => "Maximum connect time",
            0xA1 => "Subscription Identifiers not supported",
            0xA2 => "Wildcard Subscriptions not supported",
            _ => "Unknown",
        }
    }
}

impl From<u8> for ReasonCode {
    fn from(code: u8) -> Self {
        Self(code)
    }
}

impl From<ReasonCode> for u8 {
    fn from(code: ReasonCode) -> Self {
        code.0
    }
}

/// The reason codes each MQTT 5 packet may carry (the tables of chapter 3).
pub(crate) mod allowed {
    /// CONNACK (3.2.2.2).
    pub(crate) const CONNACK: &[u8] = &[
        0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95,
        0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
    ];
    /// PUBACK and PUBREC (3.4.2.1, 3.5.2.1).
    pub(crate) const PUBACK: &[u8] = &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
    /// PUBREL and PUBCOMP (3.6.2.1, 3.7.2.1).
    pub(crate) const PUBREL: &[u8] = &[0x00, 0x92];
    /// SUBACK (3.9.3).
    pub(crate) const SUBACK: &[u8] = &[
        0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
    ];
    /// UNSUBACK (3.11.3).
    pub(crate) const UNSUBACK: &[u8] = &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];
    /// DISCONNECT (3.14.2.1).
    pub(crate) const DISCONNECT: &[u8] = &[
        0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
        0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
    ];
    /// AUTH (3.15.2.1).
    pub(crate) const AUTH: &[u8] = &[0x00, 0x18, 0x19];
    /// MQTT 3.1.1 SUBACK return codes (MQTT-3.9.3-2).
    pub(crate) const SUBACK_V311: &[u8] = &[0x00, 0x01, 0x02, 0x80];
    /// MQTT 3.1.1 CONNACK return codes (3.2.2.3; 6-255 reserved).
    pub(crate) const CONNACK_V311: &[u8] = &[0, 1, 2, 3, 4, 5];
}
