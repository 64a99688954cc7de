//! `caguard scan --event`: re-check the packages CodeArtifact events name, against a cached
//! context plus the few reads each package needs (`crate::collect::targeted`).

use super::output::{self, Output};
use super::{collect, AppError, Ui};
use crate::cli::{Format, ScanArgs};
use crate::collect::targeted::{PendingPolicy, Session};
use crate::config::Date;
use crate::events::handler::{Handler, HandlerOptions};
use crate::exit::Outcome;
use crate::gate::Verdict;
use crate::inventory::Inventory;
use crate::report::{self, text::Layout};
use std::path::Path;
use std::time::Duration;

pub fn run(args: &ScanArgs, event_path: &Path, ui: &Ui) -> Result<Outcome, AppError> {
    let (text, shown) = if event_path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|source| {
            AppError::Read {
                path: "stdin".to_string(),
                source,
            }
        })?;
        (text, "<stdin>".to_string())
    } else {
        let text = std::fs::read_to_string(event_path).map_err(|source| AppError::Read {
            path: event_path.display().to_string(),
            source,
        })?;
        (text, event_path.display().to_string())
    };
    let entries =
        crate::events::parse(&text, &shown).map_err(|error| AppError::Usage(error.to_string()))?;
    let batch = crate::events::batch(entries);
    if let Some((origin, reason)) = batch.rejected.first() {
        return Err(AppError::Usage(format!("{shown}: {}: {reason}", origin.at)));
    }
    if batch.targets.is_empty() {
        return Err(AppError::Usage(format!("{shown}: no event in the input")));
    }
    let mut requested = vec![(args.format, "--output", args.output.as_deref())];
    if let Some(path) = &args.sarif_output {
        requested.push((Format::Sarif, "--sarif", Some(path)));
    }
    if let Some(path) = &args.json_output {
        requested.push((Format::Json, "--json", Some(path)));
    }
    let flags: Vec<_> = requested
        .iter()
        .map(|(_, flag, path)| (*flag, *path))
        .collect();
    let mut outputs = output::prepare(&flags)?;
    let (config, rules) =
        crate::app::load_policy(args.policy.config.as_deref(), &args.policy.rule_dirs)?;
    let baseline = args
        .baseline
        .as_deref()
        .map(crate::gate::load_baseline)
        .transpose()?;
    let context = args
        .event
        .context
        .as_deref()
        .map(Inventory::load)
        .transpose()?;
    let (source, options) = collect::options(&args.collect, false);
    let handler_options = HandlerOptions {
        context_max_age: Duration::from_secs_f64(args.event.context_max_age),
        pending: PendingPolicy {
            bound: Duration::from_secs_f64(args.event.pending_after),
            first_wait: Duration::from_millis(args.event.pending_first_wait_ms),
            ..PendingPolicy::default()
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(crate::collect::CollectError::from)?;
    let started = std::time::Instant::now();
    let (outcomes, empty, calls) = runtime.block_on(async {
        let sdk = crate::collect::load_sdk_config(&source).await;
        let session = Session::connect(&sdk, &options).await?;
        let mut handler = Handler::new(
            session,
            config.clone(),
            rules.clone(),
            baseline,
            context,
            handler_options,
        );
        let outcomes = handler.handle(&batch, Date::today()).await?;
        let empty = handler.empty_result(Vec::new());
        Ok::<_, AppError>((outcomes, empty, handler.session().calls()))
    })?;
    for outcome in &outcomes {
        if !outcome.pending.is_empty() {
            ui.warn(&format!(
                "pending: {} {} in {}: version {} not listed yet",
                outcome.key.format,
                outcome.key.display(),
                outcome.key.repository,
                outcome.pending.join(", ")
            ));
        }
    }
    if !ui.quiet {
        let events: usize = batch.targets.iter().map(|t| t.events.len()).sum();
        eprintln!(
            "events: {events} ({} duplicate), {} package(s) checked, {calls} API calls in {:.1} s",
            batch.duplicates,
            outcomes.len(),
            started.elapsed().as_secs_f64()
        );
    }
    let result = crate::events::evaluate::combine(
        outcomes.into_iter().map(|outcome| outcome.result).collect(),
        empty,
    );
    for warning in &result.warnings {
        ui.warn(warning);
    }
    let verdict = Verdict::of(
        &result.findings,
        args.fail_on,
        result.collection_errors.len(),
    );
    for ((format, _, _), output) in requested.iter().zip(outputs.drain(..)) {
        let layout = Layout {
            color: matches!(output, Output::Stdout) && ui.stdout_color,
            width: if matches!(output, Output::Stdout) {
                ui.width
            } else {
                None
            },
            only_new: args.only_new,
        };
        let text = match format {
            Format::Text => report::text::render(&result, &verdict, &layout),
            Format::Concise => report::text::render_concise(&result, &verdict, &layout),
            Format::Json => report::json::render(&result),
            Format::Sarif => report::sarif::render(
                &result,
                &super::scan::effective_rules(&rules, &config),
                args.sarif_category.as_deref(),
            ),
        };
        output.write(&text)?;
    }
    Ok(verdict.outcome)
}
