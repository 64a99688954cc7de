//! Handling a batch of events: the context (topology cache), the targeted reads, and one
//! result per package. The command line (`caguard scan --event`) and the Lambda function
//! (`caguard-lambda`) both drive this.

use super::evaluate::{self, PackageRead, Reach};
use super::{Batch, Origin, TargetKey};
use crate::app::AppError;
use crate::collect::targeted::{PendingPolicy, Session};
use crate::config::{Config, Date};
use crate::inventory::{CollectionError, DomainEntry, Inventory};
use crate::report::{ScanResult, ScanSource};
use crate::rules::RuleSet;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How a handler treats its context and unlisted versions.
#[derive(Debug, Clone, Copy)]
pub struct HandlerOptions {
    /// A context domain older than this is re-read (topology only) before use.
    pub context_max_age: Duration,
    pub pending: PendingPolicy,
}

/// The outcome for one (repository, package).
#[derive(Debug, Clone)]
pub struct TargetOutcome {
    pub key: TargetKey,
    /// Where its events were in the input (SQS message ids).
    pub origins: Vec<Origin>,
    pub result: ScanResult,
    /// Versions the events name that were still not listed after the bound.
    pub pending: Vec<String>,
    /// How many repositories the package was read in (|R(E)| of the call formula).
    pub repositories_read: usize,
}

impl TargetOutcome {
    /// `pending`, `incomplete` (some read failed) or `complete`.
    pub fn status(&self) -> &'static str {
        if !self.pending.is_empty() {
            "pending"
        } else if !self.result.complete() {
            "incomplete"
        } else {
            "complete"
        }
    }
}

/// Everything that survives between batches: the connection, the policy and the context.
pub struct Handler {
    session: Arc<Session>,
    config: Config,
    rules: RuleSet,
    baseline: Option<BTreeSet<String>>,
    options: HandlerOptions,
    /// The cached topology (and the packages of the last full scan, when the context came
    /// from one), one inventory for every domain seen.
    context: Inventory,
    /// When each domain of the context was read, epoch seconds.
    read_at: BTreeMap<(String, String), f64>,
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs_f64())
        .unwrap_or_default()
}

fn domain_key(entry: &DomainEntry) -> Option<(String, String)> {
    Some((entry.domain.owner.clone()?, entry.domain.name.clone()?))
}

impl Handler {
    /// `context` is the last full scan's inventory (or an earlier context); a context for
    /// another region than the session's is not used.
    pub fn new(
        session: Session,
        config: Config,
        rules: RuleSet,
        baseline: Option<BTreeSet<String>>,
        context: Option<Inventory>,
        options: HandlerOptions,
    ) -> Handler {
        let mut cached = Inventory::new();
        cached.region = Some(session.region().to_string());
        let mut read_at = BTreeMap::new();
        if let Some(context) = context {
            let same_region = context
                .region
                .as_deref()
                .is_none_or(|region| region == session.region());
            if same_region {
                let at = context.collected_at.unwrap_or(0.0);
                for entry in context.domains {
                    if let Some(key) = domain_key(&entry) {
                        read_at.insert(key, at);
                    }
                    cached.domains.push(entry);
                }
                cached.collected_at = context.collected_at;
            } else {
                tracing::warn!("the context is for another region; reading the topology instead");
            }
        }
        Handler {
            session: Arc::new(session),
            config,
            rules,
            baseline,
            options,
            context: cached,
            read_at,
        }
    }

    /// The current context, e.g. to save it for the next run.
    pub fn context(&self) -> &Inventory {
        &self.context
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Re-reads one domain's topology, keeping the cached package records of repositories
    /// that still exist. Failures end up in the context's errors for that domain.
    async fn refresh(&mut self, owner: &str, domain: &str) -> Result<(), AppError> {
        let fresh = self.session.topology(domain, owner).await?;
        let key = (owner.to_string(), domain.to_string());
        let old_position = self
            .context
            .domains
            .iter()
            .position(|entry| domain_key(entry).as_ref() == Some(&key));
        let old = old_position.map(|position| self.context.domains.remove(position));
        let domain_arn = crate::arn::domain(self.session.region(), owner, domain);
        // Old failures about this domain are superseded by the new read's.
        self.context.errors.retain(|error| {
            error.resource != domain_arn
                && !error
                    .resource
                    .contains(&format!(":{owner}:repository/{domain}/"))
                && !error
                    .resource
                    .contains(&format!(":{owner}:package-group/{domain}/"))
        });
        self.context.errors.extend(fresh.errors);
        for mut entry in fresh.domains {
            if let Some(old) = &old {
                for repository in &mut entry.repositories {
                    if let Some(cached) = old
                        .repositories
                        .iter()
                        .find(|cached| cached.repository.name == repository.repository.name)
                    {
                        repository.packages = cached.packages.clone();
                    }
                }
            }
            self.context.domains.push(entry);
        }
        self.read_at.insert(key, now());
        Ok(())
    }

    fn stale(&self, owner: &str, domain: &str) -> bool {
        let key = (owner.to_string(), domain.to_string());
        match self.read_at.get(&key) {
            Some(at) => now() - at > self.options.context_max_age.as_secs_f64(),
            None => true,
        }
    }

    /// Handles one batch: one outcome per (repository, package), in key order.
    pub async fn handle(
        &mut self,
        batch: &Batch,
        today: Date,
    ) -> Result<Vec<TargetOutcome>, AppError> {
        // The topology first, once per domain: a repository the context does not know (created
        // since) forces a refresh even of a fresh context.
        let mut domains: BTreeSet<(String, String)> = BTreeSet::new();
        for target in &batch.targets {
            domains.insert((target.key.domain_owner.clone(), target.key.domain.clone()));
        }
        for (owner, domain) in &domains {
            let unknown_repository = batch.targets.iter().any(|target| {
                target.key.domain_owner == *owner
                    && target.key.domain == *domain
                    && evaluate::find_domain(&self.context, &target.key)
                        .and_then(|entry| evaluate::reach(entry, &target.key.repository))
                        .is_none()
            });
            if self.stale(owner, domain) || unknown_repository {
                self.refresh(owner, domain).await?;
            }
        }
        // The reads, concurrently (the gate paces them); then the evaluations, one by one.
        let mut reads = tokio::task::JoinSet::new();
        let mut planned: Vec<(usize, Reach)> = Vec::new();
        let mut outcomes: Vec<Option<TargetOutcome>> = vec![None; batch.targets.len()];
        for (index, target) in batch.targets.iter().enumerate() {
            let region_mismatch = target
                .region
                .as_deref()
                .filter(|region| *region != self.session.region());
            let reach = evaluate::find_domain(&self.context, &target.key)
                .and_then(|entry| evaluate::reach(entry, &target.key.repository));
            match (region_mismatch, reach) {
                (None, Some(reach)) => {
                    let (session, key, expected, pending) = (
                        self.session.clone(),
                        target.key.clone(),
                        target.expected_versions(),
                        self.options.pending,
                    );
                    let wanted = reach.clone();
                    reads.spawn(async move {
                        let read = session
                            .read_package(&key, &wanted, &expected, pending)
                            .await;
                        (index, read)
                    });
                    planned.push((index, reach));
                }
                (mismatch, _) => {
                    let message = match mismatch {
                        Some(region) => format!(
                            "the event is for region {region}, but caguard reads region {}",
                            self.session.region()
                        ),
                        None => format!(
                            "repository `{}` is not in domain `{}` (owner {}) as read",
                            target.key.repository, target.key.domain, target.key.domain_owner
                        ),
                    };
                    let error = CollectionError {
                        operation: "DescribeRepository".to_string(),
                        resource: crate::arn::repository(
                            self.session.region(),
                            &target.key.domain_owner,
                            &target.key.domain,
                            &target.key.repository,
                        ),
                        code: "ResourceNotFoundException".to_string(),
                        message,
                    };
                    outcomes[index] = Some(TargetOutcome {
                        key: target.key.clone(),
                        origins: target.origins.clone(),
                        result: self.empty_result(vec![error]),
                        pending: Vec::new(),
                        repositories_read: 0,
                    });
                }
            }
        }
        let mut finished: BTreeMap<usize, PackageRead> = BTreeMap::new();
        while let Some(joined) = reads.join_next().await {
            if let Ok((index, read)) = joined {
                finished.insert(index, read);
            }
        }
        let mut gathered: Vec<(usize, Reach, PackageRead)> = Vec::new();
        for (index, reach) in planned {
            let Some(target) = batch.targets.get(index) else {
                continue;
            };
            let read = finished.remove(&index).unwrap_or_else(|| PackageRead {
                errors: vec![CollectionError {
                    operation: "DescribePackage".to_string(),
                    resource: crate::arn::package(
                        self.session.region(),
                        &target.key.domain_owner,
                        &target.key.domain,
                        &target.key.repository,
                        &target.key.format,
                        target.key.namespace.as_deref(),
                        &target.key.package,
                    ),
                    code: "InternalError".to_string(),
                    message: "the read of this package stopped unexpectedly".to_string(),
                }],
                ..PackageRead::default()
            });
            gathered.push((index, reach, read));
        }
        // One evaluation for the whole batch (see `evaluate::scan_targets`).
        let checked: Vec<evaluate::Checked<'_>> = gathered
            .iter()
            .filter_map(|(index, reach, read)| {
                batch.targets.get(*index).map(|target| evaluate::Checked {
                    key: &target.key,
                    reach,
                    read,
                })
            })
            .collect();
        let results = evaluate::scan_targets(
            &self.context,
            &checked,
            &self.config,
            &self.rules,
            self.baseline.as_ref(),
            today,
        )?;
        for ((index, reach, read), result) in gathered.iter().zip(results) {
            let Some(target) = batch.targets.get(*index) else {
                continue;
            };
            if let Some(slot) = outcomes.get_mut(*index) {
                *slot = Some(TargetOutcome {
                    key: target.key.clone(),
                    origins: target.origins.clone(),
                    result,
                    pending: read.pending.clone(),
                    repositories_read: reach.read.len(),
                });
            }
        }
        Ok(outcomes.into_iter().flatten().collect())
    }

    /// A result with no finding: the shape [`evaluate::combine`] starts from.
    pub fn empty_result(&self, collection_errors: Vec<CollectionError>) -> ScanResult {
        ScanResult {
            source: ScanSource {
                kind: "live".to_string(),
                path: None,
                region: Some(self.session.region().to_string()),
                accounts: Vec::new(),
                domains: Vec::new(),
                shards: Vec::new(),
                collected_at: None,
                config: self.config.source.as_ref().map(|p| p.display().to_string()),
            },
            collection_errors,
            warnings: Vec::new(),
            findings: Vec::new(),
            suppressions: Vec::new(),
        }
    }
}
