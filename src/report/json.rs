//! JSON report, version 1. Its own types, so internal refactors cannot change the format; the
//! committed JSON Schema (`schemas/report-v1.schema.json`) is generated from them and a test
//! keeps the two equal.

use super::ScanResult;
use crate::finding::{Evidence, Finding, Parameters};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const REPORT_VERSION: u32 = 1;

/// A caguard scan report.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "caguard report v1")]
pub struct Report<'a> {
    /// Always 1 for this format.
    pub report_version: u32,
    pub tool: Tool,
    pub scan: Scan,
    /// API calls that failed during collection, and resource policies caguard cannot read (code
    /// `UnreadablePolicyDocument`); non-empty means the scan is incomplete.
    pub collection_errors: Vec<CollectionErrorEntry>,
    /// Inventory problems found while deriving facts.
    pub warnings: Vec<String>,
    pub summary: Summary,
    /// Configured suppressions and whether they matched.
    pub suppressions: Vec<SuppressionEntry>,
    /// Sorted by severity (most severe first), rule id, ARN.
    pub findings: Vec<FindingEntry<'a>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scan {
    /// `inventory` or `live`; `mixed` for a merge of reports of both kinds.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub accounts: Vec<String>,
    pub domains: Vec<String>,
    /// When the inventory was collected (epoch seconds), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<f64>,
    /// The configuration file the scan used, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// False when some API calls failed or a resource policy could not be read: the findings may
    /// be missing some.
    pub complete: bool,
    /// The shards of an organisation scan or a merged report: (account, region[, domain]),
    /// each with whether it was read completely. Absent for a one-account scan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardEntry>,
}

/// One shard of an organisation scan.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShardEntry {
    pub account: String,
    pub region: String,
    /// The one domain the shard read; absent when it read every domain of the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The role assumed in the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub complete: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CollectionErrorEntry {
    pub operation: String,
    pub resource: String,
    pub code: String,
    pub message: String,
}

/// Finding counts, the same as the text report's. A suppressed finding counts only in
/// `suppressed`; `total`, `bySeverity`, `new` and `existing` count unsuppressed findings, so
/// `total = new + existing` and `findings.length = total + suppressed`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Unsuppressed findings.
    pub total: usize,
    /// Unsuppressed findings by severity (critical, high, medium, low, info).
    pub by_severity: BTreeMap<String, usize>,
    /// Findings matched by an unexpired suppression in the configuration.
    pub suppressed: usize,
    /// Unsuppressed findings not in the baseline (all of them without --baseline).
    pub new: usize,
    /// Unsuppressed findings already in the baseline.
    pub existing: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SuppressionEntry {
    pub rule: String,
    pub resource: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// `used`, `unused` or `expired`.
    pub status: String,
    pub matched: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindingEntry<'a> {
    pub rule_id: &'a str,
    /// critical, high, medium, low or info.
    pub severity: &'a str,
    pub title: &'a str,
    pub message: &'a str,
    pub resource: ResourceEntry<'a>,
    /// The facts that made the rule true, by fact path.
    #[schemars(with = "BTreeMap<String, Value>")]
    pub evidence: &'a Evidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixEntry<'a>>,
    /// Stable identity: hex(sha256(ruleId 0x00 ARN))[..32].
    pub fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<SuppressionState<'a>>,
    /// `new` or `existing` (present in the baseline).
    pub baseline_state: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceEntry<'a> {
    pub arn: &'a str,
    /// domain, repository, package-group, package or version.
    #[serde(rename = "type")]
    pub kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'a str>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FixEntry<'a> {
    /// `safe`, or `unsafe` when a call would also stop a flow of INTERNAL versions: review first.
    pub safety: &'a str,
    pub description: &'a str,
    pub calls: Vec<FixCallEntry<'a>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FixCallEntry<'a> {
    pub operation: &'a str,
    pub resource: &'a str,
    #[schemars(with = "BTreeMap<String, Value>")]
    pub parameters: &'a Parameters,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SuppressionState<'a> {
    pub reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<&'a str>,
}

/// The report's view of a finding: borrowed, so that a report of a hundred thousand findings
/// does not copy them all before it is written.
fn entry(finding: &Finding) -> FindingEntry<'_> {
    let resource = &finding.resource;
    FindingEntry {
        rule_id: &finding.rule_id,
        severity: finding.severity.as_str(),
        title: &finding.title,
        message: &finding.message,
        resource: ResourceEntry {
            arn: &resource.arn,
            kind: &resource.kind,
            domain: resource.domain.as_deref(),
            repository: resource.repository.as_deref(),
            format: resource.format.as_deref(),
            namespace: resource.namespace.as_deref(),
            name: resource.name.as_deref(),
            pattern: resource.pattern.as_deref(),
        },
        evidence: &finding.evidence,
        fix: finding.fix.as_ref().map(|fix| FixEntry {
            safety: match fix.safety {
                crate::finding::Safety::Safe => "safe",
                crate::finding::Safety::Unsafe => "unsafe",
            },
            description: &fix.description,
            calls: fix
                .calls
                .iter()
                .map(|call| FixCallEntry {
                    operation: &call.operation,
                    resource: &call.resource,
                    parameters: &call.parameters,
                })
                .collect(),
        }),
        fingerprint: &finding.fingerprint,
        suppression: finding.suppression.as_ref().map(|s| SuppressionState {
            reason: &s.reason,
            expires: s.expires.as_deref(),
        }),
        baseline_state: match finding.baseline {
            crate::finding::BaselineState::New => "new",
            crate::finding::BaselineState::Existing => "existing",
        },
    }
}

/// Builds the report document.
pub fn report(result: &ScanResult) -> Report<'_> {
    let counts = result.counts();
    let by_severity: BTreeMap<String, usize> = crate::finding::Severity::ALL
        .iter()
        .zip(counts.by_severity)
        .map(|(s, n)| (s.as_str().to_string(), n))
        .collect();
    Report {
        report_version: REPORT_VERSION,
        tool: Tool {
            name: "caguard".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        scan: Scan {
            source: result.source.kind.clone(),
            inventory: result.source.path.clone(),
            region: result.source.region.clone(),
            accounts: result.source.accounts.clone(),
            domains: result.source.domains.clone(),
            collected_at: result.source.collected_at,
            config: result.source.config.clone(),
            complete: result.complete(),
            shards: result
                .source
                .shards
                .iter()
                .map(|shard| ShardEntry {
                    account: shard.account.clone(),
                    region: shard.region.clone(),
                    domain: shard.domain.clone(),
                    role_arn: shard.role_arn.clone(),
                    complete: shard.complete,
                })
                .collect(),
        },
        collection_errors: result
            .collection_errors
            .iter()
            .map(|e| CollectionErrorEntry {
                operation: e.operation.clone(),
                resource: e.resource.clone(),
                code: e.code.clone(),
                message: e.message.clone(),
            })
            .collect(),
        warnings: result.warnings.clone(),
        summary: Summary {
            total: counts.total,
            by_severity,
            suppressed: counts.suppressed,
            new: counts.new,
            existing: counts.existing,
        },
        suppressions: result
            .suppressions
            .iter()
            .map(|s| SuppressionEntry {
                rule: s.rule.clone(),
                resource: s.resource.clone(),
                reason: s.reason.clone(),
                expires: s.expires.clone(),
                status: s.status.clone(),
                matched: s.matched,
            })
            .collect(),
        findings: result.findings.iter().map(entry).collect(),
    }
}

/// The report as pretty JSON with a trailing newline.
pub fn render(result: &ScanResult) -> String {
    let mut bytes = Vec::new();
    // Writing to memory fails only if serializing does, which these types cannot.
    let _ = write(result, &mut bytes);
    String::from_utf8(bytes).unwrap_or_default()
}

/// Writes what [`render`] returns to `out`, as it is serialized (no whole-report string).
pub fn write(result: &ScanResult, out: &mut impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report(result))?;
    out.write_all(b"\n")
}

/// The JSON Schema of the report, as committed in `schemas/report-v1.schema.json`.
pub fn schema() -> String {
    let mut text =
        serde_json::to_string_pretty(&schemars::schema_for!(Report<'static>)).unwrap_or_default();
    text.push('\n');
    text
}
