//! Version parsing and ordering per format: no panic on any text, and the ordering is a total
//! order on the inputs (reflexive, antisymmetric, transitive on every triple), which is what
//! keeps `sort` from panicking on an inventory's versions.
//!
//! Input: the first byte picks the format, the rest is split on `\n` into up to three versions.
#![no_main]

use caguard::facts::version::{self, FormatVersion};
use caguard::inventory::PackageFormat;
use libfuzzer_sys::fuzz_target;
use std::cmp::Ordering;

const FORMATS: [&str; 9] = [
    "npm",
    "pypi",
    "maven",
    "nuget",
    "generic",
    "ruby",
    "swift",
    "cargo",
    "unknown-format",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let format = PackageFormat::from(FORMATS[usize::from(selector) % FORMATS.len()]);
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let texts: Vec<&str> = text.splitn(3, '\n').collect();
    let mut parsed: Vec<FormatVersion> = Vec::new();
    for text in &texts {
        match version::parse(&format, text) {
            Ok(v) => {
                assert_eq!(v.as_str(), *text, "as_str must give back the input");
                let _ = v.is_prerelease();
                parsed.push(v);
            }
            Err(error) => {
                // Messages are one line whatever the input.
                assert!(
                    !error.to_string().contains('\n'),
                    "multi-line error: {error}"
                );
            }
        }
    }
    for a in &parsed {
        assert_eq!(a.cmp(a), Ordering::Equal, "not reflexive: {a}");
        for b in &parsed {
            let ab = a.cmp(b);
            assert_eq!(ab, b.cmp(a).reverse(), "not antisymmetric: {a} vs {b}");
            for c in &parsed {
                let bc = b.cmp(c);
                let ac = a.cmp(c);
                if ab != Ordering::Greater && bc != Ordering::Greater {
                    assert_ne!(
                        ac,
                        Ordering::Greater,
                        "not transitive: {a} <= {b} <= {c} but {a} > {c}"
                    );
                }
                if ab == Ordering::Equal && bc == Ordering::Equal {
                    assert_eq!(
                        ac,
                        Ordering::Equal,
                        "equality not transitive: {a} = {b} = {c}"
                    );
                }
            }
        }
    }
    let _ = version::highest(&format, texts.iter().copied());
    let mut sorted = parsed.clone();
    sorted.sort();
});
