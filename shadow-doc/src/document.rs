//! The documents the service publishes (spec §1.2–§1.8), as serde types.
//!
//! Every type serialises to the exact JSON shape of the service (camelCase `clientToken`,
//! absent optional members) and deserialises from it, so a device-side program can read what a
//! broker built with this crate, or the real service, sends.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::delta::Delta;

/// A JSON object, as used for state sections and metadata trees.
pub type Object = Map<String, Value>;

/// A state or metadata section shared between the stored shadow and the documents built from
/// it: a GET or a `/documents` message points at the stored sections instead of copying them.
pub type SharedObject = Arc<Object>;

/// `state` of a GET response: `desired` and `reported` when non-empty, and the computed
/// `delta` when they differ (spec §1.2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResponseState {
    /// The desired section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<SharedObject>,
    /// The reported section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<SharedObject>,
    /// What desired asks for that reported does not show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<Object>,
}

/// `state` of a `/documents` snapshot: never carries `delta` (spec §1.5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SnapshotState {
    /// The desired section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<SharedObject>,
    /// The reported section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<SharedObject>,
}

/// Per-leaf timestamps mirroring `desired` and `reported` (spec §5). A member the service adds
/// (such as `metadata.delta`) is ignored when reading.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Metadata {
    /// Timestamps of the desired leaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<SharedObject>,
    /// Timestamps of the reported leaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<SharedObject>,
}

/// The stored shadow as a GET answers it (`/get/accepted`, spec §1.2).
///
/// ```
/// use shadow_doc::{Shadow, ThingName};
///
/// let mut shadow = Shadow::classic(ThingName::new("lamp")?);
/// shadow.update(br#"{"state": {"desired": {"on": true}}}"#, 100)?;
/// let doc = shadow.get(b"", 105)?;
/// assert_eq!(doc.state.delta.as_ref().unwrap()["on"], true);
/// assert_eq!((doc.version, doc.timestamp), (1, 105));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetAccepted {
    /// desired, reported and delta.
    pub state: ResponseState,
    /// Per-leaf timestamps.
    pub metadata: Metadata,
    /// The shadow's version.
    pub version: u64,
    /// When this response was generated (epoch seconds).
    pub timestamp: u64,
    /// Echo of the request's token.
    #[serde(
        rename = "clientToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_token: Option<String>,
}

/// The `/update/accepted` document: the request's `state` echoed as sent (nulls included) and
/// a metadata tree of the same shape (spec §1.3).
///
/// Every leaf of that metadata tree carries the document's own `timestamp`, so it is a function
/// of `state` and `timestamp`: it is not stored but written straight from `state` when the
/// document is serialised, and built on demand by [`UpdateAccepted::metadata`]. Reading a
/// document ignores its `metadata` member for the same reason.
///
/// ```
/// use serde_json::json;
/// use shadow_doc::{Shadow, ThingName};
///
/// let mut shadow = Shadow::classic(ThingName::new("lamp")?);
/// let out = shadow.update(br#"{"state": {"desired": {"on": true, "rgb": [1, 2]}}}"#, 7)?;
/// assert_eq!(
///     out.accepted.metadata(),
///     json!({"desired": {"on": {"timestamp": 7}, "rgb": [{"timestamp": 7}, {"timestamp": 7}]}})
/// );
/// assert_eq!(serde_json::to_value(&out.accepted)?["metadata"], out.accepted.metadata());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct UpdateAccepted {
    /// The request's `state`, as sent.
    pub state: Value,
    /// The shadow's new version.
    pub version: u64,
    /// When the update was applied.
    pub timestamp: u64,
    /// Echo of the request's token.
    #[serde(rename = "clientToken", default)]
    pub client_token: Option<String>,
}

impl UpdateAccepted {
    /// The document's `metadata`: every leaf of `state` (null leaves included) replaced by
    /// `{"timestamp": t}`, arrays element-wise (see [`metadata_for`]).
    #[must_use]
    pub fn metadata(&self) -> Value {
        metadata_for(&self.state, self.timestamp)
    }
}

impl Serialize for UpdateAccepted {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = if self.client_token.is_some() { 5 } else { 4 };
        let mut doc = serializer.serialize_struct("UpdateAccepted", len)?;
        doc.serialize_field("state", &self.state)?;
        doc.serialize_field("metadata", &Stamps(&self.state, self.timestamp))?;
        doc.serialize_field("version", &self.version)?;
        doc.serialize_field("timestamp", &self.timestamp)?;
        match &self.client_token {
            Some(token) => doc.serialize_field("clientToken", token)?,
            None => doc.skip_field("clientToken")?,
        }
        doc.end()
    }
}

/// Serialises as `metadata_for(value, timestamp)` without building it.
struct Stamps<'a>(&'a Value, u64);

impl Serialize for Stamps<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(m) => {
                let mut out = serializer.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    out.serialize_entry(k, &Stamps(v, self.1))?;
                }
                out.end()
            }
            Value::Array(a) => {
                let mut out = serializer.serialize_seq(Some(a.len()))?;
                for v in a {
                    out.serialize_element(&Stamps(v, self.1))?;
                }
                out.end()
            }
            _ => {
                let mut out = serializer.serialize_map(Some(1))?;
                out.serialize_entry("timestamp", &self.1)?;
                out.end()
            }
        }
    }
}

/// The `/update/delta` document (spec §1.4): the full current delta, the desired-section
/// timestamps of exactly its leaves, and the version it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeltaDocument {
    /// The delta, with no desired/reported wrapper.
    pub state: Delta,
    /// Desired-section metadata of the delta leaves.
    pub metadata: Object,
    /// The shadow's version after the update that published it.
    pub version: u64,
    /// When it was published.
    pub timestamp: u64,
    /// The token of the update that caused it.
    #[serde(
        rename = "clientToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_token: Option<String>,
}

/// One side of a `/documents` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Snapshot {
    /// desired and reported (never delta).
    pub state: SnapshotState,
    /// Per-leaf timestamps.
    pub metadata: Metadata,
    /// The version of this snapshot.
    pub version: u64,
}

/// The `/update/documents` document: the shadow before and after an accepted update
/// (spec §1.5). `previous` is absent when the update created the shadow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DocumentsDocument {
    /// The shadow before the update; `None` when the update created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Snapshot>,
    /// The shadow after the update.
    pub current: Snapshot,
    /// When it was published.
    pub timestamp: u64,
    /// The token of the update.
    #[serde(
        rename = "clientToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_token: Option<String>,
}

/// The `/rejected` error document (spec §1.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorDocument {
    /// HTTP-style status code.
    pub code: u16,
    /// The service's message text.
    pub message: String,
    /// When the error was generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
    /// Echo of the request's token.
    #[serde(
        rename = "clientToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_token: Option<String>,
}

/// The `/delete/accepted` document: the version the shadow had when deleted (spec §1.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeleteAccepted {
    /// The deleted shadow's version (not incremented).
    pub version: u64,
    /// When it was deleted.
    pub timestamp: u64,
    /// Echo of the request's token.
    #[serde(
        rename = "clientToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_token: Option<String>,
}

/// The ListNamedShadowsForThing answer (spec §1.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NamedShadowList {
    /// Shadow names, in ascending order; never the classic shadow.
    pub results: Vec<String>,
    /// Pass back to get the next page.
    #[serde(rename = "nextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// When the list was generated.
    pub timestamp: u64,
}

/// Builds the metadata tree of `v`: each scalar (and null) leaf becomes `{"timestamp": t}`,
/// objects map member-wise and arrays element-wise (spec §5).
#[must_use]
pub fn metadata_for(v: &Value, timestamp: u64) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), metadata_for(x, timestamp)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| metadata_for(x, timestamp)).collect()),
        _ => leaf(timestamp),
    }
}

pub(crate) fn leaf(timestamp: u64) -> Value {
    let mut m = Map::new();
    m.insert(String::from("timestamp"), Value::from(timestamp));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spec_5_metadata_arrays_are_element_wise() {
        assert_eq!(
            metadata_for(&json!({"a": [1, {"b": 2}, [3]], "c": null}), 7),
            json!({"a": [{"timestamp": 7}, {"b": {"timestamp": 7}}, [{"timestamp": 7}]],
                   "c": {"timestamp": 7}})
        );
    }

    // Spec §1.3: the streamed metadata is exactly the tree metadata_for builds.
    #[test]
    fn spec_1_3_accepted_metadata_is_streamed() {
        let doc = UpdateAccepted {
            state: json!({"desired": {"a": [1, {"b": null}], "c": {}}, "reported": null}),
            version: 3,
            timestamp: 9,
            client_token: Some("t".into()),
        };
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            v,
            json!({"state": doc.state, "metadata": {"desired": {"a": [{"timestamp": 9},
                   {"b": {"timestamp": 9}}], "c": {}}, "reported": {"timestamp": 9}},
                   "version": 3, "timestamp": 9, "clientToken": "t"})
        );
        assert_eq!(v["metadata"], doc.metadata());
        let back: UpdateAccepted = serde_json::from_value(v).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn documents_round_trip_through_json() {
        let text = r#"{"state":{"desired":{"a":1},"delta":{"a":1}},"metadata":{"desired":{"a":{"timestamp":1}},"delta":{"a":{"timestamp":1}}},"version":2,"timestamp":3,"clientToken":"t"}"#;
        let doc: GetAccepted = serde_json::from_str(text).unwrap();
        assert_eq!(doc.client_token.as_deref(), Some("t"));
        // metadata.delta, which the service may add, is dropped on reading.
        let back = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            back["metadata"],
            json!({"desired": {"a": {"timestamp": 1}}})
        );
        let list = NamedShadowList {
            results: vec!["a".into()],
            next_token: None,
            timestamp: 1,
        };
        assert_eq!(
            serde_json::to_value(&list).unwrap(),
            json!({"results": ["a"], "timestamp": 1})
        );
    }
}
