//! SARIF 2.1.0 for GitHub code scanning, which documents what it reads at
//! <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>.
//!
//! Findings are about AWS resources, not files, and GitHub closes every alert that is missing
//! from a new upload with the same tool and category. So the three things that matter are:
//!
//! - **Identity.** An alert is keyed on tool, category, rule id, path and fingerprint. The path is
//!   a virtual repository-relative URI derived 1:1 from the ARN ([`artifact_uri`]) and the
//!   fingerprint is [`Finding::fingerprint`] (rule id + ARN). Neither depends on the tool
//!   version, the time or the message, so alerts survive upgrades and rewording. Changing either
//!   function would close every open alert and open a new one: don't.
//! - **Completeness.** Every run carries the full rule list, and one run per (account, region)
//!   scope is always emitted, even with no results, so that fixed findings close.
//! - **Incomplete collections** never close alerts; see [`render`] and the README section
//!   "SARIF and GitHub code scanning".
//!
//! The output is deterministic (rules sorted by id, results by rule id and ARN, no timestamps),
//! so it can be snapshot-tested and diffed.

use super::ScanResult;
use crate::arn;
use crate::finding::{BaselineState, Finding, Severity};
use crate::inventory::CollectionError;
use crate::rules::{Rule, RuleSet};
use serde_json::json;
use serde_sarif::sarif;
use std::collections::{BTreeMap, BTreeSet};

/// The `$schema` GitHub's documentation uses (Multitool GH1011 accepts it as the final 2.1.0).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// `tool.driver.name`: GitHub's tool filter and part of every alert's identity. Never change it.
pub const TOOL_NAME: &str = "caguard";

/// GitHub rejects a run with more results than this.
pub const MAX_RESULTS_PER_RUN: usize = 25_000;

/// GitHub rejects a file with more runs than this.
pub const MAX_RUNS: usize = 20;

/// Where the repository's files are published; a rule's `helpUri` is this plus
/// `rules/<id>.toml`, the file its documentation lives in, and the tool's `informationUri` is
/// this plus `README.md`. Set `CAGUARD_RULE_DOCS_BASE_URL` at build time to point a fork or
/// mirror at its own copy (with a trailing `/`). User rules (`--rules DIR`) get no `helpUri`:
/// their files are not published anywhere we know of.
pub const RULE_DOCS_BASE_URL: &str = match option_env!("CAGUARD_RULE_DOCS_BASE_URL") {
    Some(url) => url,
    None => "https://github.com/caguard/caguard/blob/main/",
};

/// The base id every location is relative to; `originalUriBaseIds` only describes it, because
/// the paths under `codeartifact/` are virtual and have no place on disk.
pub const SRCROOT: &str = "%SRCROOT%";

/// Appended to the category of a run whose collection was incomplete (see [`render`]).
pub const INCOMPLETE_CATEGORY_SUFFIX: &str = "incomplete";

/// One SARIF run: the resources of one AWS account in one region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RunScope {
    pub account: String,
    pub region: String,
}

/// The account or region of a scope that names none (a failed ListDomains has no account):
/// one value everywhere, so such a run always gets the same, non-empty category.
const UNKNOWN: &str = "unknown";

impl RunScope {
    fn new(account: &str, region: &str) -> RunScope {
        let known = |text: &str| {
            if text.is_empty() {
                UNKNOWN.to_string()
            } else {
                text.to_string()
            }
        };
        RunScope {
            account: known(account),
            region: known(region),
        }
    }

    fn of_arn(arn_text: &str) -> Option<RunScope> {
        arn::split(arn_text).map(|(region, account, _)| RunScope::new(account, region))
    }
}

/// The (account, region) scopes of a scan, sorted: one SARIF run each.
///
/// A scope comes from a scanned account in the scan's region, from a finding's ARN, or from a
/// collection error's ARN (an account whose collection failed before any domain was read still
/// gets a run, so the failure is recorded). A scan that found nothing at all still has one
/// scope, because GitHub rejects a file without runs.
pub fn scopes(result: &ScanResult) -> Vec<RunScope> {
    let mut scopes = BTreeSet::new();
    if let Some(region) = &result.source.region {
        for account in &result.source.accounts {
            scopes.insert(RunScope::new(account, region));
        }
    }
    // Every shard gets its run, even one with no finding and no error: an empty run is what
    // closes the alerts of a scope whose findings were all fixed.
    for shard in &result.source.shards {
        scopes.insert(RunScope::new(&shard.account, &shard.region));
    }
    for finding in &result.findings {
        scopes.extend(RunScope::of_arn(&finding.resource.arn));
    }
    for error in &result.collection_errors {
        scopes.extend(RunScope::of_arn(&error.resource));
    }
    if scopes.is_empty() {
        scopes.insert(RunScope::new(
            result.source.accounts.first().map_or("", String::as_str),
            result.source.region.as_deref().unwrap_or_default(),
        ));
    }
    scopes.into_iter().collect()
}

/// The SARIF log as pretty JSON with a trailing newline.
///
/// `rules` should carry the effective severities (after `[rules.<id>] severity` overrides), since
/// GitHub takes an alert's severity from its rule descriptor. `category` overrides the default
/// `automationDetails.id` category `caguard/<account>/<region>`; with several runs each gets
/// `<category>/<account>/<region>`, because one upload may not hold two runs of one category.
///
/// **Incomplete collection.** GitHub closes every alert of a category that a new upload does
/// not contain, and it processes results whatever `executionSuccessful` says (codeql-action#1316).
/// Uploading what an incomplete scan found under the usual category would therefore close the
/// alerts of exactly the resources that could not be read, and a persistent AccessDenied would
/// look like a fix. So a run whose scope had a collection error (an error whose resource is not
/// an ARN counts against every run; a resource policy caguard cannot read is one too, code
/// `UnreadablePolicyDocument`) is written in a withheld form:
/// - its category becomes `<category>/incomplete`, so the upload does not replace the last
///   complete analysis and every alert of the real category stays open as it was;
/// - it has no results (results under the separate category would be duplicate alerts that no
///   later complete scan would ever close); the findings are in the text and JSON reports;
/// - `invocations[0].executionSuccessful` is false, with one error notification per failed API
///   call (operation, resource, code) and one saying how many results were withheld.
///
/// Scopes without errors in the same scan are written normally. The exit code is 3 (unless a
/// finding fails the gate), so the job fails visibly either way.
pub fn render(result: &ScanResult, rules: &RuleSet, category: Option<&str>) -> String {
    let mut text = serde_json::to_string_pretty(&log(result, rules, category)).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes what [`render`] returns to `out`.
pub fn write(
    result: &ScanResult,
    rules: &RuleSet,
    category: Option<&str>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(result, rules, category))?;
    out.write_all(b"\n")
}

/// The SARIF log; see [`render`].
pub fn log(result: &ScanResult, rules: &RuleSet, category: Option<&str>) -> sarif::Sarif {
    let mut sorted: Vec<&Rule> = rules.rules.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let descriptors: Vec<sarif::ReportingDescriptor> =
        sorted.iter().map(|rule| descriptor(rule)).collect();
    let rule_index: BTreeMap<&str, i64> = sorted
        .iter()
        .enumerate()
        .map(|(index, rule)| (rule.id.as_str(), i64::try_from(index).unwrap_or(i64::MAX)))
        .collect();

    let scopes = scopes(result);
    let several = scopes.len() > 1;
    let category = category
        .map(|c| c.trim().trim_end_matches('/'))
        .filter(|c| !c.is_empty());
    // A finding whose ARN names no scope cannot happen with ARNs built by `crate::arn`; it goes
    // to the first run rather than being lost.
    let fallback = scopes.first().cloned();
    let mut by_scope: BTreeMap<RunScope, Vec<&Finding>> = BTreeMap::new();
    for finding in &result.findings {
        if let Some(scope) = RunScope::of_arn(&finding.resource.arn).or_else(|| fallback.clone()) {
            by_scope.entry(scope).or_default().push(finding);
        }
    }

    let runs: Vec<sarif::Run> = scopes
        .iter()
        .map(|scope| {
            let base = match category {
                Some(category) if several => {
                    format!("{category}/{}/{}", scope.account, scope.region)
                }
                Some(category) => category.to_string(),
                None => format!("{TOOL_NAME}/{}/{}", scope.account, scope.region),
            };
            let errors: Vec<&CollectionError> = result
                .collection_errors
                .iter()
                .filter(|error| RunScope::of_arn(&error.resource).is_none_or(|s| &s == scope))
                .collect();
            let findings = by_scope.remove(scope).unwrap_or_default();
            RunInput {
                scope,
                base,
                errors,
                findings,
                warnings: &result.warnings,
            }
            .build(&descriptors, &rule_index)
        })
        .collect();

    sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(runs)
        .build()
}

struct RunInput<'a> {
    scope: &'a RunScope,
    /// The category, without the trailing `/`.
    base: String,
    errors: Vec<&'a CollectionError>,
    findings: Vec<&'a Finding>,
    warnings: &'a [String],
}

impl RunInput<'_> {
    fn build(
        self,
        descriptors: &[sarif::ReportingDescriptor],
        rule_index: &BTreeMap<&str, i64>,
    ) -> sarif::Run {
        let complete = self.errors.is_empty();
        let mut notifications: Vec<sarif::Notification> = self
            .errors
            .iter()
            .map(|e| collection_notification(e))
            .collect();
        let (kept, automation_id) = if complete {
            let (kept, dropped) = cap(self.findings, MAX_RESULTS_PER_RUN);
            if dropped > 0 {
                notifications.push(notification(
                    "warning",
                    format!(
                        "{dropped} result(s) were left out of this run: GitHub accepts at most {MAX_RESULTS_PER_RUN} results per run, \
                         so only the {MAX_RESULTS_PER_RUN} most severe are included. Alerts of the ones left out will be closed; \
                         the JSON report (--json FILE) lists every finding."
                    ),
                ));
            }
            (kept, format!("{}/", self.base))
        } else {
            let incomplete = format!("{}/{INCOMPLETE_CATEGORY_SUFFIX}", self.base);
            notifications.push(notification(
                "error",
                format!(
                    "Collection was incomplete ({} failed or unreadable resource read(s)), so this run uses the category `{incomplete}` and holds no results: \
                     the {} result(s) found are withheld so that GitHub keeps the alerts of the last complete scan (category `{}`) open \
                     instead of closing those of resources that could not be read. The text and JSON reports list them.",
                    self.errors.len(),
                    self.findings.len(),
                    self.base
                ),
            ));
            (Vec::new(), format!("{incomplete}/"))
        };
        for warning in self.warnings {
            notifications.push(notification("warning", format!("Inventory: {warning}")));
        }

        let mut kept = kept;
        // Identity order, independent of severity, so a severity override does not reorder the file.
        kept.sort_by(|a, b| (&a.rule_id, &a.resource.arn).cmp(&(&b.rule_id, &b.resource.arn)));
        let results: Vec<sarif::Result> = kept
            .iter()
            .map(|finding| sarif_result(finding, rule_index))
            .collect();

        let mut invocation = sarif::Invocation::builder()
            .execution_successful(complete)
            .build();
        if !notifications.is_empty() {
            invocation.tool_execution_notifications = Some(notifications);
        }

        let driver = sarif::ToolComponent::builder()
            .name(TOOL_NAME)
            .information_uri(format!("{RULE_DOCS_BASE_URL}README.md"))
            .semantic_version(env!("CARGO_PKG_VERSION"))
            .version(env!("CARGO_PKG_VERSION"))
            .rules(descriptors.to_vec())
            .build();
        let mut base_ids = BTreeMap::new();
        base_ids.insert(
            SRCROOT.to_string(),
            sarif::ArtifactLocation::builder()
                .description(text_message(
                    "Repository root. Paths under codeartifact/ are virtual: they name AWS CodeArtifact resources \
                     (codeartifact/<account>/<region>/<resource type>/<ARN resource segments>), not files.",
                ))
                .build(),
        );
        let mut properties = BTreeMap::new();
        properties.insert("account".to_string(), json!(self.scope.account));
        properties.insert("region".to_string(), json!(self.scope.region));
        properties.insert("complete".to_string(), json!(complete));
        sarif::Run::builder()
            .tool(sarif::Tool::builder().driver(driver).build())
            .automation_details(
                sarif::RunAutomationDetails::builder()
                    .id(automation_id)
                    .build(),
            )
            .original_uri_base_ids(base_ids)
            .invocations(vec![invocation])
            .results(results)
            .column_kind(json!("utf16CodeUnits"))
            .properties(
                sarif::PropertyBag::builder()
                    .additional_properties(properties)
                    .build(),
            )
            .build()
    }
}

/// The `count` most severe findings (ties by rule id and ARN), and how many were left out.
pub fn cap(mut findings: Vec<&Finding>, count: usize) -> (Vec<&Finding>, usize) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let dropped = findings.len().saturating_sub(count);
    findings.truncate(count);
    (findings, dropped)
}

fn text_message(text: impl Into<String>) -> sarif::Message {
    sarif::Message::builder().text(text.into()).build()
}

fn notification(level: &str, text: String) -> sarif::Notification {
    sarif::Notification::builder()
        .level(json!(level))
        .message(text_message(text))
        .build()
}

fn collection_notification(error: &CollectionError) -> sarif::Notification {
    let mut text = format!(
        "{} failed for {}: {}",
        error.operation, error.resource, error.code
    );
    if !error.message.trim().is_empty() {
        text.push_str(&format!(" ({})", error.message.trim()));
    }
    let mut properties = BTreeMap::new();
    properties.insert("operation".to_string(), json!(error.operation));
    properties.insert("resource".to_string(), json!(error.resource));
    properties.insert("code".to_string(), json!(error.code));
    let mut notification = notification("error", text);
    notification.properties = Some(
        sarif::PropertyBag::builder()
            .additional_properties(properties)
            .build(),
    );
    notification
}

/// SARIF `level` (the alert's non-security severity).
pub fn level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

fn level_name(severity: Severity) -> &'static str {
    match level(severity) {
        sarif::ResultLevel::Error => "error",
        sarif::ResultLevel::Warning => "warning",
        sarif::ResultLevel::Note => "note",
        sarif::ResultLevel::None => "none",
    }
}

/// GitHub's `security-severity`: a *string* holding a number in (0, 10]. Each value is the middle
/// of GitHub's band (over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low), so none sits
/// on a boundary. Info has no band of its own and shows as low.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "1.0",
    }
}

/// `internal-package-exposed` → `InternalPackageExposed`: SARIF wants `name` to differ from `id`.
pub fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// At most `limit` characters (GitHub's limit for descriptions is 1024), cut at a sentence end
/// when there is one in the second half, else at a character boundary with an ellipsis.
fn limit_text(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let cut: String = text.chars().take(limit - 1).collect();
    match cut.rfind(". ") {
        Some(end) if end > limit / 2 => cut[..=end].to_string(),
        _ => format!("{}…", cut.trim_end()),
    }
}

fn first_paragraph(text: &str) -> &str {
    let text = text.trim();
    text.split("\n\n").next().unwrap_or(text).trim()
}

fn non_empty(text: &str, fallback: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        fallback.to_string()
    } else {
        text.to_string()
    }
}

fn descriptor(rule: &Rule) -> sarif::ReportingDescriptor {
    let title = non_empty(&rule.title, &rule.id);
    let why = non_empty(&rule.docs.why, &title);
    let remediation = non_empty(
        &rule.docs.remediation,
        &format!("See `caguard rules explain {}`.", rule.id),
    );
    let mut help_text =
        format!("{title}\n\nWhy it matters\n\n{why}\n\nWhat to do\n\n{remediation}\n");
    let mut help_markdown =
        format!("**{title}**\n\n## Why it matters\n\n{why}\n\n## What to do\n\n{remediation}\n");
    if !rule.docs.references.is_empty() {
        help_text.push_str("\nReferences\n\n");
        help_markdown.push_str("\n## References\n\n");
        for reference in &rule.docs.references {
            help_text.push_str(&format!("- {reference}\n"));
            help_markdown.push_str(&format!("- <{reference}>\n"));
        }
    }
    help_text.push_str(&format!("\nOffline: caguard rules explain {}\n", rule.id));
    help_markdown.push_str(&format!("\nOffline: `caguard rules explain {}`\n", rule.id));

    let mut tags: Vec<String> = Vec::new();
    for tag in ["security", "supply-chain"]
        .into_iter()
        .map(str::to_string)
        .chain(rule.tags.iter().cloned())
    {
        if !tag.trim().is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags.truncate(20); // GitHub's limit per rule; `security` comes first so it always survives.
    let mut properties = BTreeMap::new();
    // Rules are exact conditions over configuration read from the API, not guesses about code.
    properties.insert("precision".to_string(), json!("high"));
    properties.insert(
        "security-severity".to_string(),
        json!(security_severity(rule.severity)),
    );
    properties.insert("scope".to_string(), json!(rule.scope.as_str()));

    let mut descriptor = sarif::ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(limit_text(&pascal_case(&rule.id), 255))
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(limit_text(&title, 1024))
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(limit_text(first_paragraph(&why), 1024))
                .build(),
        )
        .help(
            sarif::MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_markdown)
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level_name(rule.severity)))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(properties)
                .build(),
        )
        .build();
    if rule.builtin {
        descriptor.help_uri = Some(format!("{RULE_DOCS_BASE_URL}rules/{}.toml", rule.id));
    }
    descriptor
}

/// RFC 3986 unreserved characters and `@` stay as they are; everything else is percent-encoded
/// byte by byte (UTF-8). An empty segment (a package without namespace) becomes `-`, so a literal
/// `-` segment is encoded as `%2D` to keep the mapping 1:1, and `.`/`..` are encoded so URI
/// resolution cannot remove them.
fn uri_segment(segment: &str) -> String {
    match segment {
        "" => return "-".to_string(),
        "-" => return "%2D".to_string(),
        "." => return "%2E".to_string(),
        ".." => return "%2E%2E".to_string(),
        _ => {}
    }
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The virtual repository-relative path of a resource, derived 1:1 from its ARN:
/// `codeartifact/<account>/<region>/<resource type>/<segments…>`, each `/`-separated segment of
/// the ARN's resource part encoded by [`uri_segment`]. Never an ARN: GitHub would read `arn:` as a
/// URI scheme and reject the upload. This path is part of every alert's identity: changing the
/// mapping closes all open alerts and opens new ones.
pub fn artifact_uri(resource_arn: &str) -> String {
    match arn::split(resource_arn) {
        Some((region, account, resource)) => {
            let mut uri = format!(
                "codeartifact/{}/{}",
                uri_segment(account),
                uri_segment(region)
            );
            for segment in resource.split('/') {
                uri.push('/');
                uri.push_str(&uri_segment(segment));
            }
            uri
        }
        // Not a CodeArtifact ARN (not produced by `crate::arn`): still a relative path, still 1:1.
        None => format!("codeartifact/-/-/other/{}", uri_segment(resource_arn)),
    }
}

fn message_text(finding: &Finding) -> String {
    let base = non_empty(
        &finding.message,
        &non_empty(&finding.title, &finding.rule_id),
    );
    let separator = if base.ends_with(['.', '!', '?']) {
        " "
    } else {
        ". "
    };
    // GitHub does not show logical locations, so the ARN goes into the alert text.
    format!("{base}{separator}Resource: {}", finding.resource.arn)
}

fn sarif_result(finding: &Finding, rule_index: &BTreeMap<&str, i64>) -> sarif::Result {
    let resource = &finding.resource;
    let name = arn::split(&resource.arn)
        .and_then(|(_, _, path)| path.split_once('/').map(|(_, rest)| rest.to_string()))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| resource.arn.clone());
    let location = sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(
                    sarif::ArtifactLocation::builder()
                        .uri(artifact_uri(&resource.arn))
                        .uri_base_id(SRCROOT)
                        .build(),
                )
                // The path is not a file; line 1 satisfies GitHub's required startLine and makes
                // upload-sarif skip its own line-hash fingerprinting.
                .region(
                    sarif::Region::builder()
                        .start_line(1)
                        .start_column(1)
                        .end_line(1)
                        .end_column(1)
                        .build(),
                )
                .build(),
        )
        .logical_locations(vec![sarif::LogicalLocation::builder()
            .name(name)
            .fully_qualified_name(resource.arn.clone())
            .kind("resource")
            .build()])
        .build();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(
        "primaryLocationLineHash".to_string(),
        finding.fingerprint.clone(),
    );
    let mut properties = BTreeMap::new();
    properties.insert("arn".to_string(), json!(resource.arn));
    properties.insert("resourceType".to_string(), json!(resource.kind));
    properties.insert("severity".to_string(), json!(finding.severity.as_str()));
    // The safety computed from the facts, as in the JSON report's `fix.safety`: whether the
    // planned fix would stop a flow that exists today.
    if let Some(fix) = &finding.fix {
        properties.insert(
            "fixSafety".to_string(),
            json!(match fix.safety {
                crate::finding::Safety::Safe => "safe",
                crate::finding::Safety::Unsafe => "unsafe",
            }),
        );
    }
    let mut sarif_result = sarif::Result::builder()
        .rule_id(finding.rule_id.clone())
        .level(level(finding.severity))
        .message(text_message(message_text(finding)))
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .baseline_state(json!(match finding.baseline {
            BaselineState::New => "new",
            BaselineState::Existing => "unchanged",
        }))
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build();
    sarif_result.rule_index = rule_index.get(finding.rule_id.as_str()).copied();
    if let Some(suppression) = &finding.suppression {
        let mut properties = BTreeMap::new();
        if let Some(expires) = &suppression.expires {
            properties.insert("expires".to_string(), json!(expires));
        }
        let mut entry = sarif::Suppression::builder()
            // The suppression lives in caguard.toml, not in the analysed resource.
            .kind(json!("external"))
            .status(json!("accepted"))
            .justification(non_empty(&suppression.reason, "suppressed in caguard.toml"))
            .build();
        if !properties.is_empty() {
            entry.properties = Some(
                sarif::PropertyBag::builder()
                    .additional_properties(properties)
                    .build(),
            );
        }
        sarif_result.suppressions = Some(vec![entry]);
    }
    sarif_result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Resource;
    use crate::report::ScanSource;
    use serde_json::Value;

    const ACCOUNT: &str = "111122223333";

    fn source(accounts: &[&str]) -> ScanSource {
        ScanSource {
            kind: "inventory".into(),
            path: Some("inventory.json".into()),
            region: Some("us-east-1".into()),
            accounts: accounts.iter().map(|a| a.to_string()).collect(),
            domains: vec!["acme".into()],
            collected_at: None,
            config: None,
            shards: Vec::new(),
        }
    }

    fn package(account: &str, name: &str) -> String {
        arn::package("us-east-1", account, "acme", "app", "npm", None, name)
    }

    fn finding(rule: &str, severity: Severity, resource_arn: &str) -> Finding {
        Finding::new(
            rule,
            severity,
            Resource::new(resource_arn, "package"),
            "A title".into(),
            "Something is wrong".into(),
        )
    }

    fn result(
        findings: Vec<Finding>,
        errors: Vec<CollectionError>,
        accounts: &[&str],
    ) -> ScanResult {
        ScanResult {
            source: source(accounts),
            collection_errors: errors,
            warnings: vec![],
            findings,
            suppressions: vec![],
        }
    }

    fn rules() -> RuleSet {
        RuleSet::load(&[]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn to_json(result: &ScanResult, category: Option<&str>) -> Value {
        serde_json::from_str(&render(result, &rules(), category)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn uri_is_relative_segment_encoded_and_one_to_one() {
        assert_eq!(
            artifact_uri(&package(ACCOUNT, "left-pad")),
            "codeartifact/111122223333/us-east-1/package/acme/app/npm/-/left-pad"
        );
        let scoped = arn::package(
            "us-east-1",
            ACCOUNT,
            "acme",
            "app",
            "npm",
            Some("acme"),
            "ui button",
        );
        assert_eq!(
            artifact_uri(&scoped),
            "codeartifact/111122223333/us-east-1/package/acme/app/npm/acme/ui%20button"
        );
        let group = arn::package_group("us-east-1", ACCOUNT, "acme", "/npm/acme/*");
        assert_eq!(
            artifact_uri(&group),
            "codeartifact/111122223333/us-east-1/package-group/acme/%252Fnpm%252Facme%252F%252A"
        );
        // An empty namespace and a literal `-` namespace stay apart; dot segments are encoded.
        let dash = arn::package(
            "us-east-1",
            ACCOUNT,
            "acme",
            "app",
            "npm",
            Some("-"),
            "left-pad",
        );
        assert_ne!(
            artifact_uri(&dash),
            artifact_uri(&package(ACCOUNT, "left-pad"))
        );
        let dots = arn::package(
            "us-east-1",
            ACCOUNT,
            "acme",
            "app",
            "generic",
            Some(".."),
            ".",
        );
        assert!(
            artifact_uri(&dots).ends_with("/%2E%2E/%2E"),
            "{}",
            artifact_uri(&dots)
        );
        assert_eq!(uri_segment("@scope"), "@scope");
        assert!(!artifact_uri("arn:aws:s3:::bucket").contains(':'));
    }

    #[test]
    fn names_and_severities() {
        assert_eq!(
            pascal_case("internal-package-exposed"),
            "InternalPackageExposed"
        );
        for severity in Severity::ALL {
            let value: f64 = security_severity(severity).parse().unwrap_or(0.0);
            assert!(value > 0.0 && value <= 10.0);
        }
        assert_eq!(limit_text("short", 10), "short");
        assert!(limit_text(&"word ".repeat(400), 1024).chars().count() <= 1024);
    }

    #[test]
    fn cap_keeps_the_most_severe_and_reports_the_rest() {
        let mut findings: Vec<Finding> = (0..MAX_RESULTS_PER_RUN + 7)
            .map(|i| {
                finding(
                    "unknown-origin-versions",
                    Severity::Low,
                    &package(ACCOUNT, &format!("p{i:05}")),
                )
            })
            .collect();
        for i in 0..3 {
            findings.push(finding(
                "internal-package-exposed",
                Severity::Critical,
                &package(ACCOUNT, &format!("c{i}")),
            ));
        }
        let total = findings.len();
        let doc = to_json(&result(findings, vec![], &[ACCOUNT]), None);
        let run = &doc["runs"][0];
        let results = run["results"].as_array().map(Vec::len).unwrap_or_default();
        assert_eq!(results, MAX_RESULTS_PER_RUN);
        let critical = run["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["ruleId"] == "internal-package-exposed")
            .count();
        assert_eq!(critical, 3, "the most severe are kept");
        let notes = run["invocations"][0]["toolExecutionNotifications"].to_string();
        assert!(
            notes.contains(&format!(
                "{} result(s) were left out",
                total - MAX_RESULTS_PER_RUN
            )),
            "{notes}"
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn one_run_per_account_with_distinct_categories() {
        let other = "444455556666";
        let findings = vec![
            finding(
                "mixed-origin-package",
                Severity::High,
                &package(ACCOUNT, "a"),
            ),
            finding("mixed-origin-package", Severity::High, &package(other, "b")),
        ];
        let doc = to_json(
            &result(findings.clone(), vec![], &[ACCOUNT, other, "999900001111"]),
            None,
        );
        let ids: Vec<&str> = doc["runs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|run| run["automationDetails"]["id"].as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "caguard/111122223333/us-east-1/",
                "caguard/444455556666/us-east-1/",
                "caguard/999900001111/us-east-1/"
            ]
        );
        assert_eq!(
            doc["runs"][2]["results"],
            json!([]),
            "an account without findings still gets its run"
        );
        let doc = to_json(
            &result(findings, vec![], &[ACCOUNT, other]),
            Some("nightly/"),
        );
        assert_eq!(
            doc["runs"][1]["automationDetails"]["id"],
            "nightly/444455556666/us-east-1/"
        );
        let doc = to_json(&result(vec![], vec![], &[ACCOUNT]), Some("nightly"));
        assert_eq!(doc["runs"][0]["automationDetails"]["id"], "nightly/");
    }

    #[test]
    fn incomplete_scope_is_withheld_and_others_are_not() {
        let other = "444455556666";
        let findings = vec![
            finding(
                "mixed-origin-package",
                Severity::High,
                &package(ACCOUNT, "a"),
            ),
            finding("mixed-origin-package", Severity::High, &package(other, "b")),
        ];
        let error = CollectionError {
            operation: "ListPackages".into(),
            resource: arn::repository("us-east-1", other, "acme", "app"),
            code: "AccessDeniedException".into(),
            message: "not authorized".into(),
        };
        let doc = to_json(
            &result(findings.clone(), vec![error], &[ACCOUNT, other]),
            None,
        );
        let complete = &doc["runs"][0];
        assert_eq!(
            complete["automationDetails"]["id"],
            "caguard/111122223333/us-east-1/"
        );
        assert_eq!(complete["invocations"][0]["executionSuccessful"], true);
        assert_eq!(complete["results"].as_array().map(Vec::len), Some(1));
        let withheld = &doc["runs"][1];
        assert_eq!(
            withheld["automationDetails"]["id"],
            "caguard/444455556666/us-east-1/incomplete/"
        );
        assert_eq!(withheld["invocations"][0]["executionSuccessful"], false);
        assert_eq!(withheld["results"], json!([]));
        let first = &withheld["invocations"][0]["toolExecutionNotifications"][0];
        assert_eq!(first["level"], "error");
        assert_eq!(first["properties"]["operation"], "ListPackages");
        assert_eq!(first["properties"]["code"], "AccessDeniedException");

        // An error without an ARN cannot be placed, so it makes every run incomplete.
        let global = CollectionError {
            operation: "ListDomains".into(),
            resource: "account 111122223333".into(),
            code: "ThrottlingException".into(),
            message: String::new(),
        };
        let doc = to_json(&result(findings, vec![global], &[ACCOUNT, other]), None);
        for run in doc["runs"].as_array().into_iter().flatten() {
            assert_eq!(run["invocations"][0]["executionSuccessful"], false);
            assert!(run["automationDetails"]["id"]
                .as_str()
                .is_some_and(|id| id.ends_with("/incomplete/")));
        }
    }
}
