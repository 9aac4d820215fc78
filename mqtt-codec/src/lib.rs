#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod types;

pub use types::{InvalidValue, ProtocolVersion, QoS};
