//! NuGet version ordering (NuGet.Versioning's `NuGetVersion` with `VersionComparer.Default`).
//!
//! Syntax: one to four dot-separated numeric parts, an optional `-` and dot-separated release
//! labels (`[0-9A-Za-z-]+`), optional `+` build metadata; surrounding whitespace is trimmed as
//! NuGet trims it. Missing parts are zero and leading zeros are dropped, so `1`, `1.0`,
//! `01.0.0` and `1.0.0.0` are one version. Ordering: the four numbers; then a release above
//! any prerelease; then labels pairwise, numeric labels numerically and below alphanumeric
//! ones, alphanumeric labels case-insensitively, fewer labels first. Metadata is ignored.
//!
//! Two deliberate differences from NuGet.Versioning, both about oversized numbers: NuGet
//! rejects a numeric part above `i32::MAX` and compares a numeric label above `i32::MAX` as
//! text; here both are unbounded numbers, so an odd version still lands where its digits say.
//! Like NuGet, a numeric label with a leading zero (`1.0.0-01`) is rejected.

use super::Decimal;
use regex::Regex;
use std::cmp::Ordering;
use std::sync::LazyLock;

static SYNTAX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\s*$",
    )
    .expect("the NuGet version pattern is a valid regex")
});

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Label {
    // Variant order is the rule "numeric labels before alphanumeric ones".
    Numeric(Decimal),
    /// Lower-cased: labels are ASCII, and ordinal-ignore-case is ordinal on one case.
    Alphanumeric(Box<str>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NugetVersion {
    numbers: [Decimal; 4],
    labels: Vec<Label>,
}

impl NugetVersion {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        let captures = SYNTAX.captures(text).ok_or_else(|| {
            "expected 1 to 4 numeric parts, optional -prerelease labels and +metadata".to_string()
        })?;
        let number = |group: usize| {
            captures
                .get(group)
                .map_or_else(|| Decimal::new(""), |part| Decimal::new(part.as_str()))
        };
        let numbers = [number(1), number(2), number(3), number(4)];
        let mut labels = Vec::new();
        if let Some(release) = captures.get(5) {
            for label in release.as_str().split('.') {
                if label.bytes().all(|b| b.is_ascii_digit()) {
                    if label.len() > 1 && label.starts_with('0') {
                        return Err(format!(
                            "numeric release label `{label}` has a leading zero"
                        ));
                    }
                    labels.push(Label::Numeric(Decimal::new(label)));
                } else {
                    labels.push(Label::Alphanumeric(label.to_ascii_lowercase().into()));
                }
            }
        }
        Ok(NugetVersion { numbers, labels })
    }

    pub(super) fn is_prerelease(&self) -> bool {
        !self.labels.is_empty()
    }
}

impl Ord for NugetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| {
            match (self.labels.is_empty(), other.labels.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.labels.cmp(&other.labels),
            }
        })
    }
}

impl PartialOrd for NugetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{compare, parse};
    use crate::inventory::PackageFormat;
    use std::cmp::Ordering::{self, Equal, Greater, Less};

    /// Expectations from NuGet.Versioning's VersionComparerTests / NuGetVersionTest and the
    /// NuGet docs on version normalization.
    const ORDER: &[(&str, &str, Ordering)] = &[
        // Normalization: leading zeros, missing parts, a zero fourth part.
        ("1.0", "1.0.0", Equal),
        ("1", "1.0.0.0", Equal),
        ("01.2", "1.2", Equal),
        ("1.00.0.000", "1.0", Equal),
        ("1.0.0.0", "1.0.0", Equal),
        ("1.0.0.1", "1.0.0", Greater),
        ("1.2.3.4", "1.2.3.5", Less),
        ("1.9", "1.10", Less),
        ("2.0", "10.0", Less),
        // Release above prerelease; labels case-insensitive.
        ("1.0.0-beta", "1.0.0", Less),
        ("1.0.0-BETA", "1.0.0-beta", Equal),
        ("1.0.0-Alpha", "1.0.0-beta", Less),
        ("1.0.0-alpha", "1.0.0-alpha.1", Less),
        ("1.0.0-alpha.2", "1.0.0-alpha.10", Less),
        ("1.0.0-alpha.1", "1.0.0-alpha.beta", Less),
        ("1.0.0-rc.1", "1.0.0-RC.1", Equal),
        ("1.0.0-1", "1.0.0-a", Less),
        ("1.0-beta", "1.0.0-beta", Equal),
        ("1.0.0.0-rc", "1.0-RC", Equal),
        // Metadata is ignored.
        ("1.0.0+build.1", "1.0.0+build.2", Equal),
        ("1.0.0-rc.1+abc", "1.0.0-rc.1", Equal),
        ("1.0.1+a", "1.0.0+z", Greater),
        // Oversized numbers compare by value.
        ("1.99999999999999999999", "1.100000000000000000000", Less),
    ];

    const INVALID: &[&str] = &[
        "1.x",
        "1.0.0.0.0",
        "1.",
        ".1",
        "1..0",
        "v1.0",
        "1.0-",
        "1.0-beta..1",
        "1.0-beta_1",
        "1.0.0-01",
        "1.0+",
        "1.0 beta",
        "-1.0",
    ];

    #[test]
    fn nuget_orderings_match_nuget_versioning() {
        let format = PackageFormat::Nuget;
        for &(a, b, expected) in ORDER {
            assert_eq!(compare(&format, a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(&format, b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn nuget_rejects_what_nuget_rejects() {
        for text in INVALID {
            let error = parse(&PackageFormat::Nuget, text).unwrap_err();
            assert!(
                error.to_string().contains("is not a valid nuget version"),
                "{error}"
            );
        }
        assert!(parse(&PackageFormat::Nuget, " 1.0.0 ").is_ok());
        assert_eq!(
            parse(&PackageFormat::Nuget, "1.x").unwrap_err().to_string(),
            "`1.x` is not a valid nuget version: expected 1 to 4 numeric parts, \
             optional -prerelease labels and +metadata"
        );
    }

    #[test]
    fn nuget_prerelease_is_having_labels() {
        assert!(parse(&PackageFormat::Nuget, "1.0.0-rc.1")
            .unwrap()
            .is_prerelease());
        assert!(!parse(&PackageFormat::Nuget, "1.0.0+rc.1")
            .unwrap()
            .is_prerelease());
    }
}
