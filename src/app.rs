//! The commands: each returns an [`Outcome`]; errors are printed here, once, to stderr.

use crate::cli::{
    Cli, CollectArgs, CollectCommandArgs, Command, FactsArgs, Format, RulesCommand, ScanArgs,
};
use crate::config::{Config, Date};
use crate::exit::Outcome;
use crate::facts::{self, Facts};
use crate::gate;
use crate::inventory::Inventory;
use crate::report::{self, ScanResult, ScanSource};
use crate::rules::{self, RuleSet, Scope};
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;

/// Why a command could not run. Every variant is a usage/input error (exit 2).
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
    #[error("{0}")]
    Usage(String),
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub fn run(cli: Cli) -> Outcome {
    crate::logging::init(cli.verbose, cli.quiet);
    let quiet = cli.quiet;
    let result = match cli.command {
        Command::Scan(args) => scan_command(&args, quiet),
        Command::Collect(args) => collect_command(&args, quiet),
        Command::Facts(args) => facts_command(&args),
        Command::Rules(command) => rules_command(command),
    };
    match result {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("error: {error}");
            Outcome::UsageError
        }
    }
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
    let facts = facts::derive(inventory, &config.facts);
    let mut findings = rules::evaluate(rules, &facts, config)?;
    let suppressions = gate::apply_suppressions(&mut findings, &config.suppressions, today);
    if let Some(baseline) = baseline {
        gate::apply_baseline(&mut findings, baseline);
    }
    let mut accounts: Vec<String> = facts.domains.iter().map(|d| d.owner.clone()).collect();
    accounts.sort();
    accounts.dedup();
    Ok(ScanResult {
        source: ScanSource {
            kind: if inventory_path.is_some() {
                "inventory"
            } else {
                "live"
            }
            .to_string(),
            path: inventory_path.map(|p| p.display().to_string()),
            region: inventory.region.clone(),
            accounts,
            domains: facts.domains.iter().map(|d| d.name.clone()).collect(),
            collected_at: inventory.collected_at,
        },
        collection_errors: inventory.errors.clone(),
        warnings: facts.warnings,
        findings,
        suppressions,
    })
}

fn write_output(path: Option<&Path>, text: &str) -> Result<(), AppError> {
    match path {
        Some(path) => std::fs::write(path, text).map_err(|source| AppError::Write {
            path: path.display().to_string(),
            source,
        }),
        None => {
            // A closed pipe (e.g. `| head`) is not an error worth a message.
            let _ = std::io::stdout().write_all(text.as_bytes());
            Ok(())
        }
    }
}

fn scan_command(args: &ScanArgs, quiet: bool) -> Result<Outcome, AppError> {
    if args
        .sarif_category
        .as_deref()
        .is_some_and(|c| c.trim().trim_end_matches('/').is_empty())
    {
        return Err(AppError::Usage(
            "--sarif-category must not be empty".to_string(),
        ));
    }
    let (config, rules) = load_policy(args.policy.config.as_deref(), &args.policy.rule_dirs)?;
    let baseline = args
        .baseline
        .as_deref()
        .map(gate::load_baseline)
        .transpose()?;
    // Policy and baseline are checked first: a typo there must not cost a whole live collection.
    let inventory = match &args.inventory {
        Some(path) => Inventory::load(path)?,
        None => {
            let mut inventory = collect_live(&args.collect, quiet)?;
            // What an inventory file must satisfy holds for what the API returned, too.
            inventory.validate(Path::new("live collection"))?;
            inventory
        }
    };
    let result = scan(
        &inventory,
        args.inventory.as_deref(),
        &config,
        &rules,
        baseline.as_ref(),
        Date::today(),
    )?;
    for warning in &result.warnings {
        eprintln!("warning: {warning}");
    }
    for entry in result.suppressions.iter().filter(|s| s.status != "used") {
        eprintln!(
            "warning: suppression at {}:{} ({} {}) is {}",
            config
                .source
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            entry.position,
            entry.rule,
            entry.resource,
            if entry.status == "expired" {
                "expired; its findings are reported again"
            } else {
                "unused: it matched no finding"
            }
        );
    }
    let sarif_wanted = args.format == Format::Sarif || args.sarif_output.is_some();
    if args.sarif_category.is_some() && !sarif_wanted {
        eprintln!("warning: --sarif-category has no effect without --format sarif or --sarif FILE");
    }
    // GitHub rejects the whole file, so refuse before writing anything.
    let runs = report::sarif::scopes(&result).len();
    if sarif_wanted && runs > report::sarif::MAX_RUNS {
        return Err(AppError::Usage(format!(
            "the scan covers {runs} account/region scopes, but GitHub accepts at most {} SARIF runs per file: \
             scan fewer accounts per invocation",
            report::sarif::MAX_RUNS
        )));
    }
    let sarif_rules = effective_rules(&rules, &config);
    let render = |format: Format| match format {
        Format::Text => report::text::render(&result),
        Format::Json => report::json::render(&result),
        Format::Sarif => {
            report::sarif::render(&result, &sarif_rules, args.sarif_category.as_deref())
        }
    };
    write_output(args.output.as_deref(), &render(args.format))?;
    if let Some(path) = &args.sarif_output {
        write_output(Some(path), &render(Format::Sarif))?;
    }
    if let Some(path) = &args.json_output {
        write_output(Some(path), &render(Format::Json))?;
    }
    Ok(gate::outcome(
        &result.findings,
        args.fail_on,
        !result.complete(),
    ))
}

/// The rules with `[rules.<id>] severity` overrides applied: GitHub takes an alert's severity
/// from its rule descriptor, so the SARIF rules must say what the findings say.
fn effective_rules(rules: &RuleSet, config: &Config) -> RuleSet {
    let mut rules = rules.clone();
    for rule in &mut rules.rules {
        if let Some(severity) = config
            .rules
            .get(&rule.id)
            .and_then(|settings| settings.severity)
        {
            rule.severity = severity;
        }
    }
    rules
}

/// Collects from the live account, with the summary (and a progress bar on a terminal) on stderr.
fn collect_live(args: &CollectArgs, quiet: bool) -> Result<Inventory, AppError> {
    use std::io::IsTerminal as _;
    let progress = !quiet && !args.no_progress && std::io::stderr().is_terminal();
    let (inventory, summary) = crate::collect::collect_blocking(args, progress)?;
    if !quiet {
        eprint!("{}", summary.render());
    } else if summary.errors > 0 {
        eprintln!(
            "warning: collection incomplete: {} call(s) failed for good",
            summary.errors
        );
    }
    Ok(inventory)
}

/// `caguard collect`: the inventory as JSON; exit 3 when some calls failed for good.
fn collect_command(args: &CollectCommandArgs, quiet: bool) -> Result<Outcome, AppError> {
    let inventory = collect_live(&args.collect, quiet)?;
    write_output(args.output.as_deref(), &inventory.to_json())?;
    Ok(if inventory.is_incomplete() {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    })
}

fn facts_command(args: &FactsArgs) -> Result<Outcome, AppError> {
    let config = Config::discover(args.config.as_deref())?;
    let inventory = Inventory::load(&args.inventory)?;
    let facts = facts::derive(&inventory, &config.facts);
    let scopes: BTreeSet<Scope> = if args.scopes.is_empty() {
        Scope::ALL
            .into_iter()
            .filter(|s| *s != Scope::Version)
            .collect()
    } else {
        args.scopes.iter().map(|s| Scope::from(*s)).collect()
    };
    let text = facts_json(&facts, &scopes, &args.resources);
    write_output(None, &text)?;
    Ok(Outcome::Clean)
}

fn matches_resource(filters: &[String], arn: &str) -> bool {
    filters.is_empty()
        || filters.iter().any(|filter| match filter.strip_suffix('*') {
            Some(prefix) => arn.starts_with(prefix),
            None => arn == filter,
        })
}

/// Facts as JSON, keyed by scope, filtered by scope and resource ARN.
pub fn facts_json(facts: &Facts, scopes: &BTreeSet<Scope>, resources: &[String]) -> String {
    use serde_json::{json, Map, Value};
    fn select<T: serde::Serialize>(
        items: &[T],
        arn: impl Fn(&T) -> &str,
        filters: &[String],
    ) -> Value {
        Value::Array(
            items
                .iter()
                .filter(|item| matches_resource(filters, arn(item)))
                .map(|item| serde_json::to_value(item).unwrap_or(Value::Null))
                .collect(),
        )
    }
    let mut out = Map::new();
    for scope in scopes {
        let (key, value) = match scope {
            Scope::Domain => ("domains", select(&facts.domains, |d| &d.arn, resources)),
            Scope::Repository => (
                "repositories",
                select(&facts.repositories, |r| &r.arn, resources),
            ),
            Scope::PackageGroup => (
                "packageGroups",
                select(&facts.package_groups, |g| &g.arn, resources),
            ),
            Scope::Package => ("packages", select(&facts.packages, |p| &p.arn, resources)),
            Scope::Version => (
                "versions",
                select(&facts.versions, |v| &v.package_arn, resources),
            ),
        };
        out.insert(key.to_string(), value);
    }
    out.insert("warnings".to_string(), json!(facts.warnings));
    let mut text = serde_json::to_string_pretty(&Value::Object(out)).unwrap_or_default();
    text.push('\n');
    text
}

fn rules_command(command: RulesCommand) -> Result<Outcome, AppError> {
    let text = match command {
        RulesCommand::List { rule_dirs } => {
            let rules = RuleSet::load(&rule_dirs)?;
            let mut text = String::new();
            for rule in &rules.rules {
                text.push_str(&format!(
                    "{:<42} {:<9} {:<14} {}\n",
                    rule.id,
                    rule.severity.as_str(),
                    rule.scope.as_str(),
                    rule.title
                ));
            }
            text
        }
        RulesCommand::Explain { id, rule_dirs } => {
            let rules = RuleSet::load(&rule_dirs)?;
            let rule = rules.get(&id).ok_or_else(|| {
                AppError::Usage(format!("no rule `{id}` (see `caguard rules list`)"))
            })?;
            explain(rule)
        }
        RulesCommand::Facts { scope } => {
            let scopes: Vec<Scope> = match scope {
                Some(scope) => vec![scope.into()],
                None => Scope::ALL.to_vec(),
            };
            let mut text = String::new();
            for scope in scopes {
                text.push_str(&format!(
                    "scope {} (variable `{}`)\n",
                    scope,
                    scope.variable()
                ));
                for fact in scope.facts() {
                    text.push_str(&format!(
                        "  {:<52} {:<16} {}\n",
                        fact.path, fact.kind, fact.description
                    ));
                }
                text.push('\n');
            }
            text
        }
    };
    write_output(None, &text)?;
    Ok(Outcome::Clean)
}

/// A rule's documentation as `caguard rules explain` prints it.
pub fn explain(rule: &rules::Rule) -> String {
    let mut text = format!(
        "{} — {}\nseverity: {}   scope: {}   tags: {}\nsource: {}\n\nwhen: {}\n\nWhy\n{}\n\nWhat to do\n{}\n",
        rule.id,
        rule.title,
        rule.severity,
        rule.scope,
        rule.tags.join(", "),
        rule.source,
        rule.when.trim(),
        rule.docs.why.trim(),
        rule.docs.remediation.trim(),
    );
    if !rule.docs.references.is_empty() {
        text.push_str("\nReferences\n");
        for reference in &rule.docs.references {
            text.push_str(&format!("  {reference}\n"));
        }
    }
    text
}
