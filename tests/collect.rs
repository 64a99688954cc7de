//! The live collector against the CodeArtifact emulator (in-process, 127.0.0.1, port 0):
//! fidelity, fault tolerance, partial failure, and the number of calls.
//!
//! No real AWS configuration is ever read: in-process collections get a hand-built
//! `SdkConfig` with static credentials, and child processes run with a cleared environment
//! holding only dummy credentials and paths to config files that do not exist.

mod common;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_codeartifact::config::{Credentials, SharedCredentialsProvider};
use caguard::collect::{self, Options, Summary};
use caguard::config::Config;
use caguard::exit::Outcome;
use caguard::gate::{self, FailOn};
use caguard::inventory::*;
use caguard::rules::RuleSet;
use codeartifact_emulator::generate::{self, normalize, without_group_details};
use codeartifact_emulator::{Emulator, EmulatorHandle, Options as EmulatorOptions};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const DEMO: &str = "fixtures/demo/acme.json";
const DEMO_CONFIG: &str = "fixtures/demo/caguard.toml";
const LEGACY_ARN: &str = "arn:aws:codeartifact:us-east-1:111122223333:repository/acme/legacy";

fn demo() -> Inventory {
    Inventory::load(&common::root().join(DEMO)).expect("demo inventory")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn start(
    runtime: &tokio::runtime::Runtime,
    inventory: Inventory,
    options: EmulatorOptions,
) -> EmulatorHandle {
    runtime
        .block_on(Emulator::start(inventory, options))
        .expect("emulator starts")
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
            "tests",
        )))
        .build()
}

/// Fast retries so injected faults cost milliseconds, not the production backoff.
fn fast_options() -> Options {
    Options {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
        max_retry_after: Duration::from_millis(20),
        ..Options::default()
    }
}

fn collect_with(
    runtime: &tokio::runtime::Runtime,
    endpoint: &str,
    options: &Options,
) -> (Inventory, Summary) {
    runtime
        .block_on(collect::collect(&sdk_config(endpoint), options))
        .expect("collection starts")
}

fn assert_same_inventory(collected: &Inventory, expected: &Inventory) {
    let (collected, expected) = (normalize(collected), normalize(expected));
    if collected != expected {
        // Pinpoint the first difference instead of dumping two large documents.
        let (a, b) = (collected.to_json(), expected.to_json());
        let line = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        let context = |text: &str| {
            text.lines()
                .skip(line.saturating_sub(8))
                .take(16)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "collected inventory differs from the expected one near line {line}\n--- collected\n{}\n--- expected\n{}",
            context(&a),
            context(&b)
        );
    }
}

fn u64_map(map: &BTreeMap<&'static str, u64>) -> BTreeMap<String, u64> {
    map.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn summary_calls(summary: &Summary) -> BTreeMap<String, u64> {
    summary
        .operations
        .iter()
        .filter(|(_, stats)| stats.calls > 0)
        .map(|(name, stats)| (name.to_string(), stats.calls))
        .collect()
}

fn scan_outcome(inventory: &Inventory, fail_on: FailOn) -> (Outcome, BTreeSet<(String, String)>) {
    let config = Config::load(&common::root().join(DEMO_CONFIG)).expect("demo config");
    let rules = RuleSet::load(&[]).expect("built-in rules");
    let result =
        caguard::app::scan(inventory, None, &config, &rules, None, common::TODAY).expect("scan");
    let findings = result
        .findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.resource.arn.clone()))
        .collect();
    (
        gate::outcome(&result.findings, fail_on, !result.complete()),
        findings,
    )
}

// ---------------------------------------------------------------------------------------------
// 1. Fidelity

#[test]
fn demo_world_collects_to_the_same_inventory_with_the_minimum_calls() {
    let runtime = runtime();
    let expected = demo();
    let emulator = start(&runtime, expected.clone(), EmulatorOptions::default());
    let (inventory, summary) = collect_with(&runtime, &emulator.endpoint_url(), &fast_options());

    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    assert_eq!(inventory.region.as_deref(), Some("us-east-1"));
    assert_same_inventory(&inventory, &expected);

    // 4. Every call counted by the emulator is one the formula predicts, and no more.
    let minimum = u64_map(&collect::minimum_calls(&expected, true));
    assert_eq!(
        emulator.stats(),
        minimum,
        "emulator counters vs documented minimum"
    );
    assert_eq!(summary_calls(&summary), minimum);
    assert_eq!(summary.retries, 0);
    assert_eq!(summary.total_requests(), minimum.values().sum::<u64>());
    assert_eq!((summary.packages, summary.versions), (80, 112));
}

#[test]
fn domain_and_repository_scope_flags_limit_the_calls() {
    let runtime = runtime();
    let emulator = start(&runtime, demo(), EmulatorOptions::default());
    let options = Options {
        domains: vec!["acme".into()],
        repositories: vec!["internal".into(), "web".into()],
        ..fast_options()
    };
    let (inventory, _) = collect_with(&runtime, &emulator.endpoint_url(), &options);
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    let names: Vec<_> = inventory.domains[0]
        .repositories
        .iter()
        .filter_map(|r| r.repository.name.clone())
        .collect();
    assert_eq!(
        names,
        ["internal", "web"],
        "listing order kept, filter applied"
    );
    let stats = emulator.stats();
    assert_eq!(
        stats.get("ListDomains"),
        None,
        "--domain needs no ListDomains"
    );
    assert_eq!(stats["DescribeRepository"], 2);
    assert_eq!(stats["ListPackages"], 2);
    assert_eq!(stats["ListPackageVersions"], 14 + 4);

    // A filter naming a repository no domain has is an error, not a silently empty scan.
    let options = Options {
        repositories: vec!["no-such-repository".into()],
        ..fast_options()
    };
    let (inventory, _) = collect_with(&runtime, &emulator.endpoint_url(), &options);
    assert_eq!(inventory.errors.len(), 1, "{:?}", inventory.errors);
    assert_eq!(inventory.errors[0].code, "ResourceNotFoundException");
}

/// Environment for a child `caguard`: dummy credentials, no AWS config files, no IMDS.
fn isolated(command: &mut Command) -> &mut Command {
    command
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", "AKIDTESTTESTTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_CONFIG_FILE", "/nonexistent/caguard-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/caguard-test/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", "/nonexistent/caguard-test")
        .current_dir(common::root())
}

/// Runs the caguard binary isolated from any AWS setup; returns (exit code, stdout, stderr).
fn caguard(args: &[&str]) -> (i32, String, String) {
    let output = isolated(&mut Command::new(env!("CARGO_BIN_EXE_caguard")))
        .args(args)
        .output()
        .expect("caguard runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caguard-collect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn report_findings(stdout: &str) -> (serde_json::Value, BTreeSet<(String, String)>) {
    let report: serde_json::Value = serde_json::from_str(stdout).expect("JSON report");
    let findings = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap_or_default().to_string(),
                f["resource"]["arn"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    (report, findings)
}

#[test]
fn binary_collects_and_scans_the_emulator_like_the_file() {
    let runtime = runtime();
    let emulator = start(&runtime, demo(), EmulatorOptions::default());
    let endpoint = emulator.endpoint_url();
    let output = temp_path("collected.json");
    let output_arg = output.display().to_string();

    let (code, stdout, stderr) = caguard(&[
        "collect",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--output",
        &output_arg,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    for needle in [
        "ListPackageVersions",
        "retries: 0",
        "failed calls: 0",
        "requests/s",
    ] {
        assert!(stderr.contains(needle), "summary lacks {needle}: {stderr}");
    }
    assert!(!stderr.contains("test-secret"), "credentials never printed");
    let collected = Inventory::load(&output).expect("collect writes an inventory v1");
    assert_same_inventory(&collected, &demo());

    let live_args = [
        "scan",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
    ];
    let (live_code, live_out, live_err) = caguard(&live_args);
    let (file_code, file_out, file_err) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
    ]);
    assert_eq!(file_code, 1, "{file_err}");
    assert_eq!(live_code, file_code, "{live_err}");
    let (live_report, live_findings) = report_findings(&live_out);
    let (_, file_findings) = report_findings(&file_out);
    assert!(!file_findings.is_empty());
    assert_eq!(live_findings, file_findings);
    assert_eq!(live_report["scan"]["source"], "live");
    assert_eq!(live_report["scan"]["complete"], true);

    // `--inventory` and live-collection flags exclude each other.
    let (code, _, stderr) = caguard(&["scan", "--inventory", DEMO, "--endpoint-url", &endpoint]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn binary_without_region_or_credentials_fails_with_a_usage_error() {
    let output = isolated(&mut Command::new(env!("CARGO_BIN_EXE_caguard")))
        .args(["collect", "--endpoint-url", "http://127.0.0.1:9"])
        .output()
        .expect("caguard runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no AWS region"));

    let output = Command::new(env!("CARGO_BIN_EXE_caguard"))
        .env_clear()
        .env("AWS_CONFIG_FILE", "/nonexistent/caguard-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/caguard-test/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args([
            "collect",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--region",
            "us-east-1",
        ])
        .output()
        .expect("caguard runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no usable AWS credentials"), "{stderr}");
    // Two lines: what was tried, and what to do; no SDK structures.
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(stderr.contains("aws sso login") && stderr.contains("AWS_PROFILE"));
    assert!(!stderr.contains('{'), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// 2. Faults

#[test]
fn throttling_and_server_errors_lose_nothing() {
    let runtime = runtime();
    let expected = demo();
    let (clean_outcome, clean_findings) = scan_outcome(&expected, FailOn::High);
    for seed in [1, 2, 3] {
        let emulator = start(
            &runtime,
            expected.clone(),
            EmulatorOptions {
                throttle_rate: 0.10,
                error_rate: 0.02,
                seed,
                ..EmulatorOptions::default()
            },
        );
        let (inventory, summary) =
            collect_with(&runtime, &emulator.endpoint_url(), &fast_options());
        assert!(
            inventory.errors.is_empty(),
            "seed {seed}: {:?}",
            inventory.errors
        );
        assert_same_inventory(&inventory, &expected);
        assert!(summary.retries > 0, "seed {seed}: faults were injected");
        assert!(summary.throttled > 0, "seed {seed}");
        // Retries are the only extra requests: logical calls stay at the minimum.
        assert_eq!(
            summary_calls(&summary),
            u64_map(&collect::minimum_calls(&expected, true))
        );
        let requests: u64 = emulator.stats().values().sum();
        assert_eq!(
            requests,
            summary.total_requests(),
            "seed {seed}: every request counted"
        );
        let (outcome, findings) = scan_outcome(&inventory, FailOn::High);
        assert_eq!(outcome, clean_outcome, "seed {seed}");
        assert_eq!(findings, clean_findings, "seed {seed}");
    }
}

#[test]
fn throttled_call_honours_retry_after() {
    // One SDK attempt, so every throttle surfaces to the outer layer, which must wait and
    // retry; the Retry-After of 1 s is capped at 20 ms by the options.
    let runtime = runtime();
    let expected = demo();
    let emulator = start(
        &runtime,
        expected.clone(),
        EmulatorOptions {
            throttle_rate: 0.10,
            seed: 7,
            retry_after_seconds: 1,
            ..EmulatorOptions::default()
        },
    );
    let options = fast_options();
    let started = Instant::now();
    let (inventory, summary) = collect_with(&runtime, &emulator.endpoint_url(), &options);
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    assert_same_inventory(&inventory, &expected);
    assert!(summary.throttled > 0 && summary.retries == summary.throttled);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "Retry-After was capped"
    );
}

#[test]
fn binary_exit_code_is_unchanged_by_faults() {
    let runtime = runtime();
    let emulator = start(
        &runtime,
        demo(),
        EmulatorOptions {
            throttle_rate: 0.10,
            error_rate: 0.02,
            seed: 11,
            ..EmulatorOptions::default()
        },
    );
    let endpoint = emulator.endpoint_url();
    let (code, stdout, stderr) = caguard(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--retry-backoff-ms",
        "5",
        "--max-retry-after",
        "0.02",
    ]);
    let (file_code, file_out, _) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
    ]);
    assert_eq!(code, file_code, "{stderr}");
    assert_eq!(report_findings(&stdout).1, report_findings(&file_out).1);
    assert!(
        !stderr.contains("retries: 0 "),
        "faults were retried: {stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. AccessDenied on one repository

#[test]
fn access_denied_on_one_repository_keeps_the_others_complete() {
    let runtime = runtime();
    let emulator = start(
        &runtime,
        demo(),
        EmulatorOptions {
            deny: vec!["*:repository/acme/legacy".into()],
            ..EmulatorOptions::default()
        },
    );
    let (inventory, _) = collect_with(&runtime, &emulator.endpoint_url(), &fast_options());
    assert_eq!(
        inventory.errors,
        vec![CollectionError {
            operation: "DescribeRepository".into(),
            resource: LEGACY_ARN.into(),
            code: "AccessDeniedException".into(),
            message: inventory
                .errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default(),
        }]
    );
    assert!(inventory.errors[0].message.contains("not authorized"));
    // Everything else is exactly the demo world without `legacy`.
    let mut expected = demo();
    expected.domains[0]
        .repositories
        .retain(|r| r.repository.name.as_deref() != Some("legacy"));
    expected.errors = inventory.errors.clone();
    assert_same_inventory(&inventory, &expected);

    // The scan says so and exits 3 when nothing else fails the gate.
    let endpoint = emulator.endpoint_url();
    let scan = |format: &'static str, fail_on: &'static str| {
        caguard(&[
            "scan",
            "--endpoint-url",
            &endpoint,
            "--region",
            "us-east-1",
            "--config",
            DEMO_CONFIG,
            "--format",
            format,
            "--fail-on",
            fail_on,
        ])
    };
    let (code, stdout, stderr) = scan("json", "none");
    assert_eq!(code, 3, "{stderr}");
    let (report, _) = report_findings(&stdout);
    assert_eq!(report["scan"]["complete"], false);
    assert_eq!(report["collectionErrors"][0]["resource"], LEGACY_ARN);
    assert!(stderr.contains("failed calls: 1"), "{stderr}");
    let (code, text, _) = scan("text", "none");
    assert_eq!(code, 3);
    assert!(text.contains("INCOMPLETE"), "{text}");
    // A failed gate still wins over an incomplete collection.
    let (code, _, _) = scan("json", "high");
    assert_eq!(code, 1);

    let output = temp_path("partial.json");
    let output_arg = output.display().to_string();
    let (code, _, stderr) = caguard(&[
        "collect",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "-o",
        &output_arg,
        "-q",
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(Inventory::load(&output).expect("inventory").is_incomplete());
}

// ---------------------------------------------------------------------------------------------
// 4. Call counts on a large generated world

#[test]
fn generated_world_of_2500_packages_takes_exactly_the_documented_calls() {
    let world = generate::world(2500);
    let packages: usize = world
        .domains
        .iter()
        .flat_map(|d| &d.repositories)
        .map(|r| r.packages.len())
        .sum();
    assert_eq!(packages, 2500);
    let runtime = runtime();
    let emulator = start(&runtime, world.clone(), EmulatorOptions::default());
    // The documented-quota start (200/s) would make this ~13 s; pacing has its own tests.
    let options = Options {
        read_rps: 10_000.0,
        listing_rps: 10_000.0,
        ..fast_options()
    };
    let (inventory, summary) = collect_with(&runtime, &emulator.endpoint_url(), &options);
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);

    let minimum = collect::minimum_calls(&world, true);
    // Spelled out once, so the formula itself is checked and not only its implementation:
    // ListPackages 2 (store) + 2 (app) + 1 (lib) + 1 (empty) + 1 (small); ListPackageVersions
    // one per package plus one extra page for the 1,500-version package.
    assert_eq!(minimum["ListPackages"], 7);
    assert_eq!(minimum["ListPackageVersions"], 2501);
    assert_eq!(minimum["ListAllowedRepositoriesForGroup"], 2);
    assert_eq!(minimum["DescribeRepository"], 5);
    assert_eq!(minimum["ListDomains"], 1);
    assert_eq!(
        emulator.stats(),
        u64_map(&minimum),
        "emulator counters vs documented minimum"
    );
    assert_eq!(summary_calls(&summary), u64_map(&minimum));
    assert_eq!(summary.packages, 2500);

    // The data itself: repositories, packages and versions (in the service's order), and the
    // groups' allowed lists. The groups' computed members are the emulator's business.
    assert_eq!(
        without_group_details(&inventory),
        without_group_details(&world)
    );
    let monolith = &inventory.domains[0].repositories[1].packages[0];
    assert_eq!(monolith.versions.len(), 1500);
    assert_eq!(
        monolith.versions, world.domains[0].repositories[1].packages[0].versions,
        "version order kept"
    );
}

#[test]
fn max_rps_is_a_ceiling_the_pacing_never_exceeds() {
    // 114 evenly spaced calls at 150/s take at least 113 / 150 s, although the pacing would
    // start at 200/s and grow.
    let runtime = runtime();
    let emulator = start(&runtime, demo(), EmulatorOptions::default());
    let options = Options {
        max_rps: 150.0,
        ..fast_options()
    };
    let started = Instant::now();
    let (inventory, summary) = collect_with(&runtime, &emulator.endpoint_url(), &options);
    let elapsed = started.elapsed();
    assert!(inventory.errors.is_empty());
    let calls = summary.total_requests() as f64;
    assert!(
        elapsed.as_secs_f64() >= (calls - 1.0) / 150.0,
        "{elapsed:?} for {calls} calls"
    );
    assert!(summary.listing_rps <= 150.0 && summary.read_rps <= 150.0);
}

#[test]
fn over_the_emulator_quota_the_pacing_slows_down_and_nothing_is_lost() {
    // A quota of 40 requests/s, below the 200/s the pacing starts at: the emulator throttles,
    // the pacing comes down to the quota, and every throttled call is retried until it lands.
    let runtime = runtime();
    let world = generate::world(generate::MIN_PACKAGES.max(150));
    let emulator = start(
        &runtime,
        world.clone(),
        EmulatorOptions {
            quota_rps: Some(40.0),
            ..EmulatorOptions::default()
        },
    );
    let (inventory, summary) = collect_with(&runtime, &emulator.endpoint_url(), &fast_options());
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    assert_eq!(
        without_group_details(&inventory),
        without_group_details(&world)
    );
    assert!(emulator.over_quota() > 0, "the quota was reached");
    assert_eq!(summary.throttled, emulator.over_quota());
    assert!(
        summary.listing_rps < 60.0,
        "the listing rate came down to the quota: {}",
        summary.listing_rps
    );
}
