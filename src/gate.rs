//! The CI gate: suppressions, baseline, and the one function that decides the exit outcome.

use crate::config::{Date, Suppression};
use crate::exit::Outcome;
use crate::finding::{BaselineState, Finding, Severity, SuppressionState};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// `--fail-on`: the lowest severity that fails the gate, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Critical => "critical",
            FailOn::High => "high",
            FailOn::Medium => "medium",
            FailOn::Low => "low",
            FailOn::Info => "info",
            FailOn::None => "none",
        }
    }

    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

/// How a configured suppression fared in this scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuppressionUse {
    pub rule: String,
    pub resource: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// `used`, `unused` (matched nothing) or `expired` (matched findings are reported again).
    pub status: String,
    pub matched: usize,
    /// Where the entry is in the config, `line:column`.
    pub position: String,
}

/// Marks suppressed findings and reports every suppression's use. Expired suppressions do not
/// suppress: a forgotten exception must not hide a risk forever.
pub fn apply_suppressions(
    findings: &mut [Finding],
    suppressions: &[Suppression],
    today: Date,
) -> Vec<SuppressionUse> {
    suppressions
        .iter()
        .map(|suppression| {
            let expired = suppression.expired(today);
            let mut matched = 0;
            for finding in findings.iter_mut() {
                if suppression.matches(&finding.rule_id, &finding.resource.arn) {
                    matched += 1;
                    if !expired && finding.suppression.is_none() {
                        finding.suppression = Some(SuppressionState {
                            reason: suppression.reason.clone(),
                            expires: suppression.expires.map(|d| d.to_string()),
                        });
                    }
                }
            }
            let status = if expired {
                "expired"
            } else if matched == 0 {
                "unused"
            } else {
                "used"
            };
            SuppressionUse {
                rule: suppression.rule.clone(),
                resource: suppression.resource.clone(),
                reason: suppression.reason.clone(),
                expires: suppression.expires.map(|d| d.to_string()),
                status: status.to_string(),
                matched,
                position: format!(
                    "{}:{}",
                    suppression.position.line, suppression.position.column
                ),
            }
        })
        .collect()
}

/// Why a baseline report could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}: cannot read baseline: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: not a caguard JSON report: {message}")]
    Format {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// Fingerprints of the findings of a previous JSON report (`reportVersion` 1).
pub fn load_baseline(path: &Path) -> Result<BTreeSet<String>, BaselineError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Report {
        report_version: u32,
        findings: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        fingerprint: String,
    }
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
        path: display.clone(),
        source,
    })?;
    let report: Report = serde_json::from_str(&text).map_err(|e| BaselineError::Format {
        path: display.clone(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    if report.report_version != 1 {
        return Err(BaselineError::Format {
            path: display,
            line: 1,
            column: 1,
            message: format!(
                "reportVersion {} is not supported (expected 1)",
                report.report_version
            ),
        });
    }
    Ok(report.findings.into_iter().map(|f| f.fingerprint).collect())
}

/// Marks findings present in the baseline as existing.
pub fn apply_baseline(findings: &mut [Finding], baseline: &BTreeSet<String>) {
    for finding in findings {
        if baseline.contains(&finding.fingerprint) {
            finding.baseline = BaselineState::Existing;
        }
    }
}

/// Whether a finding counts against the gate: new, not suppressed, at or above the threshold.
pub fn counts(finding: &Finding, threshold: Option<Severity>) -> bool {
    threshold.is_some_and(|threshold| finding.severity >= threshold)
        && finding.suppression.is_none()
        && finding.baseline == BaselineState::New
}

/// The exit outcome of a scan: a policy failure wins over an incomplete
/// collection, because a known violation must fail the job whatever else went wrong.
pub fn outcome(findings: &[Finding], fail_on: FailOn, collection_incomplete: bool) -> Outcome {
    let threshold = fail_on.threshold();
    if findings.iter().any(|finding| counts(finding, threshold)) {
        Outcome::PolicyFailed
    } else if collection_incomplete {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    }
}

/// The exit outcome of `scan --fix`: the gate over the findings the applied actions did not
/// close, and 1 whenever an action failed, was stale or did not verify.
pub fn after_fix(
    findings: &[Finding],
    fail_on: FailOn,
    collection_incomplete: bool,
    closed: &BTreeSet<String>,
    troubled: bool,
) -> Outcome {
    if troubled {
        return Outcome::FixIncomplete;
    }
    let open: Vec<Finding> = findings
        .iter()
        .filter(|finding| !closed.contains(&finding.fingerprint))
        .cloned()
        .collect();
    outcome(&open, fail_on, collection_incomplete)
}

/// The exit outcome of `fix apply` and `fix undo`: 0 when every action is in place and
/// verified (or pending, for a new group's association), 1 otherwise.
pub fn fix_run(troubled: bool) -> Outcome {
    if troubled {
        Outcome::FixIncomplete
    } else {
        Outcome::Clean
    }
}

/// The gate's decision with what it was based on, for the last line of the text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub fail_on: FailOn,
    /// New, unsuppressed findings at or above the threshold.
    pub failing: usize,
    pub collection_errors: usize,
}

impl Verdict {
    /// Decides through [`outcome`], the one function that maps a scan to its exit outcome.
    pub fn of(findings: &[Finding], fail_on: FailOn, collection_errors: usize) -> Verdict {
        let threshold = fail_on.threshold();
        Verdict {
            outcome: outcome(findings, fail_on, collection_errors > 0),
            fail_on,
            failing: findings.iter().filter(|f| counts(f, threshold)).count(),
            collection_errors,
        }
    }

    /// `exit 1: 8 new findings at or above high (--fail-on high)`.
    pub fn line(&self) -> String {
        let code = self.outcome.code();
        let flag = format!("--fail-on {}", self.fail_on.as_str());
        let policy = match (self.fail_on.threshold(), self.failing) {
            (None, _) => format!("the policy gate is off ({flag})"),
            (Some(_), 0) => format!(
                "no new finding at or above {} ({flag})",
                self.fail_on.as_str()
            ),
            (Some(_), n) => format!(
                "{n} new finding{} at or above {} ({flag})",
                if n == 1 { "" } else { "s" },
                self.fail_on.as_str()
            ),
        };
        if self.collection_errors > 0 {
            format!(
                "exit {code}: {policy}; collection incomplete ({} failed API call{})",
                self.collection_errors,
                if self.collection_errors == 1 { "" } else { "s" }
            )
        } else {
            format!("exit {code}: {policy}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Position;
    use crate::finding::Resource;

    fn finding(rule: &str, severity: Severity, arn: &str) -> Finding {
        Finding::new(
            rule,
            severity,
            Resource::new(arn, "package"),
            "t".into(),
            "m".into(),
        )
    }

    #[test]
    fn verdict_lines() {
        let high = vec![
            finding("r", Severity::High, "arn:a"),
            finding("r", Severity::Critical, "arn:b"),
        ];
        assert_eq!(
            Verdict::of(&high, FailOn::High, 0).line(),
            "exit 1: 2 new findings at or above high (--fail-on high)"
        );
        assert_eq!(
            Verdict::of(&high, FailOn::Critical, 2).line(),
            "exit 1: 1 new finding at or above critical (--fail-on critical); collection incomplete (2 failed API calls)"
        );
        assert_eq!(
            Verdict::of(&[], FailOn::High, 1).line(),
            "exit 3: no new finding at or above high (--fail-on high); collection incomplete (1 failed API call)"
        );
        assert_eq!(
            Verdict::of(&high, FailOn::None, 0).line(),
            "exit 0: the policy gate is off (--fail-on none)"
        );
    }

    #[test]
    fn outcome_table() {
        let high = vec![finding("r", Severity::High, "arn:a")];
        assert_eq!(outcome(&high, FailOn::High, false), Outcome::PolicyFailed);
        assert_eq!(outcome(&high, FailOn::Critical, false), Outcome::Clean);
        assert_eq!(outcome(&high, FailOn::None, false), Outcome::Clean);
        assert_eq!(outcome(&high, FailOn::Critical, true), Outcome::Incomplete);
        assert_eq!(outcome(&high, FailOn::Low, true), Outcome::PolicyFailed);
        assert_eq!(outcome(&[], FailOn::Info, false), Outcome::Clean);
    }

    #[test]
    fn suppressions_and_baseline_do_not_count() {
        let mut findings = vec![
            finding(
                "r",
                Severity::Critical,
                "arn:aws:codeartifact:r:1:package/d/app/npm//a",
            ),
            finding(
                "r",
                Severity::Critical,
                "arn:aws:codeartifact:r:1:package/d/other/npm//a",
            ),
        ];
        let today = Date {
            year: 2026,
            month: 11,
            day: 21,
        };
        let suppression = |resource: &str, expires: Option<Date>| Suppression {
            rule: "r".into(),
            resource: resource.into(),
            reason: "accepted".into(),
            expires,
            position: Position { line: 3, column: 1 },
        };
        let uses = apply_suppressions(
            &mut findings,
            &[
                suppression("arn:aws:codeartifact:r:1:package/d/app/*", None),
                suppression("arn:aws:codeartifact:r:1:package/d/nothing", None),
                suppression(
                    "arn:aws:codeartifact:r:1:package/d/other/*",
                    Some(Date { day: 20, ..today }),
                ),
            ],
            today,
        );
        let statuses: Vec<&str> = uses.iter().map(|u| u.status.as_str()).collect();
        assert_eq!(statuses, ["used", "unused", "expired"]);
        assert!(findings[0].suppression.is_some() && findings[1].suppression.is_none());
        assert_eq!(
            outcome(&findings, FailOn::High, false),
            Outcome::PolicyFailed
        );
        let baseline: BTreeSet<String> = [findings[1].fingerprint.clone()].into();
        apply_baseline(&mut findings, &baseline);
        assert_eq!(findings[1].baseline, BaselineState::Existing);
        assert_eq!(outcome(&findings, FailOn::High, false), Outcome::Clean);
    }
}
