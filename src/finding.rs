//! Findings: what a rule says about one resource.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

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
    pub parameters: Parameters,
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
    pub evidence: Evidence,
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
            evidence: Evidence::default(),
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
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update([0u8]);
    hasher.update(arn.as_bytes());
    let digest = hasher.finalize();
    let mut text = String::with_capacity(32);
    for byte in digest.iter().take(16) {
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    text
}

/// One evidence value: owned, or shared with other findings showing the same fact (a package's
/// exposure paths are shown by several rules, and are the same for many packages).
#[derive(Debug, Clone)]
pub enum EvidenceValue {
    Owned(serde_json::Value),
    Shared(Arc<serde_json::Value>),
}

impl std::ops::Deref for EvidenceValue {
    type Target = serde_json::Value;

    fn deref(&self) -> &serde_json::Value {
        match self {
            EvidenceValue::Owned(value) => value,
            EvidenceValue::Shared(value) => value,
        }
    }
}

impl PartialEq for EvidenceValue {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for EvidenceValue {}

impl From<serde_json::Value> for EvidenceValue {
    fn from(value: serde_json::Value) -> Self {
        EvidenceValue::Owned(value)
    }
}

/// A map from names to JSON values that serializes exactly as a `BTreeMap<String,
/// serde_json::Value>` does, held as one sorted vector whose keys (and large values) can be
/// shared: at a hundred thousand findings, a map node and a key string per entry were most of
/// a finding's memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueMap(Vec<(Arc<str>, EvidenceValue)>);

/// The facts that made a rule true, by fact path.
pub type Evidence = ValueMap;

/// The request members of a fix call, by wire name.
pub type Parameters = ValueMap;

impl ValueMap {
    pub fn with_capacity(capacity: usize) -> Self {
        ValueMap(Vec::with_capacity(capacity))
    }

    /// Sets `path` to `value` (replacing an earlier value, as a map would).
    pub fn insert(&mut self, path: impl Into<Arc<str>>, value: impl Into<EvidenceValue>) {
        let path = path.into();
        match self.0.binary_search_by(|(key, _)| (**key).cmp(&*path)) {
            Ok(position) => {
                if let Some(entry) = self.0.get_mut(position) {
                    entry.1 = value.into();
                }
            }
            Err(position) => self.0.insert(position, (path, value.into())),
        }
    }

    /// Appends an entry whose path sorts after every present one (callers that build evidence
    /// in path order); otherwise the same as [`Evidence::insert`].
    pub fn push_sorted(&mut self, path: Arc<str>, value: EvidenceValue) {
        match self.0.last() {
            Some((last, _)) if **last >= *path => self.insert(path, value),
            _ => self.0.push((path, value)),
        }
    }

    pub fn get(&self, path: &str) -> Option<&serde_json::Value> {
        self.0
            .binary_search_by(|(key, _)| (**key).cmp(path))
            .ok()
            .and_then(|position| self.0.get(position))
            .map(|(_, value)| &**value)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(path, value)| (&**path, &**value))
    }
}

impl<'a> IntoIterator for &'a ValueMap {
    type Item = (&'a str, &'a serde_json::Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Arc<str>, EvidenceValue)>,
        fn(&'a (Arc<str>, EvidenceValue)) -> (&'a str, &'a serde_json::Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(path, value)| (&**path, &**value))
    }
}

impl std::ops::Index<&str> for ValueMap {
    type Output = serde_json::Value;

    /// Like a map's index: `Null` for a path that is not there (as `serde_json::Value` indexes).
    fn index(&self, path: &str) -> &serde_json::Value {
        self.get(path).unwrap_or(&serde_json::Value::Null)
    }
}

impl From<BTreeMap<String, serde_json::Value>> for ValueMap {
    fn from(map: BTreeMap<String, serde_json::Value>) -> Self {
        ValueMap(
            map.into_iter()
                .map(|(path, value)| (Arc::from(path), EvidenceValue::Owned(value)))
                .collect(),
        )
    }
}

impl<'de> Deserialize<'de> for ValueMap {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<String, serde_json::Value>::deserialize(deserializer).map(ValueMap::from)
    }
}

impl Serialize for ValueMap {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (path, value) in &self.0 {
            map.serialize_entry(&**path, &**value)?;
        }
        map.end()
    }
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
        // The hex digits of the digest's first 16 bytes, as `format!("{:02x}")` printed them.
        assert_eq!(fingerprint("r", "a"), {
            let digest = Sha256::digest(b"r\0a");
            digest
                .iter()
                .take(16)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        });
    }

    #[test]
    fn evidence_is_a_sorted_map() {
        let mut evidence = Evidence::default();
        evidence.insert("pkg.b", serde_json::json!(2));
        evidence.insert("pkg.a", serde_json::json!("x"));
        evidence.push_sorted(Arc::from("pkg.c"), serde_json::json!([1]).into());
        evidence.push_sorted(Arc::from("pkg.a"), serde_json::json!("y").into());
        evidence.insert("pkg.b", serde_json::json!(3));
        let map: BTreeMap<String, serde_json::Value> = [
            ("pkg.a".to_string(), serde_json::json!("y")),
            ("pkg.b".to_string(), serde_json::json!(3)),
            ("pkg.c".to_string(), serde_json::json!([1])),
        ]
        .into();
        assert_eq!(
            serde_json::to_string(&evidence).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        assert_eq!(evidence, Evidence::from(map));
        assert_eq!(evidence["pkg.b"], 3);
        assert!(evidence["pkg.none"].is_null());
        assert_eq!(evidence.len(), 3);
        let paths: Vec<&str> = evidence.iter().map(|(path, _)| path).collect();
        assert_eq!(paths, ["pkg.a", "pkg.b", "pkg.c"]);
    }

    #[test]
    fn severity_order() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!(Severity::parse("medium"), Some(Severity::Medium));
        assert_eq!(Severity::parse("severe"), None);
    }
}
