//! Organisation-scale collection benchmark: 8 accounts × a generated world of N packages
//! (default 2,500) behind L ms of latency (default 20), collected as 8 shards in one process
//! (`caguard::collect::shards`, each shard with its own role, rate limiter and concurrency),
//! against one account collected the same way. Per-account limiters should make 8 accounts
//! take about the time of one; one limiter for everything would take 8 times as long. The
//! emulator holds every account to its own 200 requests/s (the documented quota). Prints
//! both wall times and their ratio; exits non-zero when a shard is incomplete or misses data.
//!
//! `nice -n 10 cargo bench --bench org_scale [-- --packages N] [--latency-ms N] [--accounts N]`
//!
//! Nothing but the in-process emulator on 127.0.0.1 is contacted. The collector resolves
//! credentials through the default chain, so the benchmark sets dummy keys and points the
//! shared config files at paths that do not exist before it starts.

use caguard::collect::shards::{self, Fleet};
use caguard::collect::{Options, Source};
use caguard::inventory::Inventory;
use codeartifact_emulator::generate;
use codeartifact_emulator::{Emulator, Options as EmulatorOptions};
use std::process::ExitCode;
use std::time::{Duration, Instant};

struct Args {
    packages: usize,
    latency_ms: u64,
    accounts: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        packages: 2500,
        latency_ms: 20,
        accounts: 8,
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut number = |flag: &str| -> Result<u64, String> {
            let text = words
                .next()
                .ok_or_else(|| format!("{flag} needs a value"))?;
            text.parse()
                .map_err(|_| format!("{flag}: not a number: {text}"))
        };
        match word.as_str() {
            "--bench" => {}
            "--packages" => args.packages = number("--packages")? as usize,
            "--latency-ms" => args.latency_ms = number("--latency-ms")?,
            "--accounts" => args.accounts = number("--accounts")?.clamp(1, 99) as usize,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.packages < generate::MIN_PACKAGES {
        return Err(format!("--packages: at least {}", generate::MIN_PACKAGES));
    }
    Ok(args)
}

/// The generated world, owned by `account`.
fn world_of(packages: usize, account: &str) -> Inventory {
    let text = generate::world(packages)
        .to_json()
        .replace("111122223333", account);
    Inventory::parse(&text, std::path::Path::new("generated")).expect("generated world parses")
}

fn account(index: usize) -> String {
    format!("{:012}", 210000000000u64 + index as u64)
}

struct Run {
    wall: Duration,
    requests: u64,
    packages: usize,
    complete: bool,
}

fn collect(runtime: &tokio::runtime::Runtime, endpoint: &str, accounts: &[String]) -> Run {
    let fleet = Fleet {
        base: Source {
            endpoint_url: Some(endpoint.to_string()),
            ..Source::default()
        },
        role_arn_template: "arn:aws:iam::{account}:role/caguard-reader".to_string(),
        external_id: None,
        session_name: "caguard-bench".to_string(),
        duration: None,
        max_parallel: accounts.len(),
    };
    let list = shards::expand(accounts, &["us-east-1".to_string()], &[]);
    let started = Instant::now();
    let (collected, summary) = runtime
        .block_on(shards::collect(&fleet, &list, &Options::default()))
        .expect("collection starts");
    let wall = started.elapsed();
    Run {
        wall,
        requests: summary.operations.values().map(|s| s.requests).sum(),
        packages: summary.packages,
        complete: collected
            .iter()
            .all(|shard| shard.inventory.errors.is_empty()),
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\nusage: cargo bench --bench org_scale [-- --packages N] [--latency-ms N] [--accounts N]");
            return ExitCode::from(2);
        }
    };
    // Only the in-process emulator: dummy keys, no shared config files, no instance metadata.
    for (key, value) in [
        ("AWS_ACCESS_KEY_ID", "AKIDBENCHBENCH"),
        ("AWS_SECRET_ACCESS_KEY", "bench-secret"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/caguard-bench/config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/caguard-bench/credentials",
        ),
    ] {
        std::env::set_var(key, value);
    }
    for key in [
        "AWS_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_SESSION_TOKEN",
    ] {
        std::env::remove_var(key);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let accounts: Vec<String> = (0..args.accounts).map(account).collect();
    let worlds: Vec<Inventory> = accounts
        .iter()
        .map(|a| world_of(args.packages, a))
        .collect();
    let per_account: usize = worlds[0]
        .domains
        .iter()
        .flat_map(|d| &d.repositories)
        .map(|r| r.packages.len())
        .sum();
    let emulator = runtime
        .block_on(Emulator::start_accounts(
            worlds,
            EmulatorOptions {
                latency: Duration::from_millis(args.latency_ms),
                // Each account's own quota, as the service enforces it: the documented 200/s.
                quota_rps: Some(200.0),
                ..EmulatorOptions::default()
            },
        ))
        .expect("emulator starts");
    let endpoint = emulator.endpoint_url();
    println!(
        "org_scale: {} accounts x {} packages, {} ms latency, a 200/s quota per account, default pacing per shard",
        args.accounts, args.packages, args.latency_ms
    );
    let one = collect(&runtime, &endpoint, &accounts[..1]);
    println!(
        "  1 account : {:>7.2} s, {:>6} requests, {:>6.1} requests/s",
        one.wall.as_secs_f64(),
        one.requests,
        one.requests as f64 / one.wall.as_secs_f64()
    );
    let all = collect(&runtime, &endpoint, &accounts);
    println!(
        "  {} accounts: {:>7.2} s, {:>6} requests, {:>6.1} requests/s",
        args.accounts,
        all.wall.as_secs_f64(),
        all.requests,
        all.requests as f64 / all.wall.as_secs_f64()
    );
    let ratio = all.wall.as_secs_f64() / one.wall.as_secs_f64();
    println!(
        "  wall ratio {} accounts / 1 account: {ratio:.2} (one shared limiter would give about {})",
        args.accounts, args.accounts
    );
    let ok = one.complete
        && all.complete
        && one.packages == per_account
        && all.packages == per_account * args.accounts;
    if !ok {
        eprintln!(
            "org_scale: incomplete or missing data (1 account: {} packages, complete {}; all: {} packages, complete {})",
            one.packages, one.complete, all.packages, all.complete
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
