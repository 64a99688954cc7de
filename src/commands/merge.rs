//! `caguard merge REPORT.json…`: per-shard JSON reports joined into one report and one gate,
//! written like `caguard scan` writes (text, concise, JSON, SARIF with one run per account
//! and region). Also the report writer the organisation scan shares with it.

use super::output::{self, Output};
use super::{AppError, Ui};
use crate::cli::{Format, MergeArgs};
use crate::exit::Outcome;
use crate::gate::{self, Verdict};
use crate::report::{self, merge, split, text::Layout, ScanResult};
use crate::rules::RuleSet;
use std::path::{Path, PathBuf};

/// One report a command writes: its format, flag and path (`None` or `-` is stdout).
pub struct Requested {
    pub format: Format,
    pub flag: &'static str,
    pub path: Option<PathBuf>,
}

/// Refuses, before any work, SARIF on stdout for more runs than one file may hold.
pub fn check_sarif_fits(requested: &[Requested], runs: usize) -> Result<(), AppError> {
    let on_stdout = requested.iter().any(|r| {
        r.format == Format::Sarif && r.path.as_deref().is_none_or(|p| p == Path::new("-"))
    });
    if on_stdout && runs > report::sarif::MAX_RUNS {
        return Err(AppError::Usage(format!(
            "the scan covers {runs} account/region scopes, but GitHub accepts at most {} SARIF runs per file: \
             write the SARIF to a file (--sarif FILE), which is then split into FILE.1.sarif, FILE.2.sarif, ...",
            report::sarif::MAX_RUNS
        )));
    }
    Ok(())
}

/// Renders and writes every requested report. A SARIF file with more than 20 runs is written
/// as numbered parts (see [`split`]) and its staged single file is discarded.
#[allow(clippy::too_many_arguments)]
pub fn write_reports(
    result: &ScanResult,
    verdict: &Verdict,
    sarif_rules: &RuleSet,
    category: Option<&str>,
    only_new: bool,
    requested: &[Requested],
    outputs: Vec<Output>,
    ui: &Ui,
) -> Result<(), AppError> {
    for (request, output) in requested.iter().zip(outputs) {
        let layout = Layout {
            color: matches!(output, Output::Stdout) && ui.stdout_color,
            width: if matches!(output, Output::Stdout) {
                ui.width
            } else {
                None
            },
            only_new,
        };
        let text = match request.format {
            Format::Text => report::text::render(result, verdict, &layout),
            Format::Concise => report::text::render_concise(result, verdict, &layout),
            // The machine formats are written as they are serialized, not held as one string.
            Format::Json => {
                output.write_with(|out| report::json::write(result, &mut &mut *out))?;
                continue;
            }
            Format::Sarif if report::sarif::scopes(result).len() <= report::sarif::MAX_RUNS => {
                output.write_with(|out| {
                    report::sarif::write(result, sarif_rules, category, &mut &mut *out)
                })?;
                continue;
            }
            Format::Sarif => {
                let parts = split::documents(result, sarif_rules, category);
                match (&request.path, parts.len()) {
                    (Some(path), count) if count > 1 => {
                        drop(output);
                        let paths: Vec<PathBuf> = (0..count)
                            .map(|index| split::part_path(path, index, count))
                            .collect();
                        let flags: Vec<(&str, Option<&Path>)> = paths
                            .iter()
                            .map(|path| (request.flag, Some(path.as_path())))
                            .collect();
                        let staged = output::prepare(&flags)?;
                        for (part, output) in parts.iter().zip(staged) {
                            output.write(part)?;
                        }
                        if !ui.quiet {
                            eprintln!(
                                "SARIF: {count} files of at most {} runs: {}",
                                report::sarif::MAX_RUNS,
                                paths
                                    .iter()
                                    .map(|p| report::text::escape(&p.display().to_string())
                                        .into_owned())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            );
                        }
                        continue;
                    }
                    _ => parts.into_iter().next().unwrap_or_default(),
                }
            }
        };
        output.write(&text)?;
    }
    Ok(())
}

pub fn run(args: &MergeArgs, ui: &Ui) -> Result<Outcome, AppError> {
    super::output::check_sarif_category(args.sarif_category.as_deref())?;
    let mut requested = vec![Requested {
        format: args.format,
        flag: "--output",
        path: args.output.clone(),
    }];
    if let Some(path) = &args.sarif_output {
        requested.push(Requested {
            format: Format::Sarif,
            flag: "--sarif",
            path: Some(path.clone()),
        });
    }
    if let Some(path) = &args.json_output {
        requested.push(Requested {
            format: Format::Json,
            flag: "--json",
            path: Some(path.clone()),
        });
    }
    let flags: Vec<(&str, Option<&Path>)> = requested
        .iter()
        .map(|r| (r.flag, r.path.as_deref()))
        .collect();
    let outputs = output::prepare(&flags)?;
    let (config, rules) =
        crate::app::load_policy(args.policy.config.as_deref(), &args.policy.rule_dirs)?;
    let baseline = args
        .baseline
        .as_deref()
        .map(gate::load_baseline)
        .transpose()?;
    let mut results = Vec::with_capacity(args.reports.len());
    for path in &args.reports {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| AppError::Read {
            path: shown.clone(),
            source,
        })?;
        results.push(merge::parse_report(&text, &shown)?);
    }
    let mut result = merge::merge(results);
    merge::apply_baseline(&mut result, baseline.as_ref());
    check_sarif_fits(&requested, report::sarif::scopes(&result).len())?;
    let verdict = Verdict::of(
        &result.findings,
        args.fail_on,
        result.collection_errors.len(),
    );
    let sarif_rules = super::scan::effective_rules(&rules, &config);
    write_reports(
        &result,
        &verdict,
        &sarif_rules,
        args.sarif_category.as_deref(),
        args.only_new,
        &requested,
        outputs,
        ui,
    )?;
    Ok(verdict.outcome)
}
