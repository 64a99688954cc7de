//! Derived facts: the model the rules see.
//!
//! Everything here is computed from an [`Inventory`](crate::inventory::Inventory) alone and is
//! deterministic: package-group association and effective modes, the upstream graph and
//! exposure, version ordering per format, name normalization, resource-policy grants.

mod derive;
pub mod groups;
pub mod model;
pub mod names;
pub mod pattern;
pub mod policy;
pub mod upstream;
pub mod version;

pub use derive::{derive, derive_scopes, Facts, FactsConfig};
