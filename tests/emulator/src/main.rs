//! `codeartifact-emulator`: serve an inventory file as the CodeArtifact API on 127.0.0.1.

use caguard::inventory::Inventory;
use clap::Parser;
use codeartifact_emulator::{AccountsError, Emulator, Options};
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
    /// Repeat it to serve several accounts: each domain then belongs to its `owner`, and a
    /// caller sees only its own account's domains and what other domains' policies grant it.
    /// With one file every caller sees all of it.
    #[arg(long, value_name = "FILE", required_unless_present = "generate")]
    inventory: Vec<PathBuf>,

    /// Serve a generated world of N packages (at least 25) instead of inventory files: the
    /// deterministic world the tests and benchmarks use.
    #[arg(long, value_name = "N", conflicts_with = "inventory",
          value_parser = clap::value_parser!(u32).range(25..=10_000_000))]
    generate: Option<u32>,

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

    /// Answer STS AssumeRole into this account (12 digits) with 403 AccessDenied. Repeatable.
    #[arg(long, value_name = "ACCOUNT", value_parser = account_id)]
    deny_assume: Vec<String>,

    /// Map a long-term access key id to an account (`KEY=ACCOUNT`); unlisted keys belong to
    /// the first inventory's account, AssumeRole's `ASIA…` keys to the role's. Repeatable.
    #[arg(long, value_name = "KEY=ACCOUNT", value_parser = access_key)]
    access_key: Vec<(String, String)>,

    /// Throttle each account above N requests per second (all operations together), as the
    /// service does above the account's quota [default: no quota].
    #[arg(long, value_name = "N", value_parser = quota_rps)]
    quota_rps: Option<f64>,

    /// Page size when a request sends no maxResults (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
    page_size: u16,

    /// Append every EventBridge event (package version created, updated, deleted; ingestion
    /// through `POST /__emulator/ingest`) to FILE as JSON Lines.
    #[arg(long, value_name = "FILE")]
    events_file: Option<std::path::PathBuf>,

    /// Also POST every event to this loopback URL (http://127.0.0.1:PORT/PATH only).
    #[arg(long, value_name = "URL", value_parser = loopback_url)]
    events_url: Option<String>,
}

fn loopback_url(text: &str) -> Result<String, String> {
    match text.strip_prefix("http://127.0.0.1:") {
        Some(rest)
            if rest
                .split('/')
                .next()
                .is_some_and(|port| port.parse::<u16>().is_ok()) =>
        {
            Ok(text.to_string())
        }
        _ => Err(format!("`{text}` is not an http://127.0.0.1:PORT/ URL")),
    }
}

fn quota_rps(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 1.0 => Ok(value),
        _ => Err(format!(
            "`{text}` is not a number of requests per second (at least 1)"
        )),
    }
}

fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("`{text}` is not a number between 0 and 1")),
    }
}

fn account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_string())
    } else {
        Err(format!("`{text}` is not a 12-digit account id"))
    }
}

fn access_key(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, account)) if !key.is_empty() => Ok((key.to_string(), account_id(account)?)),
        _ => Err(format!("`{text}` is not KEY=ACCOUNT")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut inventories = Vec::new();
    if let Some(packages) = args.generate {
        inventories.push(codeartifact_emulator::generate::world(packages as usize));
    }
    for path in &args.inventory {
        match Inventory::load(path) {
            Ok(inventory) => inventories.push(inventory),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
    }
    let options = Options {
        latency: Duration::from_millis(args.latency_ms),
        throttle_rate: args.throttle_rate,
        error_rate: args.error_rate,
        deny: args.deny,
        fail_writes_after: args.fail_writes_after,
        seed: args.seed,
        default_page_size: usize::from(args.page_size),
        deny_assume: args.deny_assume,
        quota_rps: args.quota_rps,
        access_keys: args.access_key.into_iter().collect(),
        events_file: args.events_file,
        events_url: args.events_url,
        ..Options::default()
    };
    let started = match <[Inventory; 1]>::try_from(inventories) {
        Ok([inventory]) => Emulator::start_on_port(inventory, options, args.port).await,
        Err(inventories) => Emulator::start_accounts_on_port(inventories, options, args.port).await,
    };
    let emulator = match started {
        Ok(emulator) => emulator,
        Err(error) if error.kind() == std::io::ErrorKind::InvalidInput => {
            match error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<AccountsError>())
            {
                Some(clash) => match args.inventory.get(clash.inventory) {
                    Some(path) => eprintln!("error: {}: {}", path.display(), clash.message),
                    None => eprintln!("error: {clash}"),
                },
                None => eprintln!("error: {error}"),
            }
            return ExitCode::from(2);
        }
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
