//! Resource policies caguard cannot read fail closed: the scan is incomplete (exit 3, or 1 when
//! a finding fails the gate), the SARIF run of that account/region is withheld so no open alert
//! closes, and the text and JSON reports say which policy and why.

mod common;

use common::caguard;
use serde_json::{json, Value};

const UNPARSABLE: &str = "fixtures/hostile/unparsable-repository-policy.json";
const REPOSITORY: &str = "arn:aws:codeartifact:us-east-1:111122223333:repository/acme/app";
const DEMO: &str = "fixtures/demo/acme.json";
const DEMO_CONFIG: &str = "fixtures/demo/caguard.toml";

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"))
}

fn run_for<'a>(doc: &'a Value, account: &str) -> &'a Value {
    doc["runs"]
        .as_array()
        .and_then(|runs| runs.iter().find(|r| r["properties"]["account"] == account))
        .unwrap_or_else(|| panic!("no run for {account}"))
}

#[test]
fn unparsable_repository_policy_makes_the_scan_incomplete() {
    let (code, text, stderr) = caguard(&["scan", "--inventory", UNPARSABLE]);
    assert_eq!(code, 3, "{stderr}\n{text}");
    assert!(
        text.contains("INCOMPLETE: 1 resource read(s) failed"),
        "{text}"
    );
    for part in [
        "GetRepositoryPermissionsPolicy",
        REPOSITORY,
        "UnreadablePolicyDocument",
        "policy document is not JSON",
        "line 1 column",
        "the policy rules cannot judge it",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }

    let (code, report, _) = caguard(&["scan", "--inventory", UNPARSABLE, "--format", "json"]);
    assert_eq!(code, 3);
    let report = parse(&report);
    assert_eq!(report["scan"]["complete"], false);
    assert_eq!(report["collectionErrors"][0]["resource"], REPOSITORY);
    assert_eq!(
        report["collectionErrors"][0]["code"],
        "UnreadablePolicyDocument"
    );

    let (code, sarif, _) = caguard(&["scan", "--inventory", UNPARSABLE, "--format", "sarif"]);
    assert_eq!(code, 3);
    let doc = parse(&sarif);
    let withheld = run_for(&doc, "111122223333");
    assert_eq!(
        withheld["automationDetails"]["id"],
        "caguard/111122223333/us-east-1/incomplete/"
    );
    assert_eq!(withheld["invocations"][0]["executionSuccessful"], false);
    assert_eq!(withheld["results"], json!([]));
    let notification = &withheld["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert_eq!(notification["properties"]["resource"], REPOSITORY);
    assert_eq!(
        notification["properties"]["code"],
        "UnreadablePolicyDocument"
    );
    // The other account's policies were all read: its run is published as usual.
    let clean = run_for(&doc, "555566667777");
    assert_eq!(
        clean["automationDetails"]["id"],
        "caguard/555566667777/us-east-1/"
    );
    assert_eq!(clean["invocations"][0]["executionSuccessful"], true);
}

/// The demo world with one policy replaced: a document that reads, but not the way caguard
/// could judge it, withholds the run exactly like one that is not JSON; a finding at or above
/// `--fail-on` still decides the exit code.
#[test]
fn unreadable_statement_in_the_demo_withholds_its_run_and_findings_still_fail_the_gate() {
    let dir = std::env::temp_dir().join(format!("caguard-hostile-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut inventory =
        parse(&std::fs::read_to_string(common::root().join(DEMO)).expect("demo inventory"));
    // Before: a lowercase `allow` was skipped as "not Allow", so this public grant went unseen.
    inventory["domains"][0]["policy"]["document"] = json!(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"allow","Principal":"*","Action":"codeartifact:*","Resource":"*"}]}"#
    );
    let path = dir.join("demo-unreadable-domain-policy.json");
    std::fs::write(&path, serde_json::to_string(&inventory).expect("json")).expect("write");
    let path = path.to_string_lossy().into_owned();

    let scan = |fail_on: &str| {
        caguard(&[
            "scan",
            "--inventory",
            &path,
            "--config",
            DEMO_CONFIG,
            "--format",
            "sarif",
            "--fail-on",
            fail_on,
        ])
    };
    let (code, sarif, stderr) = scan("none");
    assert_eq!(code, 3, "{stderr}");
    let doc = parse(&sarif);
    let run = run_for(&doc, "111122223333");
    assert_eq!(
        run["automationDetails"]["id"],
        "caguard/111122223333/us-east-1/incomplete/"
    );
    assert_eq!(run["results"], json!([]));
    let text = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("GetDomainPermissionsPolicy")
            && text.contains("statement 1: Effect is \"allow\""),
        "{text}"
    );

    let (code, _, _) = scan("high");
    assert_eq!(
        code, 1,
        "a finding that fails the gate wins over incomplete"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `caguard facts` still names the unreadable policy in its warnings.
#[test]
fn facts_command_lists_the_unreadable_policy() {
    let (code, out, stderr) = caguard(&["facts", "--inventory", UNPARSABLE]);
    assert_eq!(code, 0, "{stderr}");
    let facts = parse(&out);
    let warnings = facts["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.starts_with(REPOSITORY) && w.contains("not JSON"))),
        "{warnings:?}"
    );
}
