//! End-to-end collection benchmark: the production collector (`caguard::collect` with
//! `Options::default()`: quota pacing, SDK backoff from 1 s, `Retry-After` honoured) against
//! the CodeArtifact emulator serving a generated world, in-process on 127.0.0.1, with injected
//! latency. Two runs, one without faults and one with 10% throttling + 2% 5xx; each prints the
//! elapsed time, requests per second, calls per operation against the documented minimum
//! (`caguard::collect::minimum_calls`), retries, and whether the collected inventory equals the
//! world. Exits non-zero when a run loses data or does not finish within its deadline.
//!
//! `cargo bench --bench collect_emulator [-- --packages N] [--latency-ms N]`
//! (defaults: 2,500 packages, 20 ms).
//!
//! Nothing is read from the AWS configuration and nothing but 127.0.0.1 is contacted: the SDK
//! gets a hand-built `SdkConfig` with static dummy credentials and the emulator's endpoint.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_codeartifact::config::{Credentials, SharedCredentialsProvider};
use caguard::collect::{self, Op, Options, Summary};
use caguard::inventory::Inventory;
use codeartifact_emulator::generate::{self, without_group_details};
use codeartifact_emulator::{Emulator, Options as EmulatorOptions};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: cargo bench --bench collect_emulator [-- --packages N] [--latency-ms N]";

struct Args {
    packages: usize,
    latency_ms: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        packages: 2500,
        latency_ms: 20,
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (word, None),
        };
        let mut value = |flag: &str| {
            inline
                .clone()
                .or_else(|| words.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "--packages" => {
                let text = value("--packages")?;
                args.packages = text
                    .parse()
                    .map_err(|_| format!("--packages: not a number: {text}"))?;
                if args.packages < generate::MIN_PACKAGES {
                    return Err(format!(
                        "--packages: at least {}, not {}",
                        generate::MIN_PACKAGES,
                        args.packages
                    ));
                }
            }
            "--latency-ms" => {
                let text = value("--latency-ms")?;
                args.latency_ms = text
                    .parse()
                    .map_err(|_| format!("--latency-ms: not a number: {text}"))?;
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}

/// Static dummy credentials and the emulator's endpoint: nothing from the environment.
fn sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDTESTTESTTEST",
            "test-secret",
            None,
            None,
            "bench",
        )))
        .build()
}

struct Scenario {
    label: &'static str,
    throttle_rate: f64,
    error_rate: f64,
}

const SCENARIOS: [Scenario; 2] = [
    Scenario {
        label: "no faults",
        throttle_rate: 0.0,
        error_rate: 0.0,
    },
    Scenario {
        label: "10% throttling + 2% 5xx",
        throttle_rate: 0.10,
        error_rate: 0.02,
    },
];

/// Runs one scenario and prints its numbers; true when the collected inventory equals the
/// world (false too when the run could not start or did not finish in time).
fn run(
    runtime: &tokio::runtime::Runtime,
    world: &Inventory,
    minimum: &BTreeMap<&'static str, u64>,
    latency: Duration,
    scenario: &Scenario,
) -> bool {
    let emulator = match runtime.block_on(Emulator::start(
        world.clone(),
        EmulatorOptions {
            throttle_rate: scenario.throttle_rate,
            error_rate: scenario.error_rate,
            seed: 5,
            latency,
            ..EmulatorOptions::default()
        },
    )) {
        Ok(emulator) => emulator,
        Err(error) => {
            println!("  emulator does not start: {error}");
            return false;
        }
    };
    let options = Options::default();
    // At the pacing limit the run takes about calls / max_rps; faults add backoff and
    // Retry-After waits. Five times that plus a minute is generous and still bounded.
    let total_minimum: u64 = minimum.values().sum();
    let deadline = Duration::from_secs_f64(60.0 + 5.0 * total_minimum as f64 / options.max_rps);
    let sdk = sdk_config(&emulator.endpoint_url());
    let started = Instant::now();
    let result = runtime
        .block_on(async { tokio::time::timeout(deadline, collect::collect(&sdk, &options)).await });
    let elapsed = started.elapsed();
    let (inventory, summary) = match result {
        Err(_) => {
            println!("  did not finish within {deadline:.0?}: stopped");
            return false;
        }
        Ok(Err(error)) => {
            println!("  collection does not start: {error}");
            return false;
        }
        Ok(Ok(collected)) => collected,
    };
    report(&summary, minimum, &emulator.stats(), elapsed);
    let equal = inventory.errors.is_empty()
        && without_group_details(&inventory) == without_group_details(world);
    println!(
        "  collected inventory equals the world: {}{}",
        if equal { "yes" } else { "NO" },
        if inventory.errors.is_empty() {
            String::new()
        } else {
            format!(" ({} collection errors)", inventory.errors.len())
        }
    );
    equal
}

fn report(
    summary: &Summary,
    minimum: &BTreeMap<&'static str, u64>,
    emulator: &BTreeMap<String, u64>,
    elapsed: Duration,
) {
    let seconds = elapsed.as_secs_f64();
    let requests = summary.total_requests();
    println!(
        "  elapsed {seconds:.2} s, {requests} requests, {:.1} requests/s",
        requests as f64 / seconds
    );
    println!(
        "  {:<34} {:>8} {:>8} {:>9} {:>9}",
        "operation", "minimum", "calls", "requests", "emulator"
    );
    let mut totals = [0u64; 4];
    for name in Op::ALL.map(Op::name) {
        let stats = summary.operations.get(name).cloned().unwrap_or_default();
        let row = [
            minimum.get(name).copied().unwrap_or(0),
            stats.calls,
            stats.requests,
            emulator.get(name).copied().unwrap_or(0),
        ];
        if row.iter().all(|&n| n == 0) {
            continue;
        }
        for (total, n) in totals.iter_mut().zip(row) {
            *total += n;
        }
        println!(
            "  {name:<34} {:>8} {:>8} {:>9} {:>9}",
            row[0], row[1], row[2], row[3]
        );
    }
    println!(
        "  {:<34} {:>8} {:>8} {:>9} {:>9}",
        "total", totals[0], totals[1], totals[2], totals[3]
    );
    let unknown: u64 = emulator
        .iter()
        .filter(|(name, _)| !Op::ALL.iter().any(|op| op.name() == name.as_str()))
        .map(|(_, n)| n)
        .sum();
    println!(
        "  calls over the minimum: {}; retries: {} (throttled answers: {}, server errors: {}); failed calls: {}{}",
        totals[1] as i64 - totals[0] as i64,
        summary.retries,
        summary.throttled,
        summary.server_errors,
        summary.errors,
        if unknown > 0 {
            format!("; {unknown} requests for other operations")
        } else {
            String::new()
        }
    );
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("collect_emulator: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("collect_emulator: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let world = generate::world(args.packages);
    let minimum = collect::minimum_calls(&world, true);
    let versions: usize = world
        .domains
        .iter()
        .flat_map(|d| &d.repositories)
        .flat_map(|r| &r.packages)
        .map(|p| p.versions.len())
        .sum();
    let latency = Duration::from_millis(args.latency_ms);
    let defaults = Options::default();
    println!(
        "generated world: {} packages, {versions} versions, {} calls at the minimum; \
         emulator latency {} ms; collector defaults: concurrency {}, max {} requests/s",
        args.packages,
        minimum.values().sum::<u64>(),
        args.latency_ms,
        defaults.concurrency,
        defaults.max_rps
    );
    let mut ok = true;
    for scenario in &SCENARIOS {
        println!("\n{}:", scenario.label);
        ok &= run(&runtime, &world, &minimum, latency, scenario);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
