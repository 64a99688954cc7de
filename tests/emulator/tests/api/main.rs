//! Integration tests: the real `aws-sdk-codeartifact` against the emulator.
//!
//! One test binary (modules below) so the SDK is linked once.

mod accounts;
mod all_operations;
mod auth;
mod binary;
mod control;
mod errors;
mod groups;
mod paging;
mod reads;
mod validation;
mod world;
mod writes;
