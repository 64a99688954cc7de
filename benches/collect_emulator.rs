//! End-to-end collection benchmark: the production collector (`caguard::collect` with
//! `Options::default()`: adaptive pacing from the documented quotas, retries outside the
//! concurrency permit, `Retry-After` honoured) against the CodeArtifact emulator serving a
//! generated world, in-process on 127.0.0.1, with injected latency and an account quota.
//!
//! Scenarios: the documented quota (200/s) without and with injected faults (10% throttling
//! and 2% 5xx on top of the quota), a lowered (100/s) and a raised (1,000/s) quota, and no
//! quota at all. Each prints the elapsed time against the bound
//! `max(calls / quota, calls × latency / concurrency)`, the rate the pacing ended at against
//! the quota, calls per operation against the documented minimum
//! (`caguard::collect::minimum_calls`), retries, and whether the collected inventory equals
//! the world. Exits non-zero when a run loses data or does not finish within its deadline.
//!
//! `cargo bench --bench collect_emulator [-- --packages N] [--latency-ms N] [--only LABEL]`
//! (defaults: 1,000 packages, 20 ms; `--only` runs the scenarios whose label contains LABEL).
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
    "usage: cargo bench --bench collect_emulator [-- --packages N] [--latency-ms N] [--only LABEL]";

struct Args {
    packages: usize,
    latency_ms: u64,
    only: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        packages: 1000,
        latency_ms: 20,
        only: None,
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
            "--only" => args.only = Some(value("--only")?),
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
    quota: Option<f64>,
    throttle_rate: f64,
    error_rate: f64,
}

const SCENARIOS: [Scenario; 5] = [
    Scenario {
        label: "quota 200/s (documented)",
        quota: Some(200.0),
        throttle_rate: 0.0,
        error_rate: 0.0,
    },
    Scenario {
        label: "quota 200/s + 10% throttling + 2% 5xx",
        quota: Some(200.0),
        throttle_rate: 0.10,
        error_rate: 0.02,
    },
    Scenario {
        label: "quota 100/s (lowered)",
        quota: Some(100.0),
        throttle_rate: 0.0,
        error_rate: 0.0,
    },
    Scenario {
        label: "quota 1000/s (raised)",
        quota: Some(1000.0),
        throttle_rate: 0.0,
        error_rate: 0.0,
    },
    Scenario {
        label: "no quota",
        quota: None,
        throttle_rate: 0.0,
        error_rate: 0.0,
    },
];

/// What one run measured, for the ratios printed at the end.
struct Measured {
    elapsed: Duration,
    bound: Duration,
}

/// Runs one scenario and prints its numbers; `None` when the run could not start, did not
/// finish in time or lost data.
fn run(
    runtime: &tokio::runtime::Runtime,
    world: &Inventory,
    minimum: &BTreeMap<&'static str, u64>,
    latency: Duration,
    scenario: &Scenario,
) -> Option<Measured> {
    let emulator = match runtime.block_on(Emulator::start(
        world.clone(),
        EmulatorOptions {
            throttle_rate: scenario.throttle_rate,
            error_rate: scenario.error_rate,
            seed: 5,
            latency,
            quota_rps: scenario.quota,
            ..EmulatorOptions::default()
        },
    )) {
        Ok(emulator) => emulator,
        Err(error) => {
            println!("  emulator does not start: {error}");
            return None;
        }
    };
    let options = Options::default();
    // The bound: the quota, or the concurrency at this latency, whichever is slower. Faults
    // add retries and Retry-After waits; five times the bound plus a minute is generous and
    // still bounded.
    let total_minimum: u64 = minimum.values().sum();
    let calls = total_minimum as f64;
    let bound = Duration::from_secs_f64(
        (calls / scenario.quota.unwrap_or(f64::INFINITY))
            .max(calls * latency.as_secs_f64() / options.concurrency as f64),
    );
    let deadline = Duration::from_secs(60) + bound * 5;
    let sdk = sdk_config(&emulator.endpoint_url());
    let started = Instant::now();
    let result = runtime
        .block_on(async { tokio::time::timeout(deadline, collect::collect(&sdk, &options)).await });
    let elapsed = started.elapsed();
    let (inventory, summary) = match result {
        Err(_) => {
            println!("  did not finish within {deadline:.0?}: stopped");
            return None;
        }
        Ok(Err(error)) => {
            println!("  collection does not start: {error}");
            return None;
        }
        Ok(Ok(collected)) => collected,
    };
    report(&summary, minimum, &emulator.stats(), elapsed);
    println!(
        "  bound max(calls/quota, calls×latency/concurrency) = {:.2} s; elapsed / bound = {:.3}",
        bound.as_secs_f64(),
        elapsed.as_secs_f64() / bound.as_secs_f64()
    );
    match scenario.quota {
        Some(quota) => println!(
            "  pacing ended at {:.0}/s for listings ({:.3} × the quota of {quota:.0}/s), {:.0}/s for other reads; {} requests over the quota",
            summary.listing_rps,
            summary.listing_rps / quota,
            summary.read_rps,
            emulator.over_quota()
        ),
        None => println!(
            "  pacing ended at {:.0}/s for listings, {:.0}/s for other reads",
            summary.listing_rps, summary.read_rps
        ),
    }
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
    equal.then_some(Measured { elapsed, bound })
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
    // `CAGUARD_BENCH_TRACE=1`: the pacing's decisions on stderr, with their time, to see how
    // the rate moved during a scenario.
    if std::env::var_os("CAGUARD_BENCH_TRACE").is_some() {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(tracing::Level::DEBUG)
            .with_timer(tracing_subscriber::fmt::time::uptime())
            .init();
    }
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
         emulator latency {} ms; collector defaults: concurrency {}, reads from {}/s, \
         listings from {}/s, no ceiling",
        args.packages,
        minimum.values().sum::<u64>(),
        args.latency_ms,
        defaults.concurrency,
        defaults.read_rps,
        defaults.listing_rps,
    );
    let mut ok = true;
    let mut measured = BTreeMap::new();
    for scenario in &SCENARIOS {
        if args
            .only
            .as_deref()
            .is_some_and(|only| !scenario.label.contains(only))
        {
            continue;
        }
        println!("\n{}:", scenario.label);
        match run(&runtime, &world, &minimum, latency, scenario) {
            Some(run) => {
                measured.insert(scenario.label, run);
            }
            None => ok = false,
        }
    }
    if let (Some(clean), Some(faults)) = (
        measured.get(SCENARIOS[0].label),
        measured.get(SCENARIOS[1].label),
    ) {
        println!(
            "\nwith faults / without: {:.3} ({:.2} s / {:.2} s; bound {:.2} s)",
            faults.elapsed.as_secs_f64() / clean.elapsed.as_secs_f64(),
            faults.elapsed.as_secs_f64(),
            clean.elapsed.as_secs_f64(),
            clean.bound.as_secs_f64()
        );
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
