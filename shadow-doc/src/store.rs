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

    /// ListNamedShadowsForThing: up to `page_size` (clamped to 1..=100) names after
    /// `next_token`. An unknown thing yields an empty list, not a 404.
    ///
    /// # Errors
    /// A storage fault.
    fn list_named_shadows(
        &self,
        thing: &ThingName,
        page_size: usize,
        next_token: Option<&str>,
        now: u64,
    ) -> Result<NamedShadowList, ShadowError> {
        let page_size = page_size.clamp(1, 100);
        let names = self.named_shadows(thing)?;
        let mut rest = names
            .iter()
            .filter(|n| next_token.is_none_or(|t| n.as_str() > t))
            .map(|n| String::from(n.as_str()));
        let results: Vec<String> = rest.by_ref().take(page_size).collect();
        let next_token = match (rest.next(), results.last()) {
            (Some(_), Some(last)) => Some(last.clone()),
            _ => None,
        };
        Ok(NamedShadowList {
            results,
            next_token,
            timestamp: now,
        })
    }
}

/// Shadows in memory, for many things. Each shadow has its own lock, so updates are atomic
/// per shadow and different shadows proceed in parallel.
#[derive(Debug, Default)]
pub struct MemoryStore {
    config: Config,
    shadows: RwLock<BTreeMap<ShadowKey, Arc<Mutex<Shadow>>>>,
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
        }
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
    fn pages_and_blank_entries() {
        let store = MemoryStore::default();
        for n in ["c", "a", "b"] {
            let key = ShadowKey::parse("t", Some(n)).unwrap();
            store.update(&key, br#"{"state":{}}"#, 1).unwrap();
        }
        let thing = ThingName::new("t").unwrap();
        let page = store.list_named_shadows(&thing, 2, None, 5).unwrap();
        assert_eq!(
            (page.results.as_slice(), page.next_token.as_deref()),
            (&["a".to_string(), "b".to_string()][..], Some("b"))
        );
        let page = store.list_named_shadows(&thing, 2, Some("b"), 5).unwrap();
        assert_eq!(
            (page.results.as_slice(), page.next_token),
            (&["c".to_string()][..], None)
        );
        let ghost = ShadowKey::parse("ghost", None).unwrap();
        assert_eq!(store.get(&ghost, b"", 1).unwrap_err().code(), 404);
        assert_eq!(store.snapshot().unwrap().len(), 3);
    }
}
