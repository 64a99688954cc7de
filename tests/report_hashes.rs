//! Reports are byte-identical across optimizations: the JSON, SARIF and text reports and the
//! facts (`caguard facts`, every scope) of the demo world and of a generated 50,000-package world
//! hash to the SHA-256 recorded in `tests/data/report_hashes.txt`. The hashes were computed on
//! the code before the offline-performance work (issue 13), so this test proves that work
//! changed no output. After an intended change of output, regenerate them with
//! `CAGUARD_UPDATE_HASHES=1 cargo test --test report_hashes` and review why they moved.

mod common;

use caguard::config::Config;
use caguard::gate::{FailOn, Verdict};
use caguard::inventory::Inventory;
use caguard::report::{self, text::Layout};
use caguard::rules::RuleSet;
use common::world::{world_json, WorldSize};
use sha2::{Digest, Sha256};
use std::path::Path;

const HASHES: &str = "tests/data/report_hashes.txt";

/// The generated world: 50,000 packages, 2 versions each (100,000 versions), about 40 MB of JSON.
const GENERATED: WorldSize = WorldSize {
    packages: 50_000,
    versions_per_package: 2,
};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The SARIF rules with `[rules.<id>] severity` overrides applied, as `caguard scan` does.
fn effective_rules(rules: &RuleSet, config: &Config) -> RuleSet {
    let mut rules = rules.clone();
    for rule in &mut rules.rules {
        if let Some(severity) = config.rules.get(&rule.id).and_then(|s| s.severity) {
            rule.severity = severity;
        }
    }
    rules
}

/// (world/format, sha256) of each report of one world.
fn report_hashes(world: &str, text: &str, config: &Path) -> Vec<(String, String)> {
    let inventory = Inventory::parse(text, Path::new("inventory.json")).unwrap_or_else(|e| {
        panic!("{e}");
    });
    let config = Config::load(config).unwrap_or_else(|e| panic!("{e}"));
    let rules = RuleSet::load(&[]).unwrap_or_else(|e| panic!("{e}"));
    let result = caguard::app::scan(
        &inventory,
        Some(Path::new("inventory.json")),
        &config,
        &rules,
        None,
        common::TODAY,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let verdict = Verdict::of(
        &result.findings,
        FailOn::High,
        result.collection_errors.len(),
    );
    let layout = Layout {
        color: false,
        width: None,
        only_new: false,
    };
    let facts = caguard::facts::derive(&inventory, &config.facts);
    let facts_text = serde_json::to_string_pretty(&facts).unwrap_or_else(|e| panic!("{e}"));
    let sarif_rules = effective_rules(&rules, &config);
    let reports: Vec<(&str, String)> = vec![
        ("json", report::json::render(&result)),
        ("sarif", report::sarif::render(&result, &sarif_rules, None)),
        ("text", report::text::render(&result, &verdict, &layout)),
        (
            "concise",
            report::text::render_concise(&result, &verdict, &layout),
        ),
        ("facts", facts_text),
    ];
    reports
        .into_iter()
        .map(|(format, bytes)| (format!("{world} {format}"), sha256(bytes.as_bytes())))
        .collect()
}

#[test]
fn reports_are_byte_identical_to_the_recorded_hashes() {
    let demo = std::fs::read_to_string(common::root().join("fixtures/demo/acme.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let config = Path::new("fixtures/demo/caguard.toml");
    let mut actual = report_hashes("demo", &demo, config);
    actual.extend(report_hashes(
        "generated-50k",
        &world_json(GENERATED),
        config,
    ));
    let rendered: String = actual
        .iter()
        .map(|(name, hash)| format!("{name} {hash}\n"))
        .collect();
    let path = common::root().join(HASHES);
    if std::env::var_os("CAGUARD_UPDATE_HASHES").is_some() {
        std::fs::write(&path, &rendered).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let recorded = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rendered, recorded,
        "a report changed; if intended, regenerate with CAGUARD_UPDATE_HASHES=1"
    );
}
