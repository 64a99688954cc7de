//! Properties every ordering must have, and the behaviour of the public functions. The
//! per-format expectations live beside each ordering.

use super::{compare, highest, parse, FormatVersion, Highest, VersionError};
use crate::inventory::PackageFormat;
use proptest::prelude::*;
use std::cmp::Ordering;

fn formats() -> Vec<PackageFormat> {
    vec![
        PackageFormat::Npm,
        PackageFormat::Pypi,
        PackageFormat::Maven,
        PackageFormat::Nuget,
        PackageFormat::Generic,
        PackageFormat::Ruby,
        PackageFormat::Swift,
        PackageFormat::Cargo,
        PackageFormat::Other("conan".to_string()),
    ]
}

#[test]
fn highest_keeps_the_first_of_equal_versions() {
    let nuget = PackageFormat::Nuget;
    let result = highest(&nuget, ["0.9", "1.0", "1.0.0", "1.0.0.0", "1.0-rc"]);
    assert_eq!(result.highest, Some("1.0"));
    let result = highest(&nuget, ["1.0.0", "1.0"]);
    assert_eq!(result.highest, Some("1.0.0"));
}

#[test]
fn highest_lists_what_does_not_parse_in_input_order() {
    let result = highest(
        &PackageFormat::Npm,
        ["1.0.0", "latest", "2.0.0-rc.1", "", "1.10.0", "v3"],
    );
    assert_eq!(
        result,
        Highest {
            highest: Some("2.0.0-rc.1"),
            unparsed: vec!["latest", "", "v3"],
        }
    );
    let none = highest(&PackageFormat::Pypi, ["not a version"]);
    assert_eq!(none.highest, None);
    assert_eq!(none.unparsed, ["not a version"]);
    assert_eq!(highest(&PackageFormat::Maven, []), Highest::default());
}

#[test]
fn highest_uses_the_format_ordering() {
    let versions = ["1.0-SNAPSHOT", "1.0", "1.0-sp1", "1.0.1-alpha"];
    assert_eq!(
        highest(&PackageFormat::Maven, versions).highest,
        Some("1.0.1-alpha")
    );
    let versions = ["1.0.0", "1.0.0.post1", "1.0.1rc1", "1!0.1"];
    assert_eq!(
        highest(&PackageFormat::Pypi, versions).highest,
        Some("1!0.1")
    );
    let versions = ["1.9", "1.10", "1.10.a"];
    assert_eq!(
        highest(&PackageFormat::Ruby, versions).highest,
        Some("1.10")
    );
    let versions = ["1.0.0", "1.0.0.1-beta", "1.0.0.0"];
    assert_eq!(
        highest(&PackageFormat::Nuget, versions).highest,
        Some("1.0.0.1-beta")
    );
}

#[test]
fn errors_name_the_format_and_the_text() {
    let error = parse(&PackageFormat::Nuget, "1.x").unwrap_err();
    assert!(error
        .to_string()
        .starts_with("`1.x` is not a valid nuget version: "));
    assert_eq!(error.format(), "nuget");
    assert_eq!(error.text(), "1.x");

    let error = parse(&PackageFormat::Other("conan".into()), "").unwrap_err();
    assert_eq!(
        error,
        VersionError::Empty {
            format: "conan".to_string()
        }
    );
    assert_eq!(
        error.to_string(),
        "an empty string is not a valid conan version"
    );

    let long = format!("1.{}\n", "x".repeat(500));
    let message = parse(&PackageFormat::Npm, &long).unwrap_err().to_string();
    assert!(message.len() < 400, "{message}");
    assert!(!message.contains('\n'), "{message}");
    assert_eq!(
        compare(&PackageFormat::Pypi, "1.0", "bad")
            .unwrap_err()
            .text(),
        "bad"
    );
}

#[test]
fn errors_stay_on_one_line_when_the_parser_quotes_the_text() {
    // Found by the `version` fuzz target: pep440_rs quotes the input in its reason, so the
    // line break escaped in the text came back raw after the colon.
    let error = parse(&PackageFormat::Pypi, "11\n2.3.0").unwrap_err();
    let message = error.to_string();
    assert!(!message.contains('\n'), "{message}");
    assert!(message.contains(r"11\n"), "{message}");
    assert_eq!(error.text(), "11\n2.3.0");
}

#[test]
fn versions_of_different_orderings_still_compare() {
    let npm = parse(&PackageFormat::Npm, "1.0.0").unwrap();
    let maven = parse(&PackageFormat::Maven, "1.0.0").unwrap();
    let cargo = parse(&PackageFormat::Cargo, "1.0.0").unwrap();
    assert_ne!(npm, maven);
    assert_eq!(npm.cmp(&maven), maven.cmp(&npm).reverse());
    // Formats sharing an ordering compare by it.
    assert_eq!(npm, cargo);
    assert_eq!(npm.as_str(), "1.0.0");
    assert_eq!(maven.to_string(), "1.0.0");
}

#[test]
fn equal_versions_keep_their_own_text() {
    let a = parse(&PackageFormat::Nuget, "1.0").unwrap();
    let b = parse(&PackageFormat::Nuget, "1.0.0.0").unwrap();
    assert_eq!(a, b);
    assert_eq!((a.as_str(), b.as_str()), ("1.0", "1.0.0.0"));
}

#[test]
fn huge_inputs_neither_overflow_nor_recurse() {
    let nested = "1-a".repeat(100_000);
    let digits = "9".repeat(100_000);
    for format in formats() {
        for text in [nested.as_str(), digits.as_str()] {
            if let Ok(version) = parse(&format, text) {
                assert_eq!(version.cmp(&version.clone()), Ordering::Equal, "{format}");
            }
        }
    }
    let longer = format!("{digits}0");
    assert_eq!(
        compare(&PackageFormat::Maven, &digits, &longer),
        Ok(Ordering::Less)
    );
}

/// Text that looks like a version of some format: numbers (some far beyond `u64`),
/// qualifiers of every format, separators of every format, in any mix.
fn version_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[0-9]{1,3}",
        1 => "[0-9]{19,30}",
        1 => "0{1,3}[0-9]?",
        3 => "(alpha|beta|rc|RC|a|b|c|m|cr|ga|final|Final|release|sp|snapshot|SNAPSHOT|dev|post|pre|jre|v)",
        1 => "[a-zA-Z]{1,3}",
    ];
    let separator = prop_oneof![
        6 => Just("."),
        3 => Just("-"),
        2 => Just(""),
        1 => Just("+"),
        1 => Just("_"),
        1 => Just("!"),
    ];
    let parts = prop::collection::vec((piece, separator), 1..7);
    (parts, any::<bool>()).prop_map(|(parts, keep_trailing_separator)| {
        let mut text: String = parts
            .into_iter()
            .map(|(piece, separator)| piece + separator)
            .collect();
        if !keep_trailing_separator {
            while text.ends_with(['.', '-', '+', '_', '!']) {
                text.pop();
            }
        }
        text
    })
}

/// Strict SemVer, so generic versions mix both of their orderings.
fn semver_like() -> impl Strategy<Value = String> {
    "(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,1})(-(alpha|beta|rc|[0-9]{1,2}|x)(\\.(0|[1-9]|beta)){0,2})?(\\+[0-9a-z]{1,3})?"
}

fn any_version() -> impl Strategy<Value = String> {
    prop_oneof![3 => version_like(), 2 => semver_like(), 1 => any::<String>()]
}

fn cmp_parsed(format: &PackageFormat, a: &str, b: &str) -> Option<Ordering> {
    Some(parse(format, a).ok()?.cmp(&parse(format, b).ok()?))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics(text in any::<String>()) {
        for format in formats() {
            if let Ok(version) = parse(&format, &text) {
                prop_assert_eq!(version.as_str(), text.as_str());
                let _ = version.is_prerelease();
                prop_assert_eq!(version.cmp(&version), Ordering::Equal);
            }
        }
    }

    #[test]
    fn parse_never_panics_on_version_like_text(text in version_like()) {
        for format in formats() {
            if let Ok(version) = parse(&format, &text) {
                let _ = version.is_prerelease();
            }
        }
    }

    #[test]
    fn compare_is_antisymmetric_and_agrees_with_parse(a in any_version(), b in any_version()) {
        for format in formats() {
            let ab = compare(&format, &a, &b);
            let ba = compare(&format, &b, &a);
            match (&ab, &ba) {
                (Ok(ab), Ok(ba)) => {
                    prop_assert_eq!(*ab, ba.reverse(), "{} {:?} {:?}", format, a, b);
                    prop_assert_eq!(Some(*ab), cmp_parsed(&format, &a, &b));
                }
                _ => {
                    prop_assert!(ab.is_err() && ba.is_err());
                    prop_assert!(parse(&format, &a).is_err() || parse(&format, &b).is_err());
                }
            }
            if let Ok(a_version) = parse(&format, &a) {
                prop_assert_eq!(compare(&format, &a, &a), Ok(Ordering::Equal));
                prop_assert_eq!(a_version.clone(), a_version);
            }
        }
    }

    #[test]
    fn ordering_is_transitive(a in any_version(), b in any_version(), c in any_version()) {
        for format in formats() {
            let parsed: Option<Vec<FormatVersion>> =
                [&a, &b, &c].iter().map(|text| parse(&format, text).ok()).collect();
            let Some(versions) = parsed else { continue };
            for x in &versions {
                for y in &versions {
                    for z in &versions {
                        if x <= y && y <= z {
                            prop_assert!(x <= z, "{}: {} <= {} <= {}", format, x, y, z);
                        }
                        if x == y && y == z {
                            prop_assert!(x == z);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn highest_is_the_first_maximum_and_lists_the_rest(
        texts in prop::collection::vec(any_version(), 0..24),
    ) {
        for format in formats() {
            let result = highest(&format, texts.iter().map(String::as_str));
            let expected_unparsed: Vec<&str> = texts
                .iter()
                .map(String::as_str)
                .filter(|text| parse(&format, text).is_err())
                .collect();
            prop_assert_eq!(&result.unparsed, &expected_unparsed);
            let parsed: Vec<FormatVersion> =
                texts.iter().filter_map(|text| parse(&format, text).ok()).collect();
            match result.highest {
                None => prop_assert!(parsed.is_empty()),
                Some(top) => {
                    let top = parse(&format, top).unwrap();
                    prop_assert!(parsed.iter().all(|version| *version <= top));
                    let first_equal = parsed.iter().find(|version| **version == top).unwrap();
                    prop_assert_eq!(first_equal.as_str(), top.as_str());
                }
            }
            // Sorting must not panic on any mix either.
            let mut sorted = parsed;
            sorted.sort();
            prop_assert!(sorted.windows(2).all(|pair| pair[0] <= pair[1]));
        }
    }
}
