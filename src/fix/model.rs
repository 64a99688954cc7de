//! The plan file (`plan.json`, format v1): what `--fix` will change, as data a person can
//! review and `caguard fix apply` can apply later. Documented by `schemas/plan-v1.schema.json`,
//! generated from these types.

use crate::finding::Safety;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The plan format version this build writes and reads.
pub const PLAN_VERSION: u32 = 1;

/// Which actions are applied: `safe` holds unsafe ones back, `all` applies them too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Safe,
    All,
}

impl Mode {
    pub fn admits(self, safety: Safety) -> bool {
        self == Mode::All || safety == Safety::Safe
    }
}

/// A reviewed set of changes to one account and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    /// Always 1 for this format.
    pub plan_version: u32,
    /// `safe`: `fix apply` applies only safe actions; `all`: unsafe ones too.
    pub mode: Mode,
    /// The region the plan was made for (from the inventory), or null.
    pub region: Option<String>,
    /// One action per resource, in a stable order (packages, then groups, by ARN).
    pub actions: Vec<Action>,
}

/// The change to one resource: what it must be now, what it becomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Action {
    pub target: Target,
    /// The state the plan was made from. Applying re-reads it first: a different live state
    /// makes the action stale, and it is skipped.
    pub before: State,
    /// The state the action leaves. It never loosens `before`.
    pub after: State,
    /// `unsafe` when the change stops a flow that exists today (see README, "Fixing findings").
    pub safety: Safety,
    /// Why the action is unsafe, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_reason: Option<String>,
    /// The findings this action closes.
    pub findings: Vec<ClosedFinding>,
}

/// A finding an action closes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClosedFinding {
    pub fingerprint: String,
    pub rule_id: String,
    /// The finding's resource ARN (not necessarily the action's target).
    pub resource: String,
}

/// What an action changes.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Target {
    /// The package-level origin configuration of a package in one repository.
    #[serde(rename = "package", rename_all = "camelCase")]
    Package {
        domain_owner: String,
        domain: String,
        repository: String,
        format: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        name: String,
    },
    /// The origin configuration of a package group.
    #[serde(rename = "package-group", rename_all = "camelCase")]
    PackageGroup {
        domain_owner: String,
        domain: String,
        pattern: String,
    },
}

impl Target {
    /// The resource's ARN in `region`: the action's identity in plans and journals.
    pub fn arn(&self, region: &str) -> String {
        match self {
            Target::Package {
                domain_owner,
                domain,
                repository,
                format,
                namespace,
                name,
            } => crate::arn::package(
                region,
                domain_owner,
                domain,
                repository,
                format,
                namespace.as_deref(),
                name,
            ),
            Target::PackageGroup {
                domain_owner,
                domain,
                pattern,
            } => crate::arn::package_group(region, domain_owner, domain, pattern),
        }
    }

    /// How people read it: `package acme/npm-store npm @acme/ui`, `package group acme /npm/*`.
    pub fn describe(&self) -> String {
        match self {
            Target::Package {
                domain,
                repository,
                format,
                namespace,
                name,
                ..
            } => {
                let shown = match (format.as_str(), namespace) {
                    ("npm", Some(scope)) => format!("@{scope}/{name}"),
                    ("maven", Some(group)) => format!("{group}:{name}"),
                    (_, Some(namespace)) => format!("{namespace}/{name}"),
                    (_, None) => name.clone(),
                };
                format!("package {domain}/{repository} {format} {shown}")
            }
            Target::PackageGroup {
                domain, pattern, ..
            } => format!("package group {domain} {pattern}"),
        }
    }

    pub fn is_group(&self) -> bool {
        matches!(self, Target::PackageGroup { .. })
    }
}

/// A resource's origin settings. For a package the keys are `publish` and `upstream`
/// (`ALLOW` | `BLOCK`); for a group `PUBLISH`, `EXTERNAL_UPSTREAM` and `INTERNAL_UPSTREAM`
/// (`ALLOW` | `BLOCK` | `ALLOW_SPECIFIC_REPOSITORIES` | `INHERIT`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct State {
    /// Whether the package record or the group exists. A package record created by a fix has
    /// no versions ("version-less"); undo removes it only while it still has none.
    pub exists: bool,
    /// Mode per restriction; empty when the resource does not exist.
    #[serde(default)]
    pub restrictions: BTreeMap<String, String>,
}

impl State {
    pub fn absent() -> State {
        State::default()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.restrictions.get(key).map(String::as_str)
    }

    /// `publish=BLOCK upstream=BLOCK`.
    pub fn render(&self) -> String {
        self.restrictions
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub const ALLOW: &str = "ALLOW";
pub const BLOCK: &str = "BLOCK";
pub const INHERIT: &str = "INHERIT";
pub const SPECIFIC: &str = "ALLOW_SPECIFIC_REPOSITORIES";
pub const PACKAGE_KEYS: [&str; 2] = ["publish", "upstream"];
pub const GROUP_KEYS: [&str; 3] = ["EXTERNAL_UPSTREAM", "INTERNAL_UPSTREAM", "PUBLISH"];

/// How tight a mode is: ALLOW < ALLOW_SPECIFIC_REPOSITORIES < BLOCK. INHERIT has no rank of its
/// own (it is whatever the parent says).
fn rank(mode: &str) -> Option<u8> {
    match mode {
        ALLOW => Some(0),
        SPECIFIC => Some(1),
        BLOCK => Some(2),
        _ => None,
    }
}

/// Why going from `before` to `after` would loosen something, or `None` when it does not.
///
/// A package without a record is restricted by nothing at the package level, so any record
/// tightens it; a group that does not exist lets its packages inherit, like a group whose
/// modes are all INHERIT. A mode may stay, become BLOCK, or become
/// ALLOW_SPECIFIC_REPOSITORIES from ALLOW; nothing else is a tightening. Removing a record or
/// a group is never one.
pub fn loosening(target: &Target, before: &State, after: &State) -> Option<String> {
    if before.exists && !after.exists {
        return Some("it would delete the resource".to_string());
    }
    let (keys, missing): (&[&str], &str) = if target.is_group() {
        (&GROUP_KEYS, INHERIT)
    } else {
        (&PACKAGE_KEYS, ALLOW)
    };
    for key in after.restrictions.keys() {
        if !keys.contains(&key.as_str()) {
            return Some(format!("`{key}` is not a restriction of this resource"));
        }
    }
    for key in keys {
        let was = if before.exists {
            before.get(key).unwrap_or(missing)
        } else {
            missing
        };
        let Some(becomes) = after.get(key) else {
            if target.is_group() || !after.exists {
                continue;
            }
            return Some(format!("`{key}` is missing from the new state"));
        };
        if was == becomes {
            continue;
        }
        let tightens = match (rank(was), rank(becomes)) {
            (Some(was), Some(becomes)) => becomes > was,
            // INHERIT → BLOCK is tight whatever the parent says; INHERIT → anything else
            // might open what the parent closes.
            (None, Some(2)) => was == INHERIT,
            _ => false,
        };
        if !tightens {
            return Some(format!("{key} {was} -> {becomes} is not a tightening"));
        }
    }
    None
}

/// The tighter of two modes for one key (BLOCK wins), for merging actions on one resource.
pub fn tighter<'a>(a: &'a str, b: &'a str) -> &'a str {
    match (rank(a), rank(b)) {
        (Some(x), Some(y)) if y > x => b,
        (None, Some(_)) => b,
        _ => a,
    }
}

/// The plan's JSON Schema (`schemas/plan-v1.schema.json`), generated from these types.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Plan);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
