//! `caguard scan --fix`, `caguard fix apply` and `caguard fix undo`: plans shown and written,
//! confirmation, and the apply/undo reports.

use super::output::Output;
use super::{AppError, Ui};
use crate::cli::{ConnectionArgs, FixApplyArgs, FixCommand, FixUndoArgs, FixWhich, ScanArgs};
use crate::config::Config;
use crate::exit::Outcome;
use crate::fix::apply::{self, Report};
use crate::fix::{journal, model, plan, render, Mode, Plan};
use crate::gate;
use crate::inventory::Inventory;
use crate::report::ScanResult;
use std::io::{BufRead as _, IsTerminal as _};
use std::path::{Path, PathBuf};

pub fn mode(which: FixWhich) -> Mode {
    match which {
        FixWhich::Safe => Mode::Safe,
        FixWhich::All => Mode::All,
    }
}

/// What `scan --fix` will do, decided before anything is collected.
pub struct ScanFix {
    pub mode: Mode,
    /// Write to the account (not a dry run, and not planning from a file).
    pub apply: bool,
    pub plan_out: Option<Output>,
}

/// Checks the fix flags of `scan` before the scan: a refusal must not cost a collection.
pub fn prepare(args: &ScanArgs, plan_out: Option<Output>) -> Result<Option<ScanFix>, AppError> {
    let Some(which) = args.fix else {
        return Ok(None);
    };
    let apply = if args.inventory.is_some() {
        if !args.dry_run && args.plan_out.is_none() {
            return Err(AppError::Usage(
                "--fix with --inventory only plans: add --dry-run or --plan-out FILE, and apply the plan with \
                 `caguard fix apply FILE` (a saved inventory may no longer be what the account holds)"
                    .to_string(),
            ));
        }
        if args.journal.is_some() || args.yes {
            return Err(AppError::Usage(
                "--journal and --yes apply a fix; with --inventory caguard only plans".to_string(),
            ));
        }
        false
    } else {
        !args.dry_run
    };
    if apply {
        needs_confirmation_possible(args.yes)?;
    }
    Ok(Some(ScanFix {
        mode: mode(which),
        apply,
        plan_out,
    }))
}

fn needs_confirmation_possible(yes: bool) -> Result<(), AppError> {
    if !yes && !std::io::stdin().is_terminal() {
        return Err(AppError::Usage(
            "writing to the account needs a confirmation, and stdin is not a terminal: pass --yes"
                .to_string(),
        ));
    }
    Ok(())
}

/// Asks on the terminal; anything but `yes` changes nothing.
fn confirm(yes: bool, question: &str, ui: &Ui) -> Result<(), AppError> {
    if yes {
        return Ok(());
    }
    needs_confirmation_possible(false)?;
    if !ui.quiet {
        eprint!("{question}\n  Only `yes` is accepted: ");
    }
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|source| AppError::Read {
            path: "stdin".to_string(),
            source,
        })?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(AppError::Usage(
            "not confirmed: nothing was changed".to_string(),
        ))
    }
}

/// Fixes write slowly and read back each write: four requests in flight are plenty.
fn connection(connect: &ConnectionArgs) -> (crate::collect::Source, crate::collect::Options) {
    let (source, mut options) = super::collect::connection(connect);
    options.concurrency = options.concurrency.min(4);
    (source, options)
}

fn journal_path(given: Option<&Path>, ui: &Ui) -> PathBuf {
    let path = given.map_or_else(|| PathBuf::from(journal::DEFAULT_PATH), Path::to_path_buf);
    if !ui.quiet {
        eprintln!(
            "journal: {} (undo with `caguard fix undo {}`)",
            crate::report::text::escape(&path.display().to_string()),
            crate::report::text::escape(&path.display().to_string())
        );
    }
    path
}

fn plan_json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan).unwrap_or_default();
    text.push('\n');
    text
}

/// After the scan's report: plan, show, write, and apply when asked.
#[allow(clippy::too_many_arguments)]
pub fn after_scan(
    args: &ScanArgs,
    fix: ScanFix,
    inventory: &Inventory,
    result: &ScanResult,
    config: &Config,
    plan_on_stdout: bool,
    verdict_outcome: Outcome,
    ui: &Ui,
) -> Result<Outcome, AppError> {
    let facts = crate::facts::derive(inventory, &config.facts);
    let plan = plan::build(inventory, &result.findings, &facts, fix.mode);
    let region = inventory.region.clone().unwrap_or_default();
    let shown = render::plan(&plan, &region);
    let to_stdout = plan_on_stdout || !fix.apply;
    if to_stdout && plan_on_stdout {
        Output::Stdout.write(&format!("\n{shown}"))?;
    } else if !ui.quiet {
        eprint!("{shown}");
    }
    if let Some(output) = fix.plan_out {
        output.write(&plan_json(&plan))?;
    }
    if !fix.apply {
        return Ok(verdict_outcome);
    }
    let admitted = plan
        .actions
        .iter()
        .filter(|a| plan.mode.admits(a.safety) && a.before != a.after)
        .count();
    if admitted > 0 {
        confirm(
            args.yes,
            &format!("Apply {admitted} change(s) to the account?"),
            ui,
        )?;
    }
    let (source, mut connection) = super::collect::options(&args.collect, false);
    connection.concurrency = connection.concurrency.min(4);
    let options = apply::Options {
        source,
        connection,
        max_write_rps: args.max_write_rps,
        journal: journal_path(args.journal.as_deref(), ui),
    };
    let report = apply::apply_blocking(&plan, &options)?;
    print_report(&report, plan_on_stdout, ui)?;
    Ok(gate::after_fix(
        &result.findings,
        args.fail_on,
        !result.collection_errors.is_empty(),
        &report.closed(),
        report.troubled(),
    ))
}

fn print_report(report: &Report, stdout: bool, ui: &Ui) -> Result<(), AppError> {
    let text = report.render();
    if stdout {
        Output::Stdout.write(&format!("\n{text}"))?;
    } else if !ui.quiet {
        eprint!("{text}");
    }
    Ok(())
}

pub fn run(command: &FixCommand, ui: &Ui) -> Result<Outcome, AppError> {
    match command {
        FixCommand::Apply(args) => run_apply(args, ui),
        FixCommand::Undo(args) => run_undo(args, ui),
    }
}

/// Reads and checks a plan file: its format and that no action loosens anything.
pub fn load_plan(path: &Path) -> Result<Plan, AppError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| AppError::Read {
        path: shown.clone(),
        source,
    })?;
    let plan: Plan = serde_json::from_str(&text).map_err(|error| {
        AppError::Usage(format!(
            "{shown}:{}:{}: not a caguard plan: {}",
            error.line(),
            error.column(),
            strip_position(&error.to_string())
        ))
    })?;
    apply::check(&plan).map_err(|error| AppError::Usage(format!("{shown}: {error}")))?;
    for (index, action) in plan.actions.iter().enumerate() {
        check_target(&action.target)
            .map_err(|message| AppError::Usage(format!("{shown}: actions[{index}]: {message}")))?;
    }
    Ok(plan)
}

/// serde_json ends its messages with " at line L column C", which the prefix already says.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |cut| &message[..cut])
}

/// Names in a plan go into API requests: they follow the API model's syntax.
fn check_target(target: &model::Target) -> Result<(), String> {
    use crate::inventory::{check_name, NameKind};
    match target {
        model::Target::Package {
            domain_owner,
            domain,
            repository,
            ..
        } => {
            check_name(NameKind::Account, domain_owner)?;
            check_name(NameKind::Domain, domain)?;
            check_name(NameKind::Repository, repository)
        }
        model::Target::PackageGroup {
            domain_owner,
            domain,
            pattern,
        } => {
            check_name(NameKind::Account, domain_owner)?;
            check_name(NameKind::Domain, domain)?;
            crate::facts::pattern::GroupPattern::parse(pattern)
                .map(drop)
                .map_err(|error| format!("pattern `{pattern}`: {error}"))
        }
    }
}

fn run_apply(args: &FixApplyArgs, ui: &Ui) -> Result<Outcome, AppError> {
    let plan = load_plan(&args.plan)?;
    needs_confirmation_possible(args.write.yes)?;
    let region = plan.region.clone().unwrap_or_default();
    let shown = render::plan(&plan, &region);
    Output::Stdout.write(&shown)?;
    let admitted = plan
        .actions
        .iter()
        .filter(|a| plan.mode.admits(a.safety) && a.before != a.after)
        .count();
    if admitted > 0 {
        confirm(
            args.write.yes,
            &format!("Apply {admitted} change(s) to the account?"),
            ui,
        )?;
    }
    let (source, connection) = connection(&args.connect);
    let options = apply::Options {
        source,
        connection,
        max_write_rps: args.write.max_write_rps,
        journal: journal_path(args.write.journal.as_deref(), ui),
    };
    let report = apply::apply_blocking(&plan, &options)?;
    print_report(&report, true, ui)?;
    Ok(gate::fix_run(report.troubled()))
}

fn run_undo(args: &FixUndoArgs, ui: &Ui) -> Result<Outcome, AppError> {
    if !args.dry_run {
        needs_confirmation_possible(args.yes)?;
        // Checked before asking: a journal that cannot be read is an error, not a question.
        journal::Journal::read(&args.journal).map_err(apply::FixError::from)?;
        confirm(
            args.yes,
            &format!(
                "Restore what {} recorded before each write?",
                crate::report::text::escape(&args.journal.display().to_string())
            ),
            ui,
        )?;
    }
    let (source, connection) = connection(&args.connect);
    let options = apply::Options {
        source,
        connection,
        max_write_rps: args.max_write_rps,
        journal: args.journal.clone(),
    };
    let report = apply::undo_blocking(&args.journal, &options, args.dry_run)?;
    print_report(&report, true, ui)?;
    Ok(gate::fix_run(report.troubled()))
}
