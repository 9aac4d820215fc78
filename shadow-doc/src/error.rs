//! Errors: every rejection the Device Shadow service documents, with its HTTP-style code and
//! its exact message text.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;

use crate::document::ErrorDocument;
use crate::name::NameError;

/// Why a shadow request was rejected: the kind of fault plus the request's `clientToken`, when
/// it could be read, so the `/rejected` message can echo it.
///
/// [`code`](Self::code) and [`message`](Self::message) are what the service puts in the
/// error document (spec §10); [`Display`](core::fmt::Display) adds the detail (position, limit,
/// offending key) for logs.
///
/// ```
/// use shadow_doc::{Shadow, ThingName};
///
/// let mut shadow = Shadow::classic(ThingName::new("pump-1")?);
/// let err = shadow.update(br#"{"state": 5, "clientToken": "t1"}"#, 1_700_000_000).unwrap_err();
/// assert_eq!(err.code(), 400);
/// assert_eq!(err.message(), "State node must be an object");
/// assert_eq!(err.client_token(), Some("t1"));
/// # Ok::<(), shadow_doc::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ShadowError {
    kind: ErrorKind,
    client_token: Option<String>,
}

impl ShadowError {
    /// An error of this kind, without a client token.
    #[must_use]
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            client_token: None,
        }
    }

    /// The same error, echoing `token` in its error document.
    #[must_use]
    pub fn with_client_token(mut self, token: Option<String>) -> Self {
        self.client_token = token;
        self
    }

    /// What went wrong.
    #[must_use]
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The HTTP-style status code of the error document (400, 404, 409, 413, ...).
    #[must_use]
    pub fn code(&self) -> u16 {
        self.kind.code()
    }

    /// The `message` of the error document, exactly as the service words it.
    #[must_use]
    pub fn message(&self) -> Cow<'static, str> {
        self.kind.message()
    }

    /// The request's `clientToken`, when it was present and valid.
    #[must_use]
    pub fn client_token(&self) -> Option<&str> {
        self.client_token.as_deref()
    }

    /// The error document published on the `/rejected` topic, stamped with `timestamp`.
    #[must_use]
    pub fn to_document(&self, timestamp: u64) -> ErrorDocument {
        ErrorDocument {
            code: self.code(),
            message: self.message().into_owned(),
            timestamp: Some(timestamp),
            client_token: self.client_token.clone(),
        }
    }
}

/// Constructors for the errors an embedder raises itself: authentication, authorisation,
/// throttling and its own faults. The crate never produces these from a request.
///
/// ```
/// use shadow_doc::ShadowError;
///
/// let doc = ShadowError::forbidden().with_client_token(Some("t7".into())).to_document(5);
/// assert_eq!((doc.code, doc.message.as_str()), (403, "Forbidden"));
/// assert_eq!(ShadowError::unauthorized().code(), 401);
/// assert_eq!(ShadowError::throttled().code(), 429);
/// assert_eq!(ShadowError::internal("disk full").message(), "Internal service failure");
/// ```
impl ShadowError {
    /// 401 `Unauthorized`: the client could not be authenticated (spec §10).
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::new(ErrorKind::Unauthorized)
    }

    /// 403 `Forbidden`: the policy denies the action or topic (spec §10).
    #[must_use]
    pub fn forbidden() -> Self {
        Self::new(ErrorKind::Forbidden)
    }

    /// 429: more requests in flight than allowed (spec §9: more than 10 per connection); see
    /// [`InFlight`](crate::InFlight). The service documents no text; ours is
    /// `Too many requests`.
    #[must_use]
    pub fn throttled() -> Self {
        Self::new(ErrorKind::Throttled)
    }

    /// 500 `Internal service failure`, with `detail` for logs (not in the error document).
    #[must_use]
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal {
            detail: detail.into(),
        })
    }
}

impl From<ErrorKind> for ShadowError {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

/// The kind of a rejection (spec §2 validation order, §10 error table).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The thing name breaks the naming rule (400; the service documents no message text).
    #[error("Invalid thing name: {0}")]
    InvalidThingName(NameError),
    /// The shadow name breaks the naming rule (400; no documented message text).
    #[error("Invalid shadow name: {0}")]
    InvalidShadowName(NameError),
    /// The payload is not UTF-8 (415).
    #[error(
        "Unsupported documented encoding; supported encoding is UTF-8 (invalid byte at offset {valid_up_to})"
    )]
    UnsupportedEncoding {
        /// Length of the valid UTF-8 prefix.
        valid_up_to: usize,
    },
    /// The request is larger than [`Limits::max_request_bytes`](crate::Limits) (413).
    #[error("The payload exceeds the maximum size allowed (request is {len} bytes, limit {max})")]
    RequestTooLarge {
        /// Request length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON, or not a JSON object at the top level (400).
    #[error("Invalid JSON (line {line}, column {column})")]
    InvalidJson {
        /// 1-based line of the fault (0 when the document is valid JSON but not an object).
        line: usize,
        /// 1-based column of the fault.
        column: usize,
    },
    /// `clientToken` is not a string or longer than the limit (400).
    #[error("Invalid clientToken (not a string, or longer than {max} bytes)")]
    InvalidClientToken {
        /// The limit in bytes.
        max: usize,
    },
    /// The request has no `state` key (400).
    #[error("Missing required node: state")]
    MissingState,
    /// `state` is neither an object nor null (400).
    #[error("State node must be an object")]
    StateNotObject,
    /// A key other than `desired` or `reported` inside `state` (400).
    #[error("State contains an invalid node: {key:?}")]
    InvalidStateNode {
        /// The offending key.
        key: String,
    },
    /// `desired` is neither an object nor null (400).
    #[error("Desired node must be an object")]
    DesiredNotObject,
    /// `reported` is neither an object nor null (400).
    #[error("Reported node must be an object")]
    ReportedNotObject,
    /// `version` is present but not a non-negative integer (400).
    #[error("Invalid version")]
    InvalidVersion,
    /// An array in `desired` or `reported` contains `null` (400; no documented message text).
    #[error("Arrays cannot contain null values (at {path})")]
    NullInArray {
        /// JSON pointer of the null element, from the section (`/desired/colors/0`).
        path: String,
    },
    /// `desired` or `reported` nests deeper than the limit (400).
    #[error("JSON contains too many levels of nesting; maximum is {max}")]
    TooDeep {
        /// The configured maximum depth.
        max: usize,
    },
    /// The request's `version` differs from the shadow's (409).
    #[error("Version conflict (shadow is at {current}, request says {requested})")]
    VersionConflict {
        /// The shadow's version.
        current: u64,
        /// The version in the request.
        requested: u64,
    },
    /// The merged desired + reported state is larger than the limit (413).
    #[error(
        "The payload exceeds the maximum size allowed (state would be {size} bytes, limit {max})"
    )]
    StateTooLarge {
        /// Compact JSON size of desired + reported after the merge.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The `nextToken` of a named-shadow list request is not one this crate issued (400; the
    /// service documents no message text).
    #[error("Invalid nextToken")]
    InvalidNextToken,
    /// GET or DELETE of a shadow that does not exist (404).
    #[error("No shadow exists with name: '{name}'")]
    NoShadow {
        /// The name quoted in the message: the thing name for a classic shadow, the shadow name
        /// for a named one.
        name: String,
    },
    /// The thing is not registered (404); for embedders that keep a registry.
    #[error("Thing not found")]
    ThingNotFound,
    /// Authentication failed (401); for embedders.
    #[error("Unauthorized")]
    Unauthorized,
    /// The policy denies the request (403); for embedders.
    #[error("Forbidden")]
    Forbidden,
    /// Too many requests in flight for this thing or connection (429); for embedders.
    #[error("Too many requests")]
    Throttled,
    /// A fault inside the service, such as a failing store (500).
    #[error("Internal service failure ({detail})")]
    Internal {
        /// What failed.
        detail: String,
    },
}

impl ErrorKind {
    /// The HTTP-style status code.
    #[must_use]
    pub fn code(&self) -> u16 {
        match self {
            Self::InvalidThingName(_)
            | Self::InvalidShadowName(_)
            | Self::InvalidJson { .. }
            | Self::InvalidClientToken { .. }
            | Self::MissingState
            | Self::StateNotObject
            | Self::InvalidStateNode { .. }
            | Self::DesiredNotObject
            | Self::ReportedNotObject
            | Self::InvalidVersion
            | Self::NullInArray { .. }
            | Self::TooDeep { .. }
            | Self::InvalidNextToken => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NoShadow { .. } | Self::ThingNotFound => 404,
            Self::VersionConflict { .. } => 409,
            Self::RequestTooLarge { .. } | Self::StateTooLarge { .. } => 413,
            Self::UnsupportedEncoding { .. } => 415,
            Self::Throttled => 429,
            Self::Internal { .. } => 500,
        }
    }

    /// The error document's `message`, exactly as the service words it (spec §10). Where the
    /// service documents no text (bad names, nulls in arrays, a bad `nextToken`, 429) the
    /// text is ours.
    #[must_use]
    pub fn message(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Self::InvalidThingName(_) => "Invalid thing name",
            Self::InvalidShadowName(_) => "Invalid shadow name",
            Self::UnsupportedEncoding { .. } => {
                "Unsupported documented encoding; supported encoding is UTF-8"
            }
            Self::RequestTooLarge { .. } | Self::StateTooLarge { .. } => {
                "The payload exceeds the maximum size allowed"
            }
            Self::InvalidJson { .. } => "Invalid JSON",
            Self::InvalidClientToken { .. } => "Invalid clientToken",
            Self::MissingState => "Missing required node: state",
            Self::StateNotObject => "State node must be an object",
            Self::InvalidStateNode { .. } => "State contains an invalid node",
            Self::DesiredNotObject => "Desired node must be an object",
            Self::ReportedNotObject => "Reported node must be an object",
            Self::InvalidVersion => "Invalid version",
            Self::NullInArray { .. } => "Arrays cannot contain null values",
            Self::TooDeep { max } => {
                return Cow::Owned(format!(
                    "JSON contains too many levels of nesting; maximum is {max}"
                ));
            }
            Self::VersionConflict { .. } => "Version conflict",
            Self::InvalidNextToken => "Invalid nextToken",
            Self::NoShadow { name } => {
                return Cow::Owned(format!("No shadow exists with name: '{name}'"));
            }
            Self::ThingNotFound => "Thing not found",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::Throttled => "Too many requests",
            Self::Internal { .. } => "Internal service failure",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Spec §10: the documented texts, verbatim.
    #[test]
    fn spec_10_messages_are_verbatim() {
        assert_eq!(
            ErrorKind::UnsupportedEncoding { valid_up_to: 0 }.message(),
            "Unsupported documented encoding; supported encoding is UTF-8"
        );
        assert_eq!(
            ErrorKind::TooDeep { max: 6 }.message(),
            "JSON contains too many levels of nesting; maximum is 6"
        );
        assert_eq!(
            ErrorKind::NoShadow { name: "t".into() }.message(),
            "No shadow exists with name: 't'"
        );
        assert_eq!(ErrorKind::Internal { detail: "x".into() }.code(), 500);
        assert_eq!(ErrorKind::Throttled.code(), 429);
        assert_eq!(
            ErrorKind::StateTooLarge { size: 1, max: 0 }.message(),
            "The payload exceeds the maximum size allowed"
        );
    }
}
