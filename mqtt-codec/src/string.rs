//! Validated UTF-8 strings over `Bytes`, and topic name / filter rules.

use bytes::Bytes;

use crate::error::ErrorKind;

/// An MQTT UTF-8 Encoded String (MQTT 1.5.4): well-formed UTF-8 without
/// surrogates or U+0000, at most 65,535 bytes, held as a slice of the
/// packet's [`Bytes`] (no copy on decode).
///
/// ```
/// use iot_mqtt_codec::Utf8Str;
/// let s = Utf8Str::new("sensors/1")?;
/// assert_eq!(s.as_str(), "sensors/1");
/// assert!(Utf8Str::new("a\0b").is_err()); // MQTT-1.5.4-2
/// # Ok::<(), iot_mqtt_codec::ErrorKind>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Utf8Str(Bytes);

impl Utf8Str {
    /// Copies and validates `s`.
    ///
    /// # Errors
    /// [`ErrorKind::NullCharacter`] or [`ErrorKind::TooLong`].
    pub fn new(s: &str) -> Result<Self, ErrorKind> {
        check_text(s.as_bytes(), "string")?;
        Ok(Self(Bytes::copy_from_slice(s.as_bytes())))
    }

    /// A string from a static literal, without a copy.
    ///
    /// # Panics
    /// If `s` contains U+0000 or is longer than 65,535 bytes: a static
    /// literal with those is a programming error.
    #[must_use]
    #[expect(clippy::panic, reason = "static literals are checked like constants")]
    pub fn from_static(s: &'static str) -> Self {
        if check_text(s.as_bytes(), "string").is_err() {
            panic!("Utf8Str::from_static: string contains U+0000 or is too long");
        }
        Self(Bytes::from_static(s.as_bytes()))
    }

    /// Validates `bytes` and keeps them without a copy.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidUtf8`], [`ErrorKind::NullCharacter`] or [`ErrorKind::TooLong`].
    pub fn from_bytes(bytes: Bytes) -> Result<Self, ErrorKind> {
        validate(&bytes, "string")?;
        Ok(Self(bytes))
    }

    /// Wraps bytes the reader already validated.
    pub(crate) fn from_validated(bytes: Bytes) -> Self {
        Self(bytes)
    }

    /// The text. (The UTF-8 check is repeated, since the crate has no
    /// `unsafe`; it costs a few nanoseconds for a topic.)
    #[must_use]
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The encoded bytes, without the length prefix.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying buffer.
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the empty string.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A validated MQTT UTF-8 Encoded String borrowed from a received packet:
/// the [`Utf8Str`] of the borrowed decode path ([`crate::PacketRef`]).
///
/// Only the decoder and [`Utf8Ref::new`] build one, so it always holds
/// well-formed UTF-8 without U+0000, at most 65,535 bytes.
///
/// ```
/// use iot_mqtt_codec::Utf8Ref;
/// let s = Utf8Ref::new("a/b")?;
/// assert_eq!(s.as_str(), "a/b");
/// assert_eq!(s, "a/b");
/// assert!(Utf8Ref::new("a\0b").is_err()); // MQTT-1.5.4-2
/// # Ok::<(), iot_mqtt_codec::ErrorKind>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Utf8Ref<'a>(&'a [u8]);

impl<'a> Utf8Ref<'a> {
    /// Checks `s` (no U+0000, at most 65,535 bytes) and borrows it.
    ///
    /// # Errors
    /// [`ErrorKind::NullCharacter`] or [`ErrorKind::TooLong`].
    pub fn new(s: &'a str) -> Result<Self, ErrorKind> {
        check_text(s.as_bytes(), "string")?;
        Ok(Self(s.as_bytes()))
    }

    /// Wraps bytes the reader already validated.
    pub(crate) fn from_validated(bytes: &'a [u8]) -> Self {
        Self(bytes)
    }

    /// The text. (The UTF-8 check is repeated, since the crate has no
    /// `unsafe`; use [`Utf8Ref::as_bytes`] where bytes do.)
    #[must_use]
    pub fn as_str(&self) -> &'a str {
        core::str::from_utf8(self.0).unwrap_or_default()
    }

    /// The encoded bytes, without the length prefix.
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the empty string.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An owned copy.
    #[must_use]
    pub fn to_utf8_str(&self) -> Utf8Str {
        Utf8Str(Bytes::copy_from_slice(self.0))
    }

    /// An owned string sharing `base` when the text lies inside it (no
    /// copy), copied otherwise.
    #[must_use]
    pub fn share(&self, base: &Bytes) -> Utf8Str {
        Utf8Str(crate::reader::share(base, self.0))
    }
}

impl core::fmt::Debug for Utf8Ref<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl core::fmt::Display for Utf8Ref<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Utf8Ref<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Utf8Ref<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<Utf8Ref<'_>> for Utf8Str {
    fn eq(&self, other: &Utf8Ref<'_>) -> bool {
        self.as_bytes() == other.0
    }
}

impl Utf8Str {
    /// A borrowed view.
    #[must_use]
    pub fn as_utf8_ref(&self) -> Utf8Ref<'_> {
        Utf8Ref(&self.0)
    }
}

impl core::fmt::Debug for Utf8Str {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl core::fmt::Display for Utf8Str {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<&str> for Utf8Str {
    type Error = ErrorKind;
    fn try_from(s: &str) -> Result<Self, ErrorKind> {
        Self::new(s)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Utf8Str {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Utf8Str {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <alloc::string::String as serde::Deserialize>::deserialize(d)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Utf8Str {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let s: &str = u.arbitrary()?;
        let s: alloc::string::String = s.chars().filter(|&c| c != '\0').take(64).collect();
        Self::new(&s).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

/// Checks an MQTT string: UTF-8 (which excludes surrogates), no U+0000 (MQTT-1.5.4-1/2).
#[inline]
pub(crate) fn validate(bytes: &[u8], field: &'static str) -> Result<(), ErrorKind> {
    // One word-at-a-time pass for the high bits and U+0000; ASCII (the
    // usual case) needs no UTF-8 decoding.
    let (mut high, mut nul) = (0u64, 0u64);
    let mut step = |w: u64| {
        high |= w;
        nul |= zero_bytes(w);
    };
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        step(<[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes));
    }
    if let Some(last) = last_word(bytes, b'a') {
        step(last);
    }
    if high & HI != 0 && core::str::from_utf8(bytes).is_err() {
        return Err(ErrorKind::InvalidUtf8 { field });
    }
    if nul != 0 {
        return Err(ErrorKind::NullCharacter { field });
    }
    if bytes.len() > usize::from(u16::MAX) {
        return Err(ErrorKind::TooLong { field });
    }
    Ok(())
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// `v` with a zero byte exactly where `v` holds `+` (0x2B) or `#` (0x23):
/// the two differ only in bit 3, so setting that bit in every byte leaves
/// one value to compare with, one test instead of two.
#[inline]
fn wildcards(v: u64) -> u64 {
    const BIT3: u64 = LO * 0x08;
    const PLUS: u64 = LO * b'+' as u64;
    (v | BIT3) ^ PLUS
}

/// 0x80 in exactly the bytes of `v` that are zero, 0 elsewhere (no carry
/// crosses a byte: `(b & 0x7F) + 0x7F` is at most 0xFE).
#[inline]
fn zero_bytes(v: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    !((v & LOW7).wrapping_add(LOW7) | v | LOW7)
}

/// Checks a topic name read from the wire: UTF-8 without U+0000
/// (MQTT-1.5.4-1/2) and without `+` or `#` (MQTT-3.3.2-2). The common case,
/// ASCII without special bytes, costs two vectorised folds and no UTF-8
/// decoding. Errors come in the order of [`validate`] then
/// [`check_topic_name`].
#[inline]
pub(crate) fn validate_topic_name(bytes: &[u8], field: &'static str) -> Result<(), ErrorKind> {
    let (high, special) = scan_topic(bytes);
    if high && core::str::from_utf8(bytes).is_err() {
        return Err(ErrorKind::InvalidUtf8 { field });
    }
    if special {
        if has_any(bytes, 0, 0) {
            return Err(ErrorKind::NullCharacter { field });
        }
        return Err(ErrorKind::InvalidTopicName {
            field,
            reason: "wildcard character",
        });
    }
    Ok(())
}

/// One pass over a topic, eight bytes at a time (SWAR, as [`has_any`]):
/// whether any byte has its high bit set (not ASCII), and whether any is
/// U+0000, `+` or `#`. The tail is padded with `a`.
#[inline]
fn scan_topic(bytes: &[u8]) -> (bool, bool) {
    let zero_byte = |v: u64| v.wrapping_sub(LO) & !v;
    let (mut high, mut special) = (0u64, 0u64);
    let mut step = |w: u64| {
        high |= w;
        special |= zero_byte(w) | zero_byte(wildcards(w));
    };
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        step(<[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes));
    }
    if let Some(last) = last_word(bytes, b'a') {
        step(last);
    }
    // `(v - LO) & !v & HI` is non-zero exactly when `v` has a zero byte, so
    // the OR of the terms, masked once, is exact too.
    (high & HI != 0, special & HI != 0)
}

/// Whether a topic name already known to be an MQTT string (UTF-8 without
/// U+0000: a [`Utf8Str`]) is non-empty and free of `+` and `#`: the encoder's
/// fast path, one branch-free fold over the words (as [`scan_topic`]) and a
/// single test at the end, where [`check_topic_name`] exits per word and
/// builds an error.
#[inline]
pub(crate) fn is_plain_topic_name(bytes: &[u8]) -> bool {
    let zero_byte = |v: u64| v.wrapping_sub(LO) & !v;
    let mut special = 0u64;
    let mut step = |w: u64| special |= zero_byte(wildcards(w));
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        step(<[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes));
    }
    if let Some(last) = last_word(bytes, b'a') {
        step(last);
    }
    !bytes.is_empty() && special & HI == 0
}

/// Whether a topic filter read from the wire passes every rule of
/// [`validate`] and [`check_topic_filter`], for the usual filter: not a
/// shared subscription (`$share/...` under MQTT 5 returns `false`). One
/// pass eight bytes at a time folds the high bits and U+0000 (as
/// [`validate`]) and finds the wildcards, each checked where it is (as
/// [`check_topic_filter`]). `false` says only "take the full rules", which
/// name the error.
#[inline]
pub(crate) fn is_plain_topic_filter(bytes: &[u8], v5: bool) -> bool {
    if bytes.is_empty() || (v5 && bytes.starts_with(b"$share/")) {
        return false;
    }
    // A wildcard at `i` fills its level; `#` also ends the filter.
    let alone = |i: usize| {
        let before = i == 0 || bytes.get(i.wrapping_sub(1)) == Some(&b'/');
        match bytes.get(i + 1) {
            None => before,
            Some(&next) => before && next == b'/' && bytes.get(i) == Some(&b'+'),
        }
    };
    let (mut high, mut nul, mut ok) = (0u64, 0u64, true);
    let mut step = |base: usize, w: u64| {
        high |= w;
        nul |= zero_bytes(w);
        let mut hits = zero_bytes(wildcards(w));
        while hits != 0 {
            ok &= alone(base + (hits.trailing_zeros() / 8) as usize);
            hits &= hits - 1;
        }
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        step(
            base,
            <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes),
        );
        base += 8;
    }
    if !chunks.remainder().is_empty() {
        // The last eight bytes (a wildcard seen twice is checked twice), or
        // the few there are, padded with `a`.
        match bytes.last_chunk::<8>() {
            Some(last) => step(bytes.len() - 8, u64::from_le_bytes(*last)),
            None => step(0, padded(bytes, b'a')),
        }
    }
    ok && nul & HI == 0 && (high & HI == 0 || core::str::from_utf8(bytes).is_ok())
}

fn check_text(bytes: &[u8], field: &'static str) -> Result<(), ErrorKind> {
    if has_any(bytes, 0, 0) {
        return Err(ErrorKind::NullCharacter { field });
    }
    if bytes.len() > usize::from(u16::MAX) {
        return Err(ErrorKind::TooLong { field });
    }
    Ok(())
}

/// Whether `bytes` holds `a` or `b`: eight bytes at a time in a `u64`
/// (SWAR; `(v - 0x01..) & !v & 0x80..` is non-zero exactly when `v` has a
/// zero byte), the tail padded with a byte that is neither. Topic-sized
/// strings take two or three words and no scalar loop.
#[inline]
fn has_any(bytes: &[u8], a: u8, b: u8) -> bool {
    let (pa, pb) = (LO * u64::from(a), LO * u64::from(b));
    let zero_byte = |v: u64| v.wrapping_sub(LO) & !v & HI != 0;
    let hit = |w: u64| zero_byte(w ^ pa) | zero_byte(w ^ pb);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes);
        if hit(word) {
            return true;
        }
    }
    let pad = (1..=2u8)
        .map(|d| a.wrapping_add(d))
        .find(|&p| p != b)
        .unwrap_or_default();
    last_word(bytes, pad).is_some_and(hit)
}

/// The word holding the bytes after the last whole eight, if any: the last
/// eight bytes (overlapping the previous word, which is harmless for a
/// search) when there are that many, or the few bytes padded with `pad`.
/// Built in a register: copying the tail into a stack array and loading it
/// back as a word stalls on store-to-load forwarding (perf showed half of
/// PUBLISH validation there).
#[inline]
fn last_word(bytes: &[u8], pad: u8) -> Option<u64> {
    if bytes.len().is_multiple_of(8) {
        return None;
    }
    if let Some(last) = bytes.last_chunk::<8>() {
        return Some(u64::from_le_bytes(*last));
    }
    Some(padded(bytes, pad))
}

/// Up to eight bytes as a little-endian word, the rest filled with `pad`.
#[inline]
fn padded(bytes: &[u8], pad: u8) -> u64 {
    let mut word = u64::from_le_bytes([pad; 8]);
    for (i, &x) in bytes.iter().take(8).enumerate() {
        let shift = 8 * i;
        word = (word & !(0xFF << shift)) | (u64::from(x) << shift);
    }
    word
}

/// Topic name rules: no wildcard characters (MQTT-3.3.2-2, MQTT-4.7.1-1);
/// at least one character unless `allow_empty` (MQTT-4.7.3-1).
#[inline]
pub(crate) fn check_topic_name(
    topic: &[u8],
    field: &'static str,
    allow_empty: bool,
) -> Result<(), ErrorKind> {
    if topic.is_empty() && !allow_empty {
        return Err(ErrorKind::InvalidTopicName {
            field,
            reason: "empty",
        });
    }
    if has_any(topic, b'+', b'#') {
        return Err(ErrorKind::InvalidTopicName {
            field,
            reason: "wildcard character",
        });
    }
    Ok(())
}

/// Topic filter rules (MQTT 4.7.1, 4.7.3): at least one character; `#` only
/// as the whole last level; `+` only as a whole level. With `shared`
/// (MQTT 5), `$share/{name}/{filter}` needs a non-empty share name without
/// wildcards and a filter (MQTT 4.8.2). Returns whether the filter is shared.
pub(crate) fn check_topic_filter(filter: &[u8], shared: bool) -> Result<bool, ErrorKind> {
    let err = |reason| ErrorKind::InvalidTopicFilter { reason };
    if filter.is_empty() {
        return Err(err("empty"));
    }
    let mut is_shared = false;
    let mut rest = filter;
    if shared && let Some(after) = filter.strip_prefix(b"$share/") {
        let Some(slash) = after.iter().position(|&b| b == b'/') else {
            return Err(err("shared subscription without a filter"));
        };
        let (name, tail) = after.split_at(slash);
        if name.is_empty() || name.iter().any(|&b| b == b'+' || b == b'#') {
            return Err(err("invalid share name"));
        }
        rest = tail.get(1..).unwrap_or_default();
        if rest.is_empty() {
            return Err(err("shared subscription without a filter"));
        }
        is_shared = true;
    }
    // Only the wildcards are looked at, found eight bytes at a time: each
    // must fill its level, and `#` must also end the filter.
    let check = |i: usize| {
        let b = rest.get(i).copied().unwrap_or_default();
        let alone_before = i == 0 || rest.get(i - 1) == Some(&b'/');
        let next = rest.get(i + 1);
        if b == b'+' && (!alone_before || next.is_some_and(|&n| n != b'/')) {
            return Err(err("'+' not alone in its level"));
        }
        if b == b'#' && (!alone_before || next.is_some()) {
            return Err(err("'#' not alone as the last level"));
        }
        Ok(())
    };
    let visit = |base: usize, w: u64| {
        let mut hits = zero_bytes(wildcards(w));
        while hits != 0 {
            check(base + (hits.trailing_zeros() / 8) as usize)?;
            hits &= hits - 1;
        }
        Ok(())
    };
    let mut chunks = rest.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        visit(
            base,
            <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes),
        )?;
        base += 8;
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        visit(base, padded(tail, b'a'))?;
    }
    Ok(is_shared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqtt_4_7_1_filters() {
        for ok in ["#", "a/#", "+", "+/+", "a/+/b", "/", "a//b", "$SYS/#"] {
            assert_eq!(check_topic_filter(ok.as_bytes(), true), Ok(false), "{ok}");
        }
        for bad in [
            "",
            "a#",
            "a/#/b",
            "a+",
            "+a/b",
            "#/a",
            "$share/g",
            "$share//a",
            "$share/+/a",
            "$share/g/",
        ] {
            assert!(check_topic_filter(bad.as_bytes(), true).is_err(), "{bad}");
        }
        assert_eq!(check_topic_filter(b"$share/g/a/#", true), Ok(true));
        assert_eq!(check_topic_filter(b"$share/g", false), Ok(false));
    }

    /// The word-at-a-time topic scan agrees with a byte loop for every
    /// length, position and byte value around the ones it looks for.
    #[test]
    fn scan_topic_every_position_and_byte() {
        let naive = |b: &[u8]| {
            (
                b.iter().any(|&x| x >= 0x80),
                b.iter().any(|&x| x == 0 || x == b'+' || x == b'#'),
            )
        };
        for len in 0..20 {
            for at in 0..len {
                for byte in [
                    0u8, 1, b'"', b'#', b'$', b'*', b'+', b',', 0x7F, 0x80, 0xA3, 0xFF,
                ] {
                    let mut t = vec![b'x'; len];
                    t[at] = byte;
                    assert_eq!(scan_topic(&t), naive(&t), "{t:?}");
                    // With a high byte before it: borrows must not leak.
                    if at > 0 {
                        t[at - 1] = 0xFF;
                        assert_eq!(scan_topic(&t), naive(&t), "{t:?}");
                    }
                }
            }
        }
    }

    /// The word-at-a-time filter check agrees with a byte loop on every
    /// filter of up to 7 characters over `a / + #`, and at word borders.
    #[test]
    fn mqtt_4_7_1_filter_check_agrees_with_a_byte_loop() {
        fn naive(rest: &[u8]) -> bool {
            rest.iter().enumerate().all(|(i, &b)| {
                let alone_before = i == 0 || rest[i - 1] == b'/';
                let next = rest.get(i + 1);
                match b {
                    b'+' => alone_before && next.is_none_or(|&n| n == b'/'),
                    b'#' => alone_before && next.is_none(),
                    _ => true,
                }
            })
        }
        let alphabet = [b'a', b'/', b'+', b'#'];
        for len in 1..=7u32 {
            for code in 0..4usize.pow(len) {
                let f: Vec<u8> = (0..len).map(|k| alphabet[(code >> (2 * k)) & 3]).collect();
                assert_eq!(check_topic_filter(&f, false).is_ok(), naive(&f), "{f:?}");
                // The same pattern straddling the first word border.
                let mut long = b"abcdefg/".to_vec();
                long.extend_from_slice(&f);
                assert_eq!(
                    check_topic_filter(&long, false).is_ok(),
                    naive(&long),
                    "{long:?}"
                );
            }
        }
    }

    /// The one-pass filter test accepts exactly what the full rules
    /// ([`validate`] then [`check_topic_filter`]) accept: every filter of up
    /// to 5 characters over `a / + #`, U+0000, `é` and a byte that is never
    /// UTF-8, after prefixes that move it across word borders.
    #[test]
    fn mqtt_4_7_1_plain_filter_test_agrees_with_the_rules() {
        let full = |f: &[u8], v5: bool| {
            validate(f, "topic filter").is_ok() && check_topic_filter(f, v5) == Ok(false)
        };
        let alphabet: [&[u8]; 7] = [b"a", b"/", b"+", b"#", b"\0", "\u{e9}".as_bytes(), b"\xff"];
        for len in 0..=5u32 {
            for code in 0..7usize.pow(len) {
                let mut f = Vec::new();
                let mut c = code;
                for _ in 0..len {
                    f.extend_from_slice(alphabet[c % 7]);
                    c /= 7;
                }
                for prefix in [&b""[..], b"abc/", b"abcdefg/", b"abcdefghijklmno"] {
                    let mut long = prefix.to_vec();
                    long.extend_from_slice(&f);
                    for v5 in [false, true] {
                        if is_plain_topic_filter(&long, v5) {
                            assert!(full(&long, v5), "{long:?}");
                        } else if !(v5 && long.starts_with(b"$share/")) {
                            assert!(!full(&long, v5), "{long:?}");
                        }
                    }
                }
            }
        }
        // Shared subscriptions take the full rules under MQTT 5 only.
        assert!(!is_plain_topic_filter(b"$share/g/a", true));
        assert!(is_plain_topic_filter(b"$share/g/a", false));
        assert!(!is_plain_topic_filter(b"", false));
    }

    /// `wildcards` zeroes exactly the bytes that are `+` or `#`: every
    /// byte value at every position, next to every other byte value.
    #[test]
    fn wildcards_zeroes_exactly_plus_and_hash() {
        for at in 0..8 {
            for byte in 0..=u8::MAX {
                for other in [0u8, b'#', b'+', b'a', 0x7F, 0x80, 0xFF] {
                    let mut w = [other; 8];
                    w[at] = byte;
                    let got = zero_bytes(wildcards(u64::from_le_bytes(w))).to_le_bytes();
                    for (k, g) in got.iter().enumerate() {
                        let want = if w[k] == b'+' || w[k] == b'#' {
                            0x80
                        } else {
                            0
                        };
                        assert_eq!(*g, want, "{w:?}");
                    }
                    assert_eq!(
                        is_plain_topic_name(&w),
                        !w.contains(&b'+') && !w.contains(&b'#'),
                        "{w:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn zero_bytes_is_exact() {
        for at in 0..8 {
            for byte in [0u8, 1, 0x7F, 0x80, 0xFF] {
                let mut w = [0xFFu8; 8];
                w[at] = byte;
                let got = zero_bytes(u64::from_le_bytes(w)).to_le_bytes();
                for (k, g) in got.iter().enumerate() {
                    let want = if w[k] == 0 { 0x80 } else { 0 };
                    assert_eq!(*g, want, "{w:?}");
                }
            }
        }
    }

    #[test]
    fn has_any_every_position_and_length() {
        for len in 0..40 {
            let clean = vec![b'a'; len];
            assert!(!has_any(&clean, b'+', b'#'), "{len}");
            assert!(!has_any(&clean, 0, 0), "{len}");
            for at in 0..len {
                for (needle, a, b) in [(b'+', b'+', b'#'), (b'#', b'+', b'#'), (0, 0, 0)] {
                    let mut v = clean.clone();
                    v[at] = needle;
                    assert!(has_any(&v, a, b), "{len} {at} {needle}");
                }
            }
        }
        // Bytes next to the needles, and high bytes, are not hits.
        assert!(!has_any(b"*,\x22$\xff\x80\x01ab", b'+', b'#'));
        assert!(!has_any(&[0x01, 0xFF, 0x80, 0x7F, 1, 2, 3, 4, 5], 0, 0));
    }

    #[test]
    fn mqtt_1_5_4_strings() {
        assert!(validate(b"\xed\xa0\x80", "t").is_err());
        assert!(validate(b"a\0", "t").is_err());
        assert!(validate("é/ü".as_bytes(), "t").is_ok());
    }
}
