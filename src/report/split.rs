//! SARIF files of at most [`MAX_RUNS`] runs. GitHub code scanning refuses a file with more
//! than 20 runs
//! (<https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>),
//! so an organisation report with more account/region scopes is written as several files:
//! `NAME.sarif` becomes `NAME.1.sarif`, `NAME.2.sarif`, …, each with up to 20 runs in the
//! order of the scopes (account, then region). Each run keeps its own category
//! (`automationDetails.id`), so the files can be uploaded in any order, one upload each.

use super::sarif::MAX_RUNS;
use super::ScanResult;
use crate::rules::RuleSet;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The SARIF documents for a result: one when it has at most [`MAX_RUNS`] runs.
pub fn documents(result: &ScanResult, rules: &RuleSet, category: Option<&str>) -> Vec<String> {
    let log = super::sarif::log(result, rules, category);
    let Ok(mut value) = serde_json::to_value(&log) else {
        return vec![super::sarif::render(result, rules, category)];
    };
    let runs = match value.get_mut("runs").map(Value::take) {
        Some(Value::Array(runs)) => runs,
        _ => Vec::new(),
    };
    if runs.len() <= MAX_RUNS {
        return vec![super::sarif::render(result, rules, category)];
    }
    runs.chunks(MAX_RUNS)
        .map(|chunk| {
            let mut part = value.clone();
            if let Some(object) = part.as_object_mut() {
                object.insert("runs".to_string(), Value::Array(chunk.to_vec()));
            }
            let mut text = serde_json::to_string_pretty(&part).unwrap_or_default();
            text.push('\n');
            text
        })
        .collect()
}

/// Where part `index` (0-based) of `count` goes: `path` itself when there is one part, else
/// `STEM.N.EXT` beside it (`caguard.sarif` → `caguard.1.sarif`; no extension → `NAME.1`).
pub fn part_path(path: &Path, index: usize, count: usize) -> PathBuf {
    if count <= 1 {
        return path.to_path_buf();
    }
    let number = index + 1;
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(extension) => format!("{stem}.{number}.{}", extension.to_string_lossy()),
        None => format!("{stem}.{number}"),
    };
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_numbered_before_the_extension() {
        let path = Path::new("out/caguard.sarif");
        assert_eq!(part_path(path, 0, 1), Path::new("out/caguard.sarif"));
        assert_eq!(part_path(path, 0, 2), Path::new("out/caguard.1.sarif"));
        assert_eq!(part_path(path, 1, 2), Path::new("out/caguard.2.sarif"));
        assert_eq!(part_path(Path::new("report"), 2, 3), Path::new("report.3"));
    }
}
