//! Hostile configuration and rule files (`fixtures/hostile/`): each once panicked, overflowed the
//! stack, hung or exhausted memory; now each is a one-line error with a position and exit code 2.

mod common;

use common::root;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const DEMO: &str = "fixtures/demo/acme.json";

/// Runs caguard in `dir`; returns (exit code, stderr) and checks it took under `limit`.
fn caguard_in(dir: &Path, args: &[&str], limit: Duration) -> (i32, String) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_caguard"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("caguard runs");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(elapsed < limit, "took {elapsed:?}: {stderr}");
    (output.status.code().unwrap_or(-1), stderr)
}

fn scan_with_rules(rules: &str) -> (i32, String) {
    caguard_in(
        &root(),
        &["scan", "--inventory", DEMO, "--rules", rules],
        Duration::from_secs(30),
    )
}

/// A single error line, no panic or backtrace.
fn assert_one_line_error(stderr: &str, starts_with: &str, contains: &str) {
    assert!(
        stderr.starts_with(&format!("error: {starts_with}")),
        "{stderr}"
    );
    assert!(stderr.contains(contains), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn discovered_config_with_non_ascii_suppression_resource() {
    // `./caguard.toml` is read automatically: this panicked every scan in the directory.
    let dir = root().join("fixtures/hostile/suppress-non-ascii-arn");
    let inventory = root().join(DEMO);
    let inventory = inventory.to_str().expect("UTF-8 path");
    let (code, stderr) = caguard_in(
        &dir,
        &["scan", "--inventory", inventory],
        Duration::from_secs(30),
    );
    assert_eq!(code, 2, "{stderr}");
    assert_one_line_error(&stderr, "caguard.toml:3:12: ", "must be a CodeArtifact ARN");
}

#[test]
fn nested_comprehensions_over_literal_lists_are_refused_at_load() {
    let (code, stderr) = scan_with_rules("fixtures/hostile/rules-nested-all-literal");
    assert_eq!(code, 2, "{stderr}");
    assert_one_line_error(
        &stderr,
        "fixtures/hostile/rules-nested-all-literal/nested-all-literal.toml:5:9: ",
        "over the limit of 1000000",
    );
}

#[test]
fn nested_comprehensions_over_facts_stop_at_the_budget() {
    let (code, stderr) = scan_with_rules("fixtures/hostile/rules-nested-all-facts");
    assert_eq!(code, 2, "{stderr}");
    assert_one_line_error(
        &stderr,
        "fixtures/hostile/rules-nested-all-facts/nested-all-facts.toml: rule `nested-all-facts` on arn:aws:codeartifact:us-east-1:111122223333:domain/acme: ",
        "over the evaluation budget",
    );
}

#[test]
fn huge_literal_pattern_is_refused_at_load() {
    let (code, stderr) = scan_with_rules("fixtures/hostile/rules-matches-huge-literal");
    assert_eq!(code, 2, "{stderr}");
    assert_one_line_error(
        &stderr,
        "fixtures/hostile/rules-matches-huge-literal/matches-huge-literal.toml:5:",
        "over the limit for `matches()`",
    );
}

#[test]
fn long_chains_are_refused_before_parsing() {
    // 1,500 terms overflowed a rayon worker evaluating; 20,000 overflowed the parser.
    let dir = std::env::temp_dir().join(format!("caguard-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases = [
        ("sum-1500", format!("{} > 0", vec!["1"; 1_500].join(" + "))),
        (
            "sum-20000",
            format!("{} > 0", vec!["1"; 20_000].join(" + ")),
        ),
        ("in-1500", format!("true{}", " in [true]".repeat(1_500))),
        ("index-1500", format!("[0]{} == 0", "[0]".repeat(1_500))),
        (
            "selector-20000",
            format!("domain.name{} == 1", ".x".repeat(20_000)),
        ),
        // Short enough for the length limit, too deep for the nesting limit.
        (
            "parens-200",
            format!("{}1{} > 0", "(".repeat(200), ")".repeat(200)),
        ),
    ];
    for (name, when) in cases {
        let rules = dir.join(name);
        std::fs::create_dir_all(&rules).expect("rule dir");
        let text = format!(
            "id = \"{name}\"\ntitle = \"t\"\nseverity = \"low\"\nscope = \"domain\"\nwhen = '{when}'\nmessage = \"m\"\n[docs]\nwhy = \"w\"\nremediation = \"r\"\n"
        );
        std::fs::write(rules.join("rule.toml"), text).expect("rule file");
        let rules = rules.to_str().expect("UTF-8 path");
        let (code, stderr) = scan_with_rules(rules);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert_one_line_error(
            &stderr,
            &format!("{rules}/rule.toml:5:"),
            "over the limit of",
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
