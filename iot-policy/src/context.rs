//! The per-connection context: who connected, from where, with which thing
//! and certificate. Plain data; build it yourself or from a certificate.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

/// A distinguished-name attribute that AWS IoT exposes as a certificate variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
#[allow(missing_docs, reason = "variant names are the AWS IoT attribute names")]
pub enum DnAttribute {
    CommonName,
    Country,
    Organization,
    OrganizationalUnit,
    State,
    SerialNumber,
    Title,
    Surname,
    GivenName,
    Initials,
    Pseudonym,
    GenerationQualifier,
    DistinguishedNameQualifier,
}

impl DnAttribute {
    /// Every attribute, in the order AWS documents them.
    pub const ALL: [Self; 13] = [
        Self::DistinguishedNameQualifier,
        Self::Country,
        Self::Organization,
        Self::OrganizationalUnit,
        Self::State,
        Self::CommonName,
        Self::SerialNumber,
        Self::Title,
        Self::Surname,
        Self::GivenName,
        Self::Initials,
        Self::Pseudonym,
        Self::GenerationQualifier,
    ];

    /// The AWS IoT name (`CommonName`, `Organization`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::CommonName => "CommonName",
            Self::Country => "Country",
            Self::Organization => "Organization",
            Self::OrganizationalUnit => "OrganizationalUnit",
            Self::State => "State",
            Self::SerialNumber => "SerialNumber",
            Self::Title => "Title",
            Self::Surname => "Surname",
            Self::GivenName => "GivenName",
            Self::Initials => "Initials",
            Self::Pseudonym => "Pseudonym",
            Self::GenerationQualifier => "GenerationQualifier",
            Self::DistinguishedNameQualifier => "DistinguishedNameQualifier",
        }
    }

    /// Looks an attribute up by its AWS IoT name (ASCII case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for DnAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A kind of subject or issuer alternative name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
#[allow(missing_docs, reason = "variant names are the AWS IoT names")]
pub enum AltNameKind {
    DnsName,
    IpAddress,
    Rfc822Name,
    UniformResourceIdentifier,
    DirectoryName,
}

impl AltNameKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Rfc822Name,
        Self::DnsName,
        Self::DirectoryName,
        Self::UniformResourceIdentifier,
        Self::IpAddress,
    ];

    /// The AWS IoT name (`DNSName`, `IPAddress`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::DnsName => "DNSName",
            Self::IpAddress => "IPAddress",
            Self::Rfc822Name => "RFC822Name",
            Self::UniformResourceIdentifier => "UniformResourceIdentifier",
            Self::DirectoryName => "DirectoryName",
        }
    }

    /// Looks a kind up by its AWS IoT name (ASCII case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }
}

/// The certificate the client authenticated with, as AWS IoT sees it.
///
/// Values keep certificate order; multi-valued attributes (several `OU`s,
/// several DNS names) appear several times.
///
/// ```
/// use iot_policy::{CertificateContext, DnAttribute};
/// let mut cert = CertificateContext::default();
/// cert.subject.push((DnAttribute::CommonName, "device-42".into()));
/// cert.serial_number = Some("10525622389124227206".into());
/// assert_eq!(cert.subject_values(DnAttribute::CommonName).next(), Some("device-42"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateContext {
    /// Subject RDN values, in certificate order.
    pub subject: Vec<(DnAttribute, String)>,
    /// Issuer RDN values, in certificate order.
    pub issuer: Vec<(DnAttribute, String)>,
    /// Subject alternative names, in certificate order.
    pub subject_alt_names: Vec<(AltNameKind, String)>,
    /// Issuer alternative names, in certificate order.
    pub issuer_alt_names: Vec<(AltNameKind, String)>,
    /// The serial number as a decimal string (`iot:Certificate.SerialNumber`).
    pub serial_number: Option<String>,
    /// `iot:CertificateId`: lowercase hex SHA-256 of the DER encoding.
    pub certificate_id: Option<String>,
}

impl CertificateContext {
    /// The subject's values for `attr`, in certificate order.
    pub fn subject_values(&self, attr: DnAttribute) -> impl Iterator<Item = &str> {
        self.subject
            .iter()
            .filter(move |(a, _)| *a == attr)
            .map(|(_, v)| v.as_str())
    }
}

/// The thing attached to the connection's principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThingContext {
    /// `iot:Connection.Thing.ThingName`.
    pub name: String,
    /// `iot:Connection.Thing.ThingTypeName`, if the thing has a type.
    pub type_name: Option<String>,
    /// `iot:Connection.Thing.Attributes[name]`.
    pub attributes: BTreeMap<String, String>,
}

/// Everything known about a connection when it is admitted (MQTT CONNECT).
///
/// Bind it once with [`PolicySet::bind`](crate::PolicySet::bind); every
/// later decision on that connection reuses the result.
///
/// ```
/// use iot_policy::{ConnectionContext, ThingContext};
/// let ctx = ConnectionContext {
///     client_id: "sensor-1".into(),
///     source_ip: Some("203.0.113.10".parse().unwrap()),
///     thing: Some(ThingContext { name: "sensor-1".into(), ..Default::default() }),
///     is_attached: true,
///     ..Default::default()
/// };
/// assert_eq!(ctx.thing.as_ref().map(|t| t.name.as_str()), Some("sensor-1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionContext {
    /// `iot:ClientId`.
    pub client_id: String,
    /// `aws:SourceIp`.
    pub source_ip: Option<IpAddr>,
    /// `iot:DomainName`: the endpoint domain the client connected to.
    pub domain_name: Option<String>,
    /// The attached thing, if any.
    pub thing: Option<ThingContext>,
    /// `iot:Connection.Thing.IsAttached`.
    pub is_attached: bool,
    /// The client certificate, if the client used one.
    pub certificate: Option<CertificateContext>,
    /// `iot:ConnectAttributes` (`PersistentConnect`, `LastWill`); empty for a plain connect.
    pub connect_attributes: Vec<String>,
    /// `iot:LastWillTopic`: the will topic as a topic ARN, if a will was set.
    pub last_will_topic: Option<String>,
    /// `aws:CurrentTime` / `aws:EpochTime` in epoch milliseconds, captured at bind time.
    pub current_time_ms: Option<i64>,
}
