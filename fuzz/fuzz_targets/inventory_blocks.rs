//! Arbitrary bytes as an inventory file, read by the block loader (`Inventory::load`'s fast path:
//! a structural scanner cutting packages out of bounded blocks, parsed in parallel) at a block
//! size the first byte chooses, against the exact text parser: both must give the same
//! inventory, or the same error text. The scanner must never panic, whatever it is handed.
#![no_main]

use caguard::inventory::Inventory;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One file per fuzzing process, rewritten for each input.
static FILE: OnceLock<PathBuf> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&size, text)) = data.split_first() else {
        return;
    };
    let block_size = usize::from(size % 64) + 1;
    let path = FILE.get_or_init(|| {
        std::env::temp_dir().join(format!("caguard-fuzz-blocks-{}.json", std::process::id()))
    });
    if let Err(error) = std::fs::write(path, text) {
        panic!("cannot write {}: {error}", path.display());
    }
    let loaded = Inventory::load_in_blocks(path, block_size).map(|(inventory, _)| inventory);
    let Ok(text) = std::str::from_utf8(text) else {
        // Not UTF-8: the loader must refuse it (the text parser cannot even be asked).
        assert!(loaded.is_err(), "invalid UTF-8 loaded");
        return;
    };
    let parsed = Inventory::parse(text, path);
    match (loaded, parsed) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the block loader and the text parser disagree"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!(
            "one path refused: blocks {:?}, text {:?}",
            a.err().map(|e| e.to_string()),
            b.err().map(|e| e.to_string())
        ),
    }
});
