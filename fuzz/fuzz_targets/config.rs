//! `caguard.toml`: any text through `Config::parse`. Never a panic; an error is one line that
//! names the file and a position inside the text.
#![no_main]

use caguard::config::Config;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text, Path::new("caguard.toml")) {
        Ok(config) => {
            for suppression in &config.suppressions {
                let _ = suppression.matches(&suppression.rule, &suppression.resource);
            }
        }
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.starts_with("caguard.toml"),
                "error without file: {message}"
            );
            assert!(!message.contains('\n'), "multi-line error: {message}");
            let lines = text.split('\n').count();
            assert!(
                error.line <= lines.max(1),
                "line {} beyond the text: {message}",
                error.line
            );
        }
    }
});
