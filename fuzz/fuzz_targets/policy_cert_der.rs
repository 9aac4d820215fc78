#![no_main]
//! Certificate context from arbitrary DER (and the same bytes as PEM text):
//! never panics; a decoded context binds against a policy that reads every
//! kind of certificate variable.

use iot_policy::{CertificateContext, ConnectionContext, PolicyDocument, PolicySet};
use libfuzzer_sys::fuzz_target;

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"iot:Publish","Resource":[
    "arn:aws:iot:*:*:topic/${iot:Certificate.Subject.CommonName}/*",
    "arn:aws:iot:*:*:topic/${iot:Certificate.Issuer.Organization.2}/*",
    "arn:aws:iot:*:*:topic/${iot:Certificate.Subject.AlternativeName.DirectoryName}/*",
    "arn:aws:iot:*:*:topic/${iot:Certificate.SerialNumber}/${iot:CertificateId}"]},
  {"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{
    "ForAnyValue:StringLike":{"iot:Certificate.Subject.AlternativeName.IPAddress.List":"10.*"},
    "Null":{"iot:Certificate.Subject.OrganizationalUnit":"false"}}}]}"#;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = CertificateContext::from_pem(text);
    }
    let Ok(cert) = CertificateContext::from_der(data) else {
        return;
    };
    let serial = cert
        .serial_number
        .clone()
        .expect("a decoded certificate has a serial");
    assert!(!serial.is_empty() && serial.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(cert.certificate_id.as_ref().map(String::len), Some(64));
    let doc = PolicyDocument::parse(POLICY).expect("built-in policy");
    let ctx = ConnectionContext {
        certificate: Some(cert),
        ..Default::default()
    };
    let bound = PolicySet::compile(&[doc]).bind(&ctx);
    let _ = bound.authorize("iot:Publish", &format!("arn:aws:iot:r:1:topic/{serial}/x"));
    let _ = bound.authorize("iot:Connect", "arn:aws:iot:r:1:client/c");
});
