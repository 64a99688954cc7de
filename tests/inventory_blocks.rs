//! The block reader of `Inventory::load` (bounded blocks, packages parsed in parallel) gives
//! exactly what `Inventory::parse` gives on the text: the same inventory, the same warnings,
//! and for what it does not accept, the same error.

mod common;
#[path = "hostile/shapes.rs"]
mod shapes;

use caguard::inventory::Inventory;
use std::path::{Path, PathBuf};

/// Block sizes: one that cuts every element, one that cuts some, the default.
const SIZES: [usize; 3] = [97, 64 << 10, 8 << 20];

/// Loads `text` from a file in blocks of each size and compares with `Inventory::parse`;
/// returns whether the block reader accepted it (else it fell back to the text).
fn agrees(dir: &Path, name: &str, text: &[u8]) -> bool {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let exact = match std::str::from_utf8(text) {
        Ok(text) => Inventory::parse(text, &file).map_err(|error| error.to_string()),
        Err(_) => Err(format!(
            "{}: cannot read: stream did not contain valid UTF-8",
            file.display()
        )),
    };
    let mut accepted = None;
    for size in SIZES {
        let loaded = Inventory::load_in_blocks(&file, size);
        let fast = matches!(loaded, Ok((_, true)));
        let loaded = loaded
            .map(|(inventory, _)| inventory)
            .map_err(|error| error.to_string());
        assert_eq!(loaded, exact, "{name}, block size {size}");
        if let Ok(inventory) = &loaded {
            // PartialEq covers `load_warnings`; compare them by name too for the message.
            assert_eq!(
                inventory.load_warnings,
                exact.as_ref().unwrap().load_warnings
            );
        }
        assert!(accepted.is_none_or(|before| before == fast), "{name}");
        accepted = Some(fast);
    }
    accepted.unwrap_or(false)
}

fn fixtures() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![common::root().join("fixtures")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn fixtures_load_as_they_parse() {
    let dir = common::scratch("inventory-blocks", "fixtures");
    let mut fast = 0;
    let fixtures = fixtures();
    for path in &fixtures {
        let text = std::fs::read(path).unwrap();
        // Event fixtures are not inventories: they must fail the same way.
        if agrees(&dir, "x.json", &text) {
            fast += 1;
        }
    }
    assert!(fixtures.len() > 30, "{}", fixtures.len());
    // The demo world and the rule fixtures are read by the fast path (not all by the fallback).
    assert!(fast * 2 > fixtures.len(), "{fast} of {}", fixtures.len());
    let demo = std::fs::read(common::root().join("fixtures/demo/acme.json")).unwrap();
    assert!(agrees(&dir, "demo.json", &demo));
}

#[test]
fn hostile_shapes_load_as_they_parse() {
    let dir = common::scratch("inventory-blocks", "hostile");
    assert!(agrees(
        &dir,
        "colliding.json",
        shapes::colliding_pypi_names(2_000).as_bytes()
    ));
    assert!(agrees(
        &dir,
        "lookalike.json",
        shapes::lookalike_pairs(500).as_bytes()
    ));
    // Refused by validation (after the fast path read it): the same error.
    agrees(
        &dir,
        "identical.json",
        shapes::identical_records(300).as_bytes(),
    );
}

#[test]
fn a_generated_world_loads_as_it_parses() {
    let dir = common::scratch("inventory-blocks", "world");
    let text = common::world::world_json(common::world::WorldSize {
        packages: 3_000,
        versions_per_package: 3,
    });
    assert!(agrees(&dir, "world.json", text.as_bytes()));
    // Compact (one line) as well as pretty.
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(agrees(&dir, "compact.json", value.to_string().as_bytes()));
}

#[test]
fn what_the_block_reader_refuses_fails_exactly_as_parse_does() {
    let dir = common::scratch("inventory-blocks", "refused");
    let world = common::world::world_json(common::world::WorldSize {
        packages: 300,
        versions_per_package: 2,
    });
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("bom", format!("\u{feff}{world}").into_bytes()),
        (
            "packages twice",
            world
                .replacen(r#""packages": ["#, r#""packages": [], "packages": ["#, 1)
                .into_bytes(),
        ),
        (
            "trailing comma",
            world
                .replacen("\n          ]\n", ",\n          ]\n", 1)
                .into_bytes(),
        ),
        (
            "bad version",
            world
                .replacen(r#""version": "0.0.2""#, r#""version": 2"#, 1)
                .into_bytes(),
        ),
        (
            "duplicate version",
            world
                .replacen(r#""version": "0.0.2""#, r#""version": "0.0.1""#, 1)
                .into_bytes(),
        ),
        (
            "escaped key",
            world
                .replacen(r#""packages""#, r#""p\u0061ckages""#, 1)
                .into_bytes(),
        ),
        (
            "not utf-8",
            world
                .replacen("package-7", "package-\u{0}", 1)
                .into_bytes()
                .into_iter()
                .map(|b| if b == 0 { 0xfe } else { b })
                .collect(),
        ),
        ("truncated", world.as_bytes()[..world.len() / 2].to_vec()),
        ("empty", Vec::new()),
    ];
    for (name, text) in cases {
        agrees(&dir, name, &text);
    }
    // Unknown keys in packages: read by the fast path, the same warnings with their paths.
    let typos = world.replace(r#""versions": ["#, r#""Versions": 1, "versions": ["#);
    assert!(agrees(&dir, "typos.json", typos.as_bytes()));
    let inventory = Inventory::load(&dir.join("typos.json")).unwrap();
    assert_eq!(
        inventory.load_warnings.len(),
        101,
        "{:?}",
        inventory.load_warnings
    );
    assert!(
        inventory.load_warnings[0].ends_with(
            r#"domains[0].repositories[0].packages[0]: unknown key "Versions" ignored (misspelt?)"#
        ),
        "{}",
        inventory.load_warnings[0]
    );
}
