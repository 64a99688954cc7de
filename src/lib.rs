//! caguard: a supply-chain policy scanner for AWS CodeArtifact.
//!
//! The pipeline is visible in the module tree:
//! `collect` → `inventory` → `facts` → `rules` → `finding` → `gate` → `report` / `fix`;
//! `commands` is the command line around it.

pub mod app;
pub mod arn;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod events;
pub mod exit;
pub mod facts;
pub mod finding;
pub mod fix;
pub mod gate;
pub mod inventory;
pub mod logging;
pub mod report;
pub mod rules;

pub use commands::run;
