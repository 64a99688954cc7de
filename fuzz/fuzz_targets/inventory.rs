//! Arbitrary bytes as an inventory file, and a full offline scan of whatever loads: facts,
//! built-in rules, default config, and every report format.
#![no_main]

use caguard::app;
use caguard::config::{Config, Date};
use caguard::gate::{FailOn, Verdict};
use caguard::inventory::Inventory;
use caguard::report::{self, text::Layout};
use caguard::rules::RuleSet;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

static RULES: OnceLock<RuleSet> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(inventory) = Inventory::parse(text, Path::new("fuzz.json")) else {
        return;
    };
    let rules = RULES.get_or_init(|| match RuleSet::load(&[]) {
        Ok(rules) => rules,
        Err(error) => panic!("built-in rules do not load: {error}"),
    });
    let config = Config::default();
    let today = Date {
        year: 2026,
        month: 1,
        day: 1,
    };
    let path = Path::new("fuzz.json");
    // An evaluation error is a legitimate answer (exit 2); a panic is not.
    let Ok(result) = app::scan(&inventory, Some(path), &config, rules, None, today) else {
        return;
    };
    let verdict = Verdict::of(
        &result.findings,
        FailOn::High,
        result.collection_errors.len(),
    );
    let layout = Layout {
        color: false,
        width: Some(80),
        only_new: false,
    };
    let _ = report::text::render(&result, &verdict, &layout);
    let _ = report::text::render_concise(&result, &verdict, &layout);
    let _ = report::json::render(&result);
    let _ = report::sarif::render(&result, rules, None);
});
