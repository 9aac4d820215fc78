//! One shadow (classic or named): update, get, delete, versions (spec §3–§8).

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::delta::{Delta, refresh};
use crate::document::{
    DeleteAccepted, DeltaDocument, DocumentsDocument, GetAccepted, Metadata, Object, ResponseState,
    SharedObject, Snapshot, SnapshotState, UpdateAccepted,
};
use crate::error::{ErrorKind, ShadowError};
use crate::json::compact_len;
use crate::limits::Config;
use crate::merge::{merge_section, merged_len};
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
/// assert_eq!(out.documents.unwrap().previous.unwrap().version, 1);
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
    /// The delta of desired against reported, kept up to date by every update.
    delta: Object,
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
    /// The `/update/documents` document; `None` only when turned off with
    /// [`UpdateOptions::documents`].
    pub documents: Option<DocumentsDocument>,
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

    /// The delta computed from scratch.
    fn fresh_delta(&self) -> Object {
        if self.desired.is_empty() {
            Object::new()
        } else {
            Delta::between(&self.desired, Some(&self.reported)).into_object()
        }
    }

    /// Compact-JSON bytes of desired + reported; an empty section counts nothing.
    fn state_len(&self) -> usize {
        self.desired_len.saturating_add(self.reported_len)
    }
}

/// The compact length a section will have after the request (see [`merged_len`]).
fn next_len(state: &Object, len: usize, section: Section<'_>) -> usize {
    match section {
        Section::Keep => len,
        Section::Clear => 0,
        Section::Merge(patch) => merged_len(state, len, patch),
    }
}

/// Applies one section of a request in place. A section still shared with a snapshot (the
/// `previous` of a `/documents` message) is copied first; otherwise nothing is copied.
fn apply_section(
    state: &mut SharedObject,
    meta: &mut SharedObject,
    section: Section<'_>,
    now: u64,
) {
    match section {
        Section::Keep => {}
        Section::Clear => {
            *state = SharedObject::default();
            *meta = SharedObject::default();
        }
        Section::Merge(patch) => {
            merge_section(Arc::make_mut(state), Arc::make_mut(meta), patch, now);
        }
    }
}

fn merge_patch(section: Section<'_>) -> Option<&Object> {
    match section {
        Section::Merge(p) => Some(p),
        _ => None,
    }
}

/// Which optional messages [`Shadow::update_with`] builds.
///
/// ```
/// let lean = shadow_doc::UpdateOptions::default().with_documents(false);
/// assert!(!lean.documents);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateOptions {
    /// Build the `/update/documents` message (default true). Building it keeps a copy of every
    /// section the update changes; a broker with no subscriber on `/update/documents` can turn
    /// it off and update in place.
    pub documents: bool,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        Self { documents: true }
    }
}

impl UpdateOptions {
    /// Sets [`UpdateOptions::documents`].
    #[must_use]
    pub fn with_documents(mut self, documents: bool) -> Self {
        self.documents = documents;
        self
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

    /// The current delta (empty when in sync or when the shadow does not exist), computed
    /// afresh from desired and reported. Updates keep their own copy up to date incrementally;
    /// this method is the reference they are tested against.
    #[must_use]
    pub fn delta(&self) -> Delta {
        self.live()
            .map(|d| Delta::from_object(d.fresh_delta()))
            .unwrap_or_default()
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

    /// Applies an `/update` payload and builds every message the service publishes.
    ///
    /// # Errors
    /// Any [`UpdateRequest::parse`] error; 409 `Version conflict` when the request's `version`
    /// differs from the shadow's (for a shadow that does not exist the expected version is 0,
    /// or the retained version of a recently deleted one); 413 when the merged state would
    /// exceed [`Limits::max_state_bytes`](crate::Limits). On error nothing changes.
    pub fn update(&mut self, request: &[u8], now: u64) -> Result<UpdateOutcome, ShadowError> {
        self.update_with(request, now, UpdateOptions::default())
    }

    /// [`Shadow::update`] with a choice of optional messages.
    ///
    /// # Errors
    /// As [`Shadow::update`].
    pub fn update_with(
        &mut self,
        request: &[u8],
        now: u64,
        options: UpdateOptions,
    ) -> Result<UpdateOutcome, ShadowError> {
        let request = UpdateRequest::parse(request, &self.config.limits)?;
        self.apply(request, now, options)
    }

    /// Applies an already validated request (see [`Shadow::update`]).
    ///
    /// # Errors
    /// 409 `Version conflict`, 413 state too large. On error nothing changes.
    pub fn apply(
        &mut self,
        request: UpdateRequest,
        now: u64,
        options: UpdateOptions,
    ) -> Result<UpdateOutcome, ShadowError> {
        let token = request.client_token().map(String::from);
        let fail = |kind: ErrorKind| ShadowError::new(kind).with_client_token(token.clone());
        let (current, live) = self.base(now);
        if let Some(requested) = request.version()
            && requested != current
        {
            return Err(fail(ErrorKind::VersionConflict { current, requested }));
        }
        // The size check comes before any change, so a rejection has nothing to undo.
        let empty = Doc::default();
        let old = live.unwrap_or(&empty);
        let desired_len = next_len(&old.desired, old.desired_len, request.desired());
        let reported_len = next_len(&old.reported, old.reported_len, request.reported());
        let size = desired_len.saturating_add(reported_len);
        let max = self.config.limits.max_state_bytes;
        if size > max {
            return Err(fail(ErrorKind::StateTooLarge { size, max }));
        }
        let was_live = live.is_some();

        let mut doc = match core::mem::replace(&mut self.life, Life::Absent) {
            Life::Live(doc) => doc,
            _ => Box::default(),
        };
        let previous = (options.documents && was_live).then(|| doc.snapshot());
        apply_section(
            &mut doc.desired,
            &mut doc.meta_desired,
            request.desired(),
            now,
        );
        apply_section(
            &mut doc.reported,
            &mut doc.meta_reported,
            request.reported(),
            now,
        );
        doc.desired_len = desired_len;
        doc.reported_len = reported_len;
        match (request.desired(), request.reported()) {
            (Section::Clear, _) | (_, Section::Clear) => doc.delta = doc.fresh_delta(),
            (d, r) => {
                let Doc {
                    delta,
                    desired,
                    reported,
                    ..
                } = &mut *doc;
                refresh(delta, desired, reported, merge_patch(d), merge_patch(r));
            }
        }
        doc.version = current.saturating_add(1);

        let state = request.into_state().map_or(Value::Null, Value::Object);
        let accepted = UpdateAccepted {
            state,
            version: doc.version,
            timestamp: now,
            client_token: token.clone(),
        };
        let delta = Delta::from_object(doc.delta.clone());
        let delta = (!delta.is_empty()).then(|| DeltaDocument {
            metadata: delta.metadata(&doc.meta_desired),
            state: delta,
            version: doc.version,
            timestamp: now,
            client_token: token.clone(),
        });
        let documents = options.documents.then(|| DocumentsDocument {
            previous,
            current: doc.snapshot(),
            timestamp: now,
            client_token: token,
        });
        self.life = Life::Live(doc);
        Ok(UpdateOutcome {
            accepted,
            delta,
            documents,
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
        Ok(GetAccepted {
            state: ResponseState {
                desired: non_empty(&doc.desired),
                reported: non_empty(&doc.reported),
                delta: (!doc.delta.is_empty()).then(|| doc.delta.clone()),
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
    ///
    /// Kept for compatibility: it answers `Value::Null` in the (unreachable in practice) case
    /// where serialisation fails. Prefer [`Shadow::try_to_stored`] or, to write a file,
    /// [`Shadow::stored_bytes`].
    #[must_use]
    pub fn to_stored(&self) -> Value {
        self.try_to_stored().unwrap_or(Value::Null)
    }

    /// The shadow in a stable JSON form for persistence (see [`Shadow::from_stored`]).
    ///
    /// # Errors
    /// 500 `Internal service failure` when the shadow cannot be serialised.
    pub fn try_to_stored(&self) -> Result<Value, ShadowError> {
        let empty = Object::new();
        serde_json::to_value(self.stored_ref(&empty)).map_err(stored_error)
    }

    /// The stored form as compact JSON bytes, ready to be written to a file or a database;
    /// read back with [`Shadow::from_stored_bytes`]. Written straight from the shadow, with
    /// no intermediate copy.
    ///
    /// ```
    /// use shadow_doc::{Config, Shadow, ThingName};
    ///
    /// let mut shadow = Shadow::classic(ThingName::new("pump")?);
    /// shadow.update(br#"{"state": {"reported": {"rpm": 900}}}"#, 10)?;
    /// let bytes = shadow.stored_bytes()?;
    /// let back = Shadow::from_stored_bytes(shadow.key().clone(), Config::default(), &bytes)?;
    /// assert_eq!(back, shadow);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// 500 `Internal service failure` when the shadow cannot be serialised.
    pub fn stored_bytes(&self) -> Result<Vec<u8>, ShadowError> {
        let empty = Object::new();
        serde_json::to_vec(&self.stored_ref(&empty)).map_err(stored_error)
    }

    fn stored_ref<'a>(&'a self, empty: &'a Object) -> StoredRef<'a> {
        match &self.life {
            Life::Absent => StoredRef {
                version: None,
                deleted_at: None,
                desired: empty,
                reported: empty,
                metadata_desired: empty,
                metadata_reported: empty,
            },
            Life::Live(doc) => StoredRef {
                version: Some(doc.version),
                deleted_at: None,
                desired: &doc.desired,
                reported: &doc.reported,
                metadata_desired: &doc.meta_desired,
                metadata_reported: &doc.meta_reported,
            },
            Life::Deleted { version, at } => StoredRef {
                version: Some(*version),
                deleted_at: Some(*at),
                desired: empty,
                reported: empty,
                metadata_desired: empty,
                metadata_reported: empty,
            },
        }
    }

    /// Restores a shadow saved with [`Shadow::to_stored`] or [`Shadow::try_to_stored`].
    ///
    /// # Errors
    /// When `stored` is not in that form.
    pub fn from_stored(
        key: ShadowKey,
        config: Config,
        stored: &Value,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self::from_parts(key, config, Stored::deserialize(stored)?))
    }

    /// Restores a shadow saved with [`Shadow::stored_bytes`].
    ///
    /// # Errors
    /// When `bytes` are not JSON in that form.
    pub fn from_stored_bytes(
        key: ShadowKey,
        config: Config,
        bytes: &[u8],
    ) -> Result<Self, serde_json::Error> {
        Ok(Self::from_parts(
            key,
            config,
            serde_json::from_slice(bytes)?,
        ))
    }

    fn from_parts(key: ShadowKey, config: Config, s: Stored) -> Self {
        let life = match (s.version, s.deleted_at) {
            (None, _) => Life::Absent,
            (Some(version), Some(at)) => Life::Deleted { version, at },
            (Some(version), None) => {
                let mut doc = Doc {
                    desired_len: section_len(&s.desired),
                    reported_len: section_len(&s.reported),
                    desired: Arc::new(s.desired),
                    reported: Arc::new(s.reported),
                    meta_desired: Arc::new(s.metadata_desired),
                    meta_reported: Arc::new(s.metadata_reported),
                    delta: Object::new(),
                    version,
                };
                doc.delta = doc.fresh_delta();
                Life::Live(Box::new(doc))
            }
        };
        Self { key, config, life }
    }
}

fn stored_error(err: serde_json::Error) -> ShadowError {
    ShadowError::internal(format!("cannot serialise the stored shadow: {err}"))
}

/// The stored form, read back (see [`StoredRef`] for the writing side).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    #[serde(default)]
    version: Option<u64>,
    #[serde(default)]
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

/// The stored form, written from borrowed sections.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StoredRef<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_at: Option<u64>,
    desired: &'a Object,
    reported: &'a Object,
    metadata_desired: &'a Object,
    metadata_reported: &'a Object,
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
        let bytes = s.stored_bytes().unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap(),
            s.to_stored()
        );
        let back = Shadow::from_stored_bytes(s.key().clone(), Config::default(), &bytes).unwrap();
        assert_eq!(back, s);
        let blank = shadow();
        assert_eq!(
            blank.try_to_stored().unwrap(),
            serde_json::json!({"desired": {},
            "reported": {}, "metadataDesired": {}, "metadataReported": {}})
        );
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
        assert_eq!(out.accepted.metadata(), serde_json::json!({"timestamp": 2}));
        assert!(out.delta.is_none());
        assert_eq!(s.version(), Some(2));
    }
}
