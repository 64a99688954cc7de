//! `codeartifact-emulator`: serve an inventory file as the CodeArtifact API on 127.0.0.1.

use caguard::inventory::Inventory;
use clap::Parser;
use codeartifact_emulator::{Emulator, Options};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Serve a caguard inventory (format v1) as the AWS CodeArtifact REST-JSON API on 127.0.0.1.
///
/// Point clients at the printed URL, e.g. `aws codeartifact list-domains --endpoint-url URL`
/// (any credentials work; requests must be SigV4-signed). GET /__emulator/stats returns the
/// requests per operation, GET /__emulator/inventory the current state. Stop with Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "codeartifact-emulator", version)]
struct Args {
    /// Inventory file (format v1) to serve; writes change the served state, never the file.
    #[arg(long, value_name = "FILE")]
    inventory: PathBuf,

    /// Port on 127.0.0.1 to listen on; 0 picks a free one. Only loopback is ever bound.
    #[arg(long, value_name = "N", default_value_t = 0)]
    port: u16,

    /// Delay added to every API request, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,

    /// Fraction (0 to 1) of API requests answered 429 ThrottlingException with an integer
    /// Retry-After header.
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = rate)]
    throttle_rate: f64,

    /// Fraction (0 to 1) of the other API requests answered 500 InternalServerException.
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = rate)]
    error_rate: f64,

    /// Answer 403 AccessDeniedException for requests whose resource ARN matches this glob
    /// (`*` matches any run of characters, `/` included). The ARN is the domain's for domain
    /// operations, the repository's (and the package's) for repository and package operations,
    /// the package group's for group operations. Repeatable.
    #[arg(long, value_name = "PATTERN")]
    deny: Vec<String>,

    /// Let this many write requests through, then fail every further write with 500.
    #[arg(long, value_name = "N")]
    fail_writes_after: Option<u64>,

    /// Seed of the fault decisions: the same seed and request order give the same faults.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,

    /// Page size when a request sends no maxResults (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
    page_size: u16,
}

fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("`{text}` is not a number between 0 and 1")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let inventory = match Inventory::load(&args.inventory) {
        Ok(inventory) => inventory,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let options = Options {
        latency: Duration::from_millis(args.latency_ms),
        throttle_rate: args.throttle_rate,
        error_rate: args.error_rate,
        deny: args.deny,
        fail_writes_after: args.fail_writes_after,
        seed: args.seed,
        default_page_size: usize::from(args.page_size),
        ..Options::default()
    };
    let emulator = match Emulator::start_on_port(inventory, options, args.port).await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {error}", args.port);
            return ExitCode::from(1);
        }
    };
    println!(
        "codeartifact-emulator listening on {}",
        emulator.endpoint_url()
    );
    // Scripts wait for this line before they start clients.
    let _ = std::io::stdout().flush();
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {error}");
        return ExitCode::from(1);
    }
    drop(emulator);
    ExitCode::SUCCESS
}
