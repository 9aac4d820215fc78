//! The per-connection in-flight request limit (spec §9: more than 10 requests in flight on one
//! connection are refused with 429).

use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::error::ShadowError;

/// Counts the shadow requests one connection (or thing) has in flight, and refuses the one
/// beyond the limit with 429 (spec §9, §10). A broker keeps one per connection, takes an
/// [`InFlightGuard`] when a request arrives and drops it once the response is published.
///
/// Clones share the same counter, and a guard may be moved to another thread or task.
///
/// ```
/// use shadow_doc::InFlight;
///
/// let conn = InFlight::new(2);
/// let a = conn.try_start()?;
/// let _b = conn.try_start()?;
/// let refused = conn.try_start().unwrap_err();
/// assert_eq!((refused.code(), &*refused.message()), (429, "Too many requests"));
/// drop(a); // the first response went out
/// assert!(conn.try_start().is_ok());
/// assert_eq!(InFlight::default().max(), 10);
/// # Ok::<(), shadow_doc::ShadowError>(())
/// ```
#[derive(Debug, Clone)]
pub struct InFlight {
    counter: Arc<Counter>,
}

#[derive(Debug)]
struct Counter {
    current: AtomicUsize,
    max: usize,
}

/// One request in flight; dropping it ends the request (see [`InFlight`]).
#[derive(Debug)]
#[must_use = "the request counts as in flight only while the guard lives"]
pub struct InFlightGuard {
    counter: Arc<Counter>,
}

impl InFlight {
    /// The service's limit: 10 requests in flight per connection (spec §9).
    pub const DEFAULT_MAX: usize = 10;

    /// A counter allowing `max` requests in flight at once (0 refuses every request).
    #[must_use]
    pub fn new(max: usize) -> Self {
        Self {
            counter: Arc::new(Counter {
                current: AtomicUsize::new(0),
                max,
            }),
        }
    }

    /// Starts one request.
    ///
    /// # Errors
    /// 429 `Too many requests` ([`ShadowError::throttled`]) when `max` requests are already in
    /// flight; add the request's token with [`ShadowError::with_client_token`].
    pub fn try_start(&self) -> Result<InFlightGuard, ShadowError> {
        let max = self.counter.max;
        self.counter
            .current
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n.saturating_add(1))
            })
            .map_err(|_| ShadowError::throttled())?;
        Ok(InFlightGuard {
            counter: Arc::clone(&self.counter),
        })
    }

    /// Requests in flight now.
    #[must_use]
    pub fn current(&self) -> usize {
        self.counter.current.load(Ordering::Acquire)
    }

    /// The limit.
    #[must_use]
    pub fn max(&self) -> usize {
        self.counter.max
    }
}

impl Default for InFlight {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX)
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        // Never below zero: each guard was counted once when it was made.
        let _ = self
            .counter
            .current
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Spec §9: more than 10 in flight on one connection is a 429; finished ones free a slot.
    #[test]
    fn spec_9_eleventh_request_in_flight_is_refused() {
        let conn = InFlight::default();
        let guards: Vec<_> = (0..10).map(|_| conn.try_start().unwrap()).collect();
        assert_eq!(conn.current(), 10);
        assert_eq!(conn.try_start().unwrap_err().code(), 429);
        drop(guards);
        assert_eq!(conn.current(), 0);
        assert!(conn.try_start().is_ok());
        assert!(InFlight::new(0).try_start().is_err());
    }

    #[test]
    fn clones_share_the_count_across_threads() {
        let conn = InFlight::new(4);
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let c = conn.clone();
                std::thread::spawn(move || c.try_start().unwrap())
            })
            .collect();
        let guards: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(conn.current(), 4);
        assert!(conn.try_start().is_err());
        drop(guards);
        assert_eq!(conn.current(), 0);
    }
}
