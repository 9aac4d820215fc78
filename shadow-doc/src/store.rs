//! Keeping many shadows: the [`ShadowStore`] trait and an in-memory implementation.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use std::sync::{Mutex, RwLock};

use crate::document::{DeleteAccepted, GetAccepted, NamedShadowList};
use crate::error::{ErrorKind, ShadowError};
use crate::limits::Config;
use crate::name::{ShadowKey, ShadowName, ThingName};
use crate::request::lenient_client_token;
use crate::shadow::{Shadow, UpdateOutcome};

/// Where shadows live. Implement [`with_shadow`](Self::with_shadow) and
/// [`named_shadows`](Self::named_shadows) over your own persistence; the request methods come
/// for free. Implementations must run `with_shadow` atomically per shadow: no other call on the
/// same key may observe or change it meanwhile.
///
/// ```
/// use shadow_doc::{MemoryStore, ShadowKey, ShadowStore};
///
/// let store = MemoryStore::default();
/// let key = ShadowKey::parse("pump-1", Some("config"))?;
/// store.update(&key, br#"{"state": {"desired": {"rpm": 900}}}"#, 10)?;
/// assert_eq!(store.get(&key, b"", 11)?.version, 1);
/// let list = store.list_named_shadows(key.thing(), 10, None, 12)?;
/// assert_eq!(list.results, ["config"]);
/// # Ok::<(), shadow_doc::ShadowError>(())
/// ```
pub trait ShadowStore {
    /// Runs `f` on the shadow `key` (a blank [`Shadow`] when the store has none) and keeps
    /// what `f` leaves.
    ///
    /// # Errors
    /// A storage fault, as a 500 `Internal service failure`.
    fn with_shadow<R>(
        &self,
        key: &ShadowKey,
        f: impl FnOnce(&mut Shadow) -> R,
    ) -> Result<R, ShadowError>;

    /// The names of `thing`'s existing named shadows, in ascending order.
    ///
    /// # Errors
    /// A storage fault.
    fn named_shadows(&self, thing: &ThingName) -> Result<Vec<ShadowName>, ShadowError>;

    /// Runs the change `f` on a working copy of shadow `key`; when `f` succeeds, `commit` sees
    /// the changed shadow (to write [`Shadow::stored_bytes`] to disk, say) and the change is
    /// kept only if `commit` succeeds too. Atomic per shadow like
    /// [`with_shadow`](Self::with_shadow): nobody sees the new state before it is committed,
    /// and a failed `f` or `commit` leaves the shadow as it was.
    ///
    /// ```
    /// use shadow_doc::{MemoryStore, ShadowError, ShadowKey, ShadowStore};
    ///
    /// let store = MemoryStore::default();
    /// let key = ShadowKey::parse("pump-1", None)?;
    /// let mut saved = Vec::new();
    /// store.change(&key, |s| s.update(br#"{"state": {"reported": {"rpm": 1}}}"#, 10), |s| {
    ///     saved = s.stored_bytes()?;
    ///     Ok(())
    /// })?;
    /// assert!(!saved.is_empty());
    ///
    /// // A failing write rejects the update with 500; the shadow keeps version 1.
    /// let err = store
    ///     .change(&key, |s| s.update(br#"{"state": {}}"#, 11), |_| Err(ShadowError::internal("disk full")))
    ///     .unwrap_err();
    /// assert_eq!(err.code(), 500);
    /// assert_eq!(store.get(&key, b"", 12)?.version, 1);
    /// # Ok::<(), ShadowError>(())
    /// ```
    ///
    /// # Errors
    /// The error of `f` or of `commit`, or a storage fault of the store.
    fn change<R>(
        &self,
        key: &ShadowKey,
        f: impl FnOnce(&mut Shadow) -> Result<R, ShadowError>,
        commit: impl FnOnce(&Shadow) -> Result<(), ShadowError>,
    ) -> Result<R, ShadowError> {
        self.with_shadow(key, |s| {
            let mut next = s.clone();
            let out = f(&mut next)?;
            commit(&next)?;
            *s = next;
            Ok(out)
        })?
    }

    /// [`Shadow::update`] on `key`.
    ///
    /// # Errors
    /// As [`Shadow::update`].
    fn update(
        &self,
        key: &ShadowKey,
        request: &[u8],
        now: u64,
    ) -> Result<UpdateOutcome, ShadowError> {
        self.with_shadow(key, |s| s.update(request, now))?
    }

    /// [`Shadow::get`] on `key`.
    ///
    /// # Errors
    /// As [`Shadow::get`].
    fn get(&self, key: &ShadowKey, request: &[u8], now: u64) -> Result<GetAccepted, ShadowError> {
        self.with_shadow(key, |s| s.get(request, now))?
    }

    /// [`Shadow::delete`] on `key`.
    ///
    /// # Errors
    /// As [`Shadow::delete`].
    fn delete(
        &self,
        key: &ShadowKey,
        request: &[u8],
        now: u64,
    ) -> Result<DeleteAccepted, ShadowError> {
        self.with_shadow(key, |s| s.delete(request, now))?
    }

    /// ListNamedShadowsForThing: up to `page_size` (clamped to 1..=100) names after the page
    /// `next_token` ends, and a `nextToken` when more follow. The token is opaque (it does
    /// not show a shadow name) and checked on input. An unknown thing yields an empty list,
    /// not a 404.
    ///
    /// # Errors
    /// 400 `Invalid nextToken` ([`ErrorKind::InvalidNextToken`]) for a token this crate did
    /// not issue; a storage fault.
    fn list_named_shadows(
        &self,
        thing: &ThingName,
        page_size: usize,
        next_token: Option<&str>,
        now: u64,
    ) -> Result<NamedShadowList, ShadowError> {
        let page_size = page_size.clamp(1, 100);
        let after = next_token.map(decode_next_token).transpose()?;
        let names = self.named_shadows(thing)?;
        let mut rest = names
            .iter()
            .filter(|n| after.as_ref().is_none_or(|t| n.as_str() > t.as_str()))
            .map(|n| String::from(n.as_str()));
        let results: Vec<String> = rest.by_ref().take(page_size).collect();
        let next_token = match (rest.next(), results.last()) {
            (Some(_), Some(last)) => Some(encode_next_token(last)),
            _ => None,
        };
        Ok(NamedShadowList {
            results,
            next_token,
            timestamp: now,
        })
    }
}

/// Version tag of the `nextToken` format, so a later format can tell old tokens apart.
const TOKEN_TAG: &str = "n1.";

/// The `nextToken` of a page ending with `last`: a tag and the name's bytes in hex.
fn encode_next_token(last: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut token = String::with_capacity(TOKEN_TAG.len() + 2 * last.len());
    token.push_str(TOKEN_TAG);
    for b in last.bytes() {
        for nibble in [b >> 4, b & 0x0f] {
            if let Some(&c) = HEX.get(usize::from(nibble)) {
                token.push(char::from(c));
            }
        }
    }
    token
}

/// The shadow name a `nextToken` stands for; it must be a valid shadow name.
fn decode_next_token(token: &str) -> Result<ShadowName, ShadowError> {
    let invalid = || ShadowError::new(ErrorKind::InvalidNextToken);
    let hex = token
        .strip_prefix(TOKEN_TAG)
        .ok_or_else(invalid)?
        .as_bytes();
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return Err(invalid());
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut bytes = Vec::with_capacity(hex.len() / 2);
    for pair in hex.chunks_exact(2) {
        let (Some(&hi), Some(&lo)) = (pair.first(), pair.get(1)) else {
            return Err(invalid());
        };
        let (Some(hi), Some(lo)) = (digit(hi), digit(lo)) else {
            return Err(invalid());
        };
        bytes.push((hi << 4) | lo);
    }
    let name = core::str::from_utf8(&bytes).map_err(|_| invalid())?;
    ShadowName::new(name).map_err(|_| invalid())
}

/// Saves each change a [`MemoryStore`] accepts, before the change is kept and answered: the
/// write-through hook of a broker that persists shadows. See
/// [`MemoryStore::with_write_through`].
///
/// Any `Fn(&Shadow) -> Result<(), ShadowError>` closure that is `Send + Sync` is one.
pub trait WriteThrough: Send + Sync {
    /// Saves `shadow` as it is after an accepted update or delete (a deleted shadow still
    /// has a stored form: its retained version). An error rejects the request, which then
    /// changes nothing; use [`ShadowError::internal`] for a failed write.
    ///
    /// # Errors
    /// When the shadow could not be saved.
    fn save(&self, shadow: &Shadow) -> Result<(), ShadowError>;
}

impl<F> WriteThrough for F
where
    F: Fn(&Shadow) -> Result<(), ShadowError> + Send + Sync,
{
    fn save(&self, shadow: &Shadow) -> Result<(), ShadowError> {
        self(shadow)
    }
}

/// Shadows in memory, for many things. Each shadow has its own lock, so updates are atomic
/// per shadow and different shadows proceed in parallel.
#[derive(Default)]
pub struct MemoryStore {
    config: Config,
    shadows: RwLock<BTreeMap<ShadowKey, Arc<Mutex<Shadow>>>>,
    write_through: Option<Arc<dyn WriteThrough>>,
}

impl core::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("config", &self.config)
            .field("shadows", &self.shadows)
            .field("write_through", &self.write_through.is_some())
            .finish()
    }
}

fn poisoned() -> ShadowError {
    ShadowError::new(ErrorKind::Internal {
        detail: String::from("a store lock was poisoned by a panic"),
    })
}

impl MemoryStore {
    /// An empty store whose shadows use `config`.
    #[must_use]
    pub fn new(config: Config) -> Self {
        Self {
            config,
            shadows: RwLock::default(),
            write_through: None,
        }
    }

    /// The same store, saving every accepted update and delete through `hook` before it is
    /// kept and answered (see [`ShadowStore::change`]): a request whose save fails is
    /// rejected with the hook's error and changes nothing. Shadows put in with
    /// [`MemoryStore::insert`] (loaded at start) are not saved again.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use shadow_doc::{Config, MemoryStore, Shadow, ShadowError, ShadowKey, ShadowStore};
    ///
    /// // A stand-in for files on disk: stored bytes per shadow.
    /// let disk = Arc::new(Mutex::new(Vec::<(String, Vec<u8>)>::new()));
    /// let sink = Arc::clone(&disk);
    /// let store = MemoryStore::new(Config::default()).with_write_through(move |s: &Shadow| {
    ///     let bytes = s.stored_bytes()?;
    ///     sink.lock().map_err(|_| ShadowError::internal("poisoned"))?.push((s.key().to_string(), bytes));
    ///     Ok(())
    /// });
    /// let key = ShadowKey::parse("pump-1", Some("config"))?;
    /// store.update(&key, br#"{"state": {"desired": {"rpm": 900}}}"#, 10)?;
    /// store.delete(&key, b"", 11)?;
    /// assert!(store.update(&key, br#"{"state": 5}"#, 12).is_err()); // rejected: not saved
    ///
    /// let saved = disk.lock().unwrap();
    /// assert_eq!(saved.len(), 2);
    /// let last = Shadow::from_stored_bytes(key.clone(), Config::default(), &saved[1].1).unwrap();
    /// assert!(!last.exists()); // deleted, remembering version 1
    /// # Ok::<(), ShadowError>(())
    /// ```
    #[must_use]
    pub fn with_write_through(mut self, hook: impl WriteThrough + 'static) -> Self {
        self.write_through = Some(Arc::new(hook));
        self
    }

    /// Puts a shadow in the store (replacing any with the same key), e.g. one restored with
    /// [`Shadow::from_stored`].
    ///
    /// # Errors
    /// A poisoned lock.
    pub fn insert(&self, shadow: Shadow) -> Result<(), ShadowError> {
        let mut map = self.shadows.write().map_err(|_| poisoned())?;
        map.insert(shadow.key().clone(), Arc::new(Mutex::new(shadow)));
        Ok(())
    }

    /// A copy of every shadow the store remembers (existing or deleted), in key order.
    ///
    /// # Errors
    /// A poisoned lock.
    pub fn snapshot(&self) -> Result<Vec<Shadow>, ShadowError> {
        let map = self.shadows.read().map_err(|_| poisoned())?;
        map.values()
            .map(|s| s.lock().map(|g| g.clone()).map_err(|_| poisoned()))
            .collect()
    }

    /// Runs the write-through hook; its error echoes the request's `clientToken` like the
    /// crate's own errors do.
    fn save(
        &self,
        hook: &dyn WriteThrough,
        shadow: &Shadow,
        request: &[u8],
    ) -> Result<(), ShadowError> {
        hook.save(shadow).map_err(|e| {
            if e.client_token().is_some() {
                e
            } else {
                let token = lenient_client_token(request, &self.config.limits);
                e.with_client_token(token)
            }
        })
    }

    fn slot(&self, key: &ShadowKey) -> Result<Arc<Mutex<Shadow>>, ShadowError> {
        if let Some(s) = self.shadows.read().map_err(|_| poisoned())?.get(key) {
            return Ok(Arc::clone(s));
        }
        let mut map = self.shadows.write().map_err(|_| poisoned())?;
        let slot = map
            .entry(key.clone())
            .or_insert_with(|| Arc::new(Mutex::new(Shadow::with_config(key.clone(), self.config))));
        Ok(Arc::clone(slot))
    }
}

impl ShadowStore for MemoryStore {
    fn with_shadow<R>(
        &self,
        key: &ShadowKey,
        f: impl FnOnce(&mut Shadow) -> R,
    ) -> Result<R, ShadowError> {
        let slot = self.slot(key)?;
        let (result, blank) = {
            let mut shadow = slot.lock().map_err(|_| poisoned())?;
            let result = f(&mut shadow);
            (result, shadow.is_blank())
        };
        if blank {
            // Do not keep entries for GETs of shadows that never existed.
            let mut map = self.shadows.write().map_err(|_| poisoned())?;
            if let Some(s) = map.get(key)
                && s.lock().map(|g| g.is_blank()).unwrap_or(false)
            {
                map.remove(key);
            }
        }
        Ok(result)
    }

    fn update(
        &self,
        key: &ShadowKey,
        request: &[u8],
        now: u64,
    ) -> Result<UpdateOutcome, ShadowError> {
        match &self.write_through {
            None => self.with_shadow(key, |s| s.update(request, now))?,
            Some(hook) => self.change(
                key,
                |s| s.update(request, now),
                |s| self.save(hook.as_ref(), s, request),
            ),
        }
    }

    fn delete(
        &self,
        key: &ShadowKey,
        request: &[u8],
        now: u64,
    ) -> Result<DeleteAccepted, ShadowError> {
        match &self.write_through {
            None => self.with_shadow(key, |s| s.delete(request, now))?,
            Some(hook) => self.change(
                key,
                |s| s.delete(request, now),
                |s| self.save(hook.as_ref(), s, request),
            ),
        }
    }

    fn named_shadows(&self, thing: &ThingName) -> Result<Vec<ShadowName>, ShadowError> {
        let map = self.shadows.read().map_err(|_| poisoned())?;
        let mut out = Vec::new();
        for (key, s) in map.iter().filter(|(k, _)| k.thing() == thing) {
            if let Some(name) = key.shadow()
                && s.lock().map_err(|_| poisoned())?.exists()
            {
                out.push(name.clone());
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_token_round_trips_every_name_character() {
        let name = "Az09:_-";
        assert_eq!(
            decode_next_token(&encode_next_token(name))
                .unwrap()
                .as_str(),
            name
        );
    }

    #[test]
    fn write_through_failure_changes_nothing() {
        let store = MemoryStore::default().with_write_through(|s: &Shadow| {
            if s.version() == Some(2) {
                Err(ShadowError::internal("disk full"))
            } else {
                Ok(())
            }
        });
        let key = ShadowKey::parse("t", None).unwrap();
        store
            .update(&key, br#"{"state":{"reported":{"a":1}}}"#, 1)
            .unwrap();
        let e = store
            .update(
                &key,
                br#"{"state":{"reported":{"a":2}},"clientToken":"c"}"#,
                2,
            )
            .unwrap_err();
        assert_eq!((e.code(), e.client_token()), (500, Some("c")));
        let doc = store.get(&key, b"", 3).unwrap();
        assert_eq!(doc.version, 1);
        assert_eq!(doc.state.reported.unwrap()["a"], 1);
    }

    #[test]
    fn pages_and_blank_entries() {
        let store = MemoryStore::default();
        for n in ["c", "a", "b"] {
            let key = ShadowKey::parse("t", Some(n)).unwrap();
            store.update(&key, br#"{"state":{}}"#, 1).unwrap();
        }
        let thing = ThingName::new("t").unwrap();
        let page = store.list_named_shadows(&thing, 2, None, 5).unwrap();
        assert_eq!(
            page.results.as_slice(),
            &["a".to_string(), "b".to_string()][..]
        );
        let token = page.next_token.unwrap();
        assert_ne!(token, "b", "the token is opaque");
        let page = store
            .list_named_shadows(&thing, 2, Some(&token), 5)
            .unwrap();
        assert_eq!(
            (page.results.as_slice(), page.next_token),
            (&["c".to_string()][..], None)
        );
        for bad in ["b", "", "n1.", "n1.6", "n1.zz", "n1.ff", "n1.2f", "n1.62 "] {
            let e = store
                .list_named_shadows(&thing, 2, Some(bad), 5)
                .unwrap_err();
            assert_eq!(
                (e.code(), &*e.message()),
                (400, "Invalid nextToken"),
                "{bad:?}"
            );
        }
        let ghost = ShadowKey::parse("ghost", None).unwrap();
        assert_eq!(store.get(&ghost, b"", 1).unwrap_err().code(), 404);
        assert_eq!(store.snapshot().unwrap().len(), 3);
    }
}
