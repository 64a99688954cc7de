//! Hostile inventory shapes: the scan stays linear, and what cannot be judged is refused.

mod common;
#[path = "hostile/shapes.rs"]
mod shapes;

use caguard::config::{Config, Date};
use caguard::inventory::Inventory;
use caguard::rules::RuleSet;
use std::path::Path;
use std::time::Instant;

fn scan(text: &str) -> caguard::report::ScanResult {
    let inventory =
        Inventory::parse(text, Path::new("hostile.json")).unwrap_or_else(|e| panic!("{e}"));
    let rules = RuleSet::load(&[]).unwrap_or_else(|e| panic!("{e}"));
    let today = Date {
        year: 2026,
        month: 11,
        day: 21,
    };
    caguard::app::scan(&inventory, None, &Config::default(), &rules, None, today)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn fifty_thousand_colliding_pypi_names_stay_linear() {
    // Every package used to carry all 49,999 others in `name_collisions`: 8,000 names aborted.
    let count = 50_000;
    let text = shapes::colliding_pypi_names(count);
    let started = Instant::now();
    let inventory =
        Inventory::parse(&text, Path::new("hostile.json")).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("parse {:.2?}", started.elapsed());
    let facts = caguard::facts::derive(&inventory, &caguard::facts::FactsConfig::default());
    let elapsed = started.elapsed();
    eprintln!("{count} colliding names: parse + facts in {elapsed:.2?}");
    assert_eq!(facts.packages.len(), count);
    for package in &facts.packages {
        assert_eq!(package.name_collisions.len(), 10, "{}", package.name);
        assert_eq!(package.name_collisions_count, count as i64 - 1);
        assert!(!package.name_collisions.contains(&package.name));
    }
    // Deterministic: the first names in sort order, whatever the inventory order.
    let first = &facts.packages[0].name_collisions;
    assert!(first.windows(2).all(|pair| pair[0] < pair[1]), "{first:?}");
}

#[test]
fn lookalike_findings_name_a_bounded_list_and_the_total() {
    // 2,000 pairs gave a 235 MB report (every finding listed every lookalike); 4,000 aborted.
    let pairs = 4_000;
    let started = Instant::now();
    let result = scan(&shapes::lookalike_pairs(pairs));
    let lookalikes: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.rule_id == "lookalike-of-internal-package")
        .collect();
    assert_eq!(lookalikes.len(), pairs);
    for finding in &lookalikes {
        assert!(
            finding
                .message
                .contains(&format!(" and {} more only in case", pairs - 10)),
            "{}",
            finding.message
        );
        assert!(finding.message.len() < 1_000, "{}", finding.message);
        assert_eq!(finding.evidence["pkg.lookalike_of_count"], pairs);
    }
    let report = caguard::report::json::render(&result);
    eprintln!(
        "{pairs} lookalike pairs: scan + JSON report ({} MB) in {:.2?}",
        report.len() / 1_000_000,
        started.elapsed()
    );
    assert!(report.len() < pairs * 4_000, "{} bytes", report.len());
}

#[test]
fn forty_thousand_identical_records_are_an_input_error() {
    let started = Instant::now();
    let error = Inventory::parse(
        &shapes::identical_records(40_000),
        Path::new("hostile.json"),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"hostile.json: domains[0].repositories[0].packages[1]: duplicate package record npm "left-pad" in repository "app" (first at domains[0].repositories[0].packages[0])"#
    );
    eprintln!(
        "40,000 identical records refused in {:.2?}",
        started.elapsed()
    );
}

/// Scans `fixtures/hostile/NAME` with the binary: (exit code, stdout, stderr).
fn scan_fixture(name: &str) -> (i32, String, String) {
    let path = format!("fixtures/hostile/{name}");
    common::caguard(&[
        "scan",
        "--inventory",
        &path,
        "--format",
        "json",
        "--fail-on",
        "none",
    ])
}

#[test]
fn invalid_inventories_exit_2_with_one_line_naming_file_and_position() {
    let cases = [
        (
            "array-as-inventory.json",
            ":1:1: invalid type: sequence, expected an inventory object",
        ),
        (
            "positional-inventory.json",
            ":1:1: invalid type: sequence, expected an inventory object",
        ),
        (
            "duplicate-repository.json",
            r#": domains[0].repositories[2]: duplicate repository name "app" (first at domains[0].repositories[0])"#,
        ),
        (
            "duplicate-package-record.json",
            r#": domains[0].repositories[0].packages[1]: duplicate package record npm "ui" in repository "app" (first at domains[0].repositories[0].packages[0])"#,
        ),
        (
            "missing-package-name.json",
            ": domains[0].repositories[0].packages[0]: package without a name (`package.package`)",
        ),
        (
            "region-with-account.json",
            r#": region: invalid region "us-east-1:999999999999""#,
        ),
        (
            "slash-in-namespace.json",
            r#": domains[0].repositories[0].packages[0].package.namespace: invalid package namespace "a/b""#,
        ),
        (
            "slash-in-name.json",
            r#": domains[0].repositories[0].packages[0].package.package: invalid package name "b/c""#,
        ),
    ];
    for (name, expected) in cases {
        let (code, stdout, stderr) = scan_fixture(name);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: nothing is scanned: {stdout}");
        let prefix = format!("error: fixtures/hostile/{name}{expected}");
        assert!(
            stderr.starts_with(&prefix),
            "{name}:\n{stderr}\nexpected: {prefix}"
        );
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
    }
}

#[test]
fn misspelt_container_keys_and_empty_inventories_are_reported() {
    let (code, stdout, stderr) = scan_fixture("misspelt-container-keys.json");
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    let warnings = report["warnings"].as_array().expect("warnings");
    for expected in [
        r#"fixtures/hostile/misspelt-container-keys.json: top level: unknown key "Domains" ignored (misspelt?)"#,
        r#"fixtures/hostile/misspelt-container-keys.json: domains[0].repositories[0]: unknown key "external_connections" ignored (misspelt?)"#,
    ] {
        assert!(warnings.iter().any(|w| w == expected), "{warnings:?}");
        assert!(stderr.contains(expected), "{stderr}");
    }
    let (code, stdout, _) = scan_fixture("only-inventory-version.json");
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(
        report["warnings"],
        serde_json::json!(["fixtures/hostile/only-inventory-version.json: top level: the inventory holds no domains; nothing is scanned"])
    );
}
