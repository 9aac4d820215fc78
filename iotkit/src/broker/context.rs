//! Who published a message, for the rules' context functions.
//!
//! Each connection is recorded here once its CONNECT is accepted (and
//! forgotten when it closes), so the rules engine can fill the iot-sql
//! context without taking the broker's state lock:
//!
//! | function | value |
//! |---|---|
//! | `clientid()` | the MQTT client id |
//! | `sourceip()` | the publisher's IP address (IPv4 or IPv6 text) |
//! | `principal()` | the client id (see below) |
//! | `traceid()` | a fresh random UUID (version 4) per message |
//! | `newuuid()` | a fresh random UUID per message |
//!
//! `principal()` in AWS IoT is the identity the connection authenticated
//! with: the X.509 certificate's thumbprint for certificate (mutual TLS)
//! connections, `roleId:sessionName` or the IAM user id for SigV4
//! connections, the principal id returned by a custom authorizer. In the
//! plain-TCP mode there is no credential and policies are attached to client
//! ids, so the client id is the principal. A listener that authenticates
//! clients (certificates) can record another principal with
//! [`Origins::connected`].
//!
//! Messages published by the broker itself (rule actions, wills of
//! connections already gone, shadow answers) have no origin here: their
//! `clientid()` is `n/a` as in iot-sql, `sourceip()` and `principal()`
//! are Undefined.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher as _, Hasher as _};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// Who is behind one connection.
#[derive(Debug)]
pub(crate) struct Origin {
    /// The MQTT client id.
    pub(crate) client_id: String,
    /// The identity the connection authenticated with (`principal()`).
    pub(crate) principal: String,
    /// The peer's address as `sourceip()` returns it (formatted once).
    pub(crate) source_ip: String,
}

/// The origin of every live connection, by connection id.
#[derive(Debug, Default)]
pub(crate) struct Origins {
    map: RwLock<HashMap<u64, Arc<Origin>>>,
}

impl Origins {
    /// Records connection `conn`: `principal` defaults to the client id.
    pub(crate) fn connected(
        &self,
        conn: u64,
        client_id: &str,
        source_ip: IpAddr,
        principal: Option<&str>,
    ) {
        let origin = Origin {
            client_id: client_id.to_owned(),
            principal: principal.unwrap_or(client_id).to_owned(),
            source_ip: source_ip.to_string(),
        };
        self.map
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(conn, Arc::new(origin));
    }

    /// Forgets connection `conn`.
    pub(crate) fn disconnected(&self, conn: u64) {
        self.map
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&conn);
    }

    /// The origin of connection `conn`, if it is live.
    pub(crate) fn get(&self, conn: u64) -> Option<Arc<Origin>> {
        self.map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&conn)
            .cloned()
    }
}

/// 64 unpredictable bits: SipHash with the process's random keys over a counter.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// A random version 4 UUID as 36 lowercase characters (RFC 9562).
pub(crate) fn uuid_v4() -> String {
    let hi = (random_u64() & !0xf000) | 0x4000; // version 4
    let lo = (random_u64() & !(0b11 << 62)) | (0b10 << 62); // variant 10
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// A random number in `[0, 1)` (`rand()`).
pub(crate) fn random_f64() -> f64 {
    // 53 random bits: every double in [0, 1) with that spacing.
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let a = uuid_v4();
        let b = uuid_v4();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "{a}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{a}");
        let r = random_f64();
        assert!((0.0..1.0).contains(&r));
    }

    #[test]
    fn origins_are_recorded_and_forgotten() {
        let o = Origins::default();
        o.connected(7, "dev", IpAddr::from([127, 0, 0, 1]), None);
        let got = o.get(7).unwrap();
        assert_eq!(
            (got.client_id.as_str(), got.principal.as_str()),
            ("dev", "dev")
        );
        o.disconnected(7);
        assert!(o.get(7).is_none());
    }
}
