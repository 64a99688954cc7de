//! Command-line interface (clap derive).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Supply-chain policy scanner for AWS CodeArtifact.
///
/// Finds dependency-substitution risk and upstream exposure in CodeArtifact domains, from a live
/// account or from an inventory file.
#[derive(Debug, Parser)]
#[command(name = "caguard", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the derived facts (group association, effective modes, exposure, version origins)
    /// as JSON: the tool a rule author uses to see why something is or is not exposed.
    Facts(FactsArgs),
}

/// Arguments of `caguard facts`.
#[derive(Debug, Args)]
pub struct FactsArgs {
    /// Inventory file (format v1) to read.
    #[arg(long, value_name = "FILE")]
    pub inventory: PathBuf,
}
