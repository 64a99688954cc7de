//! `caguard collect`, and the live collection `caguard scan` does without `--inventory`.

use super::output;
use super::{AppError, Ui};
use crate::cli::{CollectArgs, CollectCommandArgs, ConnectionArgs, ShardArgs};
use crate::collect::assume::Role;
use crate::collect::shards::{self, Fleet, ShardInventory, ShardSpec};
use crate::collect::{Options, Source};
use crate::exit::Outcome;
use crate::inventory::Inventory;
use std::io::IsTerminal as _;
use std::time::Duration;

/// The connection flags as the collector's (and the fixer's) plain options.
pub fn connection(args: &ConnectionArgs) -> (Source, Options) {
    let source = Source {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        role: args.role_arn.as_ref().map(|arn| Role {
            arn: arn.clone(),
            external_id: args.external_id.clone(),
            session_name: args.role_session_name.clone(),
            duration: args
                .role_duration
                .map(|s| Duration::from_secs(u64::from(s))),
        }),
    };
    let options = Options {
        concurrency: args.concurrency as usize,
        max_rps: args.max_rps.unwrap_or(f64::INFINITY),
        max_attempts: args.max_attempts,
        initial_backoff: Duration::from_millis(args.retry_backoff_ms),
        max_retry_after: Duration::from_secs_f64(args.max_retry_after),
        connect_timeout: Duration::from_secs_f64(args.connect_timeout),
        read_timeout: Duration::from_secs_f64(args.read_timeout),
        ..Options::default()
    };
    (source, options)
}

/// The collector's plain options from the flags.
pub fn options(args: &CollectArgs, progress: bool) -> (Source, Options) {
    let (source, mut options) = connection(&args.connection);
    options.domains = args.domains.clone();
    options.domain_owner = args.domain_owner.clone();
    options.repositories = args.repositories.clone();
    options.progress = progress;
    (source, options)
}

/// An organisation scan: the shards and how to reach them.
pub struct Org {
    pub fleet: Fleet,
    pub shards: Vec<ShardSpec>,
}

/// The accounts of `--accounts`, `--accounts-file` or `--accounts-from-organizations`
/// (listed with `base`'s credentials); empty when none is given.
pub fn accounts(args: &ShardArgs, base: &Source) -> Result<Vec<String>, AppError> {
    let mut accounts = args.accounts.clone();
    if args.accounts_from_organizations {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(crate::collect::CollectError::from)?;
        accounts = runtime.block_on(shards::organization_accounts(base))?;
        if accounts.is_empty() {
            return Err(AppError::Usage(
                "Organizations ListAccounts returned no ACTIVE account".to_string(),
            ));
        }
    }
    if let Some(path) = &args.accounts_file {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| AppError::Read {
            path: shown.clone(),
            source,
        })?;
        accounts = shards::parse_accounts_file(&text, &shown).map_err(AppError::Usage)?;
    }
    accounts.sort();
    accounts.dedup();
    if accounts.is_empty() && args.role_arn_template.is_some() {
        return Err(AppError::Usage(
            "--role-arn-template needs the accounts to scan: --accounts ID,... or --accounts-file FILE"
                .to_string(),
        ));
    }
    Ok(accounts)
}

/// `--regions`, else `region`, else the default chain's (AWS_REGION, the profile's).
pub fn regions(
    args: &ShardArgs,
    region: Option<&String>,
    profile: Option<&String>,
) -> Result<Vec<String>, AppError> {
    if !args.regions.is_empty() {
        let mut regions = args.regions.clone();
        regions.sort();
        regions.dedup();
        return Ok(regions);
    }
    if let Some(region) = region {
        return Ok(vec![region.clone()]);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| AppError::Usage(format!("cannot start the async runtime: {error}")))?;
    let mut chain = aws_config::default_provider::region::DefaultRegionChain::builder();
    if let Some(profile) = profile {
        chain = chain.profile_name(profile);
    }
    let found = runtime.block_on(async { chain.build().region().await });
    match found {
        Some(region) => Ok(vec![region.as_ref().to_string()]),
        None => Err(AppError::Usage(
            "no AWS region for the shards: pass --regions, --region, or set AWS_REGION".to_string(),
        )),
    }
}

/// The organisation scan the flags ask for, or `None` for a one-account collection.
pub fn org(args: &CollectArgs) -> Result<Option<Org>, AppError> {
    let (base, _) = connection(&args.connection);
    let accounts = accounts(&args.shards, &Source { role: None, ..base })?;
    if accounts.is_empty() {
        if !args.shards.regions.is_empty() {
            return Err(AppError::Usage(
                "--regions needs --accounts (or --accounts-file) and --role-arn-template; for one region use --region"
                    .to_string(),
            ));
        }
        return Ok(None);
    }
    let connection = &args.connection;
    if connection.role_arn.is_some() {
        return Err(AppError::Usage(
            "--role-arn and --accounts exclude each other: the role of each account comes from --role-arn-template"
                .to_string(),
        ));
    }
    let Some(template) = args.shards.role_arn_template.clone() else {
        return Err(AppError::Usage(
            "--accounts needs --role-arn-template, e.g. 'arn:aws:iam::{account}:role/caguard-reader'"
                .to_string(),
        ));
    };
    let regions = regions(
        &args.shards,
        connection.region.as_ref(),
        connection.profile.as_ref(),
    )?;
    let (base, _) = super::collect::connection(connection);
    Ok(Some(Org {
        fleet: Fleet {
            base: Source {
                region: None,
                ..base
            },
            role_arn_template: template,
            external_id: connection.external_id.clone(),
            session_name: connection.role_session_name.clone(),
            duration: connection
                .role_duration
                .map(|s| Duration::from_secs(u64::from(s))),
            max_parallel: args.shards.max_parallel_shards as usize,
        },
        shards: shards::expand(&accounts, &regions, &args.domains),
    }))
}

/// Collects every shard of an organisation scan, with the summary on stderr unless `-q`.
pub fn live_shards(
    args: &CollectArgs,
    org: &Org,
    ui: &Ui,
) -> Result<Vec<ShardInventory>, AppError> {
    let (_, options) = options(args, false);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(crate::collect::CollectError::from)?;
    let (collected, summary) =
        runtime.block_on(shards::collect(&org.fleet, &org.shards, &options))?;
    if !ui.quiet {
        let failed = collected
            .iter()
            .filter(|shard| !shard.inventory.errors.is_empty())
            .count();
        eprint!("{}", summary.render());
        eprintln!(
            "shards: {} ({} complete, {failed} incomplete)",
            collected.len(),
            collected.len() - failed
        );
    }
    Ok(collected)
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
    let org = org(&args.collect)?;
    let mut outputs = output::prepare(&[("--output", args.output.as_deref())])?.into_iter();
    let inventory = match &org {
        Some(org) => shards::combine(&live_shards(&args.collect, org, ui)?),
        None => live(&args.collect, ui)?,
    };
    if let Some(output) = outputs.next() {
        output.write(&inventory.to_json())?;
    }
    Ok(if inventory.is_incomplete() {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    })
}
