//! SemVer 2.0 precedence for npm, cargo and swift.
//!
//! Parsing is the `semver` crate's, strict: no `v` prefix, no surrounding whitespace, no
//! leading zeros, numbers within `u64`. Ordering is [`semver::Version::cmp_precedence`], not
//! the crate's `Ord`: the latter breaks ties on build metadata, which SemVer §10 says must
//! not affect precedence, so `1.0.0+a` and `1.0.0+b` are equal here.

use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub(super) struct SemverVersion(::semver::Version);

impl SemverVersion {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        ::semver::Version::parse(text)
            .map(SemverVersion)
            .map_err(|error| error.to_string())
    }

    pub(super) fn is_prerelease(&self) -> bool {
        !self.0.pre.is_empty()
    }

    pub(super) fn inner(&self) -> &::semver::Version {
        &self.0
    }
}

impl Ord for SemverVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp_precedence(&other.0)
    }
}

impl PartialOrd for SemverVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SemverVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SemverVersion {}

#[cfg(test)]
mod tests {
    use super::super::compare;
    use crate::inventory::PackageFormat;
    use std::cmp::Ordering::{self, Equal, Greater, Less};

    /// From semver.org §11 and the `semver` crate's rules.
    const ORDER: &[(&str, &str, Ordering)] = &[
        ("1.0.0", "2.0.0", Less),
        ("2.0.0", "2.1.0", Less),
        ("2.1.0", "2.1.1", Less),
        ("1.9.0", "1.10.0", Less),
        ("1.0.0-alpha", "1.0.0", Less),
        ("1.0.0-alpha", "1.0.0-alpha.1", Less),
        ("1.0.0-alpha.1", "1.0.0-alpha.beta", Less),
        ("1.0.0-alpha.beta", "1.0.0-beta", Less),
        ("1.0.0-beta", "1.0.0-beta.2", Less),
        ("1.0.0-beta.2", "1.0.0-beta.11", Less),
        ("1.0.0-beta.11", "1.0.0-rc.1", Less),
        ("1.0.0-rc.1", "1.0.0", Less),
        // ASCII order for alphanumeric identifiers: upper case sorts first.
        ("1.0.0-RC.1", "1.0.0-rc.1", Less),
        ("1.0.0-1", "1.0.0-a", Less),
        ("1.0.0-2", "1.0.0-10", Less),
        // Build metadata never affects precedence.
        ("1.0.0+build.1", "1.0.0+build.2", Equal),
        ("1.0.0-rc.1+x", "1.0.0-rc.1", Equal),
        ("1.0.1+zzz", "1.0.0+aaa", Greater),
        ("0.0.0", "0.0.0-0", Greater),
        (
            "18446744073709551615.0.0",
            "18446744073709551614.99.99",
            Greater,
        ),
    ];

    const INVALID: &[&str] = &[
        "1",
        "1.0",
        "v1.0.0",
        " 1.0.0",
        "1.0.0 ",
        "01.0.0",
        "1.0.0-01",
        "1.0.0-",
        "1.0.0+",
        "1.0.0.0",
        "18446744073709551616.0.0",
        "1.x.0",
    ];

    #[test]
    fn semver_orderings_hold_for_npm_cargo_and_swift() {
        for format in [
            PackageFormat::Npm,
            PackageFormat::Cargo,
            PackageFormat::Swift,
        ] {
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

    #[test]
    fn strict_semver_rejects_loose_versions() {
        for text in INVALID {
            let error = super::super::parse(&PackageFormat::Npm, text).unwrap_err();
            assert!(error.to_string().contains("npm"), "{error}");
        }
    }
}
