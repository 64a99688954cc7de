//! Resource policy analysis for the policy rules of the built-in pack.
//!
//! The reading errs in one direction only: it may report a grant IAM would not make, never miss
//! one it would make. So:
//!
//! - Only `Allow` statements grant. `Deny` statements are ignored: a Deny can only take access
//!   away, and showing that it does would need IAM's whole evaluation.
//! - `Allow` with `NotPrincipal` grants every principal except the listed ones, anonymous callers
//!   included, so it is read as principal `*`
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>).
//! - A `*` principal is *narrowed* only by a condition that certainly pins the caller to accounts
//!   or an organization (`narrowing_operator`, `certain_target`). A condition caguard does
//!   not understand, or one that can hold for a caller outside those accounts, does not narrow.
//! - A document or statement caguard cannot read (not JSON, a duplicate key, an unknown element,
//!   an `Effect` other than `Allow`/`Deny`, a principal or action of an unknown form) is not
//!   skipped: the facts carry an error, and the scan treats the resource as not collected.
//! - `Resource` and `NotResource` are not evaluated: a grant limited to some packages is still
//!   reported.

use crate::inventory::ResourcePolicy;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

/// Actions that write into a repository (rule `repository-policy-cross-account-publish`).
const WRITE_ACTIONS: &[&str] = &[
    "codeartifact:publishpackageversion",
    "codeartifact:putpackagemetadata",
];

/// The elements of a policy document and of a statement (IAM policy grammar,
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>). Anything
/// else is refused rather than ignored: a misspelt `effect` next to `Effect` must not leave
/// caguard and IAM reading different statements.
const DOCUMENT_ELEMENTS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// What a policy document grants, reduced to the facts the rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PolicyFacts {
    /// A policy is attached.
    pub present: bool,
    /// Why the document could not be read, when it could not. The other fields are then empty
    /// and the scan is incomplete.
    pub error: Option<String>,
    /// An Allow statement whose principal is `*` (or `NotPrincipal`) with no narrowing condition.
    pub public_access: bool,
    /// Accounts (other than the owner and trusted accounts) granted any action.
    pub untrusted_accounts: Vec<String>,
    /// Accounts (other than the owner and trusted accounts) granted a write action; `*` when a
    /// public statement grants a write action.
    pub untrusted_write_accounts: Vec<String>,
    /// Sids (or 1-based statement numbers) of the statements behind the flags above.
    pub flagged_statements: Vec<String>,
}

/// Analyses an attached policy (`None`: no policy); `owner` and `trusted` are 12-digit account ids.
pub fn analyse(policy: Option<&ResourcePolicy>, owner: &str, trusted: &[String]) -> PolicyFacts {
    let Some(policy) = policy else {
        return PolicyFacts::default();
    };
    match policy.document.as_deref() {
        Some(document) => analyse_document(document, owner, trusted),
        // The API returned a policy but no document: there is something to judge and nothing
        // to judge it by.
        None => unreadable("the policy has no document".to_string()),
    }
}

/// Analyses a policy document (the JSON text of `ResourcePolicy.document`).
pub fn analyse_document(document: &str, owner: &str, trusted: &[String]) -> PolicyFacts {
    evaluate(document, owner, trusted).unwrap_or_else(unreadable)
}

fn unreadable(error: String) -> PolicyFacts {
    PolicyFacts {
        present: true,
        error: Some(error),
        ..Default::default()
    }
}

fn evaluate(document: &str, owner: &str, trusted: &[String]) -> Result<PolicyFacts, String> {
    let parsed = parse(document)?;
    let Value::Object(top) = &parsed else {
        return Err("policy document is not a JSON object".to_string());
    };
    if let Some(unknown) = top
        .keys()
        .find(|k| !DOCUMENT_ELEMENTS.contains(&k.as_str()))
    {
        return Err(format!(
            "policy document has an unknown element {}",
            quote(unknown)
        ));
    }
    let statements: Vec<&Value> = match top.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        Some(_) => return Err("Statement is neither an object nor an array".to_string()),
        None => return Err("policy document has no Statement".to_string()),
    };
    let mut public_access = false;
    let mut untrusted = BTreeSet::new();
    let mut untrusted_write = BTreeSet::new();
    let mut flagged = BTreeSet::new();
    for (index, statement) in statements.iter().enumerate() {
        let position = index + 1;
        let Value::Object(statement) = statement else {
            return Err(format!("statement {position} is not an object"));
        };
        let sid = statement.get("Sid").and_then(Value::as_str);
        let grant = Grant::read(statement).map_err(|error| match sid {
            Some(sid) => format!("statement {position} (Sid {}): {error}", quote(sid)),
            None => format!("statement {position}: {error}"),
        })?;
        let Some(grant) = grant else { continue };
        let label = sid
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{position}"));
        let mut accounts = Vec::new();
        for principal in grant.principals {
            match principal {
                Principal::Anyone => match &grant.narrowing {
                    Narrowing::None => {
                        public_access = true;
                        flagged.insert(label.clone());
                        if grant.writes {
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
                if grant.writes {
                    untrusted_write.insert(account.clone());
                }
                untrusted.insert(account);
                flagged.insert(label.clone());
            }
        }
    }
    Ok(PolicyFacts {
        present: true,
        error: None,
        public_access,
        untrusted_accounts: untrusted.into_iter().collect(),
        untrusted_write_accounts: untrusted_write.into_iter().collect(),
        flagged_statements: flagged.into_iter().collect(),
    })
}

/// What one `Allow` statement grants.
struct Grant {
    principals: Vec<Principal>,
    narrowing: Narrowing,
    /// The actions include a write action.
    writes: bool,
}

impl Grant {
    /// `None` for a `Deny` statement; an error for anything caguard cannot read in an `Allow`.
    fn read(statement: &Map<String, Value>) -> Result<Option<Grant>, String> {
        if let Some(unknown) = statement
            .keys()
            .find(|k| !STATEMENT_ELEMENTS.contains(&k.as_str()))
        {
            return Err(format!("unknown element {}", quote(unknown)));
        }
        // Effect values are case-sensitive in the IAM grammar: `"allow"` is neither.
        match statement.get("Effect") {
            Some(Value::String(effect)) if effect == "Allow" => {}
            Some(Value::String(effect)) if effect == "Deny" => return Ok(None),
            Some(Value::String(effect)) => {
                return Err(format!(
                    "Effect is {}, not \"Allow\" or \"Deny\"",
                    quote(effect)
                ))
            }
            Some(_) => return Err("Effect is not a string".to_string()),
            None => return Err("no Effect".to_string()),
        }
        let principals = match (statement.get("Principal"), statement.get("NotPrincipal")) {
            (Some(_), Some(_)) => return Err("both Principal and NotPrincipal".to_string()),
            (Some(principal), None) => principals(principal)?,
            // Allow + NotPrincipal grants everyone but the listed principals. The exceptions are
            // not subtracted: "everyone but a few" is public.
            (None, Some(_)) => vec![Principal::Anyone],
            (None, None) => {
                return Err("no Principal (a resource policy statement must name one)".to_string())
            }
        };
        let writes = match (statement.get("Action"), statement.get("NotAction")) {
            (Some(_), Some(_)) => return Err("both Action and NotAction".to_string()),
            (Some(actions), None) => {
                let actions = strings(actions, "Action")?;
                WRITE_ACTIONS
                    .iter()
                    .any(|action| actions.iter().any(|p| action_matches(p, action)))
            }
            // "Everything except ..." grants writes unless the exclusions cover them all.
            (None, Some(excluded)) => {
                let excluded = strings(excluded, "NotAction")?;
                !WRITE_ACTIONS
                    .iter()
                    .all(|action| excluded.iter().any(|p| action_matches(p, action)))
            }
            (None, None) => return Err("no Action or NotAction".to_string()),
        };
        let narrowing = match statement.get("Condition") {
            None => Narrowing::None,
            Some(Value::Object(operators)) => narrowing(operators)?,
            Some(_) => return Err("Condition is not an object".to_string()),
        };
        Ok(Some(Grant {
            principals,
            narrowing,
            writes,
        }))
    }
}

enum Principal {
    Anyone,
    Account(String),
    /// Service, federated and canonical-user principals, and the unique ids IAM leaves in place
    /// of deleted principals: not a grant to an account.
    Other,
}

fn principals(value: &Value) -> Result<Vec<Principal>, String> {
    match value {
        Value::String(text) if text == "*" => Ok(vec![Principal::Anyone]),
        Value::Object(map) => {
            let mut principals = Vec::new();
            for (kind, values) in map {
                for text in strings(values, "Principal")? {
                    principals.push(classify(kind, text)?);
                }
            }
            Ok(principals)
        }
        Value::String(text) => Err(format!(
            "Principal is {}: a string Principal must be \"*\"",
            quote(text)
        )),
        _ => Err("Principal is neither \"*\" nor an object of principal types".to_string()),
    }
}

fn classify(kind: &str, text: &str) -> Result<Principal, String> {
    match kind {
        "AWS" => aws_principal(text),
        "Service" | "Federated" | "CanonicalUser" => Ok(Principal::Other),
        _ => Err(format!("unknown principal type {}", quote(kind))),
    }
}

/// `*` (the same as principal `"*"`), an account id, or an IAM/STS ARN of the account (the
/// account root `arn:aws:iam::123456789012:root` and bare `123456789012` are the same account)
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>).
fn aws_principal(text: &str) -> Result<Principal, String> {
    if text == "*" {
        return Ok(Principal::Anyone);
    }
    if is_account_id(text) {
        return Ok(Principal::Account(text.to_string()));
    }
    if let Some(account) = principal_arn_account(text) {
        return Ok(Principal::Account(account.to_string()));
    }
    if is_unique_id(text) {
        return Ok(Principal::Other);
    }
    Err(format!(
        "AWS principal {} is not \"*\", an account id or an IAM/STS ARN with an account id",
        quote(text)
    ))
}

/// The account of `arn:PARTITION:iam::ACCOUNT:...` or `arn:PARTITION:sts::ACCOUNT:...`.
fn principal_arn_account(text: &str) -> Option<&str> {
    let fields: Vec<&str> = text.splitn(6, ':').collect();
    let [arn, partition, service, _region, account, resource] = fields.as_slice() else {
        return None;
    };
    (*arn == "arn"
        && !partition.is_empty()
        && !has_wildcard(partition)
        && matches!(*service, "iam" | "sts")
        && is_account_id(account)
        && !resource.is_empty())
    .then_some(*account)
}

/// IAM unique ids (`AIDA...`, `AROA...`): IAM shows one in place of a deleted principal, and
/// never reuses it, so it grants nothing.
fn is_unique_id(text: &str) -> bool {
    (16..=128).contains(&text.len())
        && text.starts_with('A')
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

enum Narrowing {
    None,
    Accounts(Vec<String>),
    Organization,
}

/// The kinds of condition key that can pin the caller.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    /// `aws:PrincipalAccount`, `aws:SourceAccount`: a 12-digit account id.
    Account,
    /// `aws:PrincipalOrgID`, `aws:SourceOrgID`: an organization id.
    Organization,
    /// `aws:PrincipalOrgPaths`, `aws:SourceOrgPaths`: `o-.../r-.../ou-.../`.
    OrgPath,
    /// `aws:PrincipalArn`: the caller's ARN, which names its account.
    PrincipalArn,
}

fn key_kind(key: &str) -> Option<KeyKind> {
    // Context key names are case-insensitive
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
    match key.to_ascii_lowercase().as_str() {
        "aws:principalaccount" | "aws:sourceaccount" => Some(KeyKind::Account),
        "aws:principalorgid" | "aws:sourceorgid" => Some(KeyKind::Organization),
        "aws:principalorgpaths" | "aws:sourceorgpaths" => Some(KeyKind::OrgPath),
        "aws:principalarn" => Some(KeyKind::PrincipalArn),
        _ => None,
    }
}

/// How an operator that can narrow compares its values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Comparison {
    String,
    Arn,
}

/// The operators that certainly narrow when their key matches: one that is false when the key
/// is absent and true only for a listed value
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>).
/// Everything else does not narrow:
/// - `Not...` operators hold for every caller not listed, and when the key is absent;
/// - `...IfExists` holds when the key is absent: `StringEqualsIfExists` on `aws:PrincipalOrgID`
///   lets in every principal that is not in an organization, and anonymous callers;
/// - `ForAllValues:` holds when the key is absent or empty; `ForAnyValue:` is false then, so it
///   narrows like the operator it qualifies;
/// - `Null`, `Bool`, numeric, date, IP and binary operators, and any name caguard does not
///   know. Operator names are matched exactly as IAM documents them (`stringEquals` is not one).
fn narrowing_operator(operator: &str) -> Option<Comparison> {
    let base = match operator.strip_prefix("ForAnyValue:") {
        Some(base) => base,
        None if operator.starts_with("ForAllValues:") => return None,
        None => operator,
    };
    match base {
        "StringEquals" | "StringEqualsIgnoreCase" | "StringLike" => Some(Comparison::String),
        "ArnEquals" | "ArnLike" => Some(Comparison::Arn),
        _ => None,
    }
}

/// A statement's conditions all have to hold, so one narrowing key narrows the statement. Keys
/// narrowing to accounts are united, which can only over-report.
fn narrowing(operators: &Map<String, Value>) -> Result<Narrowing, String> {
    let mut accounts = BTreeSet::new();
    let mut organization = false;
    for (operator, block) in operators {
        let Value::Object(block) = block else {
            return Err(format!(
                "condition operator {} does not map context keys to values",
                quote(operator)
            ));
        };
        let Some(comparison) = narrowing_operator(operator) else {
            continue;
        };
        for (key, values) in block {
            let Some(kind) = key_kind(key) else { continue };
            // An ARN operator on a key that holds no ARN never matches, so it grants nothing;
            // caguard does not count on that.
            if comparison == Comparison::Arn && kind != KeyKind::PrincipalArn {
                continue;
            }
            let Some(targets) = certain_targets(kind, values) else {
                continue;
            };
            for target in targets {
                match target {
                    Target::Account(account) => {
                        accounts.insert(account);
                    }
                    Target::Organization => organization = true,
                }
            }
        }
    }
    Ok(if !accounts.is_empty() {
        Narrowing::Accounts(accounts.into_iter().collect())
    } else if organization {
        Narrowing::Organization
    } else {
        Narrowing::None
    })
}

enum Target {
    Account(String),
    Organization,
}

/// What the values of a narrowing key pin the caller to. The values of one key are alternatives,
/// so one value that does not certainly narrow means the key does not narrow.
fn certain_targets(kind: KeyKind, values: &Value) -> Option<Vec<Target>> {
    let values: Vec<&str> = match values {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().map(Value::as_str).collect::<Option<_>>()?,
        _ => return None,
    };
    if values.is_empty() {
        return None;
    }
    values
        .into_iter()
        .map(|value| certain_target(kind, value))
        .collect()
}

/// The account or organization one condition value certainly pins the caller to.
///
/// - A policy variable (`${aws:PrincipalAccount}`) is replaced by the caller's own value, so it
///   matches every caller.
/// - `*` and `?` are wildcards under `StringLike`/`ArnLike`: `"o-*"` matches every organization.
///   Under `StringEquals` they are literal and would match no caller, but such a value is a
///   mistaken wildcard, not a restriction anyone meant, so it does not narrow either.
/// - An account key narrows only to a 12-digit account id; an ARN only when everything up to and
///   including its account field is literal.
fn certain_target(kind: KeyKind, value: &str) -> Option<Target> {
    if value.contains("${") {
        return None;
    }
    match kind {
        KeyKind::Account => is_account_id(value).then(|| Target::Account(value.to_string())),
        KeyKind::Organization => {
            (!value.is_empty() && !has_wildcard(value)).then_some(Target::Organization)
        }
        KeyKind::OrgPath => {
            let (organization, _) = value.split_once('/')?;
            (!organization.is_empty() && !has_wildcard(organization))
                .then_some(Target::Organization)
        }
        KeyKind::PrincipalArn => {
            let fields: Vec<&str> = value.splitn(6, ':').collect();
            let [arn, partition, service, region, account, _resource] = fields.as_slice() else {
                return None;
            };
            let literal = [arn, partition, service, region, account]
                .iter()
                .all(|field| !has_wildcard(field));
            (literal && *arn == "arn" && is_account_id(account))
                .then(|| Target::Account(account.to_string()))
        }
    }
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

/// A string or an array of strings (`Action`, `Principal` values); anything else is an error,
/// because dropping a value could drop a grant.
fn strings<'a>(value: &'a Value, element: &str) -> Result<Vec<&'a str>, String> {
    match value {
        Value::String(text) => Ok(vec![text.as_str()]),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .ok_or_else(|| format!("{element} holds a value that is not a string"))
            })
            .collect(),
        _ => Err(format!(
            "{element} is neither a string nor an array of strings"
        )),
    }
}

/// Input echoed in a message: quoted, control characters escaped (messages are one line), at
/// most 64 characters.
fn quote(text: &str) -> String {
    const LIMIT: usize = 64;
    let shown: String = text.chars().take(LIMIT).collect();
    let more = if text.chars().nth(LIMIT).is_some() {
        "…"
    } else {
        ""
    };
    format!("\"{}{more}\"", shown.escape_debug())
}

/// Parses a policy document, refusing duplicate keys: serde_json would keep the last of
/// `{"Effect": "Deny", "Effect": "Allow"}`, and nothing says IAM reads it the same way.
fn parse(document: &str) -> Result<Value, String> {
    match serde_json::from_str::<Strict>(document) {
        Ok(Strict(value)) => Ok(value),
        Err(error) if error.is_data() => Err(format!("policy document cannot be read: {error}")),
        Err(error) => Err(format!("policy document is not JSON: {error}")),
    }
}

/// A JSON value whose objects have no duplicate keys.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key {}", quote(&key))));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "111122223333";
    const TRUSTED: &str = "444455556666";
    const OTHER: &str = "999988887777";

    fn run(statements: &str) -> PolicyFacts {
        let document = format!(r#"{{"Version":"2012-10-17","Statement":{statements}}}"#);
        analyse_document(&document, OWNER, &[TRUSTED.to_string()])
    }

    /// One statement granting `action` to `principal` (JSON) under `condition` (JSON or empty).
    fn statement(principal: &str, action: &str, condition: &str) -> String {
        let condition = if condition.is_empty() {
            String::new()
        } else {
            format!(r#","Condition":{condition}"#)
        };
        format!(
            r#"{{"Effect":"Allow","Principal":{principal},"Action":"{action}","Resource":"*"{condition}}}"#
        )
    }

    /// (case, statements, public_access, untrusted_accounts, untrusted_write_accounts)
    type Case = (
        &'static str,
        String,
        bool,
        &'static [&'static str],
        &'static [&'static str],
    );

    fn check(cases: Vec<Case>) {
        for (name, statements, public, accounts, writes) in cases {
            let facts = run(&statements);
            assert_eq!(facts.error, None, "{name}");
            assert_eq!(facts.public_access, public, "{name}: public_access");
            assert_eq!(
                facts.untrusted_accounts, accounts,
                "{name}: untrusted_accounts"
            );
            assert_eq!(
                facts.untrusted_write_accounts, writes,
                "{name}: untrusted_write_accounts"
            );
        }
    }

    const READ: &str = "codeartifact:ReadFromRepository";
    const PUBLISH: &str = "codeartifact:PublishPackageVersion";

    #[test]
    fn no_policy_and_a_policy_without_document() {
        assert_eq!(analyse(None, OWNER, &[]), PolicyFacts::default());
        let empty = analyse(Some(&ResourcePolicy::default()), OWNER, &[]);
        assert!(empty.present && !empty.public_access);
        assert_eq!(empty.error.as_deref(), Some("the policy has no document"));
    }

    /// Principal forms
    /// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html):
    /// `"*"` and `{"AWS": "*"}` are the same, an account root ARN is the account, and an Allow
    /// with NotPrincipal grants everyone else
    /// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
    #[test]
    fn principals() {
        let cases: Vec<Case> = vec![
            ("star", statement(r#""*""#, READ, ""), true, &[], &[]),
            ("AWS star", statement(r#"{"AWS":"*"}"#, READ, ""), true, &[], &[]),
            ("AWS star in a list", statement(r#"{"AWS":["111122223333","*"]}"#, PUBLISH, ""), true, &[], &["*"]),
            ("bare account", statement(r#"{"AWS":"999988887777"}"#, READ, ""), false, &[OTHER], &[]),
            ("root ARN", statement(r#"{"AWS":"arn:aws:iam::999988887777:root"}"#, PUBLISH, ""), false, &[OTHER], &[OTHER]),
            ("role ARN, other partition", statement(r#"{"AWS":"arn:aws-us-gov:iam::999988887777:role/ci"}"#, READ, ""), false, &[OTHER], &[]),
            ("assumed-role ARN", statement(r#"{"AWS":"arn:aws:sts::999988887777:assumed-role/ci/s"}"#, READ, ""), false, &[OTHER], &[]),
            ("owner and trusted", statement(r#"{"AWS":["111122223333","arn:aws:iam::444455556666:root"]}"#, "*", ""), false, &[], &[]),
            ("service principal", statement(r#"{"Service":"codebuild.amazonaws.com"}"#, "*", ""), false, &[], &[]),
            ("deleted principal's unique id", statement(r#"{"AWS":"AROAJQABLZS4A3QDU576Q"}"#, "*", ""), false, &[], &[]),
            (
                "Allow with NotPrincipal",
                r#"[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"codeartifact:*","Resource":"*"}]"#.to_string(),
                true, &[], &["*"],
            ),
            (
                "Allow with NotPrincipal pinned to the organization",
                r#"[{"Effect":"Allow","NotPrincipal":{"AWS":"999988887777"},"Action":"codeartifact:*","Resource":"*",
                    "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]"#.to_string(),
                false, &[], &[],
            ),
        ];
        check(cases);
    }

    /// Conditions on a `*` principal
    /// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    /// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
    /// only a condition that is false for every caller outside the named accounts or organization
    /// narrows.
    #[test]
    fn conditions_on_a_public_principal() {
        let star = |condition: &str| statement(r#""*""#, PUBLISH, condition);
        let cases: Vec<Case> = vec![
            ("no condition", star(""), true, &[], &["*"]),
            (
                "org id",
                star(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#),
                false,
                &[],
                &[],
            ),
            (
                "org id, key in other case",
                star(r#"{"StringEquals":{"AWS:principalorgid":"o-a1b2c3d4e5"}}"#),
                false,
                &[],
                &[],
            ),
            (
                "org id, IgnoreCase",
                star(r#"{"StringEqualsIgnoreCase":{"aws:PrincipalOrgID":"O-A1B2C3D4E5"}}"#),
                false,
                &[],
                &[],
            ),
            (
                "org id, StringLike without wildcard",
                star(r#"{"StringLike":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#),
                false,
                &[],
                &[],
            ),
            // Absent key ⇒ IfExists is true: principals outside any organization get in.
            (
                "org id, IfExists",
                star(r#"{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "account, IfExists",
                star(r#"{"StringEqualsIfExists":{"aws:PrincipalAccount":"999988887777"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "org id, StringLike o-*",
                star(r#"{"StringLike":{"aws:PrincipalOrgID":"o-*"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "org id, StringLike ?",
                star(r#"{"StringLike":{"aws:PrincipalOrgID":"o-a1b2c3d4e?"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "org id, wildcard under StringEquals",
                star(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-*"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "org id, one wildcard among values",
                star(r#"{"StringLike":{"aws:PrincipalOrgID":["o-a1b2c3d4e5","*"]}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "org id, policy variable",
                star(r#"{"StringEquals":{"aws:PrincipalOrgID":"${aws:PrincipalOrgID}"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "org id, empty list",
                star(r#"{"StringEquals":{"aws:PrincipalOrgID":[]}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "org id, not a string",
                star(r#"{"StringEquals":{"aws:PrincipalOrgID":true}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "negative operator",
                star(r#"{"StringNotEquals":{"aws:PrincipalAccount":"999988887777"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "Null operator",
                star(r#"{"Null":{"aws:PrincipalOrgID":"false"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "operator in the wrong case",
                star(r#"{"stringequals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "unknown operator",
                star(r#"{"StringMatches":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "unknown set qualifier",
                star(r#"{"ForEachValue:StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#),
                true,
                &[],
                &["*"],
            ),
            // ForAllValues is true for an absent key; ForAnyValue is false.
            (
                "ForAllValues org paths",
                star(r#"{"ForAllValues:StringLike":{"aws:PrincipalOrgPaths":"o-a1b2c3d4e5/*"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "ForAnyValue org paths",
                star(
                    r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-a1b2c3d4e5/r-ab12/*"}}"#,
                ),
                false,
                &[],
                &[],
            ),
            (
                "org paths, wildcard org",
                star(r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-*/r-ab12/*"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "non-narrowing key",
                star(r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "principal account",
                star(
                    r#"{"StringEquals":{"aws:PrincipalAccount":["999988887777","111122223333"]}}"#,
                ),
                false,
                &[OTHER],
                &[OTHER],
            ),
            (
                "source account",
                star(r#"{"StringEquals":{"aws:SourceAccount":"999988887777"}}"#),
                false,
                &[OTHER],
                &[OTHER],
            ),
            (
                "account wildcard",
                star(r#"{"StringLike":{"aws:PrincipalAccount":"9999888877*"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "account, star under StringEquals",
                star(r#"{"StringEquals":{"aws:PrincipalAccount":"*"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "principal ARN",
                star(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::999988887777:role/*"}}"#),
                false,
                &[OTHER],
                &[OTHER],
            ),
            (
                "principal ARN, StringEquals",
                star(
                    r#"{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ci"}}"#,
                ),
                false,
                &[],
                &[],
            ),
            (
                "principal ARN, wildcard account",
                star(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ci"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "principal ARN, wildcard before the account",
                star(r#"{"StringLike":{"aws:PrincipalArn":"arn:*:999988887777:role/ci"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "principal ARN, IfExists",
                star(r#"{"ArnLikeIfExists":{"aws:PrincipalArn":"arn:aws:iam::111122223333:*"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "ARN operator on an account key",
                star(r#"{"ArnEquals":{"aws:PrincipalAccount":"111122223333"}}"#),
                true,
                &[],
                &["*"],
            ),
            (
                "one narrowing key among others",
                star(
                    r#"{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-x"},"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
                ),
                false,
                &[],
                &[],
            ),
        ];
        check(cases);
    }

    /// Only Allow grants; Deny never widens; an Allow is never dropped for what caguard cannot
    /// read (that is an error instead, see `unreadable_documents`).
    #[test]
    fn effects_actions_and_resources() {
        let cases: Vec<Case> = vec![
            (
                "deny is ignored, even when malformed",
                r#"[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"},
                    {"Effect":"Deny","NotPrincipal":{"AWS":"999988887777"},"Action":"*"},
                    {"Effect":"Deny","Principal":{"Weird":1},"NotAction":7}]"#.to_string(),
                false, &[], &[],
            ),
            (
                "deny does not cancel an allow",
                r#"[{"Effect":"Allow","Principal":"*","Action":"codeartifact:*","Resource":"*"},
                    {"Effect":"Deny","Principal":"*","Action":"*","Resource":"*",
                     "Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]"#.to_string(),
                true, &[], &["*"],
            ),
            ("write wildcard", statement(r#"{"AWS":"999988887777"}"#, "codeartifact:Put*", ""), false, &[OTHER], &[OTHER]),
            ("action case", statement(r#"{"AWS":"999988887777"}"#, "CODEARTIFACT:publishPACKAGEversion", ""), false, &[OTHER], &[OTHER]),
            ("read only", statement(r#"{"AWS":"999988887777"}"#, "codeartifact:Get*", ""), false, &[OTHER], &[]),
            (
                "NotAction not excluding writes",
                r#"{"Effect":"Allow","Principal":{"AWS":"999988887777"},"NotAction":"codeartifact:Delete*","Resource":"*"}"#.to_string(),
                false, &[OTHER], &[OTHER],
            ),
            (
                "NotAction excluding every write",
                r#"{"Effect":"Allow","Principal":{"AWS":"999988887777"},"NotAction":["codeartifact:Publish*","codeartifact:Put*"],"Resource":"*"}"#.to_string(),
                false, &[OTHER], &[],
            ),
            (
                "NotResource is still a grant",
                r#"{"Effect":"Allow","Principal":"*","Action":"codeartifact:PublishPackageVersion","NotResource":"arn:aws:codeartifact:*:*:package/*"}"#.to_string(),
                true, &[], &["*"],
            ),
            (
                "Resource limited to some packages is still a grant",
                r#"{"Effect":"Allow","Principal":{"AWS":"999988887777"},"Action":"codeartifact:PublishPackageVersion","Resource":"arn:aws:codeartifact:us-east-1:111122223333:package/d/r/npm/acme/*"}"#.to_string(),
                false, &[OTHER], &[OTHER],
            ),
        ];
        check(cases);
    }

    #[test]
    fn flagged_statements_name_sid_or_position() {
        let facts = run(
            r#"[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:role/ci"},
                 "Action":["codeartifact:Publish*"],"Resource":"*"},
                {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333"]},
                 "Action":"*","Resource":"*"},
                {"Effect":"Allow","Principal":{"AWS":"555566667777"},"Action":"codeartifact:ReadFromRepository","Resource":"*"},
                {"Effect":"Deny","Principal":{"AWS":"222233334444"},"Action":"*","Resource":"*"}]"#,
        );
        assert!(!facts.public_access);
        assert_eq!(facts.untrusted_write_accounts, [OTHER]);
        assert_eq!(facts.untrusted_accounts, ["555566667777", OTHER]);
        assert_eq!(facts.flagged_statements, ["#3", "Partner"]);
    }

    /// What caguard cannot read in an Allow (or in the document) is an error, never a skipped
    /// grant; the error names the statement.
    #[test]
    fn unreadable_documents() {
        let allow = r#""Effect":"Allow","Principal":"*","Action":"*""#;
        let cases: &[(&str, String, &str)] = &[
            ("not JSON", "{not json".to_string(), "policy document is not JSON"),
            ("not an object", "[]".to_string(), "not a JSON object"),
            ("no Statement", r#"{"Version":"2012-10-17"}"#.to_string(), "no Statement"),
            ("Statement a string", r#"{"Statement":"x"}"#.to_string(), "neither an object nor an array"),
            ("unknown document element", r#"{"Statement":[],"statement":[{"Effect":"Allow"}]}"#.to_string(), "unknown element \"statement\""),
            ("statement not an object", r#"{"Statement":[1]}"#.to_string(), "statement 1 is not an object"),
            (
                "duplicate Effect",
                r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Effect":"Allow"}]}"#.to_string(),
                "duplicate key \"Effect\"",
            ),
            (
                "misspelt element beside the real one",
                r#"{"Statement":[{"Effect":"Deny","effect":"Allow","Principal":"*","Action":"*"}]}"#.to_string(),
                "statement 1: unknown element \"effect\"",
            ),
            ("lower-case effect", r#"{"Statement":{"Effect":"allow","Principal":"*","Action":"*"}}"#.to_string(), "Effect is \"allow\""),
            ("no Effect", r#"{"Statement":{"Principal":"*","Action":"*"}}"#.to_string(), "no Effect"),
            ("no Principal", r#"{"Statement":{"Effect":"Allow","Action":"*"}}"#.to_string(), "no Principal"),
            (
                "Principal and NotPrincipal",
                format!(r#"{{"Statement":{{{allow},"NotPrincipal":"*"}}}}"#),
                "both Principal and NotPrincipal",
            ),
            ("string principal", r#"{"Statement":{"Effect":"Allow","Principal":"999988887777","Action":"*"}}"#.to_string(), "a string Principal must be"),
            ("unknown principal type", r#"{"Statement":{"Effect":"Allow","Principal":{"aws":"*"},"Action":"*"}}"#.to_string(), "unknown principal type \"aws\""),
            (
                "wildcard account in a principal",
                r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"*"}}"#.to_string(),
                "AWS principal \"arn:aws:iam::*:root\"",
            ),
            ("principal not a string", r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":[12]},"Action":"*"}}"#.to_string(), "Principal holds a value that is not a string"),
            ("no Action", r#"{"Statement":{"Effect":"Allow","Principal":"*"}}"#.to_string(), "no Action or NotAction"),
            ("Action and NotAction", format!(r#"{{"Statement":{{{allow},"NotAction":"x"}}}}"#), "both Action and NotAction"),
            ("action not a string", r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":["codeartifact:Read*",{"a":1}]}}"#.to_string(), "Action holds a value that is not a string"),
            ("Condition not an object", format!(r#"{{"Statement":{{{allow},"Condition":[]}}}}"#), "Condition is not an object"),
            (
                "condition block not an object",
                format!(r#"{{"Statement":{{{allow},"Condition":{{"StringEquals":"o-a1b2c3d4e5"}}}}}}"#),
                "condition operator \"StringEquals\" does not map",
            ),
            (
                "sid named, control characters escaped",
                r#"{"Statement":[{"Sid":"A\nB","Effect":"Allow","Principal":"*"}]}"#.to_string(),
                "statement 1 (Sid \"A\\nB\"): no Action",
            ),
        ];
        for (name, document, expected) in cases {
            let facts = analyse_document(document, OWNER, &[]);
            let error = facts.error.as_deref().unwrap_or_default();
            assert!(error.contains(expected), "{name}: {error}");
            assert!(!error.contains('\n'), "{name}: one line: {error}");
            assert!(facts.present && !facts.public_access, "{name}");
            assert!(facts.untrusted_accounts.is_empty() && facts.flagged_statements.is_empty());
        }
    }

    #[test]
    fn long_input_is_cut_in_messages() {
        let kind = "x".repeat(500);
        let document = format!(
            r#"{{"Statement":{{"Effect":"Allow","Principal":{{"{kind}":"*"}},"Action":"*"}}}}"#
        );
        let error = analyse_document(&document, OWNER, &[])
            .error
            .unwrap_or_default();
        assert!(error.len() < 200 && error.contains('…'), "{error}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let document = format!(
            r#"{{"Statement":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let error = analyse_document(&document, OWNER, &[])
            .error
            .unwrap_or_default();
        assert!(error.contains("recursion limit"), "{error}");
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
