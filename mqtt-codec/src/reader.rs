//! A bounded reader over one packet: every length-prefixed region is read
//! through [`Reader::sub`], which cannot read past its end.

use bytes::Bytes;

use crate::error::{DecodeError, ErrorKind};
use crate::string::{self, Utf8Str};
use crate::varint::{self, VarInt};

/// Reads fields from `frame[pos..end]`; offsets in errors count from the
/// start of the frame.
pub(crate) struct Reader<'a> {
    frame: &'a Bytes,
    pos: usize,
    end: usize,
    /// MQTT 5 rules apply (minimal Variable Byte Integers).
    v5: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(frame: &'a Bytes, pos: usize, end: usize, v5: bool) -> Self {
        Self {
            frame,
            pos,
            end,
            v5,
        }
    }

    /// An error at the current position.
    pub(crate) fn err(&self, kind: ErrorKind) -> DecodeError {
        DecodeError::new(kind, self.pos)
    }

    /// An error at `offset`.
    pub(crate) fn err_at(kind: ErrorKind, offset: usize) -> DecodeError {
        DecodeError::new(kind, offset)
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    pub(crate) fn is_v5(&self) -> bool {
        self.v5
    }

    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let stop = self.pos.checked_add(n).filter(|&s| s <= self.end);
        match stop.and_then(|s| self.frame.get(self.pos..s)) {
            Some(bytes) => {
                self.pos += n;
                Ok(bytes)
            }
            None => Err(self.err(ErrorKind::UnexpectedEnd { field })),
        }
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        let b = self.take(1, field)?;
        Ok(b.first().copied().unwrap_or_default())
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        match *self.take(2, field)? {
            [a, b] => Ok(u16::from_be_bytes([a, b])),
            _ => Err(self.err(ErrorKind::UnexpectedEnd { field })),
        }
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        match *self.take(4, field)? {
            [a, b, c, d] => Ok(u32::from_be_bytes([a, b, c, d])),
            _ => Err(self.err(ErrorKind::UnexpectedEnd { field })),
        }
    }

    pub(crate) fn var_int(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let window = self.frame.get(self.pos..self.end).unwrap_or_default();
        match varint::read(window, field, self.v5).map_err(|k| self.err(k))? {
            VarInt::Value(v, len) => {
                self.pos += len;
                Ok(v)
            }
            VarInt::Incomplete => Err(self.err(ErrorKind::UnexpectedEnd { field })),
        }
    }

    /// `n` bytes as a zero-copy slice of the frame.
    pub(crate) fn bytes(&mut self, n: usize, field: &'static str) -> Result<Bytes, DecodeError> {
        let start = self.pos;
        self.take(n, field)?;
        Ok(self.frame.slice(start..self.pos))
    }

    /// Binary Data (MQTT 1.5.6): two-byte length, then the bytes.
    pub(crate) fn binary(&mut self, field: &'static str) -> Result<Bytes, DecodeError> {
        let len = self.u16(field)?;
        self.bytes(usize::from(len), field)
    }

    /// UTF-8 Encoded String (MQTT 1.5.4), validated.
    pub(crate) fn utf8(&mut self, field: &'static str) -> Result<Utf8Str, DecodeError> {
        let len = self.u16(field)?;
        let start = self.pos;
        let raw = self.take(usize::from(len), field)?;
        string::validate(raw, field).map_err(|k| Self::err_at(k, start))?;
        Ok(Utf8Str::from_validated(self.frame.slice(start..self.pos)))
    }

    /// A PUBLISH topic name: a UTF-8 Encoded String without wildcards,
    /// checked in one pass (its emptiness is left to the caller). Wildcard
    /// errors point at the length prefix, like other topic errors.
    pub(crate) fn topic_name(&mut self, field: &'static str) -> Result<Utf8Str, DecodeError> {
        let at = self.pos;
        let len = self.u16(field)?;
        let start = self.pos;
        let raw = self.take(usize::from(len), field)?;
        string::validate_topic_name(raw, field).map_err(|k| {
            let offset = if matches!(k, ErrorKind::InvalidTopicName { .. }) {
                at
            } else {
                start
            };
            Self::err_at(k, offset)
        })?;
        Ok(Utf8Str::from_validated(self.frame.slice(start..self.pos)))
    }

    /// How many entries of "two-byte length, that many bytes, then `extra`
    /// bytes" the rest of the region holds, counting until the first that
    /// does not fit: the capacity for a SUBSCRIBE or UNSUBSCRIBE list (one
    /// allocation of the right size, bounded by the packet itself).
    pub(crate) fn count_prefixed(&self, extra: usize) -> usize {
        let rest = self.frame.get(self.pos..self.end).unwrap_or_default();
        let mut at = 0usize;
        let mut count = 0;
        while let Some(&[hi, lo]) = rest.get(at..at + 2) {
            at += 2 + usize::from(u16::from_be_bytes([hi, lo])) + extra;
            count += 1;
        }
        count
    }

    /// A region of `len` bytes: the returned reader cannot read past it, and
    /// this reader moves past it.
    pub(crate) fn sub(
        &mut self,
        len: usize,
        field: &'static str,
    ) -> Result<Reader<'a>, DecodeError> {
        let start = self.pos;
        self.take(len, field)?;
        Ok(Reader::new(self.frame, start, self.pos, self.v5))
    }

    /// A zero-copy slice of the frame (offsets from [`Reader::pos`]).
    pub(crate) fn slice(&self, start: usize, end: usize) -> Bytes {
        self.frame.slice(start..end)
    }

    /// Fails if bytes are left over.
    pub(crate) fn finish(&self, packet: &'static str) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.err(ErrorKind::TrailingBytes {
                packet,
                count: self.remaining(),
            }))
        }
    }
}
