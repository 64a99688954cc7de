//! The upstream graph of one domain
//! (<https://docs.aws.amazon.com/codeartifact/latest/ug/repos-upstream.html>).
//!
//! CodeArtifact searches a repository, then its upstreams depth-first in listed order, visiting
//! at most 25 repositories per request. That search order decides both what a client can reach
//! and which copy of a version it finds first, so the closure keeps order and paths.

use crate::inventory::{DomainEntry, PackageFormat};
use std::collections::HashMap;

/// At most this many repositories are searched for one request (service quota, not adjustable).
pub const MAX_SEARCHED_REPOSITORIES: usize = 25;

/// One repository reached by the search, with the chain of repositories leading to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// Index into the domain's repositories.
    pub repository: usize,
    /// Repository indexes from the searched repository to `repository`, both included.
    pub path: Vec<usize>,
}

/// An external connection serving a format, reachable from a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalReach {
    /// The repository holding the connection.
    pub holder: usize,
    /// E.g. `public:npmjs`.
    pub connection: String,
    /// Repository indexes from the searched repository to `holder`, both included.
    pub path: Vec<usize>,
}

/// Upstream graph of a domain: names resolved to indexes, closures precomputed.
#[derive(Debug, Clone)]
pub struct UpstreamGraph {
    names: Vec<String>,
    closures: Vec<Vec<Reached>>,
    connections: Vec<Vec<(PackageFormat, String)>>,
    /// Upstream names that are not repositories of the inventory, as `(repository, upstream)`.
    pub dangling: Vec<(String, String)>,
}

impl UpstreamGraph {
    pub fn build(domain: &DomainEntry) -> Self {
        let names: Vec<String> = domain
            .repositories
            .iter()
            .map(|entry| entry.repository.name.clone().unwrap_or_default())
            .collect();
        let index: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(position, name)| (name.as_str(), position))
            .collect();
        let mut dangling = Vec::new();
        let upstreams: Vec<Vec<usize>> = domain
            .repositories
            .iter()
            .enumerate()
            .map(|(position, entry)| {
                let listed = entry.repository.upstreams.iter().flatten();
                listed
                    .filter_map(|upstream| {
                        let name = upstream.repository_name.as_deref().unwrap_or("");
                        let found = index.get(name).copied();
                        if found.is_none() {
                            dangling.push((names[position].clone(), name.to_string()));
                        }
                        found
                    })
                    .collect()
            })
            .collect();
        let connections = domain
            .repositories
            .iter()
            .map(|entry| {
                let listed = entry.repository.external_connections.iter().flatten();
                listed
                    .filter_map(|connection| {
                        Some((
                            connection.package_format.clone()?,
                            connection.external_connection_name.clone()?,
                        ))
                    })
                    .collect()
            })
            .collect();
        let closures = (0..names.len())
            .map(|start| search_order(start, &upstreams))
            .collect();
        UpstreamGraph {
            names,
            closures,
            connections,
            dangling,
        }
    }

    pub fn name(&self, repository: usize) -> &str {
        self.names.get(repository).map(String::as_str).unwrap_or("")
    }

    pub fn names_of(&self, path: &[usize]) -> Vec<String> {
        path.iter().map(|&r| self.name(r).to_string()).collect()
    }

    /// The repositories searched for a request to `repository`, in search order, itself first.
    pub fn closure(&self, repository: usize) -> &[Reached] {
        self.closures
            .get(repository)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// External connections held by the repository itself.
    pub fn connections(&self, repository: usize) -> &[(PackageFormat, String)] {
        self.connections
            .get(repository)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Whether the repository itself holds an external connection serving `format`.
    pub fn holds_connection_for(&self, repository: usize, format: &PackageFormat) -> bool {
        self.connection_for(repository, format).is_some()
    }

    fn connection_for(&self, repository: usize, format: &PackageFormat) -> Option<&str> {
        self.connections(repository)
            .iter()
            .find(|(served, _)| served == format)
            .map(|(_, name)| name.as_str())
    }

    /// External connections serving `format` in the closure of `repository`, in search order.
    pub fn external_reach(&self, repository: usize, format: &PackageFormat) -> Vec<ExternalReach> {
        self.closure(repository)
            .iter()
            .filter_map(|reached| {
                let connection = self.connection_for(reached.repository, format)?;
                Some(ExternalReach {
                    holder: reached.repository,
                    connection: connection.to_string(),
                    path: reached.path.clone(),
                })
            })
            .collect()
    }
}

/// Depth-first preorder over upstreams in listed order; a repository seen before is skipped
/// (cycles and diamonds), and the search stops at the service's 25-repository limit.
fn search_order(start: usize, upstreams: &[Vec<usize>]) -> Vec<Reached> {
    let mut order = Vec::new();
    let mut seen = vec![false; upstreams.len()];
    let mut stack = vec![vec![start]];
    while let Some(path) = stack.pop() {
        if order.len() == MAX_SEARCHED_REPOSITORIES {
            break;
        }
        let Some(&current) = path.last() else {
            continue;
        };
        if std::mem::replace(&mut seen[current], true) {
            continue;
        }
        for &next in upstreams[current].iter().rev() {
            if !seen[next] {
                let mut longer = path.clone();
                longer.push(next);
                stack.push(longer);
            }
        }
        order.push(Reached {
            repository: current,
            path,
        });
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{
        DomainDescription, ExternalConnectionInfo, RepositoryDescription, RepositoryEntry,
        UpstreamRepositoryInfo,
    };

    fn repo(name: &str, upstreams: &[&str], connection: Option<(&str, &str)>) -> RepositoryEntry {
        RepositoryEntry {
            repository: RepositoryDescription {
                name: Some(name.into()),
                upstreams: Some(
                    upstreams
                        .iter()
                        .map(|u| UpstreamRepositoryInfo {
                            repository_name: Some(u.to_string()),
                        })
                        .collect(),
                ),
                external_connections: connection.map(|(name, format)| {
                    vec![ExternalConnectionInfo {
                        external_connection_name: Some(name.into()),
                        package_format: Some(format.into()),
                        status: None,
                    }]
                }),
                ..Default::default()
            },
            policy: None,
            packages: vec![],
        }
    }

    fn domain(repositories: Vec<RepositoryEntry>) -> DomainEntry {
        DomainEntry {
            domain: DomainDescription::default(),
            policy: None,
            package_groups: vec![],
            repositories,
        }
    }

    fn order(graph: &UpstreamGraph, start: usize) -> Vec<&str> {
        graph
            .closure(start)
            .iter()
            .map(|r| graph.name(r.repository))
            .collect()
    }

    #[test]
    fn depth_first_in_listed_order() {
        let graph = UpstreamGraph::build(&domain(vec![
            repo("app", &["a", "b"], None),
            repo("a", &["a1", "a2"], None),
            repo("b", &["b1"], None),
            repo("a1", &[], None),
            repo("a2", &[], None),
            repo("b1", &[], None),
        ]));
        assert_eq!(order(&graph, 0), ["app", "a", "a1", "a2", "b", "b1"]);
        let b1 = &graph.closure(0)[5];
        assert_eq!(graph.names_of(&b1.path), ["app", "b", "b1"]);
    }

    #[test]
    fn cycles_and_diamonds_visited_once() {
        let graph = UpstreamGraph::build(&domain(vec![
            repo("x", &["y", "z"], None),
            repo("y", &["x", "z"], None),
            repo("z", &["y"], None),
        ]));
        assert_eq!(order(&graph, 0), ["x", "y", "z"]);
        assert_eq!(order(&graph, 2), ["z", "y", "x"]);
    }

    #[test]
    fn stops_at_twenty_five() {
        let names: Vec<String> = (0..40).map(|i| format!("r{i}")).collect();
        let repositories = (0..40)
            .map(|i| {
                let next: Vec<&str> = names
                    .get(i + 1)
                    .map(|n| vec![n.as_str()])
                    .unwrap_or_default();
                repo(&names[i], &next, None)
            })
            .collect();
        let graph = UpstreamGraph::build(&domain(repositories));
        assert_eq!(graph.closure(0).len(), MAX_SEARCHED_REPOSITORIES);
        assert_eq!(graph.closure(30).len(), 10);
    }

    #[test]
    fn external_reach_names_two_hop_path_and_dangling_upstreams() {
        let graph = UpstreamGraph::build(&domain(vec![
            repo("app", &["internal", "ghost"], None),
            repo("internal", &["npm-store"], None),
            repo("npm-store", &[], Some(("public:npmjs", "npm"))),
        ]));
        let reach = graph.external_reach(0, &PackageFormat::Npm);
        assert_eq!(reach.len(), 1);
        assert_eq!(reach[0].connection, "public:npmjs");
        assert_eq!(
            graph.names_of(&reach[0].path),
            ["app", "internal", "npm-store"]
        );
        assert!(graph.external_reach(0, &PackageFormat::Pypi).is_empty());
        assert_eq!(graph.dangling, [("app".to_string(), "ghost".to_string())]);
    }
}
