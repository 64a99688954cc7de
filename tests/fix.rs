//! `--fix`, `fix apply` and `fix undo` against the emulator: the "Done when" points of the fix
//! issue, the plan schema, and the never-loosen property.

mod common;

use caguard::config::Config;
use caguard::fix::journal::Record;
use caguard::fix::{Plan, State, Target};
use caguard::inventory::*;
use codeartifact_emulator::generate;
use codeartifact_emulator::{Emulator, EmulatorHandle, Options as EmulatorOptions};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEMO: &str = "fixtures/demo/acme.json";
const DEMO_CONFIG: &str = "fixtures/demo/caguard.toml";

fn command(args: &[&str]) -> Command {
    let mut command = common::isolated(args);
    command.stdin(Stdio::null());
    command
}

fn caguard(args: &[&str]) -> (i32, String, String) {
    let output = command(args).output().expect("caguard runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn demo() -> Inventory {
    Inventory::load(&common::root().join(DEMO)).expect("demo")
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

/// The flags every live command of these tests takes.
fn live<'a>(url: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = rest.to_vec();
    args.extend([
        "--endpoint-url",
        url,
        "--region",
        "us-east-1",
        "--retry-backoff-ms",
        "5",
    ]);
    args
}

/// An inventory with the orders the API does not define made canonical, as JSON.
fn canonical(inventory: &Inventory) -> serde_json::Value {
    let mut value = serde_json::to_value(generate::normalize(inventory)).expect("json");
    if let Some(map) = value.as_object_mut() {
        map.remove("collectedAt");
    }
    value
}

fn journal_records(path: &Path) -> Vec<Record> {
    let text = std::fs::read_to_string(path).expect("journal");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn applied(records: &[Record]) -> usize {
    records
        .iter()
        .filter(|r| matches!(r, Record::Result { outcome, run: caguard::fix::journal::Run::Fix, .. } if outcome == "applied"))
        .count()
}

fn json_findings(stdout: &str) -> BTreeSet<String> {
    let report: serde_json::Value = serde_json::from_str(stdout).expect("json report");
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["fingerprint"].as_str().map(str::to_string))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. --fix --dry-run prints the plan and changes nothing

#[test]
fn dry_run_prints_the_plan_and_leaves_the_emulator_unchanged() {
    let runtime = runtime();
    let emulator = start(&runtime, demo(), EmulatorOptions::default());
    let url = emulator.endpoint_url();
    let before = canonical(&emulator.inventory());
    let (code, stdout, stderr) = caguard(&live(
        &url,
        &["scan", "--config", DEMO_CONFIG, "--fix", "--dry-run"],
    ));
    assert_eq!(code, 1, "the gate still sees the findings: {stderr}");
    assert!(
        stdout.contains("+ package record (version-less) publish=BLOCK upstream=BLOCK"),
        "{stdout}"
    );
    assert!(stdout.contains("~ upstream ALLOW -> BLOCK"), "{stdout}");
    assert!(
        stdout.contains("+ package group /cargo//acme~ EXTERNAL_UPSTREAM=BLOCK"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "Plan: 6 to block, 2 groups to create, 0 unchanged; 1 unsafe held back — use --fix=all"
        ),
        "{stdout}"
    );
    assert_eq!(emulator.writes(), 0);
    assert_eq!(canonical(&emulator.inventory()), before);
}

// ---------------------------------------------------------------------------------------------
// 2. --fix, then a fresh scan; internal flows survive; a second --fix plans nothing

/// (upstream setting, effective INTERNAL_UPSTREAM) of every package that receives INTERNAL
/// versions through an internal upstream (INTERNAL versions, none first published here).
fn internal_flows(inventory: &Inventory) -> BTreeMap<String, (String, String)> {
    let config = Config::load(&common::root().join(DEMO_CONFIG)).expect("config");
    let facts = caguard::facts::derive(inventory, &config.facts);
    facts
        .packages
        .iter()
        .filter(|p| p.versions.internal > 0 && !p.internal_entry_here)
        .map(|p| {
            (
                p.arn.clone(),
                (
                    p.origin.upstream.clone(),
                    p.group.modes.internal_upstream.effective.clone(),
                ),
            )
        })
        .collect()
}

#[test]
fn fix_closes_its_findings_keeps_internal_flows_and_converges() {
    let runtime = runtime();
    let emulator = start(&runtime, demo(), EmulatorOptions::default());
    let url = emulator.endpoint_url();
    let dir = common::scratch("fix", "converge");
    let journal = dir.join("journal.jsonl");
    let plan = dir.join("plan.json");
    let flows_before = internal_flows(&emulator.inventory());
    assert!(!flows_before.is_empty());
    let (code, stdout, stderr) = caguard(&live(
        &url,
        &[
            "scan",
            "--config",
            DEMO_CONFIG,
            "--fix=all",
            "--yes",
            "--journal",
            journal.to_str().expect("path"),
            "--plan-out",
            plan.to_str().expect("path"),
        ],
    ));
    // Unfixable critical findings remain (e.g. external-version-outranks-internal).
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("Apply: 9 applied"), "{stdout}");
    assert!(
        !stdout.contains("failed") && !stdout.contains("stale"),
        "{stdout}"
    );
    assert!(stderr.contains("journal: "), "{stderr}");
    let plan: Plan =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("plan")).expect("plan");
    let fixed: BTreeSet<String> = plan
        .actions
        .iter()
        .flat_map(|a| a.findings.iter().map(|f| f.fingerprint.clone()))
        .collect();
    assert_eq!(fixed.len(), 9);

    let (_, report, stderr) = caguard(&live(
        &url,
        &["scan", "--config", DEMO_CONFIG, "--format", "json"],
    ));
    let remaining = json_findings(&report);
    assert!(!remaining.is_empty(), "{stderr}");
    assert!(
        fixed.is_disjoint(&remaining),
        "fixed findings remain: {:?}",
        fixed.intersection(&remaining).collect::<Vec<_>>()
    );
    assert_eq!(internal_flows(&emulator.inventory()), flows_before);

    let writes = emulator.writes();
    let (_, stdout, stderr) = caguard(&live(
        &url,
        &[
            "scan",
            "--config",
            DEMO_CONFIG,
            "--fix=all",
            "--yes",
            "--journal",
            journal.to_str().expect("path"),
        ],
    ));
    assert!(stdout.contains("No changes"), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Plan: 0 to block, 0 groups to create, 0 unchanged"),
        "{stdout}"
    );
    assert_eq!(emulator.writes(), writes, "a second --fix wrote");
}

// ---------------------------------------------------------------------------------------------
// 3. Failing writes: the journal holds exactly the applied calls; a rerun completes; undo
//    restores the original inventory, version-less records included

#[test]
fn failed_writes_are_journaled_resumed_and_undone_exactly() {
    let runtime = runtime();
    let original = demo();
    let k = 4;
    let failing = start(
        &runtime,
        original.clone(),
        EmulatorOptions {
            fail_writes_after: Some(k),
            ..EmulatorOptions::default()
        },
    );
    let dir = common::scratch("fix", "resume");
    let journal = dir.join("journal.jsonl");
    let journal_arg = journal.to_str().expect("path");
    let url = failing.endpoint_url();
    let (code, stdout, stderr) = caguard(&live(
        &url,
        &[
            "scan",
            "--config",
            DEMO_CONFIG,
            "--fix=all",
            "--yes",
            "--journal",
            journal_arg,
            "--max-attempts",
            "2",
        ],
    ));
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("failed"), "{stdout}");
    assert_eq!(applied(&journal_records(&journal)), k as usize, "{stdout}");

    // The same account, writes working again.
    let working = start(&runtime, failing.inventory(), EmulatorOptions::default());
    drop(failing);
    let url = working.endpoint_url();
    let (_, stdout, stderr) = caguard(&live(
        &url,
        &[
            "scan",
            "--config",
            DEMO_CONFIG,
            "--fix=all",
            "--yes",
            "--journal",
            journal_arg,
        ],
    ));
    assert!(
        !stdout.contains("failed") && !stdout.contains("stale"),
        "{stdout}\n{stderr}"
    );
    let records = journal_records(&journal);
    // 6 package records, and 3 groups each created and then updated.
    assert_eq!(applied(&records), 12, "{stdout}");

    let (code, stdout, stderr) = caguard(&live(&url, &["fix", "undo", journal_arg, "--yes"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(canonical(&working.inventory()), canonical(&original));
    // Idempotent: a second undo finds everything restored and writes nothing.
    let writes = working.writes();
    let (code, stdout, _) = caguard(&live(&url, &["fix", "undo", journal_arg, "--yes"]));
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(working.writes(), writes);
}

// ---------------------------------------------------------------------------------------------
// 4. A target changed between --plan-out and fix apply is stale and left alone

#[test]
fn a_target_changed_after_planning_is_stale_and_left_as_it_is() {
    let runtime = runtime();
    let emulator = start(&runtime, demo(), EmulatorOptions::default());
    let url = emulator.endpoint_url();
    let dir = common::scratch("fix", "stale");
    let plan = dir.join("plan.json");
    let plan_arg = plan.to_str().expect("path");
    // Planned offline from the same world, applied later.
    let (_, _, stderr) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--fix",
        "--plan-out",
        plan_arg,
    ]);
    assert!(plan.exists(), "{stderr}");
    // Someone else changes legacy-auth (planned ALLOW/ALLOW -> ALLOW/BLOCK) meanwhile.
    let config = aws_sdk_codeartifact::Config::builder()
        .behavior_version(aws_sdk_codeartifact::config::BehaviorVersion::latest())
        .region(aws_sdk_codeartifact::config::Region::new("us-east-1"))
        .endpoint_url(&url)
        .credentials_provider(aws_sdk_codeartifact::config::Credentials::new(
            "AKIDTEST", "secret", None, None, "test",
        ))
        .build();
    let client = aws_sdk_codeartifact::Client::from_conf(config);
    runtime
        .block_on(
            client
                .put_package_origin_configuration()
                .domain("acme")
                .repository("legacy")
                .format(aws_sdk_codeartifact::types::PackageFormat::Maven)
                .namespace("com.acme")
                .package("legacy-auth")
                .restrictions(
                    aws_sdk_codeartifact::types::PackageOriginRestrictions::builder()
                        .publish(aws_sdk_codeartifact::types::AllowPublish::Block)
                        .upstream(aws_sdk_codeartifact::types::AllowUpstream::Allow)
                        .build()
                        .expect("restrictions"),
                )
                .send(),
        )
        .expect("put");
    let journal = dir.join("journal.jsonl");
    let (code, stdout, stderr) = caguard(&live(
        &url,
        &[
            "fix",
            "apply",
            plan_arg,
            "--yes",
            "--journal",
            journal.to_str().expect("path"),
        ],
    ));
    assert_eq!(code, 1, "{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.contains("legacy-auth") && l.contains("stale"))
        .unwrap_or_else(|| panic!("no stale line:\n{stdout}"));
    assert!(
        line.contains("expected publish=ALLOW upstream=ALLOW, found publish=BLOCK upstream=ALLOW"),
        "{line}"
    );
    let inventory = emulator.inventory();
    let legacy_auth = inventory.domains[0]
        .repositories
        .iter()
        .find(|r| r.repository.name.as_deref() == Some("legacy"))
        .and_then(|r| {
            r.packages
                .iter()
                .find(|p| p.package.package.as_deref() == Some("legacy-auth"))
        })
        .and_then(|p| p.package.origin_configuration.clone())
        .and_then(|c| c.restrictions)
        .expect("legacy-auth");
    assert_eq!(legacy_auth.publish, AllowMode::Block);
    assert_eq!(legacy_auth.upstream, AllowMode::Allow);
    // The other actions went ahead.
    assert!(stdout.contains("applied"), "{stdout}");
}

// ---------------------------------------------------------------------------------------------
// 5. SIGKILL in the middle of a 2,500-package apply under 10% throttling

/// `generate::world(2500)` with external ingestion opened for `@big/*` and 300 of the app's
/// internal packages still taking upstream versions: 300 exposed packages to fix.
fn exposed_world() -> Inventory {
    let mut world = generate::world(2500);
    let big = &mut world.domains[0];
    for group in &mut big.package_groups {
        if group.group.pattern.as_deref() == Some("/npm/big/*") {
            if let Some(restrictions) = group
                .group
                .origin_configuration
                .as_mut()
                .and_then(|c| c.restrictions.as_mut())
            {
                for restriction in restrictions.values_mut() {
                    restriction.mode = Some(GroupMode::Allow);
                    restriction.effective_mode = Some(GroupMode::Allow);
                    restriction.repositories_count = None;
                }
            }
            group.allowed_repositories.clear();
        }
    }
    let app = big
        .repositories
        .iter_mut()
        .find(|r| r.repository.name.as_deref() == Some("app"))
        .expect("app");
    for package in app.packages.iter_mut().skip(300) {
        package.package.origin_configuration = Some(PackageOriginConfiguration {
            restrictions: Some(PackageOriginRestrictions {
                publish: AllowMode::Block,
                upstream: AllowMode::Block,
            }),
        });
    }
    world
}

/// The most writes inside any one-second window.
fn peak_per_second(times: &[Instant]) -> usize {
    let mut peak = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end].duration_since(times[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        peak = peak.max(end - start + 1);
    }
    peak
}

#[test]
fn a_killed_apply_resumes_converges_and_undoes_exactly_within_the_write_rate() {
    let started = Instant::now();
    let runtime = runtime();
    let original = exposed_world();
    let emulator = start(
        &runtime,
        original.clone(),
        EmulatorOptions {
            throttle_rate: 0.1,
            seed: 12,
            ..EmulatorOptions::default()
        },
    );
    let url = emulator.endpoint_url();
    let dir = common::scratch("fix", "sigkill");
    let plan = dir.join("plan.json");
    let plan_arg = plan.to_str().expect("path");
    let journal = dir.join("journal.jsonl");
    let journal_arg = journal.to_str().expect("path");
    let fast = ["--max-retry-after", "0.05", "--max-attempts", "8"];
    // Planned offline from the same world (as a CI job would, for review), applied live.
    let world = dir.join("world.json");
    std::fs::write(&world, original.to_json()).expect("world");
    let (_, _, stderr) = caguard(&[
        "scan",
        "--inventory",
        world.to_str().expect("path"),
        "--fix",
        "--plan-out",
        plan_arg,
        "-q",
    ]);
    let planned: Plan = serde_json::from_str(&std::fs::read_to_string(&plan).expect("plan"))
        .unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(planned.actions.len(), 300);
    assert_eq!(emulator.writes(), 0);
    eprintln!("planned after {:?}", started.elapsed());

    let rate = "40";
    let mut apply = live(
        &url,
        &[
            "fix",
            "apply",
            plan_arg,
            "--yes",
            "--journal",
            journal_arg,
            "--max-write-rps",
            rate,
        ],
    );
    apply.extend(fast);
    let mut child = command(&apply)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    while emulator.writes() < 100 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let at_kill = emulator.writes();
    assert!(
        (100..300).contains(&at_kill),
        "{at_kill} writes at the kill"
    );
    // Every complete line is a record; nothing after the kill is half-written JSON.
    let text = std::fs::read_to_string(&journal).expect("journal");
    for line in text.lines().filter(|l| !l.is_empty()) {
        serde_json::from_str::<Record>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    // A new process starts with a fresh rate limiter: let the window pass.
    std::thread::sleep(Duration::from_millis(1100));

    let (code, stdout, stderr) = {
        let output = command(&apply).output().expect("rerun");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    assert_eq!(
        code,
        0,
        "{stderr}\n{}",
        stdout.lines().rev().take(5).collect::<Vec<_>>().join("\n")
    );
    assert!(
        stdout.contains("unchanged"),
        "the killed run's writes are kept"
    );
    let state = emulator.inventory();
    let store = state.domains[0]
        .repositories
        .iter()
        .find(|r| r.repository.name.as_deref() == Some("npm-store"))
        .expect("store");
    let version_less = store
        .packages
        .iter()
        .filter(|p| p.versions.is_empty())
        .count();
    assert_eq!(version_less, 300, "every planned record exists once");
    let apply_times = emulator.write_times();
    eprintln!("applied after {:?}", started.elapsed());
    std::thread::sleep(Duration::from_millis(1100));

    let mut undo = live(
        &url,
        &["fix", "undo", journal_arg, "--yes", "--max-write-rps", "60"],
    );
    undo.extend(fast);
    let (code, stdout, stderr) = {
        let output = command(&undo).output().expect("undo");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    assert_eq!(code, 0, "{stderr}\n{stdout}");
    assert_eq!(canonical(&emulator.inventory()), canonical(&original));

    // The limiter spaces writes evenly when they are sent; they are counted when the emulator
    // receives them, after the scheduler of a possibly loaded machine had its say, so a
    // one-second window may hold a few more (requests delayed together arrive together). The
    // slack is that jitter, not a burst allowance: the limiter has none.
    let all = emulator.write_times();
    let limit: usize = rate.parse().expect("rate");
    let slack = |limit: usize| (limit / 10).max(2);
    assert!(
        peak_per_second(&apply_times) <= limit + slack(limit),
        "{}",
        peak_per_second(&apply_times)
    );
    assert!(peak_per_second(&all[apply_times.len()..]) <= 60 + slack(60));
    assert!(
        started.elapsed() < Duration::from_secs(180),
        "took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// Usage and plan-file errors

#[test]
fn applying_from_an_inventory_or_without_confirmation_is_refused() {
    let (code, _, stderr) = caguard(&["scan", "--inventory", DEMO, "--fix"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--fix with --inventory only plans"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let (code, _, stderr) = caguard(&[
        "scan",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--region",
        "us-east-1",
        "--fix",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("pass --yes"), "{stderr}");
}

#[test]
fn a_plan_that_loosens_is_refused_before_any_request() {
    let dir = common::scratch("fix", "loosen");
    let plan = dir.join("plan.json");
    let (_, _, stderr) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--fix",
        "--plan-out",
        plan.to_str().expect("path"),
    ]);
    let mut value: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&plan).unwrap_or_else(|e| panic!("{e}: {stderr}")),
    )
    .expect("plan");
    // Hand-edit the legacy-auth action to open publishing and ingestion instead.
    let actions = value["actions"].as_array_mut().expect("actions");
    let action = actions
        .iter_mut()
        .find(|a| a["target"]["name"] == "legacy-auth")
        .expect("legacy-auth action");
    action["before"]["restrictions"]["upstream"] = "BLOCK".into();
    action["after"]["restrictions"]["upstream"] = "ALLOW".into();
    std::fs::write(&plan, serde_json::to_string(&value).expect("json")).expect("write");
    let (code, stdout, stderr) = caguard(&[
        "fix",
        "apply",
        plan.to_str().expect("path"),
        "--yes",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--region",
        "us-east-1",
    ]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stderr.contains("would loosen a setting: upstream BLOCK -> ALLOW"),
        "{stderr}"
    );
    std::fs::write(&plan, "{\"planVersion\": 1, \"mode\": \"safe\"}").expect("write");
    let (code, _, stderr) = caguard(&["fix", "apply", plan.to_str().expect("path"), "--yes"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("plan.json:1:") && stderr.contains("not a caguard plan"),
        "{stderr}"
    );
}

#[test]
fn plan_file_validates_against_committed_schema() {
    let path = common::root().join("schemas/plan-v1.schema.json");
    let generated = caguard::fix::model::schema();
    if std::env::var_os("CAGUARD_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).expect("schema file");
    assert_eq!(
        committed, generated,
        "schemas/plan-v1.schema.json is out of date: rerun this test with CAGUARD_UPDATE_SCHEMA=1"
    );
    let dir = common::scratch("fix", "schema");
    let plan = dir.join("plan.json");
    caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--fix=all",
        "--dry-run",
        "--plan-out",
        plan.to_str().expect("path"),
    ]);
    let schema: serde_json::Value = serde_json::from_str(&committed).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let instance: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("plan")).expect("plan JSON");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

// ---------------------------------------------------------------------------------------------
// 6. Never loosen: random origin settings and groups, every planned action only tightens

fn rank(mode: &str) -> i32 {
    match mode {
        "ALLOW" => 0,
        "ALLOW_SPECIFIC_REPOSITORIES" => 1,
        "BLOCK" => 2,
        _ => -1,
    }
}

fn assert_tightens(target: &Target, before: &State, after: &State) {
    assert!(
        after.exists,
        "{target:?}: an action never removes a resource"
    );
    for (key, becomes) in &after.restrictions {
        let was = if before.exists {
            before.restrictions.get(key).map(String::as_str)
        } else {
            None
        };
        match was {
            None => {
                // New record: any value tightens "no record"; a new group inherits otherwise.
                if target.is_group() {
                    assert!(
                        becomes == "INHERIT" || becomes == "BLOCK",
                        "{target:?} {key}={becomes}"
                    );
                }
            }
            Some(was) if was == becomes => {}
            Some("INHERIT") => assert_eq!(becomes, "BLOCK", "{target:?} {key}"),
            Some(was) => assert!(
                rank(becomes) > rank(was),
                "{target:?} {key}: {was} -> {becomes}"
            ),
        }
    }
}

fn mode_strategy(root: bool) -> BoxedStrategy<GroupMode> {
    if root {
        prop_oneof![
            Just(GroupMode::Allow),
            Just(GroupMode::Block),
            Just(GroupMode::AllowSpecificRepositories)
        ]
        .boxed()
    } else {
        prop_oneof![
            Just(GroupMode::Allow),
            Just(GroupMode::Block),
            Just(GroupMode::AllowSpecificRepositories),
            Just(GroupMode::Inherit)
        ]
        .boxed()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn planned_actions_never_loosen(
        origins in prop::collection::vec(0u8..5, 80),
        modes in prop::collection::vec((mode_strategy(false), mode_strategy(false), mode_strategy(false)), 6),
        root in (mode_strategy(true), mode_strategy(true), mode_strategy(true)),
        all in any::<bool>(),
    ) {
        let mut inventory = demo();
        let domain = &mut inventory.domains[0];
        let mut index = 0;
        for repository in &mut domain.repositories {
            for package in &mut repository.packages {
                let choice = origins[index % origins.len()];
                index += 1;
                let pick = |n: u8| if n == 0 { AllowMode::Allow } else { AllowMode::Block };
                package.package.origin_configuration = match choice {
                    4 => None,
                    c => Some(PackageOriginConfiguration {
                        restrictions: Some(PackageOriginRestrictions { publish: pick(c & 1), upstream: pick((c >> 1) & 1) }),
                    }),
                };
            }
        }
        for (position, group) in domain.package_groups.iter_mut().enumerate() {
            let is_root = group.group.pattern.as_deref() == Some("/*");
            let (p, e, i) = if is_root { root.clone() } else { modes[position % modes.len()].clone() };
            if let Some(restrictions) = group.group.origin_configuration.as_mut().and_then(|c| c.restrictions.as_mut()) {
                for (kind, mode) in [(RestrictionType::Publish, p), (RestrictionType::ExternalUpstream, e), (RestrictionType::InternalUpstream, i)] {
                    let entry = restrictions.entry(kind).or_default();
                    entry.mode = Some(mode);
                    entry.effective_mode = None;
                    entry.inherited_from = None;
                }
            }
        }
        let config = Config::load(&common::root().join(DEMO_CONFIG)).expect("config");
        let rules = caguard::rules::RuleSet::load(&[]).expect("rules");
        let result = caguard::app::scan(&inventory, None, &config, &rules, None, common::TODAY).expect("scan");
        let facts = caguard::facts::derive(&inventory, &config.facts);
        let mode = if all { caguard::fix::Mode::All } else { caguard::fix::Mode::Safe };
        let plan = caguard::fix::plan::build(&inventory, &result.findings, &facts, mode);
        for action in &plan.actions {
            assert_tightens(&action.target, &action.before, &action.after);
            prop_assert!(caguard::fix::model::loosening(&action.target, &action.before, &action.after).is_none());
        }
        prop_assert!(caguard::fix::apply::check(&plan).is_ok());
    }
}
