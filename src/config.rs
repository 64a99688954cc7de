//! User configuration, `caguard.toml` (documented in README.md, "Configuration").
//!
//! Strict like the rule files: unknown keys, bad patterns, bad account ids, bad severities and
//! suppressions without a reason are errors naming file, line and column.

use crate::facts::pattern::GroupPattern;
use crate::facts::FactsConfig;
use crate::finding::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "caguard.toml";

/// A problem in a TOML input (config or rule file), with a 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
// Messages quote the offending value, and TOML strings may hold line breaks: escaped here, so
// every error is one line whichever message quotes what.
#[error("{}: {}", position(path, *line, *column), one_line(message))]
pub struct PositionedError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// `file:line:column`, or just `file` for errors about the whole file (line 0).
fn position(path: &str, line: usize, column: usize) -> String {
    if line == 0 {
        path.to_string()
    } else {
        format!("{path}:{line}:{column}")
    }
}

impl PositionedError {
    pub fn at(
        path: &Path,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = line_column(text, span.map_or(0, |s| s.start));
        PositionedError {
            path: path.display().to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    /// From a TOML parse error, keeping the parser's position.
    pub fn from_toml(path: &Path, text: &str, error: &toml::de::Error) -> Self {
        Self::at(path, text, error.span(), error.message().trim().to_string())
    }
}

/// Control characters (line breaks above all) escaped as `\n`, `\u{7}`; the rest unchanged.
fn one_line(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    shown
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Where something was written in the config, for later errors (e.g. an unknown rule id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// `[rules.<id>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSettings {
    pub severity: Option<Severity>,
    pub enabled: bool,
    pub position: Position,
}

/// A calendar date (`expires`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Date {
    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((seconds / 86_400) as i64)
    }

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }
}

/// `[[suppress]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub rule: String,
    /// An ARN, or an ARN prefix ending in `*`.
    pub resource: String,
    pub reason: String,
    pub expires: Option<Date>,
    pub position: Position,
}

impl Suppression {
    pub fn matches(&self, rule: &str, arn: &str) -> bool {
        rule == self.rule
            && match self.resource.strip_suffix('*') {
                Some(prefix) => arn.starts_with(prefix),
                None => arn == self.resource,
            }
    }

    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|expires| expires < today)
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from; `None` when no config was found.
    pub source: Option<PathBuf>,
    pub facts: FactsConfig,
    pub rules: BTreeMap<String, RuleSettings>,
    pub suppressions: Vec<Suppression>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    internal: RawInternal,
    #[serde(default)]
    trust: RawTrust,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RawRuleSettings>,
    #[serde(default)]
    suppress: Vec<Spanned<RawSuppress>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawInternal {
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTrust {
    #[serde(default)]
    accounts: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleSettings {
    severity: Option<Spanned<String>>,
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppress {
    rule: Spanned<String>,
    resource: Spanned<String>,
    reason: Spanned<String>,
    expires: Option<Spanned<toml::value::Datetime>>,
}

impl Config {
    /// Loads `explicit`, else `caguard.toml` in the working directory if present, else defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<Config, PositionedError> {
        match explicit {
            Some(path) => Config::load(path),
            None => {
                let default = Path::new(DEFAULT_CONFIG_FILE);
                if default.is_file() {
                    Config::load(default)
                } else {
                    Ok(Config::default())
                }
            }
        }
    }

    pub fn load(path: &Path) -> Result<Config, PositionedError> {
        let text = std::fs::read_to_string(path).map_err(|error| PositionedError {
            path: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read: {error}"),
        })?;
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, PositionedError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|error| PositionedError::from_toml(path, text, &error))?;
        let at = |span: Range<usize>, message: String| {
            PositionedError::at(path, text, Some(span), message)
        };
        let position = |span: Range<usize>| {
            let (line, column) = line_column(text, span.start);
            Position { line, column }
        };

        let mut internal_patterns = Vec::new();
        for pattern in &raw.internal.patterns {
            let parsed = GroupPattern::parse(pattern.get_ref()).map_err(|error| {
                at(
                    pattern.span(),
                    format!("internal pattern `{}`: {error}", pattern.get_ref()),
                )
            })?;
            internal_patterns.push(parsed);
        }
        let mut trusted_accounts = Vec::new();
        for account in &raw.trust.accounts {
            let text = account.get_ref();
            if text.len() != 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(at(
                    account.span(),
                    format!("trusted account `{text}` is not a 12-digit AWS account id"),
                ));
            }
            trusted_accounts.push(text.clone());
        }
        let mut rules = BTreeMap::new();
        for (id, settings) in raw.rules {
            let severity = match &settings.severity {
                Some(severity) => Some(Severity::parse(severity.get_ref()).ok_or_else(|| {
                    at(
                        severity.span(),
                        format!(
                            "severity `{}` is not one of critical, high, medium, low, info",
                            severity.get_ref()
                        ),
                    )
                })?),
                None => None,
            };
            rules.insert(
                id.get_ref().clone(),
                RuleSettings {
                    severity,
                    enabled: settings.enabled.unwrap_or(true),
                    position: position(id.span()),
                },
            );
        }
        let mut suppressions = Vec::new();
        for entry in raw.suppress {
            let span = entry.span();
            let entry = entry.into_inner();
            if entry.reason.get_ref().trim().is_empty() {
                return Err(at(
                    entry.reason.span(),
                    "suppression needs a non-empty `reason`".into(),
                ));
            }
            let resource = entry.resource.get_ref();
            if let Err(problem) = check_suppression_resource(resource) {
                return Err(at(
                    entry.resource.span(),
                    format!("suppression resource `{resource}` {problem}"),
                ));
            }
            let expires = match &entry.expires {
                Some(value) => {
                    let datetime = value.get_ref();
                    match (&datetime.date, &datetime.time) {
                        (Some(date), None) => Some(Date {
                            year: date.year,
                            month: date.month,
                            day: date.day,
                        }),
                        _ => {
                            return Err(at(
                                value.span(),
                                format!(
                                    "`expires` must be a date like 2027-06-30, not `{datetime}`"
                                ),
                            ))
                        }
                    }
                }
                None => None,
            };
            suppressions.push(Suppression {
                rule: entry.rule.get_ref().clone(),
                resource: resource.clone(),
                reason: entry.reason.get_ref().clone(),
                expires,
                position: position(span),
            });
        }
        Ok(Config {
            source: Some(path.to_path_buf()),
            facts: FactsConfig {
                internal_patterns,
                trusted_accounts,
            },
            rules,
            suppressions,
        })
    }
}

/// A suppression resource is a CodeArtifact ARN,
/// `arn:<partition>:codeartifact:<region>:<account>:<resource>`, or a prefix of one ending in `*`.
/// Finding ARNs always have that shape, so anything else could never match and is a typo.
fn check_suppression_resource(resource: &str) -> Result<(), &'static str> {
    const SHAPE: &str = "must be a CodeArtifact ARN (arn:aws:codeartifact:<region>:<account>:<resource>), or a prefix of one ending in `*`";
    // Strip one trailing `*` as a char, never by byte offset: the text is arbitrary UTF-8.
    let (body, prefix) = match resource.strip_suffix('*') {
        Some(body) => (body, true),
        None => (resource, false),
    };
    if body.contains('*') {
        return Err("must be an ARN, with `*` allowed only at the end");
    }
    let parts: Vec<&str> = body.splitn(6, ':').collect();
    if !prefix && parts.len() < 6 {
        return Err(SHAPE);
    }
    let last = parts.len() - 1;
    let lowercase = |part: &str| {
        part.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    for (index, part) in parts.iter().enumerate() {
        // The last part of a prefix may be cut anywhere; every earlier part is complete.
        let cut = prefix && index == last;
        let fits = |whole: &str| part == &whole || (cut && whole.starts_with(part));
        let ok = match index {
            0 => fits("arn"),
            1 => (part.starts_with("aws") || fits("aws")) && lowercase(part),
            2 => fits("codeartifact"),
            3 => lowercase(part) && (cut || !part.is_empty()),
            4 => {
                part.bytes().all(|b| b.is_ascii_digit())
                    && (part.len() == 12 || (cut && part.len() < 12))
            }
            _ => cut || !part.is_empty(),
        };
        if !ok {
            return Err(SHAPE);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, PositionedError> {
        Config::parse(text, Path::new("caguard.toml"))
    }

    #[test]
    fn full_config() {
        let config = parse(
            r#"
[internal]
patterns = ["/npm/acme/*", "/pypi//acme~"]
[trust]
accounts = ["444455556666"]
[rules.mixed-origin-package]
severity = "medium"
enabled = false
[[suppress]]
rule = "unknown-origin-versions"
resource = "arn:aws:codeartifact:us-east-1:111122223333:package/acme/app/*"
reason = "legacy migration, tracked in SEC-12"
expires = 2027-06-30
"#,
        )
        .unwrap();
        assert_eq!(config.facts.internal_patterns.len(), 2);
        assert_eq!(config.facts.trusted_accounts, ["444455556666"]);
        let settings = &config.rules["mixed-origin-package"];
        assert_eq!(
            (settings.severity, settings.enabled),
            (Some(Severity::Medium), false)
        );
        let suppression = &config.suppressions[0];
        assert!(suppression.matches(
            "unknown-origin-versions",
            "arn:aws:codeartifact:us-east-1:111122223333:package/acme/app/npm//x"
        ));
        assert!(!suppression.matches(
            "unknown-origin-versions",
            "arn:aws:codeartifact:us-east-1:111122223333:package/acme/other/npm//x"
        ));
        let expires = suppression.expires.unwrap();
        assert!(
            !suppression.expired(expires)
                && suppression.expired(Date {
                    day: expires.day + 1,
                    ..expires
                })
        );
    }

    #[test]
    fn errors_quoting_a_line_break_stay_on_one_line() {
        // Found while fuzzing `Config::parse`: the message quoted the pattern as written.
        let error = parse("[internal]\npatterns = [\"/npm/a\\nb/*\"]\n").unwrap_err();
        let message = error.to_string();
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains(r"`/npm/a\nb/*`"), "{message}");
        assert_eq!((error.line, error.column), (2, 13));
    }

    #[test]
    fn errors_have_positions() {
        let cases = [
            ("[internal]\npaterns = []\n", "2:1", "unknown field"),
            (
                "[internal]\npatterns = [\"npm/*\"]\n",
                "2:13",
                "internal pattern",
            ),
            ("[trust]\naccounts = [\"1234\"]\n", "2:13", "12-digit"),
            (
                "[rules.x]\nseverity = \"severe\"\n",
                "2:12",
                "severity `severe`",
            ),
            (
                "[[suppress]]\nrule = \"x\"\nresource = \"arn:a\"\nreason = \" \"\n",
                "4:10",
                "reason",
            ),
            (
                "[[suppress]]\nrule = \"x\"\nresource = \"arn:*:x\"\nreason = \"r\"\n",
                "3:12",
                "only at the end",
            ),
            (
                "[[suppress]]\nrule = \"x\"\nresource = \"arn:a\"\n",
                "1:1",
                "reason",
            ),
            ("[internal\n", "1:10", ""),
            // A non-ASCII last character once panicked at a byte slice.
            (
                "[[suppress]]\nrule = \"x\"\nresource = \"arn:\u{e9}\"\nreason = \"r\"\n",
                "3:12",
                "CodeArtifact ARN",
            ),
            (
                "[[suppress]]\nrule = \"x\"\nresource = \"arn:\u{e9}*\"\nreason = \"r\"\n",
                "3:12",
                "CodeArtifact ARN",
            ),
            (
                "[[suppress]]\nrule = \"x\"\nresource = \"arn:aws:codeartifact:us-east-1:1234:domain/a\"\nreason = \"r\"\n",
                "3:12",
                "CodeArtifact ARN",
            ),
            (
                "[[suppress]]\nrule = \"x\"\nresource = \"arn:aws:s3:::bucket\"\nreason = \"r\"\n",
                "3:12",
                "CodeArtifact ARN",
            ),
        ];
        for (text, position, needle) in cases {
            let error = parse(text).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("caguard.toml:{position}:")),
                "{text:?} → {error}"
            );
            assert!(error.contains(needle), "{text:?} → {error}");
        }
    }

    #[test]
    fn suppression_resources_accept_arns_and_prefixes() {
        for resource in [
            "arn:*",
            "arn:aws:codeartifact:*",
            "arn:aws:codeartifact:us-east-1:1111*",
            "arn:aws:codeartifact:us-east-1:111122223333:*",
            "arn:aws:codeartifact:us-east-1:111122223333:package/acme/app/npm//caf\u{e9}",
            "arn:aws:codeartifact:us-east-1:111122223333:package/acme/app/npm//caf\u{e9}*",
            "arn:aws-cn:codeartifact:cn-north-1:111122223333:domain/acme",
        ] {
            let text =
                format!("[[suppress]]\nrule = \"x\"\nresource = \"{resource}\"\nreason = \"r\"\n");
            let config = parse(&text).unwrap_or_else(|e| panic!("{resource}: {e}"));
            assert_eq!(config.suppressions.len(), 1);
        }
    }

    #[test]
    fn dates() {
        assert_eq!(
            Date::from_days(0),
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            Date::from_days(20_413),
            Date {
                year: 2025,
                month: 11,
                day: 21
            }
        );
        assert_eq!(
            Date::from_days(11_016),
            Date {
                year: 2000,
                month: 2,
                day: 29
            }
        );
    }
}
