#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod error;
mod filter;
mod index;
mod matching;
mod profile;
mod shared;
mod topic;

pub use error::TopicError;
pub use filter::TopicFilter;
pub use index::CapacityError;
pub use index::deliveries::{Deliveries, Delivery, Subscriber};
pub use index::retained::RetainedIndex;
pub use index::subscriptions::{Match, MatchSlice, SharedGroup, SharedMembers, SubscriptionIndex};
pub use matching::matches;
pub use profile::{AWS_MAX_SLASHES, AWS_MAX_TOPIC_LEN, Profile};
pub use shared::{ProtocolVersion, SHARE_PREFIX, SharedSubscription, SubscribeFilter};
pub use topic::TopicName;

/// Longest topic name or filter MQTT can carry: a UTF-8 string with a
/// two-byte length prefix (MQTT-1.5.3, MQTT-4.7.3-3).
pub const MAX_TOPIC_LEN: usize = 65_535;
