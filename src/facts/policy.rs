//! Resource policy analysis for the policy rules of the built-in pack.
//!
//! Only `Allow` statements grant anything. A statement is *narrowed* when a positive condition
//! pins the caller to accounts or an organization; a `*` principal without such a condition is
//! public. This is a deliberately small reading of IAM: enough to flag grants, never to prove a
//! policy safe.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// Condition keys that pin the calling principal to an account or organization.
const NARROWING_KEYS: &[&str] = &[
    "aws:principalaccount",
    "aws:sourceaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];

/// Actions that write into a repository (rule `repository-policy-cross-account-publish`).
const WRITE_ACTIONS: &[&str] = &[
    "codeartifact:publishpackageversion",
    "codeartifact:putpackagemetadata",
];

/// What a policy document grants, reduced to the facts the rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PolicyFacts {
    /// A policy is attached.
    pub present: bool,
    /// Why the document could not be read, when it could not.
    pub error: Option<String>,
    /// An Allow statement whose principal is `*` with no narrowing condition.
    pub public_access: bool,
    /// Accounts (other than the owner and trusted accounts) granted any action.
    pub untrusted_accounts: Vec<String>,
    /// Accounts (other than the owner and trusted accounts) granted a write action; `*` when a
    /// public statement grants a write action.
    pub untrusted_write_accounts: Vec<String>,
    /// Sids (or 1-based statement numbers) of the statements behind the flags above.
    pub flagged_statements: Vec<String>,
}

/// Analyses a policy document; `owner` and `trusted` are 12-digit account ids.
pub fn analyse(document: Option<&str>, owner: &str, trusted: &[String]) -> PolicyFacts {
    let Some(document) = document else {
        return PolicyFacts::default();
    };
    let mut facts = PolicyFacts {
        present: true,
        ..Default::default()
    };
    let parsed: Value = match serde_json::from_str(document) {
        Ok(value) => value,
        Err(error) => {
            facts.error = Some(format!(
                "policy document is not JSON (line {}, column {}): {error}",
                error.line(),
                error.column()
            ));
            return facts;
        }
    };
    let statements: Vec<&Value> = match parsed.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => {
            facts.error = Some("policy document has no Statement".to_string());
            return facts;
        }
    };
    let mut untrusted = BTreeSet::new();
    let mut untrusted_write = BTreeSet::new();
    let mut flagged = BTreeSet::new();
    for (position, statement) in statements.iter().enumerate() {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let label = statement
            .get("Sid")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{}", position + 1));
        let grants_write = grants_write(statement);
        let narrowed_to = narrowing_accounts(statement.get("Condition"));
        let mut accounts = Vec::new();
        for principal in principals(statement) {
            match principal {
                Principal::Anyone => match &narrowed_to {
                    Narrowing::None => {
                        facts.public_access = true;
                        flagged.insert(label.clone());
                        if grants_write {
                            untrusted_write.insert("*".to_string());
                        }
                    }
                    Narrowing::Accounts(narrowed) => accounts.extend(narrowed.iter().cloned()),
                    Narrowing::Organization => {}
                },
                Principal::Account(account) => accounts.push(account),
                Principal::Other => {}
            }
        }
        for account in accounts {
            if account != owner && !trusted.contains(&account) {
                if grants_write {
                    untrusted_write.insert(account.clone());
                }
                untrusted.insert(account);
                flagged.insert(label.clone());
            }
        }
    }
    facts.untrusted_accounts = untrusted.into_iter().collect();
    facts.untrusted_write_accounts = untrusted_write.into_iter().collect();
    facts.flagged_statements = flagged.into_iter().collect();
    facts
}

enum Principal {
    Anyone,
    Account(String),
    /// Service or federated principals: not an account grant.
    Other,
}

fn principals(statement: &Value) -> Vec<Principal> {
    match statement.get("Principal") {
        Some(Value::String(text)) if text == "*" => vec![Principal::Anyone],
        Some(Value::Object(map)) => map
            .iter()
            .flat_map(|(kind, value)| {
                strings(value)
                    .into_iter()
                    .map(move |text| classify(kind, &text))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn classify(kind: &str, text: &str) -> Principal {
    if kind != "AWS" {
        return Principal::Other;
    }
    if text == "*" {
        return Principal::Anyone;
    }
    match account_of(text) {
        Some(account) => Principal::Account(account),
        None => Principal::Other,
    }
}

/// The 12-digit account of `123456789012` or `arn:aws:iam::123456789012:...`.
fn account_of(text: &str) -> Option<String> {
    let candidate = if text.starts_with("arn:") {
        text.split(':').nth(4)?
    } else {
        text
    };
    (candidate.len() == 12 && candidate.bytes().all(|b| b.is_ascii_digit()))
        .then(|| candidate.to_string())
}

enum Narrowing {
    None,
    Accounts(Vec<String>),
    Organization,
}

/// Positive conditions (`String*`/`Arn*` operators, not `Not*`/`Null`) on the narrowing keys.
fn narrowing_accounts(condition: Option<&Value>) -> Narrowing {
    let Some(Value::Object(operators)) = condition else {
        return Narrowing::None;
    };
    let mut accounts = Vec::new();
    let mut organization = false;
    for (operator, keys) in operators {
        let operator = operator.to_ascii_lowercase();
        let positive =
            (operator.contains("string") || operator.contains("arn")) && !operator.contains("not");
        let Value::Object(keys) = keys else { continue };
        if !positive {
            continue;
        }
        for (key, values) in keys {
            let key = key.to_ascii_lowercase();
            if !NARROWING_KEYS.contains(&key.as_str()) {
                continue;
            }
            let values = strings(values);
            if values.is_empty() || values.iter().any(|v| v == "*") {
                continue;
            }
            if key.contains("org") {
                organization = true;
            } else {
                accounts.extend(values.iter().filter_map(|v| account_of(v)));
            }
        }
    }
    if !accounts.is_empty() {
        accounts.sort();
        accounts.dedup();
        Narrowing::Accounts(accounts)
    } else if organization {
        Narrowing::Organization
    } else {
        Narrowing::None
    }
}

fn grants_write(statement: &Value) -> bool {
    if let Some(excluded) = statement.get("NotAction") {
        // "Everything except ..." grants writes unless the exclusion covers them all.
        let excluded = strings(excluded);
        return !WRITE_ACTIONS.iter().all(|action| {
            excluded
                .iter()
                .any(|pattern| action_matches(pattern, action))
        });
    }
    let actions = statement.get("Action").map(strings).unwrap_or_default();
    actions.iter().any(|pattern| {
        WRITE_ACTIONS
            .iter()
            .any(|action| action_matches(pattern, action))
    })
}

/// IAM action matching: case-insensitive, `*` and `?` wildcards.
fn action_matches(pattern: &str, action: &str) -> bool {
    let pattern: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let action: Vec<char> = action.chars().collect();
    wildcard(&pattern, &action)
}

fn wildcard(pattern: &[char], text: &[char]) -> bool {
    // Iterative matcher with backtracking on the last `*`: linear in practice, no recursion.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "111122223333";

    fn run(statements: &str) -> PolicyFacts {
        let document = format!(r#"{{"Version":"2012-10-17","Statement":{statements}}}"#);
        analyse(Some(&document), OWNER, &["444455556666".to_string()])
    }

    #[test]
    fn no_policy_and_bad_policy() {
        assert_eq!(analyse(None, OWNER, &[]), PolicyFacts::default());
        let bad = analyse(Some("{not json"), OWNER, &[]);
        assert!(bad.present && bad.error.is_some());
        assert!(!bad.public_access);
    }

    #[test]
    fn public_principal_forms() {
        for principal in [r#""*""#, r#"{"AWS":"*"}"#, r#"{"AWS":["*"]}"#] {
            let facts = run(&format!(
                r#"[{{"Effect":"Allow","Principal":{principal},"Action":"codeartifact:ReadFromRepository","Resource":"*"}}]"#
            ));
            assert!(facts.public_access, "{principal}");
            assert!(facts.untrusted_write_accounts.is_empty());
        }
    }

    #[test]
    fn narrowing_conditions() {
        let org = run(
            r#"[{"Effect":"Allow","Principal":"*","Action":"codeartifact:*","Resource":"*",
                "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]"#,
        );
        assert!(!org.public_access && org.untrusted_accounts.is_empty());
        let account = run(
            r#"[{"Effect":"Allow","Principal":"*","Action":"codeartifact:*","Resource":"*",
                "Condition":{"StringEquals":{"aws:PrincipalAccount":["999988887777"]}}}]"#,
        );
        assert!(!account.public_access);
        assert_eq!(account.untrusted_write_accounts, ["999988887777"]);
        let negative = run(
            r#"[{"Effect":"Allow","Principal":"*","Action":"codeartifact:Get*","Resource":"*",
                "Condition":{"StringNotEquals":{"aws:PrincipalAccount":"999988887777"}}}]"#,
        );
        assert!(negative.public_access);
    }

    #[test]
    fn cross_account_writes() {
        let facts = run(
            r#"[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:role/ci"},
                 "Action":["codeartifact:Publish*"],"Resource":"*"},
                {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333"]},
                 "Action":"*","Resource":"*"},
                {"Effect":"Allow","Principal":{"AWS":"555566667777"},"Action":"codeartifact:ReadFromRepository","Resource":"*"},
                {"Effect":"Deny","Principal":{"AWS":"222233334444"},"Action":"*","Resource":"*"}]"#,
        );
        assert!(!facts.public_access);
        assert_eq!(facts.untrusted_write_accounts, ["999988887777"]);
        assert_eq!(facts.untrusted_accounts, ["555566667777", "999988887777"]);
        assert_eq!(facts.flagged_statements, ["#3", "Partner"]);
    }

    #[test]
    fn not_action_counts_as_write_unless_excluded() {
        let broad = run(
            r#"{"Effect":"Allow","Principal":{"AWS":"999988887777"},"NotAction":"codeartifact:Delete*","Resource":"*"}"#,
        );
        assert_eq!(broad.untrusted_write_accounts, ["999988887777"]);
        let narrow = run(
            r#"{"Effect":"Allow","Principal":{"AWS":"999988887777"},"NotAction":["codeartifact:Publish*","codeartifact:Put*"],"Resource":"*"}"#,
        );
        assert!(narrow.untrusted_write_accounts.is_empty());
    }

    #[test]
    fn wildcards() {
        assert!(action_matches(
            "codeartifact:*",
            "codeartifact:publishpackageversion"
        ));
        assert!(action_matches("*", "codeartifact:putpackagemetadata"));
        assert!(action_matches(
            "CodeArtifact:Put?ackage*",
            "codeartifact:putpackagemetadata"
        ));
        assert!(!action_matches(
            "codeartifact:Get*",
            "codeartifact:putpackagemetadata"
        ));
    }
}
