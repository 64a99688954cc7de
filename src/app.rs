//! The offline pipeline as a library: policy loading, and facts → rules → findings →
//! suppressions → baseline. The commands (`crate::commands`) add input, output and the gate.

use crate::config::{Config, Date};
use crate::facts;
use crate::gate;
use crate::inventory::Inventory;
use crate::report::{ScanResult, ScanSource};
use crate::rules::{self, RuleSet};
use std::collections::BTreeSet;
use std::path::Path;

/// Why a command could not run. Every variant is a usage/input/output error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
    #[error(transparent)]
    Config(#[from] crate::config::PositionedError),
    #[error("{0}")]
    Rules(#[from] rules::RuleErrors),
    #[error(transparent)]
    Evaluation(#[from] rules::EvalError),
    #[error(transparent)]
    Baseline(#[from] gate::BaselineError),
    #[error(transparent)]
    Collect(#[from] crate::collect::CollectError),
    #[error(transparent)]
    Merge(#[from] crate::report::merge::MergeError),
    #[error(transparent)]
    Fix(#[from] crate::fix::apply::FixError),
    #[error("{0}")]
    Usage(String),
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Loads config and rules, and checks that the config only names rules that exist.
pub fn load_policy(
    config: Option<&Path>,
    rule_dirs: &[std::path::PathBuf],
) -> Result<(Config, RuleSet), AppError> {
    let config = Config::discover(config)?;
    let rules = RuleSet::load(rule_dirs)?;
    let source = config
        .source
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let unknown = |id: &str, position: &crate::config::Position, what: &str| -> Option<AppError> {
        rules.get(id).is_none().then(|| {
            AppError::Config(crate::config::PositionedError {
                path: source.clone(),
                line: position.line,
                column: position.column,
                message: format!("{what} names unknown rule `{id}` (see `caguard rules list`)"),
            })
        })
    };
    for (id, settings) in &config.rules {
        if let Some(error) = unknown(id, &settings.position, "[rules] table") {
            return Err(error);
        }
    }
    for suppression in &config.suppressions {
        if let Some(error) = unknown(&suppression.rule, &suppression.position, "suppression") {
            return Err(error);
        }
    }
    Ok((config, rules))
}

/// The whole offline pipeline: facts → rules → findings → suppressions → baseline.
pub fn scan(
    inventory: &Inventory,
    inventory_path: Option<&Path>,
    config: &Config,
    rules: &RuleSet,
    baseline: Option<&BTreeSet<String>>,
    today: Date,
) -> Result<ScanResult, AppError> {
    let facts = derive_facts(inventory, config, rules);
    scan_facts(
        inventory,
        facts,
        inventory_path,
        config,
        rules,
        baseline,
        today,
    )
}

/// The facts a scan needs: version facts only when an enabled rule has version scope.
pub fn derive_facts(inventory: &Inventory, config: &Config, rules: &RuleSet) -> facts::Facts {
    facts::derive_scopes(
        inventory,
        &config.facts,
        rules::reads_versions(rules, config),
    )
}

/// [`scan`] past the facts, for callers that derive them themselves (the scale benchmark times
/// each phase).
pub fn scan_facts(
    inventory: &Inventory,
    facts: facts::Facts,
    inventory_path: Option<&Path>,
    config: &Config,
    rules: &RuleSet,
    baseline: Option<&BTreeSet<String>>,
    today: Date,
) -> Result<ScanResult, AppError> {
    scan_derived(
        InventorySummary::of(inventory),
        facts,
        inventory_path,
        config,
        rules,
        baseline,
        today,
    )
}

/// What a scan result takes from the inventory besides its facts: all a scan keeps once the
/// facts are derived, so that the model (hundreds of MB at a million versions) can be dropped
/// before the rules run.
#[derive(Debug, Clone, Default)]
pub struct InventorySummary {
    pub region: Option<String>,
    pub collected_at: Option<f64>,
    pub shards: Vec<crate::inventory::Shard>,
    pub errors: Vec<crate::inventory::CollectionError>,
}

impl InventorySummary {
    pub fn of(inventory: &Inventory) -> Self {
        InventorySummary {
            region: inventory.region.clone(),
            collected_at: inventory.collected_at,
            shards: inventory.shards.clone(),
            errors: inventory.errors.clone(),
        }
    }

    /// The summary, consuming the inventory (nothing is copied).
    pub fn take(inventory: Inventory) -> Self {
        InventorySummary {
            region: inventory.region,
            collected_at: inventory.collected_at,
            shards: inventory.shards,
            errors: inventory.errors,
        }
    }
}

/// [`scan_facts`] with the inventory already reduced to its [`InventorySummary`].
pub fn scan_derived(
    inventory: InventorySummary,
    facts: facts::Facts,
    inventory_path: Option<&Path>,
    config: &Config,
    rules: &RuleSet,
    baseline: Option<&BTreeSet<String>>,
    today: Date,
) -> Result<ScanResult, AppError> {
    let mut findings = rules::evaluate(rules, &facts, config)?;
    crate::fix::safety::refine(&mut findings, &facts);
    let suppressions = gate::apply_suppressions(&mut findings, &config.suppressions, today);
    if let Some(baseline) = baseline {
        gate::apply_baseline(&mut findings, baseline);
    }
    let mut accounts: Vec<String> = facts.domains.iter().map(|d| d.owner.clone()).collect();
    accounts.sort();
    accounts.dedup();
    let mut collection_errors = inventory.errors;
    collection_errors.extend(facts.unjudged.iter().cloned());
    Ok(ScanResult {
        source: ScanSource {
            kind: if inventory_path.is_some() {
                "inventory"
            } else {
                "live"
            }
            .to_string(),
            path: inventory_path.map(|p| p.display().to_string()),
            region: inventory.region,
            accounts,
            domains: facts.domains.iter().map(|d| d.name.clone()).collect(),
            collected_at: inventory.collected_at,
            config: config.source.as_ref().map(|p| p.display().to_string()),
            shards: inventory.shards,
        },
        // A policy caguard cannot read is judged like one it could not fetch: the scan is
        // incomplete (exit 3, SARIF run withheld) rather than clean.
        collection_errors,
        warnings: facts.warnings,
        findings,
        suppressions,
    })
}
