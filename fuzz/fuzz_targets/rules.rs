//! Rule files: any text as a user rule file, loaded with the built-in pack, and — when it
//! loads — evaluated over the facts of the demo world (`fixtures/demo/acme.json` with its
//! `caguard.toml`). Evaluation runs under the engine's own budget, as in a real scan, so a
//! rule that would run for minutes is an error, not a timeout.
#![no_main]

use caguard::config::Config;
use caguard::facts::{self, Facts};
use caguard::inventory::Inventory;
use caguard::rules::{self, RuleSet};
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const INVENTORY: &str = include_str!("../../fixtures/demo/acme.json");
const CONFIG: &str = include_str!("../../fixtures/demo/caguard.toml");

struct World {
    config: Config,
    facts: Facts,
    directory: PathBuf,
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
        // RuleSet::load reads directories, so the input goes through a file, as a user's would.
        let directory =
            std::env::temp_dir().join(format!("caguard-fuzz-rules-{}", std::process::id()));
        if let Err(error) = std::fs::create_dir_all(&directory) {
            panic!("cannot create {}: {error}", directory.display());
        }
        World {
            config,
            facts,
            directory,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let world = world();
    let file = world.directory.join("fuzz.toml");
    if let Err(error) = std::fs::write(&file, text) {
        panic!("cannot write {}: {error}", file.display());
    }
    let loaded = RuleSet::load(std::slice::from_ref(&world.directory));
    let rules = match loaded {
        Ok(rules) => rules,
        Err(errors) => {
            for error in &errors.0 {
                let message = error.to_string();
                assert!(!message.contains('\n'), "multi-line rule error: {message}");
            }
            return;
        }
    };
    // Only the fuzzed rule: the built-in pack over the same facts is the same work every time.
    let user = RuleSet {
        rules: rules.rules.into_iter().filter(|rule| !rule.builtin).collect(),
    };
    match rules::evaluate(&user, &world.facts, &world.config) {
        Ok(findings) => {
            for finding in &findings {
                let _ = serde_json::to_string(finding);
            }
        }
        Err(error) => {
            let message = error.to_string();
            assert!(!message.contains('\n'), "multi-line evaluation error: {message}");
        }
    }
});
