//! Writers over `BufMut`. Lengths are checked by each packet's `validate`
//! before anything is written, so these helpers cannot truncate.

use bytes::BufMut;

use crate::error::ErrorKind;
use crate::string::Utf8Str;
use crate::varint;

/// Length of a two-byte-prefixed field.
pub(crate) fn prefixed_len(bytes: &[u8]) -> usize {
    2 + bytes.len()
}

/// Refuses a two-byte-prefixed field over 65,535 bytes.
pub(crate) fn check_len(bytes: &[u8], field: &'static str) -> Result<(), ErrorKind> {
    if bytes.len() > usize::from(u16::MAX) {
        Err(ErrorKind::TooLong { field })
    } else {
        Ok(())
    }
}

/// Writes a two-byte length and the bytes; `check_len` ran before.
pub(crate) fn put_prefixed(dst: &mut impl BufMut, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    dst.put_u16(len);
    dst.put_slice(bytes);
}

/// Writes a UTF-8 Encoded String.
pub(crate) fn put_str(dst: &mut impl BufMut, s: &Utf8Str) {
    put_prefixed(dst, s.as_bytes());
}

/// Writes a Variable Byte Integer; callers checked the value fits.
pub(crate) fn put_var_int(dst: &mut impl BufMut, value: usize) {
    varint::write(dst, u32::try_from(value).unwrap_or(varint::VAR_INT_MAX));
}
