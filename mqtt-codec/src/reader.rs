//! A bounded reader over one packet: every length-prefixed region is read
//! through [`Reader::sub`], which cannot read past its end. It borrows the
//! frame as `&[u8]` and returns borrowed fields: the one validation core of
//! both decode paths (the owned types share the frame afterwards, see
//! [`share`]).

use bytes::Bytes;

use crate::error::{DecodeError, ErrorKind};
use crate::string::{self, Utf8Ref};
use crate::varint::{self, VarInt};

/// The field name of topic filters, for errors.
const FILTER: &str = "topic filter";

/// Reads fields from `frame[pos..end]`; offsets in errors count from the
/// start of the frame.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    frame: &'a [u8],
    pos: usize,
    end: usize,
    /// MQTT 5 rules apply (minimal Variable Byte Integers).
    v5: bool,
}

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) fn new(frame: &'a [u8], pos: usize, end: usize, v5: bool) -> Self {
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

    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    #[inline]
    pub(crate) fn is_v5(&self) -> bool {
        self.v5
    }

    #[inline]
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

    /// The next `N` bytes, read from the region left with one bounds check.
    #[inline]
    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let window = self.frame.get(self.pos..self.end).unwrap_or_default();
        match window.first_chunk::<N>() {
            Some(bytes) => {
                self.pos += N;
                Ok(*bytes)
            }
            None => Err(self.err(ErrorKind::UnexpectedEnd { field })),
        }
    }

    #[inline]
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        self.array::<1>(field).map(|[b]| b)
    }

    #[inline]
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        self.array(field).map(u16::from_be_bytes)
    }

    #[inline]
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        self.array(field).map(u32::from_be_bytes)
    }

    #[inline]
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

    /// A two-byte length, then that many bytes (the shape of Binary Data
    /// and UTF-8 Encoded Strings), with one look at the region left. A
    /// missing length is an error at the current position, missing bytes
    /// one just after the length.
    #[inline]
    pub(crate) fn prefixed(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let window = self.frame.get(self.pos..self.end).unwrap_or_default();
        let Some((len, rest)) = window.split_first_chunk::<2>() else {
            return Err(self.err(ErrorKind::UnexpectedEnd { field }));
        };
        let len = usize::from(u16::from_be_bytes(*len));
        match rest.get(..len) {
            Some(bytes) => {
                self.pos += 2 + len;
                Ok(bytes)
            }
            None => Err(Self::err_at(
                ErrorKind::UnexpectedEnd { field },
                self.pos + 2,
            )),
        }
    }

    /// A property identifier: a Variable Byte Integer, one byte for every
    /// identifier MQTT 5 defines (all below 0x80), read as such first.
    #[inline]
    pub(crate) fn property_id(&mut self) -> Result<u32, DecodeError> {
        let window = self.frame.get(self.pos..self.end).unwrap_or_default();
        match window.first() {
            Some(&id) if id < 0x80 => {
                self.pos += 1;
                Ok(u32::from(id))
            }
            _ => self.var_int("property identifier"),
        }
    }

    /// Binary Data (MQTT 1.5.6): two-byte length, then the bytes.
    #[inline]
    pub(crate) fn binary(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        self.prefixed(field)
    }

    /// UTF-8 Encoded String (MQTT 1.5.4), validated.
    #[inline]
    pub(crate) fn utf8(&mut self, field: &'static str) -> Result<Utf8Ref<'a>, DecodeError> {
        let start = self.pos + 2;
        let raw = self.prefixed(field)?;
        string::validate(raw, field).map_err(|k| Self::err_at(k, start))?;
        Ok(Utf8Ref::from_validated(raw))
    }

    /// A PUBLISH topic name: a UTF-8 Encoded String without wildcards,
    /// checked in one pass (its emptiness is left to the caller). Wildcard
    /// errors point at the length prefix, like other topic errors.
    #[inline]
    pub(crate) fn topic_name(&mut self, field: &'static str) -> Result<Utf8Ref<'a>, DecodeError> {
        let at = self.pos;
        let start = at + 2;
        let raw = self.prefixed(field)?;
        string::validate_topic_name(raw, field).map_err(|k| {
            let offset = if matches!(k, ErrorKind::InvalidTopicName { .. }) {
                at
            } else {
                start
            };
            Self::err_at(k, offset)
        })?;
        Ok(Utf8Ref::from_validated(raw))
    }

    /// A topic filter (SUBSCRIBE, UNSUBSCRIBE): a UTF-8 Encoded String
    /// with the filter rules of MQTT 4.7.1 and, under MQTT 5, of shared
    /// subscriptions (4.8.2). Returns whether it is shared. String errors
    /// point after the length prefix, filter errors at it.
    #[inline]
    pub(crate) fn topic_filter(&mut self) -> Result<bool, DecodeError> {
        let at = self.pos;
        let raw = self.prefixed(FILTER)?;
        if string::is_plain_topic_filter(raw, self.v5) {
            return Ok(false);
        }
        Self::topic_filter_rules(raw, at, self.v5)
    }

    /// Every rule of a topic filter, in order, with its error.
    #[inline(never)]
    fn topic_filter_rules(raw: &[u8], at: usize, v5: bool) -> Result<bool, DecodeError> {
        string::validate(raw, FILTER).map_err(|k| Self::err_at(k, at + 2))?;
        string::check_topic_filter(raw, v5).map_err(|k| Self::err_at(k, at))
    }

    /// A region of `len` bytes: the returned reader cannot read past it, and
    /// this reader moves past it.
    #[inline]
    pub(crate) fn sub(
        &mut self,
        len: usize,
        field: &'static str,
    ) -> Result<Reader<'a>, DecodeError> {
        let start = self.pos;
        self.take(len, field)?;
        Ok(Reader::new(self.frame, start, self.pos, self.v5))
    }

    /// The rest of the region, without moving.
    #[inline]
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.frame.get(self.pos..self.end).unwrap_or_default()
    }

    /// The whole region read so far and to come, `start..end`.
    pub(crate) fn region(&self, start: usize) -> &'a [u8] {
        self.frame.get(start..self.end).unwrap_or_default()
    }

    /// Fails if bytes are left over.
    #[inline]
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

/// `part` as a `Bytes` sharing `base` when it lies inside `base` (a
/// reference count, no copy), or as a copy otherwise (a borrowed packet
/// converted with a buffer it was not decoded from).
pub(crate) fn share(base: &Bytes, part: &[u8]) -> Bytes {
    if part.is_empty() {
        return Bytes::new();
    }
    let outer = base.as_ptr_range();
    let inner = part.as_ptr_range();
    if outer.start <= inner.start && inner.end <= outer.end {
        base.slice_ref(part)
    } else {
        Bytes::copy_from_slice(part)
    }
}
