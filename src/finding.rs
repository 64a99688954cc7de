//! Findings: what a rule says about one resource.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Severity, most severe first in `Ord` terms reversed: `Critical > High > ... > Info`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resource a finding is about. The ARN is its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub arn: String,
    /// `domain`, `repository`, `package-group` or `package`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

impl Resource {
    pub fn new(arn: impl Into<String>, kind: impl Into<String>) -> Self {
        Resource {
            arn: arn.into(),
            kind: kind.into(),
            domain: None,
            repository: None,
            format: None,
            namespace: None,
            name: None,
            pattern: None,
        }
    }
}

/// Whether a fix may run with `--fix` (safe) or only with `--fix=all` (unsafe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    Safe,
    Unsafe,
}

/// One API call a fix would make, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixCall {
    /// `PutPackageOriginConfiguration`, `UpdatePackageGroupOriginConfiguration` or `CreatePackageGroup`.
    pub operation: String,
    /// The resource the call changes.
    pub resource: String,
    /// The request members, in the API's wire names.
    pub parameters: BTreeMap<String, serde_json::Value>,
}

/// What `--fix` would do for a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedFix {
    pub safety: Safety,
    pub description: String,
    pub calls: Vec<FixCall>,
}

/// Whether a finding was in the baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    New,
    Existing,
}

/// A matching `[[suppress]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuppressionState {
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// A rule's verdict on one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub resource: Resource,
    /// The facts that made the rule true, by fact path.
    pub evidence: BTreeMap<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<PlannedFix>,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<SuppressionState>,
    pub baseline: BaselineState,
}

impl Finding {
    /// The only constructor: a finding always has a rule, a severity and a resource ARN.
    pub fn new(
        rule_id: &str,
        severity: Severity,
        resource: Resource,
        title: String,
        message: String,
    ) -> Self {
        Finding {
            fingerprint: fingerprint(rule_id, &resource.arn),
            rule_id: rule_id.to_string(),
            severity,
            title,
            message,
            resource,
            evidence: BTreeMap::new(),
            fix: None,
            suppression: None,
            baseline: BaselineState::New,
        }
    }

    /// Report order: most severe first, then rule id, then ARN.
    pub fn sort_key(&self) -> (std::cmp::Reverse<Severity>, &str, &str) {
        (
            std::cmp::Reverse(self.severity),
            &self.rule_id,
            &self.resource.arn,
        )
    }
}

/// Stable identity of a finding: `hex(sha256(ruleId ‖ 0x00 ‖ ARN))[..32]`. Independent of the
/// tool version, time and line numbers, so GitHub alerts and baselines survive upgrades.
pub fn fingerprint(rule_id: &str, arn: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update([0u8]);
    hasher.update(arn.as_bytes());
    let digest = hasher.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_keyed_on_rule_and_arn() {
        let a = fingerprint(
            "rule-a",
            "arn:aws:codeartifact:us-east-1:111122223333:domain/acme",
        );
        assert_eq!(a.len(), 32);
        assert_eq!(
            a,
            fingerprint(
                "rule-a",
                "arn:aws:codeartifact:us-east-1:111122223333:domain/acme"
            )
        );
        assert_ne!(
            a,
            fingerprint(
                "rule-b",
                "arn:aws:codeartifact:us-east-1:111122223333:domain/acme"
            )
        );
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(fingerprint("ab", "c"), fingerprint("a", "bc"));
    }

    #[test]
    fn severity_order() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!(Severity::parse("medium"), Some(Severity::Medium));
        assert_eq!(Severity::parse("severe"), None);
    }
}
