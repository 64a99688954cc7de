//! Rule files: any text as a user rule file, validated as `RuleSet::load` validates one, and
//! — when it loads — evaluated over the facts of the demo world (`fixtures/demo/acme.json`
//! with its `caguard.toml`). Evaluation runs under the engine's own budget, as in a real scan,
//! so a rule that would run for minutes is an error, not a timeout.
#![no_main]

use caguard::config::Config;
use caguard::facts::{self, Facts};
use caguard::inventory::Inventory;
use caguard::rules::{self, RuleSet};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

const INVENTORY: &str = include_str!("../../fixtures/demo/acme.json");
const CONFIG: &str = include_str!("../../fixtures/demo/caguard.toml");

struct World {
    config: Config,
    facts: Facts,
}

static WORLD: OnceLock<World> = OnceLock::new();

fn world() -> &'static World {
    WORLD.get_or_init(|| {
        let inventory = match Inventory::parse(INVENTORY, Path::new("acme.json")) {
            Ok(inventory) => inventory,
            Err(error) => panic!("demo inventory does not load: {error}"),
        };
        let config = match Config::parse(CONFIG, Path::new("caguard.toml")) {
            Ok(config) => config,
            Err(error) => panic!("demo config does not load: {error}"),
        };
        let facts = facts::derive(&inventory, &config.facts);
        World { config, facts }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let world = world();
    // Not `RuleSet::load`: it compiles the built-in pack again for every input.
    let rule = match RuleSet::parse_user_rule(Path::new("fuzz.toml"), text) {
        Ok(rule) => rule,
        Err(errors) => {
            for error in &errors.0 {
                let message = error.to_string();
                assert!(!message.contains('\n'), "multi-line rule error: {message}");
            }
            return;
        }
    };
    let user = RuleSet { rules: vec![rule] };
    match rules::evaluate(&user, &world.facts, &world.config) {
        Ok(findings) => {
            for finding in &findings {
                let _ = serde_json::to_string(finding);
            }
        }
        Err(error) => {
            let message = error.to_string();
            assert!(
                !message.contains('\n'),
                "multi-line evaluation error: {message}"
            );
        }
    }
});
