//! Command-line interface (clap derive).

use crate::gate::FailOn;
use crate::rules::Scope;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Supply-chain policy scanner for AWS CodeArtifact.
///
/// Finds dependency-substitution risk and upstream exposure in CodeArtifact domains, from an
/// inventory file (offline) or a live account.
///
/// Exit codes: 0 no finding at or above --fail-on; 1 policy failed; 2 usage, configuration,
/// input or rule error; 3 collection incomplete (some API calls failed) and nothing else failed.
#[derive(Debug, Parser)]
#[command(name = "caguard", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr: no progress bar, no collection summary.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate the rules and report findings; the exit code gates CI.
    Scan(ScanArgs),
    /// Read a live account's inventory through the CodeArtifact API and write it as JSON.
    Collect(CollectCommandArgs),
    /// Print the derived facts as JSON: why something is or is not exposed.
    Facts(FactsArgs),
    /// List, explain and document rules.
    #[command(subcommand)]
    Rules(RulesCommand),
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: by severity, with evidence and what to do.
    Text,
    /// Versioned JSON report (schemas/report-v1.schema.json).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning (README: "SARIF and GitHub code scanning").
    Sarif,
}

/// Where rules and configuration come from.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Configuration file [default: ./caguard.toml when present].
    #[arg(long, value_name = "FILE", help_heading = "Policy")]
    pub config: Option<PathBuf>,

    /// Directory of additional rule files (*.toml); repeatable.
    #[arg(long = "rules", value_name = "DIR", help_heading = "Policy")]
    pub rule_dirs: Vec<PathBuf>,
}

/// Arguments of `caguard scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Inventory file (format v1) to scan [default: collect from the live account].
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Input",
        conflicts_with_all = ["profile", "region", "endpoint_url", "domains", "domain_owner", "repositories"]
    )]
    pub inventory: Option<PathBuf>,

    #[command(flatten)]
    pub collect: CollectArgs,

    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Report format written to --output (or stdout).
    #[arg(long, value_enum, default_value_t = Format::Text, help_heading = "Output")]
    pub format: Format,

    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Also write a SARIF 2.1.0 report to FILE, besides the --format report.
    #[arg(long = "sarif", value_name = "FILE", help_heading = "Output")]
    pub sarif_output: Option<PathBuf>,

    /// Also write the JSON report to FILE, besides the --format report.
    #[arg(long = "json", value_name = "FILE", help_heading = "Output")]
    pub json_output: Option<PathBuf>,

    /// SARIF category (automationDetails.id) instead of caguard/<account>/<region>; with several
    /// account/region runs each gets CATEGORY/<account>/<region>.
    #[arg(long, value_name = "CATEGORY", help_heading = "Output")]
    pub sarif_category: Option<String>,

    /// Fail (exit 1) when a new, unsuppressed finding has at least this severity.
    #[arg(long, value_enum, default_value_t = FailOn::High, help_heading = "Gate")]
    pub fail_on: FailOn,

    /// A previous JSON report: findings already in it are marked `existing` and do not fail the gate.
    #[arg(long, value_name = "PREVIOUS.json", help_heading = "Gate")]
    pub baseline: Option<PathBuf>,
}

/// Arguments of `caguard facts`.
#[derive(Debug, Args)]
pub struct FactsArgs {
    /// Inventory file (format v1) to read.
    #[arg(long, value_name = "FILE")]
    pub inventory: PathBuf,

    /// Configuration file (internal patterns, trusted accounts) [default: ./caguard.toml when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Only resources with this ARN (repeatable; a trailing `*` matches a prefix).
    #[arg(long = "resource", value_name = "ARN")]
    pub resources: Vec<String>,

    /// Only these scopes (repeatable) [default: all but version].
    #[arg(long = "scope", value_enum)]
    pub scopes: Vec<ScopeArg>,
}

/// A rule scope on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    Domain,
    Repository,
    PackageGroup,
    Package,
    Version,
}

impl From<ScopeArg> for Scope {
    fn from(value: ScopeArg) -> Scope {
        match value {
            ScopeArg::Domain => Scope::Domain,
            ScopeArg::Repository => Scope::Repository,
            ScopeArg::PackageGroup => Scope::PackageGroup,
            ScopeArg::Package => Scope::Package,
            ScopeArg::Version => Scope::Version,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules: id, severity, scope, title.
    List {
        /// Directory of additional rule files; repeatable.
        #[arg(long = "rules", value_name = "DIR")]
        rule_dirs: Vec<PathBuf>,
    },
    /// Show a rule's documentation: why it matters, what to do, references.
    Explain {
        /// Rule id, e.g. internal-package-exposed.
        id: String,
        /// Directory of additional rule files; repeatable.
        #[arg(long = "rules", value_name = "DIR")]
        rule_dirs: Vec<PathBuf>,
    },
    /// List the facts each scope offers to rule conditions, with types.
    Facts {
        /// Only this scope.
        #[arg(long, value_enum)]
        scope: Option<ScopeArg>,
    },
}

/// Arguments of `caguard collect`.
#[derive(Debug, Args)]
pub struct CollectCommandArgs {
    #[command(flatten)]
    pub collect: CollectArgs,

    /// Write the inventory to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

/// How to reach a live account and what to read from it (`caguard collect`, and `caguard scan`
/// without `--inventory`). Credentials resolve as for the AWS CLI.
#[derive(Debug, Clone, Args)]
pub struct CollectArgs {
    /// AWS profile from the shared config files [default: AWS_PROFILE, else `default`].
    #[arg(long, value_name = "NAME", help_heading = "Collection")]
    pub profile: Option<String>,

    /// AWS region [default: AWS_REGION, else the profile's region].
    #[arg(long, value_name = "REGION", help_heading = "Collection")]
    pub region: Option<String>,

    /// Send API requests to URL instead of the regional endpoint (e.g. the emulator).
    #[arg(long, value_name = "URL", help_heading = "Collection")]
    pub endpoint_url: Option<String>,

    /// Domain to read; repeatable [default: every domain ListDomains returns].
    #[arg(long = "domain", value_name = "NAME", help_heading = "Collection")]
    pub domains: Vec<String>,

    /// Account that owns the domains, for domains shared from another account.
    #[arg(long, value_name = "ACCOUNT", help_heading = "Collection")]
    pub domain_owner: Option<String>,

    /// Only this repository, in every domain read; repeatable [default: all].
    #[arg(long = "repository", value_name = "NAME", help_heading = "Collection")]
    pub repositories: Vec<String>,

    /// Requests in flight at most.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=512), help_heading = "Collection")]
    pub concurrency: u32,

    /// Requests per second at most, all operations together (the account's read quota is
    /// 800/s; ListPackages + ListPackageVersions also stay under their 200/s).
    #[arg(long, value_name = "N", default_value_t = 150.0, value_parser = positive_rate,
          help_heading = "Collection")]
    pub max_rps: f64,

    /// Attempts per request on throttling, 5xx and network errors (SDK standard retries).
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=20), help_heading = "Collection")]
    pub max_attempts: u32,

    /// First retry backoff in milliseconds (tests use a small one).
    #[arg(long, value_name = "MS", default_value_t = 1000, hide = true)]
    pub retry_backoff_ms: u64,

    /// Longest `Retry-After` honoured, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0, value_parser = non_negative_seconds, hide = true)]
    pub max_retry_after: f64,

    /// No progress bar (it is only drawn when stderr is a terminal anyway).
    #[arg(long, help_heading = "Collection")]
    pub no_progress: bool,
}

fn positive_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!(
            "`{text}` is not a positive number of requests per second"
        )),
    }
}

fn non_negative_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && (0.0..=3600.0).contains(&seconds) => Ok(seconds),
        _ => Err(format!(
            "`{text}` is not a number of seconds between 0 and 3600"
        )),
    }
}
