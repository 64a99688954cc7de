//! Reports: what a scan found, rendered for people (text), machines (JSON) and GitHub (SARIF).

pub mod json;
pub mod merge;
pub mod sarif;
pub mod split;
pub mod text;

use crate::finding::{BaselineState, Finding, Severity};
use crate::gate::SuppressionUse;
use crate::inventory::CollectionError;

/// Where the scanned inventory came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanSource {
    /// `inventory` (a file) or `live` (collected from the API).
    pub kind: String,
    /// The inventory file, when scanning one.
    pub path: Option<String>,
    pub region: Option<String>,
    pub accounts: Vec<String>,
    pub domains: Vec<String>,
    /// From the inventory (epoch seconds); never the time of the scan, so output is reproducible.
    pub collected_at: Option<f64>,
    /// The configuration file in use (an auto-discovered `./caguard.toml` changes results).
    pub config: Option<String>,
    /// The shards of an organisation scan (`--accounts`, `caguard merge`); empty otherwise.
    pub shards: Vec<crate::inventory::Shard>,
}

/// Everything a report writer needs.
#[derive(Debug, Clone)]
pub struct ScanResult {
    pub source: ScanSource,
    /// Failed API calls, and resources whose collected data caguard cannot judge (see
    /// `facts::Facts::unjudged`): either makes the scan incomplete.
    pub collection_errors: Vec<CollectionError>,
    pub warnings: Vec<String>,
    /// Sorted: most severe first, then rule id, then ARN.
    pub findings: Vec<Finding>,
    pub suppressions: Vec<SuppressionUse>,
}

impl ScanResult {
    pub fn complete(&self) -> bool {
        self.collection_errors.is_empty()
    }

    /// The finding counts every format reports, with one definition: a suppressed finding is
    /// counted only as suppressed; every other count is over the unsuppressed ones.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for finding in &self.findings {
            if finding.suppression.is_some() {
                counts.suppressed += 1;
                continue;
            }
            counts.total += 1;
            counts.by_severity[Severity::ALL
                .iter()
                .position(|s| *s == finding.severity)
                .unwrap_or(0)] += 1;
            match finding.baseline {
                BaselineState::New => counts.new += 1,
                BaselineState::Existing => counts.existing += 1,
            }
        }
        counts
    }
}

/// See [`ScanResult::counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Unsuppressed findings.
    pub total: usize,
    /// Unsuppressed findings per severity, in [`Severity::ALL`] order.
    pub by_severity: [usize; 5],
    pub suppressed: usize,
    /// Unsuppressed findings not in the baseline (all of them without a baseline).
    pub new: usize,
    /// Unsuppressed findings already in the baseline.
    pub existing: usize,
}
