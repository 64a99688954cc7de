//! Turns a rule's fix specification and a resource's facts into concrete API calls.
//!
//! Plans only ever tighten: a value a plan would loosen (BLOCK → ALLOW) is kept as it is.

use super::model::{
    loosening, tighter, Action, ClosedFinding, Mode, Plan, State, Target, ALLOW, BLOCK, GROUP_KEYS,
    INHERIT, PLAN_VERSION,
};
use super::safety;
use crate::arn;
use crate::facts::model::{GroupFacts, PackageFacts};
use crate::facts::Facts;
use crate::finding::{EvidenceValue, Finding, FixCall, Parameters, PlannedFix, Safety};
use crate::inventory::Inventory;
use crate::rules::{FixSpec, FixTarget, OriginValue};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The AWS defaults for a package's history, as (publish, upstream): published directly
/// (INTERNAL versions) `ALLOW, BLOCK`; ingested from a public registry (EXTERNAL) `BLOCK, ALLOW`
/// (<https://docs.aws.amazon.com/codeartifact/latest/ug/package-origin-controls.html>).
fn default_for_history(package: &PackageFacts) -> Option<(&'static str, &'static str)> {
    if package.versions.internal > 0 {
        Some((ALLOW, BLOCK))
    } else if package.versions.external > 0 {
        Some((BLOCK, ALLOW))
    } else {
        None
    }
}

/// Resolves a requested value against the current one, never loosening.
fn resolve(requested: OriginValue, current: &str, default: Option<&'static str>) -> String {
    let wanted = match requested {
        OriginValue::Allow => ALLOW,
        OriginValue::Block => BLOCK,
        OriginValue::Keep => current,
        OriginValue::Default => default.unwrap_or(current),
    };
    if current == BLOCK {
        BLOCK.to_string()
    } else {
        wanted.to_string()
    }
}

thread_local! {
    /// Parameter names, shared by every call a thread plans.
    static KEYS: RefCell<HashMap<&'static str, Arc<str>>> = RefCell::new(HashMap::new());
    /// `restrictions` of package calls by (publish, upstream): a handful of distinct values
    /// shared by the calls of many findings.
    static RESTRICTIONS: RefCell<HashMap<(String, String), Arc<Value>>> = RefCell::new(HashMap::new());
}

fn key(name: &'static str) -> Arc<str> {
    KEYS.with(|keys| {
        Arc::clone(
            keys.borrow_mut()
                .entry(name)
                .or_insert_with(|| Arc::from(name)),
        )
    })
}

fn package_restrictions(publish: &str, upstream: &str) -> EvidenceValue {
    RESTRICTIONS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let wanted = (publish.to_string(), upstream.to_string());
        let value = cache
            .entry(wanted)
            .or_insert_with(|| Arc::new(json!({"publish": publish, "upstream": upstream})));
        EvidenceValue::Shared(Arc::clone(value))
    })
}

fn put_package_origin(
    package: &PackageFacts,
    repository: &str,
    publish: &str,
    upstream: &str,
) -> FixCall {
    let (region, account, _) = arn::split(&package.arn).unwrap_or(("", "", ""));
    let mut parameters = Parameters::default();
    parameters.insert(key("domain"), json!(package.domain));
    parameters.insert(key("domainOwner"), json!(account));
    parameters.insert(key("repository"), json!(repository));
    parameters.insert(key("format"), json!(package.format));
    if let Some(namespace) = &package.namespace {
        parameters.insert(key("namespace"), json!(namespace));
    }
    parameters.insert(key("package"), json!(package.name));
    parameters.insert(key("restrictions"), package_restrictions(publish, upstream));
    FixCall {
        operation: "PutPackageOriginConfiguration".to_string(),
        resource: arn::package(
            region,
            account,
            &package.domain,
            repository,
            &package.format,
            package.namespace.as_deref(),
            &package.name,
        ),
        parameters,
    }
}

/// Plans the fix of a package finding.
pub fn plan_package(spec: &FixSpec, package: &PackageFacts) -> Option<PlannedFix> {
    let FixSpec::PackageOrigin {
        target,
        publish,
        upstream,
        safety,
    } = spec
    else {
        return None;
    };
    let default = default_for_history(package);
    let mut calls = Vec::new();
    let mut safety = *safety;
    match target {
        FixTarget::Itself => {
            let publish = resolve(*publish, &package.origin.publish, default.map(|d| d.0));
            let upstream = resolve(*upstream, &package.origin.upstream, default.map(|d| d.1));
            if publish == package.origin.publish
                && upstream == package.origin.upstream
                && package.origin.recorded
            {
                return None;
            }
            calls.push(put_package_origin(
                package,
                &package.repository,
                &publish,
                &upstream,
            ));
        }
        FixTarget::EntryRepositories => {
            let mut done: Vec<&str> = Vec::new();
            for path in package.exposure.iter() {
                let entry = path.entry_repository.as_str();
                if done.contains(&entry) {
                    continue;
                }
                done.push(entry);
                let (current_publish, current_upstream) = if entry == package.repository {
                    (
                        package.origin.publish.as_str(),
                        package.origin.upstream.as_str(),
                    )
                } else {
                    // No record yet: the call creates one, and a name nobody publishes there
                    // should not become publishable as a side effect.
                    (path.entry_publish.as_deref().unwrap_or(BLOCK), ALLOW)
                };
                let publish = resolve(*publish, current_publish, default.map(|d| d.0));
                let upstream = resolve(*upstream, current_upstream, default.map(|d| d.1));
                if path.blocking_cuts_internal_flow && upstream == BLOCK {
                    safety = Safety::Unsafe;
                }
                calls.push(put_package_origin(package, entry, &publish, &upstream));
            }
        }
    }
    if calls.is_empty() {
        return None;
    }
    let description = calls
        .iter()
        .map(|call| {
            let restrictions = call
                .parameters
                .get("restrictions")
                .cloned()
                .unwrap_or(Value::Null);
            format!(
                "set publish={}, upstream={} for {} in repository {}",
                restrictions["publish"].as_str().unwrap_or(""),
                restrictions["upstream"].as_str().unwrap_or(""),
                package.name,
                call.parameters["repository"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Some(PlannedFix {
        safety,
        description,
        calls,
    })
}

/// Plans the fix of a package-group finding: block external ingestion on the exact pattern,
/// creating the group first when it does not exist.
pub fn plan_group(spec: &FixSpec, group: &GroupFacts) -> Option<PlannedFix> {
    let FixSpec::PackageGroupOrigin {
        external_upstream,
        safety,
    } = spec
    else {
        return None;
    };
    let (_, account, _) = arn::split(&group.arn).unwrap_or(("", "", ""));
    let base = |operation: &str| {
        let mut parameters = Parameters::default();
        parameters.insert(key("domain"), json!(group.domain));
        parameters.insert(key("domainOwner"), json!(account));
        parameters.insert(key("packageGroup"), json!(group.pattern));
        FixCall {
            operation: operation.to_string(),
            resource: group.arn.clone(),
            parameters,
        }
    };
    let mut calls = Vec::new();
    let mut restrictions = json!({ "EXTERNAL_UPSTREAM": external_upstream });
    let description;
    if group.exists {
        description = format!(
            "set EXTERNAL_UPSTREAM={external_upstream} on package group {}",
            group.pattern
        );
    } else {
        calls.push(base("CreatePackageGroup"));
        // A new group must not change publishing or internal retention: it inherits them.
        restrictions = json!({
            "EXTERNAL_UPSTREAM": external_upstream,
            "PUBLISH": "INHERIT",
            "INTERNAL_UPSTREAM": "INHERIT",
        });
        description = format!(
            "create package group {} with EXTERNAL_UPSTREAM={external_upstream} (PUBLISH and INTERNAL_UPSTREAM inherited)",
            group.pattern
        );
    }
    let mut update = base("UpdatePackageGroupOriginConfiguration");
    update.parameters.insert(key("restrictions"), restrictions);
    calls.push(update);
    Some(PlannedFix {
        safety: *safety,
        description,
        calls,
    })
}

/// The state of a package record in the inventory: absent, or its origin restrictions (an
/// old record without any behaves as ALLOW/ALLOW).
fn package_state(entry: Option<&crate::inventory::PackageEntry>) -> State {
    let Some(entry) = entry else {
        return State::absent();
    };
    let (publish, upstream) = entry
        .package
        .origin_configuration
        .as_ref()
        .and_then(|c| c.restrictions.as_ref())
        .map_or((ALLOW.to_string(), ALLOW.to_string()), |r| {
            (
                r.publish.as_str().to_string(),
                r.upstream.as_str().to_string(),
            )
        });
    State {
        exists: true,
        restrictions: BTreeMap::from([
            ("publish".to_string(), publish),
            ("upstream".to_string(), upstream),
        ]),
    }
}

/// The state of a package group: absent, or its own modes (a missing mode is INHERIT, or
/// ALLOW on the root, which cannot inherit).
pub fn group_state(group: Option<&crate::inventory::PackageGroupDescription>) -> State {
    let Some(group) = group else {
        return State::absent();
    };
    let root = group.pattern.as_deref() == Some("/*");
    let restrictions = group
        .origin_configuration
        .as_ref()
        .and_then(|c| c.restrictions.as_ref());
    let modes = GROUP_KEYS
        .iter()
        .map(|key| {
            let mode = restrictions
                .and_then(|r| r.get(&crate::inventory::RestrictionType::from(*key)))
                .and_then(|r| r.mode.as_ref())
                .map(|m| m.as_str().to_string())
                .unwrap_or_else(|| if root { ALLOW } else { INHERIT }.to_string());
            (key.to_string(), mode)
        })
        .collect();
    State {
        exists: true,
        restrictions: modes,
    }
}

/// `after` for one requested change on top of `before`, never loosening: a mode already
/// tighter than the request stays; a new resource takes the request as it is.
fn tightened(target: &Target, before: &State, requested: &BTreeMap<String, String>) -> State {
    let mut after = before.clone();
    after.exists = true;
    for (key, wanted) in requested {
        let current = if before.exists { before.get(key) } else { None };
        let value = match current {
            None => wanted.clone(),
            Some(current) if target.is_group() && current == INHERIT && wanted != BLOCK => {
                current.to_string()
            }
            Some(current) => tighter(current, wanted).to_string(),
        };
        after.restrictions.insert(key.clone(), value);
    }
    after
}

fn text_param(call: &FixCall, key: &str) -> Option<String> {
    call.parameters
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The target and the requested restrictions of one planned call; `None` for calls that are
/// part of another (CreatePackageGroup precedes its group's update).
fn call_target(call: &FixCall) -> Option<(Target, BTreeMap<String, String>)> {
    let restrictions: BTreeMap<String, String> = call
        .parameters
        .get("restrictions")
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let target = match call.operation.as_str() {
        "PutPackageOriginConfiguration" => Target::Package {
            domain_owner: text_param(call, "domainOwner")?,
            domain: text_param(call, "domain")?,
            repository: text_param(call, "repository")?,
            format: text_param(call, "format")?,
            namespace: text_param(call, "namespace"),
            name: text_param(call, "package")?,
        },
        "UpdatePackageGroupOriginConfiguration" => Target::PackageGroup {
            domain_owner: text_param(call, "domainOwner")?,
            domain: text_param(call, "domain")?,
            pattern: text_param(call, "packageGroup")?,
        },
        _ => return None,
    };
    Some((target, restrictions))
}

/// Merges the planned fixes of the unsuppressed findings into one action per resource, with
/// the inventory's state as *before*. Suppressed findings are accepted risks: not fixed.
pub fn build(inventory: &Inventory, findings: &[Finding], facts: &Facts, mode: Mode) -> Plan {
    let index = safety::Index::new(facts);
    let mut packages = HashMap::new();
    let mut groups = HashMap::new();
    for domain in &inventory.domains {
        let name = domain.domain.name.as_deref().unwrap_or_default();
        for group in &domain.package_groups {
            if let Some(pattern) = group.group.pattern.as_deref() {
                groups.insert((name, pattern), &group.group);
            }
        }
        for repository in &domain.repositories {
            let repo = repository.repository.name.as_deref().unwrap_or_default();
            for entry in &repository.packages {
                let p = &entry.package;
                packages.insert(
                    (
                        name,
                        repo,
                        p.format.as_ref().map(|f| f.as_str()).unwrap_or_default(),
                        p.namespace.as_deref().unwrap_or_default(),
                        p.package.as_deref().unwrap_or_default(),
                    ),
                    entry,
                );
            }
        }
    }
    let mut actions: BTreeMap<(bool, Target), Action> = BTreeMap::new();
    for finding in findings.iter().filter(|f| f.suppression.is_none()) {
        let Some(fix) = &finding.fix else { continue };
        for call in &fix.calls {
            let Some((target, requested)) = call_target(call) else {
                continue;
            };
            let before = match &target {
                Target::Package {
                    domain,
                    repository,
                    format,
                    namespace,
                    name,
                    ..
                } => package_state(
                    packages
                        .get(&(
                            domain.as_str(),
                            repository.as_str(),
                            format.as_str(),
                            namespace.as_deref().unwrap_or_default(),
                            name.as_str(),
                        ))
                        .copied(),
                ),
                Target::PackageGroup {
                    domain, pattern, ..
                } => group_state(groups.get(&(domain.as_str(), pattern.as_str())).copied()),
            };
            let risk = index.risk(call);
            let safety = if risk.is_some() {
                Safety::Unsafe
            } else {
                fix.safety
            };
            let closed = ClosedFinding {
                fingerprint: finding.fingerprint.clone(),
                rule_id: finding.rule_id.clone(),
                resource: finding.resource.arn.clone(),
            };
            let action = actions
                .entry((target.is_group(), target.clone()))
                .or_insert_with(|| Action {
                    after: before.clone(),
                    before,
                    target: target.clone(),
                    safety: Safety::Safe,
                    safety_reason: None,
                    findings: Vec::new(),
                });
            // Merging: each request tightens what the earlier ones left.
            action.after = tightened(&target, &action.after, &requested);
            if safety == Safety::Unsafe {
                action.safety = Safety::Unsafe;
                if action.safety_reason.is_none() {
                    action.safety_reason = Some(
                        risk.unwrap_or_else(|| "the rule declares this fix unsafe".to_string()),
                    );
                }
            }
            if !action.findings.contains(&closed) {
                action.findings.push(closed);
            }
        }
    }
    let actions = actions
        .into_values()
        .filter(|action| loosening(&action.target, &action.before, &action.after).is_none())
        .map(|mut action| {
            action.findings.sort();
            action
        })
        .collect();
    Plan {
        plan_version: PLAN_VERSION,
        mode,
        region: inventory.region.clone(),
        actions,
    }
}
