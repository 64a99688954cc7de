//! Event-driven scanning against the emulator: the emulator emits CodeArtifact's events for
//! an ingestion, `caguard scan --event` re-checks the package they name, reports what a full
//! scan reports for it, and makes exactly the calls the documented formula gives.

mod common;

use caguard::events::evaluate;
use caguard::inventory::Inventory;
use codeartifact_emulator::events::IngestRequest;
use codeartifact_emulator::{Emulator, EmulatorHandle, Options as EmulatorOptions};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const WORLD: &str = "tests/data/events/world.json";
const CONFIG: &str = "tests/data/events/caguard.toml";

fn world() -> Inventory {
    Inventory::load(&common::root().join(WORLD)).expect("world")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The context a nightly scan would have left: the state before the ingestion, read now.
fn fresh_context(dir: &Path, inventory: &Inventory) -> PathBuf {
    let mut context = inventory.clone();
    context.collected_at = Some(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs_f64(),
    );
    let path = dir.join("context.json");
    std::fs::write(&path, context.to_json()).expect("context written");
    path
}

fn ingest_ui_button(emulator: &EmulatorHandle, version: &str) -> Vec<Value> {
    emulator
        .ingest(&IngestRequest {
            domain: Some("acme".into()),
            repository: "app".into(),
            format: "npm".into(),
            namespace: Some("acme".into()),
            package: "ui-button".into(),
            version: version.into(),
        })
        .expect("ingestion allowed")
}

/// `caguard scan` against the emulator; returns (exit code, JSON report, stderr).
fn scan(url: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec![
        "scan",
        "--endpoint-url",
        url,
        "--region",
        "us-east-1",
        "--config",
        CONFIG,
        "--format",
        "json",
        "--retry-backoff-ms",
        "10",
    ];
    args.extend_from_slice(extra);
    let output = common::isolated(&args).output().expect("caguard runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {stdout}\nstderr: {stderr}"));
    (output.status.code().unwrap_or(-1), report, stderr)
}

/// (ruleId, ARN) of the findings on `package` in `repositories` and on those repositories.
fn findings_about(
    report: &Value,
    package: &str,
    repositories: &[&str],
) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|finding| {
            let resource = &finding["resource"];
            let repository = resource["repository"].as_str().unwrap_or("");
            let in_scope = repositories.contains(&repository);
            match resource["type"].as_str() {
                Some("package") => in_scope && resource["name"].as_str() == Some(package),
                Some("repository") => in_scope,
                _ => false,
            }
        })
        .map(|finding| {
            (
                finding["ruleId"].as_str().unwrap_or("").to_string(),
                finding["resource"]["arn"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

fn rule_ids(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["ruleId"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Requests per operation made between two snapshots of the emulator's counters.
fn delta(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(op, n)| (op.clone(), n - before.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[test]
fn ingestion_event_reports_what_a_full_scan_reports_within_the_formula() {
    let runtime = runtime();
    let dir = common::scratch("events", "ingest");
    let events_file = dir.join("events.jsonl");
    let emulator = runtime
        .block_on(Emulator::start(
            world(),
            EmulatorOptions {
                events_file: Some(events_file.clone()),
                ..EmulatorOptions::default()
            },
        ))
        .expect("emulator");
    let url = emulator.endpoint_url();
    let context = fresh_context(&dir, &world());

    let events = ingest_ui_button(&emulator, "99.0.0");
    // Ingested where the connection is, retained where the client asked, one event each.
    let repositories: BTreeSet<&str> = events
        .iter()
        .map(|e| e["detail"]["repositoryName"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(repositories, BTreeSet::from(["app", "npm-store"]));
    for event in &events {
        assert_eq!(event["source"], "aws.codeartifact");
        assert_eq!(
            event["detail-type"],
            "CodeArtifact Package Version State Change"
        );
        let detail = &event["detail"];
        for field in [
            "domainName",
            "domainOwner",
            "repositoryName",
            "repositoryAdministrator",
            "packageFormat",
            "packageNamespace",
            "packageName",
            "packageVersion",
            "packageVersionState",
            "packageVersionRevision",
            "changes",
            "operationType",
            "sequenceNumber",
            "eventDeduplicationId",
        ] {
            assert!(
                detail.get(field).is_some(),
                "detail.{field} missing: {detail}"
            );
        }
        assert_eq!(detail["operationType"], "Created");
        assert_eq!(detail["packageVersionState"], "Published");
        let repository = detail["repositoryName"].as_str().unwrap_or("");
        assert_eq!(
            event["resources"][0],
            format!("arn:aws:codeartifact:us-east-1:111122223333:package/acme/{repository}/npm/acme/ui-button")
        );
    }
    // The same events, as JSON Lines in --events-file.
    let lines: Vec<Value> = std::fs::read_to_string(&events_file)
        .expect("events file")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines, events);
    assert_eq!(emulator.events(), events);
    // The state now has an EXTERNAL 99.0.0 in both repositories.
    let state = emulator.inventory();
    let domain = &state.domains[0];
    for repository in ["app", "npm-store"] {
        let entry = domain
            .repositories
            .iter()
            .find(|r| r.repository.name.as_deref() == Some(repository))
            .expect("repository");
        let package = entry
            .packages
            .iter()
            .find(|p| p.package.package.as_deref() == Some("ui-button"))
            .expect("package");
        let version = package
            .versions
            .iter()
            .find(|v| v.version == "99.0.0")
            .expect("version");
        let origin = version.origin.as_ref().expect("origin");
        assert_eq!(
            origin.origin_type,
            Some(caguard::inventory::OriginType::External)
        );
        assert_eq!(
            origin
                .domain_entry_point
                .as_ref()
                .and_then(|e| e.external_connection_name.as_deref()),
            Some("public:npmjs")
        );
    }

    // The emulator's --events-file (JSON Lines) is what --event reads.
    let event_path = events_file.clone();
    let before = emulator.stats();
    let (code, report, stderr) = scan(
        &url,
        &[
            "--event",
            event_path.to_str().expect("path"),
            "--context",
            context.to_str().expect("path"),
        ],
    );
    let calls = delta(&before, &emulator.stats());
    assert_eq!(code, 1, "critical findings fail the gate; stderr: {stderr}");
    assert_eq!(report["scan"]["complete"], true, "{report}");
    let rules = rule_ids(&report);
    for rule in [
        "internal-namespace-ingested",
        "mixed-origin-package",
        "external-version-outranks-internal",
    ] {
        assert!(rules.contains(rule), "{rule} missing: {rules:?}");
    }

    // Calls: exactly the formula over the state the reads saw, and nothing else (the
    // context is fresh, so no topology read).
    let mut expected = 0;
    for event in &events {
        let key = caguard::events::event(event).expect("event").target_key();
        let reach = evaluate::reach(&domain.clone(), &key.repository).expect("reach");
        expected += caguard::collect::targeted::minimum_calls(domain, &key, &reach);
    }
    let made: u64 = calls.values().sum();
    assert_eq!(made, expected, "calls per operation: {calls:?}");
    assert!(
        calls
            .keys()
            .all(|op| op == "DescribePackage" || op == "ListPackageVersions"),
        "{calls:?}"
    );
    // app (1.0.0, 1.1.0, 99.0.0: one page), shared (no record), npm-store (one page): 5 calls
    // for each of the two events.
    assert_eq!(expected, 10);

    // With the report as baseline, the same findings are existing ones: the gate passes.
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, report.to_string()).expect("baseline");
    let (code, _, stderr) = scan(
        &url,
        &[
            "--event",
            event_path.to_str().expect("path"),
            "--context",
            context.to_str().expect("path"),
            "--baseline",
            baseline.to_str().expect("path"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");

    // The full scan of the same state says the same about the package and its repositories.
    let (full_code, full, _) = scan(&url, &[]);
    assert_eq!(full_code, 1);
    let scope = ["app", "npm-store"];
    assert_eq!(
        findings_about(&report, "ui-button", &scope),
        findings_about(&full, "ui-button", &scope)
    );
    assert!(!findings_about(&report, "ui-button", &scope).is_empty());
    // Nothing about other packages.
    assert!(report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .all(|f| f["resource"]["type"] != "package" || f["resource"]["name"] == "ui-button"));
}

#[test]
fn duplicates_and_reordering_give_one_result_and_unlisted_versions_end_pending() {
    let runtime = runtime();
    let dir = common::scratch("events", "dedupe");
    let emulator = runtime
        .block_on(Emulator::start(world(), EmulatorOptions::default()))
        .expect("emulator");
    let url = emulator.endpoint_url();
    let context = fresh_context(&dir, &world());
    let first = ingest_ui_button(&emulator, "99.0.0");
    let second = ingest_ui_button(&emulator, "99.1.0");
    let context_arg = context.to_str().expect("path").to_string();

    let run = |name: &str, events: &Value, extra: &[&str]| {
        let path = dir.join(name);
        std::fs::write(&path, events.to_string()).expect("write");
        let mut args = vec![
            "--event".to_string(),
            path.to_str().expect("path").to_string(),
            "--context".to_string(),
            context_arg.clone(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        scan(&url, &args)
    };
    let in_order: Vec<Value> = first.iter().chain(&second).cloned().collect();
    let (code, ordered, _) = run("ordered.json", &Value::from(in_order.clone()), &[]);
    assert_eq!(code, 1);
    // Reversed, each delivered twice, as an SQS batch.
    let mut shuffled: Vec<Value> = in_order.iter().rev().cloned().collect();
    shuffled.extend(in_order.iter().cloned());
    let records: Vec<Value> = shuffled
        .iter()
        .enumerate()
        .map(|(i, e)| serde_json::json!({"messageId": format!("m-{i}"), "body": e.to_string()}))
        .collect();
    let before = emulator.stats();
    let (code, again, stderr) = run(
        "shuffled.json",
        &serde_json::json!({ "Records": records }),
        &[],
    );
    let made: u64 = delta(&before, &emulator.stats()).values().sum();
    assert_eq!(code, 1);
    assert_eq!(again["findings"], ordered["findings"]);
    assert!(
        stderr.contains("events: 4 (4 duplicate), 2 package(s) checked"),
        "{stderr}"
    );
    // Two packages read once each, however many deliveries named them.
    assert_eq!(made, 10);

    // An event for a version the list does not show (yet): re-read, then pending, exit 3
    // (left-pad has no finding, so nothing but the pending version decides the exit code).
    let mut unlisted = first[1].clone();
    unlisted["detail"]["packageNamespace"] = Value::Null;
    unlisted["detail"]["packageName"] = Value::from("left-pad");
    unlisted["detail"]["packageVersion"] = Value::from("100.0.0");
    unlisted["detail"]["eventDeduplicationId"] = Value::from("unlisted-1");
    unlisted["detail"]["sequenceNumber"] = Value::from(99);
    let before = emulator.stats();
    let (code, pending, stderr) = run(
        "unlisted.json",
        &unlisted,
        &["--pending-after", "2", "--pending-first-wait-ms", "50"],
    );
    let calls = delta(&before, &emulator.stats());
    assert_eq!(code, 3, "pending is incomplete, not clean: {stderr}");
    assert!(stderr.contains("pending:"), "{stderr}");
    let errors = pending["collectionErrors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["code"] == "PendingVersion"
            && e["message"].as_str().unwrap_or("").contains("100.0.0")),
        "{errors:?}"
    );
    // Retried: more reads of the event's repository than the one-shot formula.
    let listings = calls.get("ListPackageVersions").copied().unwrap_or(0);
    assert!(listings >= 3, "{calls:?}");
    assert_eq!(pending["scan"]["complete"], false);
}

#[test]
fn refused_ingestion_changes_nothing_and_emits_nothing() {
    let runtime = runtime();
    let mut blocked = world();
    // app's record of the package says upstream=BLOCK: the client cannot fetch through app.
    for repository in &mut blocked.domains[0].repositories {
        for package in &mut repository.packages {
            if package.package.package.as_deref() == Some("ui-button") {
                if let Some(restrictions) = package
                    .package
                    .origin_configuration
                    .as_mut()
                    .and_then(|c| c.restrictions.as_mut())
                {
                    restrictions.upstream = caguard::inventory::AllowMode::Block;
                }
            }
        }
    }
    let emulator = runtime
        .block_on(Emulator::start(blocked.clone(), EmulatorOptions::default()))
        .expect("emulator");
    let refused = emulator
        .ingest(&IngestRequest {
            domain: None,
            repository: "app".into(),
            format: "npm".into(),
            namespace: Some("acme".into()),
            package: "ui-button".into(),
            version: "99.0.0".into(),
        })
        .expect_err("blocked");
    assert_eq!(refused.0, 403, "{}", refused.1);
    assert!(emulator.events().is_empty());
    assert_eq!(emulator.inventory().domains, blocked.domains);
    // No connection in the closure: nothing to ingest from.
    let none = emulator
        .ingest(&IngestRequest {
            domain: None,
            repository: "tools".into(),
            format: "npm".into(),
            namespace: None,
            package: "left-pad".into(),
            version: "1.4.0".into(),
        })
        .expect_err("no connection");
    assert_eq!(none.0, 404);
    assert!(emulator.events().is_empty());
}

#[test]
fn api_writes_emit_update_and_delete_events() {
    let runtime = runtime();
    let emulator = runtime
        .block_on(Emulator::start(world(), EmulatorOptions::default()))
        .expect("emulator");
    let config = aws_sdk_codeartifact::Config::builder()
        .behavior_version(aws_sdk_codeartifact::config::BehaviorVersion::latest())
        .region(aws_sdk_codeartifact::config::Region::new("us-east-1"))
        .endpoint_url(emulator.endpoint_url())
        .credentials_provider(aws_sdk_codeartifact::config::Credentials::new(
            "AKIDTESTTESTTEST",
            "test-secret",
            None,
            None,
            "test",
        ))
        .build();
    let client = aws_sdk_codeartifact::Client::from_conf(config);
    runtime.block_on(async {
        client
            .update_package_versions_status()
            .domain("acme")
            .repository("app")
            .format(aws_sdk_codeartifact::types::PackageFormat::Npm)
            .namespace("acme")
            .package("ui-button")
            .versions("1.0.0")
            .target_status(aws_sdk_codeartifact::types::PackageVersionStatus::Archived)
            .send()
            .await
            .expect("status updated");
        client
            .delete_package_versions()
            .domain("acme")
            .repository("app")
            .format(aws_sdk_codeartifact::types::PackageFormat::Npm)
            .namespace("acme")
            .package("ui-button")
            .versions("1.1.0")
            .send()
            .await
            .expect("deleted");
    });
    let events = emulator.events();
    let summary: Vec<(String, String, String, u64)> = events
        .iter()
        .map(|e| {
            let d = &e["detail"];
            (
                d["packageVersion"].as_str().unwrap_or("").to_string(),
                d["operationType"].as_str().unwrap_or("").to_string(),
                d["packageVersionState"].as_str().unwrap_or("").to_string(),
                d["sequenceNumber"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("1.0.0".into(), "Updated".into(), "Archived".into(), 1),
            ("1.1.0".into(), "Deleted".into(), "Published".into(), 2),
        ]
    );
    assert_eq!(events[0]["detail"]["changes"]["statusChanged"], true);
}

#[test]
fn without_a_context_the_topology_is_read_once_without_package_listings() {
    let runtime = runtime();
    let dir = common::scratch("events", "topology");
    let emulator = runtime
        .block_on(Emulator::start(world(), EmulatorOptions::default()))
        .expect("emulator");
    let url = emulator.endpoint_url();
    let events = ingest_ui_button(&emulator, "99.0.0");
    let app_event = events
        .iter()
        .find(|e| e["detail"]["repositoryName"] == "app")
        .expect("app event")
        .clone();
    let path = dir.join("event.json");
    std::fs::write(&path, app_event.to_string()).expect("write");
    // A context too old to use is the same as none.
    let mut stale = world();
    stale.collected_at = Some(1.0);
    let stale_path = dir.join("stale.json");
    std::fs::write(&stale_path, stale.to_json()).expect("write");
    for extra in [
        vec![],
        vec![
            "--context",
            stale_path.to_str().expect("path"),
            "--context-max-age",
            "60",
        ],
    ] {
        let before = emulator.stats();
        let mut args = vec!["--event", path.to_str().expect("path")];
        args.extend(extra);
        let (code, report, stderr) = scan(&url, &args);
        let calls = delta(&before, &emulator.stats());
        assert_eq!(code, 1, "{stderr}");
        assert!(rule_ids(&report).contains("mixed-origin-package"));
        // Topology: DescribeDomain + GetDomainPermissionsPolicy + ListPackageGroups +
        // ListRepositoriesInDomain + 4 × (DescribeRepository + GetRepositoryPermissionsPolicy);
        // the event: app (record, one page), shared (none), npm-store (record, one page).
        let expected: BTreeMap<String, u64> = [
            ("DescribeDomain", 1),
            ("GetDomainPermissionsPolicy", 1),
            ("ListPackageGroups", 1),
            ("ListRepositoriesInDomain", 1),
            ("DescribeRepository", 4),
            ("GetRepositoryPermissionsPolicy", 4),
            ("DescribePackage", 3),
            ("ListPackageVersions", 2),
        ]
        .into_iter()
        .map(|(op, n)| (op.to_string(), n))
        .collect();
        assert_eq!(calls, expected);
    }
}

#[test]
fn the_function_policy_grants_exactly_what_event_scans_call() {
    let policy: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("examples/aws/events/function-policy.json"))
            .expect("policy"),
    )
    .expect("JSON");
    let granted: BTreeSet<String> = policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_string))
        .filter(|a| a.starts_with("codeartifact:"))
        .collect();
    // The per-event reads and the topology reads (the full collection's, minus ListDomains
    // and the package listings).
    let expected: BTreeSet<String> = [
        "DescribePackage",
        "ListPackageVersions",
        "DescribeDomain",
        "DescribeRepository",
        "GetDomainPermissionsPolicy",
        "GetRepositoryPermissionsPolicy",
        "ListAllowedRepositoriesForGroup",
        "ListPackageGroups",
        "ListRepositoriesInDomain",
    ]
    .iter()
    .map(|op| format!("codeartifact:{op}"))
    .collect();
    assert_eq!(granted, expected);
    let targeted =
        std::fs::read_to_string(common::root().join("src/collect/targeted.rs")).expect("source");
    assert!(
        targeted.contains(".describe_package()") && targeted.contains(".list_package_versions()")
    );
    // The deployable template grants the same actions.
    let template =
        std::fs::read_to_string(common::root().join("examples/aws/events/template.yaml"))
            .expect("template");
    for action in &expected {
        assert!(
            template.contains(&format!("- {action}")),
            "{action} not in template.yaml"
        );
    }
    assert_eq!(template.matches("- codeartifact:").count(), expected.len());
}

#[test]
fn events_are_also_posted_to_a_loopback_url() {
    let runtime = runtime();
    runtime.block_on(async {
        use tokio::io::AsyncReadExt as _;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/events", listener.local_addr().expect("addr"));
        let emulator = Emulator::start(
            world(),
            EmulatorOptions {
                events_url: Some(url),
                ..EmulatorOptions::default()
            },
        )
        .await
        .expect("emulator");
        let events = ingest_ui_button(&emulator, "99.0.0");
        let mut received = Vec::new();
        for _ in 0..events.len() {
            let (mut stream, _) = listener.accept().await.expect("a POST");
            let mut request = String::new();
            // The emulator closes its side after sending (Connection: close).
            let mut buffer = vec![0u8; 65536];
            loop {
                let n = stream.read(&mut buffer).await.expect("read");
                request.push_str(&String::from_utf8_lossy(&buffer[..n]));
                if n == 0 || request.contains("\r\n\r\n") && request.ends_with('}') {
                    break;
                }
            }
            assert!(
                request.starts_with("POST /events HTTP/1.1\r\n"),
                "{request}"
            );
            let body = request.split("\r\n\r\n").nth(1).unwrap_or("");
            received.push(serde_json::from_str::<Value>(body).expect("event JSON"));
        }
        let key = |e: &Value| e["id"].as_str().unwrap_or("").to_string();
        let mut received_ids: Vec<String> = received.iter().map(key).collect();
        let mut sent_ids: Vec<String> = events.iter().map(key).collect();
        received_ids.sort();
        sent_ids.sort();
        assert_eq!(received_ids, sent_ids);
    });
}
