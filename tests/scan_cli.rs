//! End-to-end behaviour of `caguard scan`, `facts` and `rules` on the demo world.

mod common;

use common::caguard;
use std::collections::BTreeSet;

const DEMO: &str = "fixtures/demo/acme.json";
const DEMO_CONFIG: &str = "fixtures/demo/caguard.toml";

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("caguard-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn demo_scan_reports_every_rule_and_fails_the_gate() {
    let (code, stdout, stderr) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    let fired: BTreeSet<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["ruleId"].as_str())
        .collect();
    let (_, list, _) = caguard(&["rules", "list"]);
    let all: BTreeSet<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(all.len(), 14);
    assert_eq!(fired, all, "every built-in rule fires on the demo");

    let (code, text, _) = caguard(&["scan", "--inventory", DEMO, "--config", DEMO_CONFIG]);
    assert_eq!(code, 1);
    assert!(text.contains("CRITICAL ("), "{text}");
    assert!(text.contains("evidence:"));
    assert!(text.contains("$ aws codeartifact put-package-origin-configuration"));

    let (code, _, _) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn demo_text_report_snapshot() {
    let (_, text, _) = caguard(&["scan", "--inventory", DEMO, "--config", DEMO_CONFIG]);
    insta::assert_snapshot!("demo_text_report", text);
}

#[test]
fn json_report_validates_against_committed_schema() {
    let path = common::root().join("schemas/report-v1.schema.json");
    let generated = caguard::report::json::schema();
    if std::env::var_os("CAGUARD_UPDATE_SCHEMA").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).expect("schema file");
    assert_eq!(
        committed, generated,
        "schemas/report-v1.schema.json is out of date: rerun this test with CAGUARD_UPDATE_SCHEMA=1"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let (_, stdout, _) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    for finding in report["findings"].as_array().expect("findings") {
        for key in ["ruleId", "severity", "fingerprint"] {
            assert!(finding[key].is_string(), "{key} in {finding}");
        }
        assert!(finding["resource"]["arn"]
            .as_str()
            .is_some_and(|a| a.starts_with("arn:aws:codeartifact:")));
    }
}

#[test]
fn baseline_marks_existing_and_gate_counts_only_new() {
    let dir = temp_dir("baseline");
    let previous = dir.join("previous.json");
    let previous_text = previous.to_string_lossy().into_owned();
    let (_, _, _) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--output",
        &previous_text,
    ]);
    let (code, stdout, stderr) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--baseline",
        &previous_text,
    ]);
    assert_eq!(code, 0, "every finding is in the baseline: {stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(report["summary"]["new"], 0);
    assert!(report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .all(|f| f["baselineState"] == "existing"));

    // Drop one finding from the baseline: it becomes new and fails the gate again.
    let mut edited: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&previous).expect("read")).expect("json");
    let findings = edited["findings"].as_array_mut().expect("findings");
    let critical = findings
        .iter()
        .position(|f| f["severity"] == "critical")
        .expect("a critical finding");
    let removed = findings.remove(critical);
    std::fs::write(&previous, serde_json::to_string(&edited).expect("json")).expect("write");
    let (code, stdout, _) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--baseline",
        &previous_text,
    ]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    let new: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["baselineState"] == "new")
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["fingerprint"], removed["fingerprint"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn custom_rule_directory_adds_a_rule() {
    let dir = temp_dir("custom-rules");
    std::fs::write(
        dir.join("npm-package-without-scope.toml"),
        r#"id = "acme-archived-versions"
title = "Package has archived versions"
severity = "info"
scope = "version"
when = 'version.status == "Archived"'
message = "Version {version.version} of {version.name} is archived"
[docs]
why = "Archived versions cannot be downloaded."
remediation = "Restore or dispose of them."
"#,
    )
    .expect("write rule");
    let dir_text = dir.to_string_lossy().into_owned();
    let (code, stdout, stderr) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--rules",
        &dir_text,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("\"ruleId\": \"acme-archived-versions\""),
        "custom rule fired"
    );
    let (_, list, _) = caguard(&["rules", "list", "--rules", &dir_text]);
    assert!(list.contains("acme-archived-versions"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn broken_rule_config_and_inventory_exit_2_with_positions() {
    let dir = temp_dir("broken");
    std::fs::write(
        dir.join("bad.toml"),
        "id = \"bad-rule\"\ntitle = \"t\"\nseverity = \"high\"\nscope = \"package\"\nwhen = 'pkg.nonexistent > 0'\nmessage = \"m\"\n[docs]\nwhy = \"w\"\nremediation = \"r\"\n",
    )
    .expect("write");
    let dir_text = dir.to_string_lossy().into_owned();
    let (code, stdout, stderr) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--rules",
        &dir_text,
    ]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty(), "nothing scanned");
    assert!(
        stderr.contains("bad.toml:5:9: `pkg.nonexistent` is not a fact of scope package"),
        "{stderr}"
    );

    let config = dir.join("caguard.toml");
    std::fs::write(
        &config,
        "[internal]\npatterns = [\"/npm/acme/*\"]\n\n[trust]\naccount = [\"444455556666\"]\n",
    )
    .expect("write");
    let config_text = config.to_string_lossy().into_owned();
    let (code, _, stderr) = caguard(&["scan", "--inventory", DEMO, "--config", &config_text]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("caguard.toml:5:1: unknown field `account`"),
        "{stderr}"
    );

    let inventory = dir.join("inventory.json");
    std::fs::write(&inventory, "{\n  \"inventoryVersion\": 1,\n  \"domains\": [\n    {\"domain\": {\"name\": 42}}\n  ]\n}\n").expect("write");
    let inventory_text = inventory.to_string_lossy().into_owned();
    let (code, _, stderr) = caguard(&["scan", "--inventory", &inventory_text]);
    assert_eq!(code, 2);
    assert!(stderr.contains("inventory.json:4:"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn facts_show_two_hop_path_and_inherited_block() {
    let (code, stdout, stderr) = caguard(&[
        "facts",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--scope",
        "package",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let facts: serde_json::Value = serde_json::from_str(&stdout).expect("facts JSON");
    let packages = facts["packages"].as_array().expect("packages");
    let inventory: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join(DEMO)).expect("demo"))
            .expect("json");
    let records: usize = inventory["domains"][0]["repositories"]
        .as_array()
        .expect("repositories")
        .iter()
        .map(|r| r["packages"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(packages.len(), records, "facts for every package");

    let telemetry = packages
        .iter()
        .find(|p| p["repository"] == "app" && p["name"] == "acme-telemetry")
        .expect("app/acme-telemetry");
    assert_eq!(telemetry["exposed"], true);
    let path = &telemetry["exposure"][0];
    assert_eq!(
        path["path"],
        serde_json::json!(["app", "internal", "crates-io-store"])
    );
    assert_eq!(path["connection"], "public:crates-io");

    let button = packages
        .iter()
        .find(|p| p["repository"] == "app" && p["name"] == "ui-button")
        .expect("app/@acme/ui-button");
    assert_eq!(button["exposed"], false);
    assert_eq!(
        button["group"]["modes"]["external_upstream"]["inherited_from"],
        "/npm/acme/*"
    );
    assert!(button["blocked_by"]
        .as_array()
        .expect("blocked_by")
        .iter()
        .any(|b| b.as_str().is_some_and(
            |text| text.contains("EXTERNAL_UPSTREAM=BLOCK (inherited from `/npm/acme/*`)")
        )));
}
