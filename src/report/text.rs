//! The text report for people: by severity, each finding with its evidence and what to do.

use super::ScanResult;
use crate::finding::{BaselineState, FixCall, Safety, Severity};
use crate::rules::render_fact;
use serde_json::Value;
use std::fmt::Write as _;

/// Renders the report as plain text (no colour), so it can be diffed and snapshotted.
pub fn render(result: &ScanResult) -> String {
    let mut out = String::new();
    let source = &result.source;
    let origin = match &source.path {
        Some(path) => format!("inventory {path}"),
        None => "live collection".to_string(),
    };
    let _ = writeln!(
        out,
        "caguard scan of {} ({}; region {}; account {})",
        if source.domains.is_empty() {
            "no domains".to_string()
        } else {
            format!("domain {}", source.domains.join(", "))
        },
        origin,
        source.region.as_deref().unwrap_or("unknown"),
        if source.accounts.is_empty() {
            "unknown".to_string()
        } else {
            source.accounts.join(", ")
        },
    );
    if !result.complete() {
        let _ = writeln!(
            out,
            "\nINCOMPLETE: {} resource read(s) failed (API errors, or policies caguard cannot read); findings for them are missing:",
            result.collection_errors.len()
        );
        for error in &result.collection_errors {
            let _ = writeln!(
                out,
                "  - {} {}: {} {}",
                error.operation, error.resource, error.code, error.message
            );
        }
    }
    let active: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .collect();
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s,
                active.iter().filter(|f| f.severity == *s).count()
            )
        })
        .collect();
    let suppressed = result.findings.len() - active.len();
    let existing = active
        .iter()
        .filter(|f| f.baseline == BaselineState::Existing)
        .count();
    let _ = writeln!(
        out,
        "\n{} finding(s): {} (suppressed {suppressed}, in baseline {existing})",
        active.len(),
        counts.join(", ")
    );

    for severity in Severity::ALL {
        let group: Vec<_> = active.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let heading = format!("{} ({})", severity.as_str().to_uppercase(), group.len());
        let _ = writeln!(out, "\n{heading}\n{}", "=".repeat(heading.len()));
        for finding in group {
            let marker = if finding.baseline == BaselineState::Existing {
                " [existing]"
            } else {
                ""
            };
            let _ = writeln!(out, "\n* {} — {}{marker}", finding.rule_id, finding.title);
            let _ = writeln!(out, "  resource: {}", finding.resource.arn);
            let _ = writeln!(out, "  {}", finding.message);
            if !finding.evidence.is_empty() {
                let _ = writeln!(out, "  evidence:");
                for (path, value) in &finding.evidence {
                    let _ = writeln!(out, "    {path} = {}", evidence_text(value));
                }
            }
            match &finding.fix {
                Some(fix) => {
                    let safety = match fix.safety {
                        Safety::Safe => "safe",
                        Safety::Unsafe => {
                            "unsafe: review first, it may also stop internal versions"
                        }
                    };
                    let _ = writeln!(out, "  fix ({safety}): {}", fix.description);
                    for call in &fix.calls {
                        let _ = writeln!(out, "    $ {}", aws_cli(call));
                    }
                }
                None => {
                    let _ = writeln!(
                        out,
                        "  what to do: caguard rules explain {}",
                        finding.rule_id
                    );
                }
            }
        }
    }

    if suppressed > 0 || !result.suppressions.is_empty() {
        let _ = writeln!(out, "\nSuppressions");
        for entry in &result.suppressions {
            let _ = writeln!(
                out,
                "  - {} {} ({}; matched {}){}",
                entry.rule,
                entry.resource,
                entry.status,
                entry.matched,
                match entry.status.as_str() {
                    "unused" => " — matched nothing: remove it or fix the ARN",
                    "expired" => " — expired: its findings are reported again",
                    _ => "",
                }
            );
        }
    }
    if !result.warnings.is_empty() {
        let _ = writeln!(out, "\nInventory warnings");
        for warning in &result.warnings {
            let _ = writeln!(out, "  - {warning}");
        }
    }
    out
}

fn evidence_text(value: &Value) -> String {
    match value {
        Value::Array(items) if items.iter().any(Value::is_object) => {
            items.iter().map(render_fact).collect::<Vec<_>>().join("; ")
        }
        other => render_fact(other),
    }
}

/// The AWS CLI command equivalent to a planned call, for people who fix by hand.
pub fn aws_cli(call: &FixCall) -> String {
    let command = match call.operation.as_str() {
        "PutPackageOriginConfiguration" => "put-package-origin-configuration",
        "UpdatePackageGroupOriginConfiguration" => "update-package-group-origin-configuration",
        "CreatePackageGroup" => "create-package-group",
        other => other,
    };
    let mut text = format!("aws codeartifact {command}");
    for (name, value) in &call.parameters {
        let flag: String = name
            .chars()
            .flat_map(|c| {
                if c.is_ascii_uppercase() {
                    vec!['-', c.to_ascii_lowercase()]
                } else {
                    vec![c]
                }
            })
            .collect();
        let value = match value {
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(","),
            Value::String(s) => shell_quote(s),
            other => other.to_string(),
        };
        let _ = write!(text, " --{flag} {value}");
    }
    text
}

fn shell_quote(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
