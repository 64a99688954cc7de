//! Version ordering per package format.
//!
//! | format                | ordering                                                    |
//! |-----------------------|-------------------------------------------------------------|
//! | npm, cargo, swift     | SemVer 2.0 precedence (`semver` crate, strict parsing)      |
//! | nuget                 | NuGet.Versioning rules ([`nuget`])                          |
//! | pypi                  | PEP 440 (`pep440_rs`)                                       |
//! | maven                 | Maven 3.8.8 `ComparableVersion`, made total ([`maven`])     |
//! | ruby                  | RubyGems `Gem::Version` ([`ruby`])                          |
//! | generic, unknown      | SemVer when it parses, else natural order ([`generic`])     |
//!
//! Every ordering here is a total order, so [`FormatVersion`] is a lawful `Ord`: sorting can
//! never hit the "comparison does not implement a total order" panic of the standard library,
//! whatever an inventory contains. Where a format's reference implementation is itself not
//! transitive (Maven), the module documents the pairs on which it departs from it.
//!
//! An empty string is never a version, in any format: RubyGems would read it as `0` and
//! Maven as an empty list, but in an inventory it only ever means a missing value, so it is
//! reported as unparsed rather than ranked.

use crate::inventory::PackageFormat;
use std::cmp::Ordering;
use std::fmt;

mod generic;
mod maven;
mod natural;
mod nuget;
mod pep440;
mod ruby;
mod semver;

/// A version parsed under its format's rules; Ord is the format's ordering.
///
/// Equality is the ordering's equality, not textual: NuGet `1.0` and `1.0.0` are equal
/// versions with different [`as_str`](Self::as_str). Versions parsed for formats with
/// different orderings (say a Maven and a PyPI version) compare by ordering family first,
/// which is arbitrary but consistent; callers compare versions of one format.
#[derive(Debug, Clone)]
pub struct FormatVersion {
    text: String,
    parsed: Parsed,
}

/// One variant per ordering family; the variant order is the cross-family order.
#[derive(Debug, Clone)]
enum Parsed {
    Semver(semver::SemverVersion),
    Nuget(nuget::NugetVersion),
    Pep440(pep440::Pep440Version),
    Maven(maven::MavenVersion),
    Ruby(ruby::RubyVersion),
    Generic(generic::GenericVersion),
}

impl Parsed {
    fn family(&self) -> u8 {
        match self {
            Parsed::Semver(_) => 0,
            Parsed::Nuget(_) => 1,
            Parsed::Pep440(_) => 2,
            Parsed::Maven(_) => 3,
            Parsed::Ruby(_) => 4,
            Parsed::Generic(_) => 5,
        }
    }
}

impl FormatVersion {
    /// The text the version was parsed from, unchanged.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the format considers this a prerelease: a SemVer or NuGet prerelease label,
    /// a PEP 440 pre or dev release, a Maven `alpha`/`beta`/`milestone`/`rc`/`snapshot`
    /// qualifier, a RubyGems version with a letter (or `-`). Natural-order generic versions
    /// have no notion of prerelease and report `false`.
    pub fn is_prerelease(&self) -> bool {
        match &self.parsed {
            Parsed::Semver(v) => v.is_prerelease(),
            Parsed::Nuget(v) => v.is_prerelease(),
            Parsed::Pep440(v) => v.is_prerelease(),
            Parsed::Maven(v) => v.is_prerelease(),
            Parsed::Ruby(v) => v.is_prerelease(),
            Parsed::Generic(v) => v.is_prerelease(),
        }
    }
}

impl Ord for FormatVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.parsed, &other.parsed) {
            (Parsed::Semver(a), Parsed::Semver(b)) => a.cmp(b),
            (Parsed::Nuget(a), Parsed::Nuget(b)) => a.cmp(b),
            (Parsed::Pep440(a), Parsed::Pep440(b)) => a.cmp(b),
            (Parsed::Maven(a), Parsed::Maven(b)) => a.cmp(b),
            (Parsed::Ruby(a), Parsed::Ruby(b)) => a.cmp(b),
            (Parsed::Generic(a), Parsed::Generic(b)) => a.cmp(b),
            (a, b) => a.family().cmp(&b.family()),
        }
    }
}

impl PartialOrd for FormatVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for FormatVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for FormatVersion {}

impl fmt::Display for FormatVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a string is not a version of a format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("an empty string is not a valid {format} version")]
    Empty { format: String },
    // The reason comes from the format's parser and may quote the text, line breaks and all.
    #[error(
        "`{}` is not a valid {format} version: {}",
        Shown(text),
        Escaped(reason)
    )]
    Invalid {
        format: String,
        text: String,
        reason: String,
    },
}

impl VersionError {
    /// The format whose rules rejected the text, as the inventory spells it.
    pub fn format(&self) -> &str {
        match self {
            VersionError::Empty { format } | VersionError::Invalid { format, .. } => format,
        }
    }

    /// The rejected text, complete (the message shortens it).
    pub fn text(&self) -> &str {
        match self {
            VersionError::Empty { .. } => "",
            VersionError::Invalid { text, .. } => text,
        }
    }
}

/// Shows untrusted text in a one-line message: control characters escaped, long text cut.
struct Shown<'a>(&'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LIMIT: usize = 120;
        for (count, c) in self.0.chars().enumerate() {
            if count == LIMIT {
                return f.write_str("…");
            }
            write_escaped(f, c)?;
        }
        Ok(())
    }
}

/// Text with control characters escaped and nothing cut.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.chars().try_for_each(|c| write_escaped(f, c))
    }
}

fn write_escaped(f: &mut fmt::Formatter<'_>, c: char) -> fmt::Result {
    if c.is_control() {
        write!(f, "{}", c.escape_default())
    } else {
        write!(f, "{c}")
    }
}

/// Parses `text` under the rules of `format`.
pub fn parse(format: &PackageFormat, text: &str) -> Result<FormatVersion, VersionError> {
    if text.is_empty() {
        return Err(VersionError::Empty {
            format: format.as_str().to_string(),
        });
    }
    let parsed = match format {
        PackageFormat::Npm | PackageFormat::Cargo | PackageFormat::Swift => {
            semver::SemverVersion::parse(text).map(Parsed::Semver)
        }
        PackageFormat::Nuget => nuget::NugetVersion::parse(text).map(Parsed::Nuget),
        PackageFormat::Pypi => pep440::Pep440Version::parse(text).map(Parsed::Pep440),
        PackageFormat::Maven => maven::MavenVersion::parse(text).map(Parsed::Maven),
        PackageFormat::Ruby => ruby::RubyVersion::parse(text).map(Parsed::Ruby),
        PackageFormat::Generic | PackageFormat::Other(_) => {
            generic::GenericVersion::parse(text).map(Parsed::Generic)
        }
    };
    match parsed {
        Ok(parsed) => Ok(FormatVersion {
            text: text.to_string(),
            parsed,
        }),
        Err(reason) => Err(VersionError::Invalid {
            format: format.as_str().to_string(),
            text: text.to_string(),
            reason,
        }),
    }
}

/// Compares two versions of one format; fails on the first that does not parse.
pub fn compare(format: &PackageFormat, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = parse(format, a)?;
    let b = parse(format, b)?;
    Ok(a.cmp(&b))
}

/// The result of [`highest`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highest<'a> {
    /// The greatest version that parsed; among equal ones, the first seen.
    pub highest: Option<&'a str>,
    /// Versions that do not parse under the format, in input order.
    pub unparsed: Vec<&'a str>,
}

/// Highest version under the format's ordering; versions that do not parse are listed, never a panic.
pub fn highest<'a>(
    format: &PackageFormat,
    versions: impl IntoIterator<Item = &'a str>,
) -> Highest<'a> {
    let mut best: Option<(&'a str, FormatVersion)> = None;
    let mut unparsed = Vec::new();
    for text in versions {
        match parse(format, text) {
            Ok(version) => {
                // Strictly greater only: an equal version seen later (NuGet `1.0.0` after
                // `1.0`) must not displace the first, so the answer does not depend on
                // anything but input order.
                let replace = match &best {
                    Some((_, current)) => version > *current,
                    None => true,
                };
                if replace {
                    best = Some((text, version));
                }
            }
            Err(_) => unparsed.push(text),
        }
    }
    Highest {
        highest: best.map(|(text, _)| text),
        unparsed,
    }
}

/// A run of ASCII digits as an unbounded natural number.
///
/// Version numbers in inventories are untrusted: a 40-digit part must neither overflow nor
/// fall back to text comparison. Stored without leading zeros (zero is the empty string),
/// so the numeric order is "shorter is smaller, then byte order".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Decimal(Box<str>);

impl Decimal {
    /// `digits` must be ASCII digits; other bytes would only make the order meaningless,
    /// never unsafe.
    pub(crate) fn new(digits: &str) -> Self {
        Decimal(digits.trim_start_matches('0').into())
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests;
