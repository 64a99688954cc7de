//! Turns a rule's fix specification and a resource's facts into concrete API calls.
//!
//! Plans only ever tighten: a value a plan would loosen (BLOCK → ALLOW) is kept as it is.

use crate::arn;
use crate::facts::model::{GroupFacts, PackageFacts};
use crate::finding::{FixCall, PlannedFix, Safety};
use crate::rules::{FixSpec, FixTarget, OriginValue};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const ALLOW: &str = "ALLOW";
const BLOCK: &str = "BLOCK";

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

fn put_package_origin(
    package: &PackageFacts,
    repository: &str,
    publish: &str,
    upstream: &str,
) -> FixCall {
    let (region, account, _) = arn::split(&package.arn).unwrap_or(("", "", ""));
    let mut parameters = BTreeMap::new();
    parameters.insert("domain".to_string(), json!(package.domain));
    parameters.insert("domainOwner".to_string(), json!(account));
    parameters.insert("repository".to_string(), json!(repository));
    parameters.insert("format".to_string(), json!(package.format));
    if let Some(namespace) = &package.namespace {
        parameters.insert("namespace".to_string(), json!(namespace));
    }
    parameters.insert("package".to_string(), json!(package.name));
    parameters.insert(
        "restrictions".to_string(),
        json!({"publish": publish, "upstream": upstream}),
    );
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
            for path in &package.exposure {
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
        let mut parameters = BTreeMap::new();
        parameters.insert("domain".to_string(), json!(group.domain));
        parameters.insert("domainOwner".to_string(), json!(account));
        parameters.insert("packageGroup".to_string(), json!(group.pattern));
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
    update
        .parameters
        .insert("restrictions".to_string(), restrictions);
    calls.push(update);
    Some(PlannedFix {
        safety: *safety,
        description,
        calls,
    })
}
