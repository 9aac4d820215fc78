//! One shadow (classic or named): update, get, delete, versions (spec §3–§8).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::delta::Delta;
use crate::document::{
    DeleteAccepted, DeltaDocument, DocumentsDocument, GetAccepted, Metadata, Object, ResponseState,
    SharedObject, Snapshot, SnapshotState, UpdateAccepted, metadata_for,
};
use crate::error::{ErrorKind, ShadowError};
use crate::json::compact_len;
use crate::limits::Config;
use crate::merge::merge_section;
use crate::name::ShadowKey;
use crate::request::{Section, UpdateRequest, lenient_client_token};
use crate::{ShadowName, ThingName};

/// One device shadow, classic or named, with the service's rules for updates, deltas,
/// metadata and versions. Time always comes from the caller (`now`, epoch seconds); the crate
/// never reads a clock.
///
/// A rejected update leaves the shadow exactly as it was.
///
/// ```
/// use shadow_doc::{Shadow, ThingName};
///
/// let mut shadow = Shadow::classic(ThingName::new("thermostat")?);
/// let out = shadow.update(br#"{"state": {"desired": {"temp": 21}}}"#, 1_000)?;
/// assert_eq!(out.accepted.version, 1);
/// let delta = out.delta.expect("desired differs from (absent) reported");
/// assert_eq!(delta.state.as_object()["temp"], 21);
///
/// // The device reports the new temperature: in sync, so no delta is published.
/// let out = shadow.update(br#"{"state": {"reported": {"temp": 21.0}}}"#, 1_010)?;
/// assert!(out.delta.is_none());
/// assert_eq!(out.documents.previous.unwrap().version, 1);
///
/// let err = shadow.update(br#"{"state": {}, "version": 1}"#, 1_020).unwrap_err();
/// assert_eq!((err.code(), &*err.message()), (409, "Version conflict"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Shadow {
    key: ShadowKey,
    config: Config,
    life: Life,
}

#[derive(Debug, Clone, PartialEq)]
enum Life {
    /// Never created (or forgotten).
    Absent,
    Live(Box<Doc>),
    /// Deleted at `at`, when it had `version`.
    Deleted {
        version: u64,
        at: u64,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Doc {
    desired: SharedObject,
    reported: SharedObject,
    meta_desired: SharedObject,
    meta_reported: SharedObject,
    /// Compact-JSON bytes of `desired` and `reported` (0 when empty), kept up to date.
    desired_len: usize,
    reported_len: usize,
    version: u64,
}

/// What an accepted update publishes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpdateOutcome {
    /// The `/update/accepted` document.
    pub accepted: UpdateAccepted,
    /// The `/update/delta` document, when desired and reported differ after the update.
    pub delta: Option<DeltaDocument>,
    /// The `/update/documents` document.
    pub documents: DocumentsDocument,
}

fn non_empty(m: &SharedObject) -> Option<SharedObject> {
    (!m.is_empty()).then(|| Arc::clone(m))
}

fn section_len(m: &Object) -> usize {
    if m.is_empty() { 0 } else { compact_len(m) }
}

impl Doc {
    fn metadata(&self) -> Metadata {
        Metadata {
            desired: non_empty(&self.meta_desired),
            reported: non_empty(&self.meta_reported),
        }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            state: SnapshotState {
                desired: non_empty(&self.desired),
                reported: non_empty(&self.reported),
            },
            metadata: self.metadata(),
            version: self.version,
        }
    }

    fn into_snapshot(self) -> Snapshot {
        let some = |m: SharedObject| (!m.is_empty()).then_some(m);
        Snapshot {
            state: SnapshotState {
                desired: some(self.desired),
                reported: some(self.reported),
            },
            metadata: Metadata {
                desired: some(self.meta_desired),
                reported: some(self.meta_reported),
            },
            version: self.version,
        }
    }

    fn delta(&self) -> Delta {
        if self.desired.is_empty() {
            Delta::default()
        } else {
            Delta::between(&self.desired, Some(&self.reported))
        }
    }

    /// Compact-JSON bytes of desired + reported; an empty section counts nothing.
    fn state_len(&self) -> usize {
        self.desired_len.saturating_add(self.reported_len)
    }
}

/// Applies one section of a request; returns the section's new compact length when it changed.
#[must_use]
fn apply_section(
    state: &mut SharedObject,
    meta: &mut SharedObject,
    section: Section<'_>,
    now: u64,
) -> Option<usize> {
    match section {
        Section::Keep => None,
        Section::Clear => {
            *state = SharedObject::default();
            *meta = SharedObject::default();
            Some(0)
        }
        Section::Merge(patch) => {
            // Copy-on-write: the previous document keeps the old section.
            merge_section(Arc::make_mut(state), Arc::make_mut(meta), patch, now);
            Some(section_len(state))
        }
    }
}

impl Shadow {
    /// A shadow that does not exist yet, with default [`Config`].
    #[must_use]
    pub fn new(key: ShadowKey) -> Self {
        Self::with_config(key, Config::default())
    }

    /// A shadow that does not exist yet.
    #[must_use]
    pub fn with_config(key: ShadowKey, config: Config) -> Self {
        Self {
            key,
            config,
            life: Life::Absent,
        }
    }

    /// The classic shadow of `thing`, not yet existing.
    #[must_use]
    pub fn classic(thing: ThingName) -> Self {
        Self::new(ShadowKey::classic(thing))
    }

    /// The named shadow `shadow` of `thing`, not yet existing.
    #[must_use]
    pub fn named(thing: ThingName, shadow: ShadowName) -> Self {
        Self::new(ShadowKey::named(thing, shadow))
    }

    /// Which shadow this is.
    #[must_use]
    pub fn key(&self) -> &ShadowKey {
        &self.key
    }

    /// Its limits and options.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// True when the shadow exists (created and not deleted).
    #[must_use]
    pub fn exists(&self) -> bool {
        matches!(self.life, Life::Live(_))
    }

    /// True when the shadow has never existed and remembers nothing (no retained version).
    #[must_use]
    pub fn is_blank(&self) -> bool {
        matches!(self.life, Life::Absent)
    }

    fn live(&self) -> Option<&Doc> {
        match &self.life {
            Life::Live(doc) => Some(doc),
            _ => None,
        }
    }

    /// The current version, when the shadow exists.
    #[must_use]
    pub fn version(&self) -> Option<u64> {
        self.live().map(|d| d.version)
    }

    /// The desired section (empty when absent); `None` when the shadow does not exist.
    #[must_use]
    pub fn desired(&self) -> Option<&Object> {
        self.live().map(|d| &*d.desired)
    }

    /// The reported section (empty when absent); `None` when the shadow does not exist.
    #[must_use]
    pub fn reported(&self) -> Option<&Object> {
        self.live().map(|d| &*d.reported)
    }

    /// The per-leaf metadata; `None` when the shadow does not exist.
    #[must_use]
    pub fn metadata(&self) -> Option<Metadata> {
        self.live().map(Doc::metadata)
    }

    /// The current delta (empty when in sync or when the shadow does not exist).
    #[must_use]
    pub fn delta(&self) -> Delta {
        self.live().map(Doc::delta).unwrap_or_default()
    }

    /// Compact-JSON bytes of desired + reported: the figure the size limit applies to.
    #[must_use]
    pub fn state_len(&self) -> usize {
        self.live().map_or(0, Doc::state_len)
    }

    /// The version the next accepted update continues from, and the live document if any.
    fn base(&self, now: u64) -> (u64, Option<&Doc>) {
        match &self.life {
            Life::Absent => (0, None),
            Life::Live(doc) => (doc.version, Some(doc)),
            Life::Deleted { version, at } => {
                let kept = self
                    .config
                    .version_retention_secs
                    .is_none_or(|window| now.saturating_sub(*at) < window);
                (if kept { *version } else { 0 }, None)
            }
        }
    }

    /// Applies an `/update` payload.
    ///
    /// # Errors
    /// Any [`UpdateRequest::parse`] error; 409 `Version conflict` when the request's `version`
    /// differs from the shadow's (for a shadow that does not exist the expected version is 0,
    /// or the retained version of a recently deleted one); 413 when the merged state would
    /// exceed [`Limits::max_state_bytes`](crate::Limits). On error nothing changes.
    pub fn update(&mut self, request: &[u8], now: u64) -> Result<UpdateOutcome, ShadowError> {
        let request = UpdateRequest::parse(request, &self.config.limits)?;
        self.apply(&request, now)
    }

    /// Applies an already validated request (see [`Shadow::update`]).
    ///
    /// # Errors
    /// 409 `Version conflict`, 413 state too large. On error nothing changes.
    pub fn apply(
        &mut self,
        request: &UpdateRequest,
        now: u64,
    ) -> Result<UpdateOutcome, ShadowError> {
        let token = request.client_token().map(String::from);
        let fail = |kind: ErrorKind| ShadowError::new(kind).with_client_token(token.clone());
        let (current, previous) = self.base(now);
        if let Some(requested) = request.version()
            && requested != current
        {
            return Err(fail(ErrorKind::VersionConflict { current, requested }));
        }
        let mut next = previous.cloned().unwrap_or_default();
        if let Some(len) = apply_section(
            &mut next.desired,
            &mut next.meta_desired,
            request.desired(),
            now,
        ) {
            next.desired_len = len;
        }
        if let Some(len) = apply_section(
            &mut next.reported,
            &mut next.meta_reported,
            request.reported(),
            now,
        ) {
            next.reported_len = len;
        }
        let size = next.state_len();
        let max = self.config.limits.max_state_bytes;
        if size > max {
            return Err(fail(ErrorKind::StateTooLarge { size, max }));
        }
        next.version = current.saturating_add(1);

        let state = request
            .state()
            .map_or(Value::Null, |s| Value::Object(s.clone()));
        let accepted = UpdateAccepted {
            metadata: metadata_for(&state, now),
            state,
            version: next.version,
            timestamp: now,
            client_token: token.clone(),
        };
        let delta = next.delta();
        let delta = (!delta.is_empty()).then(|| DeltaDocument {
            metadata: delta.metadata(&next.meta_desired),
            state: delta,
            version: next.version,
            timestamp: now,
            client_token: token.clone(),
        });
        let current_snapshot = next.snapshot();
        let old = core::mem::replace(&mut self.life, Life::Live(Box::new(next)));
        let previous = match old {
            Life::Live(doc) => Some(doc.into_snapshot()),
            _ => None,
        };
        Ok(UpdateOutcome {
            accepted,
            delta,
            documents: DocumentsDocument {
                previous,
                current: current_snapshot,
                timestamp: now,
                client_token: token,
            },
        })
    }

    fn not_found(&self, token: Option<String>) -> ShadowError {
        ShadowError::new(ErrorKind::NoShadow {
            name: String::from(self.key.display_name()),
        })
        .with_client_token(token)
    }

    /// Answers a `/get` request (`request` may be empty or carry a `clientToken`).
    ///
    /// # Errors
    /// 404 `No shadow exists with name: '<name>'` when the shadow does not exist.
    pub fn get(&self, request: &[u8], now: u64) -> Result<GetAccepted, ShadowError> {
        let token = lenient_client_token(request, &self.config.limits);
        let Some(doc) = self.live() else {
            return Err(self.not_found(token));
        };
        let delta = doc.delta();
        Ok(GetAccepted {
            state: ResponseState {
                desired: non_empty(&doc.desired),
                reported: non_empty(&doc.reported),
                delta: (!delta.is_empty()).then(|| delta.into_object()),
            },
            metadata: doc.metadata(),
            version: doc.version,
            timestamp: now,
            client_token: token,
        })
    }

    /// Answers a `/delete` request: removes state and metadata but remembers the version, so
    /// a shadow re-created within [`Config::version_retention_secs`] continues counting.
    ///
    /// # Errors
    /// 404 when the shadow does not exist (never created, or already deleted).
    pub fn delete(&mut self, request: &[u8], now: u64) -> Result<DeleteAccepted, ShadowError> {
        let token = lenient_client_token(request, &self.config.limits);
        let Some(version) = self.version() else {
            return Err(self.not_found(token));
        };
        self.life = Life::Deleted { version, at: now };
        Ok(DeleteAccepted {
            version,
            timestamp: now,
            client_token: token,
        })
    }

    /// The shadow in a stable JSON form for persistence (see [`Shadow::from_stored`]).
    #[must_use]
    pub fn to_stored(&self) -> Value {
        let stored = match &self.life {
            Life::Absent => Stored::default(),
            Life::Live(doc) => Stored {
                version: Some(doc.version),
                desired: Object::clone(&doc.desired),
                reported: Object::clone(&doc.reported),
                metadata_desired: Object::clone(&doc.meta_desired),
                metadata_reported: Object::clone(&doc.meta_reported),
                deleted_at: None,
            },
            Life::Deleted { version, at } => Stored {
                version: Some(*version),
                deleted_at: Some(*at),
                ..Stored::default()
            },
        };
        serde_json::to_value(stored).unwrap_or(Value::Null)
    }

    /// Restores a shadow saved with [`Shadow::to_stored`].
    ///
    /// # Errors
    /// When `stored` is not in that form.
    pub fn from_stored(
        key: ShadowKey,
        config: Config,
        stored: &Value,
    ) -> Result<Self, serde_json::Error> {
        let s = Stored::deserialize(stored)?;
        let life = match (s.version, s.deleted_at) {
            (None, _) => Life::Absent,
            (Some(version), Some(at)) => Life::Deleted { version, at },
            (Some(version), None) => Life::Live(Box::new(Doc {
                desired_len: section_len(&s.desired),
                reported_len: section_len(&s.reported),
                desired: Arc::new(s.desired),
                reported: Arc::new(s.reported),
                meta_desired: Arc::new(s.metadata_desired),
                meta_reported: Arc::new(s.metadata_reported),
                version,
            })),
        };
        Ok(Self { key, config, life })
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted_at: Option<u64>,
    #[serde(default)]
    desired: Object,
    #[serde(default)]
    reported: Object,
    #[serde(default)]
    metadata_desired: Object,
    #[serde(default)]
    metadata_reported: Object,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shadow() -> Shadow {
        Shadow::classic(ThingName::new("t").unwrap())
    }

    // Spec §6: re-creation after the retention window restarts the counter.
    #[test]
    fn spec_6_retention_window() {
        let mut s = shadow();
        s.update(br#"{"state":{"reported":{"a":1}}}"#, 0).unwrap();
        s.update(br#"{"state":{"reported":{"a":2}}}"#, 0).unwrap();
        assert_eq!(s.delete(b"", 10).unwrap().version, 2);
        let mut late = s.clone();
        let out = s
            .update(br#"{"state":{"reported":{"a":3}}}"#, 10 + 3600)
            .unwrap();
        assert_eq!(out.accepted.version, 3);
        let out = late
            .update(br#"{"state":{"reported":{"a":3}}}"#, 10 + 48 * 3600)
            .unwrap();
        assert_eq!(out.accepted.version, 1);
    }

    // Choice: `version` on a shadow that does not exist must equal the base (0, or the
    // retained version of a deleted one).
    #[test]
    fn version_on_missing_shadow() {
        let mut s = shadow();
        let e = s.update(br#"{"state":{},"version":1}"#, 0).unwrap_err();
        assert_eq!(e.code(), 409);
        assert!(!s.exists());
        assert_eq!(
            s.update(br#"{"state":{},"version":0}"#, 0)
                .unwrap()
                .accepted
                .version,
            1
        );
        s.delete(b"", 1).unwrap();
        assert_eq!(
            s.update(br#"{"state":{},"version":0}"#, 2)
                .unwrap_err()
                .code(),
            409
        );
        assert_eq!(
            s.update(br#"{"state":{},"version":1}"#, 2)
                .unwrap()
                .accepted
                .version,
            2
        );
    }

    #[test]
    fn stored_form_round_trips() {
        let mut s = shadow();
        s.update(
            br#"{"state":{"desired":{"a":[1,{"b":2}]},"reported":{"c":1}}}"#,
            5,
        )
        .unwrap();
        let back = Shadow::from_stored(s.key().clone(), Config::default(), &s.to_stored()).unwrap();
        assert_eq!(back, s);
        s.delete(b"", 6).unwrap();
        let back = Shadow::from_stored(s.key().clone(), Config::default(), &s.to_stored()).unwrap();
        assert_eq!(back, s);
    }

    // Choice: `"state": null` echoes null with a single timestamp leaf as its metadata.
    #[test]
    fn state_null_accepted_document() {
        let mut s = shadow();
        s.update(br#"{"state":{"desired":{"a":1}}}"#, 1).unwrap();
        let out = s.update(br#"{"state":null}"#, 2).unwrap();
        assert_eq!(out.accepted.state, Value::Null);
        assert_eq!(out.accepted.metadata, serde_json::json!({"timestamp": 2}));
        assert!(out.delta.is_none());
        assert_eq!(s.version(), Some(2));
    }
}
