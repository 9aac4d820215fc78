//! Time functions (spec §10.2): `parse_time(pattern, millis[, zone])`
//! formats epoch milliseconds with a Joda-Time pattern, and
//! `time_to_epoch(text, pattern)` parses text with a java.time pattern.
//!
//! Supported pattern letters: `G` era, `y`/`u`/`Y` year, `M` month (number,
//! `MMM` short name, `MMMM` full name), `d` day of month, `D` day of year,
//! `E` weekday name, `a` AM/PM, `H` `k` `h` `K` hours, `m` minutes, `s`
//! seconds, `S` fraction of a second, `z` zone abbreviation (parsing also
//! takes IANA ids), `Z` numeric offset; `'text'` is literal and `''` a
//! quote. Other letters make the result Undefined.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;
use core::str::FromStr as _;

use chrono::{DateTime, Datelike as _, NaiveDate, Offset as _, TimeZone, Timelike as _};
use chrono_tz::{OffsetName as _, Tz};

use super::{Func, arg, text};
use crate::decimal::Rounding;
use crate::value::{Value, to_int_rounded, to_text};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
/// Longest pattern accepted (bounds the work per call).
const MAX_PATTERN: usize = 256;

pub(super) fn call(func: Func, args: &[Cow<'_, Value>]) -> Option<Value> {
    Some(match func {
        Func::ParseTime => parse_time(arg(args, 0), arg(args, 1), args.get(2).map(|c| &**c)),
        Func::TimeToEpoch => time_to_epoch(arg(args, 0), arg(args, 1)),
        _ => return None,
    })
}

#[derive(Debug, PartialEq)]
enum Tok {
    Field(char, usize),
    Lit(String),
}

fn tokenize(pattern: &str) -> Option<Vec<Tok>> {
    if pattern.len() > MAX_PATTERN {
        return None;
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            let mut lit = String::new();
            if chars.peek() == Some(&'\'') {
                chars.next();
                toks.push(Tok::Lit(String::from("'")));
                continue;
            }
            loop {
                match chars.next()? {
                    '\'' if chars.peek() == Some(&'\'') => {
                        chars.next();
                        lit.push('\'');
                    }
                    '\'' => break,
                    other => lit.push(other),
                }
            }
            toks.push(Tok::Lit(lit));
        } else if c.is_ascii_alphabetic() {
            let mut n = 1;
            while chars.peek() == Some(&c) {
                chars.next();
                n += 1;
            }
            toks.push(Tok::Field(c, n));
        } else {
            toks.push(Tok::Lit(String::from(c)));
        }
    }
    Some(toks)
}

fn zone(v: Option<&Value>) -> Option<Tz> {
    match v {
        None => Some(Tz::UTC),
        Some(Value::String(s)) => Tz::from_str(s).ok(),
        Some(_) => None,
    }
}

fn parse_time(pattern: &Value, millis: &Value, zone_arg: Option<&Value>) -> Value {
    let (Some(pattern), Some(ms), Some(tz)) = (
        to_text(pattern),
        to_int_rounded(millis, Rounding::Down),
        zone(zone_arg),
    ) else {
        return Value::Undefined;
    };
    let (Some(toks), Some(t)) = (tokenize(&pattern), tz.timestamp_millis_opt(ms).single()) else {
        return Value::Undefined;
    };
    format(&toks, &t).map_or(Value::Undefined, text)
}

fn pad(out: &mut String, v: i64, width: usize) {
    let _ = write!(out, "{v:0width$}");
}

fn format(toks: &[Tok], t: &DateTime<Tz>) -> Option<String> {
    let mut out = String::new();
    for tok in toks {
        match *tok {
            Tok::Lit(ref s) => out.push_str(s),
            Tok::Field(c, n) => match c {
                'G' => out.push_str(if t.year() > 0 { "AD" } else { "BC" }),
                'y' | 'u' | 'Y' => {
                    let y = i64::from(t.year());
                    if n == 2 {
                        pad(&mut out, y.rem_euclid(100), 2)
                    } else {
                        pad(&mut out, y, n)
                    }
                }
                'M' => {
                    let m = t.month0() as usize;
                    let name = MONTHS.get(m)?;
                    match n {
                        1 | 2 => pad(&mut out, i64::from(t.month()), n),
                        3 => out.push_str(name.get(..3)?),
                        _ => out.push_str(name),
                    }
                }
                'd' => pad(&mut out, i64::from(t.day()), n),
                'D' => pad(&mut out, i64::from(t.ordinal()), n),
                'E' => {
                    let name = DAYS.get(t.weekday().num_days_from_monday() as usize)?;
                    out.push_str(if n >= 4 { name } else { name.get(..3)? });
                }
                'a' => out.push_str(if t.hour() < 12 { "AM" } else { "PM" }),
                'H' => pad(&mut out, i64::from(t.hour()), n),
                'k' => pad(
                    &mut out,
                    i64::from(if t.hour() == 0 { 24 } else { t.hour() }),
                    n,
                ),
                'K' => pad(&mut out, i64::from(t.hour() % 12), n),
                'h' => pad(
                    &mut out,
                    i64::from(if t.hour().is_multiple_of(12) {
                        12
                    } else {
                        t.hour() % 12
                    }),
                    n,
                ),
                'm' => pad(&mut out, i64::from(t.minute()), n),
                's' => pad(&mut out, i64::from(t.second()), n),
                'S' => {
                    let mut frac = String::new();
                    pad(&mut frac, i64::from(t.timestamp_subsec_millis()), 3);
                    while frac.len() < n {
                        frac.push('0');
                    }
                    out.push_str(frac.get(..n)?);
                }
                'z' => match t.offset().abbreviation() {
                    Some(a) if n < 4 => out.push_str(a),
                    _ => out.push_str(t.offset().tz_id()),
                },
                'Z' => {
                    let secs = t.offset().fix().local_minus_utc();
                    let sign = if secs < 0 { '-' } else { '+' };
                    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
                    let _ = if n == 2 {
                        write!(out, "{sign}{h:02}:{m:02}")
                    } else {
                        write!(out, "{sign}{h:02}{m:02}")
                    };
                }
                _ => return None,
            },
        }
    }
    Some(out)
}

/// Fields read by [`time_to_epoch`].
#[derive(Default)]
struct Parsed {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    hour: u32,
    pm: Option<bool>,
    minute: u32,
    second: u32,
    millis: u32,
    zone: Option<Tz>,
    offset_secs: Option<i32>,
}

fn time_to_epoch(input: &Value, pattern: &Value) -> Value {
    let (Some(s), Some(pattern)) = (to_text(input), to_text(pattern)) else {
        return Value::Undefined;
    };
    tokenize(&pattern)
        .and_then(|toks| parse(&toks, &s))
        .map_or(Value::Undefined, Value::Int)
}

fn digits(s: &str, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let (d, rest) = s.split_at(n);
    Some((d.parse().ok()?, rest))
}

fn parse(toks: &[Tok], mut s: &str) -> Option<i64> {
    let mut p = Parsed::default();
    for (i, tok) in toks.iter().enumerate() {
        // A numeric field followed directly by another takes exactly its width.
        let fixed = matches!(toks.get(i + 1), Some(Tok::Field(..)));
        match *tok {
            Tok::Lit(ref l) => s = s.strip_prefix(l.as_str())?,
            Tok::Field(c, n) => {
                let width = if fixed { n } else { 10 };
                match c {
                    'y' | 'u' | 'Y' => {
                        let (v, r) = digits(s, if n == 2 { 2 } else { width })?;
                        p.year = Some(if n == 2 {
                            2000 + i32::try_from(v).ok()?
                        } else {
                            i32::try_from(v).ok()?
                        });
                        s = r;
                    }
                    'M' if n >= 3 => {
                        let (m, r) = name_prefix(s, &MONTHS, n)?;
                        p.month = Some(m + 1);
                        s = r;
                    }
                    'E' => s = name_prefix(s, &DAYS, n)?.1,
                    'G' => s = s.strip_prefix("AD").or_else(|| s.strip_prefix("BC"))?,
                    'a' => {
                        let (pm, r) = if let Some(r) = s.strip_prefix("AM") {
                            (false, r)
                        } else {
                            (true, s.strip_prefix("PM")?)
                        };
                        p.pm = Some(pm);
                        s = r;
                    }
                    'z' => {
                        let n = s
                            .find(|c: char| {
                                !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
                            })
                            .unwrap_or(s.len());
                        let (name, r) = s.split_at(n);
                        p.zone = Some(Tz::from_str(name).ok()?);
                        s = r;
                    }
                    'Z' => {
                        let sign = if s.starts_with('-') { -1 } else { 1 };
                        s = s.get(1..)?;
                        let (h, r) = digits(s, 2)?;
                        let r = r.strip_prefix(':').unwrap_or(r);
                        let (m, r) = digits(r, 2)?;
                        p.offset_secs = Some(sign * i32::try_from(h * 3600 + m * 60).ok()?);
                        s = r;
                    }
                    'S' => {
                        let (v, r) = digits(s, width.min(9))?;
                        let len = s.len() - r.len();
                        let mut ms = f64::from(v);
                        for _ in 0..len {
                            ms /= 10.0;
                        }
                        p.millis = libm::floor(ms * 1000.0 + 1e-6) as u32;
                        s = r;
                    }
                    _ => {
                        let (v, r) = digits(s, width)?;
                        match c {
                            'M' => p.month = Some(v),
                            'd' => p.day = Some(v),
                            'H' | 'k' => p.hour = v % 24,
                            'h' | 'K' => p.hour = v % 12,
                            'm' => p.minute = v,
                            's' => p.second = v,
                            _ => return None,
                        }
                        s = r;
                    }
                }
            }
        }
    }
    if !s.is_empty() {
        return None;
    }
    if p.pm == Some(true) {
        p.hour += 12;
    }
    let date = NaiveDate::from_ymd_opt(
        p.year.unwrap_or(1970),
        p.month.unwrap_or(1),
        p.day.unwrap_or(1),
    )?;
    let local = date.and_hms_milli_opt(p.hour, p.minute, p.second, p.millis)?;
    let utc_millis = if let Some(off) = p.offset_secs {
        local.and_utc().timestamp_millis() - i64::from(off) * 1000
    } else {
        let tz = p.zone.unwrap_or(Tz::UTC);
        tz.from_local_datetime(&local)
            .earliest()?
            .timestamp_millis()
    };
    Some(utc_millis)
}

/// Matches a full name (`n >= 4`) or its three-letter prefix, case-insensitively.
fn name_prefix<'s>(s: &'s str, names: &[&str], n: usize) -> Option<(u32, &'s str)> {
    for (i, name) in names.iter().enumerate() {
        let cand = if n >= 4 { *name } else { name.get(..3)? };
        if s.len() >= cand.len() && s.get(..cand.len())?.eq_ignore_ascii_case(cand) {
            return Some((u32::try_from(i).ok()?, s.get(cand.len()..)?));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joda_quotes() {
        assert_eq!(
            tokenize("yyyy 'at' ''x").unwrap(),
            alloc::vec![
                Tok::Field('y', 4),
                Tok::Lit(" ".into()),
                Tok::Lit("at".into()),
                Tok::Lit(" ".into()),
                Tok::Lit("'".into()),
                Tok::Field('x', 1)
            ]
        );
    }

    #[test]
    fn round_trip_utc() {
        let toks = tokenize("yyyy-MM-dd'T'HH:mm:ss.SSSZ").unwrap();
        let t = Tz::UTC
            .timestamp_millis_opt(1_450_396_800_123)
            .single()
            .unwrap();
        let s = format(&toks, &t).unwrap();
        assert_eq!(s, "2015-12-18T00:00:00.123+0000");
        assert_eq!(parse(&toks, &s), Some(1_450_396_800_123));
    }
}
