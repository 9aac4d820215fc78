#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod delta;
mod document;
mod error;
mod inflight;
mod json;
mod limits;
mod merge;
mod name;
mod request;
pub mod scenario;
mod shadow;
mod store;
mod topic;

pub use delta::{Delta, DeltaEntry};
pub use document::{
    DeleteAccepted, DeltaDocument, DocumentsDocument, ErrorDocument, GetAccepted, Metadata,
    NamedShadowList, Object, ResponseState, SharedObject, Snapshot, SnapshotState, UpdateAccepted,
    metadata_for,
};
pub use error::{ErrorKind, ShadowError};
pub use inflight::{InFlight, InFlightGuard};
pub use json::values_equal;
pub use limits::{Config, Limits};
pub use name::{NameError, ShadowKey, ShadowName, ThingName};
pub use request::{Section, UpdateRequest, lenient_client_token};
pub use shadow::{Shadow, UpdateOptions, UpdateOutcome};
pub use store::{MemoryStore, ShadowStore, WriteThrough};
pub use topic::{Operation, ShadowTopic, Suffix, TopicError};
