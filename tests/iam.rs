//! The shipped IAM policies grant exactly the CodeArtifact operations the code calls:
//! `docs/iam/caguard-scan.json` those of `src/collect/`, `docs/iam/caguard-fix.json` those and
//! the ones of `src/fix/`. A new call without its permission, or a permission nothing needs,
//! fails here.

mod common;

use std::collections::BTreeSet;

/// The operation names of the API model (the emulator's vendored copy).
fn operations() -> Vec<String> {
    let text = std::fs::read_to_string(common::root().join("tests/emulator/model/service-2.json"))
        .expect("the vendored API model");
    let model: serde_json::Value = serde_json::from_str(&text).expect("model JSON");
    model["operations"]
        .as_object()
        .expect("operations")
        .keys()
        .cloned()
        .collect()
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `codeartifact:Operation` for every SDK call (`.operation_name()`) in the files of `dir`.
fn called_in(dir: &str, operations: &[String]) -> BTreeSet<String> {
    let mut called = BTreeSet::new();
    let entries = std::fs::read_dir(common::root().join(dir)).expect("source directory");
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for operation in operations {
            if text.contains(&format!(".{}()", snake(operation))) {
                called.insert(format!("codeartifact:{operation}"));
            }
        }
    }
    called
}

fn granted(policy: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(common::root().join(policy)).expect("policy file");
    let document: serde_json::Value = serde_json::from_str(&text).expect("policy JSON");
    document["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|statement| {
            assert_eq!(statement["Effect"], "Allow");
            statement["Action"]
                .as_array()
                .expect("actions")
                .iter()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn policies_grant_exactly_what_the_code_calls() {
    let operations = operations();
    assert_eq!(operations.len(), 48);
    let scan = called_in("src/collect", &operations);
    assert!(
        scan.contains("codeartifact:ListPackageVersions"),
        "{scan:?}"
    );
    assert_eq!(granted("docs/iam/caguard-scan.json"), scan);
    let mut fix = scan.clone();
    fix.extend(called_in("src/fix", &operations));
    assert!(fix.contains("codeartifact:PutPackageOriginConfiguration"));
    assert_eq!(granted("docs/iam/caguard-fix.json"), fix);
}
