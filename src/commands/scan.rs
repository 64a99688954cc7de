//! `caguard scan`: collect or load, evaluate, report, gate.

use super::merge::Requested;
use super::output::{self, Output};
use super::{collect, load_inventory, AppError, Ui};
use crate::cli::{Format, ScanArgs};
use crate::config::{Config, Date};
use crate::exit::Outcome;
use crate::gate::{self, Verdict};
use crate::report;
use crate::rules::RuleSet;
use std::path::Path;

pub fn run(args: &ScanArgs, ui: &Ui) -> Result<Outcome, AppError> {
    if let Some(path) = &args.event.event {
        return super::event::run(args, path, ui);
    }
    super::output::check_sarif_category(args.sarif_category.as_deref())?;
    // Everything that can be checked before the scan is: a typo in a path, the policy or the
    // baseline must not cost a whole live collection.
    let mut requested = vec![(args.format, "--output", args.output.as_deref())];
    if let Some(path) = &args.sarif_output {
        requested.push((Format::Sarif, "--sarif", Some(path)));
    }
    if let Some(path) = &args.json_output {
        requested.push((Format::Json, "--json", Some(path)));
    }
    let mut flags: Vec<_> = requested
        .iter()
        .map(|(_, flag, path)| (*flag, *path))
        .collect();
    if let Some(path) = &args.plan_out {
        flags.push(("--plan-out", Some(path)));
    }
    let mut outputs = output::prepare(&flags)?;
    let plan_out = args.plan_out.as_ref().and_then(|_| outputs.pop());
    let fix = super::fix::prepare(args, plan_out)?;
    let (config, rules) =
        crate::app::load_policy(args.policy.config.as_deref(), &args.policy.rule_dirs)?;
    let baseline = args
        .baseline
        .as_deref()
        .map(gate::load_baseline)
        .transpose()?;
    let sarif_wanted = args.format == Format::Sarif || args.sarif_output.is_some();
    if args.sarif_category.is_some() && !sarif_wanted {
        ui.warn("--sarif-category has no effect without --format sarif or --sarif FILE");
    }
    let org = match &args.inventory {
        Some(_) => None,
        None => collect::org(&args.collect)?,
    };
    if org.is_some() && fix.is_some() {
        return Err(AppError::Usage(
            "--fix works on one account at a time: drop --accounts, or fix each account with --role-arn"
                .to_string(),
        ));
    }
    let shown_path = args.inventory.as_deref().map(|path| {
        if path == Path::new("-") {
            Path::new("<stdin>")
        } else {
            path
        }
    });
    let (inventory, result) = match &org {
        Some(org) => {
            // Each shard is judged on its own and the results merged, exactly as one scan per
            // shard and `caguard merge` would: both give the same report.
            let mut results = Vec::new();
            for shard in collect::live_shards(&args.collect, org, ui)? {
                let mut inventory = shard.inventory;
                inventory.validate(Path::new("live collection"))?;
                results.push(crate::app::scan(
                    &inventory,
                    None,
                    &config,
                    &rules,
                    baseline.as_ref(),
                    Date::today(),
                )?);
            }
            (None, report::merge::merge(results))
        }
        None => {
            let inventory = match &args.inventory {
                Some(path) => load_inventory(path)?,
                None => {
                    let mut inventory = collect::live(&args.collect, ui)?;
                    // What an inventory file must satisfy holds for what the API returned, too.
                    inventory.validate(Path::new("live collection"))?;
                    inventory
                }
            };
            let facts = crate::app::derive_facts(&inventory, &config, &rules);
            // Only `--fix` needs the inventory past the facts; otherwise it goes before the
            // rules run, so the peak is the larger of model + facts and facts + findings.
            let (inventory, summary) = if fix.is_some() {
                let summary = crate::app::InventorySummary::of(&inventory);
                (Some(inventory), summary)
            } else {
                (None, crate::app::InventorySummary::take(inventory))
            };
            let result = crate::app::scan_derived(
                summary,
                facts,
                shown_path,
                &config,
                &rules,
                baseline.as_ref(),
                Date::today(),
            )?;
            (inventory, result)
        }
    };
    for warning in &result.warnings {
        ui.warn(warning);
    }
    warn_about_suppressions(&result, &config, ui);
    // GitHub rejects a file of more than 20 runs: a file is split, stdout is refused.
    let runs = report::sarif::scopes(&result).len();
    let wanted: Vec<Requested> = requested
        .iter()
        .map(|(format, flag, path)| Requested {
            format: *format,
            flag,
            path: path.map(Path::to_path_buf),
        })
        .collect();
    if sarif_wanted {
        super::merge::check_sarif_fits(&wanted, runs)?;
    }
    let verdict = Verdict::of(
        &result.findings,
        args.fail_on,
        result.collection_errors.len(),
    );
    let sarif_rules = effective_rules(&rules, &config);
    // The plan and the apply report follow a report people read on stdout; after JSON or
    // SARIF on stdout they go to stderr, so stdout stays one document.
    let plan_on_stdout = !matches!(outputs.first(), Some(Output::Stdout))
        || matches!(args.format, Format::Text | Format::Concise);
    super::merge::write_reports(
        &result,
        &verdict,
        &sarif_rules,
        args.sarif_category.as_deref(),
        args.only_new,
        &wanted,
        std::mem::take(&mut outputs),
        ui,
    )?;
    match (fix, inventory) {
        (Some(fix), Some(inventory)) => super::fix::after_scan(
            args,
            fix,
            &inventory,
            &result,
            &config,
            plan_on_stdout,
            verdict.outcome,
            ui,
        ),
        _ => Ok(verdict.outcome),
    }
}

fn warn_about_suppressions(result: &report::ScanResult, config: &Config, ui: &Ui) {
    let source = config
        .source
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    for entry in result.suppressions.iter().filter(|s| s.status != "used") {
        ui.warn(&format!(
            "suppression at {source}:{} ({} {}) is {}",
            entry.position,
            entry.rule,
            entry.resource,
            if entry.status == "expired" {
                "expired; its findings are reported again"
            } else {
                "unused: it matched no finding"
            }
        ));
    }
}

/// The rules with `[rules.<id>] severity` overrides applied: GitHub takes an alert's severity
/// from its rule descriptor, so the SARIF rules must say what the findings say.
pub(super) fn effective_rules(rules: &RuleSet, config: &Config) -> RuleSet {
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
