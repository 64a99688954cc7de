//! Fixes: planned from findings as data; applied through the write API.

pub mod plan;
