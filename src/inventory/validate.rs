//! What an inventory must satisfy before anything is derived from it.
//!
//! Resource names become ARN segments, and ARNs are the identity of every finding, suppression,
//! fingerprint and SARIF run. So a name CodeArtifact itself would refuse, a missing name, or two
//! records of the same resource would silently produce wrong or colliding identities; each is
//! an input error naming the JSON path of the object. The syntax rules are the patterns of the
//! CodeArtifact API model (quoted at each check); see also
//! https://docs.aws.amazon.com/codeartifact/latest/ug/service-limits.html.

use super::{quote, Inventory};
use crate::arn;
use std::collections::HashMap;

/// An inventory object that breaks a rule: its JSON path and what is wrong.
#[derive(Debug)]
pub(super) struct Invalid {
    pub at: String,
    pub message: String,
}

fn invalid(at: &str, message: String) -> Invalid {
    Invalid {
        at: at.to_string(),
        message,
    }
}

/// A syntax rule for one kind of name.
struct Syntax {
    what: &'static str,
    min: usize,
    max: usize,
    /// Whether the whole string is well-formed (length checked separately, in characters).
    valid: fn(&str) -> bool,
    rule: &'static str,
}

/// `DomainName`: pattern `[a-z][a-z0-9\-]{0,48}[a-z0-9]`, 2 to 50 characters.
const DOMAIN_NAME: Syntax = Syntax {
    what: "domain name",
    min: 2,
    max: 50,
    valid: |text| {
        let bytes = text.as_bytes();
        bytes.first().is_some_and(u8::is_ascii_lowercase)
            && bytes
                .last()
                .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
    },
    rule: "lower-case letters, digits and `-`, starting with a letter, not ending with `-`",
};

/// `RepositoryName`: pattern `[A-Za-z0-9][A-Za-z0-9._\-]{1,99}`, 2 to 100 characters.
const REPOSITORY_NAME: Syntax = Syntax {
    what: "repository name",
    min: 2,
    max: 100,
    valid: |text| {
        let bytes = text.as_bytes();
        bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    },
    rule: "letters, digits, `.`, `_` and `-`, starting with a letter or digit",
};

/// `AccountId`: pattern `[0-9]{12}`.
const ACCOUNT_ID: Syntax = Syntax {
    what: "account id",
    min: 12,
    max: 12,
    valid: |text| text.bytes().all(|b| b.is_ascii_digit()),
    rule: "12 digits",
};

/// Segment characters of `PackageName`, `PackageNamespace` and `PackageVersion` (all pattern
/// `[^#/\s]+`, 1 to 255 characters). Control characters are refused as well: the service has
/// no such names, and they would break one-line messages.
fn package_segment(text: &str) -> bool {
    text.chars()
        .all(|c| !matches!(c, '#' | '/') && !c.is_whitespace() && !c.is_control())
}

const SEGMENT_RULE: &str = "characters other than `/`, `#`, whitespace and control characters";

const PACKAGE_NAME: Syntax = Syntax {
    what: "package name",
    min: 1,
    max: 255,
    valid: package_segment,
    rule: SEGMENT_RULE,
};

const PACKAGE_NAMESPACE: Syntax = Syntax {
    what: "package namespace",
    min: 1,
    max: 255,
    valid: package_segment,
    rule: SEGMENT_RULE,
};

const PACKAGE_VERSION: Syntax = Syntax {
    what: "package version",
    min: 1,
    max: 255,
    valid: package_segment,
    rule: SEGMENT_RULE,
};

/// `PackageFormat` is an enum in the model; values this build does not know are kept, but they
/// are ARN segments too.
const PACKAGE_FORMAT: Syntax = Syntax {
    what: "package format",
    min: 1,
    max: 255,
    valid: package_segment,
    rule: SEGMENT_RULE,
};

/// Regions: the model has no pattern. caguard accepts `^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`, which
/// covers every published region name (`us-east-1`, `us-gov-west-1`, `cn-northwest-1`,
/// `us-isob-east-1`, `eusc-de-east-1`) and nothing that could carry `:` or `/` into an ARN.
const REGION: Syntax = Syntax {
    what: "region",
    min: 4,
    max: 64,
    valid: |text| {
        let parts: Vec<&str> = text.split('-').collect();
        let letters = |part: &&str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
        match parts.as_slice() {
            [first, middle @ .., last] if !middle.is_empty() => {
                (2..=4).contains(&first.len())
                    && letters(first)
                    && middle.iter().all(letters)
                    && (1..=2).contains(&last.len())
                    && last.bytes().all(|b| b.is_ascii_digit())
            }
            _ => false,
        }
    },
    rule: "a region like `us-east-1` (2 to 4 lower-case letters, `-`-separated words, `-` and 1 or 2 digits)",
};

/// Kinds of names the command line takes, checked by the same rules as the inventory.
#[derive(Debug, Clone, Copy)]
pub enum NameKind {
    Domain,
    Repository,
    Account,
    Region,
}

/// `Err("invalid domain name \"X\": expected …")` when `text` is not a valid name of `kind`.
pub fn check_name(kind: NameKind, text: &str) -> Result<(), String> {
    let syntax = match kind {
        NameKind::Domain => &DOMAIN_NAME,
        NameKind::Repository => &REPOSITORY_NAME,
        NameKind::Account => &ACCOUNT_ID,
        NameKind::Region => &REGION,
    };
    check("", syntax, text).map_err(|invalid| invalid.message)
}

fn check(at: &str, syntax: &Syntax, text: &str) -> Result<(), Invalid> {
    check_at(|| at.to_string(), syntax, text)
}

/// [`check`] with the JSON path built only for a message (a million versions, a million paths).
fn check_at(at: impl FnOnce() -> String, syntax: &Syntax, text: &str) -> Result<(), Invalid> {
    let length = text.chars().count();
    let problem = if length < syntax.min || length > syntax.max {
        Some(if syntax.min == syntax.max {
            format!("must be {} characters", syntax.min)
        } else {
            format!("must be {} to {} characters", syntax.min, syntax.max)
        })
    } else if !(syntax.valid)(text) {
        Some(format!("expected {}", syntax.rule))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Invalid {
            at: at(),
            message: format!("invalid {} {}: {problem}", syntax.what, quote(text)),
        }),
        None => Ok(()),
    }
}

/// Checks the whole inventory in one pass (hash sets for duplicates, so linear in its size).
/// Returns warnings for what is suspicious but scannable.
pub(super) fn validate(inventory: &Inventory) -> Result<Vec<String>, Invalid> {
    let mut warnings = Vec::new();
    if let Some(region) = &inventory.region {
        check("region", &REGION, region)?;
    }
    for (s, shard) in inventory.shards.iter().enumerate() {
        check(&format!("shards[{s}].account"), &ACCOUNT_ID, &shard.account)?;
        check(&format!("shards[{s}].region"), &REGION, &shard.region)?;
    }
    if inventory.domains.is_empty() && inventory.shards.is_empty() {
        warnings.push("top level: the inventory holds no domains; nothing is scanned".to_string());
    }
    let mut domains: HashMap<(&str, &str), usize> = HashMap::new();
    for (d, entry) in inventory.domains.iter().enumerate() {
        let at = format!("domains[{d}]");
        let description = &entry.domain;
        let name = description
            .name
            .as_deref()
            .ok_or_else(|| invalid(&at, "domain without a name (`domain.name`)".to_string()))?;
        check(&format!("{at}.domain.name"), &DOMAIN_NAME, name)?;
        // The derivation falls back to the domain ARN for the owner and region; check what it uses.
        let from_arn = description.arn.as_deref().and_then(arn::split);
        let owner = match (&description.owner, from_arn) {
            (Some(owner), _) => {
                check(&format!("{at}.domain.owner"), &ACCOUNT_ID, owner)?;
                owner.as_str()
            }
            (None, Some((_, account, _))) => {
                check(&format!("{at}.domain.arn"), &ACCOUNT_ID, account)?;
                account
            }
            (None, None) => {
                return Err(invalid(
                    &at,
                    format!(
                        "domain {} has no owner account (`domain.owner` or `domain.arn`)",
                        quote(name)
                    ),
                ))
            }
        };
        if let (None, Some((region, _, _))) = (&inventory.region, from_arn) {
            check(&format!("{at}.domain.arn"), &REGION, region)?;
        }
        if let Some(first) = domains.insert((owner, name), d) {
            return Err(invalid(
                &at,
                format!(
                    "duplicate domain {} of account {owner} (first at domains[{first}])",
                    quote(name)
                ),
            ));
        }
        let mut patterns: HashMap<&str, usize> = HashMap::new();
        for (g, group) in entry.package_groups.iter().enumerate() {
            let Some(pattern) = group.group.pattern.as_deref() else {
                continue; // the group tree reports it and leaves the group out
            };
            if let Some(first) = patterns.insert(pattern, g) {
                return Err(invalid(
                    &format!("{at}.packageGroups[{g}]"),
                    format!(
                        "duplicate package group {} (first at {at}.packageGroups[{first}])",
                        quote(pattern)
                    ),
                ));
            }
        }
        validate_repositories(&at, entry)?;
    }
    Ok(warnings)
}

fn validate_repositories(domain_at: &str, entry: &super::DomainEntry) -> Result<(), Invalid> {
    let mut repositories: HashMap<&str, usize> = HashMap::new();
    for (r, repository) in entry.repositories.iter().enumerate() {
        let at = format!("{domain_at}.repositories[{r}]");
        let name = repository.repository.name.as_deref().ok_or_else(|| {
            invalid(
                &at,
                "repository without a name (`repository.name`)".to_string(),
            )
        })?;
        check(&format!("{at}.repository.name"), &REPOSITORY_NAME, name)?;
        if let Some(first) = repositories.insert(name, r) {
            return Err(invalid(
                &at,
                format!(
                    "duplicate repository name {} (first at {domain_at}.repositories[{first}])",
                    quote(name)
                ),
            ));
        }
        for (u, upstream) in repository.repository.upstreams.iter().flatten().enumerate() {
            let upstream_at = format!("{at}.repository.upstreams[{u}]");
            let name = upstream.repository_name.as_deref().ok_or_else(|| {
                invalid(
                    &upstream_at,
                    "upstream without a repository name (`repositoryName`)".to_string(),
                )
            })?;
            check(&upstream_at, &REPOSITORY_NAME, name)?;
        }
        let mut packages: HashMap<(&str, Option<&str>, &str), usize> = HashMap::new();
        for (p, record) in repository.packages.iter().enumerate() {
            let at = format!("{at}.packages[{p}]");
            let package = &record.package;
            let format = package.format.as_ref().map(|f| f.as_str()).ok_or_else(|| {
                invalid(
                    &at,
                    "package without a format (`package.format`)".to_string(),
                )
            })?;
            check_at(|| format!("{at}.package.format"), &PACKAGE_FORMAT, format)?;
            let namespace = package.namespace.as_deref();
            if let Some(namespace) = namespace {
                check_at(
                    || format!("{at}.package.namespace"),
                    &PACKAGE_NAMESPACE,
                    namespace,
                )?;
            }
            let name = package.package.as_deref().ok_or_else(|| {
                invalid(
                    &at,
                    "package without a name (`package.package`)".to_string(),
                )
            })?;
            check_at(|| format!("{at}.package.package"), &PACKAGE_NAME, name)?;
            if let Some(first) = packages.insert((format, namespace, name), p) {
                let shown = match namespace {
                    Some(namespace) => format!("{format} {} {}", quote(namespace), quote(name)),
                    None => format!("{format} {}", quote(name)),
                };
                return Err(invalid(
                    &at,
                    format!(
                        "duplicate package record {shown} in repository {} (first at {domain_at}.repositories[{r}].packages[{first}])",
                        quote(repository_name(repository))
                    ),
                ));
            }
            // A package has a few versions: comparing with each earlier one beats hashing.
            const LINEAR: usize = 32;
            let mut versions: HashMap<&str, usize> = HashMap::new();
            for (v, version) in record.versions.iter().enumerate() {
                check_at(
                    || format!("{at}.versions[{v}].version"),
                    &PACKAGE_VERSION,
                    &version.version,
                )?;
                let earlier = if record.versions.len() <= LINEAR {
                    record
                        .versions
                        .iter()
                        .take(v)
                        .position(|other| other.version == version.version)
                } else {
                    versions.insert(version.version.as_str(), v)
                };
                if let Some(first) = earlier {
                    return Err(invalid(
                        &format!("{at}.versions[{v}]"),
                        format!(
                            "duplicate version {} of package {} (first at {at}.versions[{first}])",
                            quote(&version.version),
                            quote(name)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn repository_name(entry: &super::RepositoryEntry) -> &str {
    entry.repository.name.as_deref().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_syntax() {
        for good in [
            "us-east-1",
            "us-gov-west-1",
            "cn-northwest-1",
            "us-isob-east-1",
            "eusc-de-east-1",
            "ap-southeast-10",
        ] {
            assert!(check("r", &REGION, good).is_ok(), "{good}");
        }
        for bad in [
            "us-east-1:999999999999",
            "us-east",
            "US-EAST-1",
            "us--1",
            "u-east-1",
            "us-east-1/x",
            "",
            "us-east-123",
        ] {
            assert!(check("r", &REGION, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn name_syntax_follows_the_model() {
        assert!(check("x", &DOMAIN_NAME, "acme-prod2").is_ok());
        for bad in ["a", "Acme", "acme-", "1acme", "my_domain", "acme/x"] {
            assert!(check("x", &DOMAIN_NAME, bad).is_err(), "{bad}");
        }
        assert!(check("x", &REPOSITORY_NAME, "npm-store.v2_x").is_ok());
        for bad in ["a", "-app", "app/x", "app:1", "app store"] {
            assert!(check("x", &REPOSITORY_NAME, bad).is_err(), "{bad}");
        }
        assert!(check("x", &ACCOUNT_ID, "111122223333").is_ok());
        for bad in [
            "11112222333",
            "1111222233334",
            "11112222333a",
            "111122223333:",
        ] {
            assert!(check("x", &ACCOUNT_ID, bad).is_err(), "{bad}");
        }
        assert!(check("x", &PACKAGE_NAME, "@weird.name_é").is_ok());
        for bad in ["", "a/b", "a#b", "a b", "a\nb", "a\u{0}b"] {
            assert!(check("x", &PACKAGE_NAME, bad).is_err(), "{bad:?}");
        }
        assert!(check("x", &PACKAGE_NAME, &"n".repeat(255)).is_ok());
        assert!(check("x", &PACKAGE_NAME, &"n".repeat(256)).is_err());
    }

    #[test]
    fn messages_quote_and_shorten_hostile_names() {
        let error = check("x", &PACKAGE_NAME, &format!("a/\n{}", "b".repeat(500))).unwrap_err();
        assert!(
            error
                .message
                .starts_with(r#"invalid package name "a/\nbbb"#),
            "{}",
            error.message
        );
        assert!(!error.message.contains('\n'));
        assert!(error.message.len() < 250, "{}", error.message);
    }
}
