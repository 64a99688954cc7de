//! Joining scan results of several shards into one: `caguard merge REPORT.json…`, and the
//! in-process organisation scan, which goes through the same [`merge`] so that both give
//! byte-identical reports.
//!
//! Reading a report back is the inverse of [`super::json::report`]: every field the writer
//! emits is read, nothing else is needed. Findings repeat when two shards read the same
//! domain (one shared through its domain policy): the fingerprint (rule id and ARN) is the
//! identity, so the first of each is kept. A shard whose collection was incomplete stays so:
//! its collection errors are carried over, and the merged gate says incomplete.

use super::{ScanResult, ScanSource};
use crate::finding::{
    BaselineState, Finding, FixCall, PlannedFix, Resource, Safety, Severity, SuppressionState,
};
use crate::gate::SuppressionUse;
use crate::inventory::{CollectionError, Shard};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Why a report cannot be merged; `path` names the file.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportIn {
    report_version: u32,
    scan: ScanIn,
    #[serde(default)]
    collection_errors: Vec<CollectionError>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    suppressions: Vec<SuppressionIn>,
    #[serde(default)]
    findings: Vec<FindingIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScanIn {
    source: String,
    #[serde(default)]
    inventory: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    accounts: Vec<String>,
    #[serde(default)]
    domains: Vec<String>,
    #[serde(default)]
    config: Option<String>,
    #[serde(default)]
    shards: Vec<Shard>,
}

#[derive(Deserialize)]
struct SuppressionIn {
    rule: String,
    resource: String,
    reason: String,
    #[serde(default)]
    expires: Option<String>,
    status: String,
    matched: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FindingIn {
    rule_id: String,
    severity: String,
    title: String,
    message: String,
    resource: Resource,
    #[serde(default)]
    evidence: BTreeMap<String, Value>,
    #[serde(default)]
    fix: Option<FixIn>,
    fingerprint: String,
    #[serde(default)]
    suppression: Option<SuppressionState>,
    baseline_state: String,
}

#[derive(Deserialize)]
struct FixIn {
    safety: String,
    description: String,
    calls: Vec<FixCall>,
}

/// Reads a JSON report (version 1) back into a scan result. `path` names it in errors.
pub fn parse_report(text: &str, path: &str) -> Result<ScanResult, MergeError> {
    let report: ReportIn = serde_json::from_str(text).map_err(|error| MergeError::Syntax {
        path: path.to_string(),
        line: error.line().max(1),
        column: error.column().max(1),
        message: strip_position(&error.to_string()),
    })?;
    let invalid = |message: String| MergeError::Invalid {
        path: path.to_string(),
        message,
    };
    if report.report_version != super::json::REPORT_VERSION {
        return Err(invalid(format!(
            "reportVersion {} is not supported (expected {})",
            report.report_version,
            super::json::REPORT_VERSION
        )));
    }
    let mut findings = Vec::with_capacity(report.findings.len());
    for (index, entry) in report.findings.into_iter().enumerate() {
        let at = |what: &str, value: &str| {
            invalid(format!(
                "findings[{index}].{what}: unknown value {}",
                crate::inventory::quote(value)
            ))
        };
        let severity =
            Severity::parse(&entry.severity).ok_or_else(|| at("severity", &entry.severity))?;
        let baseline = match entry.baseline_state.as_str() {
            "new" => BaselineState::New,
            "existing" => BaselineState::Existing,
            other => return Err(at("baselineState", other)),
        };
        let fix = match entry.fix {
            None => None,
            Some(fix) => Some(PlannedFix {
                safety: match fix.safety.as_str() {
                    "safe" => Safety::Safe,
                    "unsafe" => Safety::Unsafe,
                    other => return Err(at("fix.safety", other)),
                },
                description: fix.description,
                calls: fix.calls,
            }),
        };
        if entry.fingerprint != crate::finding::fingerprint(&entry.rule_id, &entry.resource.arn) {
            return Err(invalid(format!(
                "findings[{index}].fingerprint does not match its rule id and ARN (edited report?)"
            )));
        }
        findings.push(Finding {
            rule_id: entry.rule_id,
            severity,
            title: entry.title,
            message: entry.message,
            resource: entry.resource,
            evidence: entry.evidence.into(),
            fix,
            fingerprint: entry.fingerprint,
            suppression: entry.suppression,
            baseline,
        });
    }
    let mut shards = report.scan.shards;
    if shards.is_empty() {
        // A one-account scan: its shards are its accounts in its region.
        if let Some(region) = &report.scan.region {
            let complete = report.collection_errors.is_empty();
            shards = report
                .scan
                .accounts
                .iter()
                .map(|account| Shard {
                    account: account.clone(),
                    region: region.clone(),
                    domain: None,
                    role_arn: None,
                    complete,
                })
                .collect();
        }
    }
    Ok(ScanResult {
        source: ScanSource {
            kind: report.scan.source,
            path: report.scan.inventory,
            region: report.scan.region,
            accounts: report.scan.accounts,
            domains: report.scan.domains,
            collected_at: None,
            config: report.scan.config,
            shards,
        },
        collection_errors: report.collection_errors,
        warnings: report.warnings,
        findings,
        suppressions: report
            .suppressions
            .into_iter()
            .map(|s| SuppressionUse {
                rule: s.rule,
                resource: s.resource,
                reason: s.reason,
                expires: s.expires,
                status: s.status,
                matched: s.matched,
                position: String::new(),
            })
            .collect(),
    })
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

/// One result for several shards. Deterministic whatever the order of `results`: findings
/// deduplicated by fingerprint and sorted (severity, rule id, ARN), errors, warnings, accounts,
/// domains and shards sorted without repeats, suppressions joined by (rule, resource) with
/// their matches added up. A merged result has no `collectedAt` (its shards were read at
/// different times), so the same shards give the same bytes however they were collected.
pub fn merge(results: Vec<ScanResult>) -> ScanResult {
    let mut kinds = BTreeSet::new();
    let mut paths = BTreeSet::new();
    let mut configs = BTreeSet::new();
    let mut accounts = BTreeSet::new();
    let mut domains = BTreeSet::new();
    let mut shards: BTreeMap<(String, String, Option<String>), Shard> = BTreeMap::new();
    let mut errors = BTreeSet::new();
    let mut warnings = BTreeSet::new();
    let mut findings: BTreeMap<String, Finding> = BTreeMap::new();
    let mut suppressions: BTreeMap<(String, String), SuppressionUse> = BTreeMap::new();
    for result in results {
        kinds.insert(result.source.kind);
        paths.insert(result.source.path);
        configs.insert(result.source.config);
        accounts.extend(result.source.accounts);
        domains.extend(result.source.domains);
        for shard in result.source.shards {
            let key = (
                shard.account.clone(),
                shard.region.clone(),
                shard.domain.clone(),
            );
            shards
                .entry(key)
                .and_modify(|seen| seen.complete &= shard.complete)
                .or_insert(shard);
        }
        errors.extend(result.collection_errors);
        warnings.extend(result.warnings);
        for finding in result.findings {
            findings
                .entry(finding.fingerprint.clone())
                .or_insert(finding);
        }
        for suppression in result.suppressions {
            let key = (suppression.rule.clone(), suppression.resource.clone());
            match suppressions.get_mut(&key) {
                Some(seen) => {
                    seen.matched += suppression.matched;
                    if suppression.status == "expired" || seen.status == "expired" {
                        seen.status = "expired".to_string();
                    } else if seen.matched > 0 {
                        seen.status = "used".to_string();
                    }
                }
                None => {
                    suppressions.insert(key, suppression);
                }
            }
        }
    }
    let regions: BTreeSet<&String> = shards.values().map(|shard| &shard.region).collect();
    let region = match regions.len() {
        1 => regions.first().map(|region| (*region).clone()),
        _ => None,
    };
    let mut findings: Vec<Finding> = findings.into_values().collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.resource.arn.cmp(&b.resource.arn))
    });
    let single = |set: BTreeSet<Option<String>>| match set.len() {
        1 => set.into_iter().next().flatten(),
        _ => None,
    };
    ScanResult {
        source: ScanSource {
            kind: match kinds.len() {
                1 => kinds.into_iter().next().unwrap_or_default(),
                _ => "mixed".to_string(),
            },
            path: single(paths),
            region,
            accounts: accounts.into_iter().collect(),
            domains: domains.into_iter().collect(),
            collected_at: None,
            config: single(configs),
            shards: shards.into_values().collect(),
        },
        collection_errors: errors.into_iter().collect(),
        warnings: warnings.into_iter().collect(),
        findings,
        suppressions: suppressions.into_values().collect(),
    }
}

/// Re-marks baseline states against `baseline` (fingerprints of a previous report).
pub fn apply_baseline(result: &mut ScanResult, baseline: Option<&BTreeSet<String>>) {
    if let Some(baseline) = baseline {
        crate::gate::apply_baseline(&mut result.findings, baseline);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(findings: &str) -> String {
        format!(
            r#"{{"reportVersion":1,"scan":{{"source":"live","region":"us-east-1","accounts":["111122223333"],"domains":["acme"],"complete":true}},"findings":[{findings}]}}"#
        )
    }

    fn finding(rule: &str, arn: &str) -> String {
        format!(
            r#"{{"ruleId":"{rule}","severity":"high","title":"t","message":"m","resource":{{"arn":"{arn}","type":"repository"}},"fingerprint":"{}","baselineState":"new"}}"#,
            crate::finding::fingerprint(rule, arn)
        )
    }

    #[test]
    fn bad_reports_name_the_file_and_position() {
        let error =
            parse_report("{\n  \"reportVersion\": 1,\n  \"scan\": 5\n}", "a.json").unwrap_err();
        assert!(error.to_string().starts_with("a.json:3:"), "{error}");
        let error =
            parse_report(r#"{"reportVersion":2,"scan":{"source":"live"}}"#, "b.json").unwrap_err();
        assert_eq!(
            error.to_string(),
            "b.json: reportVersion 2 is not supported (expected 1)"
        );
        let forged =
            report(&finding("r", "arn:x").replace("\"fingerprint\":\"", "\"fingerprint\":\"0"));
        let error = parse_report(&forged, "c.json").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("findings[0].fingerprint does not match"),
            "{error}"
        );
    }

    #[test]
    fn duplicates_go_and_order_does_not_matter() {
        let arn = "arn:aws:codeartifact:us-east-1:111122223333:repository/acme/app";
        let one = parse_report(&report(&finding("a-rule", arn)), "1.json").unwrap();
        let two = parse_report(
            &report(&[finding("a-rule", arn), finding("b-rule", arn)].join(",")),
            "2.json",
        )
        .unwrap();
        let forward = merge(vec![one.clone(), two.clone()]);
        let backward = merge(vec![two, one]);
        assert_eq!(forward.findings.len(), 2);
        assert_eq!(
            super::super::json::render(&forward),
            super::super::json::render(&backward)
        );
        assert_eq!(
            forward.source.shards.len(),
            1,
            "derived from accounts × region"
        );
    }
}
