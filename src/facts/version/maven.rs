//! Maven ordering: `org.apache.maven.artifact.versioning.ComparableVersion` as of Maven 3.8.8
//! (with MNG-6964 and MNG-7644), made a total order.
//!
//! Parsing follows `ComparableVersion.parseVersion`: the lower-cased text is cut at `.`, at
//! `-` (which opens a sub-list) and at every digit/letter transition (which opens a sub-list
//! too); an empty part is `0`; a qualifier after a `.` becomes a sub-list (`1.0.RC1` is
//! `1.0-RC1`, MNG-7644). Numbers are unbounded. Qualifiers: `a`, `b`, `m` directly followed by
//! a digit mean `alpha`, `beta`, `milestone`; `cr` means `rc`; `ga`, `final` and `release`
//! mean the empty qualifier. Known qualifiers order `alpha` < `beta` < `milestone` < `rc` <
//! `snapshot` < `""` < `sp`, and unknown qualifiers come after them, lexically. Each list
//! then drops its trailing "null" items (`0`, the empty qualifier, an empty sub-list), which
//! makes `1.0.0` equal `1` and `1-ga` equal `1`.
//!
//! Comparison walks the two lists position by position: a number beats a sub-list, which
//! beats a qualifier; where one list has ended, the other's item decides by how it compares
//! with "nothing": a non-zero number or an `sp`/unknown qualifier or a sub-list starting
//! with such is above it, an `alpha`…`snapshot` qualifier is below it.
//!
//! # Where this departs from Maven
//!
//! Maven's comparison is not transitive: `2.0.alpha.1` < `2` (the zero matches the missing
//! part, then `alpha` is below nothing), `2` < `2-1`, yet `2.0.alpha.1` > `2-1` (a number
//! beats a sub-list). Rust's sort may panic on such an order, so here every null item in the
//! middle of a list (a `0` or an empty qualifier followed by more items) takes the side of
//! the first non-null item after it: it sorts with the items below "nothing" or with those
//! above it, and only then does "number beats sub-list beats qualifier" apply. Comparisons
//! against a shorter version are unchanged; the result differs from Maven only on pairs
//! that Maven puts in a cycle like the one above, or that put `ga`/`final`/`release` in the
//! middle of a version. Digits are ASCII digits (Java's `Character.isDigit` also accepts other
//! scripts' digits, which here are letters). Any non-empty text is a Maven version.

use super::Decimal;
use std::cmp::Ordering;

/// Index of the empty (release) qualifier in Maven's qualifier list.
const RELEASE: u8 = 5;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Qualifier {
    /// Index in `alpha, beta, milestone, rc, snapshot, "", sp`.
    Known(u8),
    Unknown(Box<str>),
}

impl Qualifier {
    fn new(text: &str, followed_by_digit: bool) -> Self {
        let text = match (text, followed_by_digit) {
            ("a", true) => "alpha",
            ("b", true) => "beta",
            ("m", true) => "milestone",
            (text, _) => text,
        };
        match text {
            "alpha" => Qualifier::Known(0),
            "beta" => Qualifier::Known(1),
            "milestone" => Qualifier::Known(2),
            "rc" | "cr" => Qualifier::Known(3),
            "snapshot" => Qualifier::Known(4),
            "" | "ga" | "final" | "release" => Qualifier::Known(RELEASE),
            "sp" => Qualifier::Known(6),
            other => Qualifier::Unknown(other.into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scalar {
    // Variant order is Maven's "a number beats a qualifier".
    Qualifier(Qualifier),
    Number(Decimal),
}

impl Scalar {
    fn parse(digits: bool, text: &str) -> Self {
        if digits {
            Scalar::Number(Decimal::new(text))
        } else {
            Scalar::Qualifier(Qualifier::new(text, false))
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Scalar::Number(number) => number.is_zero(),
            Scalar::Qualifier(qualifier) => *qualifier == Qualifier::Known(RELEASE),
        }
    }

    /// How the item compares with a missing item, when that does not depend on what follows.
    fn own_side(&self) -> Option<Ordering> {
        match self {
            Scalar::Number(number) if number.is_zero() => None,
            Scalar::Number(_) => Some(Ordering::Greater),
            Scalar::Qualifier(Qualifier::Known(index)) => match (*index).cmp(&RELEASE) {
                Ordering::Equal => None,
                side => Some(side),
            },
            Scalar::Qualifier(Qualifier::Unknown(_)) => Some(Ordering::Greater),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    scalar: Scalar,
    /// How this item, with everything after it in its list, compares with nothing.
    side: Ordering,
}

/// One list of the version. Every sub-list is the last element of its parent, so a version
/// is a chain: `levels[k + 1]` is the sub-list ending `levels[k]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Level {
    items: Vec<Item>,
    /// How this whole list (as a sub-list item of its parent) compares with nothing.
    side: Ordering,
}

#[derive(Debug, Clone)]
pub(super) struct MavenVersion {
    levels: Vec<Level>,
}

impl MavenVersion {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("empty version".to_string());
        }
        Ok(MavenVersion {
            levels: finish(split(&text.to_lowercase())),
        })
    }

    /// True when a prerelease qualifier (`alpha` … `snapshot`) is left after normalization.
    pub(super) fn is_prerelease(&self) -> bool {
        self.levels.iter().flat_map(|level| &level.items).any(|item| {
            matches!(item.scalar, Scalar::Qualifier(Qualifier::Known(index)) if index < RELEASE)
        })
    }
}

/// `ComparableVersion.parseVersion` without the normalization.
fn split(version: &str) -> Vec<Vec<Scalar>> {
    let mut levels = Vec::new();
    let mut current: Vec<Scalar> = Vec::new();
    let mut digits = false;
    let mut start = 0;
    for (index, c) in version.char_indices() {
        if c == '.' || c == '-' {
            current.push(if index == start {
                Scalar::Number(Decimal::new(""))
            } else {
                Scalar::parse(digits, &version[start..index])
            });
            start = index + 1;
            if c == '-' {
                levels.push(std::mem::take(&mut current));
            }
        } else if c.is_ascii_digit() {
            if !digits && index > start {
                // MNG-7644: `1.0.X1` is read as `1.0-X1`.
                if !current.is_empty() {
                    levels.push(std::mem::take(&mut current));
                }
                let qualifier = Qualifier::new(&version[start..index], true);
                current.push(Scalar::Qualifier(qualifier));
                start = index;
                levels.push(std::mem::take(&mut current));
            }
            digits = true;
        } else {
            if digits && index > start {
                current.push(Scalar::parse(true, &version[start..index]));
                start = index;
                levels.push(std::mem::take(&mut current));
            }
            digits = false;
        }
    }
    if version.len() > start {
        // MNG-7644: a trailing `.X` is read as `-X`.
        if !digits && !current.is_empty() {
            levels.push(std::mem::take(&mut current));
        }
        current.push(Scalar::parse(digits, &version[start..]));
    }
    levels.push(current);
    levels
}

/// `ListItem.normalize` from the innermost list out, then the side of every item.
fn finish(mut raw: Vec<Vec<Scalar>>) -> Vec<Level> {
    for k in (0..raw.len()).rev() {
        // Inner lists are final by now: an empty one with no sub-list of its own is null.
        if raw.len() == k + 2 && raw.get(k + 1).is_some_and(Vec::is_empty) {
            raw.truncate(k + 1);
        }
        if let Some(level) = raw.get_mut(k) {
            while level.last().is_some_and(Scalar::is_null) {
                level.pop();
            }
        }
    }

    let mut levels: Vec<Level> = Vec::with_capacity(raw.len());
    let mut child_side = Ordering::Equal;
    for scalars in raw.into_iter().rev() {
        let mut next = child_side;
        let mut items: Vec<Item> = scalars
            .into_iter()
            .rev()
            .map(|scalar| {
                let side = scalar.own_side().unwrap_or(next);
                next = side;
                Item { scalar, side }
            })
            .collect();
        items.reverse();
        child_side = next;
        levels.push(Level { items, side: next });
    }
    levels.reverse();
    levels
}

/// An element of a list during comparison: an item, or the sub-list that ends the list.
enum Element<'a> {
    Item(&'a Item),
    SubList(Ordering),
}

impl Element<'_> {
    fn side(&self) -> Ordering {
        match self {
            Element::Item(item) => item.side,
            Element::SubList(side) => *side,
        }
    }

    /// Maven's "qualifier < sub-list < number" between kinds.
    fn kind(&self) -> u8 {
        match self {
            Element::Item(Item {
                scalar: Scalar::Qualifier(_),
                ..
            }) => 0,
            Element::SubList(_) => 1,
            Element::Item(_) => 2,
        }
    }
}

fn element(levels: &[Level], depth: usize, position: usize) -> Option<Element<'_>> {
    let level = levels.get(depth)?;
    match level.items.get(position) {
        Some(item) => Some(Element::Item(item)),
        None if position == level.items.len() => levels
            .get(depth + 1)
            .map(|sub_list| Element::SubList(sub_list.side)),
        None => None,
    }
}

impl Ord for MavenVersion {
    /// Lexicographic over elements keyed by (side, kind, value), a missing element being
    /// the side-`Equal` point: a total order by construction. Iterative, since a sub-list
    /// is always the last element and a version may nest thousands of them.
    fn cmp(&self, other: &Self) -> Ordering {
        let (mut depth, mut position) = (0, 0);
        loop {
            let left = element(&self.levels, depth, position);
            let right = element(&other.levels, depth, position);
            match (left, right) {
                (None, None) => return Ordering::Equal,
                (Some(left), None) => {
                    if left.side() != Ordering::Equal {
                        return left.side();
                    }
                }
                (None, Some(right)) => {
                    if right.side() != Ordering::Equal {
                        return right.side().reverse();
                    }
                }
                (Some(left), Some(right)) => {
                    let side = left.side().cmp(&right.side());
                    if side != Ordering::Equal {
                        return side;
                    }
                    if left.side() != Ordering::Equal {
                        match (&left, &right) {
                            (Element::Item(l), Element::Item(r)) => match l.scalar.cmp(&r.scalar) {
                                Ordering::Equal => {}
                                unequal => return unequal,
                            },
                            (Element::SubList(_), Element::SubList(_)) => {
                                depth += 1;
                                position = 0;
                                continue;
                            }
                            _ => return left.kind().cmp(&right.kind()),
                        }
                    }
                }
            }
            position += 1;
        }
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

#[cfg(test)]
mod tests {
    use super::super::{compare, parse};
    use crate::inventory::PackageFormat;
    use std::cmp::Ordering::{self, Equal, Greater, Less};

    fn maven(a: &str, b: &str) -> Ordering {
        compare(&PackageFormat::Maven, a, b).unwrap()
    }

    fn assert_ascending(versions: &[&str]) {
        for (i, low) in versions.iter().enumerate() {
            for high in &versions[i + 1..] {
                assert_eq!(maven(low, high), Less, "{low} < {high}");
                assert_eq!(maven(high, low), Greater, "{high} > {low}");
            }
        }
    }

    /// `ComparableVersionTest.VERSIONS_QUALIFIER`.
    #[test]
    fn maven_qualifier_order() {
        assert_ascending(&[
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ]);
    }

    /// `ComparableVersionTest.VERSIONS_NUMBER` (the MNG-7644 order).
    #[test]
    fn maven_number_order() {
        assert_ascending(&[
            "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1",
            "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11",
            "11", "11.a", "11b", "11c", "11m",
        ]);
    }

    /// `ComparableVersionTest.testVersionComparing`, the MNG issue tests and the docs.
    const ORDER: &[(&str, &str, Ordering)] = &[
        ("1", "2", Less),
        ("1.5", "2", Less),
        ("1", "2.5", Less),
        ("1.0.0", "1.1", Less),
        ("1.0.1", "1.1", Less),
        ("1.1", "1.2.0", Less),
        ("1.0-alpha-1", "1.0", Less),
        ("1.0-alpha-1", "1.0-alpha-2", Less),
        ("1.0-alpha-1", "1.0-beta-1", Less),
        ("1.0-beta-1", "1.0-SNAPSHOT", Less),
        ("1.0-SNAPSHOT", "1.0", Less),
        ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1", Less),
        ("1.0", "1.0-1", Less),
        ("1.0-1", "1.0-2", Less),
        ("1.0.0", "1.0-1", Less),
        ("2.0-1", "2.0.1", Less),
        ("2.0.1-klm", "2.0.1-lmn", Less),
        ("2.0.1", "2.0.1-xyz", Less),
        ("2.0.1", "2.0.1-123", Less),
        ("2.0.1-xyz", "2.0.1-123", Less),
        ("0.7", "2", Less),
        ("0.2", "1.0.7", Less),
        // MNG-5568
        ("6.1.0rc3", "6.1.0", Less),
        ("6.1.0rc3", "6.1H.5-beta", Less),
        ("6.1.0", "6.1H.5-beta", Less),
        // MNG-6572
        ("20190126.230843", "1234567890.12345", Less),
        ("1234567890.12345", "123456789012345.1H.5-beta", Less),
        (
            "123456789012345.1H.5-beta",
            "12345678901234567890.1H.5-beta",
            Less,
        ),
        // MNG-6964
        ("1-0.alpha", "1", Less),
        ("1-0.beta", "1", Less),
        ("1-0.alpha", "1-0.beta", Less),
        // Qualifier aliases and release qualifiers.
        ("1.0.0.RELEASE", "1.0.0", Equal),
        ("1.0.0.Final", "1.0.0.GA", Equal),
        ("1.0.0.CR1", "1.0.0.RC1", Equal),
        ("1.0.0.Alpha1", "1.0.0-alpha-1", Equal),
        ("1.0.0.M1", "1.0.0-RC1", Less),
        ("1.0.0-SP1", "1.0.0.Final", Greater),
        ("31.1-jre", "31.1-android", Greater),
        ("1.0.0.Alpha1", "1.0.SP1", Less),
        // Numbers beyond any machine integer.
        (
            "1.99999999999999999999999",
            "1.100000000000000000000000",
            Less,
        ),
    ];

    const EQUAL: &[(&str, &str)] = &[
        ("1", "1.0"),
        ("1", "1.0.0"),
        ("1.0", "1.0.0"),
        ("1", "1-0"),
        ("1", "1.0-0"),
        ("1.0", "1.0-0"),
        ("1a", "1-a"),
        ("1a", "1.0-a"),
        ("1a", "1.0.0-a"),
        ("1.0a", "1-a"),
        ("1.0.0a", "1-a"),
        ("1x", "1-x"),
        ("1x", "1.0.0-x"),
        ("1ga", "1"),
        ("1release", "1"),
        ("1final", "1"),
        ("1cr", "1rc"),
        ("1a1", "1-alpha-1"),
        ("1b2", "1-beta-2"),
        ("1m3", "1-milestone-3"),
        ("1X", "1x"),
        ("1A", "1a"),
        ("1Ga", "1"),
        ("1FINAL", "1"),
        ("1RELeaSE", "1"),
        ("1Cr", "1Rc"),
        ("1m3", "1MILESTONE3"),
        (
            "1-abcdefghijklmnopqrstuvwxyz",
            "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        ),
        ("0000000000000000001", "1"),
        ("0000000000000000000", "0"),
    ];

    #[test]
    fn maven_orderings_match_comparable_version_tests() {
        for &(a, b, expected) in ORDER {
            assert_eq!(maven(a, b), expected, "{a} vs {b}");
            assert_eq!(maven(b, a), expected.reverse(), "{b} vs {a}");
        }
        for &(a, b) in EQUAL {
            assert_eq!(maven(a, b), Equal, "{a} == {b}");
            assert_eq!(maven(b, a), Equal, "{b} == {a}");
        }
    }

    /// MNG-7644: `1.0.0.X1 < 1.0.0-X2` and `2-X == 2.0.X == 2.0.0.X` for any string X.
    #[test]
    fn maven_dot_qualifier_is_a_dash_qualifier() {
        for x in [
            "abc",
            "alpha",
            "a",
            "beta",
            "b",
            "def",
            "milestone",
            "m",
            "RC",
        ] {
            assert_eq!(maven(&format!("1.0.0.{x}1"), &format!("1.0.0-{x}2")), Less);
            assert_eq!(maven(&format!("2-{x}"), &format!("2.0.{x}")), Equal);
            assert_eq!(maven(&format!("2-{x}"), &format!("2.0.0.{x}")), Equal);
        }
    }

    /// Maven itself orders these three in a cycle; here they sort, and every triple of a set
    /// of awkward versions is transitive.
    #[test]
    fn maven_order_is_total_where_maven_cycles() {
        let mut versions =
            ["2-1", "2.0.alpha.1", "2"].map(|text| parse(&PackageFormat::Maven, text).unwrap());
        versions.sort();
        let sorted: Vec<&str> = versions.iter().map(|v| v.as_str()).collect();
        assert_eq!(sorted, ["2.0.alpha.1", "2", "2-1"]);

        let awkward = [
            "2",
            "2-1",
            "2.0.alpha.1",
            "2.0.1",
            "2.sp.1",
            "2.ga.1",
            "2.ga.alpha",
            "2-0-1",
            "2--1",
            "-1",
            ".",
            "-",
            "2.0.0",
            "2.0-alpha",
            "2.a.0.b",
            "2-sp",
            "2.sp",
            "2-0.1",
            "2.0.ga.1",
            "2-ga-alpha",
            "ga",
            "0",
            "alpha",
            "2.0.0.0.rc.1",
            "2-final-sp",
        ];
        for a in awkward {
            for b in awkward {
                let ab = maven(a, b);
                assert_eq!(maven(b, a), ab.reverse(), "{a} vs {b}");
                for c in awkward {
                    if ab != Greater && maven(b, c) != Greater {
                        assert_ne!(maven(a, c), Greater, "{a} <= {b} <= {c}");
                    }
                }
            }
        }
    }

    #[test]
    fn maven_accepts_anything_but_empty() {
        for text in [" ", "🙂", "..", "--", "1 2", "\u{0}"] {
            assert!(parse(&PackageFormat::Maven, text).is_ok(), "{text:?}");
        }
        assert!(parse(&PackageFormat::Maven, "").is_err());
    }

    #[test]
    fn maven_prerelease_is_a_prerelease_qualifier() {
        let pre = |text| parse(&PackageFormat::Maven, text).unwrap().is_prerelease();
        assert!(pre("1.0-SNAPSHOT"));
        assert!(pre("1.0.0.M1"));
        assert!(pre("1.0-b1"));
        assert!(!pre("1.0.0.Final"));
        assert!(!pre("1.0-sp1"));
        assert!(!pre("31.1-jre"));
    }
}
