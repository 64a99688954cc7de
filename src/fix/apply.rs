//! Applying a plan and undoing a journal through the CodeArtifact write API.
//!
//! Every action re-reads its target first: equal to *after* means already in place (no
//! write); equal to *before* means go; anything else is stale and left alone. Each write is
//! announced in the journal (`intent`), sent, read back, and recorded (`result`). Writes share
//! one rate limit (`--max-write-rps`) and the SDK makes one attempt per call, so every attempt,
//! retries included, passes that limit; this layer retries throttling and 5xx answers
//! (honouring `Retry-After`). A failure is counted and the run goes on.
//!
//! Write semantics (<https://docs.aws.amazon.com/codeartifact/latest/ug/package-origin-controls.html>,
//! <https://docs.aws.amazon.com/codeartifact/latest/ug/package-groups.html>):
//! PutPackageOriginConfiguration on a package a repository has no record of creates a
//! version-less record, which only DeletePackage removes (with every version, so only while
//! there are none); CreatePackageGroup cannot set origin controls, so UpdatePackageGroupOriginConfiguration
//! follows it; a new group's association with existing packages is eventually consistent.

use super::journal::{self, Journal, JournalError, Record, Run};
use super::model::{loosening, Action, Mode, Plan, State, Target, ALLOW, GROUP_KEYS, INHERIT};
use crate::collect::{self, call, Counters, Failure, Gate, Op, RetryPolicy};
use aws_sdk_codeartifact::types::{
    AllowPublish, AllowUpstream, PackageFormat, PackageGroupOriginRestrictionMode,
    PackageGroupOriginRestrictionType, PackageOriginRestrictions,
};
use aws_sdk_codeartifact::Client;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How to reach the account and how fast to write.
#[derive(Debug, Clone)]
pub struct Options {
    pub source: collect::Source,
    /// Timeouts, attempts and backoff (the collector's options; `concurrency` is the number of
    /// actions in flight).
    pub connection: collect::Options,
    /// Write requests per second at most, all write operations together.
    pub max_write_rps: f64,
    pub journal: PathBuf,
}

/// Default `--max-write-rps`: half the account's 100 writes/s, leaving room for others.
pub const DEFAULT_MAX_WRITE_RPS: f64 = 50.0;

/// What became of one action (or, for undo, one journaled write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written (undo: restored).
    Applied(Verify),
    /// Already at its target: no write.
    Unchanged,
    /// The live state is neither the expected one nor the target: left as it is.
    Stale(String),
    /// Undo: would not restore, and why.
    Refused(String),
    Failed(String),
    /// Unsafe and not admitted by the mode.
    HeldBack,
    /// `undo --dry-run`: what would be done.
    Would(String),
}

/// The read-back after a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
    Verified,
    Mismatch(String),
    /// A new package group's association, which the service applies eventually.
    Pending,
}

impl Verify {
    fn as_str(&self) -> &'static str {
        match self {
            Verify::Verified => "verified",
            Verify::Mismatch(_) => "mismatch",
            Verify::Pending => "pending",
        }
    }
}

/// One line of an apply or undo report.
#[derive(Debug, Clone)]
pub struct ItemResult {
    pub arn: String,
    pub describe: String,
    pub outcome: Outcome,
    /// Fingerprints of the findings the action closes (empty for undo).
    pub fingerprints: Vec<String>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub run: Run,
    pub items: Vec<ItemResult>,
    pub journal: Option<PathBuf>,
}

impl Report {
    /// The findings whose actions are now in place (written and verified or pending, or
    /// already there).
    pub fn closed(&self) -> BTreeSet<String> {
        self.items
            .iter()
            .filter(|item| {
                matches!(
                    item.outcome,
                    Outcome::Unchanged | Outcome::Applied(Verify::Verified | Verify::Pending)
                )
            })
            .flat_map(|item| item.fingerprints.iter().cloned())
            .collect()
    }

    /// Whether some action failed, was stale or refused, or did not read back as written.
    pub fn troubled(&self) -> bool {
        self.items.iter().any(|item| {
            matches!(
                item.outcome,
                Outcome::Stale(_)
                    | Outcome::Refused(_)
                    | Outcome::Failed(_)
                    | Outcome::Applied(Verify::Mismatch(_))
            )
        })
    }

    /// One line per item, then the totals.
    pub fn render(&self) -> String {
        let mut text = String::new();
        let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
        let applied = if self.run == Run::Undo {
            "restored"
        } else {
            "applied"
        };
        for item in &self.items {
            let (label, detail) = match &item.outcome {
                Outcome::Applied(verify) => (
                    applied,
                    match verify {
                        Verify::Mismatch(detail) => format!("mismatch: {detail}"),
                        other => other.as_str().to_string(),
                    },
                ),
                Outcome::Unchanged => ("unchanged", "already in place".to_string()),
                Outcome::Stale(detail) => ("stale", detail.clone()),
                Outcome::Refused(detail) => ("refused", detail.clone()),
                Outcome::Failed(detail) => ("failed", detail.clone()),
                Outcome::HeldBack => ("held back", "unsafe: use --fix=all".to_string()),
                Outcome::Would(detail) => ("would", detail.clone()),
            };
            *totals.entry(label).or_insert(0) += 1;
            let _ = writeln!(
                text,
                "  {label:<10} {}: {}",
                crate::report::text::escape(&item.describe),
                crate::report::text::escape(&detail)
            );
        }
        let summary = [
            applied,
            "unchanged",
            "stale",
            "refused",
            "failed",
            "held back",
            "would",
        ]
        .iter()
        .filter_map(|label| totals.get(label).map(|n| format!("{n} {label}")))
        .collect::<Vec<_>>();
        let _ = writeln!(
            text,
            "{}: {}",
            if self.run == Run::Undo {
                "Undo"
            } else {
                "Apply"
            },
            if summary.is_empty() {
                "nothing to do".to_string()
            } else {
                summary.join(", ")
            }
        );
        text
    }
}

/// Why a run could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(transparent)]
    Collect(#[from] collect::CollectError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[from] std::io::Error),
    #[error("{0}")]
    Plan(String),
}

struct Ctx {
    client: Client,
    gate: Gate,
    counters: Arc<Counters>,
    retry: RetryPolicy,
    region: String,
    journal: Option<Journal>,
    /// Set when the journal cannot be written: no further write may be sent.
    halted: AtomicBool,
}

async fn context(options: &Options, journal: Option<Journal>) -> Result<Ctx, FixError> {
    let sdk = collect::load_sdk_config(&options.source).await;
    let region = collect::check_credentials(&sdk).await?;
    let counters = Arc::new(Counters::default());
    let connection = &options.connection;
    let client = collect::client(&sdk, connection, &counters);
    Ok(Ctx {
        client,
        gate: connection.gate().with_write_rps(options.max_write_rps),
        counters,
        retry: connection.retry_policy(),
        region,
        journal,
        halted: AtomicBool::new(false),
    })
}

fn failure_text(failure: &Failure) -> String {
    format!("{}: {}", failure.code, failure.message)
}

/// A new group's modes: INHERIT for every restriction (a group is created without origin
/// controls; AWS's own CloudFormation handler skips the update when all three are INHERIT).
fn created_group() -> State {
    State {
        exists: true,
        restrictions: GROUP_KEYS
            .iter()
            .map(|k| (k.to_string(), INHERIT.to_string()))
            .collect(),
    }
}

impl Ctx {
    async fn read(&self, target: &Target) -> Result<State, Failure> {
        match target {
            Target::Package {
                domain_owner,
                domain,
                repository,
                format,
                namespace,
                name,
            } => {
                let result = call(
                    &self.gate,
                    &self.counters,
                    &self.retry,
                    Op::DescribePackage,
                    || {
                        self.client
                            .describe_package()
                            .domain(domain)
                            .domain_owner(domain_owner)
                            .repository(repository)
                            .format(PackageFormat::from(format.as_str()))
                            .set_namespace(namespace.clone())
                            .package(name)
                            .send()
                    },
                )
                .await;
                match result {
                    Err(failure) if failure.is_not_found() => Ok(State::absent()),
                    Err(failure) => Err(failure),
                    Ok(output) => {
                        let restrictions = output
                            .package()
                            .and_then(|p| p.origin_configuration())
                            .and_then(|c| c.restrictions());
                        let (publish, upstream) =
                            restrictions.map_or((ALLOW.to_string(), ALLOW.to_string()), |r| {
                                (
                                    r.publish().as_str().to_string(),
                                    r.upstream().as_str().to_string(),
                                )
                            });
                        Ok(State {
                            exists: true,
                            restrictions: BTreeMap::from([
                                ("publish".to_string(), publish),
                                ("upstream".to_string(), upstream),
                            ]),
                        })
                    }
                }
            }
            Target::PackageGroup {
                domain_owner,
                domain,
                pattern,
            } => {
                let result = call(
                    &self.gate,
                    &self.counters,
                    &self.retry,
                    Op::DescribePackageGroup,
                    || {
                        self.client
                            .describe_package_group()
                            .domain(domain)
                            .domain_owner(domain_owner)
                            .package_group(pattern)
                            .send()
                    },
                )
                .await;
                match result {
                    Err(failure) if failure.is_not_found() => Ok(State::absent()),
                    Err(failure) => Err(failure),
                    Ok(output) => {
                        let restrictions = output
                            .package_group()
                            .and_then(|g| g.origin_configuration())
                            .and_then(|c| c.restrictions());
                        let root = pattern == "/*";
                        let modes = GROUP_KEYS
                            .iter()
                            .map(|key| {
                                let mode = restrictions
                                    .and_then(|r| {
                                        r.get(&PackageGroupOriginRestrictionType::from(*key))
                                    })
                                    .and_then(|r| r.mode())
                                    .map(|m| m.as_str().to_string())
                                    .unwrap_or_else(|| {
                                        if root { ALLOW } else { INHERIT }.to_string()
                                    });
                                (key.to_string(), mode)
                            })
                            .collect();
                        Ok(State {
                            exists: true,
                            restrictions: modes,
                        })
                    }
                }
            }
        }
    }

    /// Whether a package record has any version (undo deletes only version-less records).
    async fn has_versions(&self, target: &Target) -> Result<bool, Failure> {
        let Target::Package {
            domain_owner,
            domain,
            repository,
            format,
            namespace,
            name,
        } = target
        else {
            return Ok(false);
        };
        let output = call(
            &self.gate,
            &self.counters,
            &self.retry,
            Op::ListPackageVersions,
            || {
                self.client
                    .list_package_versions()
                    .domain(domain)
                    .domain_owner(domain_owner)
                    .repository(repository)
                    .format(PackageFormat::from(format.as_str()))
                    .set_namespace(namespace.clone())
                    .package(name)
                    .max_results(1)
                    .send()
            },
        )
        .await?;
        Ok(!output.versions().is_empty())
    }

    /// Sends one write that takes `target` from `from` to `to`.
    async fn write(
        &self,
        op: Op,
        target: &Target,
        from: &State,
        to: &State,
    ) -> Result<(), Failure> {
        let (gate, counters, retry) = (&self.gate, &*self.counters, &self.retry);
        match (op, target) {
            (
                Op::PutPackageOriginConfiguration,
                Target::Package {
                    domain_owner,
                    domain,
                    repository,
                    format,
                    namespace,
                    name,
                },
            ) => {
                let restrictions = PackageOriginRestrictions::builder()
                    .publish(AllowPublish::from(to.get("publish").unwrap_or("BLOCK")))
                    .upstream(AllowUpstream::from(to.get("upstream").unwrap_or("BLOCK")))
                    .build()
                    .map_err(|e| Failure::new("ConstructionFailure", e.to_string()))?;
                call(gate, counters, retry, op, || {
                    self.client
                        .put_package_origin_configuration()
                        .domain(domain)
                        .domain_owner(domain_owner)
                        .repository(repository)
                        .format(PackageFormat::from(format.as_str()))
                        .set_namespace(namespace.clone())
                        .package(name)
                        .restrictions(restrictions.clone())
                        .send()
                })
                .await
                .map(drop)
            }
            (
                Op::DeletePackage,
                Target::Package {
                    domain_owner,
                    domain,
                    repository,
                    format,
                    namespace,
                    name,
                },
            ) => call(gate, counters, retry, op, || {
                self.client
                    .delete_package()
                    .domain(domain)
                    .domain_owner(domain_owner)
                    .repository(repository)
                    .format(PackageFormat::from(format.as_str()))
                    .set_namespace(namespace.clone())
                    .package(name)
                    .send()
            })
            .await
            .map(drop),
            (
                Op::CreatePackageGroup,
                Target::PackageGroup {
                    domain_owner,
                    domain,
                    pattern,
                },
            ) => {
                let created = call(gate, counters, retry, op, || {
                    self.client
                        .create_package_group()
                        .domain(domain)
                        .domain_owner(domain_owner)
                        .package_group(pattern)
                        .description("created by caguard fix")
                        .send()
                })
                .await;
                match created {
                    // A retried create whose first attempt got through.
                    Err(failure) if failure.code == "ConflictException" => {
                        match self.read(target).await {
                            Ok(state) if state == *to => Ok(()),
                            _ => Err(failure),
                        }
                    }
                    other => other.map(drop),
                }
            }
            (
                Op::UpdatePackageGroupOriginConfiguration,
                Target::PackageGroup {
                    domain_owner,
                    domain,
                    pattern,
                },
            ) => {
                let changed: Vec<(&String, &String)> = to
                    .restrictions
                    .iter()
                    .filter(|(k, v)| from.get(k) != Some(v.as_str()))
                    .collect();
                call(gate, counters, retry, op, || {
                    let mut request = self
                        .client
                        .update_package_group_origin_configuration()
                        .domain(domain)
                        .domain_owner(domain_owner)
                        .package_group(pattern);
                    for (key, mode) in &changed {
                        request = request.restrictions(
                            PackageGroupOriginRestrictionType::from(key.as_str()),
                            PackageGroupOriginRestrictionMode::from(mode.as_str()),
                        );
                    }
                    request.send()
                })
                .await
                .map(drop)
            }
            (
                Op::DeletePackageGroup,
                Target::PackageGroup {
                    domain_owner,
                    domain,
                    pattern,
                },
            ) => call(gate, counters, retry, op, || {
                self.client
                    .delete_package_group()
                    .domain(domain)
                    .domain_owner(domain_owner)
                    .package_group(pattern)
                    .send()
            })
            .await
            .map(drop),
            _ => Err(Failure::new(
                "InternalError",
                format!("{} does not apply to {}", op.name(), target.describe()),
            )),
        }
    }

    fn journal(&self, record: Record) -> Result<(), String> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        journal.append(&record).map_err(|error| {
            self.halted.store(true, Ordering::SeqCst);
            error.to_string()
        })
    }

    /// Journals, sends and verifies one write. `created` marks a new group, whose association
    /// AWS applies eventually.
    #[allow(clippy::too_many_arguments)]
    async fn step(
        &self,
        run: Run,
        arn: &str,
        op: Op,
        target: &Target,
        from: &State,
        to: &State,
        created: bool,
    ) -> Outcome {
        if self.halted.load(Ordering::SeqCst) {
            return Outcome::Failed("not sent: the journal cannot be written".to_string());
        }
        let intent = Record::Intent {
            run,
            action: arn.to_string(),
            operation: op.name().to_string(),
            target: target.clone(),
            before: from.clone(),
            after: to.clone(),
            creates: !from.exists && to.exists,
            at: journal::now(),
        };
        if let Err(error) = self.journal(intent) {
            return Outcome::Failed(error);
        }
        let result =
            |outcome: &str, verify: Option<&Verify>, error: Option<String>| Record::Result {
                run,
                action: arn.to_string(),
                operation: op.name().to_string(),
                outcome: outcome.to_string(),
                verify: verify.map(|v| v.as_str().to_string()),
                error,
                at: journal::now(),
            };
        if let Err(failure) = self.write(op, target, from, to).await {
            let text = failure_text(&failure);
            self.counters.failed();
            let _ = self.journal(result("failed", None, Some(text.clone())));
            return Outcome::Failed(format!("{}: {text}", op.name()));
        }
        let verify = match self.read(target).await {
            Ok(state) if state == *to => {
                if created {
                    Verify::Pending
                } else {
                    Verify::Verified
                }
            }
            Ok(_) | Err(_) if created => Verify::Pending,
            Ok(state) => Verify::Mismatch(format!("reads back as {}", show(&state))),
            Err(failure) => {
                Verify::Mismatch(format!("cannot read it back: {}", failure_text(&failure)))
            }
        };
        if let Err(error) = self.journal(result("applied", Some(&verify), None)) {
            return Outcome::Failed(error);
        }
        Outcome::Applied(verify)
    }
}

fn show(state: &State) -> String {
    if state.exists {
        state.render()
    } else {
        "absent".to_string()
    }
}

/// Checks a plan read from a file before anything is sent: version, and that no action
/// loosens (a hand-edited plan must not turn a block into an allow).
pub fn check(plan: &Plan) -> Result<(), FixError> {
    if plan.plan_version != super::model::PLAN_VERSION {
        return Err(FixError::Plan(format!(
            "planVersion {} is not supported (expected {})",
            plan.plan_version,
            super::model::PLAN_VERSION
        )));
    }
    let mut seen = HashSet::new();
    for (index, action) in plan.actions.iter().enumerate() {
        if !seen.insert(&action.target) {
            return Err(FixError::Plan(format!(
                "actions[{index}]: a second action for {}",
                action.target.describe()
            )));
        }
        if let Some(reason) = loosening(&action.target, &action.before, &action.after) {
            return Err(FixError::Plan(format!(
                "actions[{index}] ({}) would loosen a setting: {reason}; caguard only tightens",
                action.target.describe()
            )));
        }
        if let Target::Package { format, .. } = &action.target {
            if !action.after.exists || action.after.get("publish").is_none() {
                return Err(FixError::Plan(format!(
                    "actions[{index}]: a {format} package action needs publish and upstream in `after`"
                )));
            }
        }
    }
    Ok(())
}

/// Intents without a result: writes a killed run may or may not have made.
fn dangling(records: &[Record]) -> HashSet<(String, String)> {
    let mut open = HashSet::new();
    for record in records {
        match record {
            Record::Intent {
                run: Run::Fix,
                action,
                operation,
                ..
            } => {
                open.insert((action.clone(), operation.clone()));
            }
            Record::Result {
                run: Run::Fix,
                action,
                operation,
                ..
            } => {
                open.remove(&(action.clone(), operation.clone()));
            }
            _ => {}
        }
    }
    open
}

async fn apply_action(
    ctx: &Ctx,
    plan_mode: Mode,
    action: &Action,
    resumed: &HashSet<(String, String)>,
    created_before: &HashSet<String>,
) -> Outcome {
    if !plan_mode.admits(action.safety) {
        return Outcome::HeldBack;
    }
    let arn = action.target.arn(&ctx.region);
    let live = match ctx.read(&action.target).await {
        Ok(state) => state,
        Err(failure) => {
            ctx.counters.failed();
            return Outcome::Failed(format!("cannot read it: {}", failure_text(&failure)));
        }
    };
    let group = action.target.is_group();
    if live == action.after {
        // A killed run's last write may have landed: say so, so undo and the journal agree.
        for (a, operation) in resumed {
            if *a == arn {
                let _ = ctx.journal(Record::Result {
                    run: Run::Fix,
                    action: arn.clone(),
                    operation: operation.clone(),
                    outcome: "applied".to_string(),
                    verify: Some("verified".to_string()),
                    error: Some("confirmed on resume".to_string()),
                    at: journal::now(),
                });
            }
        }
        return Outcome::Unchanged;
    }
    let create_group = group && !action.before.exists;
    let mut steps: Vec<(Op, State, State)> = Vec::new();
    if live == action.before {
        match (group, create_group) {
            (false, _) => steps.push((
                Op::PutPackageOriginConfiguration,
                live.clone(),
                action.after.clone(),
            )),
            (true, true) => {
                steps.push((Op::CreatePackageGroup, live.clone(), created_group()));
                steps.push((
                    Op::UpdatePackageGroupOriginConfiguration,
                    created_group(),
                    action.after.clone(),
                ));
            }
            (true, false) => steps.push((
                Op::UpdatePackageGroupOriginConfiguration,
                live.clone(),
                action.after.clone(),
            )),
        }
    } else if create_group && live == created_group() && created_before.contains(&arn) {
        // This journal's run created the group and stopped before its update.
        steps.push((
            Op::UpdatePackageGroupOriginConfiguration,
            live.clone(),
            action.after.clone(),
        ));
    } else {
        return Outcome::Stale(format!(
            "changed since the plan: expected {}, found {}",
            show(&action.before),
            show(&live)
        ));
    }
    let mut last = Outcome::Unchanged;
    for (op, from, to) in steps {
        last = ctx
            .step(Run::Fix, &arn, op, &action.target, &from, &to, create_group)
            .await;
        if !matches!(last, Outcome::Applied(_)) {
            break;
        }
    }
    last
}

/// Applies the actions of `plan` its mode admits, journaling every write.
pub async fn apply(plan: &Plan, options: &Options) -> Result<Report, FixError> {
    check(plan)?;
    let journal = Journal::open(&options.journal)?;
    let resumed = dangling(&journal.records);
    let created_before: HashSet<String> = journal
        .records
        .iter()
        .filter_map(|record| match record {
            Record::Intent {
                run: Run::Fix,
                action,
                operation,
                ..
            } if operation == Op::CreatePackageGroup.name() => Some(action.clone()),
            _ => None,
        })
        .collect();
    journal.append(&Record::Start {
        journal_version: 1,
        run: Run::Fix,
        caguard_version: env!("CARGO_PKG_VERSION").to_string(),
        at: journal::now(),
    })?;
    let ctx = Arc::new(context(options, Some(journal)).await?);
    let resumed = Arc::new(resumed);
    let created_before = Arc::new(created_before);
    let slots = Arc::new(tokio::sync::Semaphore::new(
        options.connection.concurrency.clamp(1, 16),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, action) in plan.actions.iter().cloned().enumerate() {
        let (ctx, resumed, created_before, slots) = (
            ctx.clone(),
            resumed.clone(),
            created_before.clone(),
            slots.clone(),
        );
        let mode = plan.mode;
        tasks.spawn(async move {
            let _slot = slots.acquire().await.ok();
            let outcome = apply_action(&ctx, mode, &action, &resumed, &created_before).await;
            (index, action, outcome)
        });
    }
    let mut items = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, action, outcome)) => items.push((
                index,
                ItemResult {
                    arn: action.target.arn(&ctx.region),
                    describe: action.target.describe(),
                    outcome,
                    fingerprints: action
                        .findings
                        .iter()
                        .map(|f| f.fingerprint.clone())
                        .collect(),
                },
            )),
            Err(error) => items.push((
                usize::MAX,
                ItemResult {
                    arn: String::new(),
                    describe: "an action".to_string(),
                    outcome: Outcome::Failed(format!("internal error: {error}")),
                    fingerprints: Vec::new(),
                },
            )),
        }
    }
    items.sort_by_key(|(index, _)| *index);
    Ok(Report {
        run: Run::Fix,
        items: items.into_iter().map(|(_, item)| item).collect(),
        journal: Some(options.journal.clone()),
    })
}

/// Restores the journaled *before* of every fix write, newest first, where the live state
/// still equals what the fix wrote.
pub async fn undo(
    journal_path: &Path,
    options: &Options,
    dry_run: bool,
) -> Result<Report, FixError> {
    let (records, journal) = if dry_run {
        (Journal::read(journal_path)?, None)
    } else {
        let journal = Journal::open(journal_path)?;
        journal.append(&Record::Start {
            journal_version: 1,
            run: Run::Undo,
            caguard_version: env!("CARGO_PKG_VERSION").to_string(),
            at: journal::now(),
        })?;
        (journal.records.clone(), Some(journal))
    };
    let ctx = Arc::new(context(options, journal).await?);
    // Per action, the states before each of its fix writes, oldest first: a resource back at
    // any of them (up to the write being undone) is restored already, e.g. a group whose
    // creation was undone after its update.
    let mut earlier: BTreeMap<&str, Vec<(usize, &State)>> = BTreeMap::new();
    for (position, record) in records.iter().enumerate() {
        if let Record::Intent {
            run: Run::Fix,
            action,
            before,
            ..
        } = record
        {
            earlier.entry(action).or_default().push((position, before));
        }
    }
    // Newest first within each resource; resources are independent, so they are undone
    // concurrently, in the order their newest write was made.
    let mut seen = HashSet::new();
    let mut order: Vec<String> = Vec::new();
    let mut work: BTreeMap<String, Vec<UndoItem>> = BTreeMap::new();
    for (position, record) in records.iter().enumerate().rev() {
        let Record::Intent {
            run: Run::Fix,
            action,
            operation,
            target,
            before,
            after,
            ..
        } = record
        else {
            continue;
        };
        if !seen.insert((action, operation, before, after)) {
            continue;
        }
        let restored: Vec<State> = earlier
            .get(action.as_str())
            .into_iter()
            .flatten()
            .filter(|(at, _)| *at <= position)
            .map(|(_, state)| (*state).clone())
            .collect();
        if !work.contains_key(action) {
            order.push(action.clone());
        }
        work.entry(action.clone()).or_default().push(UndoItem {
            describe: format!("{} ({operation})", target.describe()),
            target: target.clone(),
            before: before.clone(),
            after: after.clone(),
            restored,
        });
    }
    let slots = Arc::new(tokio::sync::Semaphore::new(
        options.connection.concurrency.clamp(1, 16),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, action) in order.into_iter().enumerate() {
        let list = work.remove(&action).unwrap_or_default();
        let (ctx, slots) = (ctx.clone(), slots.clone());
        tasks.spawn(async move {
            let _slot = slots.acquire().await.ok();
            let mut results = Vec::new();
            for item in list {
                let restored: Vec<&State> = item.restored.iter().collect();
                let outcome = undo_one(
                    &ctx,
                    &action,
                    &item.target,
                    &item.before,
                    &restored,
                    &item.after,
                    dry_run,
                )
                .await;
                results.push(ItemResult {
                    arn: action.clone(),
                    describe: item.describe,
                    outcome,
                    fingerprints: Vec::new(),
                });
            }
            (index, results)
        });
    }
    let mut done = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => done.push(result),
            Err(error) => done.push((
                usize::MAX,
                vec![ItemResult {
                    arn: String::new(),
                    describe: "an undo item".to_string(),
                    outcome: Outcome::Failed(format!("internal error: {error}")),
                    fingerprints: Vec::new(),
                }],
            )),
        }
    }
    done.sort_by_key(|(index, _)| *index);
    Ok(Report {
        run: Run::Undo,
        items: done.into_iter().flat_map(|(_, items)| items).collect(),
        journal: Some(journal_path.to_path_buf()),
    })
}

/// One journaled fix write to undo.
struct UndoItem {
    describe: String,
    target: Target,
    before: State,
    after: State,
    restored: Vec<State>,
}

/// Undoes one journaled write back to `before`. `restored` holds the states before this
/// action's fix writes up to this one: a resource at any of them needs nothing.
#[allow(clippy::too_many_arguments)]
async fn undo_one(
    ctx: &Ctx,
    arn: &str,
    target: &Target,
    before: &State,
    restored: &[&State],
    after: &State,
    dry_run: bool,
) -> Outcome {
    let live = match ctx.read(target).await {
        Ok(state) => state,
        Err(failure) => {
            return Outcome::Failed(format!("cannot read it: {}", failure_text(&failure)))
        }
    };
    if live == *before || restored.contains(&&live) {
        return Outcome::Unchanged;
    }
    if live != *after {
        return Outcome::Refused(format!(
            "changed by someone else since the fix: the fix left {}, it is now {}; left as it is",
            show(after),
            show(&live)
        ));
    }
    let op = match (target.is_group(), before.exists) {
        (false, false) => match ctx.has_versions(target).await {
            Ok(true) => {
                return Outcome::Refused(
                    "the record the fix created has versions now: DeletePackage would delete them, so it stays blocked"
                        .to_string(),
                )
            }
            Ok(false) => Op::DeletePackage,
            Err(failure) => {
                return Outcome::Failed(format!(
                    "cannot list its versions: {}",
                    failure_text(&failure)
                ))
            }
        },
        (false, true) => Op::PutPackageOriginConfiguration,
        (true, false) => Op::DeletePackageGroup,
        (true, true) => Op::UpdatePackageGroupOriginConfiguration,
    };
    if dry_run {
        return Outcome::Would(format!("{} back to {}", op.name(), show(before)));
    }
    ctx.step(Run::Undo, arn, op, target, &live, before, false)
        .await
}

/// [`apply`] on a runtime of its own.
pub fn apply_blocking(plan: &Plan, options: &Options) -> Result<Report, FixError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(apply(plan, options))
}

/// [`undo`] on a runtime of its own.
pub fn undo_blocking(journal: &Path, options: &Options, dry_run: bool) -> Result<Report, FixError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(undo(journal, options, dry_run))
}
