//! Safety computed from the facts: a fix is `unsafe` when it would stop a flow that exists
//! today, whatever the rule declares.
//!
//! - A package-level `upstream=BLOCK` in a repository whose upstreams hold INTERNAL versions
//!   of the package: the block also stops those versions (package `upstream` governs internal
//!   upstreams and external connections alike,
//!   <https://docs.aws.amazon.com/codeartifact/latest/ug/package-origin-controls.html>).
//! - A package-group restriction whose pattern covers packages that already take EXTERNAL
//!   versions: their next public release stops arriving.
//! - Any change to the root group `/*`: it governs every package nothing else matches.

use crate::facts::model::PackageFacts;
use crate::facts::pattern::{GroupPattern, MatchStrength};
use crate::facts::Facts;
use crate::finding::{Finding, FixCall, Safety};
use crate::inventory::PackageFormat;
use std::collections::HashMap;

/// (domain, repository, format, namespace, name).
type Key<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

/// Lookups over the facts, built once per scan.
pub struct Index<'a> {
    packages: HashMap<Key<'a>, &'a PackageFacts>,
    search_order: HashMap<(&'a str, &'a str), &'a [String]>,
    external_by_domain: HashMap<&'a str, Vec<&'a PackageFacts>>,
}

impl<'a> Index<'a> {
    pub fn new(facts: &'a Facts) -> Index<'a> {
        let mut index = Index {
            packages: HashMap::new(),
            search_order: HashMap::new(),
            external_by_domain: HashMap::new(),
        };
        for package in &facts.packages {
            index.packages.insert(
                (
                    package.domain.as_str(),
                    package.repository.as_str(),
                    package.format.as_str(),
                    package.namespace.as_deref().unwrap_or(""),
                    package.name.as_str(),
                ),
                package,
            );
            if package.versions.external > 0 {
                index
                    .external_by_domain
                    .entry(package.domain.as_str())
                    .or_default()
                    .push(package);
            }
        }
        for repository in &facts.repositories {
            index.search_order.insert(
                (repository.domain.as_str(), repository.name.as_str()),
                repository.search_order.as_slice(),
            );
        }
        index
    }

    /// Why `call` would stop a flow that exists today, or `None` when it would not.
    pub fn risk(&self, call: &FixCall) -> Option<String> {
        let text = |key: &str| call.parameters.get(key).and_then(|v| v.as_str());
        let domain = text("domain")?;
        match call.operation.as_str() {
            "PutPackageOriginConfiguration" => {
                let upstream = call
                    .parameters
                    .get("restrictions")
                    .and_then(|r| r.get("upstream"))
                    .and_then(|v| v.as_str());
                if upstream != Some("BLOCK") {
                    return None;
                }
                let repository = text("repository")?;
                let format = text("format")?;
                let namespace = text("namespace").unwrap_or("");
                let name = text("package")?;
                let here = self
                    .packages
                    .get(&(domain, repository, format, namespace, name));
                if here.is_some_and(|p| p.origin.upstream == "BLOCK") {
                    // Already blocked: nothing flows today that the call could stop.
                    return None;
                }
                let order = self.search_order.get(&(domain, repository))?;
                order
                    .iter()
                    .filter(|upstream| upstream.as_str() != repository)
                    .find(|upstream| {
                        self.packages
                            .get(&(domain, upstream.as_str(), format, namespace, name))
                            .is_some_and(|p| p.versions.internal > 0)
                    })
                    .map(|upstream| {
                        format!(
                            "upstream=BLOCK in {repository} also stops the INTERNAL versions of {name} it receives from {upstream}"
                        )
                    })
            }
            "UpdatePackageGroupOriginConfiguration" | "CreatePackageGroup" => {
                let pattern = text("packageGroup")?;
                let Ok(parsed) = GroupPattern::parse(pattern) else {
                    return Some(format!(
                        "{pattern} is not a package group pattern caguard can read"
                    ));
                };
                if parsed.is_root() {
                    return Some("it changes the root group /*, which governs every package no other group matches".to_string());
                }
                let covered = self
                    .external_by_domain
                    .get(domain)
                    .into_iter()
                    .flatten()
                    .filter(|p| {
                        parsed.match_package(
                            &PackageFormat::from(p.format.as_str()),
                            p.namespace.as_deref(),
                            &p.name,
                        ) == Some(MatchStrength::Strong)
                    })
                    .collect::<Vec<_>>();
                let first = covered.first()?;
                Some(format!(
                    "{pattern} covers {} package record(s) that already take EXTERNAL versions (e.g. {} in {})",
                    covered.len(),
                    first.display,
                    first.repository
                ))
            }
            _ => None,
        }
    }
}

/// Marks every planned fix that would stop an existing flow `unsafe`, so reports, SARIF and
/// plans all show the computed safety.
pub fn refine(findings: &mut [Finding], facts: &Facts) {
    if findings.iter().all(|f| f.fix.is_none()) {
        return;
    }
    let index = Index::new(facts);
    for finding in findings.iter_mut() {
        let Some(fix) = finding.fix.as_mut() else {
            continue;
        };
        if fix.calls.iter().any(|call| index.risk(call).is_some()) {
            fix.safety = Safety::Unsafe;
        }
    }
}
