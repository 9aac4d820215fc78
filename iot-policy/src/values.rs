//! Typed condition values: numbers, dates, IP ranges, base64 and booleans.

use alloc::vec::Vec;
use core::net::IpAddr;

/// Parses an IAM numeric value (integer or decimal, optional sign and exponent).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses an IAM date: epoch seconds, or ISO 8601 (`2024-03-26`,
/// `2024-03-26T03:25:40Z`, fractional seconds, `±hh:mm` offsets).
/// Returns epoch milliseconds.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(secs) = digits(s) {
        return secs.checked_mul(1000);
    }
    let (date, time) = match s.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut it = date.split('-');
    let y = digits(it.next()?)?;
    let m = digits(it.next()?)?;
    let d = digits(it.next()?)?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) || y > 9999 {
        return None;
    }
    let mut millis = days_from_civil(y, m, d).checked_mul(86_400_000)?;
    if let Some(t) = time {
        let (clock, offset_ms) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
            (c, 0)
        } else if let Some(pos) = t.rfind(['+', '-']) {
            let (c, off) = t.split_at(pos);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let off = off.get(1..)?;
            let (oh, om) = off.split_once(':').unwrap_or((off, "0"));
            let (oh, om) = (digits(oh)?, digits(om)?);
            (c, sign * (oh * 3600 + om * 60) * 1000)
        } else {
            (t, 0)
        };
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let mut parts = hms.split(':');
        let h = digits(parts.next()?)?;
        let mi = parts.next().map_or(Some(0), digits)?;
        let se = parts.next().map_or(Some(0), digits)?;
        if parts.next().is_some() || h > 23 || mi > 59 || se > 60 {
            return None;
        }
        let ms = if frac.is_empty() {
            0
        } else {
            let f = frac.get(..frac.len().min(3))?;
            let v = digits(f)?;
            v * 10_i64.pow(3 - u32::try_from(f.len()).ok()?)
        };
        millis = millis.checked_add((h * 3600 + mi * 60 + se) * 1000 + ms - offset_ms)?;
    }
    Some(millis)
}

/// An IPv4 or IPv6 CIDR block; a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => u8::try_from(digits(p)?).ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Self { addr, prefix })
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                let shift = u32::from(width - prefix);
                (bits >> shift) << shift
            }
        }
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => {
                masked(u128::from(u32::from(n)), self.prefix, 32)
                    == masked(u128::from(u32::from(i)), self.prefix, 32)
            }
            (IpAddr::V6(n), IpAddr::V6(i)) => {
                masked(u128::from(n), self.prefix, 128) == masked(u128::from(i), self.prefix, 128)
            }
            _ => false,
        }
    }
}

/// Decodes standard base64 (padding optional, whitespace not allowed).
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.as_bytes().chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | val(c)?;
        }
        let bytes = acc.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(bytes.get(1..4)?),
            3 => {
                acc <<= 6;
                out.extend_from_slice(acc.to_be_bytes().get(1..3)?);
            }
            2 => {
                acc <<= 12;
                out.extend_from_slice(acc.to_be_bytes().get(1..2)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Parses an IAM boolean (case-insensitive `true`/`false`).
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("86400"), Some(86_400_000));
        assert_eq!(parse_date("1970-01-02"), Some(86_400_000));
        // 2024-03-26T03:25:40Z = 1711423540 (RFC 3339, computed by hand from days).
        assert_eq!(parse_date("2024-03-26T03:25:40Z"), Some(1_711_423_540_000));
        assert_eq!(
            parse_date("2024-03-26T05:25:40+02:00"),
            Some(1_711_423_540_000)
        );
        assert_eq!(
            parse_date("2024-03-26T03:25:40.5Z"),
            Some(1_711_423_540_500)
        );
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.255.0.1".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        let c = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!c.contains("2001:db9::1".parse().unwrap()));
        assert!(!c.contains("10.0.0.1".parse().unwrap()));
        let c = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(c.contains("1.2.3.4".parse().unwrap()));
        assert!(Cidr::parse("1.2.3.4/33").is_none());
        assert!(
            Cidr::parse("123.45.167.89")
                .unwrap()
                .contains("123.45.167.89".parse().unwrap())
        );
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64("").unwrap(), b"");
        assert!(decode_base64("a").is_none());
        assert!(decode_base64("a$==").is_none());
    }

    #[test]
    fn numbers_and_bools() {
        assert_eq!(parse_number("42"), Some(42.0));
        assert_eq!(parse_number("-1.5e2"), Some(-150.0));
        assert_eq!(parse_number("nan"), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("yes"), None);
    }
}
