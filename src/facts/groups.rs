//! Package groups of one domain as a tree, with effective origin modes
//! (<https://docs.aws.amazon.com/codeartifact/latest/ug/package-groups.html>).
//!
//! The service returns `effectiveMode`, `inheritedFrom` and `parent` precomputed; caguard
//! recomputes all three from the patterns and modes, and reports any disagreement, because a
//! stale or hand-edited inventory must not decide whether a package is protected.

use crate::facts::pattern::{self, GroupPattern, MatchStrength};
use crate::inventory::{DomainEntry, GroupMode, PackageFormat, RestrictionType};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The three restriction types in model order.
pub const RESTRICTION_TYPES: [RestrictionType; 3] = [
    RestrictionType::Publish,
    RestrictionType::ExternalUpstream,
    RestrictionType::InternalUpstream,
];

#[derive(Debug, Clone)]
struct GroupNode {
    pattern: GroupPattern,
    parent: Option<usize>,
    modes: BTreeMap<RestrictionType, GroupMode>,
    allowed: BTreeMap<RestrictionType, Vec<String>>,
    /// The root `/*` added because the inventory did not list it.
    implicit: bool,
}

/// What a restriction type effectively is for one group, after INHERIT is resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectiveRestriction {
    /// Never `INHERIT`.
    pub mode: GroupMode,
    /// Pattern of the ancestor the mode comes from, when the group's own mode is INHERIT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<String>,
    /// The allowed list that applies when `mode` is ALLOW_SPECIFIC_REPOSITORIES (the list of the
    /// group the mode comes from — AWS does not document this; it is the conservative reading).
    pub allowed_repositories: Vec<String>,
}

impl EffectiveRestriction {
    /// Whether this restriction lets the action happen into `repository`.
    pub fn allows(&self, repository: &str) -> bool {
        match self.mode {
            GroupMode::Allow => true,
            GroupMode::AllowSpecificRepositories => {
                self.allowed_repositories.iter().any(|r| r == repository)
            }
            // BLOCK, and anything unknown: a security tool does not guess in favour of access.
            _ => false,
        }
    }
}

/// The group governing a package, and how it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Association {
    group: usize,
    pub strength: MatchStrength,
}

impl Association {
    /// The position of the governing group in its [`GroupTree`].
    pub fn group_index(&self) -> usize {
        self.group
    }
}

/// All package groups of a domain, with the implicit root when the inventory lacks one.
#[derive(Debug, Clone)]
pub struct GroupTree {
    nodes: Vec<GroupNode>,
    by_pattern: HashMap<String, usize>,
    /// Problems found while building: invalid patterns, stored values that disagree with the
    /// recomputed ones.
    pub warnings: Vec<String>,
}

impl GroupTree {
    pub fn build(domain: &DomainEntry) -> Self {
        let mut warnings = Vec::new();
        let mut nodes: Vec<GroupNode> = Vec::new();
        let mut stored: Vec<Option<&crate::inventory::PackageGroupEntry>> = Vec::new();
        for entry in &domain.package_groups {
            let text = entry.group.pattern.as_deref().unwrap_or("");
            let parsed = match GroupPattern::parse(text) {
                Ok(parsed) => parsed,
                Err(error) => {
                    warnings.push(format!(
                        "package group `{text}` ignored: invalid pattern: {error}"
                    ));
                    continue;
                }
            };
            if nodes.iter().any(|node| node.pattern == parsed) {
                warnings.push(format!(
                    "package group `{text}` listed twice; the first one is used"
                ));
                continue;
            }
            let is_root = parsed.is_root();
            let restrictions = entry
                .group
                .origin_configuration
                .as_ref()
                .and_then(|configuration| configuration.restrictions.as_ref());
            let modes = RESTRICTION_TYPES
                .iter()
                .map(|kind| {
                    let mode = restrictions
                        .and_then(|r| r.get(kind))
                        .and_then(|r| r.mode.clone());
                    let mode = match mode {
                        // The root has nothing to inherit from; the service starts it at ALLOW.
                        Some(GroupMode::Inherit) | None if is_root => GroupMode::Allow,
                        Some(mode) => mode,
                        None => GroupMode::Inherit,
                    };
                    (kind.clone(), mode)
                })
                .collect();
            nodes.push(GroupNode {
                pattern: parsed,
                parent: None,
                modes,
                allowed: entry.allowed_repositories.clone(),
                implicit: false,
            });
            stored.push(Some(entry));
        }
        if !nodes.iter().any(|node| node.pattern.is_root()) {
            nodes.push(GroupNode {
                pattern: GroupPattern::root(),
                parent: None,
                modes: RESTRICTION_TYPES
                    .iter()
                    .map(|kind| (kind.clone(), GroupMode::Allow))
                    .collect(),
                allowed: BTreeMap::new(),
                implicit: true,
            });
            stored.push(None);
        }
        let patterns: Vec<GroupPattern> = nodes.iter().map(|node| node.pattern.clone()).collect();
        for (position, node) in nodes.iter_mut().enumerate() {
            let others = patterns
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != position)
                .map(|(_, pattern)| pattern);
            node.parent = pattern::parent(&node.pattern, others)
                .and_then(|parent| patterns.iter().position(|p| p == parent));
        }
        let by_pattern = nodes
            .iter()
            .enumerate()
            .map(|(position, node)| (node.pattern.as_str().to_string(), position))
            .collect();
        let mut tree = GroupTree {
            nodes,
            by_pattern,
            warnings,
        };
        tree.check_stored_values(&stored);
        tree
    }

    /// Compares what the inventory claims with what caguard computes.
    fn check_stored_values(&mut self, stored: &[Option<&crate::inventory::PackageGroupEntry>]) {
        let mut warnings = Vec::new();
        for (position, entry) in stored.iter().enumerate() {
            let Some(entry) = entry else { continue };
            let pattern = self.nodes[position].pattern.as_str();
            let computed_parent = self.parent_index(position).map(|p| self.pattern_of(p));
            let stored_parent = entry
                .group
                .parent
                .as_ref()
                .and_then(|p| p.pattern.as_deref());
            if entry.group.parent.is_some() && stored_parent != computed_parent {
                warnings.push(format!(
                    "package group `{pattern}`: parent in the inventory is `{}` but caguard computes `{}`",
                    stored_parent.unwrap_or("none"),
                    computed_parent.unwrap_or("none")
                ));
            }
            let restrictions = entry
                .group
                .origin_configuration
                .as_ref()
                .and_then(|configuration| configuration.restrictions.as_ref());
            for kind in RESTRICTION_TYPES {
                let Some(stored) = restrictions.and_then(|r| r.get(&kind)) else {
                    continue;
                };
                let effective = self.effective_at(position, &kind);
                if let Some(claimed) = &stored.effective_mode {
                    if *claimed != effective.mode {
                        warnings.push(format!(
                            "package group `{pattern}`: {kind} effectiveMode in the inventory is {claimed} but caguard computes {}{}",
                            effective.mode,
                            effective
                                .inherited_from
                                .as_deref()
                                .map(|from| format!(" (inherited from `{from}`)"))
                                .unwrap_or_default()
                        ));
                    }
                }
                let own = &self.nodes[position];
                if own.modes.get(&kind) == Some(&GroupMode::AllowSpecificRepositories) {
                    let listed = own.allowed.get(&kind).map_or(0, Vec::len) as i64;
                    if let Some(count) = stored.repositories_count {
                        if count != listed {
                            warnings.push(format!(
                                "package group `{pattern}`: {kind} repositoriesCount is {count} but {listed} allowed repositories are listed"
                            ));
                        }
                    }
                }
            }
        }
        self.warnings.extend(warnings);
    }

    fn pattern_of(&self, node: usize) -> &str {
        self.nodes[node].pattern.as_str()
    }

    fn parent_index(&self, node: usize) -> Option<usize> {
        self.nodes.get(node).and_then(|n| n.parent)
    }

    fn index(&self, pattern: &str) -> Option<usize> {
        self.by_pattern.get(pattern).copied()
    }

    /// All patterns, the implicit root included, in inventory order.
    pub fn patterns(&self) -> impl Iterator<Item = &GroupPattern> {
        self.nodes.iter().map(|node| &node.pattern)
    }

    /// Whether the group exists in the inventory (the implicit root does not).
    pub fn exists(&self, pattern: &str) -> bool {
        self.index(pattern)
            .is_some_and(|node| !self.nodes[node].implicit)
    }

    /// The computed parent pattern.
    pub fn parent(&self, pattern: &str) -> Option<&str> {
        let node = self.index(pattern)?;
        self.parent_index(node).map(|p| self.pattern_of(p))
    }

    /// The patterns of the direct children.
    pub fn children(&self, pattern: &str) -> Vec<&str> {
        let Some(node) = self.index(pattern) else {
            return Vec::new();
        };
        self.nodes
            .iter()
            .filter(|child| child.parent == Some(node))
            .map(|child| child.pattern.as_str())
            .collect()
    }

    /// The group's own configured mode for a restriction type.
    pub fn own_mode(&self, pattern: &str, kind: &RestrictionType) -> Option<&GroupMode> {
        self.nodes.get(self.index(pattern)?)?.modes.get(kind)
    }

    /// The effective restriction of a group, INHERIT resolved through its ancestors.
    pub fn effective(&self, pattern: &str, kind: RestrictionType) -> Option<EffectiveRestriction> {
        Some(self.effective_at(self.index(pattern)?, &kind))
    }

    fn effective_at(&self, node: usize, kind: &RestrictionType) -> EffectiveRestriction {
        let mut current = node;
        // Bounded by the node count: parents come from strict containment, but a defensive bound
        // keeps a bad tree from looping.
        for _ in 0..=self.nodes.len() {
            let group = &self.nodes[current];
            let mode = group.modes.get(kind).cloned().unwrap_or(GroupMode::Inherit);
            if mode != GroupMode::Inherit {
                return EffectiveRestriction {
                    allowed_repositories: group.allowed.get(kind).cloned().unwrap_or_default(),
                    inherited_from: (current != node).then(|| group.pattern.as_str().to_string()),
                    mode,
                };
            }
            match group.parent {
                Some(parent) => current = parent,
                None => break,
            }
        }
        // An INHERIT chain that ends without a decision behaves like the root default.
        EffectiveRestriction {
            mode: GroupMode::Allow,
            inherited_from: None,
            allowed_repositories: Vec::new(),
        }
    }

    /// The most specific group for a package; the root matches everything, so there always is one.
    pub fn associate(
        &self,
        format: &PackageFormat,
        namespace: Option<&str>,
        name: &str,
    ) -> Association {
        let found = pattern::associate(self.patterns(), format, namespace, name)
            .and_then(|(pattern, strength)| Some((self.index(pattern.as_str())?, strength)));
        match found {
            Some((group, strength)) => Association { group, strength },
            None => Association {
                group: self.index("/*").unwrap_or(0),
                strength: MatchStrength::Strong,
            },
        }
    }

    /// How many groups the tree holds (the implicit root included).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn association_pattern(&self, association: Association) -> &str {
        self.pattern_of(association.group)
    }

    /// The group verdict for an action into `repository`: a weak match blocks whatever the modes.
    pub fn verdict(
        &self,
        association: Association,
        kind: RestrictionType,
        repository: &str,
    ) -> GroupVerdict {
        let effective = self.effective_at(association.group, &kind);
        let allowed = association.strength == MatchStrength::Strong && effective.allows(repository);
        GroupVerdict {
            pattern: self.pattern_of(association.group).to_string(),
            association: association.strength,
            restriction: kind,
            effective,
            allowed,
        }
    }
}

/// A group's decision about one action into one repository, with what it is based on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupVerdict {
    pub pattern: String,
    pub association: MatchStrength,
    pub restriction: RestrictionType,
    pub effective: EffectiveRestriction,
    pub allowed: bool,
}

impl GroupVerdict {
    /// One line a person can act on, e.g. "group `/npm/acme/*` EXTERNAL_UPSTREAM=BLOCK".
    pub fn describe(&self) -> String {
        if self.association == MatchStrength::Weak {
            return format!("weak match of group `{}` blocks every origin", self.pattern);
        }
        let mut text = format!(
            "group `{}` {}={}",
            self.pattern, self.restriction, self.effective.mode
        );
        if let Some(from) = &self.effective.inherited_from {
            text.push_str(&format!(" (inherited from `{from}`)"));
        }
        if self.effective.mode == GroupMode::AllowSpecificRepositories {
            text.push_str(&format!(
                " [{}]",
                self.effective.allowed_repositories.join(", ")
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{
        DomainDescription, PackageGroupDescription, PackageGroupEntry,
        PackageGroupOriginConfiguration, PackageGroupOriginRestriction,
    };

    fn group(
        pattern: &str,
        modes: &[(&str, &str)],
        allowed: &[(&str, &[&str])],
    ) -> PackageGroupEntry {
        PackageGroupEntry {
            group: PackageGroupDescription {
                pattern: Some(pattern.into()),
                origin_configuration: Some(PackageGroupOriginConfiguration {
                    restrictions: Some(
                        modes
                            .iter()
                            .map(|(kind, mode)| {
                                (
                                    RestrictionType::from(*kind),
                                    PackageGroupOriginRestriction {
                                        mode: Some(GroupMode::from(*mode)),
                                        ..Default::default()
                                    },
                                )
                            })
                            .collect(),
                    ),
                }),
                ..Default::default()
            },
            allowed_repositories: allowed
                .iter()
                .map(|(kind, repos)| {
                    (
                        RestrictionType::from(*kind),
                        repos.iter().map(|r| r.to_string()).collect(),
                    )
                })
                .collect(),
        }
    }

    fn tree(groups: Vec<PackageGroupEntry>) -> GroupTree {
        GroupTree::build(&DomainEntry {
            domain: DomainDescription::default(),
            policy: None,
            package_groups: groups,
            repositories: vec![],
        })
    }

    const EXT: RestrictionType = RestrictionType::ExternalUpstream;

    #[test]
    fn implicit_root_allows_everything() {
        let tree = tree(vec![]);
        let association = tree.associate(&PackageFormat::Npm, None, "react");
        assert_eq!(tree.association_pattern(association), "/*");
        assert!(!tree.exists("/*"));
        for kind in RESTRICTION_TYPES {
            assert!(tree.verdict(association, kind, "any").allowed);
        }
    }

    #[test]
    fn inherit_chain_resolves_to_nearest_explicit_ancestor() {
        let tree = tree(vec![
            group("/*", &[("EXTERNAL_UPSTREAM", "ALLOW")], &[]),
            group("/npm/*", &[("EXTERNAL_UPSTREAM", "INHERIT")], &[]),
            group("/npm/acme/*", &[("EXTERNAL_UPSTREAM", "BLOCK")], &[]),
            group("/npm/acme/ui~", &[("EXTERNAL_UPSTREAM", "INHERIT")], &[]),
        ]);
        assert_eq!(tree.parent("/npm/acme/ui~"), Some("/npm/acme/*"));
        assert_eq!(tree.children("/npm/*"), ["/npm/acme/*"]);
        let ui = tree.effective("/npm/acme/ui~", EXT).unwrap();
        assert_eq!(ui.mode, GroupMode::Block);
        assert_eq!(ui.inherited_from.as_deref(), Some("/npm/acme/*"));
        let npm = tree.effective("/npm/*", EXT).unwrap();
        assert_eq!(
            (npm.mode, npm.inherited_from.as_deref()),
            (GroupMode::Allow, Some("/*"))
        );
        // A missing restriction on a non-root group means INHERIT.
        let publish = tree
            .effective("/npm/acme/ui~", RestrictionType::Publish)
            .unwrap();
        assert_eq!(publish.mode, GroupMode::Allow);
        let association = tree.associate(&PackageFormat::Npm, Some("acme"), "ui-button");
        let verdict = tree.verdict(association, EXT, "npm-store");
        assert!(!verdict.allowed);
        assert_eq!(
            verdict.describe(),
            "group `/npm/acme/ui~` EXTERNAL_UPSTREAM=BLOCK (inherited from `/npm/acme/*`)"
        );
    }

    #[test]
    fn allow_specific_repositories_uses_the_list() {
        let tree = tree(vec![group(
            "/maven/com.acme~",
            &[("EXTERNAL_UPSTREAM", "ALLOW_SPECIFIC_REPOSITORIES")],
            &[("EXTERNAL_UPSTREAM", &["maven-central-store"])],
        )]);
        let association = tree.associate(&PackageFormat::Maven, Some("com.acme.pay"), "core");
        assert!(
            tree.verdict(association, EXT, "maven-central-store")
                .allowed
        );
        assert!(!tree.verdict(association, EXT, "app").allowed);
    }

    #[test]
    fn weak_match_blocks_everything() {
        let tree = tree(vec![group(
            "/npm//anycompany-spicy-client$",
            &[
                ("PUBLISH", "ALLOW"),
                ("EXTERNAL_UPSTREAM", "ALLOW"),
                ("INTERNAL_UPSTREAM", "ALLOW"),
            ],
            &[],
        )]);
        let exact = tree.associate(&PackageFormat::Npm, None, "anycompany-spicy-client");
        assert!(tree.verdict(exact, RestrictionType::Publish, "r").allowed);
        let variant = tree.associate(&PackageFormat::Npm, None, "AnyCompany-spicy-client");
        assert_eq!(variant.strength, MatchStrength::Weak);
        for kind in RESTRICTION_TYPES {
            assert!(!tree.verdict(variant, kind, "r").allowed);
        }
    }

    #[test]
    fn stored_effective_mode_disagreement_is_a_warning() {
        let mut child = group("/npm/acme/*", &[("EXTERNAL_UPSTREAM", "INHERIT")], &[]);
        if let Some(restrictions) = child
            .group
            .origin_configuration
            .as_mut()
            .and_then(|c| c.restrictions.as_mut())
        {
            restrictions.get_mut(&EXT).unwrap().effective_mode = Some(GroupMode::Block);
        }
        let tree = tree(vec![group("/*", &[], &[]), child]);
        assert_eq!(tree.warnings.len(), 1, "{:?}", tree.warnings);
        assert!(tree.warnings[0]
            .contains("effectiveMode in the inventory is BLOCK but caguard computes ALLOW"));
    }

    #[test]
    fn invalid_pattern_is_a_warning_not_an_error() {
        let tree = tree(vec![group("npm/*", &[], &[])]);
        assert_eq!(tree.warnings.len(), 1);
        assert!(tree.warnings[0].contains("invalid pattern"));
    }
}
