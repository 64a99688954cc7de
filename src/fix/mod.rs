//! Fixes: planned from findings as data, merged into one action per resource, applied through
//! the write API with a journal, and undone from it.

pub mod apply;
pub mod journal;
pub mod model;
pub mod plan;
pub mod render;
pub mod safety;

pub use model::{Action, Mode, Plan, State, Target};
