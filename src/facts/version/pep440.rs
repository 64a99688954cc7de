//! PEP 440 ordering for PyPI, by `pep440_rs`.
//!
//! `pep440_rs` parses the flexible form PEP 440 normalizes (case, `v` prefix, `-`/`_`/`.`
//! separators, `alpha`/`c`/`pre`/`rev`/`r` spellings, implicit numbers, surrounding
//! whitespace) and orders epochs, pre/post/dev releases and local versions. Numbers beyond
//! `u64` are rejected by the crate; such a version is reported unparsed.

use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Pep440Version(pep440_rs::Version);

impl Pep440Version {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        pep440_rs::Version::from_str(text)
            .map(Pep440Version)
            .map_err(|error| error.to_string())
    }

    /// PEP 440 pre-releases include developmental releases (`1.0.dev1`, `1.0.post1.dev1`).
    pub(super) fn is_prerelease(&self) -> bool {
        self.0.any_prerelease()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{compare, parse};
    use crate::inventory::PackageFormat;
    use std::cmp::Ordering::{self, Equal, Greater, Less};

    /// From PEP 440 ("Summary of permitted suffixes and relative ordering", "Normalization").
    const ORDER: &[(&str, &str, Ordering)] = &[
        ("1.0.dev456", "1.0a1", Less),
        ("1.0a1", "1.0a2.dev456", Less),
        ("1.0a2.dev456", "1.0a12.dev456", Less),
        ("1.0a12.dev456", "1.0a12", Less),
        ("1.0a12", "1.0b1.dev456", Less),
        ("1.0b2", "1.0b2.post345.dev456", Less),
        ("1.0b2.post345.dev456", "1.0b2.post345", Less),
        ("1.0b2.post345", "1.0rc1.dev456", Less),
        ("1.0rc1", "1.0", Less),
        ("1.0", "1.0+abc.5", Less),
        ("1.0+abc.5", "1.0+abc.7", Less),
        ("1.0+abc.7", "1.0+5", Less),
        ("1.0+5", "1.0.post456.dev34", Less),
        ("1.0.post456.dev34", "1.0.post456", Less),
        ("1.0.post456", "1.1.dev1", Less),
        ("1!0.1", "2.0", Greater),
        // Normalization.
        ("1.0.0a1", "1.0.0-alpha1", Equal),
        ("v1.0", "1.0", Equal),
        ("1.0RC1", "1.0rc1", Equal),
        ("1.0c1", "1.0rc1", Equal),
        ("1.0", "1.0.0", Equal),
        ("1.0-1", "1.0.post1", Equal),
        ("1.0.post", "1.0.post0", Equal),
        ("1.1.dev", "1.1.dev0", Equal),
        ("1.0-beta-", "1.0b0", Equal),
        (" 1.0 ", "V1.0", Equal),
        ("1.0+ABC", "1.0+abc", Equal),
        ("1.0+ubuntu-1", "1.0+ubuntu.1", Equal),
        ("01.02", "1.2", Equal),
        ("1.9", "1.10", Less),
    ];

    const INVALID: &[&str] = &[
        "1.x",
        "latest",
        "1.0+",
        "1..0",
        "1.0a1b2",
        "1.0.dev1.post1",
        "1.0+local+more",
        "1.0-",
        "99999999999999999999999.0",
    ];

    #[test]
    fn pep440_orderings_hold() {
        let format = PackageFormat::Pypi;
        for &(a, b, expected) in ORDER {
            assert_eq!(compare(&format, a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(&format, b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn pep440_rejects_invalid_versions() {
        for text in INVALID {
            let error = parse(&PackageFormat::Pypi, text).unwrap_err();
            assert!(error.to_string().contains("pypi"), "{error}");
        }
    }

    #[test]
    fn pep440_prereleases_include_dev_releases() {
        let pre = |text| parse(&PackageFormat::Pypi, text).unwrap().is_prerelease();
        assert!(pre("1.0a1"));
        assert!(pre("1.0.dev1"));
        assert!(pre("1.0.post1.dev1"));
        assert!(!pre("1.0.post1"));
        assert!(!pre("1.0+local"));
    }
}
