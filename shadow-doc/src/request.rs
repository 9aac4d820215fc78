//! Request documents: bytes → a validated [`UpdateRequest`] (spec §1.1, §2).

use alloc::string::String;

use serde_json::{Map, Value};

use crate::error::{ErrorKind, ShadowError};
use crate::json;
use crate::limits::Limits;

/// A validated `/update` request: `state` (an object or null), optional `clientToken` and
/// optional `version`. Everything else in the request is ignored (spec §1.1).
///
/// Parsing applies the checks of spec §2 in order, so the error a client sees is the one the
/// service reports first. Version conflicts and the size limit depend on the shadow and are
/// checked by [`Shadow::update`](crate::Shadow::update).
///
/// ```
/// use shadow_doc::{Limits, Section, UpdateRequest};
///
/// let req = UpdateRequest::parse(
///     br#"{"state": {"desired": {"color": "red"}, "reported": null}, "version": 3}"#,
///     &Limits::default(),
/// )?;
/// assert_eq!(req.version(), Some(3));
/// assert!(matches!(req.desired(), Section::Merge(m) if m["color"] == "red"));
/// assert!(matches!(req.reported(), Section::Clear));
/// # Ok::<(), shadow_doc::ShadowError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateRequest {
    /// `None` for `"state": null`.
    state: Option<Map<String, Value>>,
    client_token: Option<String>,
    version: Option<u64>,
}

/// What an update does to one section (`desired` or `reported`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Section<'a> {
    /// The section is not in the request: left as it is.
    Keep,
    /// `null` (or `"state": null`): the section is emptied.
    Clear,
    /// An object merged into the section (null members delete keys).
    Merge(&'a Map<String, Value>),
}

impl UpdateRequest {
    /// Validates an `/update` payload.
    ///
    /// # Errors
    /// In the order the service checks them: 415 (not UTF-8), 413 (longer than
    /// [`Limits::max_request_bytes`]), 400 `Invalid JSON`, `Invalid clientToken`,
    /// `Missing required node: state`, `State node must be an object`,
    /// `State contains an invalid node`, `Desired/Reported node must be an object`,
    /// `Invalid version`, null inside an array, too many levels of nesting. Errors found after
    /// the `clientToken` was read carry it.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, ShadowError> {
        let text = core::str::from_utf8(bytes).map_err(|e| ErrorKind::UnsupportedEncoding {
            valid_up_to: e.valid_up_to(),
        })?;
        if bytes.len() > limits.max_request_bytes {
            return Err(ErrorKind::RequestTooLarge {
                len: bytes.len(),
                max: limits.max_request_bytes,
            }
            .into());
        }
        let max_depth = limits.effective_depth();
        // Root object + `state` + the section brackets, plus one empty container at the bottom.
        if json::bracket_depth_exceeds(bytes, max_depth + 3) {
            return Err(ErrorKind::TooDeep { max: max_depth }.into());
        }
        let value: Value = serde_json::from_str(text).map_err(|e| ErrorKind::InvalidJson {
            line: e.line(),
            column: e.column(),
        })?;
        let Value::Object(mut root) = value else {
            return Err(ErrorKind::InvalidJson { line: 0, column: 0 }.into());
        };
        let client_token = read_client_token(&root, limits)?;
        let fail = |kind: ErrorKind| ShadowError::new(kind).with_client_token(client_token.clone());

        let state = match root.remove("state") {
            None => return Err(fail(ErrorKind::MissingState)),
            Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(_) => return Err(fail(ErrorKind::StateNotObject)),
        };
        if let Some(state) = &state {
            if let Some(key) = state
                .keys()
                .find(|k| k.as_str() != "desired" && k.as_str() != "reported")
            {
                return Err(fail(ErrorKind::InvalidStateNode { key: key.clone() }));
            }
            for (name, kind) in [
                ("desired", ErrorKind::DesiredNotObject),
                ("reported", ErrorKind::ReportedNotObject),
            ] {
                if let Some(v) = state.get(name)
                    && !(v.is_object() || v.is_null())
                {
                    return Err(fail(kind));
                }
            }
        }
        let version = match root.get("version") {
            None => None,
            Some(v) => Some(v.as_u64().ok_or_else(|| fail(ErrorKind::InvalidVersion))?),
        };
        if let Some(state) = &state {
            for name in ["desired", "reported"] {
                if let Some(section @ Value::Object(_)) = state.get(name)
                    && json::has_null_in_array(section, false)
                {
                    let mut path = String::from("/");
                    path.push_str(name);
                    if json::find_null_in_array(section, &mut path) {
                        return Err(fail(ErrorKind::NullInArray { path }));
                    }
                }
            }
            for name in ["desired", "reported"] {
                if let Some(Value::Object(section)) = state.get(name)
                    && json::section_depth(section) > max_depth
                {
                    return Err(fail(ErrorKind::TooDeep { max: max_depth }));
                }
            }
        }
        Ok(Self {
            state,
            client_token,
            version,
        })
    }

    /// The request's `state` object; `None` when it was `"state": null`.
    #[must_use]
    pub fn state(&self) -> Option<&Map<String, Value>> {
        self.state.as_ref()
    }

    /// The request's `state`, taken out of it (`None` for `"state": null`).
    #[must_use]
    pub fn into_state(self) -> Option<Map<String, Value>> {
        self.state
    }

    /// What the request does to `desired`.
    #[must_use]
    pub fn desired(&self) -> Section<'_> {
        self.section("desired")
    }

    /// What the request does to `reported`.
    #[must_use]
    pub fn reported(&self) -> Section<'_> {
        self.section("reported")
    }

    fn section(&self, name: &str) -> Section<'_> {
        match &self.state {
            None => Section::Clear,
            Some(state) => match state.get(name) {
                None => Section::Keep,
                Some(Value::Object(m)) => Section::Merge(m),
                Some(_) => Section::Clear,
            },
        }
    }

    /// The `clientToken`, when the request had one.
    #[must_use]
    pub fn client_token(&self) -> Option<&str> {
        self.client_token.as_deref()
    }

    /// The expected current version, when the request states one.
    #[must_use]
    pub fn version(&self) -> Option<u64> {
        self.version
    }
}

fn read_client_token(
    root: &Map<String, Value>,
    limits: &Limits,
) -> Result<Option<String>, ShadowError> {
    match root.get("clientToken") {
        None => Ok(None),
        Some(Value::String(s)) if s.len() <= limits.max_client_token_bytes => Ok(Some(s.clone())),
        Some(_) => Err(ErrorKind::InvalidClientToken {
            max: limits.max_client_token_bytes,
        }
        .into()),
    }
}

/// The `clientToken` of a `/get` or `/delete` payload. Those payloads are otherwise ignored
/// (spec §1.1), so anything unreadable simply yields no token.
#[must_use]
pub fn lenient_client_token(bytes: &[u8], limits: &Limits) -> Option<String> {
    if bytes.is_empty()
        || bytes.len() > limits.max_request_bytes
        || json::bracket_depth_exceeds(bytes, limits.effective_depth() + 3)
    {
        return None;
    }
    let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(bytes) else {
        return None;
    };
    read_client_token(&root, limits).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(payload: &str) -> ShadowError {
        UpdateRequest::parse(payload.as_bytes(), &Limits::default()).unwrap_err()
    }

    // Spec §2: when several checks fail, the earlier one in the list wins.
    #[test]
    fn spec_2_validation_order() {
        assert_eq!(
            UpdateRequest::parse(b"\xff{", &Limits::default())
                .unwrap_err()
                .code(),
            415
        );
        assert_eq!(err("[1]").message(), "Invalid JSON");
        assert_eq!(
            err(r#"{"clientToken": 5}"#).message(),
            "Invalid clientToken"
        );
        assert_eq!(
            err(r#"{"version": "x"}"#).message(),
            "Missing required node: state"
        );
        assert_eq!(
            err(r#"{"state": {"delta": 1, "desired": 5}}"#).message(),
            "State contains an invalid node"
        );
        assert_eq!(
            err(r#"{"state": {"desired": 5}, "version": -1}"#).message(),
            "Desired node must be an object"
        );
        assert_eq!(
            err(r#"{"state": {"desired": {"a": [null]}}, "version": 1.5}"#).message(),
            "Invalid version"
        );
        let e = err(r#"{"state": {"reported": {"a": [1, null]}}, "clientToken": "c"}"#);
        assert_eq!(
            e.kind(),
            &ErrorKind::NullInArray {
                path: "/reported/a/1".into()
            }
        );
        assert_eq!(e.client_token(), Some("c"));
    }

    // Spec §9: the section object is level 1; empty containers do not add a level.
    #[test]
    fn spec_9_depth_counting() {
        let six = r#"{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}}}"#;
        assert!(UpdateRequest::parse(six.as_bytes(), &Limits::default()).is_ok());
        let six_plus_empty = r#"{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{}}}}}}}}}"#;
        assert!(UpdateRequest::parse(six_plus_empty.as_bytes(), &Limits::default()).is_ok());
        let seven = r#"{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}"#;
        assert_eq!(err(seven).kind(), &ErrorKind::TooDeep { max: 6 });
    }

    #[test]
    fn hostile_nesting_is_a_typed_error() {
        let deep = "[".repeat(100_000);
        assert_eq!(err(&deep).kind(), &ErrorKind::TooDeep { max: 6 });
        let limits = Limits {
            max_depth: usize::MAX,
            ..Limits::default()
        };
        let e = UpdateRequest::parse(deep.as_bytes(), &limits).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::TooDeep {
                max: Limits::DEPTH_CEILING
            }
        );
    }

    #[test]
    fn client_token_limit_is_bytes() {
        let ok = format!(r#"{{"state": {{}}, "clientToken": "{}"}}"#, "é".repeat(32));
        assert!(UpdateRequest::parse(ok.as_bytes(), &Limits::default()).is_ok());
        let long = format!(r#"{{"state": {{}}, "clientToken": "{}é"}}"#, "a".repeat(63));
        assert_eq!(err(&long).message(), "Invalid clientToken");
    }

    #[test]
    fn lenient_token_of_get_payloads() {
        let l = Limits::default();
        assert_eq!(
            lenient_client_token(br#"{"clientToken":"x"}"#, &l).as_deref(),
            Some("x")
        );
        assert_eq!(lenient_client_token(b"garbage", &l), None);
        assert_eq!(lenient_client_token(b"", &l), None);
    }
}
