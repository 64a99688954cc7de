//! Derives the facts of every resource of an inventory.

use crate::arn;
use crate::facts::groups::{Association, GroupTree};
use crate::facts::model::*;
use crate::facts::names::{fold_lookalike, normalize_name};
use crate::facts::pattern::{GroupPattern, MatchStrength};
use crate::facts::policy;
use crate::facts::upstream::UpstreamGraph;
use crate::facts::version;
use crate::inventory::{
    AllowMode, CollectionError, DomainEntry, GroupMode, Inventory, OriginType, PackageEntry,
    PackageFormat, RestrictionType,
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::sync::{Mutex, OnceLock};

/// User configuration the facts depend on.
#[derive(Debug, Clone, Default)]
pub struct FactsConfig {
    /// Package-group patterns naming the organisation's internal namespaces.
    pub internal_patterns: Vec<GroupPattern>,
    /// Accounts besides the domain owner that may be granted access.
    pub trusted_accounts: Vec<String>,
}

/// The facts of every resource, per scope, in inventory order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facts {
    pub domains: Vec<DomainFacts>,
    pub repositories: Vec<RepositoryFacts>,
    pub package_groups: Vec<GroupFacts>,
    pub packages: Vec<PackageFacts>,
    pub versions: Vec<VersionFacts>,
    /// Inventory problems found while deriving (stored values that disagree, bad patterns, ...).
    pub warnings: Vec<String>,
    /// Resources whose data was collected but cannot be judged: a resource policy whose document
    /// caguard cannot read. A scan counts them as failed reads (see `app::scan`), so the result
    /// is incomplete instead of silently clean.
    pub unjudged: Vec<CollectionError>,
}

/// `CollectionError.code` of a resource policy whose document caguard cannot read.
pub const UNREADABLE_POLICY_CODE: &str = "UnreadablePolicyDocument";

/// Derives all facts. Never fails: problems in the data become warnings or facts.
pub fn derive(inventory: &Inventory, config: &FactsConfig) -> Facts {
    derive_scopes(inventory, config, true)
}

/// [`derive`], with the version facts only when `versions` (a scan whose enabled rules have no
/// version scope leaves `Facts::versions` empty: they are most of the facts of an inventory).
pub fn derive_scopes(inventory: &Inventory, config: &FactsConfig, versions: bool) -> Facts {
    let mut facts = Facts {
        warnings: inventory.load_warnings.clone(),
        ..Facts::default()
    };
    for domain in &inventory.domains {
        let context = DomainContext::new(inventory, domain, config);
        facts.warnings.extend(context.warnings());
        facts.domains.push(context.domain_facts());
        facts.repositories.extend(context.repository_facts());
        facts.package_groups.extend(context.group_facts());
        let packages: Vec<(usize, usize)> = domain
            .repositories
            .iter()
            .enumerate()
            .flat_map(|(r, repository)| (0..repository.packages.len()).map(move |p| (r, p)))
            .collect();
        let (packages, derived_versions): (Vec<PackageFacts>, Vec<Vec<VersionFacts>>) = packages
            .par_iter()
            .map(|&(r, p)| context.package_facts(r, p, versions))
            .unzip();
        if facts.packages.is_empty() {
            facts.packages = packages;
        } else {
            facts.packages.extend(packages);
        }
        facts
            .versions
            .extend(derived_versions.into_iter().flatten());
    }
    let policies = facts
        .domains
        .iter()
        .map(|d| ("GetDomainPermissionsPolicy", &d.arn, &d.policy))
        .chain(
            facts
                .repositories
                .iter()
                .map(|r| ("GetRepositoryPermissionsPolicy", &r.arn, &r.policy)),
        );
    let unjudged: Vec<CollectionError> = policies
        .filter_map(|(operation, arn, policy)| {
            let error = policy.error.as_ref()?;
            Some(CollectionError {
                operation: operation.to_string(),
                resource: arn.clone(),
                code: UNREADABLE_POLICY_CODE.to_string(),
                message: format!("{error}; the policy rules cannot judge it"),
            })
        })
        .collect();
    facts.unjudged = unjudged;
    facts
}

/// (format, namespace, name) as stored, borrowed from the inventory.
type Coordinates<'a> = (&'a str, &'a str, &'a str);

fn coordinates(entry: &PackageEntry) -> Coordinates<'_> {
    let package = &entry.package;
    (
        package.format.as_ref().map_or("", |f| f.as_str()),
        package.namespace.as_deref().unwrap_or_default(),
        package.package.as_deref().unwrap_or_default(),
    )
}

fn display(coordinates: &Coordinates) -> String {
    let (format, namespace, name) = *coordinates;
    let namespace = (!namespace.is_empty()).then_some(namespace);
    display_name(&PackageFormat::from(format), namespace, name)
}

/// Packages under one key, sorted, without repeats (most keys have one: a vector, not a tree).
type Members<'a> = Vec<Coordinates<'a>>;

fn sort_members<K>(map: &mut HashMap<K, Members<'_>>) {
    for members in map.values_mut() {
        members.sort_unstable();
        members.dedup();
    }
}

/// Equal values derived for many packages (exposure paths, the reasons they are blocked), held
/// once: packages of one repository and format mostly have the same ones.
struct Interner<T>(Mutex<HashMap<T, Shared<T>>>);

impl<T: Hash + Eq + Clone> Interner<T> {
    fn new() -> Self {
        Interner(Mutex::new(HashMap::new()))
    }

    fn intern(&self, value: T) -> Shared<T> {
        match self.0.lock() {
            Ok(mut map) => match map.get(&value) {
                Some(shared) => shared.clone(),
                None => {
                    let shared = Shared::new(value.clone());
                    map.insert(value, shared.clone());
                    shared
                }
            },
            // A panicked holder leaves nothing to share; an unshared value is as correct.
            Err(_) => Shared::new(value),
        }
    }
}

fn origin_of(version: &crate::inventory::PackageVersionSummary) -> OriginType {
    version
        .origin
        .as_ref()
        .and_then(|origin| origin.origin_type.clone())
        .unwrap_or(OriginType::Unknown)
}

struct DomainContext<'a> {
    domain: &'a DomainEntry,
    config: &'a FactsConfig,
    region: String,
    owner: String,
    name: String,
    tree: GroupTree,
    graph: UpstreamGraph,
    /// Per repository: coordinates → package index.
    records: Vec<HashMap<Coordinates<'a>, usize>>,
    /// Per repository: (format, namespace, normalized name) → the packages stored under it.
    normalized: Vec<HashMap<(&'a str, &'a str, String), Members<'a>>>,
    /// Coordinates of packages with INTERNAL versions anywhere in the domain, by format and
    /// lookalike key.
    internal_by_fold: HashMap<(&'a str, String, String), Members<'a>>,
    /// The group fact of each (group, match strength), built on first use: a domain has few
    /// groups and many packages.
    group_facts: Vec<[OnceLock<Shared<PackageGroupFact>>; 2]>,
    exposures: Interner<Vec<ExposurePath>>,
    blocked: Interner<Vec<String>>,
    /// Per repository: the formats of which it holds packages with INTERNAL versions.
    internal_formats: Vec<BTreeSet<String>>,
    /// Per repository: the formats its search reaches an external connection for.
    reachable_formats: Vec<BTreeSet<PackageFormat>>,
    /// Repository name → index (the first, should a name repeat in an unvalidated inventory).
    repository_index: HashMap<String, usize>,
    extra_warnings: Vec<String>,
}

impl<'a> DomainContext<'a> {
    fn new(inventory: &'a Inventory, domain: &'a DomainEntry, config: &'a FactsConfig) -> Self {
        let description = &domain.domain;
        let from_arn = description.arn.as_deref().and_then(arn::split);
        let region = inventory
            .region
            .clone()
            .or_else(|| from_arn.map(|(region, _, _)| region.to_string()))
            .unwrap_or_default();
        let owner = description
            .owner
            .clone()
            .or_else(|| from_arn.map(|(_, account, _)| account.to_string()))
            .unwrap_or_default();
        let name = description.name.clone().unwrap_or_default();
        let mut extra_warnings = Vec::new();
        if region.is_empty() {
            extra_warnings.push(format!(
                "domain `{name}`: no region in the inventory; ARNs will lack it"
            ));
        }
        let records = domain
            .repositories
            .iter()
            .map(|repository| {
                repository
                    .packages
                    .iter()
                    .enumerate()
                    .map(|(index, entry)| (coordinates(entry), index))
                    .collect()
            })
            .collect();
        let normalized = domain
            .repositories
            .iter()
            .map(|repository| {
                let mut names: HashMap<(&str, &str, String), Members> = HashMap::new();
                for entry in &repository.packages {
                    let key = coordinates(entry);
                    let folded = normalize_name(&PackageFormat::from(key.0), key.2);
                    names.entry((key.0, key.1, folded)).or_default().push(key);
                }
                sort_members(&mut names);
                names
            })
            .collect();
        let mut internal_by_fold: HashMap<(&str, String, String), Members> = HashMap::new();
        let mut internal_formats = vec![BTreeSet::new(); domain.repositories.len()];
        for (formats, repository) in internal_formats.iter_mut().zip(&domain.repositories) {
            for entry in &repository.packages {
                if entry
                    .versions
                    .iter()
                    .any(|v| origin_of(v) == OriginType::Internal)
                {
                    let key = coordinates(entry);
                    formats.insert(key.0.to_string());
                    internal_by_fold
                        .entry(lookalike_key(&key))
                        .or_default()
                        .push(key);
                }
            }
        }
        sort_members(&mut internal_by_fold);
        let graph = UpstreamGraph::build(domain);
        let reachable_formats = (0..domain.repositories.len())
            .map(|start| {
                graph
                    .closure(start)
                    .iter()
                    .flat_map(|reached| graph.connections(reached.repository))
                    .map(|(format, _)| format.clone())
                    .collect()
            })
            .collect();
        let mut repository_index = HashMap::new();
        for position in 0..domain.repositories.len() {
            repository_index
                .entry(graph.name(position).to_string())
                .or_insert(position);
        }
        for (repository, upstream) in &graph.dangling {
            extra_warnings.push(format!(
                "repository `{repository}`: upstream `{upstream}` is not in the inventory; its part of the search is unknown"
            ));
        }
        let tree = GroupTree::build(domain);
        DomainContext {
            domain,
            config,
            region,
            owner,
            name,
            group_facts: (0..tree.len()).map(|_| Default::default()).collect(),
            exposures: Interner::new(),
            blocked: Interner::new(),
            tree,
            graph,
            records,
            normalized,
            internal_by_fold,
            internal_formats,
            reachable_formats,
            repository_index,
            extra_warnings,
        }
    }

    fn warnings(&self) -> Vec<String> {
        let prefix = format!("domain `{}`: ", self.name);
        self.tree
            .warnings
            .iter()
            .map(|warning| format!("{prefix}{warning}"))
            .chain(self.extra_warnings.iter().cloned())
            .collect()
    }

    fn repository_name(&self, repository: usize) -> &str {
        self.graph.name(repository)
    }

    fn domain_facts(&self) -> DomainFacts {
        DomainFacts {
            arn: arn::domain(&self.region, &self.owner, &self.name),
            name: self.name.clone(),
            owner: self.owner.clone(),
            region: self.region.clone(),
            repository_count: self.domain.repositories.len() as i64,
            package_group_count: self.domain.package_groups.len() as i64,
            policy: policy::analyse(
                self.domain.policy.as_ref(),
                &self.owner,
                &self.config.trusted_accounts,
            ),
        }
    }

    fn holds_internal(&self, repository: usize, format: &str) -> bool {
        self.internal_formats
            .get(repository)
            .is_some_and(|formats| formats.contains(format))
    }

    fn repository_facts(&self) -> Vec<RepositoryFacts> {
        self.domain
            .repositories
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                let name = self.repository_name(index).to_string();
                let connections: Vec<ConnectionFact> = self
                    .graph
                    .connections(index)
                    .iter()
                    .map(|(format, connection)| ConnectionFact {
                        name: connection.clone(),
                        format: format.as_str().to_string(),
                    })
                    .collect();
                let closure = self.graph.closure(index);
                let reachable_formats: BTreeSet<String> = self
                    .reachable_formats
                    .get(index)
                    .into_iter()
                    .flatten()
                    .map(|format| format.as_str().to_string())
                    .collect();
                let internal_entry_packages = entry
                    .packages
                    .iter()
                    .filter(|package| {
                        package.versions.iter().any(|v| {
                            origin_of(v) == OriginType::Internal
                                && entry_repository(v) == Some(name.as_str())
                        })
                    })
                    .count() as i64;
                RepositoryFacts {
                    arn: arn::repository(&self.region, &self.owner, &self.name, &name),
                    domain: self.name.clone(),
                    owner: self.owner.clone(),
                    holds_external_connection: !connections.is_empty(),
                    external_connections: connections,
                    upstreams: entry
                        .repository
                        .upstreams
                        .iter()
                        .flatten()
                        .filter_map(|u| u.repository_name.clone())
                        .collect(),
                    search_order: closure
                        .iter()
                        .map(|r| self.repository_name(r.repository).to_string())
                        .collect(),
                    reachable_formats: reachable_formats.into_iter().collect(),
                    internal_entry_packages,
                    public_before_internal: self.public_before_internal(index),
                    policy: policy::analyse(
                        entry.policy.as_ref(),
                        &self.owner,
                        &self.config.trusted_accounts,
                    ),
                    name,
                }
            })
            .collect()
    }

    /// Rule `public-upstream-precedes-internal`: per format, the first public holder in the
    /// search order (the repository itself excluded) against each later internal holder.
    fn public_before_internal(&self, repository: usize) -> Vec<PrecedenceFact> {
        let closure = self.graph.closure(repository);
        let mut found = Vec::new();
        let formats: BTreeSet<PackageFormat> = closure
            .iter()
            .skip(1)
            .flat_map(|r| {
                self.graph
                    .connections(r.repository)
                    .iter()
                    .map(|(f, _)| f.clone())
            })
            .collect();
        for format in formats {
            let Some(first_public) = closure
                .iter()
                .skip(1)
                .position(|r| self.graph.holds_connection_for(r.repository, &format))
            else {
                continue;
            };
            let later_internal = closure
                .iter()
                .skip(1)
                .enumerate()
                .skip(first_public + 1)
                .find(|(_, r)| self.holds_internal(r.repository, format.as_str()));
            if let Some((position, internal)) = later_internal {
                found.push(PrecedenceFact {
                    format: format.as_str().to_string(),
                    public_repository: self
                        .repository_name(closure[first_public + 1].repository)
                        .to_string(),
                    internal_repository: self.repository_name(internal.repository).to_string(),
                    search_order: closure[..=position + 1]
                        .iter()
                        .map(|r| self.repository_name(r.repository).to_string())
                        .collect(),
                });
            }
        }
        found
    }

    fn modes(&self, pattern: &str) -> GroupModes {
        let fact = |kind: RestrictionType| {
            let effective = self.tree.effective(pattern, kind.clone());
            ModeFact {
                mode: self
                    .tree
                    .own_mode(pattern, &kind)
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_else(|| GroupMode::Inherit.as_str().to_string()),
                effective: effective
                    .as_ref()
                    .map(|e| e.mode.as_str().to_string())
                    .unwrap_or_default(),
                inherited_from: effective.as_ref().and_then(|e| e.inherited_from.clone()),
                allowed_repositories: effective
                    .map(|e| e.allowed_repositories)
                    .unwrap_or_default(),
            }
        };
        GroupModes {
            publish: fact(RestrictionType::Publish),
            external_upstream: fact(RestrictionType::ExternalUpstream),
            internal_upstream: fact(RestrictionType::InternalUpstream),
        }
    }

    /// Scope `package-group`: every existing group, plus each configured internal pattern.
    fn group_facts(&self) -> Vec<GroupFacts> {
        let mut patterns: Vec<GroupPattern> = self.tree.patterns().cloned().collect();
        for internal in &self.config.internal_patterns {
            if !patterns.contains(internal) {
                patterns.push(internal.clone());
            }
        }
        patterns
            .iter()
            .filter(|pattern| {
                self.tree.exists(pattern.as_str())
                    || self.config.internal_patterns.contains(pattern)
            })
            .map(|pattern| self.group_fact(pattern))
            .collect()
    }

    fn group_fact(&self, pattern: &GroupPattern) -> GroupFacts {
        let text = pattern.as_str();
        let governing = if self.tree.exists(text) || pattern.is_root() {
            text.to_string()
        } else {
            crate::facts::pattern::parent(pattern, self.tree.patterns())
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/*".to_string())
        };
        let format = pattern.format();
        let serves = |served: &PackageFormat| format.as_ref().is_none_or(|f| f == served);
        let external = self
            .tree
            .effective(&governing, RestrictionType::ExternalUpstream);
        let allowed_with_connection: Vec<String> = match &external {
            Some(e) if e.mode == GroupMode::AllowSpecificRepositories => e
                .allowed_repositories
                .iter()
                .filter(|name| {
                    self.graph_index(name)
                        .is_some_and(|r| self.graph.connections(r).iter().any(|(f, _)| serves(f)))
                })
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        let blocks_external = match &external {
            Some(e) => match e.mode {
                GroupMode::Block => true,
                GroupMode::AllowSpecificRepositories => allowed_with_connection.is_empty(),
                _ => false,
            },
            None => false,
        };
        let mut reaching_repositories: Vec<String> = (0..self.domain.repositories.len())
            .filter(|&r| {
                self.reachable_formats
                    .get(r)
                    .is_some_and(|formats| formats.iter().any(serves))
            })
            .map(|r| self.repository_name(r).to_string())
            .collect();
        // By name, not inventory order: List* calls promise no order, and this list is evidence.
        reaching_repositories.sort();
        GroupFacts {
            arn: arn::package_group(&self.region, &self.owner, &self.name, text),
            domain: self.name.clone(),
            pattern: text.to_string(),
            format: format.map(|f| f.as_str().to_string()),
            exists: self.tree.exists(text),
            internal: self.config.internal_patterns.contains(pattern),
            governing_is_exact: governing == text,
            modes: self.modes(&governing),
            governing,
            blocks_external,
            allowed_with_connection,
            reaching_repositories,
        }
    }

    fn graph_index(&self, repository: &str) -> Option<usize> {
        self.repository_index.get(repository).copied()
    }

    fn record(&self, repository: usize, key: &Coordinates) -> Option<&'a PackageEntry> {
        let index = *self.records.get(repository)?.get(key)?;
        self.domain
            .repositories
            .get(repository)?
            .packages
            .get(index)
    }

    /// The fact of the group `association` names, shared by every package it governs.
    fn governing_group(&self, association: Association) -> Shared<PackageGroupFact> {
        let build = || {
            let pattern = self.tree.association_pattern(association).to_string();
            Shared::new(PackageGroupFact {
                association: match association.strength {
                    MatchStrength::Strong => "STRONG",
                    MatchStrength::Weak => "WEAK",
                }
                .to_string(),
                modes: self.modes(&pattern),
                pattern,
            })
        };
        let slot = usize::from(association.strength == MatchStrength::Weak);
        match self
            .group_facts
            .get(association.group_index())
            .and_then(|slots| slots.get(slot))
        {
            Some(cell) => cell.get_or_init(build).clone(),
            None => build(),
        }
    }

    fn package_facts(
        &self,
        repository: usize,
        package: usize,
        with_versions: bool,
    ) -> (PackageFacts, Vec<VersionFacts>) {
        let entry = &self.domain.repositories[repository].packages[package];
        let key = coordinates(entry);
        let (format_text, namespace_text, name) = key;
        let format = PackageFormat::from(format_text);
        let namespace = (!namespace_text.is_empty()).then_some(namespace_text);
        let repository_name = self.repository_name(repository).to_string();
        let package_arn = arn::package(
            &self.region,
            &self.owner,
            &self.name,
            &repository_name,
            format_text,
            namespace,
            name,
        );

        let mut counts = VersionCounts::default();
        // Per origin (internal, external, unknown): the highest version that parses, the first
        // seen among equal ones (what `version::highest` gives), each version parsed once.
        let mut best: [Option<(&str, version::FormatVersion)>; 3] = [None, None, None];
        let mut internal_entry_here = false;
        let mut versions = Vec::with_capacity(if with_versions {
            entry.versions.len()
        } else {
            0
        });
        let mut unparsed = Vec::new();
        for summary in &entry.versions {
            counts.total += 1;
            let origin = origin_of(summary);
            let bucket = match origin {
                OriginType::Internal => {
                    counts.internal += 1;
                    if entry_repository(summary) == Some(repository_name.as_str()) {
                        internal_entry_here = true;
                    }
                    0
                }
                OriginType::External => {
                    counts.external += 1;
                    1
                }
                _ => {
                    counts.unknown += 1;
                    2
                }
            };
            let parsed = match version::parse(&format, &summary.version) {
                Ok(parsed) => {
                    if let Some(slot) = best.get_mut(bucket) {
                        let replace = match slot {
                            Some((_, current)) => parsed > *current,
                            None => true,
                        };
                        if replace {
                            *slot = Some((summary.version.as_str(), parsed));
                        }
                    }
                    true
                }
                Err(_) => {
                    unparsed.push(summary.version.clone());
                    false
                }
            };
            if !with_versions {
                continue;
            }
            let entry_point = summary
                .origin
                .as_ref()
                .and_then(|o| o.domain_entry_point.as_ref());
            versions.push(VersionFacts {
                package_arn: package_arn.clone(),
                domain: self.name.clone(),
                repository: repository_name.clone(),
                format: format_text.to_string(),
                namespace: namespace.map(str::to_string),
                name: name.to_string(),
                version: summary.version.clone(),
                status: summary.status.as_str().to_string(),
                origin: origin.as_str().to_string(),
                entry_repository: entry_point.and_then(|e| e.repository_name.clone()),
                entry_connection: entry_point.and_then(|e| e.external_connection_name.clone()),
                parsed,
            });
        }
        let [internal_best, external_best, unknown_best] = best;
        let external_outranks_internal = match (&internal_best, &external_best) {
            (Some((_, internal)), Some((_, external))) => {
                external.cmp(internal) == std::cmp::Ordering::Greater
            }
            _ => false,
        };
        let text_of =
            |best: Option<(&str, version::FormatVersion)>| best.map(|(text, _)| text.to_string());
        let highest = HighestVersions {
            internal: text_of(internal_best),
            external: text_of(external_best),
            unknown: text_of(unknown_best),
        };

        let restrictions = entry
            .package
            .origin_configuration
            .as_ref()
            .and_then(|c| c.restrictions.as_ref());
        let origin = OriginFact {
            recorded: restrictions.is_some(),
            publish: restrictions
                .map(|r| r.publish.as_str().to_string())
                .unwrap_or_else(|| AllowMode::Allow.as_str().to_string()),
            upstream: restrictions
                .map(|r| r.upstream.as_str().to_string())
                .unwrap_or_else(|| AllowMode::Allow.as_str().to_string()),
        };

        let association = self.tree.associate(&format, namespace, name);
        let group = self.governing_group(association);

        let reach = self.graph.external_reach(repository, &format);
        let mut exposure = Vec::new();
        let mut blocked_by = Vec::new();
        let retained_here = self.upstream_allowed(repository, &key);
        let retain_verdict = self.tree.verdict(
            association,
            RestrictionType::InternalUpstream,
            &repository_name,
        );
        for path in &reach {
            let holder = path.holder;
            let holder_name = self.repository_name(holder);
            let mut reasons = Vec::new();
            if !self.upstream_allowed(holder, &key) {
                reasons.push(format!(
                    "package record in `{holder_name}` has upstream=BLOCK"
                ));
            }
            let ingest =
                self.tree
                    .verdict(association, RestrictionType::ExternalUpstream, holder_name);
            if !ingest.allowed {
                reasons.push(format!("{} for `{holder_name}`", ingest.describe()));
            }
            if holder != repository {
                if !retained_here {
                    reasons.push(format!(
                        "package record in `{repository_name}` has upstream=BLOCK"
                    ));
                }
                if !retain_verdict.allowed && !reasons.iter().any(|r| r.contains("weak match")) {
                    reasons.push(format!(
                        "{} for `{repository_name}`",
                        retain_verdict.describe()
                    ));
                }
            }
            if reasons.is_empty() {
                exposure.push(ExposurePath {
                    entry_repository: holder_name.to_string(),
                    connection: path.connection.clone(),
                    path: self.graph.names_of(&path.path),
                    entry_has_record: self.record(holder, &key).is_some(),
                    entry_publish: self
                        .record(holder, &key)
                        .and_then(|entry| entry.package.origin_configuration.as_ref())
                        .and_then(|c| c.restrictions.as_ref())
                        .map(|r| r.publish.as_str().to_string()),
                    blocking_cuts_internal_flow: self.internal_flows_into(holder, &key),
                });
            } else {
                blocked_by.push(format!(
                    "{} via {}: {}",
                    path.connection,
                    self.graph.names_of(&path.path).join(" → "),
                    reasons.join("; ")
                ));
            }
        }

        let internal_pattern = self
            .config
            .internal_patterns
            .iter()
            .find(|pattern| {
                pattern.match_package(&format, namespace, name) == Some(MatchStrength::Strong)
            })
            .map(|pattern| pattern.as_str().to_string());

        let (lookalike_of, lookalike_of_count) = if counts.external > 0 {
            others_than(self.internal_by_fold.get(&lookalike_key(&key)), &key)
        } else {
            (Vec::new(), 0)
        };

        let normalized = normalize_name(&format, name);
        let (name_collisions, name_collisions_count) = others_than(
            self.normalized
                .get(repository)
                .and_then(|names| names.get(&(format_text, namespace_text, normalized))),
            &key,
        );

        let facts = PackageFacts {
            display: display_name(&format, namespace, name),
            arn: package_arn,
            domain: self.name.clone(),
            repository: repository_name,
            scoped: namespace.is_some(),
            namespace: namespace.map(str::to_string),
            versions: counts,
            highest,
            external_outranks_internal,
            unparsed_versions: unparsed,
            internal_entry_here,
            origin,
            group,
            external_reach: !reach.is_empty(),
            exposed: !exposure.is_empty(),
            exposure: self.exposures.intern(exposure),
            blocked_by: self.blocked.intern(blocked_by),
            internal_pattern,
            lookalike_of,
            lookalike_of_count,
            name_collisions,
            name_collisions_count,
            format: format_text.to_string(),
            name: name.to_string(),
        };
        (facts, versions)
    }

    /// Whether INTERNAL versions of the package are held by a repository that `repository`
    /// searches (itself excluded), so that its `upstream` setting also governs that flow.
    fn internal_flows_into(&self, repository: usize, key: &Coordinates) -> bool {
        self.graph
            .closure(repository)
            .iter()
            .skip(1)
            .any(|reached| {
                self.record(reached.repository, key).is_some_and(|entry| {
                    entry
                        .versions
                        .iter()
                        .any(|v| origin_of(v) == OriginType::Internal)
                })
            })
    }

    /// Package-level `upstream` of the record in `repository`; no record or no configuration
    /// leaves the decision to the group.
    fn upstream_allowed(&self, repository: usize, key: &Coordinates) -> bool {
        self.record(repository, key)
            .and_then(|entry| entry.package.origin_configuration.as_ref())
            .and_then(|c| c.restrictions.as_ref())
            .is_none_or(|r| r.upstream != AllowMode::Block)
    }
}

/// How a package manager's users write the coordinates.
fn display_name(format: &PackageFormat, namespace: Option<&str>, name: &str) -> String {
    match (format, namespace) {
        (_, None) => name.to_string(),
        (PackageFormat::Npm, Some(scope)) => format!("@{scope}/{name}"),
        (PackageFormat::Maven, Some(group)) => format!("{group}:{name}"),
        (_, Some(namespace)) => format!("{namespace}/{name}"),
    }
}

fn entry_repository(version: &crate::inventory::PackageVersionSummary) -> Option<&str> {
    version
        .origin
        .as_ref()?
        .domain_entry_point
        .as_ref()?
        .repository_name
        .as_deref()
}

/// Lookalike key of the rule `lookalike-of-internal-package`: the format, and the folds of
/// namespace and name.
fn lookalike_key<'a>(key: &Coordinates<'a>) -> (&'a str, String, String) {
    (key.0, fold_lookalike(key.1), fold_lookalike(key.2))
}

/// At most this many names in a list fact such as `lookalike_of`; its `_count` sibling has the
/// total. Thousands of names folding together would otherwise put every name into every
/// package's facts, findings and messages: quadratic time, memory and report size.
pub const LIST_LIMIT: usize = 10;

/// The first [`LIST_LIMIT`] members of `set` other than `key`, for display, and how many there
/// are in all. Constant work per call: `key` is skipped once, the rest is never walked.
fn others_than(set: Option<&Members>, key: &Coordinates) -> (Vec<String>, i64) {
    let Some(set) = set else {
        return (Vec::new(), 0);
    };
    let total = set.len() - usize::from(set.binary_search(key).is_ok());
    let shown = set
        .iter()
        .filter(|other| *other != key)
        .take(LIST_LIMIT)
        .map(display)
        .collect();
    (shown, i64::try_from(total).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// app → [internal, store]; internal → [hub]; store and hub hold npm connections on demand.
    fn world(
        records: Value,
        groups: Value,
        store_connection: bool,
        hub_connection: bool,
    ) -> Inventory {
        let connection = |on: bool| {
            if on {
                json!([{"externalConnectionName": "public:npmjs", "packageFormat": "npm", "status": "Available"}])
            } else {
                json!([])
            }
        };
        let mut repositories = vec![
            json!({"repository": {"name": "app", "upstreams": [{"repositoryName": "internal"}, {"repositoryName": "store"}]}}),
            json!({"repository": {"name": "internal", "upstreams": [{"repositoryName": "hub"}]}}),
            json!({"repository": {"name": "store", "externalConnections": connection(store_connection)}}),
            json!({"repository": {"name": "hub", "externalConnections": connection(hub_connection)}}),
        ];
        for (repository, record) in records.as_object().into_iter().flatten() {
            if let Some(entry) = repositories
                .iter_mut()
                .find(|r| r["repository"]["name"] == *repository)
            {
                entry["packages"] = json!([record]);
            }
        }
        let document = json!({
            "inventoryVersion": 1,
            "region": "us-east-1",
            "domains": [{"domain": {"name": "acme", "owner": "111122223333"}, "packageGroups": groups, "repositories": repositories}]
        });
        Inventory::parse(&document.to_string(), std::path::Path::new("test"))
            .expect("test inventory")
    }

    fn record(name: &str, origin: Option<(&str, &str)>, versions: &[(&str, &str)]) -> Value {
        let mut package = json!({"format": "npm", "package": name});
        if let Some((publish, upstream)) = origin {
            package["originConfiguration"] =
                json!({"restrictions": {"publish": publish, "upstream": upstream}});
        }
        json!({
            "package": package,
            "versions": versions.iter().map(|(version, origin)| json!({
                "version": version, "status": "Published", "origin": {"originType": origin}
            })).collect::<Vec<_>>()
        })
    }

    fn group(pattern: &str, modes: &[(&str, &str)], allowed: Value) -> Value {
        let restrictions: serde_json::Map<String, Value> = modes
            .iter()
            .map(|(kind, mode)| (kind.to_string(), json!({"mode": mode})))
            .collect();
        json!({"pattern": pattern, "originConfiguration": {"restrictions": restrictions}, "allowedRepositories": allowed})
    }

    fn app_package(inventory: &Inventory, config: &FactsConfig) -> PackageFacts {
        derive(inventory, config)
            .packages
            .into_iter()
            .find(|p| p.repository == "app")
            .expect("the package in app")
    }

    /// Packages with equal group, exposure and blocked-by facts hold one copy of each, and the
    /// shared facts serialize as plain values.
    #[test]
    fn packages_share_equal_derived_facts() {
        let mut inventory = world(
            json!({"app": record("a", None, &[("1.0.0", "INTERNAL")])}),
            json!([]),
            true,
            false,
        );
        let mut twin = inventory.domains[0].repositories[0].packages[0].clone();
        twin.package.package = Some("b".to_string());
        inventory.domains[0].repositories[0].packages.push(twin);
        let facts = derive(&inventory, &FactsConfig::default());
        let [a, b] = facts.packages.as_slice() else {
            panic!("two packages");
        };
        assert_eq!((a.name.as_str(), b.name.as_str()), ("a", "b"));
        assert!(Shared::ptr_eq(&a.exposure, &b.exposure));
        assert!(Shared::ptr_eq(&a.blocked_by, &b.blocked_by));
        assert!(Shared::ptr_eq(&a.group, &b.group));
        let value = serde_json::to_value(a).unwrap();
        assert_eq!(value["exposure"][0]["path"], json!(["app", "store"]));
        assert_eq!(value["blocked_by"], json!([]));
        assert_eq!(value["group"]["pattern"], "/*");
    }

    #[test]
    fn exposure_verdicts() {
        let internal = [("1.0.0", "INTERNAL")];
        let in_app = |origin| json!({"app": record("ui", origin, &internal)});
        let cases: Vec<(&str, Inventory, Option<&[&str]>, &str)> = vec![
            (
                "no connection anywhere",
                world(in_app(None), json!([]), false, false),
                None,
                "",
            ),
            (
                "store connection, nothing blocks",
                world(in_app(None), json!([]), true, false),
                Some(&["app", "store"]),
                "",
            ),
            (
                "two hops through internal",
                world(in_app(None), json!([]), false, true),
                Some(&["app", "internal", "hub"]),
                "",
            ),
            (
                "store record upstream=BLOCK",
                world(
                    json!({"app": record("ui", None, &internal), "store": record("ui", Some(("BLOCK", "BLOCK")), &[])}),
                    json!([]),
                    true,
                    false,
                ),
                None,
                "package record in `store` has upstream=BLOCK",
            ),
            (
                "consumer record upstream=BLOCK",
                world(in_app(Some(("ALLOW", "BLOCK"))), json!([]), true, false),
                None,
                "package record in `app` has upstream=BLOCK",
            ),
            (
                "group blocks external ingestion",
                world(
                    in_app(None),
                    json!([group(
                        "/npm//ui$",
                        &[("EXTERNAL_UPSTREAM", "BLOCK")],
                        json!({})
                    )]),
                    true,
                    false,
                ),
                None,
                "group `/npm//ui$` EXTERNAL_UPSTREAM=BLOCK for `store`",
            ),
            (
                "group blocks internal retention into app",
                world(
                    in_app(None),
                    json!([group(
                        "/npm/*",
                        &[("INTERNAL_UPSTREAM", "BLOCK")],
                        json!({})
                    )]),
                    true,
                    false,
                ),
                None,
                "group `/npm/*` INTERNAL_UPSTREAM=BLOCK for `app`",
            ),
            (
                "allowed list names the store",
                world(
                    in_app(None),
                    json!([group(
                        "/npm/*",
                        &[("EXTERNAL_UPSTREAM", "ALLOW_SPECIFIC_REPOSITORIES")],
                        json!({"EXTERNAL_UPSTREAM": ["store"]})
                    )]),
                    true,
                    false,
                ),
                Some(&["app", "store"]),
                "",
            ),
            (
                "allowed list names another repository",
                world(
                    in_app(None),
                    json!([group(
                        "/npm/*",
                        &[("EXTERNAL_UPSTREAM", "ALLOW_SPECIFIC_REPOSITORIES")],
                        json!({"EXTERNAL_UPSTREAM": ["hub"]})
                    )]),
                    true,
                    false,
                ),
                None,
                "EXTERNAL_UPSTREAM=ALLOW_SPECIFIC_REPOSITORIES [hub]",
            ),
            (
                "weak match of a group blocks everything",
                world(
                    in_app(None),
                    json!([group(
                        "/npm//UI$",
                        &[("EXTERNAL_UPSTREAM", "ALLOW")],
                        json!({})
                    )]),
                    true,
                    false,
                ),
                None,
                "weak match of group `/npm//UI$`",
            ),
            (
                "inherited BLOCK names its source",
                world(
                    in_app(None),
                    json!([
                        group("/npm/*", &[("EXTERNAL_UPSTREAM", "BLOCK")], json!({})),
                        group("/npm//ui~", &[("EXTERNAL_UPSTREAM", "INHERIT")], json!({}))
                    ]),
                    true,
                    false,
                ),
                None,
                "group `/npm//ui~` EXTERNAL_UPSTREAM=BLOCK (inherited from `/npm/*`)",
            ),
        ];
        for (name, inventory, path, reason) in cases {
            let facts = app_package(&inventory, &FactsConfig::default());
            match path {
                Some(path) => {
                    assert!(facts.exposed, "{name}: {:?}", facts.blocked_by);
                    assert_eq!(facts.exposure[0].path, path, "{name}");
                    assert_eq!(facts.exposure[0].connection, "public:npmjs", "{name}");
                }
                None => {
                    assert!(!facts.exposed, "{name}: {:?}", facts.exposure);
                    // No reachable connection means nothing to block, so no reason either.
                    let explained = if reason.is_empty() {
                        facts.blocked_by.is_empty() && !facts.external_reach
                    } else {
                        facts.blocked_by.iter().any(|b| b.contains(reason))
                    };
                    assert!(explained, "{name}: {:?}", facts.blocked_by);
                }
            }
        }
    }

    #[test]
    fn a_repository_with_its_own_connection_ignores_retention_controls() {
        // S == R: only ingestion matters; INTERNAL_UPSTREAM does not apply.
        let inventory = world(
            json!({"store": record("ui", None, &[("1.0.0", "INTERNAL")])}),
            json!([group(
                "/npm/*",
                &[("INTERNAL_UPSTREAM", "BLOCK")],
                json!({})
            )]),
            true,
            false,
        );
        let facts = derive(&inventory, &FactsConfig::default());
        let store = facts
            .packages
            .iter()
            .find(|p| p.repository == "store")
            .expect("store package");
        assert!(store.exposed);
        assert_eq!(store.exposure[0].path, ["store"]);
    }

    #[test]
    fn versions_by_origin_with_format_ordering() {
        let inventory = world(
            json!({"app": record("ui", None, &[("1.9.1", "INTERNAL"), ("1.10.0", "EXTERNAL"), ("1.2.0-rc.1", "INTERNAL"), ("banana", "UNKNOWN"), ("0.1.0", "UNKNOWN")])}),
            json!([]),
            false,
            false,
        );
        let facts = app_package(&inventory, &FactsConfig::default());
        assert_eq!(
            (
                facts.versions.total,
                facts.versions.internal,
                facts.versions.external,
                facts.versions.unknown
            ),
            (5, 2, 1, 2)
        );
        assert_eq!(facts.highest.internal.as_deref(), Some("1.9.1"));
        assert_eq!(facts.highest.external.as_deref(), Some("1.10.0"));
        assert_eq!(facts.highest.unknown.as_deref(), Some("0.1.0"));
        assert!(
            facts.external_outranks_internal,
            "1.10.0 > 1.9.1 under SemVer, not as strings"
        );
        assert_eq!(facts.unparsed_versions, ["banana"]);
    }

    #[test]
    fn lookalikes_collisions_and_internal_patterns() {
        let mut inventory = world(json!({}), json!([]), true, false);
        let packages = vec![
            serde_json::from_value(record("acme-sso-client", None, &[("1.0.0", "INTERNAL")]))
                .expect("record"),
            serde_json::from_value(record("acme_sso.client", None, &[("9.0.0", "EXTERNAL")]))
                .expect("record"),
            serde_json::from_value(record("Acme-SSO-Client", None, &[("1.0.0", "INTERNAL")]))
                .expect("record"),
        ];
        inventory.domains[0].repositories[0].packages = packages;
        let config = FactsConfig {
            internal_patterns: vec![GroupPattern::parse("/npm//acme~").expect("pattern")],
            trusted_accounts: vec![],
        };
        let facts = derive(&inventory, &config);
        let by_name = |name: &str| {
            facts
                .packages
                .iter()
                .find(|p| p.name == name)
                .expect("package")
        };
        assert_eq!(
            by_name("acme_sso.client").lookalike_of,
            ["Acme-SSO-Client", "acme-sso-client"]
        );
        assert!(
            by_name("acme-sso-client").lookalike_of.is_empty(),
            "only packages with EXTERNAL versions"
        );
        assert_eq!(
            by_name("acme-sso-client").internal_pattern.as_deref(),
            Some("/npm//acme~")
        );
        assert_eq!(
            by_name("Acme-SSO-Client").internal_pattern,
            None,
            "patterns are case-sensitive"
        );
        // npm names are not normalized by storage, so these do not collide.
        assert!(by_name("acme-sso-client").name_collisions.is_empty());
    }

    #[test]
    fn public_before_internal_follows_search_order() {
        // app searches internal (INTERNAL npm versions) before store: fine. Swap the order: flagged.
        let mut inventory = world(
            json!({"internal": record("ui", None, &[("1.0.0", "INTERNAL")])}),
            json!([]),
            true,
            false,
        );
        let facts = derive(&inventory, &FactsConfig::default());
        let app = facts
            .repositories
            .iter()
            .find(|r| r.name == "app")
            .expect("app");
        assert!(app.public_before_internal.is_empty());
        if let Some(upstreams) = inventory.domains[0].repositories[0]
            .repository
            .upstreams
            .as_mut()
        {
            upstreams.reverse();
        }
        let facts = derive(&inventory, &FactsConfig::default());
        let app = facts
            .repositories
            .iter()
            .find(|r| r.name == "app")
            .expect("app");
        assert_eq!(app.public_before_internal.len(), 1);
        assert_eq!(app.public_before_internal[0].public_repository, "store");
        assert_eq!(
            app.public_before_internal[0].search_order,
            ["app", "store", "internal"]
        );
    }
}
