//! Certificate variables from real certificates generated with rcgen: every
//! subject and issuer attribute, multi-valued fields, `.N` / `.List`, every
//! alternative-name kind, the decimal serial number and the certificate id.
#![cfg(feature = "x509")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iot_policy::{
    AltNameKind, CertificateContext, ConnectionContext, DnAttribute, PolicyDocument, PolicySet,
};
use rcgen::{CertificateParams, CustomExtension, DistinguishedName, DnType, KeyPair, SerialNumber};
use x509_cert::der::Encode;
use x509_cert::der::asn1::{Ia5String, OctetString};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

/// X.520 OIDs, used as rcgen custom types so one attribute can appear twice.
fn oid(last: u64) -> DnType {
    DnType::CustomDnType(vec![2, 5, 4, last])
}

/// (OID arc, IoT attribute, values in certificate order).
fn subject_spec() -> Vec<(u64, DnAttribute, &'static str)> {
    vec![
        (3, DnAttribute::CommonName, "device-42"),
        (6, DnAttribute::Country, "US"),
        (10, DnAttribute::Organization, "Example Corp"),
        (10, DnAttribute::Organization, "AnyCompany"),
        (11, DnAttribute::OrganizationalUnit, "Sensors"),
        (11, DnAttribute::OrganizationalUnit, "Line 7"),
        (8, DnAttribute::State, "WA"),
        (5, DnAttribute::SerialNumber, "SN-0001"),
        (12, DnAttribute::Title, "Thermostat"),
        (4, DnAttribute::Surname, "Doe"),
        (42, DnAttribute::GivenName, "Jane"),
        (43, DnAttribute::Initials, "JD"),
        (65, DnAttribute::Pseudonym, "jd-device"),
        (44, DnAttribute::GenerationQualifier, "III"),
        (46, DnAttribute::DistinguishedNameQualifier, "dnq-1"),
    ]
}

fn dn(spec: &[(u64, DnAttribute, &str)]) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    let mut seen = Vec::new();
    for (arc, _, value) in spec {
        // The first occurrence uses the built-in type where rcgen has one,
        // the second the custom OID: two RDNs with the same attribute type.
        let ty = if seen.contains(arc) {
            oid(*arc)
        } else {
            seen.push(*arc);
            match arc {
                3 => DnType::CommonName,
                6 => DnType::CountryName,
                10 => DnType::OrganizationName,
                11 => DnType::OrganizationalUnitName,
                8 => DnType::StateOrProvinceName,
                _ => oid(*arc),
            }
        };
        dn.push(ty, *value);
    }
    dn
}

fn general_names_der(names: Vec<GeneralName>) -> Vec<u8> {
    names.to_der().unwrap()
}

struct Generated {
    der: Vec<u8>,
    pem: String,
}

fn generate() -> Generated {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name = dn(&[
        (3, DnAttribute::CommonName, "IoT Devices Primary CA"),
        (10, DnAttribute::Organization, "Example Corp"),
        (11, DnAttribute::OrganizationalUnit, "PKI"),
        (11, DnAttribute::OrganizationalUnit, "Devices"),
        (6, DnAttribute::Country, "DE"),
    ]);
    let ca = ca_params.self_signed(&ca_key).unwrap();

    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = dn(&subject_spec());
    // 92:12:85:cb:b7:a5:e0:86 is the AWS documentation's example serial.
    params.serial_number = Some(SerialNumber::from_slice(&[
        0x92, 0x12, 0x85, 0xcb, 0xb7, 0xa5, 0xe0, 0x86,
    ]));
    let dir: Name = "CN=Directory Entry,O=Example Corp".parse().unwrap();
    let san = general_names_der(vec![
        GeneralName::DnsName(Ia5String::new("dev42.example.com").unwrap()),
        GeneralName::DnsName(Ia5String::new("backup.example.com").unwrap()),
        GeneralName::IpAddress(OctetString::new(vec![192, 0, 2, 7]).unwrap()),
        GeneralName::IpAddress(
            OctetString::new(vec![
                0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            ])
            .unwrap(),
        ),
        GeneralName::UniformResourceIdentifier(Ia5String::new("urn:device:42").unwrap()),
        GeneralName::Rfc822Name(Ia5String::new("ops@example.com").unwrap()),
        GeneralName::DirectoryName(dir),
    ]);
    params
        .custom_extensions
        .push(CustomExtension::from_oid_content(&[2, 5, 29, 17], san));
    let ian = general_names_der(vec![
        GeneralName::DnsName(Ia5String::new("ca.example.com").unwrap()),
        GeneralName::Rfc822Name(Ia5String::new("pki@example.com").unwrap()),
    ]);
    params
        .custom_extensions
        .push(CustomExtension::from_oid_content(&[2, 5, 29, 18], ian));
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    Generated {
        der: cert.der().to_vec(),
        pem: cert.pem(),
    }
}

#[test]
fn context_fields_follow_the_certificate() {
    let g = generate();
    let ctx = CertificateContext::from_der(&g.der).unwrap();
    let want: Vec<(DnAttribute, String)> = subject_spec()
        .into_iter()
        .map(|(_, a, v)| (a, v.to_string()))
        .collect();
    assert_eq!(ctx.subject, want, "subject RDNs in certificate order");
    assert_eq!(
        ctx.issuer,
        vec![
            (
                DnAttribute::CommonName,
                "IoT Devices Primary CA".to_string()
            ),
            (DnAttribute::Organization, "Example Corp".to_string()),
            (DnAttribute::OrganizationalUnit, "PKI".to_string()),
            (DnAttribute::OrganizationalUnit, "Devices".to_string()),
            (DnAttribute::Country, "DE".to_string()),
        ]
    );
    assert_eq!(ctx.serial_number.as_deref(), Some("10525622389124227206"));
    let kinds: Vec<AltNameKind> = ctx.subject_alt_names.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds,
        vec![
            AltNameKind::DnsName,
            AltNameKind::DnsName,
            AltNameKind::IpAddress,
            AltNameKind::IpAddress,
            AltNameKind::UniformResourceIdentifier,
            AltNameKind::Rfc822Name,
            AltNameKind::DirectoryName,
        ]
    );
    assert_eq!(ctx.issuer_alt_names.len(), 2);
    // PEM and DER give the same context, including the SHA-256 certificate id.
    assert_eq!(CertificateContext::from_pem(&g.pem).unwrap(), ctx);
    let id = ctx.certificate_id.unwrap();
    assert_eq!(id.len(), 64);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
}

/// Evaluates `topic/${var}` against `topic/<expected>` (and a near miss).
fn check_variable(ctx: &ConnectionContext, var: &str, expected: Option<&str>) {
    let doc = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"iot:Publish",
        "Resource":"arn:aws:iot:us-east-1:123456789012:topic/v/${{{var}}}"}}}}"#
    ))
    .unwrap();
    let bound = PolicySet::compile(&[doc]).bind(ctx);
    let arn = |v: &str| format!("arn:aws:iot:us-east-1:123456789012:topic/v/{v}");
    match expected {
        Some(v) => {
            assert!(
                bound.authorize("iot:Publish", &arn(v)).is_allowed(),
                "{var} = {v:?}"
            );
            assert!(
                !bound
                    .authorize("iot:Publish", &arn(&format!("{v}x")))
                    .is_allowed()
            );
        }
        None => {
            assert_eq!(bound.active_statements(), 0, "{var} must not resolve");
        }
    }
}

#[test]
fn every_certificate_variable_resolves() {
    let g = generate();
    let ctx = ConnectionContext {
        client_id: "c".into(),
        certificate: Some(CertificateContext::from_der(&g.der).unwrap()),
        ..Default::default()
    };
    // Every subject attribute: bare name = first value, `.N` = N-th value.
    let spec = subject_spec();
    for attr in DnAttribute::ALL {
        let values: Vec<&str> = spec
            .iter()
            .filter(|(_, a, _)| *a == attr)
            .map(|(_, _, v)| *v)
            .collect();
        let name = format!("iot:Certificate.Subject.{}", attr.name());
        check_variable(&ctx, &name, values.first().copied());
        for (i, v) in values.iter().enumerate() {
            check_variable(&ctx, &format!("{name}.{i}"), Some(v));
        }
        check_variable(&ctx, &format!("{name}.{}", values.len()), None);
    }
    check_variable(
        &ctx,
        "iot:Certificate.Issuer.CommonName",
        Some("IoT Devices Primary CA"),
    );
    check_variable(
        &ctx,
        "iot:Certificate.Issuer.OrganizationalUnit.1",
        Some("Devices"),
    );
    check_variable(&ctx, "iot:Certificate.Issuer.Country", Some("DE"));
    check_variable(&ctx, "iot:Certificate.Issuer.Title", None);
    check_variable(
        &ctx,
        "iot:Certificate.SerialNumber",
        Some("10525622389124227206"),
    );
    let alt = "iot:Certificate.Subject.AlternativeName";
    check_variable(&ctx, &format!("{alt}.DNSName"), Some("dev42.example.com"));
    check_variable(
        &ctx,
        &format!("{alt}.DNSName.1"),
        Some("backup.example.com"),
    );
    check_variable(&ctx, &format!("{alt}.IPAddress"), Some("192.0.2.7"));
    check_variable(&ctx, &format!("{alt}.IPAddress.1"), Some("2001:db8::1"));
    check_variable(
        &ctx,
        &format!("{alt}.UniformResourceIdentifier"),
        Some("urn:device:42"),
    );
    check_variable(&ctx, &format!("{alt}.RFC822Name"), Some("ops@example.com"));
    // `,` and `=` in values are backslash-escaped.
    check_variable(
        &ctx,
        &format!("{alt}.DirectoryName"),
        Some("CN\\=Directory Entry\\,O\\=Example Corp"),
    );
    let ialt = "iot:Certificate.Issuer.AlternativeName";
    check_variable(&ctx, &format!("{ialt}.DNSName"), Some("ca.example.com"));
    check_variable(&ctx, &format!("{ialt}.RFC822Name"), Some("pki@example.com"));
    check_variable(&ctx, &format!("{ialt}.IPAddress"), None);
    let id = ctx
        .certificate
        .as_ref()
        .unwrap()
        .certificate_id
        .clone()
        .unwrap();
    check_variable(&ctx, "iot:CertificateId", Some(&id));
}

#[test]
fn list_forms_feed_set_conditions() {
    let g = generate();
    let ctx = ConnectionContext {
        certificate: Some(CertificateContext::from_der(&g.der).unwrap()),
        ..Default::default()
    };
    let decide = |cond: &str| {
        let doc = PolicyDocument::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"iot:Connect",
            "Resource":"*","Condition":{cond}}}}}"#
        ))
        .unwrap();
        PolicySet::compile(&[doc])
            .bind(&ctx)
            .authorize("iot:Connect", "arn:aws:iot:us-east-1:1:client/c")
            .is_allowed()
    };
    let org = "iot:Certificate.Subject.Organization.List";
    assert!(decide(&format!(
        r#"{{"ForAnyValue:StringEquals":{{"{org}":"AnyCompany"}}}}"#
    )));
    assert!(decide(&format!(
        r#"{{"ForAllValues:StringEquals":{{"{org}":["Example Corp","AnyCompany"]}}}}"#
    )));
    assert!(!decide(&format!(
        r#"{{"ForAllValues:StringEquals":{{"{org}":"Example Corp"}}}}"#
    )));
    let dns = "iot:Certificate.Subject.AlternativeName.DNSName.List";
    assert!(decide(&format!(
        r#"{{"ForAnyValue:StringLike":{{"{dns}":"backup.*"}}}}"#
    )));
    assert!(decide(
        r#"{"StringEquals":{"iot:Certificate.Issuer.OrganizationalUnit.1":"Devices"}}"#
    ));
    assert!(decide(
        r#"{"ForAnyValue:StringEquals":{"iot:Certificate.AvailableKeys":"iot:Certificate.Subject.Pseudonym"}}"#
    ));
}

#[test]
fn bad_certificates_are_typed_errors() {
    assert!(CertificateContext::from_der(b"").is_err());
    assert!(CertificateContext::from_der(&[0x30, 0x03, 0x02, 0x01]).is_err());
    assert!(CertificateContext::from_pem("not a pem").is_err());
    let g = generate();
    let mut broken = g.der.clone();
    broken.truncate(broken.len() / 2);
    assert!(CertificateContext::from_der(&broken).is_err());
}
