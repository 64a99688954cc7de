//! Package-group patterns: parse any text; for what parses, check matching, containment,
//! specificity and association against packages taken from the same input.
//!
//! Input: lines. Every line is tried as a pattern, and also read as package coordinates
//! `format/namespace/name` (a leading `/` and a trailing `$`, `~` or `*` are dropped, so a
//! pattern line doubles as a package near it).
#![no_main]

use caguard::facts::pattern::{self, GroupPattern, MatchStrength};
use caguard::inventory::PackageFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<&str> = text.split('\n').take(16).collect();
    let mut patterns = vec![GroupPattern::root()];
    for line in &lines {
        match GroupPattern::parse(line) {
            Ok(p) => {
                assert_eq!(p.as_str(), *line);
                let again = GroupPattern::parse(p.as_str());
                assert_eq!(again.as_ref().ok(), Some(&p), "reparse differs: {line}");
                let _ = p.specificity();
                patterns.push(p);
            }
            Err(error) => {
                assert!(
                    !error.to_string().contains('\n'),
                    "multi-line error: {error}"
                );
            }
        }
    }
    let mut probes: Vec<(PackageFormat, Option<&str>, &str)> = Vec::new();
    for line in &lines {
        let body = line.strip_prefix('/').unwrap_or(line);
        let body = body.strip_suffix(['$', '~', '*']).unwrap_or(body);
        let mut parts = body.splitn(3, '/');
        let format = PackageFormat::from(parts.next().unwrap_or_default());
        let (namespace, name) = match (parts.next(), parts.next()) {
            (Some(ns), Some(name)) => ((!ns.is_empty()).then_some(ns), name),
            (Some(name), None) => (None, name),
            _ => (None, ""),
        };
        let _ = GroupPattern::exact(&format, namespace, name);
        probes.push((format, namespace, name));
    }
    for p in &patterns {
        for q in &patterns {
            let p_contains_q = p.contains(q);
            if p_contains_q && q.contains(p) && p.format() == q.format() {
                // Mutual containment: the same set of packages.
                assert_eq!(p.kind(), q.kind(), "{p} and {q} contain each other");
            }
            for (format, namespace, name) in &probes {
                let q_match = q.match_package(format, *namespace, name);
                if p_contains_q && q_match == Some(MatchStrength::Strong) {
                    assert_eq!(
                        p.match_package(format, *namespace, name),
                        Some(MatchStrength::Strong),
                        "{p} contains {q}, {q} matches {format}/{namespace:?}/{name} strongly, {p} does not"
                    );
                }
            }
        }
        let _ = pattern::parent(p, patterns.iter());
    }
    // The association must not depend on the order the patterns are listed in.
    let reversed: Vec<GroupPattern> = patterns.iter().rev().cloned().collect();
    for (format, namespace, name) in &probes {
        let forward = pattern::associate(patterns.iter(), format, *namespace, name)
            .map(|(p, s)| (p.as_str().to_string(), s));
        let backward = pattern::associate(reversed.iter(), format, *namespace, name)
            .map(|(p, s)| (p.as_str().to_string(), s));
        assert_eq!(
            forward, backward,
            "association depends on order for {format}/{namespace:?}/{name}"
        );
        // The root is always there, so something always matches.
        assert!(forward.is_some());
    }
});
