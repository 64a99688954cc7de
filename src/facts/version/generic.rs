//! Generic packages (and formats this build does not know): SemVer when the text parses as
//! SemVer, natural order otherwise.
//!
//! Comparing SemVer pairs by SemVer and every other pair by natural order is not transitive:
//! `1.0.0-alpha` < `1.0.0` (SemVer) but `1.0.0` < `1.0.0-` < `1.0.0-alpha` (natural, `1.0.0-`
//! being no SemVer). So the two are merged into one key instead:
//!
//! 1. the natural order of the text, where a SemVer version contributes only its
//!    `major.minor.patch` — SemVer precedence never decreases with it, so SemVer pairs with
//!    different cores keep their SemVer order;
//! 2. on a tie, SemVer prereleases sort below everything else with that core;
//! 3. then SemVer prereleases compare by SemVer precedence; all other ties are equal.
//!
//! Restricted to SemVer versions this is SemVer precedence, restricted to the others it is
//! natural order, and a natural version that only differs from a SemVer release by leading
//! zeros (`1.00.0`) ranks equal to it (`1.0.0`), above its prereleases.

use super::natural::NaturalVersion;
use super::semver::SemverVersion;
use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub(super) struct GenericVersion {
    key: NaturalVersion,
    /// Set for SemVer prereleases only; everything else ties on `key`.
    prerelease: Option<SemverVersion>,
}

impl GenericVersion {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        Ok(match SemverVersion::parse(text) {
            Ok(semver) => {
                let inner = semver.inner();
                GenericVersion {
                    key: NaturalVersion::from_numbers(&[inner.major, inner.minor, inner.patch]),
                    prerelease: semver.is_prerelease().then_some(semver),
                }
            }
            Err(_) => GenericVersion {
                key: NaturalVersion::parse(text),
                prerelease: None,
            },
        })
    }

    /// Only a SemVer version can say it is a prerelease; natural order has no such notion.
    pub(super) fn is_prerelease(&self) -> bool {
        self.prerelease.is_some()
    }
}

impl Ord for GenericVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .cmp(&other.key)
            .then_with(|| match (&self.prerelease, &other.prerelease) {
                (Some(a), Some(b)) => a.cmp(b),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
    }
}

impl PartialOrd for GenericVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GenericVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GenericVersion {}

#[cfg(test)]
mod tests {
    use super::super::{compare, parse};
    use crate::inventory::PackageFormat;
    use std::cmp::Ordering::{self, Equal, Greater, Less};

    const ORDER: &[(&str, &str, Ordering)] = &[
        // Both SemVer: SemVer precedence.
        ("1.0.0-alpha", "1.0.0", Less),
        ("1.0.0-alpha.1", "1.0.0-alpha.beta", Less),
        ("1.0.0-beta.2", "1.0.0-beta.11", Less),
        ("1.0.0+build.1", "1.0.0+build.2", Equal),
        ("1.9.0", "1.10.0", Less),
        // Both natural: natural order.
        ("1.9", "1.10", Less),
        ("2024.01.15", "2024.1.15", Equal),
        ("1.0", "1.0.1", Less),
        ("release-9", "release-10", Less),
        ("v2", "v10", Less),
        ("build", "build1", Less),
        // Mixed.
        ("1.0", "1.0.0", Less),
        ("1.0.0-", "1.0.0", Greater),
        ("1.0.0-", "1.0.0-alpha", Greater),
        ("1.00.0", "1.0.0", Equal),
        ("1.00.0", "1.0.0-rc.1", Greater),
        ("1.10", "1.9.0", Greater),
        ("2", "10.0.0", Less),
        ("1.0.0.1", "1.0.0", Greater),
        ("1.0.0.1", "1.0.1-alpha", Less),
    ];

    #[test]
    fn generic_orders_semver_natural_and_mixed_pairs() {
        for format in [PackageFormat::Generic, PackageFormat::Other("conda".into())] {
            for &(a, b, expected) in ORDER {
                assert_eq!(compare(&format, a, b), Ok(expected), "{format}: {a} vs {b}");
                assert_eq!(
                    compare(&format, b, a),
                    Ok(expected.reverse()),
                    "{format}: {b} vs {a}"
                );
            }
        }
    }

    /// The pair of rules "SemVer when both parse, natural otherwise" would make these three a
    /// cycle; the merged key orders them.
    #[test]
    fn mixed_semver_and_natural_versions_are_transitive() {
        let format = PackageFormat::Generic;
        let mut versions = ["1.0.0-", "1.0.0", "1.0.0-alpha", "1.0", "1.0.0.0", "0.9-x"]
            .map(|text| parse(&format, text).unwrap());
        versions.sort();
        let sorted: Vec<&str> = versions.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            sorted,
            ["0.9-x", "1.0", "1.0.0-alpha", "1.0.0", "1.0.0-", "1.0.0.0"]
        );
    }

    #[test]
    fn anything_non_empty_is_a_generic_version() {
        let format = PackageFormat::Generic;
        for text in ["latest", " ", "🙂", "1..2", "-"] {
            assert!(parse(&format, text).is_ok(), "{text}");
        }
        assert!(parse(&format, "").is_err());
        assert!(parse(&format, "1.0.0-rc.1").unwrap().is_prerelease());
        assert!(!parse(&format, "1.0-rc1").unwrap().is_prerelease());
    }
}
