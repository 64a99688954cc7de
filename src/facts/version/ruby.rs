//! RubyGems ordering (`Gem::Version`, RubyGems 3.x).
//!
//! A version must match `Gem::Version::ANCHORED_VERSION_PATTERN`; surrounding whitespace is
//! stripped and every `-` means `.pre.` (`1.0.0-rc1` is `1.0.0.pre.rc1`). The text is split
//! into segments, numbers and ASCII-letter strings (`1.0.b10` → `1, 0, "b", 10`). Any letter
//! makes the version a prerelease. Comparison uses the canonical segments: trailing zeros of
//! the numeric prefix and of the rest are dropped (`1.0.0.a.1.0` → `1, "a", 1`), the shorter
//! side is padded with zeros, a string sorts below a number, strings compare byte-wise
//! (case-sensitive), numbers by value (unbounded).
//!
//! RubyGems reads a blank string as version `0`; here, as for every format, an empty string
//! is rejected, and so is a whitespace-only one, which can only be a missing value too.

use super::Decimal;
use regex::Regex;
use std::cmp::Ordering;
use std::sync::LazyLock;

/// `\s` is spelled out because Ruby's `\s` is ASCII-only and the regex crate's is Unicode.
static SYNTAX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[ \t\n\x0B\x0C\r]*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?[ \t\n\x0B\x0C\r]*$",
    )
    .expect("the RubyGems version pattern is a valid regex")
});

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    // Variant order is the rule "a string sorts below a number".
    Text(Box<str>),
    Number(Decimal),
}

impl Segment {
    fn zero() -> Self {
        Segment::Number(Decimal::new(""))
    }

    fn is_zero(&self) -> bool {
        matches!(self, Segment::Number(n) if n.is_zero())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RubyVersion {
    canonical: Vec<Segment>,
    prerelease: bool,
}

impl RubyVersion {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        let captures = SYNTAX
            .captures(text)
            .ok_or_else(|| "malformed version number string".to_string())?;
        let version = captures.get(1).map_or("", |m| m.as_str());
        if version.is_empty() {
            return Err("blank version".to_string());
        }
        let normalized = version.replace('-', ".pre.");
        let segments = split_segments(&normalized);
        Ok(RubyVersion {
            canonical: canonical(segments),
            prerelease: normalized.bytes().any(|b| b.is_ascii_alphabetic()),
        })
    }

    pub(super) fn is_prerelease(&self) -> bool {
        self.prerelease
    }
}

fn split_segments(version: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut rest = version;
    while let Some(first) = rest.chars().next() {
        let end = |predicate: fn(&char) -> bool| {
            rest.char_indices()
                .find(|(_, c)| !predicate(c))
                .map_or(rest.len(), |(index, _)| index)
        };
        if first.is_ascii_digit() {
            let (digits, tail) = rest.split_at(end(char::is_ascii_digit));
            segments.push(Segment::Number(Decimal::new(digits)));
            rest = tail;
        } else if first.is_ascii_alphabetic() {
            let (letters, tail) = rest.split_at(end(char::is_ascii_alphabetic));
            segments.push(Segment::Text(letters.into()));
            rest = tail;
        } else {
            rest = &rest[first.len_utf8()..];
        }
    }
    segments
}

/// `Gem::Version#canonical_segments`: drop trailing zeros of the numeric prefix and of the
/// part from the first string on.
fn canonical(mut segments: Vec<Segment>) -> Vec<Segment> {
    let string_start = segments
        .iter()
        .position(|s| matches!(s, Segment::Text(_)))
        .unwrap_or(segments.len());
    let mut rest = segments.split_off(string_start);
    while segments.last().is_some_and(Segment::is_zero) {
        segments.pop();
    }
    while rest.last().is_some_and(Segment::is_zero) {
        rest.pop();
    }
    segments.append(&mut rest);
    segments
}

impl Ord for RubyVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::zero();
        let length = self.canonical.len().max(other.canonical.len());
        for index in 0..length {
            let left = self.canonical.get(index).unwrap_or(&zero);
            let right = other.canonical.get(index).unwrap_or(&zero);
            match left.cmp(right) {
                Ordering::Equal => continue,
                unequal => return unequal,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for RubyVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{compare, parse};
    use crate::inventory::PackageFormat;
    use std::cmp::Ordering::{self, Equal, Greater, Less};

    /// From RubyGems' test_gem_version.rb (test_spaceship, test_semver, test_equals2,
    /// test_canonical_segments) and the `Gem::Version` documentation.
    const ORDER: &[(&str, &str, Ordering)] = &[
        ("1.0", "1.0.0", Equal),
        ("1.0", "1", Equal),
        ("1.0", "1.0.a", Greater),
        ("1.8.2", "0.0.0", Greater),
        ("1.8.2", "1.8.2.a", Greater),
        ("1.8.2.b", "1.8.2.a", Greater),
        ("1.8.2.a", "1.8.2", Less),
        ("1.8.2.a10", "1.8.2.a9", Greater),
        ("0.beta.1", "0.0.beta.1", Equal),
        ("0.0.beta", "0.0.beta.1", Less),
        ("0.0.beta", "0.beta.1", Less),
        ("5.a", "5.0.0.rc2", Less),
        ("5.x", "5.0.0.rc2", Greater),
        ("1.9.3", "1.9.2.99", Greater),
        ("1.9.3", "1.9.3.1", Less),
        ("1.2.b1", "1.2.b.1", Equal),
        ("1.0.0.a.1.0", "1.a.1", Equal),
        ("1.0.0-alpha", "1.0.0-alpha.1", Less),
        ("1.0.0-alpha.1", "1.0.0-beta.2", Less),
        ("1.0.0-beta.2", "1.0.0-beta.11", Less),
        ("1.0.0-beta.11", "1.0.0-rc.1", Less),
        ("1.0.0-rc1", "1.0.0", Less),
        ("1.0.0-1", "1", Less),
        // `-` is `.pre.`: "pre" sorts above "beta", below "rc".
        ("1.0.0-beta", "1.0.0.beta", Greater),
        ("1.0.0-rc", "1.0.0.rc", Less),
        // Byte-wise strings: upper case first.
        ("1.A", "1.a", Less),
        ("1.0 ", " 1.0", Equal),
        (
            "1.0.10000000000000000000000",
            "1.0.9999999999999999999999",
            Greater,
        ),
    ];

    const INVALID: &[&str] = &[
        "junk",
        "1.0\n2.0",
        "1..2",
        "1.2 3.4",
        "2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.",
        "v1.0",
        "1.0-",
        "1_0",
        "   ",
        "1.0\u{a0}",
    ];

    #[test]
    fn rubygems_orderings_hold() {
        let format = PackageFormat::Ruby;
        for &(a, b, expected) in ORDER {
            assert_eq!(compare(&format, a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(&format, b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn rubygems_rejects_malformed_versions() {
        for text in INVALID {
            let error = parse(&PackageFormat::Ruby, text).unwrap_err();
            assert!(error.to_string().contains("ruby"), "{error}");
        }
    }

    #[test]
    fn rubygems_prerelease_is_any_letter() {
        let pre = |text| parse(&PackageFormat::Ruby, text).unwrap().is_prerelease();
        assert!(pre("1.2.0.a"));
        assert!(pre("1.A"));
        assert!(pre("1-1"));
        assert!(pre("22.1.50.0.d"));
        assert!(!pre("1.2.0"));
        assert!(!pre("22.1.50.0"));
    }
}
