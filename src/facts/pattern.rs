//! Package-group patterns: parsing, matching, specificity, as documented in
//! <https://docs.aws.amazon.com/codeartifact/latest/ug/package-group-definition-syntax-matching-behavior.html>.
//!
//! A pattern is a package path (`/<format>/<namespace>/<name>`) cut after some component and
//! closed by a suffix: `$` exact, `~` prefix ending on a word boundary, `*` every value of what
//! follows. Only six shapes are allowed, so a pattern is parsed into one [`PatternKind`] plus its
//! literal parts, and matching, containment and specificity are decided on that structure rather
//! than by a general glob engine.

use crate::facts::names::fold_variants;
use crate::inventory::PackageFormat;
use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::OnceCell;
use std::cmp::{Ordering, Reverse};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

/// Model limits of `PackageGroupPattern`, in characters.
const MIN_LEN: usize = 2;
const MAX_LEN: usize = 520;

/// How a pattern matches a package, as the API's `associationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MatchStrength {
    /// The coordinates match the pattern as written (case-sensitive).
    Strong,
    /// The coordinates match only after [`fold_variants`] (case, `-._` runs, confusables). The
    /// service blocks such a package outright; deciding that is the caller's job.
    Weak,
}

/// The six pattern shapes the service allows, ordered from least to most specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PatternKind {
    /// `/*`
    Root,
    /// `/npm/*`
    Format,
    /// `/maven/com.anycompany~` (or `/maven/com.*`)
    NamespacePrefix,
    /// `/npm/space/*` (or `/npm//*` for the empty namespace)
    Namespace,
    /// `/npm/space/anycompany-ui~` (or `/npm/space/anycompany-*`)
    NamePrefix,
    /// `/maven/org.apache.logging.log4j/log4j-core$`
    Exact,
}

/// Ordering key for specificity: greater is more specific.
///
/// Among patterns that match one package, the more specific is the one matching a subset of the
/// other's packages. Kinds are nested in [`PatternKind`] order, and two prefixes of the same
/// component that both match one value are nested with the longer one inside, so comparing the
/// kind and then the prefix length reproduces the subset order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Specificity {
    kind: PatternKind,
    /// Prefix length in characters for the prefix kinds, 0 otherwise.
    prefix_len: usize,
}

impl Specificity {
    pub fn kind(&self) -> PatternKind {
        self.kind
    }
}

/// Why a text is not a valid package group pattern. Offsets count characters from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error(
        "pattern is {len} characters long; package group patterns have {MIN_LEN} to {MAX_LEN}"
    )]
    Length { len: usize },
    #[error(
        "{ch:?} at offset {offset}: patterns may not contain whitespace or control characters"
    )]
    ForbiddenCharacter { offset: usize, ch: char },
    #[error("pattern must start with `/`, found {found:?} at offset 0")]
    MissingLeadingSlash { found: char },
    #[error("`{ch}` at offset {offset} is a suffix and may only be the last character")]
    MisplacedSuffix { offset: usize, ch: char },
    #[error(
        "pattern must end with a suffix (`$`, `~` or `*`), found {found:?} at offset {offset}"
    )]
    MissingSuffix { offset: usize, found: char },
    #[error("missing format at offset {offset} (the pattern for every format is `/*`)")]
    MissingFormat { offset: usize },
    #[error(
        "{text:?} at offset {offset} must be followed by `/`: a pattern cannot match part of a format"
    )]
    PartialFormat { offset: usize, text: String },
    #[error(
        "unknown package format {format:?} at offset {offset}; expected one of npm, pypi (or python), maven, nuget, generic, ruby, swift, cargo"
    )]
    UnknownFormat { offset: usize, format: String },
    #[error(
        "`/` at offset {offset} starts a fourth component; patterns have at most format, namespace and name"
    )]
    TooManyComponents { offset: usize },
    #[error(
        "`~` at offset {offset} must follow a word character (letter or digit); after another character use `*`"
    )]
    TildeAfterNonWord { offset: usize },
    #[error(
        "`*` at offset {offset} must follow `/` or a non-word character; use `~` for a prefix ending on a word boundary"
    )]
    StarAfterWord { offset: usize },
    #[error(
        "`$` at offset {offset} matches one package, so it must close `/<format>/<namespace>/<name>` with a non-empty name"
    )]
    ExactWithoutName { offset: usize },
    #[error(
        "{format} packages have a namespace, so a pattern naming a package must give it (empty namespace at offset {offset})"
    )]
    NamespaceRequired { offset: usize, format: String },
    #[error(
        "{format} packages have no namespace, so the namespace at offset {offset} must be empty (as in `/{format}//name$`)"
    )]
    NamespaceNotAllowed { offset: usize, format: String },
}

/// A validated package group pattern.
///
/// Equality and hashing are by the text as written: patterns are case-sensitive identifiers, and
/// `/python/...` and `/pypi/...` are different patterns even though they match the same packages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupPattern {
    text: String,
    /// `None` only for the root.
    format: Option<PackageFormat>,
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Shape {
    Root,
    Format,
    NamespacePrefix(Prefix),
    Namespace(Literal),
    NamePrefix(Literal, Prefix),
    Exact(Literal, Literal),
}

/// A namespace or name as written, with its weak-match key computed once per pattern because
/// association folds it for every package.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Literal {
    raw: String,
    folded: String,
}

impl Literal {
    fn new(raw: String) -> Self {
        let folded = fold_variants(&raw);
        Literal { raw, folded }
    }

    fn get(&self, side: Side) -> &str {
        match side {
            Side::Raw => &self.raw,
            Side::Folded => &self.folded,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Prefix {
    text: Literal,
    /// `~`: the value must not continue the word the prefix ends in. `*` has no such condition.
    word_boundary: bool,
}

impl Prefix {
    fn matches(&self, side: Side, value: &str) -> bool {
        let prefix = self.text.get(side);
        match value.strip_prefix(prefix) {
            Some(rest) => !self.word_boundary || starts_on_boundary(rest),
            None => false,
        }
    }

    /// Every value matching `other` also matches `self`.
    fn contains(&self, other: &Prefix) -> bool {
        // `other`'s own text matches `other`, so it is the witness: if it does not match `self`,
        // containment fails. If it does, so does every value starting with it, because the
        // boundary `self` needs lies inside that text. The one exception would be equal texts
        // with `self` needing a boundary and `other` not, but equal texts end in the same
        // character and the syntax ties the suffix to that character's class.
        self.matches(Side::Raw, &other.text.raw)
    }
}

#[derive(Debug, Clone, Copy)]
enum Side {
    Raw,
    Folded,
}

/// Whether a format's packages have a namespace.
enum NamespaceRule {
    Required,
    Optional,
    Absent,
}

fn namespace_rule(format: &PackageFormat) -> NamespaceRule {
    match format {
        PackageFormat::Maven | PackageFormat::Generic | PackageFormat::Swift => {
            NamespaceRule::Required
        }
        PackageFormat::Npm => NamespaceRule::Optional,
        // `Other` never reaches here (parse rejects it); treating it as namespace-free would be
        // the safe reading anyway.
        _ => NamespaceRule::Absent,
    }
}

/// One `/`-separated component of the pattern body, with its offset in the whole pattern.
struct Segment {
    offset: usize,
    text: String,
}

impl GroupPattern {
    /// Parses and validates a pattern (shape, word boundaries, `PackageGroupPattern` constraints).
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let len = text.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(PatternError::Length { len });
        }
        let chars: Vec<char> = text.chars().collect();
        if let Some((offset, &ch)) = chars.iter().enumerate().find(|(_, c)| is_forbidden(**c)) {
            return Err(PatternError::ForbiddenCharacter { offset, ch });
        }
        let (first, last) = match (chars.first(), chars.last()) {
            (Some(&first), Some(&last)) => (first, last),
            _ => return Err(PatternError::Length { len }),
        };
        if first != '/' {
            return Err(PatternError::MissingLeadingSlash { found: first });
        }
        let last_offset = len - 1;
        if let Some((offset, &ch)) = chars
            .iter()
            .enumerate()
            .take(last_offset)
            .find(|(_, c)| is_suffix(**c))
        {
            return Err(PatternError::MisplacedSuffix { offset, ch });
        }
        if !is_suffix(last) {
            return Err(PatternError::MissingSuffix {
                offset: last_offset,
                found: last,
            });
        }

        let body = chars.get(1..last_offset).unwrap_or_default();
        if body.is_empty() && last == '*' {
            return Ok(GroupPattern::root());
        }
        let segments = split_segments(body);
        let mut segments = segments.into_iter();
        let format_segment = segments.next().unwrap_or(Segment {
            offset: 1,
            text: String::new(),
        });
        let namespace = segments.next();
        let name = segments.next();
        if let Some(extra) = segments.next() {
            // Report the leftmost problem: a bad format is reported before a fourth component.
            parse_format(&format_segment)?;
            return Err(PatternError::TooManyComponents {
                offset: extra.offset.saturating_sub(1),
            });
        }
        let Some(namespace) = namespace else {
            if format_segment.text.is_empty() {
                return Err(PatternError::MissingFormat { offset: 1 });
            }
            return Err(PatternError::PartialFormat {
                offset: format_segment.offset,
                text: format_segment.text,
            });
        };
        let format = parse_format(&format_segment)?;

        let shape = match last {
            '*' => {
                if ends_in_word(body) {
                    return Err(PatternError::StarAfterWord {
                        offset: last_offset,
                    });
                }
                let star = |text: String| Prefix {
                    text: Literal::new(text),
                    word_boundary: false,
                };
                match name {
                    None if namespace.text.is_empty() => Shape::Format,
                    None => Shape::NamespacePrefix(star(namespace.text.clone())),
                    Some(name) if name.text.is_empty() => {
                        Shape::Namespace(Literal::new(namespace.text.clone()))
                    }
                    Some(name) => {
                        Shape::NamePrefix(Literal::new(namespace.text.clone()), star(name.text))
                    }
                }
            }
            '~' => {
                if !ends_in_word(body) {
                    return Err(PatternError::TildeAfterNonWord {
                        offset: last_offset,
                    });
                }
                let tilde = |text: String| Prefix {
                    text: Literal::new(text),
                    word_boundary: true,
                };
                match name {
                    None => Shape::NamespacePrefix(tilde(namespace.text.clone())),
                    Some(name) => {
                        Shape::NamePrefix(Literal::new(namespace.text.clone()), tilde(name.text))
                    }
                }
            }
            _ => match name {
                Some(name) if !name.text.is_empty() => Shape::Exact(
                    Literal::new(namespace.text.clone()),
                    Literal::new(name.text),
                ),
                _ => {
                    return Err(PatternError::ExactWithoutName {
                        offset: last_offset,
                    })
                }
            },
        };

        let names_package = matches!(shape, Shape::NamePrefix(..) | Shape::Exact(..));
        match namespace_rule(&format) {
            NamespaceRule::Required if names_package && namespace.text.is_empty() => {
                return Err(PatternError::NamespaceRequired {
                    offset: namespace.offset,
                    format: format_segment.text,
                });
            }
            NamespaceRule::Absent if !namespace.text.is_empty() => {
                return Err(PatternError::NamespaceNotAllowed {
                    offset: namespace.offset,
                    format: format_segment.text,
                });
            }
            _ => {}
        }

        Ok(GroupPattern {
            text: text.to_string(),
            format: Some(format),
            shape,
        })
    }

    /// The pattern for exactly one package, `/<format>/<namespace>/<name>$`. Error offsets refer
    /// to that assembled text.
    pub fn exact(
        format: &PackageFormat,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Self, PatternError> {
        GroupPattern::parse(&format!(
            "/{}/{}/{}$",
            format.as_str(),
            namespace.unwrap_or_default(),
            name
        ))
    }

    /// The root pattern `/*`, which every domain has.
    pub fn root() -> Self {
        GroupPattern {
            text: "/*".to_string(),
            format: None,
            shape: Shape::Root,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_root(&self) -> bool {
        matches!(self.shape, Shape::Root)
    }

    /// The format the pattern is restricted to (`python` reads as pypi); `None` for the root.
    pub fn format(&self) -> Option<PackageFormat> {
        self.format.clone()
    }

    pub fn kind(&self) -> PatternKind {
        match self.shape {
            Shape::Root => PatternKind::Root,
            Shape::Format => PatternKind::Format,
            Shape::NamespacePrefix(_) => PatternKind::NamespacePrefix,
            Shape::Namespace(_) => PatternKind::Namespace,
            Shape::NamePrefix(..) => PatternKind::NamePrefix,
            Shape::Exact(..) => PatternKind::Exact,
        }
    }

    /// How this pattern matches a package; namespace `None` == empty. Strong on an exact
    /// (case-sensitive) match, Weak when it matches only after [`fold_variants`] on
    /// namespace/name, `None` otherwise.
    ///
    /// Coordinates are compared as given: pass them as CodeArtifact stores them
    /// (see [`crate::facts::names`]).
    pub fn match_package(
        &self,
        format: &PackageFormat,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<MatchStrength> {
        self.match_probe(&Probe::new(format, namespace, name))
    }

    fn match_probe(&self, probe: &Probe<'_>) -> Option<MatchStrength> {
        let Some(format) = &self.format else {
            return Some(MatchStrength::Strong);
        };
        if format != probe.format {
            return None;
        }
        if self.matches_components(Side::Raw, probe.namespace, probe.name) {
            return Some(MatchStrength::Strong);
        }
        if !self.has_literals() {
            return None;
        }
        let (namespace, name) = probe.folded();
        self.matches_components(Side::Folded, namespace, name)
            .then_some(MatchStrength::Weak)
    }

    fn has_literals(&self) -> bool {
        !matches!(self.shape, Shape::Root | Shape::Format)
    }

    fn matches_components(&self, side: Side, namespace: &str, name: &str) -> bool {
        match &self.shape {
            Shape::Root | Shape::Format => true,
            Shape::NamespacePrefix(prefix) => prefix.matches(side, namespace),
            Shape::Namespace(ns) => ns.get(side) == namespace,
            Shape::NamePrefix(ns, prefix) => {
                ns.get(side) == namespace && prefix.matches(side, name)
            }
            Shape::Exact(ns, exact) => ns.get(side) == namespace && exact.get(side) == name,
        }
    }

    /// True when every package `other` matches strongly, `self` matches strongly too
    /// (`self` ⊇ `other`).
    pub fn contains(&self, other: &GroupPattern) -> bool {
        let Some(format) = &self.format else {
            return true;
        };
        if other.format.as_ref() != Some(format) {
            return false;
        }
        match (&self.shape, &other.shape) {
            (Shape::Root, _) | (Shape::Format, _) => true,
            (Shape::NamespacePrefix(p), Shape::NamespacePrefix(q)) => p.contains(q),
            (
                Shape::NamespacePrefix(p),
                Shape::Namespace(ns) | Shape::NamePrefix(ns, _) | Shape::Exact(ns, _),
            ) => p.matches(Side::Raw, &ns.raw),
            (
                Shape::Namespace(a),
                Shape::Namespace(b) | Shape::NamePrefix(b, _) | Shape::Exact(b, _),
            ) => a.raw == b.raw,
            (Shape::NamePrefix(a, p), Shape::NamePrefix(b, q)) => a.raw == b.raw && p.contains(q),
            (Shape::NamePrefix(a, p), Shape::Exact(b, name)) => {
                a.raw == b.raw && p.matches(Side::Raw, &name.raw)
            }
            (Shape::Exact(a, m), Shape::Exact(b, n)) => a.raw == b.raw && m.raw == n.raw,
            _ => false,
        }
    }

    /// A key where greater = more specific: root < format < namespace prefix (shorter < longer)
    /// < exact namespace < name prefix (shorter < longer) < exact name.
    pub fn specificity(&self) -> Specificity {
        let prefix_len = match &self.shape {
            Shape::NamespacePrefix(prefix) | Shape::NamePrefix(_, prefix) => {
                prefix.text.raw.chars().count()
            }
            _ => 0,
        };
        Specificity {
            kind: self.kind(),
            prefix_len,
        }
    }
}

impl fmt::Display for GroupPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for GroupPattern {
    type Err = PatternError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        GroupPattern::parse(text)
    }
}

impl Serialize for GroupPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for GroupPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        GroupPattern::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A package being matched, with its weak-match keys computed at most once however many
/// patterns look at it.
struct Probe<'a> {
    format: &'a PackageFormat,
    namespace: &'a str,
    name: &'a str,
    folded: OnceCell<(String, String)>,
}

impl<'a> Probe<'a> {
    fn new(format: &'a PackageFormat, namespace: Option<&'a str>, name: &'a str) -> Self {
        Probe {
            format,
            namespace: namespace.unwrap_or_default(),
            name,
            folded: OnceCell::new(),
        }
    }

    fn folded(&self) -> (&str, &str) {
        let (namespace, name) = self
            .folded
            .get_or_init(|| (fold_variants(self.namespace), fold_variants(self.name)));
        (namespace, name)
    }
}

/// The most specific pattern matching the package (strong or weak), with its strength. The
/// implicit root `/*` is NOT added here; callers pass it.
///
/// A weak match on a more specific pattern beats a strong match on a less specific one: the
/// service associates by specificity alone.
/// Equal specificity only happens between patterns a valid group tree cannot both match
/// strongly (e.g. `/npm//foo$` and `/npm//Foo$`); the strong match wins, then the pattern text
/// that sorts first, so the answer never depends on input order.
pub fn associate<'a>(
    patterns: impl IntoIterator<Item = &'a GroupPattern>,
    format: &PackageFormat,
    namespace: Option<&str>,
    name: &str,
) -> Option<(&'a GroupPattern, MatchStrength)> {
    let probe = Probe::new(format, namespace, name);
    let mut best: Option<(&'a GroupPattern, MatchStrength)> = None;
    for pattern in patterns {
        // Matching costs more than comparing keys, so skip what could not win anyway.
        if let Some((current, _)) = best {
            if pattern.specificity() < current.specificity() {
                continue;
            }
        }
        let Some(strength) = pattern.match_probe(&probe) else {
            continue;
        };
        let wins = match best {
            None => true,
            Some((current, current_strength)) => {
                rank(pattern, strength).cmp(&rank(current, current_strength)) == Ordering::Greater
            }
        };
        if wins {
            best = Some((pattern, strength));
        }
    }
    best
}

fn rank(
    pattern: &GroupPattern,
    strength: MatchStrength,
) -> (Specificity, Reverse<MatchStrength>, Reverse<&str>) {
    (
        pattern.specificity(),
        Reverse(strength),
        Reverse(pattern.as_str()),
    )
}

/// The parent in the group tree: the most specific *other* pattern that strictly contains this
/// one, as the service computes `parent`.
///
/// Patterns matching the same packages (`/pypi/*` and `/python/*`) do not contain each other
/// strictly, so neither is the other's parent. Ties in specificity go to the text that sorts
/// first, as in [`associate`].
pub fn parent<'a>(
    pattern: &GroupPattern,
    others: impl IntoIterator<Item = &'a GroupPattern>,
) -> Option<&'a GroupPattern> {
    others
        .into_iter()
        .filter(|other| other.contains(pattern) && !pattern.contains(other))
        .max_by(|a, b| {
            a.specificity()
                .cmp(&b.specificity())
                .then_with(|| b.as_str().cmp(a.as_str()))
        })
}

fn parse_format(segment: &Segment) -> Result<PackageFormat, PatternError> {
    if segment.text.is_empty() {
        return Err(PatternError::MissingFormat {
            offset: segment.offset,
        });
    }
    // The user guide's own example is `/python//requests`, while the API's format token is
    // `pypi`; which one CreatePackageGroup accepts is unverified, so both are read as pypi.
    if segment.text == "python" {
        return Ok(PackageFormat::Pypi);
    }
    match PackageFormat::from(segment.text.as_str()) {
        PackageFormat::Other(format) => Err(PatternError::UnknownFormat {
            offset: segment.offset,
            format,
        }),
        known => Ok(known),
    }
}

/// Splits the pattern body (between the leading `/` and the suffix) on `/`.
fn split_segments(body: &[char]) -> Vec<Segment> {
    let mut segments = Vec::new();
    // Offsets are in the whole pattern, whose body starts after the leading `/`.
    let mut offset = 1;
    let mut text = String::new();
    for (index, &c) in body.iter().enumerate() {
        if c == '/' {
            segments.push(Segment {
                offset,
                text: std::mem::take(&mut text),
            });
            offset = index + 2;
        } else {
            text.push(c);
        }
    }
    segments.push(Segment { offset, text });
    segments
}

fn is_suffix(c: char) -> bool {
    matches!(c, '$' | '~' | '*')
}

/// Unicode general-category tests the standard library does not offer (it has `Alphabetic`,
/// not `L`, and nothing for `M` or `C`).
static WORD_START: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\A[\p{L}\p{N}]\z").ok());
static MARK: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\A\p{M}\z").ok());
static OTHER: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\A\p{C}\z").ok());

fn in_class(class: &LazyLock<Option<Regex>>, c: char) -> bool {
    let mut buffer = [0u8; 4];
    class
        .as_ref()
        .is_some_and(|regex| regex.is_match(c.encode_utf8(&mut buffer)))
}

/// Model constraint `[^\p{C}\p{IsWhitespace}]`. `\p{C}` is wider than `char::is_control`: it
/// also covers format characters (zero-width space and joiners), private use and unassigned
/// code points, which would otherwise let invisible characters into a pattern.
fn is_forbidden(c: char) -> bool {
    c.is_whitespace() || c.is_control() || in_class(&OTHER, c)
}

/// Whether `c` would continue a word (the docs' words are `[\p{L}\p{N}][\p{L}\p{N}\p{M}]*`).
fn continues_word(c: char) -> bool {
    in_class(&WORD_START, c) || in_class(&MARK, c)
}

/// Whether `chars` ends inside a word: after any trailing marks comes a letter or digit. A mark
/// that follows a non-word character belongs to no word.
fn ends_in_word(chars: &[char]) -> bool {
    chars
        .iter()
        .rev()
        .find(|c| !in_class(&MARK, **c))
        .is_some_and(|c| in_class(&WORD_START, *c))
}

/// Whether the value continues after a prefix on a word boundary (end of value, or a character
/// that cannot continue the prefix's last word).
fn starts_on_boundary(rest: &str) -> bool {
    rest.chars().next().is_none_or(|c| !continues_word(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(text: &str) -> GroupPattern {
        match GroupPattern::parse(text) {
            Ok(pattern) => pattern,
            Err(error) => panic!("{text:?} should parse: {error}"),
        }
    }

    const NPM: PackageFormat = PackageFormat::Npm;
    const STRONG: Option<MatchStrength> = Some(MatchStrength::Strong);
    const WEAK: Option<MatchStrength> = Some(MatchStrength::Weak);

    #[test]
    fn valid_shapes_parse() {
        let cases: &[(&str, PatternKind, Option<PackageFormat>)] = &[
            ("/*", PatternKind::Root, None),
            ("/npm/*", PatternKind::Format, Some(NPM)),
            (
                "/maven/com.anycompany~",
                PatternKind::NamespacePrefix,
                Some(PackageFormat::Maven),
            ),
            ("/npm/space/*", PatternKind::Namespace, Some(NPM)),
            (
                "/npm/space/anycompany-ui~",
                PatternKind::NamePrefix,
                Some(NPM),
            ),
            (
                "/maven/org.apache.logging.log4j/log4j-core$",
                PatternKind::Exact,
                Some(PackageFormat::Maven),
            ),
            ("/npm//react$", PatternKind::Exact, Some(NPM)),
            (
                "/pypi//requests$",
                PatternKind::Exact,
                Some(PackageFormat::Pypi),
            ),
            (
                "/python//requests$",
                PatternKind::Exact,
                Some(PackageFormat::Pypi),
            ),
            ("/npm//*", PatternKind::Namespace, Some(NPM)),
            ("/npm//foo~", PatternKind::NamePrefix, Some(NPM)),
            ("/npm/space/foo-*", PatternKind::NamePrefix, Some(NPM)),
            (
                "/maven/com.*",
                PatternKind::NamespacePrefix,
                Some(PackageFormat::Maven),
            ),
            (
                "/maven//*",
                PatternKind::Namespace,
                Some(PackageFormat::Maven),
            ),
            (
                "/nuget//newtonsoft.json$",
                PatternKind::Exact,
                Some(PackageFormat::Nuget),
            ),
            (
                "/swift/apple/*",
                PatternKind::Namespace,
                Some(PackageFormat::Swift),
            ),
            (
                "/generic/tools/cli~",
                PatternKind::NamePrefix,
                Some(PackageFormat::Generic),
            ),
            (
                "/cargo//serde~",
                PatternKind::NamePrefix,
                Some(PackageFormat::Cargo),
            ),
            ("/ruby/*", PatternKind::Format, Some(PackageFormat::Ruby)),
            // A combining mark continues the word, so `~` may follow it.
            ("/npm//cafe\u{301}~", PatternKind::NamePrefix, Some(NPM)),
            // Letters of any script are word characters.
            ("/npm//пакет~", PatternKind::NamePrefix, Some(NPM)),
        ];
        for (text, kind, format) in cases {
            let pattern = p(text);
            assert_eq!(pattern.as_str(), *text);
            assert_eq!(pattern.kind(), *kind, "{text}");
            assert_eq!(pattern.format(), *format, "{text}");
            assert_eq!(pattern.is_root(), *kind == PatternKind::Root, "{text}");
            assert_eq!(pattern.to_string(), *text);
        }
        assert_eq!(GroupPattern::root(), p("/*"));
    }

    #[test]
    fn invalid_patterns_rejected_with_position() {
        use PatternError as E;
        let long = format!("/npm//{}$", "a".repeat(514));
        let cases: Vec<(&str, PatternError)> = vec![
            ("/", E::Length { len: 1 }),
            ("", E::Length { len: 0 }),
            (&long, E::Length { len: 521 }),
            ("/npm/foo~bar", E::MisplacedSuffix { offset: 8, ch: '~' }),
            ("npm/*", E::MissingLeadingSlash { found: 'n' }),
            (
                "/npm",
                E::MissingSuffix {
                    offset: 3,
                    found: 'm',
                },
            ),
            ("/npm/space/foo*", E::StarAfterWord { offset: 14 }),
            (
                "/npm*",
                E::PartialFormat {
                    offset: 1,
                    text: "npm".into(),
                },
            ),
            (
                "/np-*",
                E::PartialFormat {
                    offset: 1,
                    text: "np-".into(),
                },
            ),
            (
                "/npm~",
                E::PartialFormat {
                    offset: 1,
                    text: "npm".into(),
                },
            ),
            ("/*/x", E::MisplacedSuffix { offset: 1, ch: '*' }),
            ("/*/*", E::MisplacedSuffix { offset: 1, ch: '*' }),
            (
                "/conda/*",
                E::UnknownFormat {
                    offset: 1,
                    format: "conda".into(),
                },
            ),
            (
                "/NPM/*",
                E::UnknownFormat {
                    offset: 1,
                    format: "NPM".into(),
                },
            ),
            ("//*", E::MissingFormat { offset: 1 }),
            ("//x/y$", E::MissingFormat { offset: 1 }),
            (
                "/maven//log4j-core$",
                E::NamespaceRequired {
                    offset: 7,
                    format: "maven".into(),
                },
            ),
            (
                "/swift//foo~",
                E::NamespaceRequired {
                    offset: 7,
                    format: "swift".into(),
                },
            ),
            (
                "/generic//a-*",
                E::NamespaceRequired {
                    offset: 9,
                    format: "generic".into(),
                },
            ),
            (
                "/pypi/x/requests$",
                E::NamespaceNotAllowed {
                    offset: 6,
                    format: "pypi".into(),
                },
            ),
            (
                "/nuget/x~",
                E::NamespaceNotAllowed {
                    offset: 7,
                    format: "nuget".into(),
                },
            ),
            (
                "/npm/ space/*",
                E::ForbiddenCharacter { offset: 5, ch: ' ' },
            ),
            (
                "/npm//a\tb$",
                E::ForbiddenCharacter {
                    offset: 7,
                    ch: '\t',
                },
            ),
            (
                "/npm//a\u{200B}b$",
                E::ForbiddenCharacter {
                    offset: 7,
                    ch: '\u{200B}',
                },
            ),
            (
                "/npm//a\u{E000}$",
                E::ForbiddenCharacter {
                    offset: 7,
                    ch: '\u{E000}',
                },
            ),
            ("/npm/a/b/c$", E::TooManyComponents { offset: 8 }),
            ("/npm/a/b/*", E::TooManyComponents { offset: 8 }),
            ("/npm/space/foo-~", E::TildeAfterNonWord { offset: 15 }),
            ("/npm/space/~", E::TildeAfterNonWord { offset: 11 }),
            ("/npm//-\u{301}~", E::TildeAfterNonWord { offset: 8 }),
            ("/npm/$", E::ExactWithoutName { offset: 5 }),
            ("/npm/space$", E::ExactWithoutName { offset: 10 }),
            ("/npm/space/$", E::ExactWithoutName { offset: 11 }),
            ("/npm/*$", E::MisplacedSuffix { offset: 5, ch: '*' }),
        ];
        for (text, expected) in cases {
            let error = match GroupPattern::parse(text) {
                Ok(pattern) => panic!("{text:?} should be rejected, parsed as {pattern:?}"),
                Err(error) => error,
            };
            assert_eq!(error, expected, "{text:?}: {error}");
        }
    }

    #[test]
    fn error_messages_name_the_problem_and_offset() {
        let cases = [
            ("/npm/foo~bar", "`~` at offset 8"),
            (
                "/npm/space/foo*",
                "`*` at offset 14 must follow `/` or a non-word character",
            ),
            ("/maven//log4j-core$", "namespace at offset 7"),
            ("/conda/*", "unknown package format \"conda\" at offset 1"),
            ("/npm/ x/*", "' ' at offset 5"),
        ];
        for (text, needle) in cases {
            let message = GroupPattern::parse(text)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                message.contains(needle),
                "{text:?}: {message:?} lacks {needle:?}"
            );
        }
    }

    #[test]
    fn strong_matching() {
        type Case<'a> = (
            &'a str,
            PackageFormat,
            Option<&'a str>,
            &'a str,
            Option<MatchStrength>,
        );
        let maven = PackageFormat::Maven;
        let cases: &[Case] = &[
            // Word boundary after `~`.
            ("/npm/space/foo~", NPM, Some("space"), "foo", STRONG),
            ("/npm/space/foo~", NPM, Some("space"), "foo-bar", STRONG),
            ("/npm/space/foo~", NPM, Some("space"), "foo.bar", STRONG),
            ("/npm/space/foo~", NPM, Some("space"), "food", None),
            ("/npm/space/foo~", NPM, Some("space"), "foo2", None),
            ("/npm/space/foo~", NPM, Some("space"), "foo\u{301}", None),
            ("/npm/space/foo~", NPM, Some("other"), "foo", None),
            ("/npm/space/foo~", NPM, None, "foo", None),
            ("/npm/space/foo~", maven.clone(), Some("space"), "foo", None),
            // `*` after a non-word character: plain prefix.
            ("/npm/space/foo-*", NPM, Some("space"), "foo-bar", STRONG),
            ("/npm/space/foo-*", NPM, Some("space"), "foo-", STRONG),
            ("/npm/space/foo-*", NPM, Some("space"), "foo", None),
            ("/npm/space/foo-*", NPM, Some("space"), "foobar", None),
            // Namespace prefix.
            (
                "/maven/com.anycompany~",
                maven.clone(),
                Some("com.anycompany"),
                "x",
                STRONG,
            ),
            (
                "/maven/com.anycompany~",
                maven.clone(),
                Some("com.anycompany.tools"),
                "x",
                STRONG,
            ),
            (
                "/maven/com.anycompany~",
                maven.clone(),
                Some("com.anycompanyx"),
                "x",
                None,
            ),
            (
                "/maven/com.anycompany~",
                maven.clone(),
                Some("org.anycompany"),
                "x",
                None,
            ),
            ("/maven/com.*", maven.clone(), Some("com.a"), "x", STRONG),
            ("/maven/com.*", maven.clone(), Some("com"), "x", None),
            // Exact namespace, including the empty one.
            ("/npm/space/*", NPM, Some("space"), "anything", STRONG),
            ("/npm/space/*", NPM, Some("spaces"), "anything", None),
            ("/npm//*", NPM, None, "react", STRONG),
            ("/npm//*", NPM, Some(""), "react", STRONG),
            ("/npm//*", NPM, Some("types"), "node", None),
            // Exact package.
            ("/npm//react$", NPM, None, "react", STRONG),
            ("/npm//react$", NPM, None, "react-dom", None),
            (
                "/python//requests$",
                PackageFormat::Pypi,
                None,
                "requests",
                STRONG,
            ),
            (
                "/pypi//requests$",
                PackageFormat::Pypi,
                None,
                "requests",
                STRONG,
            ),
            // Format and root.
            ("/npm/*", NPM, Some("types"), "node", STRONG),
            ("/npm/*", PackageFormat::Pypi, None, "node", None),
            (
                "/*",
                PackageFormat::Other("conda".into()),
                None,
                "x",
                STRONG,
            ),
        ];
        for (text, format, namespace, name, expected) in cases {
            assert_eq!(
                p(text).match_package(format, *namespace, name),
                *expected,
                "{text} vs {format} {namespace:?} {name:?}"
            );
        }
    }

    #[test]
    fn weak_matching() {
        type Case<'a> = (&'a str, Option<&'a str>, &'a str, Option<MatchStrength>);
        let cases: &[Case] = &[
            (
                "/npm//anycompany-spicy-client$",
                None,
                "anycompany-spicy-client",
                STRONG,
            ),
            (
                "/npm//anycompany-spicy-client$",
                None,
                "AnyCompany-spicy-client",
                WEAK,
            ),
            (
                "/npm//anycompany-spicy-client$",
                None,
                "anycompany_spicy.client",
                WEAK,
            ),
            (
                "/npm//anycompany-spicy-client$",
                None,
                "anycompany--spicy__client",
                WEAK,
            ),
            // Cyrillic а (U+0430) in place of the Latin a.
            (
                "/npm//anycompany-spicy-client$",
                None,
                "\u{430}nycompany-spicy-client",
                WEAK,
            ),
            (
                "/npm//anycompany-spicy-client$",
                None,
                "anycompanyspicyclient",
                None,
            ),
            (
                "/npm//anycompany-spicy-client$",
                None,
                "anycompany-spicy-clients",
                None,
            ),
            (
                "/npm//anycompany-spicy-client$",
                Some("x"),
                "anycompany-spicy-client",
                None,
            ),
            // Prefixes fold too, and keep their word boundary.
            ("/npm/space/foo~", Some("space"), "Foo-bar", WEAK),
            ("/npm/space/foo~", Some("space"), "FOO", WEAK),
            ("/npm/space/foo~", Some("space"), "Food", None),
            ("/npm/space/foo-*", Some("space"), "FOO_bar", WEAK),
            ("/npm/space/foo-*", Some("space"), "foobar", None),
            // Namespaces fold as well.
            ("/npm/space/*", Some("Space"), "x", WEAK),
            ("/npm/space/foo~", Some("SPACE"), "foo", WEAK),
            ("/npm/my-space/*", Some("my_space"), "x", WEAK),
            ("/npm/space/*", Some("spaces"), "x", None),
            // Root and format patterns have nothing to fold.
            ("/npm/*", Some("Space"), "X", STRONG),
        ];
        for (text, namespace, name, expected) in cases {
            assert_eq!(
                p(text).match_package(&NPM, *namespace, name),
                *expected,
                "{text} vs {namespace:?} {name:?}"
            );
        }
        let maven = PackageFormat::Maven;
        let prefix = p("/maven/com.anycompany~");
        assert_eq!(
            prefix.match_package(&maven, Some("Com.AnyCompany.tools"), "x"),
            WEAK
        );
        assert_eq!(
            prefix.match_package(&maven, Some("com.anycompanyx"), "x"),
            None
        );
    }

    #[test]
    fn association_picks_most_specific() {
        let patterns: Vec<GroupPattern> = [
            "/*",
            "/npm/*",
            "/npm/sp~",
            "/npm/space~",
            "/npm/space/*",
            "/npm/space/foo~",
            "/npm/space/foo-bar~",
            "/npm/space/foo-bar-baz$",
            "/npm//*",
            "/npm//anycompany-spicy-client$",
            "/maven/com.anycompany~",
            "/maven/com.anycompany.tools~",
            "/maven/org.apache.logging.log4j/log4j-core$",
            "/pypi/*",
        ]
        .iter()
        .map(|text| p(text))
        .collect();
        let maven = PackageFormat::Maven;
        type Case<'a> = (
            PackageFormat,
            Option<&'a str>,
            &'a str,
            &'a str,
            MatchStrength,
        );
        use MatchStrength::{Strong, Weak};
        let cases: &[Case] = &[
            (
                NPM,
                Some("space"),
                "foo-bar-baz",
                "/npm/space/foo-bar-baz$",
                Strong,
            ),
            (
                NPM,
                Some("space"),
                "foo-bar-qux",
                "/npm/space/foo-bar~",
                Strong,
            ),
            (NPM, Some("space"), "foo-qux", "/npm/space/foo~", Strong),
            (NPM, Some("space"), "food", "/npm/space/*", Strong),
            (NPM, Some("space-x"), "a", "/npm/space~", Strong),
            (NPM, Some("sp.x"), "a", "/npm/sp~", Strong),
            (NPM, Some("spa"), "a", "/npm/*", Strong),
            (NPM, None, "react", "/npm//*", Strong),
            (
                NPM,
                None,
                "anycompany-spicy-client",
                "/npm//anycompany-spicy-client$",
                Strong,
            ),
            // Strong on `/npm//*`, weak on the more specific exact pattern: the weak one wins.
            (
                NPM,
                None,
                "AnyCompany-spicy-client",
                "/npm//anycompany-spicy-client$",
                Weak,
            ),
            (
                NPM,
                Some("space"),
                "Foo-Bar-Baz",
                "/npm/space/foo-bar-baz$",
                Weak,
            ),
            (
                maven.clone(),
                Some("com.anycompany.tools.x"),
                "a",
                "/maven/com.anycompany.tools~",
                Strong,
            ),
            (
                maven.clone(),
                Some("com.anycompany"),
                "a",
                "/maven/com.anycompany~",
                Strong,
            ),
            (maven.clone(), Some("com.anycompanyx"), "a", "/*", Strong),
            (
                maven.clone(),
                Some("org.apache.logging.log4j"),
                "log4j-core",
                "/maven/org.apache.logging.log4j/log4j-core$",
                Strong,
            ),
            (PackageFormat::Pypi, None, "requests", "/pypi/*", Strong),
            (PackageFormat::Cargo, None, "serde", "/*", Strong),
        ];
        for (format, namespace, name, expected, strength) in cases {
            let found = associate(&patterns, format, *namespace, name);
            let found = found.map(|(pattern, strength)| (pattern.as_str(), strength));
            assert_eq!(
                found,
                Some((*expected, *strength)),
                "{format} {namespace:?} {name:?}"
            );
            // Input order does not matter.
            let reversed = associate(patterns.iter().rev(), format, *namespace, name);
            let reversed = reversed.map(|(pattern, strength)| (pattern.as_str(), strength));
            assert_eq!(reversed, Some((*expected, *strength)));
        }
        // No root given, nothing matching: no association.
        let without_root: Vec<&GroupPattern> = patterns.iter().filter(|p| !p.is_root()).collect();
        assert_eq!(
            associate(without_root, &PackageFormat::Cargo, None, "serde"),
            None
        );
    }

    #[test]
    fn association_ties_are_deterministic() {
        let patterns = [p("/npm//foo$"), p("/npm//Foo$")];
        for order in [[0, 1], [1, 0]] {
            let set = order.map(|i| &patterns[i]);
            let strong = associate(set, &NPM, None, "Foo").map(|(p, s)| (p.as_str(), s));
            assert_eq!(strong, Some(("/npm//Foo$", MatchStrength::Strong)));
            let weak = associate(set, &NPM, None, "FOO").map(|(p, s)| (p.as_str(), s));
            assert_eq!(weak, Some(("/npm//Foo$", MatchStrength::Weak)));
        }
    }

    #[test]
    fn parent_is_most_specific_strict_superset() {
        let target = p("/npm/space/foo~");
        let cases: &[(&[&str], Option<&str>)] = &[
            (
                &["/*", "/npm/*", "/npm/space/*", "/npm/space/foo~"],
                Some("/npm/space/*"),
            ),
            (
                &["/*", "/npm/*", "/npm/space/foo-bar~", "/npm/other/*"],
                Some("/npm/*"),
            ),
            (&["/*", "/npm/space/foo$", "/pypi/*"], Some("/*")),
            (&["/npm/space/foo~"], None),
            (
                &["/*", "/npm/*", "/npm/spa~", "/npm/space~"],
                Some("/npm/space~"),
            ),
            (
                &["/npm/*", "/npm/space/fo~", "/npm/space/f-*"],
                Some("/npm/*"),
            ),
        ];
        for (others, expected) in cases {
            let others: Vec<GroupPattern> = others.iter().map(|text| p(text)).collect();
            assert_eq!(
                parent(&target, &others).map(GroupPattern::as_str),
                *expected,
                "{others:?}"
            );
        }
        let all: Vec<GroupPattern> = ["/*", "/npm/*", "/npm/space/*", "/npm/space/foo-bar$"]
            .iter()
            .map(|text| p(text))
            .collect();
        assert_eq!(parent(&p("/*"), &all), None);
        assert_eq!(
            parent(&p("/npm/*"), &all).map(GroupPattern::as_str),
            Some("/*")
        );
        assert_eq!(
            parent(&p("/npm/space/foo-bar$"), &all).map(GroupPattern::as_str),
            Some("/npm/space/*")
        );
        // Same package set, different text: neither is the other's parent.
        let aliases = [p("/pypi/*"), p("/python/*"), p("/*")];
        assert_eq!(
            parent(&aliases[0], &aliases).map(GroupPattern::as_str),
            Some("/*")
        );
    }

    #[test]
    fn containment() {
        let cases: &[(&str, &str, bool)] = &[
            ("/*", "/npm//react$", true),
            ("/*", "/*", true),
            ("/npm/*", "/*", false),
            ("/npm/*", "/npm/space/*", true),
            ("/npm/*", "/maven/*", false),
            ("/npm/*", "/npm//*", true),
            ("/npm//*", "/npm/*", false),
            ("/pypi/*", "/python//requests$", true),
            (
                "/maven/com.anycompany~",
                "/maven/com.anycompany.tools~",
                true,
            ),
            ("/maven/com.anycompany~", "/maven/com.anycompany/*", true),
            ("/maven/com.anycompany~", "/maven/com.anycompanyx/*", false),
            ("/maven/com.anycompany~", "/maven/com.anycompany.x/a$", true),
            ("/maven/com.anycompany~", "/maven/com.*", false),
            ("/maven/com.*", "/maven/com.anycompany~", true),
            ("/maven/com~", "/maven/com.*", true),
            (
                "/maven/com.anycompany.tools~",
                "/maven/com.anycompany~",
                false,
            ),
            ("/npm/space/*", "/npm/space/foo~", true),
            ("/npm/space/*", "/npm/space~", false),
            ("/npm/space/*", "/npm/other/foo$", false),
            ("/npm/space/foo~", "/npm/space/foo-*", true),
            ("/npm/space/foo-*", "/npm/space/foo~", false),
            ("/npm/space/foo~", "/npm/space/foo-bar~", true),
            ("/npm/space/foo~", "/npm/space/food~", false),
            ("/npm/space/foo~", "/npm/space/foo$", true),
            ("/npm/space/foo~", "/npm/space/food$", false),
            ("/npm/space/foo~", "/npm/other/foo$", false),
            ("/npm/space/foo$", "/npm/space/foo$", true),
            ("/npm/space/foo$", "/npm/space/Foo$", false),
            ("/npm/space/foo$", "/npm/space/foo~", false),
        ];
        for (a, b, expected) in cases {
            assert_eq!(p(a).contains(&p(b)), *expected, "{a} ⊇ {b}");
        }
    }

    #[test]
    fn specificity_order() {
        let ordered = [
            "/*",
            "/npm/*",
            "/npm/s~",
            "/npm/space~",
            "/npm/space/*",
            "/npm/space/f~",
            "/npm/space/foo-*",
            "/npm/space/foo$",
        ];
        for pair in ordered.windows(2) {
            assert!(
                p(pair[0]).specificity() < p(pair[1]).specificity(),
                "{pair:?}"
            );
        }
        assert_eq!(p("/npm//*").specificity(), p("/npm/space/*").specificity());
    }

    #[test]
    fn exact_constructor_and_serde() {
        let exact = GroupPattern::exact(&PackageFormat::Npm, None, "react");
        assert_eq!(exact.map(|p| p.to_string()), Ok("/npm//react$".to_string()));
        assert!(GroupPattern::exact(&PackageFormat::Maven, None, "core").is_err());
        let json = serde_json::to_string(&p("/npm/space/*")).unwrap_or_default();
        assert_eq!(json, "\"/npm/space/*\"");
        let back: Result<GroupPattern, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(p("/npm/space/*")));
        assert!(serde_json::from_str::<GroupPattern>("\"npm/*\"").is_err());
        let strength = serde_json::to_string(&MatchStrength::Weak).unwrap_or_default();
        assert_eq!(strength, "\"WEAK\"");
    }

    /// Checks `contains` and `specificity` against brute force over a small universe: names and
    /// namespaces up to three characters over an alphabet with word and separator characters,
    /// which is long enough to hold a witness against every pattern built from shorter parts.
    #[test]
    fn containment_and_specificity_agree_with_brute_force() {
        let alphabet = ['a', 'b', '-'];
        let mut strings = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..3 {
            frontier = frontier
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(frontier.iter().cloned());
        }
        let short: Vec<&String> = strings.iter().filter(|s| s.chars().count() <= 2).collect();
        let mut texts = vec!["/*".to_string(), "/npm/*".to_string()];
        for a in &short {
            for suffix in ["~", "*"] {
                texts.push(format!("/npm/{a}{suffix}"));
            }
            texts.push(format!("/npm/{a}/*"));
            for b in &short {
                for suffix in ["~", "*", "$"] {
                    texts.push(format!("/npm/{a}/{b}{suffix}"));
                }
            }
        }
        let patterns: Vec<GroupPattern> = texts
            .iter()
            .filter_map(|t| GroupPattern::parse(t).ok())
            .collect();
        assert!(patterns.len() > 100);
        let universe: Vec<(&str, &str)> = strings
            .iter()
            .flat_map(|ns| strings.iter().map(move |n| (ns.as_str(), n.as_str())))
            .collect();
        let sets: Vec<Vec<bool>> = patterns
            .iter()
            .map(|pattern| {
                universe
                    .iter()
                    .map(|(ns, n)| pattern.match_package(&NPM, Some(ns), n) == STRONG)
                    .collect()
            })
            .collect();
        for (i, a) in patterns.iter().enumerate() {
            for (j, b) in patterns.iter().enumerate() {
                let subset = sets[j]
                    .iter()
                    .zip(&sets[i])
                    .all(|(in_b, in_a)| !in_b || *in_a);
                // The universe is npm only, where `/npm/*` covers as much as the root does.
                if !b.is_root() {
                    assert_eq!(a.contains(b), subset, "{a} ⊇ {b}");
                }
                let overlap = sets[i].iter().zip(&sets[j]).any(|(x, y)| *x && *y);
                if subset && !sets[i].iter().zip(&sets[j]).all(|(x, y)| x == y) {
                    assert!(a.specificity() < b.specificity(), "{a} ⊋ {b}");
                }
                // Overlapping patterns are nested, so "most specific" is well defined.
                if overlap {
                    let nested = a.contains(b) || b.contains(a);
                    assert!(nested, "{a} and {b} overlap without nesting");
                }
            }
        }
    }

    /// Pattern-shaped text built from the characters that matter to the grammar: word and
    /// separator characters, a combining mark, a Cyrillic letter, case variants.
    fn pattern_like() -> impl Strategy<Value = String> {
        let part = "[aAb.\\-_é\u{301}ӏ]{0,3}";
        prop_oneof![
            1 => Just("/*".to_string()),
            9 => (
                "(npm|npm|npm|maven|pypi|python|x)",
                proptest::option::of(part),
                proptest::option::of(part),
                "[$~*]",
            )
                .prop_map(|(format, namespace, name, suffix)| {
                    let mut text = format!("/{format}");
                    for component in [namespace, name].into_iter().flatten() {
                        text.push('/');
                        text.push_str(&component);
                    }
                    text + &suffix
                }),
        ]
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = GroupPattern::parse(&text);
        }

        #[test]
        fn parse_never_panics_on_any_chars(text in ".{0,20}") {
            let _ = GroupPattern::parse(&text);
        }

        #[test]
        fn parse_round_trips(text in pattern_like()) {
            if let Ok(pattern) = GroupPattern::parse(&text) {
                prop_assert_eq!(pattern.as_str(), text.as_str());
                prop_assert_eq!(GroupPattern::parse(pattern.as_str()), Ok(pattern.clone()));
                prop_assert!(pattern.contains(&pattern));
                prop_assert!(GroupPattern::root().contains(&pattern));
            }
        }

        #[test]
        fn matching_never_panics(
            texts in proptest::collection::vec(pattern_like(), 0..8),
            format in "(npm|maven|pypi|cargo|\\PC{0,3})",
            namespace in proptest::option::of("\\PC{0,6}"),
            name in "\\PC{0,8}",
        ) {
            let patterns: Vec<GroupPattern> =
                texts.iter().filter_map(|t| GroupPattern::parse(t).ok()).collect();
            let format = PackageFormat::from(format.as_str());
            for pattern in &patterns {
                let _ = pattern.match_package(&format, namespace.as_deref(), &name);
            }
            if let Some((winner, strength)) =
                associate(&patterns, &format, namespace.as_deref(), &name)
            {
                prop_assert_eq!(winner.match_package(&format, namespace.as_deref(), &name), Some(strength));
                for other in &patterns {
                    if other.match_package(&format, namespace.as_deref(), &name).is_some() {
                        prop_assert!(other.specificity() <= winner.specificity());
                    }
                }
            } else {
                for other in &patterns {
                    prop_assert_eq!(other.match_package(&format, namespace.as_deref(), &name), None);
                }
            }
            if let Some(first) = patterns.first() {
                let _ = parent(first, &patterns);
            }
        }

        #[test]
        fn folded_coordinates_still_match(
            text in pattern_like(),
            namespace in "[aAb.\\-_é\u{301}ӏ]{0,4}",
            name in "[aAb.\\-_é\u{301}ӏ]{0,4}",
        ) {
            // Variation normalization only ever widens a match: what matches as written also
            // matches (at least weakly) once the package's coordinates are folded.
            if let Ok(pattern) = GroupPattern::parse(&text) {
                if let Some(format) = pattern.format() {
                    if pattern.match_package(&format, Some(&namespace), &name).is_some() {
                        let folded = pattern.match_package(
                            &format,
                            Some(&fold_variants(&namespace)),
                            &fold_variants(&name),
                        );
                        prop_assert!(folded.is_some());
                    }
                }
            }
        }
    }

    proptest! {
        // Few random pairs are related, so this one needs more cases to say anything.
        #![proptest_config(ProptestConfig::with_cases(2048))]
        #[test]
        fn contains_is_sound(
            a in pattern_like(),
            b in pattern_like(),
            namespace in "[aAb.\\-_é\u{301}ӏ]{0,4}",
            name in "[aAb.\\-_é\u{301}ӏ]{0,4}",
        ) {
            if let (Ok(a), Ok(b)) = (GroupPattern::parse(&a), GroupPattern::parse(&b)) {
                if let Some(format) = b.format() {
                    if a.contains(&b) && b.match_package(&format, Some(&namespace), &name) == STRONG {
                        prop_assert_eq!(a.match_package(&format, Some(&namespace), &name), STRONG);
                    }
                }
            }
        }
    }
}
