//! Policy variables and context keys: names, templates and resolution.
//!
//! The same names serve as `${...}` variables and as condition keys. A
//! variable resolves to at most one value; a key may have several.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::context::{AltNameKind, ConnectionContext, DnAttribute};
use crate::error::ParseErrorKind;

/// At most this many values of a multi-valued certificate field are used.
pub(crate) const MAX_CERT_VALUES: usize = 5;
/// Certificate values longer than this (in characters) are not substituted.
pub(crate) const MAX_CERT_VALUE_CHARS: usize = 1024;

/// Which element of a multi-valued certificate field a name selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Selector {
    /// The bare name: the first value.
    First,
    /// `.N`: the value at zero-based position N.
    Index(usize),
    /// `.List`: every value.
    List,
}

/// Subject or issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Subject,
    Issuer,
}

/// A known variable / context key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Variable {
    ClientId,
    SourceIp,
    DomainName,
    CertificateId,
    ThingName,
    ThingTypeName,
    ThingAttribute(String),
    IsAttached,
    ConnectAttributes,
    LastWillTopic,
    CurrentTime,
    EpochTime,
    CertSerialNumber,
    CertAvailableKeys,
    CertDn(Side, DnAttribute, Selector),
    CertAltName(Side, AltNameKind, Selector),
    /// A name we do not know: never has a value.
    Unknown,
}

/// Name-matching options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameRules {
    pub(crate) case_insensitive: bool,
}

fn eq(rules: NameRules, a: &str, b: &str) -> bool {
    if rules.case_insensitive {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

fn strip_prefix_rule<'a>(rules: NameRules, s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if eq(rules, head, prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

fn split_selector(rules: NameRules, s: &str) -> (&str, Selector) {
    if let Some((base, last)) = s.rsplit_once('.') {
        if eq(rules, last, "List") {
            return (base, Selector::List);
        }
        if !last.is_empty()
            && last.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = last.parse::<usize>()
        {
            return (base, Selector::Index(n));
        }
    }
    (s, Selector::First)
}

impl Variable {
    /// Parses a variable or key name (without `${` `}`).
    pub(crate) fn parse(name: &str, rules: NameRules) -> Self {
        let simple = [
            ("iot:ClientId", Self::ClientId),
            ("aws:SourceIp", Self::SourceIp),
            ("iot:DomainName", Self::DomainName),
            ("iot:CertificateId", Self::CertificateId),
            ("iot:Connection.Thing.ThingName", Self::ThingName),
            ("iot:Connection.Thing.ThingTypeName", Self::ThingTypeName),
            ("iot:Connection.Thing.IsAttached", Self::IsAttached),
            ("iot:ConnectAttributes", Self::ConnectAttributes),
            ("iot:LastWillTopic", Self::LastWillTopic),
            ("aws:CurrentTime", Self::CurrentTime),
            ("aws:EpochTime", Self::EpochTime),
            ("iot:Certificate.SerialNumber", Self::CertSerialNumber),
            ("iot:Certificate.AvailableKeys", Self::CertAvailableKeys),
        ];
        if let Some((_, v)) = simple.iter().find(|(n, _)| eq(rules, n, name)) {
            return v.clone();
        }
        if let Some(rest) = strip_prefix_rule(rules, name, "iot:Connection.Thing.Attributes[")
            && let Some(attr) = rest.strip_suffix(']')
        {
            return Self::ThingAttribute(attr.to_string());
        }
        let Some(rest) = strip_prefix_rule(rules, name, "iot:Certificate.") else {
            return Self::Unknown;
        };
        let (side, rest) = if let Some(r) = strip_prefix_rule(rules, rest, "Subject.") {
            (Side::Subject, r)
        } else if let Some(r) = strip_prefix_rule(rules, rest, "Issuer.") {
            (Side::Issuer, r)
        } else {
            return Self::Unknown;
        };
        let (base, sel) = split_selector(rules, rest);
        if let Some(kind) = strip_prefix_rule(rules, base, "AlternativeName.") {
            return AltNameKind::ALL
                .into_iter()
                .find(|k| eq(rules, k.name(), kind))
                .map_or(Self::Unknown, |k| Self::CertAltName(side, k, sel));
        }
        DnAttribute::ALL
            .into_iter()
            .find(|a| eq(rules, a.name(), base))
            .map_or(Self::Unknown, |a| Self::CertDn(side, a, sel))
    }

    /// Whether this is one of the documented condition keys (as opposed to a
    /// name documented only as a variable).
    pub(crate) fn is_documented_key(&self) -> bool {
        !matches!(
            self,
            Self::ClientId | Self::DomainName | Self::CertificateId | Self::CertAvailableKeys
        )
    }
}

/// Escapes `, " \ + = < > ;` with a backslash, as AWS IoT does for
/// certificate values.
fn escape_cert_value(v: &str) -> Cow<'_, str> {
    if !v.contains([',', '"', '\\', '+', '=', '<', '>', ';']) {
        return Cow::Borrowed(v);
    }
    let mut out = String::with_capacity(v.len() + 4);
    for c in v.chars() {
        if matches!(c, ',' | '"' | '\\' | '+' | '=' | '<' | '>' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Certificate values that are never substituted: over-long, or containing
/// a character that would act as a wildcard.
fn cert_value_usable(v: &str) -> bool {
    v.chars().count() <= MAX_CERT_VALUE_CHARS && !v.contains(['*', '$', '+', '?', '#'])
}

/// Applies the certificate rules: first five values only, unusable values
/// dropped from lists and making single selections unresolved.
fn select<'a>(values: impl Iterator<Item = &'a str>, sel: Selector) -> Values<'a> {
    let mut first5 = values.take(MAX_CERT_VALUES);
    match sel {
        Selector::First | Selector::Index(_) => {
            let n = if let Selector::Index(n) = sel { n } else { 0 };
            match first5.nth(n) {
                Some(v) if cert_value_usable(v) => Values::One(escape_cert_value(v)),
                _ => Values::Absent,
            }
        }
        Selector::List => Values::Many(
            first5
                .filter(|v| cert_value_usable(v))
                .map(escape_cert_value)
                .collect(),
        ),
    }
}

/// The value(s) of a key in a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Values<'a> {
    Absent,
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

impl<'a> Values<'a> {
    /// The single value a `${...}` substitution uses, if there is exactly one.
    pub(crate) fn single(self) -> Option<Cow<'a, str>> {
        match self {
            Self::One(v) => Some(v),
            _ => None,
        }
    }

    /// All values as a list (absent = empty).
    pub(crate) fn into_list(self) -> Vec<Cow<'a, str>> {
        match self {
            Self::Absent => Vec::new(),
            Self::One(v) => alloc::vec![v],
            Self::Many(v) => v,
        }
    }
}

fn opt(v: Option<&str>) -> Values<'_> {
    v.map_or(Values::Absent, |s| Values::One(Cow::Borrowed(s)))
}

impl Variable {
    /// The value(s) of this variable in `ctx`.
    pub(crate) fn resolve<'a>(&self, ctx: &'a ConnectionContext) -> Values<'a> {
        let cert = ctx.certificate.as_ref();
        let thing = ctx.thing.as_ref();
        match self {
            Self::ClientId => Values::One(Cow::Borrowed(&ctx.client_id)),
            Self::SourceIp => ctx
                .source_ip
                .map_or(Values::Absent, |ip| Values::One(Cow::Owned(ip.to_string()))),
            Self::DomainName => opt(ctx.domain_name.as_deref()),
            Self::CertificateId => opt(cert.and_then(|c| c.certificate_id.as_deref())),
            Self::ThingName => opt(thing.map(|t| t.name.as_str())),
            Self::ThingTypeName => opt(thing.and_then(|t| t.type_name.as_deref())),
            Self::ThingAttribute(name) => {
                opt(thing.and_then(|t| t.attributes.get(name).map(String::as_str)))
            }
            Self::IsAttached => Values::One(Cow::Borrowed(if ctx.is_attached {
                "true"
            } else {
                "false"
            })),
            Self::ConnectAttributes => Values::Many(
                ctx.connect_attributes
                    .iter()
                    .map(|s| Cow::Borrowed(s.as_str()))
                    .collect(),
            ),
            Self::LastWillTopic => opt(ctx.last_will_topic.as_deref()),
            Self::CurrentTime => ctx.current_time_ms.map_or(Values::Absent, |ms| {
                Values::One(Cow::Owned(format!("{}", ms.div_euclid(1000))))
            }),
            Self::EpochTime => ctx.current_time_ms.map_or(Values::Absent, |ms| {
                Values::One(Cow::Owned(format!("{}", ms.div_euclid(1000))))
            }),
            Self::CertSerialNumber => opt(cert.and_then(|c| c.serial_number.as_deref())),
            Self::CertAvailableKeys => {
                cert.map_or(Values::Absent, |_| Values::Many(available_keys(ctx)))
            }
            Self::CertDn(side, attr, sel) => cert.map_or(Values::Absent, |c| {
                let list = match side {
                    Side::Subject => &c.subject,
                    Side::Issuer => &c.issuer,
                };
                select(
                    list.iter()
                        .filter(|(a, _)| a == attr)
                        .map(|(_, v)| v.as_str()),
                    *sel,
                )
            }),
            Self::CertAltName(side, kind, sel) => cert.map_or(Values::Absent, |c| {
                let list = match side {
                    Side::Subject => &c.subject_alt_names,
                    Side::Issuer => &c.issuer_alt_names,
                };
                select(
                    list.iter()
                        .filter(|(k, _)| k == kind)
                        .map(|(_, v)| v.as_str()),
                    *sel,
                )
            }),
            Self::Unknown => Values::Absent,
        }
    }
}

/// `iot:Certificate.AvailableKeys`: the names of certificate variables with a value.
fn available_keys(ctx: &ConnectionContext) -> Vec<Cow<'static, str>> {
    let mut keys = Vec::new();
    let Some(c) = ctx.certificate.as_ref() else {
        return keys;
    };
    for (name, list) in [("Subject", &c.subject), ("Issuer", &c.issuer)] {
        for attr in DnAttribute::ALL {
            if list.iter().any(|(a, _)| *a == attr) {
                keys.push(Cow::Owned(format!(
                    "iot:Certificate.{name}.{}",
                    attr.name()
                )));
            }
        }
    }
    for (name, list) in [
        ("Subject", &c.subject_alt_names),
        ("Issuer", &c.issuer_alt_names),
    ] {
        for kind in AltNameKind::ALL {
            if list.iter().any(|(k, _)| *k == kind) {
                keys.push(Cow::Owned(format!(
                    "iot:Certificate.{name}.AlternativeName.{}",
                    kind.name()
                )));
            }
        }
    }
    if c.serial_number.is_some() {
        keys.push(Cow::Borrowed("iot:Certificate.SerialNumber"));
    }
    keys
}

/// A piece of a string that may contain `${...}` variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Document text: `*` and `?` in it are wildcards where globs apply.
    Text(String),
    /// Text that is always literal (`${*}`, `${?}`, `${$}`).
    Literal(String),
    /// A variable to substitute literally.
    Var(Variable),
}

/// Splits `s` into text, literal escapes and variables. With
/// `substitute == false` (legacy documents) the whole string is text.
pub(crate) fn parse_template(
    s: &str,
    substitute: bool,
    rules: NameRules,
) -> Result<Vec<Part>, ParseErrorKind> {
    if !substitute || !s.contains("${") {
        return Ok(alloc::vec![Part::Text(s.to_string())]);
    }
    let mut parts = Vec::new();
    let mut rest = s;
    let mut offset = 0;
    while let Some(start) = rest.find("${") {
        let (before, after) = rest.split_at(start);
        if !before.is_empty() {
            parts.push(Part::Text(before.to_string()));
        }
        let body = after.get(2..).unwrap_or("");
        let Some(end) = body.find('}') else {
            return Err(ParseErrorKind::UnterminatedVariable(offset + start));
        };
        let name = body.get(..end).unwrap_or("");
        parts.push(match name {
            "*" | "?" | "$" => Part::Literal(name.to_string()),
            _ => Part::Var(Variable::parse(name, rules)),
        });
        let consumed = start + 2 + end + 1;
        offset += consumed;
        rest = rest.get(consumed..).unwrap_or("");
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: NameRules = NameRules {
        case_insensitive: true,
    };

    #[test]
    fn names() {
        assert_eq!(Variable::parse("iot:ClientId", R), Variable::ClientId);
        assert_eq!(Variable::parse("IOT:clientid", R), Variable::ClientId);
        assert_eq!(
            Variable::parse(
                "IOT:clientid",
                NameRules {
                    case_insensitive: false
                }
            ),
            Variable::Unknown
        );
        assert_eq!(
            Variable::parse("iot:Certificate.Subject.Country.1", R),
            Variable::CertDn(Side::Subject, DnAttribute::Country, Selector::Index(1))
        );
        assert_eq!(
            Variable::parse("iot:Certificate.Issuer.AlternativeName.DNSName.List", R),
            Variable::CertAltName(Side::Issuer, AltNameKind::DnsName, Selector::List)
        );
        assert_eq!(
            Variable::parse("iot:Connection.Thing.Attributes[site]", R),
            Variable::ThingAttribute("site".into())
        );
        assert_eq!(
            Variable::parse("iot:Certificate.Subject.Locality", R),
            Variable::Unknown
        );
    }

    #[test]
    fn templates() {
        let p = parse_template("a${*}b${iot:ClientId}${$}{x}", true, R).unwrap();
        assert_eq!(
            p,
            alloc::vec![
                Part::Text("a".into()),
                Part::Literal("*".into()),
                Part::Text("b".into()),
                Part::Var(Variable::ClientId),
                Part::Literal("$".into()),
                Part::Text("{x}".into()),
            ]
        );
        assert_eq!(
            parse_template("a${b", true, R),
            Err(ParseErrorKind::UnterminatedVariable(1))
        );
        assert_eq!(
            parse_template("a${b", false, R).unwrap(),
            alloc::vec![Part::Text("a${b".into())]
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_cert_value("O=Amazon.com"), "O\\=Amazon.com");
        assert_eq!(escape_cert_value("plain"), "plain");
    }
}
