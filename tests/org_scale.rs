//! Organisation scale against the emulator serving three accounts: `scan --accounts`
//! (shards in one process), `shards` + one `scan` per shard + `merge` (the GitHub Actions
//! matrix), a domain shared into a second account through its domain policy, a third account
//! whose role cannot be assumed, and SARIF with one run per account/region, split above 20.

mod common;

use caguard::inventory::Inventory;
use codeartifact_emulator::{Emulator, EmulatorHandle, Options as EmulatorOptions};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DEMO: &str = "fixtures/demo/acme.json";
const DEMO_CONFIG: &str = "fixtures/demo/caguard.toml";
const A: &str = "111122223333";
const B: &str = "444455556666";
const C: &str = "777788889999";
const TEMPLATE: &str = "arn:aws:iam::{account}:role/caguard-reader";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caguard-org-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Account A: the demo domain `acme` plus `shared`, whose domain policy lets account B read it.
fn account_a() -> Inventory {
    let mut inventory = Inventory::load(&common::root().join(DEMO)).expect("demo");
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ReadersInB",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{B}:root")},
            "Action": ["codeartifact:Describe*", "codeartifact:List*", "codeartifact:Get*"],
            "Resource": "*"
        }]
    });
    let shared: Value = json!({
        "domain": {"name": "shared", "owner": A, "arn": format!("arn:aws:codeartifact:us-east-1:{A}:domain/shared"), "status": "Active"},
        "policy": {"resourceArn": format!("arn:aws:codeartifact:us-east-1:{A}:domain/shared"), "document": policy.to_string()},
        "repositories": [
            {"repository": {"name": "npm-store", "externalConnections": [{"externalConnectionName": "public:npmjs", "packageFormat": "npm", "status": "Available"}]},
             "packages": [{"package": {"format": "npm", "namespace": "acme", "package": "billing",
                           "originConfiguration": {"restrictions": {"publish": "ALLOW", "upstream": "ALLOW"}}},
                           "versions": [{"version": "1.0.0", "status": "Published", "origin": {"originType": "INTERNAL", "domainEntryPoint": {"repositoryName": "npm-store"}}}]}]}
        ]
    });
    inventory
        .domains
        .push(serde_json::from_value(shared).expect("shared domain"));
    inventory
}

/// Account B: the demo world owned by B.
fn account_b() -> Inventory {
    let text = std::fs::read_to_string(common::root().join(DEMO))
        .expect("demo")
        .replace(A, B);
    Inventory::parse(&text, Path::new("b.json")).expect("B's inventory")
}

fn write(dir: &Path, name: &str, inventory: &Inventory) -> String {
    let path = dir.join(name);
    std::fs::write(&path, inventory.to_json()).expect("write inventory");
    path.display().to_string()
}

struct World {
    _runtime: tokio::runtime::Runtime,
    emulator: EmulatorHandle,
}

fn world() -> World {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = runtime
        .block_on(Emulator::start_accounts(
            vec![account_a(), account_b()],
            EmulatorOptions {
                deny_assume: vec![C.to_string()],
                organization_accounts: vec![
                    (C.to_string(), "ACTIVE".to_string()),
                    ("999900001111".to_string(), "SUSPENDED".to_string()),
                ],
                ..EmulatorOptions::default()
            },
        ))
        .expect("emulator starts");
    World {
        _runtime: runtime,
        emulator,
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    let output = common::isolated(args).output().expect("caguard runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn findings(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
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
        .collect()
}

/// The findings of one account's inventory scanned offline.
fn offline_findings(path: &str) -> BTreeSet<(String, String)> {
    let (code, stdout, stderr) = run(&[
        "scan",
        "--inventory",
        path,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 0, "{stderr}");
    findings(&serde_json::from_str(&stdout).expect("JSON report"))
}

#[test]
fn three_accounts_in_one_process_and_through_the_matrix_give_the_same_report() {
    let world = world();
    let endpoint = world.emulator.endpoint_url();
    let dir = temp_dir("matrix");
    let expected_a = offline_findings(&write(&dir, "a.json", &account_a()));
    let expected_b = offline_findings(&write(&dir, "b.json", &account_b()));
    assert!(!expected_a.is_empty() && !expected_b.is_empty());
    let accounts = format!("{A},{B},{C}");
    let org = [
        "--endpoint-url",
        &endpoint,
        "--accounts",
        &accounts,
        "--role-arn-template",
        TEMPLATE,
        "--regions",
        "us-east-1",
        "--config",
        DEMO_CONFIG,
    ];

    // One process: every finding of A and B, C's shard incomplete.
    let mut args = vec!["scan"];
    args.extend_from_slice(&org);
    args.extend_from_slice(&["--format", "json", "--fail-on", "none"]);
    let (code, in_process, stderr) = run(&args);
    assert_eq!(code, 3, "incomplete (C) and nothing gates: {stderr}");
    assert!(
        stderr.contains("shards: 3 (2 complete, 1 incomplete)"),
        "{stderr}"
    );
    let report: Value = serde_json::from_str(&in_process).expect("JSON report");
    let found = findings(&report);
    let expected: BTreeSet<_> = expected_a.union(&expected_b).cloned().collect();
    assert_eq!(
        found, expected,
        "every finding of each account, nothing else"
    );
    assert_eq!(report["scan"]["complete"], false);
    let shards = report["scan"]["shards"].as_array().expect("shards");
    let status: Vec<(String, bool)> = shards
        .iter()
        .map(|s| {
            (
                s["account"].as_str().unwrap_or_default().to_string(),
                s["complete"] == true,
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            (A.to_string(), true),
            (B.to_string(), true),
            (C.to_string(), false)
        ]
    );
    let errors = report["collectionErrors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["operation"], "AssumeRole");
    assert_eq!(errors[0]["code"], "AccessDenied");
    assert_eq!(
        errors[0]["resource"],
        format!("arn:aws:codeartifact:us-east-1:{C}:domain/*")
    );
    assert!(
        report["scan"].get("collectedAt").is_none(),
        "a merged report has no collection time"
    );

    // With the gate at its default, the findings fail it: 1 wins over 3.
    let mut gated = vec!["scan"];
    gated.extend_from_slice(&org);
    gated.extend_from_slice(&["--format", "concise"]);
    let (code, _, stderr) = run(&gated);
    assert_eq!(code, 1, "{stderr}");

    // The matrix: `shards`, one scan per shard, `merge`.
    let (code, matrix, stderr) = run(&[
        "shards",
        "--accounts",
        &accounts,
        "--role-arn-template",
        TEMPLATE,
        "--regions",
        "us-east-1",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(matrix.lines().count(), 1, "one line for $GITHUB_OUTPUT");
    let matrix: Value = serde_json::from_str(&matrix).expect("matrix JSON");
    let include = matrix["include"].as_array().expect("include");
    assert_eq!(include.len(), 3);
    assert_eq!(include[0], json!({"account": A, "region": "us-east-1"}));
    let mut reports = Vec::new();
    for shard in include {
        let account = shard["account"].as_str().expect("account");
        let region = shard["region"].as_str().expect("region");
        let path = dir.join(format!("shard-{account}-{region}.json"));
        let path_arg = path.display().to_string();
        let (code, _, stderr) = run(&[
            "scan",
            "--endpoint-url",
            &endpoint,
            "--accounts",
            account,
            "--role-arn-template",
            TEMPLATE,
            "--regions",
            region,
            "--config",
            DEMO_CONFIG,
            "--format",
            "concise",
            "--json",
            &path_arg,
            "--fail-on",
            "none",
        ]);
        let expected_code = if account == C { 3 } else { 0 };
        assert_eq!(code, expected_code, "{account}: {stderr}");
        reports.push(path_arg);
    }
    // The order of the reports does not matter.
    reports.reverse();
    let mut merge = vec![
        "merge",
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--fail-on",
        "none",
    ];
    merge.extend(reports.iter().map(String::as_str));
    let (code, merged, stderr) = run(&merge);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(merged, in_process, "byte-identical merged JSON");
    merge.retain(|arg| *arg != "none" && *arg != "--fail-on");
    let (code, _, stderr) = run(&merge);
    assert_eq!(code, 1, "merge gates like scan: {stderr}");
}

#[test]
fn a_domain_shared_into_a_second_account_is_read_by_both_and_reported_once() {
    let world = world();
    let endpoint = world.emulator.endpoint_url();
    let accounts = format!("{A},{B}");
    let (code, stdout, stderr) = run(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--accounts",
        &accounts,
        "--role-arn-template",
        TEMPLATE,
        "--regions",
        "us-east-1",
        "--domain",
        "shared",
        "--domain-owner",
        A,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 0, "B reads A's domain through its policy: {stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    let list = report["findings"].as_array().expect("findings");
    assert!(!list.is_empty());
    let fingerprints: BTreeSet<&str> = list
        .iter()
        .filter_map(|f| f["fingerprint"].as_str())
        .collect();
    assert_eq!(fingerprints.len(), list.len(), "each finding once");
    assert!(list.iter().all(|f| f["resource"]["arn"]
        .as_str()
        .is_some_and(|arn| arn.contains(&format!(":{A}:")))));
    assert_eq!(report["scan"]["shards"].as_array().map(Vec::len), Some(2));
    assert_eq!(report["scan"]["complete"], true);

    // Without the policy's grant the second account's shard is incomplete, not empty.
    let (code, stdout, stderr) = run(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--accounts",
        &accounts,
        "--role-arn-template",
        TEMPLATE,
        "--regions",
        "us-east-1",
        "--domain",
        "acme",
        "--domain-owner",
        A,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 3, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    let errors = report["collectionErrors"].as_array().expect("errors");
    assert!(
        errors.iter().all(|e| e["code"] == "AccessDeniedException"),
        "{errors:?}"
    );
    let shards = report["scan"]["shards"].as_array().expect("shards");
    assert_eq!(shards[0]["complete"], true);
    assert_eq!(shards[1]["complete"], false);
}

fn schema_errors(doc: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(common::root().join("tests/data/sarif-schema-2.1.0.json"))
        .expect("the vendored OASIS schema");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn categories(doc: &Value) -> Vec<String> {
    doc["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|run| {
            run["automationDetails"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn merged_sarif_has_one_valid_run_per_account_and_region() {
    let world = world();
    let endpoint = world.emulator.endpoint_url();
    let dir = temp_dir("sarif");
    let sarif = dir.join("org.sarif");
    let sarif_arg = sarif.display().to_string();
    let accounts = format!("{A},{B},{C}");
    let (code, _, stderr) = run(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--accounts",
        &accounts,
        "--role-arn-template",
        TEMPLATE,
        "--regions",
        "us-east-1",
        "--config",
        DEMO_CONFIG,
        "--format",
        "concise",
        "--sarif",
        &sarif_arg,
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 3, "{stderr}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).expect("SARIF written"))
        .expect("JSON");
    assert_eq!(schema_errors(&doc), Vec::<String>::new());
    assert_eq!(
        categories(&doc),
        [
            format!("caguard/{A}/us-east-1/"),
            format!("caguard/{B}/us-east-1/"),
            format!("caguard/{C}/us-east-1/incomplete/"),
        ]
    );
}

#[test]
fn twenty_five_scopes_split_into_files_of_twenty_runs() {
    let dir = temp_dir("split");
    let domains: Vec<Value> = (0..25)
        .map(|n| json!({"domain": {"name": "acme", "owner": format!("{:012}", 100000000000u64 + n)}}))
        .collect();
    let inventory = json!({"inventoryVersion": 1, "region": "us-east-1", "domains": domains});
    let path = dir.join("org.json");
    std::fs::write(&path, inventory.to_string()).expect("write");
    let path_arg = path.display().to_string();
    let sarif = dir.join("org.sarif");
    let sarif_arg = sarif.display().to_string();
    let (code, _, stderr) = run(&[
        "scan",
        "--inventory",
        &path_arg,
        "--format",
        "concise",
        "--sarif",
        &sarif_arg,
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("SARIF: 2 files of at most 20 runs"),
        "{stderr}"
    );
    assert!(!sarif.exists(), "the unsplit name is not written");
    let mut seen = BTreeSet::new();
    for (part, runs) in [("org.1.sarif", 20), ("org.2.sarif", 5)] {
        let doc: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(part)).unwrap_or_else(|e| panic!("{part}: {e}")),
        )
        .expect("JSON");
        assert_eq!(schema_errors(&doc), Vec::<String>::new(), "{part}");
        let ids = categories(&doc);
        assert_eq!(ids.len(), runs, "{part}");
        for id in ids {
            assert!(seen.insert(id.clone()), "category {id} twice");
        }
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(
        seen.first().map(String::as_str),
        Some("caguard/100000000000/us-east-1/")
    );

    // stdout cannot be split: refused before anything is written.
    let (code, stdout, stderr) = run(&[
        "scan",
        "--inventory",
        &path_arg,
        "--format",
        "sarif",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("at most 20 SARIF runs per file"),
        "{stderr}"
    );
}

#[test]
fn organisation_flags_are_checked_before_any_call() {
    for (args, needle) in [
        (
            vec!["scan", "--accounts", A, "--region", "us-east-1"],
            "--role-arn-template",
        ),
        (
            vec![
                "scan",
                "--role-arn-template",
                TEMPLATE,
                "--region",
                "us-east-1",
            ],
            "--accounts",
        ),
        (
            vec![
                "scan",
                "--accounts",
                A,
                "--role-arn-template",
                "arn:aws:iam::1:role/x",
            ],
            "{account}",
        ),
        (
            vec![
                "scan",
                "--accounts",
                "12345",
                "--role-arn-template",
                TEMPLATE,
            ],
            "12345",
        ),
        (
            vec![
                "scan",
                "--accounts",
                A,
                "--role-arn-template",
                TEMPLATE,
                "--role-arn",
                "arn:aws:iam::111122223333:role/x",
                "--region",
                "us-east-1",
            ],
            "exclude each other",
        ),
        (
            vec![
                "scan",
                "--accounts",
                A,
                "--role-arn-template",
                TEMPLATE,
                "--region",
                "us-east-1",
                "--fix",
                "--dry-run",
            ],
            "one account at a time",
        ),
        (vec!["shards", "--region", "us-east-1"], "accounts"),
        (vec!["merge", "missing.json"], "missing.json"),
    ] {
        let (code, _, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn role_arn_reads_the_role_account_and_a_refused_role_is_one_clear_error() {
    let world = world();
    let endpoint = world.emulator.endpoint_url();
    let role = format!("arn:aws:iam::{B}:role/caguard-reader");
    let (code, stdout, stderr) = run(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--role-arn",
        &role,
        "--role-session-name",
        "nightly",
        "--role-duration",
        "900",
        "--external-id",
        "org-scan",
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(report["scan"]["accounts"], json!([B]));
    assert!(world.emulator.count("sts:AssumeRole") >= 1);

    let refused = format!("arn:aws:iam::{C}:role/caguard-reader");
    let (code, stdout, stderr) = run(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--role-arn",
        &refused,
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("AccessDenied"), "{stderr}");
    assert!(!stderr.contains("aws_request_id"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("cannot assume role arn:aws:iam::777788889999:role/caguard-reader"),
        "{stderr}"
    );
}

#[test]
fn collect_writes_one_inventory_with_its_shards_that_scans_like_the_live_run() {
    let world = world();
    let endpoint = world.emulator.endpoint_url();
    let dir = temp_dir("collect");
    let accounts_file = dir.join("accounts.txt");
    std::fs::write(
        &accounts_file,
        format!("# production\n{A}\n{B}  # shared services\n\n{C}\n"),
    )
    .expect("write accounts");
    let accounts_arg = accounts_file.display().to_string();
    let inventory = dir.join("org.json");
    let inventory_arg = inventory.display().to_string();
    let (code, stdout, stderr) = run(&[
        "collect",
        "--endpoint-url",
        &endpoint,
        "--accounts-file",
        &accounts_arg,
        "--role-arn-template",
        TEMPLATE,
        "--regions",
        "us-east-1",
        "--output",
        &inventory_arg,
    ]);
    assert_eq!(code, 3, "C's shard failed: {stderr}");
    assert!(stdout.is_empty());
    let collected = Inventory::load(&inventory).expect("an inventory v1");
    assert_eq!(collected.inventory_version, 1);
    assert_eq!(collected.region.as_deref(), Some("us-east-1"));
    let shards: Vec<(&str, bool)> = collected
        .shards
        .iter()
        .map(|s| (s.account.as_str(), s.complete))
        .collect();
    assert_eq!(shards, [(A, true), (B, true), (C, false)]);
    let domains: Vec<(String, String)> = collected
        .domains
        .iter()
        .map(|d| {
            (
                d.domain.owner.clone().unwrap_or_default(),
                d.domain.name.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(domains.len(), 3, "{domains:?}");
    assert_eq!(collected.errors.len(), 1);

    let (code, stdout, stderr) = run(&[
        "scan",
        "--inventory",
        &inventory_arg,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 3, "{stderr}");
    let from_file: Value = serde_json::from_str(&stdout).expect("JSON report");
    let expected_a = offline_findings(&write(&dir, "a.json", &account_a()));
    let expected_b = offline_findings(&write(&dir, "b.json", &account_b()));
    let expected: BTreeSet<_> = expected_a.union(&expected_b).cloned().collect();
    assert_eq!(findings(&from_file), expected);
    assert_eq!(
        from_file["scan"]["shards"].as_array().map(Vec::len),
        Some(3)
    );
}

#[test]
fn accounts_from_organizations_are_the_active_ones() {
    let world = world();
    let endpoint = world.emulator.endpoint_url();
    let (code, stdout, stderr) = run(&[
        "shards",
        "--accounts-from-organizations",
        "--endpoint-url",
        &endpoint,
        "--role-arn-template",
        TEMPLATE,
        "--regions",
        "us-east-1,eu-west-1",
        "--format",
        "items",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let items: Value = serde_json::from_str(&stdout).expect("items JSON");
    let items = items.as_array().expect("an array");
    assert_eq!(
        items.len(),
        6,
        "3 ACTIVE accounts x 2 regions, not the SUSPENDED one: {items:?}"
    );
    assert_eq!(items[1], json!({"account": A, "region": "us-east-1"}));
    assert_eq!(world.emulator.count("organizations:ListAccounts"), 1);

    let (code, stdout, stderr) = run(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--accounts-from-organizations",
        "--role-arn-template",
        TEMPLATE,
        "--regions",
        "us-east-1",
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 3, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(report["scan"]["shards"].as_array().map(Vec::len), Some(3));

    // A member account may not list the organisation: one clear usage error.
    let member = format!("arn:aws:iam::{B}:role/caguard-reader");
    let (code, _, stderr) = run(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--accounts-from-organizations",
        "--role-arn-template",
        TEMPLATE,
        "--region",
        "us-east-1",
        "--role-arn",
        &member,
    ]);
    assert_eq!(code, 2, "{stderr}");
}
