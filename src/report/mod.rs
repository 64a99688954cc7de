//! Reports: what a scan found, rendered for people (text), machines (JSON) and GitHub (SARIF).

pub mod json;
pub mod sarif;
pub mod text;

use crate::finding::Finding;
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
}
