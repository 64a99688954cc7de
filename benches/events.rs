//! Event-driven scanning benchmark: the production event handler
//! (`caguard::events::handler::Handler`, as `caguard scan --event` and `caguard-lambda` run it)
//! against the emulator with injected API latency, in-process on 127.0.0.1.
//!
//! The world is `tests/data/events/world.json` with N internal npm packages in `app`; each gets
//! a public version ingested through `app` (two events: ingested in `npm-store`, retained in
//! `app`). Printed: the latency from one event to its findings (a warm handler, one event per
//! call, as a Lambda invocation from EventBridge), events per second for SQS-sized batches of 10
//! and for one batch of all events, API calls per event against the documented formula
//! (`caguard::collect::targeted::minimum_calls`), and whether every package got its findings.
//!
//! `cargo bench --bench events [-- --packages N] [--latency-ms N]` (defaults: 200, 20 ms).

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_codeartifact::config::{Credentials, SharedCredentialsProvider};
use caguard::collect::targeted::{PendingPolicy, Session};
use caguard::config::{Config, Date};
use caguard::events::handler::{Handler, HandlerOptions};
use caguard::inventory::Inventory;
use caguard::rules::RuleSet;
use codeartifact_emulator::events::IngestRequest;
use codeartifact_emulator::{Emulator, Options as EmulatorOptions};
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const TODAY: Date = Date {
    year: 2026,
    month: 11,
    day: 21,
};

fn parse_args() -> Result<(usize, u64), String> {
    let (mut packages, mut latency) = (200usize, 20u64);
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        match word.as_str() {
            "--bench" => {}
            "--packages" => {
                packages = words
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--packages needs a positive number")?
            }
            "--latency-ms" => {
                latency = words
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--latency-ms needs a number")?
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok((packages, latency))
}

/// The events world with `count` internal packages (`acme/pkg-0000`...) in `app`.
fn world(count: usize) -> Inventory {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inventory =
        Inventory::load(&root.join("tests/data/events/world.json")).expect("events world");
    let app = inventory.domains[0]
        .repositories
        .iter_mut()
        .find(|r| r.repository.name.as_deref() == Some("app"))
        .expect("app");
    let template = app
        .packages
        .iter()
        .find(|p| p.package.package.as_deref() == Some("ui-button"))
        .expect("ui-button")
        .clone();
    for index in 0..count {
        let mut package = template.clone();
        package.package.package = Some(format!("pkg-{index:04}"));
        app.packages.push(package);
    }
    inventory.collected_at = Some(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default(),
    );
    inventory
}

fn sdk(endpoint: &str) -> SdkConfig {
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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() -> ExitCode {
    let (packages, latency_ms) = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!(
                "{error}\nusage: cargo bench --bench events [-- --packages N] [--latency-ms N]"
            );
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(packages, latency_ms))
}

async fn run(packages: usize, latency_ms: u64) -> ExitCode {
    let context = world(packages);
    let emulator = Emulator::start(
        context.clone(),
        EmulatorOptions {
            latency: Duration::from_millis(latency_ms),
            ..EmulatorOptions::default()
        },
    )
    .await
    .expect("emulator");
    let mut events: Vec<Value> = Vec::new();
    for index in 0..packages {
        events.extend(
            emulator
                .ingest(&IngestRequest {
                    domain: Some("acme".into()),
                    repository: "app".into(),
                    format: "npm".into(),
                    namespace: Some("acme".into()),
                    package: format!("pkg-{index:04}"),
                    version: "99.0.0".into(),
                })
                .expect("ingested"),
        );
    }
    let config = Config::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/events/caguard.toml"
    )))
    .expect("config");
    let rules = RuleSet::load(&[]).expect("rules");
    let session = Session::connect(
        &sdk(&emulator.endpoint_url()),
        &caguard::collect::Options::default(),
    )
    .await
    .expect("session");
    let mut handler = Handler::new(
        session,
        config,
        rules,
        None,
        Some(context),
        HandlerOptions {
            context_max_age: Duration::from_secs(3600),
            pending: PendingPolicy::default(),
        },
    );
    let state = emulator.inventory();
    let domain = &state.domains[0];
    let formula: u64 = events
        .iter()
        .filter_map(|e| caguard::events::event(e).ok())
        .map(|event| {
            let key = event.target_key();
            let reach = caguard::events::evaluate::reach(domain, &key.repository).expect("reach");
            caguard::collect::targeted::minimum_calls(domain, &key, &reach)
        })
        .sum();
    println!(
        "events: {} ({} packages × 2), API latency {latency_ms} ms, {} CPU(s)",
        events.len(),
        packages,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let mut failed = false;
    let handle =
        |batch: Vec<Value>| caguard::events::batch(caguard::events::entries(&Value::from(batch)));

    // 1. Latency: one event per call, `app` events only (the consumer's view), 30 samples.
    let app_events: Vec<Value> = events
        .iter()
        .filter(|e| e["detail"]["repositoryName"] == "app")
        .take(30)
        .cloned()
        .collect();
    let mut latencies = Vec::new();
    for event in &app_events {
        let batch = handle(vec![event.clone()]);
        let started = Instant::now();
        let outcomes = handler.handle(&batch, TODAY).await.expect("handled");
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let found = outcomes
            .iter()
            .flat_map(|o| &o.result.findings)
            .any(|f| f.rule_id == "external-version-outranks-internal");
        failed |= !found;
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    println!(
        "event → finding (one event per call): median {:.1} ms, p90 {:.1} ms, max {:.1} ms ({} samples; {:.1} round trips of {latency_ms} ms)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 1.0),
        latencies.len(),
        percentile(&latencies, 0.5) / latency_ms.max(1) as f64
    );

    // 2. Throughput: batches of 10 (SQS's default batch size), then everything in one batch.
    for size in [10usize, events.len()] {
        let before: u64 = emulator.stats().values().sum();
        let started = Instant::now();
        let mut findings = 0usize;
        for chunk in events.chunks(size) {
            let outcomes = handler
                .handle(&handle(chunk.to_vec()), TODAY)
                .await
                .expect("handled");
            findings += outcomes
                .iter()
                .map(|o| o.result.findings.len())
                .sum::<usize>();
            failed |= outcomes.iter().any(|o| o.status() != "complete");
        }
        let elapsed = started.elapsed().as_secs_f64();
        let calls: u64 = emulator.stats().values().sum::<u64>() - before;
        println!(
            "batches of {size:>4}: {:>7.1} events/s ({:.2} s for {} events), {calls} API calls = {:.2} per event (formula {formula}: {}), {findings} findings",
            events.len() as f64 / elapsed,
            elapsed,
            events.len(),
            calls as f64 / events.len() as f64,
            if calls == formula { "equal" } else { "DIFFERENT" }
        );
        failed |= calls != formula;
    }
    if failed {
        eprintln!("FAILED: a package lacked its finding, an outcome was not complete, or calls differ from the formula");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
