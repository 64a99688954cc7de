//! caguard: a supply-chain policy scanner for AWS CodeArtifact.
//!
//! The pipeline is visible in the module tree:
//! `collect` → `inventory` → `facts` → `rules` → `finding` → `report` / `fix`.

pub mod arn;
pub mod cli;
pub mod exit;
pub mod facts;
pub mod finding;
pub mod inventory;

use exit::Outcome;

/// Runs one command and decides how the process ends. Errors are printed here, once.
pub fn run(cli: cli::Cli) -> Outcome {
    match cli.command {
        cli::Command::Facts(args) => match inventory::Inventory::load(&args.inventory) {
            Ok(inventory) => {
                println!("{}", inventory.to_json());
                Outcome::Clean
            }
            Err(error) => {
                eprintln!("error: {error}");
                Outcome::UsageError
            }
        },
    }
}
