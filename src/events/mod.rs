//! CodeArtifact's EventBridge events: reading them, and turning a batch into the packages to
//! re-check.
//!
//! CodeArtifact sends one event, source `aws.codeartifact` and detail-type
//! `CodeArtifact Package Version State Change`, per package version that is published,
//! ingested from an external connection, retained in a downstream repository after an upstream
//! fetch, copied, deleted or changed in status
//! (<https://docs.aws.amazon.com/codeartifact/latest/ug/service-event-format-example.html>).
//! Its `detail` names the domain, repository and package version; it carries neither the
//! version's origin nor any origin control, so a handler must read those ([`crate::collect`]).
//!
//! Delivery may repeat an event (same `eventDeduplicationId`) and may reorder them
//! (`sequenceNumber` increases per package but may skip), so a batch is deduplicated and
//! grouped per (repository, package): however many events name a package, it is checked once,
//! against the state after its newest event.
//!
//! Accepted input: one event object, a JSON array of them, JSON Lines of them, or an SQS batch
//! (`{"Records":[{"messageId":…,"body":"<event JSON>"}]}`, what a Lambda function reading an
//! SQS queue fed by the EventBridge rule receives).

pub mod evaluate;
pub mod handler;

use crate::inventory::{check_name, NameKind, PackageFormat};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The event source CodeArtifact uses.
pub const SOURCE: &str = "aws.codeartifact";
/// The only detail-type CodeArtifact sends.
pub const DETAIL_TYPE: &str = "CodeArtifact Package Version State Change";

/// One `CodeArtifact Package Version State Change` event: the envelope fields caguard uses
/// and the whole `detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageVersionEvent {
    /// The envelope's `id` (unique per event, not per delivery).
    pub id: Option<String>,
    /// The envelope's `region`: where the domain is.
    pub region: Option<String>,
    /// The envelope's `time`, as sent (RFC 3339).
    pub time: Option<String>,
    pub domain_name: String,
    pub domain_owner: String,
    pub repository_name: String,
    pub repository_administrator: Option<String>,
    pub package_format: PackageFormat,
    /// `null` in the event when the package has none.
    pub package_namespace: Option<String>,
    pub package_name: String,
    pub package_version: String,
    /// `Unfinished`, `Published`, `Unlisted`, `Archived` or `Disposed`.
    pub package_version_state: Option<String>,
    pub package_version_revision: Option<String>,
    /// `Created`, `Updated` or `Deleted`.
    pub operation_type: String,
    pub sequence_number: u64,
    pub event_deduplication_id: String,
}

impl PackageVersionEvent {
    /// After this event the version should be listed by ListPackageVersions (everything but
    /// a deletion: a disposed version stays listed with status `Disposed`).
    pub fn expects_listed(&self) -> bool {
        self.operation_type != "Deleted"
    }

    pub fn target_key(&self) -> TargetKey {
        TargetKey {
            domain_owner: self.domain_owner.clone(),
            domain: self.domain_name.clone(),
            repository: self.repository_name.clone(),
            format: self.package_format.as_str().to_string(),
            namespace: self.package_namespace.clone(),
            package: self.package_name.clone(),
        }
    }
}

/// The wire shape of `detail` (field names as CodeArtifact sends them).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDetail {
    domain_name: Option<String>,
    domain_owner: Option<String>,
    repository_name: Option<String>,
    repository_administrator: Option<String>,
    package_format: Option<String>,
    package_namespace: Option<String>,
    package_name: Option<String>,
    package_version: Option<String>,
    package_version_state: Option<String>,
    package_version_revision: Option<String>,
    operation_type: Option<String>,
    sequence_number: Option<serde_json::Value>,
    event_deduplication_id: Option<String>,
}

/// Where in the input an event came from, for messages and for SQS partial batch failures.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    /// A JSON path into the input: `$`, `$[3]`, `$.Records[2].body`.
    pub at: String,
    /// The SQS `messageId`, when the event came in an SQS record.
    pub message_id: Option<String>,
}

/// One entry of the input: an event, or why it is not one.
#[derive(Debug, Clone)]
pub struct Entry {
    pub origin: Origin,
    pub event: Result<PackageVersionEvent, String>,
}

/// Why an input could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct EventsError {
    pub source_name: String,
    pub message: String,
}

/// Reads every entry of `text`: one event, an array of events, or an SQS batch. An entry
/// that is not a CodeArtifact package version event is returned with its error, so a batch
/// handler can fail just that record; only input that is not JSON at all is an error here.
pub fn parse(text: &str, source_name: &str) -> Result<Vec<Entry>, EventsError> {
    let whole = serde_json::from_str::<serde_json::Value>(text);
    if whole.is_err() {
        if let Some(entries) = json_lines(text) {
            return Ok(entries);
        }
    }
    let value: serde_json::Value = whole.map_err(|error| EventsError {
        source_name: source_name.to_string(),
        message: format!(
            "line {} column {}: not JSON: {}",
            error.line().max(1),
            error.column().max(1),
            strip_position(&error.to_string())
        ),
    })?;
    Ok(entries(&value))
}

/// JSON Lines (what the emulator's `--events-file` and many log exports hold): every
/// non-empty line one JSON value. `None` unless there are several lines and all parse.
fn json_lines(text: &str) -> Option<Vec<Entry>> {
    let mut found = Vec::new();
    let mut lines = 0;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        let value: serde_json::Value = serde_json::from_str(line).ok()?;
        collect_entries(&value, format!("line {}", index + 1), None, &mut found);
    }
    (lines > 1).then_some(found)
}

/// The entries of an already parsed input.
pub fn entries(value: &serde_json::Value) -> Vec<Entry> {
    let mut found = Vec::new();
    match value {
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect_entries(item, format!("$[{index}]"), None, &mut found);
            }
        }
        other => collect_entries(other, "$".to_string(), None, &mut found),
    }
    found
}

fn collect_entries(
    value: &serde_json::Value,
    at: String,
    message_id: Option<String>,
    found: &mut Vec<Entry>,
) {
    if let Some(records) = value.get("Records").and_then(|r| r.as_array()) {
        for (index, record) in records.iter().enumerate() {
            let record_at = format!("{at}.Records[{index}]");
            let message_id = record
                .get("messageId")
                .and_then(|id| id.as_str())
                .map(str::to_string);
            let origin = Origin {
                at: format!("{record_at}.body"),
                message_id: message_id.clone(),
            };
            match record.get("body").and_then(|body| body.as_str()) {
                Some(body) => match serde_json::from_str::<serde_json::Value>(body) {
                    Ok(inner) => found.push(Entry {
                        event: event(&inner),
                        origin,
                    }),
                    Err(error) => found.push(Entry {
                        origin,
                        event: Err(format!(
                            "the SQS message body is not JSON: {}",
                            strip_position(&error.to_string())
                        )),
                    }),
                },
                None => found.push(Entry {
                    origin,
                    event: Err("the SQS record has no string `body`".to_string()),
                }),
            }
        }
        return;
    }
    found.push(Entry {
        origin: Origin { at, message_id },
        event: event(value),
    });
}

/// One event object → the event, or a one-line reason.
pub fn event(value: &serde_json::Value) -> Result<PackageVersionEvent, String> {
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let source = text("source");
    if source.as_deref() != Some(SOURCE) {
        return Err(format!(
            "not a CodeArtifact event: `source` is {}, not \"{SOURCE}\"",
            shown(source.as_deref())
        ));
    }
    let detail_type = text("detail-type");
    if detail_type.as_deref() != Some(DETAIL_TYPE) {
        return Err(format!(
            "`detail-type` is {}, not \"{DETAIL_TYPE}\"",
            shown(detail_type.as_deref())
        ));
    }
    let detail = value
        .get("detail")
        .ok_or_else(|| "the event has no `detail`".to_string())?;
    let raw: RawDetail = serde_json::from_value(detail.clone())
        .map_err(|error| format!("`detail`: {}", strip_position(&error.to_string())))?;
    let required = |field: Option<String>, name: &str| {
        field
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("`detail.{name}` is missing"))
    };
    let domain_name = required(raw.domain_name, "domainName")?;
    let domain_owner = required(raw.domain_owner, "domainOwner")?;
    let repository_name = required(raw.repository_name, "repositoryName")?;
    check_name(NameKind::Domain, &domain_name).map_err(|e| format!("`detail.domainName`: {e}"))?;
    check_name(NameKind::Account, &domain_owner)
        .map_err(|e| format!("`detail.domainOwner`: {e}"))?;
    check_name(NameKind::Repository, &repository_name)
        .map_err(|e| format!("`detail.repositoryName`: {e}"))?;
    let region = text("region");
    if let Some(region) = &region {
        check_name(NameKind::Region, region).map_err(|e| format!("`region`: {e}"))?;
    }
    let package_name = required(raw.package_name, "packageName")?;
    let package_version = required(raw.package_version, "packageVersion")?;
    for (name, value) in [
        ("packageName", &package_name),
        ("packageVersion", &package_version),
    ] {
        if value.chars().any(|c| c.is_control() || c == '/') {
            return Err(format!("`detail.{name}` holds a control character or `/`"));
        }
    }
    let package_namespace = raw.package_namespace.filter(|n| !n.is_empty());
    if package_namespace
        .as_deref()
        .is_some_and(|n| n.chars().any(|c| c.is_control() || c == '/'))
    {
        return Err("`detail.packageNamespace` holds a control character or `/`".to_string());
    }
    let operation_type = required(raw.operation_type, "operationType")?;
    if !matches!(operation_type.as_str(), "Created" | "Updated" | "Deleted") {
        return Err(format!(
            "`detail.operationType` is {}, not Created, Updated or Deleted",
            shown(Some(&operation_type))
        ));
    }
    let sequence_number = match raw.sequence_number {
        Some(serde_json::Value::Number(number)) => number.as_u64(),
        Some(serde_json::Value::String(text)) => text.trim().parse::<u64>().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        "`detail.sequenceNumber` is missing or not a non-negative integer".to_string()
    })?;
    Ok(PackageVersionEvent {
        id: text("id"),
        region,
        time: text("time"),
        domain_name,
        domain_owner,
        repository_name,
        repository_administrator: raw.repository_administrator,
        package_format: PackageFormat::from(
            required(raw.package_format, "packageFormat")?.as_str(),
        ),
        package_namespace,
        package_name,
        package_version,
        package_version_state: raw.package_version_state,
        package_version_revision: raw.package_version_revision,
        operation_type,
        sequence_number,
        event_deduplication_id: required(raw.event_deduplication_id, "eventDeduplicationId")?,
    })
}

fn shown(value: Option<&str>) -> String {
    match value {
        Some(text) => crate::inventory::quote(text),
        None => "absent".to_string(),
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

/// A (repository, package) to re-check: the unit of work of event-driven scanning.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetKey {
    pub domain_owner: String,
    pub domain: String,
    pub repository: String,
    /// The format's wire name (`npm`).
    pub format: String,
    pub namespace: Option<String>,
    pub package: String,
}

impl TargetKey {
    /// The package's display name, `@scope/name`-free: `namespace/name` or `name`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{namespace}/{}", self.package),
            None => self.package.clone(),
        }
    }
}

/// One package to re-check, with the events that named it.
#[derive(Debug, Clone)]
pub struct Target {
    pub key: TargetKey,
    pub region: Option<String>,
    /// Deduplicated, in `sequenceNumber` order.
    pub events: Vec<PackageVersionEvent>,
    /// Where its events came from in the input (SQS message ids for partial failures).
    pub origins: Vec<Origin>,
}

impl Target {
    /// Versions the newest event for each says should be listed now, sorted.
    pub fn expected_versions(&self) -> Vec<String> {
        let mut newest: BTreeMap<&str, &PackageVersionEvent> = BTreeMap::new();
        for event in &self.events {
            // `events` is in sequence order, so the last one per version wins.
            newest.insert(event.package_version.as_str(), event);
        }
        newest
            .into_iter()
            .filter(|(_, event)| event.expects_listed())
            .map(|(version, _)| version.to_string())
            .collect()
    }
}

/// What a batch comes to: the targets, how many events were duplicates, and the entries
/// that are not events.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub targets: Vec<Target>,
    pub duplicates: usize,
    pub rejected: Vec<(Origin, String)>,
}

/// Deduplicates by `eventDeduplicationId` (the first delivery wins), groups per
/// (repository, package) and orders each group by `sequenceNumber`. Targets come sorted by
/// key, so the result does not depend on delivery order.
pub fn batch(entries: Vec<Entry>) -> Batch {
    let mut seen = BTreeSet::new();
    let mut grouped: BTreeMap<TargetKey, Target> = BTreeMap::new();
    let mut result = Batch::default();
    for entry in entries {
        let event = match entry.event {
            Ok(event) => event,
            Err(reason) => {
                result.rejected.push((entry.origin, reason));
                continue;
            }
        };
        let key = event.target_key();
        let target = grouped.entry(key.clone()).or_insert_with(|| Target {
            key,
            region: event.region.clone(),
            events: Vec::new(),
            origins: Vec::new(),
        });
        target.origins.push(entry.origin);
        if !seen.insert(event.event_deduplication_id.clone()) {
            result.duplicates += 1;
            continue;
        }
        if target.region.is_none() {
            target.region = event.region.clone();
        }
        target.events.push(event);
    }
    for target in grouped.values_mut() {
        target.events.sort_by(|a, b| {
            a.sequence_number
                .cmp(&b.sequence_number)
                .then_with(|| a.event_deduplication_id.cmp(&b.event_deduplication_id))
        });
    }
    result.targets = grouped.into_values().collect();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented example event, with `overrides` applied to `detail`.
    pub(crate) fn example(overrides: serde_json::Value) -> serde_json::Value {
        let mut event = serde_json::json!({
            "version": "0", "id": "73f03fec-4cbb-5d5a-8d71-b6ea2c5fe2c8",
            "detail-type": DETAIL_TYPE, "source": SOURCE, "account": "123456789012",
            "time": "2019-11-21T23:19:54Z", "region": "us-west-2",
            "resources": ["arn:aws:codeartifact:us-west-2:111122223333:package/my_domain/myrepo/npm//mypackage"],
            "detail": {
                "domainName": "my-domain", "domainOwner": "111122223333", "repositoryName": "myrepo",
                "repositoryAdministrator": "123456789012", "packageFormat": "npm",
                "packageNamespace": null, "packageName": "mypackage", "packageVersion": "1.0.0",
                "packageVersionState": "Published",
                "packageVersionRevision": "0E5DE26A4CD79FDF3EBC4924FFFFFFFF",
                "changes": {"assetsAdded": 1, "assetsRemoved": 0, "metadataUpdated": true,
                            "assetsUpdated": 0, "statusChanged": true},
                "operationType": "Created", "sequenceNumber": 1,
                "eventDeduplicationId": "2mEO0A2Ke07rWUTBXk3CAiQhdTXF4N94LNaT/ffffff="
            }
        });
        if let (Some(detail), Some(overrides)) = (
            event.get_mut("detail").and_then(|d| d.as_object_mut()),
            overrides.as_object(),
        ) {
            for (key, value) in overrides {
                detail.insert(key.clone(), value.clone());
            }
        }
        event
    }

    #[test]
    fn documented_example_reads() {
        let event = event(&example(serde_json::json!({}))).unwrap();
        assert_eq!(event.domain_name, "my-domain");
        assert_eq!(event.package_format, PackageFormat::Npm);
        assert_eq!(event.package_namespace, None);
        assert_eq!(event.sequence_number, 1);
        assert_eq!(event.region.as_deref(), Some("us-west-2"));
        assert!(event.expects_listed());
    }

    #[test]
    fn wrong_source_or_missing_fields_are_one_line_reasons() {
        let mut other = example(serde_json::json!({}));
        other["source"] = serde_json::json!("aws.s3");
        assert!(event(&other)
            .unwrap_err()
            .contains("not a CodeArtifact event"));
        let missing = example(serde_json::json!({"packageName": null}));
        assert_eq!(
            event(&missing).unwrap_err(),
            "`detail.packageName` is missing"
        );
        let bad = example(serde_json::json!({"domainOwner": "12"}));
        assert!(event(&bad).unwrap_err().starts_with("`detail.domainOwner`"));
        let slash = example(serde_json::json!({"packageName": "a/b"}));
        assert!(event(&slash).is_err());
    }

    #[test]
    fn sqs_batch_keeps_message_ids_and_fails_only_bad_records() {
        let good = example(serde_json::json!({})).to_string();
        let input = serde_json::json!({"Records": [
            {"messageId": "m-1", "body": good, "eventSource": "aws:sqs"},
            {"messageId": "m-2", "body": "{not json", "eventSource": "aws:sqs"},
        ]});
        let entries = parse(&input.to_string(), "batch.json").unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries[0].event.is_ok());
        assert_eq!(entries[1].origin.message_id.as_deref(), Some("m-2"));
        assert_eq!(entries[1].origin.at, "$.Records[1].body");
        assert!(entries[1].event.is_err());
    }

    #[test]
    fn duplicates_and_reordering_give_one_target_in_sequence_order() {
        let first = example(serde_json::json!({"sequenceNumber": 1, "eventDeduplicationId": "a"}));
        let second = example(serde_json::json!({
            "sequenceNumber": 3, "eventDeduplicationId": "b", "packageVersion": "2.0.0"}));
        let deleted = example(serde_json::json!({
            "sequenceNumber": 4, "eventDeduplicationId": "c", "operationType": "Deleted"}));
        let input = serde_json::json!([deleted, second, first, second, first]);
        let batch = batch(parse(&input.to_string(), "x").unwrap());
        assert_eq!(batch.duplicates, 2);
        assert_eq!(batch.targets.len(), 1);
        let target = &batch.targets[0];
        let order: Vec<u64> = target.events.iter().map(|e| e.sequence_number).collect();
        assert_eq!(order, vec![1, 3, 4]);
        // 1.0.0 was deleted by the newest event naming it.
        assert_eq!(target.expected_versions(), vec!["2.0.0".to_string()]);
    }

    #[test]
    fn json_lines_are_events_one_per_line() {
        let one = example(serde_json::json!({"eventDeduplicationId": "a"})).to_string();
        let two = example(serde_json::json!({"eventDeduplicationId": "b"})).to_string();
        let entries = parse(&format!("{one}\n\n{two}\n"), "events.jsonl").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].origin.at, "line 3");
        assert!(entries.iter().all(|e| e.event.is_ok()));
    }

    #[test]
    fn not_json_names_the_position() {
        let error = parse("{\n  oops", "events.json").unwrap_err();
        assert!(
            error.to_string().starts_with("events.json: line 2 column"),
            "{error}"
        );
    }
}
