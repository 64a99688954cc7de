//! One package re-checked: the cached context with the package's fresh records spliced in,
//! evaluated by the same pipeline as a full scan ([`crate::app::scan`]), and the findings
//! narrowed to what the package touches.
//!
//! Splicing instead of evaluating a small inventory of its own keeps "same rules as a full
//! scan" true by construction: facts that read other packages (look-alike names, internal
//! names elsewhere in the domain) and repository-level facts see exactly what a full scan of
//! the context plus this package's current state would see.

use super::TargetKey;
use crate::app::AppError;
use crate::config::{Config, Date};
use crate::facts::groups::GroupTree;
use crate::facts::upstream::UpstreamGraph;
use crate::finding::Finding;
use crate::inventory::{CollectionError, DomainEntry, Inventory, PackageEntry, PackageFormat};
use crate::report::ScanResult;
use crate::rules::RuleSet;
use std::collections::{BTreeMap, BTreeSet};

/// The repositories one event concerns, computed from the topology.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reach {
    /// Repositories whose upstream closure includes the event's repository (itself first, then
    /// in inventory order): the package's facts there may have changed.
    pub affected: Vec<String>,
    /// Every repository in the closure of an affected one, affected ones first: the package
    /// facts of an affected repository read the package's record in each of them.
    pub read: Vec<String>,
}

/// The domain entry an event names, by name and owner (an entry without an owner matches any).
pub fn find_domain<'a>(inventory: &'a Inventory, key: &TargetKey) -> Option<&'a DomainEntry> {
    inventory
        .domains
        .iter()
        .find(|entry| domain_matches(entry, key))
}

fn domain_matches(entry: &DomainEntry, key: &TargetKey) -> bool {
    entry.domain.name.as_deref() == Some(key.domain.as_str())
        && entry
            .domain
            .owner
            .as_deref()
            .is_none_or(|owner| owner == key.domain_owner)
}

/// Which repositories to read for an event in `repository`; `None` when the domain has no such
/// repository (the topology is stale or the event is for another domain).
pub fn reach(domain: &DomainEntry, repository: &str) -> Option<Reach> {
    let graph = UpstreamGraph::build(domain);
    let names: Vec<&str> = domain
        .repositories
        .iter()
        .map(|entry| entry.repository.name.as_deref().unwrap_or(""))
        .collect();
    let event_index = names.iter().position(|name| *name == repository)?;
    let mut affected = vec![event_index];
    for index in 0..names.len() {
        if index != event_index
            && graph
                .closure(index)
                .iter()
                .any(|reached| reached.repository == event_index)
        {
            affected.push(index);
        }
    }
    let mut read: Vec<usize> = affected.clone();
    for &index in &affected {
        for reached in graph.closure(index) {
            if !read.contains(&reached.repository) {
                read.push(reached.repository);
            }
        }
    }
    let named = |indexes: Vec<usize>| {
        indexes
            .into_iter()
            .filter_map(|index| names.get(index).map(|name| name.to_string()))
            .collect()
    };
    Some(Reach {
        affected: named(affected),
        read: named(read),
    })
}

/// What the targeted collection read for one package.
#[derive(Debug, Clone, Default)]
pub struct PackageRead {
    /// Per repository read: the package's record with its versions, or `None` when the
    /// repository has no record of the package (DescribePackage answered 404).
    pub records: BTreeMap<String, Option<PackageEntry>>,
    /// Calls that failed for good; a version still not listed after the retry bound is one
    /// of these (code [`PENDING`]).
    pub errors: Vec<CollectionError>,
    /// Versions an event says exist but the list API did not show within the bound.
    pub pending: Vec<String>,
}

/// The error code of a version not yet listed after the retry bound: the scan is incomplete
/// (exit 3) rather than clean, because the version's origin is still unknown.
pub const PENDING: &str = "PendingVersion";

pub fn is_package(entry: &PackageEntry, format: &str, namespace: Option<&str>, name: &str) -> bool {
    entry.package.format.as_ref().map(PackageFormat::as_str) == Some(format)
        && entry.package.namespace.as_deref().filter(|n| !n.is_empty()) == namespace
        && entry.package.package.as_deref() == Some(name)
}

/// The context with the package's records replaced by what was read; repositories not read
/// keep their cached records.
pub fn splice(context: &Inventory, key: &TargetKey, read: &PackageRead) -> Inventory {
    let mut inventory = context.clone();
    splice_into(&mut inventory, key, read);
    inventory
}

/// [`splice`] in place.
pub fn splice_into(inventory: &mut Inventory, key: &TargetKey, read: &PackageRead) {
    let namespace = key.namespace.as_deref();
    if let Some(domain) = inventory
        .domains
        .iter_mut()
        .find(|entry| domain_matches(entry, key))
    {
        for repository in &mut domain.repositories {
            let Some(name) = repository.repository.name.as_deref() else {
                continue;
            };
            let Some(fresh) = read.records.get(name) else {
                continue;
            };
            repository
                .packages
                .retain(|entry| !is_package(entry, &key.format, namespace, &key.package));
            if let Some(entry) = fresh {
                repository.packages.push(entry.clone());
            }
        }
    }
    inventory.errors.extend(read.errors.iter().cloned());
}

/// What a finding or an error must be about to belong to an event's result.
struct Relevance {
    domain: String,
    affected: BTreeSet<String>,
    read: BTreeSet<String>,
    key: TargetKey,
    group_pattern: Option<String>,
    region: String,
}

impl Relevance {
    fn finding(&self, finding: &Finding) -> bool {
        let resource = &finding.resource;
        if resource.domain.as_deref() != Some(self.domain.as_str()) {
            return false;
        }
        let in_affected = resource
            .repository
            .as_ref()
            .is_some_and(|repository| self.affected.contains(repository));
        match resource.kind.as_str() {
            "package" => {
                in_affected
                    && resource.format.as_deref() == Some(self.key.format.as_str())
                    && resource.namespace.as_deref().filter(|n| !n.is_empty())
                        == self.key.namespace.as_deref()
                    && resource.name.as_deref() == Some(self.key.package.as_str())
            }
            "repository" => in_affected,
            "package-group" => {
                self.group_pattern.is_some() && resource.pattern == self.group_pattern
            }
            _ => false,
        }
    }

    /// Failures about the domain, the repositories read, the package there, or a group.
    fn error(&self, error: &CollectionError) -> bool {
        let owner = &self.key.domain_owner;
        let prefix = format!("arn:aws:codeartifact:{}:{owner}:", self.region);
        let Some(resource) = error.resource.strip_prefix(&prefix) else {
            return false;
        };
        if resource == format!("domain/{}", self.domain)
            || resource.starts_with(&format!("package-group/{}/", self.domain))
        {
            return true;
        }
        let namespace = self.key.namespace.as_deref().unwrap_or("");
        self.read.iter().any(|repository| {
            resource == format!("repository/{}/{repository}", self.domain)
                || resource
                    == format!(
                        "package/{}/{repository}/{}/{namespace}/{}",
                        self.domain, self.key.format, self.key.package
                    )
        })
    }
}

/// One package to re-check, with what was read for it.
pub struct Checked<'a> {
    pub key: &'a TargetKey,
    pub reach: &'a Reach,
    pub read: &'a PackageRead,
}

/// Re-checks one package: splices `read` into `context`, runs the full pipeline, and keeps
/// the findings on the package in the affected repositories, on those repositories, and on
/// the package's group, with the failures that concern them.
#[allow(clippy::too_many_arguments)]
pub fn scan_target(
    context: &Inventory,
    key: &TargetKey,
    reach: &Reach,
    read: &PackageRead,
    config: &Config,
    rules: &RuleSet,
    baseline: Option<&BTreeSet<String>>,
    today: Date,
) -> Result<ScanResult, AppError> {
    let checked = [Checked { key, reach, read }];
    let mut results = scan_targets(context, &checked, config, rules, baseline, today)?;
    Ok(results.remove(0))
}

/// [`scan_target`] for several packages at once: every read is spliced into one copy of the
/// context and the pipeline runs once, so a batch costs one evaluation, not one per package.
/// Each package's records are fresh either way, so the findings are those of separate runs.
pub fn scan_targets(
    context: &Inventory,
    checked: &[Checked<'_>],
    config: &Config,
    rules: &RuleSet,
    baseline: Option<&BTreeSet<String>>,
    today: Date,
) -> Result<Vec<ScanResult>, AppError> {
    let mut inventory = context.clone();
    for target in checked {
        splice_into(&mut inventory, target.key, target.read);
    }
    let whole = crate::app::scan(&inventory, None, config, rules, baseline, today)?;
    let region = inventory.region.clone().unwrap_or_default();
    // One group tree per domain, not per package.
    let mut trees: BTreeMap<(String, String), GroupTree> = BTreeMap::new();
    Ok(checked
        .iter()
        .map(|target| {
            let key = target.key;
            let tree_key = (key.domain_owner.clone(), key.domain.clone());
            if !trees.contains_key(&tree_key) {
                if let Some(domain) = find_domain(&inventory, key) {
                    trees.insert(tree_key.clone(), GroupTree::build(domain));
                }
            }
            let group_pattern = trees.get(&tree_key).map(|tree| {
                let association = tree.associate(
                    &PackageFormat::from(key.format.as_str()),
                    key.namespace.as_deref(),
                    &key.package,
                );
                tree.association_pattern(association).to_string()
            });
            let relevance = Relevance {
                domain: key.domain.clone(),
                affected: target.reach.affected.iter().cloned().collect(),
                read: target.reach.read.iter().cloned().collect(),
                key: key.clone(),
                group_pattern,
                region: region.clone(),
            };
            let mut source = whole.source.clone();
            source.domains.retain(|name| *name == key.domain);
            ScanResult {
                source,
                // Only what concerns this package is copied: a batch's whole result is large.
                findings: whole
                    .findings
                    .iter()
                    .filter(|finding| relevance.finding(finding))
                    .cloned()
                    .collect(),
                collection_errors: whole
                    .collection_errors
                    .iter()
                    .filter(|error| relevance.error(error))
                    .cloned()
                    .collect(),
                warnings: whole.warnings.clone(),
                // A suppression for another package did not get a chance to match: not
                // "unused" here.
                suppressions: whole
                    .suppressions
                    .iter()
                    .filter(|entry| entry.matched > 0)
                    .cloned()
                    .collect(),
            }
        })
        .collect())
}

/// One result for several packages: findings and failures together, each once, in the order
/// a full scan reports them.
pub fn combine(results: Vec<ScanResult>, empty: ScanResult) -> ScanResult {
    let mut combined = empty;
    let mut seen_findings = BTreeSet::new();
    let mut seen_errors = BTreeSet::new();
    let mut seen_suppressions = BTreeSet::new();
    for result in results {
        for domain in result.source.domains {
            if !combined.source.domains.contains(&domain) {
                combined.source.domains.push(domain);
            }
        }
        for account in result.source.accounts {
            if !combined.source.accounts.contains(&account) {
                combined.source.accounts.push(account);
            }
        }
        if combined.source.region.is_none() {
            combined.source.region = result.source.region;
        }
        for finding in result.findings {
            if seen_findings.insert(finding.fingerprint.clone()) {
                combined.findings.push(finding);
            }
        }
        for error in result.collection_errors {
            if seen_errors.insert(error.clone()) {
                combined.collection_errors.push(error);
            }
        }
        for warning in result.warnings {
            if !combined.warnings.contains(&warning) {
                combined.warnings.push(warning);
            }
        }
        for entry in result.suppressions {
            if seen_suppressions.insert((entry.rule.clone(), entry.resource.clone())) {
                combined.suppressions.push(entry);
            }
        }
    }
    combined
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    combined.collection_errors.sort();
    combined.source.domains.sort();
    combined.source.accounts.sort();
    combined
}
