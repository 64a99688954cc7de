//! Command-line interface (clap derive). Only `commands/` sees these types: the pipeline
//! stages take plain option structs.

use crate::gate::FailOn;
use crate::inventory::{check_name, NameKind};
use crate::rules::Scope;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The exit codes, shown by `caguard --help` and `caguard scan --help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  no new, unsuppressed finding at or above --fail-on
  1  policy failed: such a finding exists
  2  usage, configuration, rule or input error (nothing was scanned), or output could not be written
  3  incomplete: some API calls failed, or a resource policy cannot be read, and nothing else failed";

/// `--version`: the crate version, the commit it was built from and the built-in rule pack.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("CAGUARD_COMMIT"),
    "; rule pack ",
    env!("CAGUARD_RULE_PACK"),
    ")"
);

/// Supply-chain policy scanner for AWS CodeArtifact.
///
/// Finds dependency-substitution risk and upstream exposure in CodeArtifact domains, from an
/// inventory file (offline) or a live account.
#[derive(Debug, Parser)]
#[command(name = "caguard", version, long_version = LONG_VERSION, about, long_about,
          after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// More log output on stderr: -v info (each retry), -vv debug, -vvv trace.
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr: no warnings, no progress bar, no collection summary.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Colour on a terminal [default: auto; NO_COLOR set in the environment means never].
    #[arg(long, value_enum, value_name = "WHEN", global = true)]
    pub color: Option<ColorChoice>,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when the output is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate the rules and report findings; the exit code gates CI.
    #[command(after_help = EXIT_CODES)]
    Scan(Box<ScanArgs>),
    /// Read a live account's inventory through the CodeArtifact API and write it as JSON.
    #[command(
        after_help = "Exit codes: 0 complete; 2 usage error or nothing could be read; 3 some API calls failed (the inventory lists them in `errors`)."
    )]
    Collect(CollectCommandArgs),
    /// Print the derived facts as JSON: why something is or is not exposed.
    Facts(FactsArgs),
    /// Load and type-check the configuration and rule files without scanning (for a pre-commit hook).
    #[command(
        after_help = "Exit codes: 0 everything loads; 2 an error (named with file:line:column)."
    )]
    Check(PolicyArgs),
    /// List, explain and document rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Print a shell completion script (e.g. `caguard completions bash > /etc/bash_completion.d/caguard`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `caguard man > caguard.1`.
    Man,
    /// Apply a saved fix plan, or undo a fix from its journal.
    #[command(subcommand)]
    Fix(FixCommand),
    /// Print the shards (account, region, domain) of an organisation scan as JSON, e.g. for a
    /// GitHub Actions matrix.
    Shards(ShardsCommandArgs),
    /// Join per-shard JSON reports into one report and one gate (duplicates removed by
    /// fingerprint, incomplete shards stay incomplete).
    #[command(after_help = EXIT_CODES)]
    Merge(Box<MergeArgs>),
}

/// `--fix[=WHICH]`: which planned actions to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixWhich {
    /// Only actions that stop no flow that exists today.
    Safe,
    /// Unsafe actions too.
    All,
}

/// The exit codes of `fix apply` and `fix undo`.
pub const FIX_EXIT_CODES: &str = "\
Exit codes:
  0  every action is in place (applied and verified, pending, or already there)
  1  some action failed, was stale or refused, or did not read back as written
  2  usage, plan or journal error, or no confirmation (nothing was written)";

#[derive(Debug, Subcommand)]
pub enum FixCommand {
    /// Apply a plan written by `caguard scan --fix --plan-out FILE`.
    #[command(after_help = FIX_EXIT_CODES)]
    Apply(FixApplyArgs),
    /// Restore what a fix journal recorded before each write, newest first.
    #[command(after_help = FIX_EXIT_CODES)]
    Undo(FixUndoArgs),
}

/// Arguments of `caguard fix apply`.
#[derive(Debug, Args)]
pub struct FixApplyArgs {
    /// The plan file (JSON, schemas/plan-v1.schema.json).
    #[arg(value_name = "PLAN.json")]
    pub plan: PathBuf,

    #[command(flatten)]
    pub connect: ConnectionArgs,

    #[command(flatten)]
    pub write: WriteArgs,
}

/// Arguments of `caguard fix undo`.
#[derive(Debug, Args)]
pub struct FixUndoArgs {
    /// The journal of the fix to undo (JSON Lines); undo appends its own records to it.
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,

    /// Print what would be restored and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,

    #[command(flatten)]
    pub connect: ConnectionArgs,

    /// Write requests per second at most, all write operations together (the account's
    /// quota is 100/s for all of them).
    #[arg(long, value_name = "N", default_value_t = 50.0, value_parser = write_rate)]
    pub max_write_rps: f64,
}

/// How `fix apply` writes.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Append-only journal of every write (JSON Lines); a rerun with the same journal resumes
    /// [default: ./caguard-fix-journal.jsonl].
    #[arg(long, value_name = "FILE", help_heading = "Fix")]
    pub journal: Option<PathBuf>,

    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long, help_heading = "Fix")]
    pub yes: bool,

    /// Write requests per second at most, all write operations together (the account's
    /// quota is 100/s for all of them).
    #[arg(long, value_name = "N", default_value_t = 50.0, value_parser = write_rate,
          help_heading = "Fix")]
    pub max_write_rps: f64,
}

/// How to reach a live account and as whom: `scan`, `collect`, `fix apply` and `fix undo`.
/// Credentials resolve as for the AWS CLI; `--role-arn` assumes a role on top of them.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// AWS profile from the shared config files [default: AWS_PROFILE, else `default`].
    #[arg(long, value_name = "NAME", value_parser = profile_name, help_heading = "Connection")]
    pub profile: Option<String>,

    /// AWS region, e.g. us-east-1 [default: AWS_REGION, else the profile's region].
    #[arg(long, value_name = "REGION", value_parser = region_name, help_heading = "Connection")]
    pub region: Option<String>,

    /// Send API requests to URL (http:// or https://) instead of the regional endpoint, e.g. the
    /// emulator [default: AWS_ENDPOINT_URL].
    #[arg(long, value_name = "URL", value_parser = endpoint_url, help_heading = "Connection")]
    pub endpoint_url: Option<String>,

    /// Assume this IAM role (STS AssumeRole) with the credentials of the default chain, as the
    /// AWS CLI's `role_arn` does.
    #[arg(long, value_name = "ARN", value_parser = role_arn, help_heading = "Connection")]
    pub role_arn: Option<String>,

    /// External id the role's trust policy requires (with --role-arn or --role-arn-template).
    #[arg(long, value_name = "ID", value_parser = external_id, help_heading = "Connection")]
    pub external_id: Option<String>,

    /// Session name of the assumed role, shown in CloudTrail.
    #[arg(long, value_name = "NAME", default_value = "caguard", value_parser = session_name,
          help_heading = "Connection")]
    pub role_session_name: String,

    /// Lifetime of the assumed role's credentials, in seconds (900 to 43200; at most 3600 when
    /// the caller is itself an assumed role) [default: 3600].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(900..=43200),
          help_heading = "Connection")]
    pub role_duration: Option<u32>,

    /// Requests in flight at most (per account and region).
    #[arg(long, value_name = "N", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..=512), help_heading = "Connection")]
    pub concurrency: u32,

    /// Requests per second at most, all operations together, per account and region. Without
    /// it the rate adapts to the account's quota: it starts at the documented quotas (800
    /// reads/s, 200/s for ListPackages + ListPackageVersions), rises when they were raised, and
    /// slows down when throttled [default: no ceiling].
    #[arg(long, value_name = "N", value_parser = positive_rate, help_heading = "Connection")]
    pub max_rps: Option<f64>,

    /// Attempts per request on 5xx and network errors (throttled requests are retried for up to
    /// 5 minutes).
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=20), help_heading = "Connection")]
    pub max_attempts: u32,

    /// Seconds to wait for a TCP/TLS connection to the endpoint, per attempt.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, value_parser = timeout_seconds,
          help_heading = "Connection")]
    pub connect_timeout: f64,

    /// Seconds to wait for an answer once a request is sent, per attempt.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = timeout_seconds,
          help_heading = "Connection")]
    pub read_timeout: f64,

    /// First retry backoff in milliseconds (tests use a small one).
    #[arg(long, value_name = "MS", default_value_t = 1000, hide = true)]
    pub retry_backoff_ms: u64,

    /// Longest `Retry-After` honoured, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0, value_parser = non_negative_seconds, hide = true)]
    pub max_retry_after: f64,
}

fn write_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 && rate <= 100.0 => Ok(rate),
        _ => Err(format!(
            "`{text}` is not a number of writes per second above 0 and at most 100 (the account's write quota)"
        )),
    }
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: by severity, with evidence and what to do, ending with the gate's verdict.
    Text,
    /// One line per finding: SEVERITY rule-id ARN message.
    Concise,
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
    /// Inventory file (format v1) to scan, `-` for stdin [default: collect from the live account].
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Input",
        conflicts_with_all = ["profile", "region", "endpoint_url", "domains", "domain_owner", "repositories",
                             "role_arn", "accounts", "accounts_file", "accounts_from_organizations",
                             "role_arn_template", "regions"]
    )]
    pub inventory: Option<PathBuf>,

    #[command(flatten)]
    pub collect: CollectArgs,

    #[command(flatten)]
    pub event: EventArgs,

    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Report format written to --output (or stdout).
    #[arg(long, value_enum, default_value_t = Format::Text, help_heading = "Output")]
    pub format: Format,

    /// Write the report to FILE instead of stdout (`-` is stdout).
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

    /// Text and concise formats: print only findings that are not in the --baseline.
    #[arg(long, requires = "baseline", help_heading = "Output")]
    pub only_new: bool,

    /// Fail (exit 1) when a new, unsuppressed finding has at least this severity.
    #[arg(long, value_enum, default_value_t = FailOn::High, help_heading = "Gate")]
    pub fail_on: FailOn,

    /// A previous JSON report: findings already in it are marked `existing` and do not fail the gate.
    #[arg(long, value_name = "PREVIOUS.json", help_heading = "Gate")]
    pub baseline: Option<PathBuf>,

    /// Close findings by applying their planned fixes: `safe` (the default) holds back actions
    /// that would stop a flow that exists today, `all` applies them too. The exit code then
    /// gates on the findings left open.
    #[arg(long, value_enum, value_name = "WHICH", num_args = 0..=1, require_equals = true,
          default_missing_value = "safe", help_heading = "Fix")]
    pub fix: Option<FixWhich>,

    /// With --fix: print the plan and change nothing.
    #[arg(long, requires = "fix", help_heading = "Fix")]
    pub dry_run: bool,

    /// With --fix: also write the plan as JSON to FILE (schemas/plan-v1.schema.json), for
    /// review and `caguard fix apply`.
    #[arg(long, value_name = "FILE", requires = "fix", help_heading = "Fix")]
    pub plan_out: Option<PathBuf>,

    /// With --fix: append-only journal of every write; a rerun with the same journal resumes
    /// [default: ./caguard-fix-journal.jsonl].
    #[arg(long, value_name = "FILE", requires = "fix", help_heading = "Fix")]
    pub journal: Option<PathBuf>,

    /// With --fix: do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long, requires = "fix", help_heading = "Fix")]
    pub yes: bool,

    /// With --fix: write requests per second at most, all write operations together (the
    /// account's quota is 100/s for all of them).
    #[arg(long, value_name = "N", default_value_t = 50.0, value_parser = write_rate,
          help_heading = "Fix")]
    pub max_write_rps: f64,
}

/// `caguard scan --event`: re-check only the packages CodeArtifact events name.
#[derive(Debug, Clone, Args)]
pub struct EventArgs {
    /// CodeArtifact event JSON to handle, `-` for stdin: one event, an array or JSON Lines of
    /// them, or an SQS batch (`Records[].body`). Only the packages the events name are read and
    /// checked.
    #[arg(long, value_name = "FILE", help_heading = "Events",
          conflicts_with_all = ["inventory", "fix"])]
    pub event: Option<PathBuf>,

    /// With --event: the inventory of the last full scan (`caguard collect`), used for the
    /// repository topology and package groups [default: read the topology live].
    #[arg(long, value_name = "FILE", requires = "event", help_heading = "Events")]
    pub context: Option<PathBuf>,

    /// With --event: re-read the topology when the context is older than this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 86400.0, value_parser = non_negative_seconds_any,
          help_heading = "Events")]
    pub context_max_age: f64,

    /// With --event: how long to keep re-reading a version an event names that is not listed
    /// yet (listing can lag ingestion by minutes) before reporting it pending (exit 3).
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0, value_parser = non_negative_seconds,
          help_heading = "Events")]
    pub pending_after: f64,

    /// The first wait before re-reading an unlisted version, in milliseconds (doubles).
    #[arg(long, value_name = "MS", default_value_t = 10_000, hide = true)]
    pub pending_first_wait_ms: u64,
}

fn non_negative_seconds_any(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds),
        _ => Err(format!("`{text}` is not a number of seconds (0 or more)")),
    }
}

/// Arguments of `caguard facts`.
#[derive(Debug, Args)]
pub struct FactsArgs {
    /// Inventory file (format v1) to read, `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub inventory: PathBuf,

    /// Configuration file (internal patterns, trusted accounts) [default: ./caguard.toml when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Only resources with this ARN (repeatable; a trailing `*` matches a prefix). A filter
    /// that matches nothing is an error.
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

/// Output of `caguard rules list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One rule per line: id, severity, scope, title.
    Text,
    /// A JSON array of {id, title, severity, scope, tags, source, fixable}.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules: id, severity, scope, title.
    List {
        /// Directory of additional rule files; repeatable.
        #[arg(long = "rules", value_name = "DIR")]
        rule_dirs: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
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

    /// Write the inventory to FILE instead of stdout (`-` is stdout).
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

/// What to read from live accounts (`caguard collect`, and `caguard scan` without
/// `--inventory`), and how to reach them.
#[derive(Debug, Clone, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(flatten)]
    pub shards: ShardArgs,

    /// Domain to read; repeatable [default: every domain ListDomains returns].
    #[arg(long = "domain", value_name = "NAME", value_parser = domain_name, help_heading = "Collection")]
    pub domains: Vec<String>,

    /// Account that owns the domains (12 digits), for domains shared from another account.
    #[arg(long, value_name = "ACCOUNT", value_parser = account_id, help_heading = "Collection")]
    pub domain_owner: Option<String>,

    /// Only this repository, in every domain read; repeatable [default: all].
    #[arg(long = "repository", value_name = "NAME", value_parser = repository_name,
          help_heading = "Collection")]
    pub repositories: Vec<String>,

    /// No progress bar (it is only drawn when stderr is a terminal anyway).
    #[arg(long, help_heading = "Collection")]
    pub no_progress: bool,
}

/// Several accounts and regions in one run: one shard per (account, region[, domain]), each
/// with its own assumed role and its own rate limits.
#[derive(Debug, Clone, Args)]
pub struct ShardArgs {
    /// Accounts to scan (12 digits, comma-separated), each through --role-arn-template.
    #[arg(long, value_name = "ACCOUNT,...", value_delimiter = ',', value_parser = account_id,
          help_heading = "Organisation", requires = "role_arn_template")]
    pub accounts: Vec<String>,

    /// File of accounts to scan: one 12-digit id per line; blank lines and `#` comments ignored.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Organisation",
        conflicts_with = "accounts",
        requires = "role_arn_template"
    )]
    pub accounts_file: Option<PathBuf>,

    /// Scan every ACTIVE account of the organisation (Organizations ListAccounts, with the
    /// default chain's credentials: the management account or a delegated administrator).
    #[arg(long, help_heading = "Organisation", conflicts_with_all = ["accounts", "accounts_file"],
          requires = "role_arn_template")]
    pub accounts_from_organizations: bool,

    /// The role to assume in each account; `{account}` is replaced by the account id, e.g.
    /// `arn:aws:iam::{account}:role/caguard-reader`.
    #[arg(long, value_name = "TEMPLATE", value_parser = role_arn_template, help_heading = "Organisation")]
    pub role_arn_template: Option<String>,

    /// Regions to scan in every account (comma-separated) [default: --region, else the
    /// default chain's].
    #[arg(long, value_name = "REGION,...", value_delimiter = ',', value_parser = region_name,
          help_heading = "Organisation", conflicts_with = "region")]
    pub regions: Vec<String>,

    /// Shards collected at the same time at most (each has its own --concurrency and --max-rps).
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=256), help_heading = "Organisation")]
    pub max_parallel_shards: u32,
}

/// Arguments of `caguard shards`.
#[derive(Debug, Args)]
pub struct ShardsCommandArgs {
    #[command(flatten)]
    pub shards: ShardArgs,

    /// Region when --regions is not given (only the default chain's region otherwise).
    #[arg(long, value_name = "REGION", value_parser = region_name, help_heading = "Organisation",
          conflicts_with = "regions")]
    pub region: Option<String>,

    /// With --accounts-from-organizations: AWS profile of the Organizations call.
    #[arg(long, value_name = "NAME", value_parser = profile_name, help_heading = "Organisation")]
    pub profile: Option<String>,

    /// With --accounts-from-organizations: send the Organizations call to URL instead.
    #[arg(long, value_name = "URL", value_parser = endpoint_url, help_heading = "Organisation")]
    pub endpoint_url: Option<String>,

    /// One shard per domain and (account, region); repeatable [default: every domain].
    #[arg(long = "domain", value_name = "NAME", value_parser = domain_name, help_heading = "Organisation")]
    pub domains: Vec<String>,

    /// Output shape: a GitHub Actions matrix object or a plain JSON array (Step Functions
    /// Distributed Map items, Batch array jobs).
    #[arg(long, value_enum, default_value_t = ShardsFormat::Matrix, help_heading = "Output")]
    pub format: ShardsFormat,

    /// Write to FILE instead of stdout (`-` is stdout).
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

/// `caguard shards --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShardsFormat {
    /// `{"include":[{"account":…,"region":…,"domain":…}]}` for `strategy.matrix: ${{ fromJson(…) }}`.
    Matrix,
    /// `[{"account":…,"region":…,"domain":…}]`.
    Items,
}

/// Arguments of `caguard merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports of `caguard scan --format json` (or `--json FILE`), one per shard.
    #[arg(value_name = "REPORT.json", required = true)]
    pub reports: Vec<PathBuf>,

    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Report format written to --output (or stdout).
    #[arg(long, value_enum, default_value_t = Format::Text, help_heading = "Output")]
    pub format: Format,

    /// Write the report to FILE instead of stdout (`-` is stdout).
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Also write a SARIF 2.1.0 report to FILE (more than 20 runs: FILE split into
    /// NAME.1.sarif, NAME.2.sarif, ...).
    #[arg(long = "sarif", value_name = "FILE", help_heading = "Output")]
    pub sarif_output: Option<PathBuf>,

    /// Also write the merged JSON report to FILE.
    #[arg(long = "json", value_name = "FILE", help_heading = "Output")]
    pub json_output: Option<PathBuf>,

    /// SARIF category prefix: each account/region run gets CATEGORY/<account>/<region>.
    #[arg(long, value_name = "CATEGORY", help_heading = "Output")]
    pub sarif_category: Option<String>,

    /// Text and concise formats: print only findings that are not in the --baseline.
    #[arg(long, requires = "baseline", help_heading = "Output")]
    pub only_new: bool,

    /// Fail (exit 1) when a new, unsuppressed finding has at least this severity.
    #[arg(long, value_enum, default_value_t = FailOn::High, help_heading = "Gate")]
    pub fail_on: FailOn,

    /// A previous JSON report: findings already in it are marked `existing` and do not fail the gate.
    #[arg(long, value_name = "PREVIOUS.json", help_heading = "Gate")]
    pub baseline: Option<PathBuf>,
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

fn timeout_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0 => Ok(seconds),
        _ => Err(format!(
            "`{text}` is not a number of seconds above 0 and at most 3600"
        )),
    }
}

/// A region ends up in ARNs and SARIF categories: checked as the inventory's region is.
fn region_name(text: &str) -> Result<String, String> {
    check_name(NameKind::Region, text).map(|()| text.to_string())
}

fn endpoint_url(text: &str) -> Result<String, String> {
    crate::collect::validate_endpoint_url(text).map(|()| text.to_string())
}

fn profile_name(text: &str) -> Result<String, String> {
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{text}` is not a profile name (non-empty, no spaces)"
        ));
    }
    Ok(text.to_string())
}

fn role_arn(text: &str) -> Result<String, String> {
    crate::collect::assume::check_role_arn(text).map(|()| text.to_string())
}

fn role_arn_template(text: &str) -> Result<String, String> {
    if !text.contains("{account}") {
        return Err(format!(
            "`{text}` has no `{{account}}` placeholder, e.g. arn:aws:iam::{{account}}:role/caguard-reader"
        ));
    }
    crate::collect::assume::check_role_arn(&text.replace("{account}", "111122223333"))
        .map(|()| text.to_string())
}

fn external_id(text: &str) -> Result<String, String> {
    crate::collect::assume::check_external_id(text).map(|()| text.to_string())
}

fn session_name(text: &str) -> Result<String, String> {
    crate::collect::assume::check_session_name(text).map(|()| text.to_string())
}

fn domain_name(text: &str) -> Result<String, String> {
    check_name(NameKind::Domain, text).map(|()| text.to_string())
}

fn repository_name(text: &str) -> Result<String, String> {
    check_name(NameKind::Repository, text).map(|()| text.to_string())
}

fn account_id(text: &str) -> Result<String, String> {
    check_name(NameKind::Account, text).map(|()| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_values_follow_the_api_model() {
        assert!(region_name("us-east-1").is_ok());
        assert!(region_name("us-gov-west-1").is_ok());
        assert!(region_name("not a region!").is_err());
        assert!(region_name("us-east-1:999999999999").is_err());
        assert!(domain_name("acme").is_ok());
        assert!(domain_name("Acme").is_err());
        assert!(domain_name("a").is_err());
        assert!(domain_name("acme-").is_err());
        assert!(repository_name("npm-store").is_ok());
        assert!(repository_name("a/b").is_err());
        assert!(account_id("111122223333").is_ok());
        assert!(account_id("11112222333").is_err());
        assert!(profile_name("").is_err());
        assert!(role_arn("arn:aws:iam::111122223333:role/caguard-reader").is_ok());
        assert!(role_arn("arn:aws:iam::111122223333:user/x").is_err());
        assert!(role_arn_template("arn:aws:iam::{account}:role/caguard-reader").is_ok());
        assert!(role_arn_template("arn:aws:iam::111122223333:role/caguard-reader").is_err());
        assert!(session_name("caguard").is_ok());
        assert!(session_name("a b").is_err());
        assert!(external_id("x").is_err());
    }
}
