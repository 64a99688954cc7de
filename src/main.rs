use caguard::cli::Cli;
use clap::Parser;
use std::process::ExitCode;

// A scan of a large inventory is millions of small allocations (version strings, names, ARNs);
// mimalloc's size classes waste less per allocation than the system allocator's, and it is
// faster at them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    caguard::run(cli).into()
}
