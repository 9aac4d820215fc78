//! Certificate context from an X.509 certificate (DER or PEM), with `x509-cert`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, DecodePem, Tag, Tagged};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{IssuerAltName, SubjectAltName};
use x509_cert::name::Name;

use crate::context::{AltNameKind, CertificateContext, DnAttribute};
use crate::error::CertificateError;

/// The X.520 attribute types AWS IoT exposes, by OID.
const DN_OIDS: [(&str, DnAttribute); 13] = [
    ("2.5.4.3", DnAttribute::CommonName),
    ("2.5.4.4", DnAttribute::Surname),
    ("2.5.4.5", DnAttribute::SerialNumber),
    ("2.5.4.6", DnAttribute::Country),
    ("2.5.4.8", DnAttribute::State),
    ("2.5.4.10", DnAttribute::Organization),
    ("2.5.4.11", DnAttribute::OrganizationalUnit),
    ("2.5.4.12", DnAttribute::Title),
    ("2.5.4.42", DnAttribute::GivenName),
    ("2.5.4.43", DnAttribute::Initials),
    ("2.5.4.44", DnAttribute::GenerationQualifier),
    ("2.5.4.46", DnAttribute::DistinguishedNameQualifier),
    ("2.5.4.65", DnAttribute::Pseudonym),
];

const SUBJECT_ALT_NAME: &str = "2.5.29.17";
const ISSUER_ALT_NAME: &str = "2.5.29.18";

fn oid_is(oid: &ObjectIdentifier, dotted: &str) -> bool {
    ObjectIdentifier::new(dotted).is_ok_and(|o| o == *oid)
}

/// Text of a DirectoryString-like value; `None` for non-string types.
fn string_value(any: &x509_cert::der::Any) -> Option<String> {
    let bytes = any.value();
    match any.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            core::str::from_utf8(bytes).ok().map(ToString::to_string)
        }
        // T.61: treat as Latin-1, which covers what is used in practice.
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| {
                    u16::from_be_bytes([
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        _ => None,
    }
}

/// RDN values in certificate order (first RDN of the sequence first).
fn dn_values(name: &Name) -> Vec<(DnAttribute, String)> {
    let mut out = Vec::new();
    for rdn in &name.0 {
        for atv in rdn.0.iter() {
            let Some(attr) = DN_OIDS
                .iter()
                .find(|(oid, _)| oid_is(&atv.oid, oid))
                .map(|(_, a)| *a)
            else {
                continue;
            };
            if let Some(v) = string_value(&atv.value) {
                out.push((attr, v));
            }
        }
    }
    out
}

fn general_names(names: &[GeneralName]) -> Vec<(AltNameKind, String)> {
    let mut out = Vec::new();
    for n in names {
        let entry = match n {
            GeneralName::DnsName(s) => (AltNameKind::DnsName, s.to_string()),
            GeneralName::Rfc822Name(s) => (AltNameKind::Rfc822Name, s.to_string()),
            GeneralName::UniformResourceIdentifier(s) => {
                (AltNameKind::UniformResourceIdentifier, s.to_string())
            }
            GeneralName::DirectoryName(name) => (AltNameKind::DirectoryName, name.to_string()),
            GeneralName::IpAddress(octets) => {
                let b = octets.as_bytes();
                let ip = if let Ok(v4) = <[u8; 4]>::try_from(b) {
                    IpAddr::V4(Ipv4Addr::from(v4))
                } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
                    IpAddr::V6(Ipv6Addr::from(v6))
                } else {
                    continue;
                };
                (AltNameKind::IpAddress, ip.to_string())
            }
            _ => continue,
        };
        out.push(entry);
    }
    out
}

/// Big-endian unsigned bytes → decimal string.
pub(crate) fn decimal(bytes: &[u8]) -> String {
    // Repeated division by 10 over base-256 digits; serials are ≤ 20 bytes
    // by RFC 5280, and DER bounds the input anyway.
    let mut digits: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if digits.is_empty() {
        return String::from("0");
    }
    let mut out = Vec::new();
    while !digits.is_empty() {
        let mut rem = 0u32;
        for d in &mut digits {
            let cur = (rem << 8) | u32::from(*d);
            *d = u8::try_from(cur / 10).unwrap_or(0);
            rem = cur % 10;
        }
        out.push(char::from(b'0' + u8::try_from(rem).unwrap_or(0)));
        let lead = digits.iter().take_while(|b| **b == 0).count();
        digits.drain(..lead);
    }
    out.iter().rev().collect()
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(
            HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
        ));
        s.push(char::from(
            HEX.get(usize::from(b & 15)).copied().unwrap_or(b'0'),
        ));
    }
    s
}

impl CertificateContext {
    /// Builds the certificate context of a DER-encoded X.509 certificate:
    /// subject and issuer RDNs in order, subject and issuer alternative
    /// names (DNS, IP, URI, email, directory names), the serial number as a
    /// decimal string and `iot:CertificateId` (SHA-256 of the DER, hex).
    ///
    /// # Errors
    /// [`CertificateError::Der`] if `der` is not a certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let cert = Certificate::from_der(der).map_err(|e| CertificateError::Der(e.to_string()))?;
        Ok(Self::from_certificate(&cert, der))
    }

    /// Builds the certificate context of a PEM certificate (the first
    /// `CERTIFICATE` block).
    ///
    /// ```
    /// # let pem = rcgen::generate_simple_self_signed(vec!["device.example".into()])?.cert.pem();
    /// use iot_policy::{AltNameKind, CertificateContext};
    /// let ctx = CertificateContext::from_pem(&pem)?;
    /// assert_eq!(ctx.subject_alt_names[0], (AltNameKind::DnsName, "device.example".into()));
    /// assert_eq!(ctx.certificate_id.as_ref().map(String::len), Some(64));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`CertificateError::Pem`] or [`CertificateError::Der`].
    pub fn from_pem(pem: &str) -> Result<Self, CertificateError> {
        let cert = Certificate::from_pem(pem.trim().as_bytes())
            .map_err(|e| CertificateError::Pem(e.to_string()))?;
        let der = x509_cert::der::Encode::to_der(&cert)
            .map_err(|e| CertificateError::Der(e.to_string()))?;
        Ok(Self::from_certificate(&cert, &der))
    }

    fn from_certificate(cert: &Certificate, der: &[u8]) -> Self {
        let tbs = &cert.tbs_certificate;
        let mut subject_alt_names = Vec::new();
        let mut issuer_alt_names = Vec::new();
        for ext in tbs.extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            if oid_is(&ext.extn_id, SUBJECT_ALT_NAME) {
                if let Ok(san) = SubjectAltName::from_der(value) {
                    subject_alt_names.extend(general_names(&san.0));
                }
            } else if oid_is(&ext.extn_id, ISSUER_ALT_NAME)
                && let Ok(ian) = IssuerAltName::from_der(value)
            {
                issuer_alt_names.extend(general_names(&ian.0));
            }
        }
        Self {
            subject: dn_values(&tbs.subject),
            issuer: dn_values(&tbs.issuer),
            subject_alt_names,
            issuer_alt_names,
            serial_number: Some(decimal(tbs.serial_number.as_bytes())),
            certificate_id: Some(hex(&Sha256::digest(der))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_to_decimal() {
        // The AWS documentation example: 92:12:85:cb:b7:a5:e0:86.
        assert_eq!(
            decimal(&[0x92, 0x12, 0x85, 0xcb, 0xb7, 0xa5, 0xe0, 0x86]),
            "10525622389124227206"
        );
        assert_eq!(decimal(&[0x00, 0x01, 0x00]), "256");
        assert_eq!(decimal(&[]), "0");
    }
}
