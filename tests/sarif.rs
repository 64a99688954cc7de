//! SARIF output for GitHub code scanning: the OASIS schema, GitHub's own ingestion requirements
//! (which the schema does not express), identity, suppressions, baseline, categories, the
//! incomplete-collection form and determinism. GitHub's requirements:
//! <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>.

mod common;

use common::caguard;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

const DEMO: &str = "fixtures/demo/acme.json";
const DEMO_CONFIG: &str = "fixtures/demo/caguard.toml";
/// The normative OASIS schema (draft-04), vendored verbatim; source and licence in
/// `tests/data/README.md`.
const SCHEMA: &str = "tests/data/sarif-schema-2.1.0.json";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caguard-sarif-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("SARIF is not JSON: {e}\n{text}"))
}

/// `caguard scan ... --format sarif` on stdout: (exit code, raw text, stderr).
fn sarif_scan(extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["scan", "--format", "sarif"];
    args.extend_from_slice(extra);
    caguard(&args)
}

fn demo_sarif() -> String {
    let (code, text, stderr) = sarif_scan(&[
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 0, "{stderr}");
    text
}

fn runs(doc: &Value) -> &Vec<Value> {
    doc["runs"].as_array().expect("runs array")
}

fn results(run: &Value) -> &Vec<Value> {
    run["results"]
        .as_array()
        .expect("results array (GitHub requires it, even empty)")
}

/// Schema errors of a SARIF document against the OASIS draft-04 schema.
fn schema_errors(doc: &Value) -> Vec<String> {
    let path = common::root().join(SCHEMA);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the OASIS SARIF schema is expected there)",
            path.display()
        )
    });
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let validator =
        jsonschema::draft4::new(&schema).expect("the OASIS schema compiles as draft-04");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// A `uri-reference` that is a relative path: no scheme, no leading `/`, only unreserved
/// characters, `@`, `/` and well-formed percent escapes. (The Rust validator skips
/// `uri-reference` under draft-04, so this is checked here.)
fn assert_relative_uri(uri: &str) {
    assert!(!uri.is_empty() && !uri.starts_with('/'), "{uri}");
    let first = uri.split('/').next().unwrap_or_default();
    assert!(!first.contains(':'), "no scheme: {uri}");
    let bytes = uri.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            assert!(
                i + 2 < bytes.len()
                    && bytes[i + 1].is_ascii_hexdigit()
                    && bytes[i + 2].is_ascii_hexdigit(),
                "bad escape in {uri}"
            );
            i += 3;
            continue;
        }
        assert!(
            b.is_ascii_alphanumeric() || b"-._~@/".contains(&b),
            "character {:?} in {uri}",
            char::from(b)
        );
        i += 1;
    }
    for segment in uri.split('/') {
        assert!(
            !segment.is_empty() && segment != "." && segment != "..",
            "segment {segment:?} in {uri}"
        );
    }
}

fn non_empty_str<'a>(value: &'a Value, what: &str) -> &'a str {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is missing or not a string"));
    assert!(!text.trim().is_empty(), "{what} is empty");
    text
}

/// GitHub's requirements that the schema does not express (GitHub's SARIF support page and the
/// GH rules of sarif-sdk's Multitool).
fn assert_github_requirements(doc: &Value) {
    assert_eq!(doc["version"], "2.1.0");
    non_empty_str(&doc["$schema"], "$schema");
    let runs = runs(doc);
    assert!(
        !runs.is_empty() && runs.len() <= 20,
        "1..=20 runs, got {}",
        runs.len()
    );
    let mut categories = BTreeSet::new();
    for run in runs {
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "caguard");
        non_empty_str(&driver["semanticVersion"], "semanticVersion");
        let category = non_empty_str(&run["automationDetails"]["id"], "automationDetails.id");
        assert!(
            category.ends_with('/'),
            "category only, no run id: {category}"
        );
        assert!(
            categories.insert(category.to_string()),
            "two runs with category {category}"
        );
        assert!(run["invocations"][0]["executionSuccessful"].is_boolean());

        let rules = driver["rules"].as_array().expect("driver.rules");
        let mut ids = BTreeSet::new();
        for rule in rules {
            let id = non_empty_str(&rule["id"], "rule id");
            assert!(ids.insert(id.to_string()), "duplicate rule {id}");
            let name = non_empty_str(&rule["name"], "rule name");
            assert_ne!(name, id, "SARIF §3.49.7: name differs from id");
            assert!(name.chars().count() <= 255);
            for key in ["shortDescription", "fullDescription"] {
                let text = non_empty_str(&rule[key]["text"], key);
                assert!(
                    text.chars().count() <= 1024,
                    "{id} {key} is over 1024 characters"
                );
            }
            non_empty_str(&rule["help"]["text"], "help.text");
            non_empty_str(&rule["help"]["markdown"], "help.markdown");
            non_empty_str(&rule["helpUri"], "helpUri");
            assert!(
                ["error", "warning", "note"]
                    .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap_or("")),
                "{id} level"
            );
            let properties = &rule["properties"];
            let tags = properties["tags"].as_array().expect("tags");
            assert!(tags.iter().any(|t| t == "security"), "{id}: security tag");
            assert!(tags.len() <= 20);
            assert!(["very-high", "high", "medium", "low"]
                .contains(&properties["precision"].as_str().unwrap_or("")));
            let severity = properties["security-severity"]
                .as_str()
                .unwrap_or_else(|| panic!("{id}: security-severity must be a string"));
            let value: f64 = severity
                .parse()
                .unwrap_or_else(|_| panic!("{id}: security-severity {severity:?} is not a number"));
            assert!(
                value > 0.0 && value <= 10.0,
                "{id}: security-severity {value}"
            );
        }
        let sorted: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
        assert!(sorted.windows(2).all(|w| w[0] < w[1]), "rules sorted by id");

        let results = results(run);
        assert!(results.len() <= 25_000);
        let mut fingerprints = BTreeSet::new();
        let mut order = Vec::new();
        for result in results {
            let rule_id = non_empty_str(&result["ruleId"], "ruleId");
            let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules[index]["id"], rule_id, "ruleIndex points at the rule");
            let message = non_empty_str(&result["message"]["text"], "message.text");
            let arn = non_empty_str(&result["properties"]["arn"], "properties.arn");
            assert!(
                message.contains(arn),
                "the ARN is in the alert text: {message}"
            );
            let locations = result["locations"].as_array().expect("locations");
            assert!(!locations.is_empty() && locations.len() <= 1000);
            let physical = &locations[0]["physicalLocation"];
            let uri = non_empty_str(&physical["artifactLocation"]["uri"], "uri");
            assert_relative_uri(uri);
            assert!(!uri.contains("arn:"), "never an ARN as the URI: {uri}");
            assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            assert!(
                physical["region"]["startLine"]
                    .as_u64()
                    .is_some_and(|l| l >= 1),
                "startLine"
            );
            assert_eq!(
                locations[0]["logicalLocations"][0]["fullyQualifiedName"],
                arn
            );
            let fingerprint = non_empty_str(
                &result["partialFingerprints"]["primaryLocationLineHash"],
                "fingerprint",
            );
            assert_eq!(
                fingerprint,
                caguard::finding::fingerprint(rule_id, arn),
                "ruleId + ARN"
            );
            assert!(
                fingerprints.insert(fingerprint.to_string()),
                "fingerprint {fingerprint} twice in a run"
            );
            assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap_or("")));
            order.push((rule_id.to_string(), arn.to_string()));
        }
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "results sorted by (ruleId, ARN)"
        );
    }
}

#[test]
fn demo_sarif_validates_against_the_oasis_schema() {
    let doc = parse(&demo_sarif());
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator must be able to fail: a region without startLine (and without any offset)
    // breaks the schema's anyOf.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] =
        json!({"endLine": 1});
    assert!(
        !schema_errors(&broken).is_empty(),
        "the schema check is live"
    );
}

#[test]
fn demo_sarif_meets_github_requirements() {
    let text = demo_sarif();
    let doc = parse(&text);
    assert_github_requirements(&doc);
    let runs = runs(&doc);
    assert_eq!(runs.len(), 1, "one domain, one account and region: one run");
    let run = &runs[0];
    assert_eq!(
        run["automationDetails"]["id"],
        "caguard/111122223333/us-east-1/"
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);

    // One result per finding, the same identity as the JSON report, so the two can be joined.
    let (_, json_text, _) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let report = parse(&json_text);
    let json_fingerprints: BTreeSet<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["fingerprint"].as_str())
        .collect();
    let sarif_fingerprints: BTreeSet<&str> = results(run)
        .iter()
        .filter_map(|r| r["partialFingerprints"]["primaryLocationLineHash"].as_str())
        .collect();
    assert_eq!(results(run).len(), json_fingerprints.len());
    assert_eq!(sarif_fingerprints, json_fingerprints);

    // Severity mapping (middle of GitHub's security-severity bands), with the demo's override
    // of unknown-origin-versions to medium reflected in the rule GitHub takes the alert
    // severity from.
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let rule = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("rule {id}"))
    };
    assert_eq!(
        rule("internal-package-exposed")["properties"]["security-severity"],
        "9.5"
    );
    assert_eq!(
        rule("internal-package-exposed")["defaultConfiguration"]["level"],
        "error"
    );
    assert_eq!(
        rule("mixed-origin-package")["properties"]["security-severity"],
        "8.0"
    );
    assert_eq!(
        rule("unscoped-internal-npm-package")["properties"]["security-severity"],
        "5.5"
    );
    assert_eq!(
        rule("unscoped-internal-npm-package")["defaultConfiguration"]["level"],
        "warning"
    );
    assert_eq!(
        rule("unknown-origin-versions")["properties"]["security-severity"],
        "5.5"
    );
    assert_eq!(
        rule("internal-package-exposed")["name"],
        "InternalPackageExposed"
    );
    assert!(rule("internal-package-exposed")["helpUri"]
        .as_str()
        .is_some_and(
            |u| u.starts_with("https://") && u.ends_with("/rules/internal-package-exposed.toml")
        ));
    assert!(rule("internal-package-exposed")["help"]["markdown"]
        .as_str()
        .is_some_and(|m| m.contains("## What to do")
            && m.contains("https://docs.aws.amazon.com/codeartifact/")));

    // The virtual path of a package without namespace.
    let uris: BTreeSet<&str> = results(run)
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.iter()
            .all(|u| u.starts_with("codeartifact/111122223333/us-east-1/")),
        "{uris:#?}"
    );
}

#[test]
fn fingerprints_and_output_are_stable_across_runs() {
    let first = demo_sarif();
    let second = demo_sarif();
    assert_eq!(
        first, second,
        "two scans of the same inventory give byte-identical SARIF"
    );
    let fingerprints = |text: &str| -> Vec<String> {
        runs(&parse(text))
            .iter()
            .flat_map(|run| results(run).clone())
            .filter_map(|r| {
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .map(str::to_string)
            })
            .collect()
    };
    let fingerprints_first = fingerprints(&first);
    assert!(!fingerprints_first.is_empty());
    assert_eq!(fingerprints_first, fingerprints(&second));
    // A severity or config change must not move identities: without the demo config (no
    // override, no suppression) the shared findings keep their fingerprints.
    let (_, bare, _) = sarif_scan(&["--inventory", DEMO, "--fail-on", "none"]);
    let bare: BTreeSet<String> = fingerprints(&bare).into_iter().collect();
    let common = fingerprints_first
        .iter()
        .filter(|f| bare.contains(*f))
        .count();
    assert!(
        common > 0,
        "findings found with and without the config share their fingerprints"
    );
}

#[test]
fn rule_list_is_complete_even_without_results() {
    let (_, list, _) = caguard(&["rules", "list"]);
    let all: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let (code, text, stderr) = sarif_scan(&[
        "--inventory",
        "fixtures/rules/internal-package-exposed/near-miss.json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let doc = parse(&text);
    assert_github_requirements(&doc);
    let run = &runs(&doc)[0];
    let ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, all, "every rule, every run, sorted by id");
    let fired: BTreeSet<&str> = results(run)
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(
        fired.len() < all.len(),
        "the near miss does not fire every rule"
    );
}

#[test]
fn suppressed_finding_is_a_sarif_suppression_with_its_reason() {
    let doc = parse(&demo_sarif());
    let suppressed: Vec<&Value> = results(&runs(&doc)[0])
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(
        suppressed.len(),
        1,
        "the demo config suppresses exactly one finding"
    );
    let result = suppressed[0];
    assert_eq!(result["ruleId"], "allow-all-origin-controls");
    assert_eq!(
        result["properties"]["arn"],
        "arn:aws:codeartifact:us-east-1:111122223333:package/acme/legacy/maven/junit/junit"
    );
    let suppression = &result["suppressions"][0];
    assert_eq!(suppression["kind"], "external");
    assert_eq!(suppression["status"], "accepted");
    assert!(suppression["justification"]
        .as_str()
        .is_some_and(|j| j.contains("PLAT-4127")));
    assert_eq!(suppression["properties"]["expires"], "2027-06-30");
}

#[test]
fn several_outputs_from_one_scan_and_baseline_state() {
    let dir = temp_dir("outputs");
    let sarif_path = dir.join("caguard.sarif");
    let json_path = dir.join("report.json");
    let (sarif_text, json_text) = (
        sarif_path.to_string_lossy().into_owned(),
        json_path.to_string_lossy().into_owned(),
    );
    let (code, stdout, stderr) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--sarif",
        &sarif_text,
        "--json",
        &json_text,
    ]);
    assert_eq!(code, 1, "the demo fails the default gate: {stderr}");
    assert!(
        stdout.starts_with("caguard scan of"),
        "text still goes to stdout: {stdout}"
    );
    let sarif = std::fs::read_to_string(&sarif_path).expect("SARIF file");
    assert_eq!(
        sarif,
        demo_sarif(),
        "the extra SARIF output is the --format sarif output"
    );
    let report = parse(&std::fs::read_to_string(&json_path).expect("JSON file"));
    assert_eq!(report["reportVersion"], 1);
    assert!(results(&runs(&parse(&sarif))[0])
        .iter()
        .all(|r| r["baselineState"] == "new"));

    // With the JSON report as baseline every result is unchanged; drop one and it is new again.
    let (code, text, stderr) = sarif_scan(&[
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--baseline",
        &json_text,
    ]);
    assert_eq!(code, 0, "nothing new: {stderr}");
    assert!(results(&runs(&parse(&text))[0])
        .iter()
        .all(|r| r["baselineState"] == "unchanged"));
    let mut edited = report.clone();
    let removed = edited["findings"]
        .as_array_mut()
        .expect("findings")
        .remove(0);
    std::fs::write(&json_path, serde_json::to_string(&edited).expect("json")).expect("write");
    let (_, text, _) = sarif_scan(&[
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--baseline",
        &json_text,
    ]);
    let new: Vec<Value> = results(&runs(&parse(&text))[0])
        .iter()
        .filter(|r| r["baselineState"] == "new")
        .cloned()
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(
        new[0]["partialFingerprints"]["primaryLocationLineHash"],
        removed["fingerprint"]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn category_override() {
    let (code, text, stderr) = sarif_scan(&[
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--fail-on",
        "none",
        "--sarif-category",
        "nightly/acme",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let doc = parse(&text);
    assert_eq!(runs(&doc)[0]["automationDetails"]["id"], "nightly/acme/");
    assert!(schema_errors(&doc).is_empty());
    let (code, _, stderr) = sarif_scan(&["--inventory", DEMO, "--sarif-category", " / "]);
    assert_eq!(code, 2, "an empty category is a usage error");
    assert!(stderr.contains("--sarif-category"), "{stderr}");
}

#[test]
fn incomplete_collection_is_withheld_from_its_category_and_exits_3() {
    let dir = temp_dir("incomplete");
    let mut inventory =
        parse(&std::fs::read_to_string(common::root().join(DEMO)).expect("demo inventory"));
    inventory["errors"] = json!([{
        "operation": "ListPackageVersions",
        "resource": "arn:aws:codeartifact:us-east-1:111122223333:package/acme/app/npm/acme/ui-button",
        "code": "AccessDeniedException",
        "message": "User is not authorized to perform codeartifact:ListPackageVersions"
    }]);
    let path = dir.join("incomplete.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&inventory).expect("json"),
    )
    .expect("write");
    let path_text = path.to_string_lossy().into_owned();

    // --fail-on none: no finding fails the gate, so the incomplete collection decides: exit 3.
    let (code, text, stderr) = sarif_scan(&[
        "--inventory",
        &path_text,
        "--config",
        DEMO_CONFIG,
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 3, "{stderr}");
    let doc = parse(&text);
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_github_requirements(&doc);
    let run = &runs(&doc)[0];
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notifications = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    let failed = &notifications[0];
    assert_eq!(failed["level"], "error");
    let message = non_empty_str(&failed["message"]["text"], "notification text");
    for part in [
        "ListPackageVersions",
        "package/acme/app/npm/acme/ui-button",
        "AccessDeniedException",
    ] {
        assert!(message.contains(part), "{message}");
    }
    assert_eq!(failed["properties"]["operation"], "ListPackageVersions");
    // The documented choice: the run leaves the real category alone (so GitHub keeps every alert
    // of the last complete scan open) and holds no results; the reports list what was found.
    assert_eq!(
        run["automationDetails"]["id"],
        "caguard/111122223333/us-east-1/incomplete/"
    );
    assert_eq!(run["results"], json!([]));
    assert!(notifications.iter().any(|n| n["message"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("withheld"))));
    assert_eq!(run["properties"]["complete"], false);

    // A finding at or above --fail-on still wins: policy failure (1) over incomplete (3).
    let (code, _, _) = sarif_scan(&["--inventory", &path_text, "--config", DEMO_CONFIG]);
    assert_eq!(code, 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn demo_sarif_snapshot() {
    let mut doc = parse(&demo_sarif());
    // Rule documentation has its own tests and `caguard rules explain`; keeping it out of the
    // snapshot means a docs edit does not churn this file. The version changes every release.
    for run in doc["runs"].as_array_mut().expect("runs") {
        run["tool"]["driver"]["semanticVersion"] = json!("[version]");
        run["tool"]["driver"]["version"] = json!("[version]");
        for rule in run["tool"]["driver"]["rules"]
            .as_array_mut()
            .expect("rules")
        {
            rule["fullDescription"]["text"] = json!("[rule docs]");
            rule["help"] = json!({"text": "[rule docs]", "markdown": "[rule docs]"});
        }
    }
    insta::assert_snapshot!(
        "demo_sarif",
        serde_json::to_string_pretty(&doc).expect("json")
    );
}
