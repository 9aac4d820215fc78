//! Variable Byte Integer (MQTT 1.5.5): 1 to 4 bytes, 7 bits each, low group first.

use bytes::BufMut;

use crate::error::ErrorKind;

/// The largest value a Variable Byte Integer holds (268,435,455).
pub const VAR_INT_MAX: u32 = 268_435_455;

/// Bytes needed to encode `value` in its minimal form (values above
/// [`VAR_INT_MAX`] are refused by the encoder before this matters).
#[must_use]
#[inline]
pub const fn var_int_len(value: u32) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Outcome of reading a Variable Byte Integer from the front of a slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarInt {
    /// The value and how many bytes it took.
    Value(u32, usize),
    /// The slice ends inside the integer.
    Incomplete,
}

/// Reads a Variable Byte Integer. A fifth byte is an error, never "incomplete".
/// With `minimal`, a longer-than-needed encoding is refused (MQTT-1.5.5-1).
#[inline]
pub(crate) fn read(bytes: &[u8], field: &'static str, minimal: bool) -> Result<VarInt, ErrorKind> {
    let mut value: u32 = 0;
    for (i, &b) in bytes.iter().enumerate().take(4) {
        value |= u32::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            let len = i + 1;
            if minimal && len > 1 && b == 0 {
                return Err(ErrorKind::VarIntNotMinimal { field });
            }
            return Ok(VarInt::Value(value, len));
        }
    }
    if bytes.len() >= 4 {
        Err(ErrorKind::VarIntTooLong { field })
    } else {
        Ok(VarInt::Incomplete)
    }
}

/// Writes `value` (at most [`VAR_INT_MAX`]) in its minimal form.
pub(crate) fn write(dst: &mut impl BufMut, mut value: u32) {
    loop {
        let byte = (value & 0x7F) as u8;
        value >>= 7;
        if value == 0 {
            dst.put_u8(byte);
            return;
        }
        dst.put_u8(byte | 0x80);
    }
}

/// The table of MQTT 1.5.5: each boundary value and its encoding.
#[cfg(test)]
pub(crate) const MQTT_1_5_5_TABLE: [(u32, &[u8]); 8] = [
    (0, &[0x00]),
    (127, &[0x7F]),
    (128, &[0x80, 0x01]),
    (16_383, &[0xFF, 0x7F]),
    (16_384, &[0x80, 0x80, 0x01]),
    (2_097_151, &[0xFF, 0xFF, 0x7F]),
    (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
    (268_435_455, &[0xFF, 0xFF, 0xFF, 0x7F]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqtt_1_5_5_boundaries() {
        for (value, wire) in MQTT_1_5_5_TABLE {
            assert_eq!(read(wire, "v", true), Ok(VarInt::Value(value, wire.len())));
            let mut out = alloc::vec::Vec::new();
            write(&mut out, value);
            assert_eq!(out, wire);
            assert_eq!(var_int_len(value), wire.len());
        }
    }

    #[test]
    fn mqtt_1_5_5_1_non_minimal() {
        assert_eq!(read(&[0x80, 0x00], "v", false), Ok(VarInt::Value(0, 2)));
        assert!(read(&[0x80, 0x00], "v", true).is_err());
        assert!(read(&[0x80, 0x80, 0x80, 0x80, 0x01], "v", false).is_err());
        assert_eq!(read(&[0x80, 0x80], "v", false), Ok(VarInt::Incomplete));
    }
}
