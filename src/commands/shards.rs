//! `caguard shards`: the (account, region[, domain]) shards of an organisation scan as JSON,
//! for a GitHub Actions `strategy.matrix` (`{"include":[…]}`) or as plain items (a Step
//! Functions Distributed Map, a Batch array job). The same flags give the same shards as
//! `caguard scan --accounts …`, so one scan per shard and `caguard merge` cover the same
//! ground as one in-process scan.

use super::output;
use super::AppError;
use crate::cli::{ShardsCommandArgs, ShardsFormat};
use crate::collect::shards;
use crate::exit::Outcome;
use serde_json::json;

/// GitHub Actions runs at most 256 jobs from one matrix
/// (<https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/running-variations-of-jobs-in-a-workflow>).
pub const MAX_MATRIX_JOBS: usize = 256;

pub fn run(args: &ShardsCommandArgs) -> Result<Outcome, AppError> {
    let mut outputs = output::prepare(&[("--output", args.output.as_deref())])?.into_iter();
    let base = crate::collect::Source {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        role: None,
    };
    let accounts = super::collect::accounts(&args.shards, &base)?;
    if accounts.is_empty() {
        return Err(AppError::Usage(
            "caguard shards needs the accounts: --accounts ID,..., --accounts-file FILE or --accounts-from-organizations"
                .to_string(),
        ));
    }
    let regions =
        super::collect::regions(&args.shards, args.region.as_ref(), args.profile.as_ref())?;
    let list = shards::expand(&accounts, &regions, &args.domains);
    let document = match args.format {
        ShardsFormat::Matrix => {
            if list.len() > MAX_MATRIX_JOBS {
                return Err(AppError::Usage(format!(
                    "{} shards, but a GitHub Actions matrix runs at most {MAX_MATRIX_JOBS} jobs: split the accounts \
                     over several workflows (--accounts-file per group)",
                    list.len()
                )));
            }
            json!({ "include": list })
        }
        ShardsFormat::Items => json!(list),
    };
    // Compact, on one line: `echo "matrix=$(caguard shards …)" >> "$GITHUB_OUTPUT"` needs that.
    let mut text = serde_json::to_string(&document).unwrap_or_default();
    text.push('\n');
    if let Some(output) = outputs.next() {
        output.write(&text)?;
    }
    Ok(Outcome::Clean)
}
