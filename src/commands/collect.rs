//! `caguard collect`, and the live collection `caguard scan` does without `--inventory`.

use super::output;
use super::{AppError, Ui};
use crate::cli::{CollectArgs, CollectCommandArgs};
use crate::collect::{Options, Source};
use crate::exit::Outcome;
use crate::inventory::Inventory;
use std::io::IsTerminal as _;
use std::time::Duration;

/// The collector's plain options from the flags.
pub fn options(args: &CollectArgs, progress: bool) -> (Source, Options) {
    let source = Source {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
    };
    let options = Options {
        domains: args.domains.clone(),
        domain_owner: args.domain_owner.clone(),
        repositories: args.repositories.clone(),
        concurrency: args.concurrency as usize,
        max_rps: args.max_rps.unwrap_or(f64::INFINITY),
        max_attempts: args.max_attempts,
        initial_backoff: Duration::from_millis(args.retry_backoff_ms),
        max_retry_after: Duration::from_secs_f64(args.max_retry_after),
        connect_timeout: Duration::from_secs_f64(args.connect_timeout),
        read_timeout: Duration::from_secs_f64(args.read_timeout),
        progress,
        ..Options::default()
    };
    (source, options)
}

/// Collects from the live account, with the summary (and a progress bar on a terminal) on
/// stderr unless `-q`.
pub fn live(args: &CollectArgs, ui: &Ui) -> Result<Inventory, AppError> {
    let progress = !ui.quiet && !args.no_progress && std::io::stderr().is_terminal();
    let (source, options) = options(args, progress);
    let (inventory, summary) = crate::collect::collect_blocking(&source, &options)?;
    if !ui.quiet {
        eprint!("{}", summary.render());
    }
    Ok(inventory)
}

/// The inventory as JSON; exit 3 when some calls failed for good.
pub fn run(args: &CollectCommandArgs, ui: &Ui) -> Result<Outcome, AppError> {
    let mut outputs = output::prepare(&[("--output", args.output.as_deref())])?.into_iter();
    let inventory = live(&args.collect, ui)?;
    if let Some(output) = outputs.next() {
        output.write(&inventory.to_json())?;
    }
    Ok(if inventory.is_incomplete() {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    })
}
