//! Natural order: the fallback for generic versions that are not SemVer.
//!
//! The text is split into maximal runs of ASCII digits and runs of anything else. Runs are
//! compared pairwise: two digit runs numerically (any length, leading zeros ignored, so
//! `01` equals `1`), two other runs by code point, and a digit run sorts before a non-digit
//! run at the same place. When one sequence of runs is a prefix of the other, the shorter
//! sorts first (`1.0` < `1.0.1` < `1.0a`). This is a total order: it compares a key derived
//! from the text, never the text pairwise.

use super::Decimal;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Run {
    // Variant order is the rule "digits before text" at one position.
    Number(Decimal),
    Text(Box<str>),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct NaturalVersion(Vec<Run>);

impl NaturalVersion {
    pub(super) fn parse(text: &str) -> Self {
        let mut runs = Vec::new();
        let mut rest = text;
        while let Some(first) = rest.chars().next() {
            let digits = first.is_ascii_digit();
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digits)
                .unwrap_or(rest.len());
            let (run, tail) = rest.split_at(end);
            runs.push(if digits {
                Run::Number(Decimal::new(run))
            } else {
                Run::Text(run.into())
            });
            rest = tail;
        }
        NaturalVersion(runs)
    }

    /// The runs of `major.minor.patch`, for placing SemVer versions among natural ones.
    pub(super) fn from_numbers(numbers: &[u64]) -> Self {
        let mut runs = Vec::with_capacity(numbers.len() * 2);
        for (index, number) in numbers.iter().enumerate() {
            if index > 0 {
                runs.push(Run::Text(".".into()));
            }
            runs.push(Run::Number(Decimal::new(&number.to_string())));
        }
        NaturalVersion(runs)
    }
}

/// Natural comparison of two strings, for callers that do not keep the parsed form.
#[cfg(test)]
pub(super) fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    NaturalVersion::parse(a).cmp(&NaturalVersion::parse(b))
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn natural_order_compares_digit_runs_as_numbers() {
        let cases = [
            ("1.9", "1.10", Less),
            ("release-9", "release-10", Less),
            ("2024.01.15", "2024.1.15", Equal),
            ("a", "b", Less),
            ("1.0", "1.0.1", Less),
            ("1.0.1", "1.0a", Less),
            ("1a", "a1", Less),
            ("99999999999999999999999", "100000000000000000000000", Less),
            ("000000000000000000000001", "1", Equal),
            ("build10", "build9", Greater),
            ("B", "a", Less),
            ("1.0-é", "1.0-e", Greater),
        ];
        for (a, b, expected) in cases {
            assert_eq!(compare(a, b), expected, "{a} vs {b}");
            assert_eq!(compare(b, a), expected.reverse(), "{b} vs {a}");
        }
    }
}
