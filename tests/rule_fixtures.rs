//! Each built-in rule fires on its positive fixture and stays quiet on its near miss.

mod common;

use caguard::rules::RuleSet;
use serde_json::json;

#[test]
fn every_rule_has_fixtures_that_discriminate() {
    let rules = RuleSet::load(&[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules.rules.len(), 14, "the built-in pack has 14 rules");
    for rule in &rules.rules {
        let dir = common::root().join("fixtures/rules").join(&rule.id);
        let config = dir.join("caguard.toml");
        let config = config.is_file().then_some(config.as_path());
        let positive = common::scan_file(&dir.join("positive.json"), config);
        let near_miss = common::scan_file(&dir.join("near-miss.json"), config);
        let fired: Vec<_> = positive
            .findings
            .iter()
            .filter(|f| f.rule_id == rule.id)
            .collect();
        let quiet: Vec<_> = near_miss
            .findings
            .iter()
            .filter(|f| f.rule_id == rule.id)
            .collect();
        assert!(
            !fired.is_empty(),
            "{} does not fire on its positive fixture",
            rule.id
        );
        assert!(
            quiet.is_empty(),
            "{} fires on its near miss: {:#?}",
            rule.id,
            quiet
        );
        let snapshot: Vec<_> = fired
            .iter()
            .map(|f| {
                json!({
                    "arn": f.resource.arn,
                    "severity": f.severity,
                    "message": f.message,
                    "evidence": f.evidence,
                    "fix": f.fix,
                })
            })
            .collect();
        insta::assert_json_snapshot!(rule.id.clone(), snapshot);
    }
}
