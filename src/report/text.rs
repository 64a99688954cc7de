//! The text report for people: by severity, each finding with its evidence and what to do,
//! ending with the gate's verdict; and the concise form, one line per finding.
//!
//! Names in an inventory are data from the account, not from the user: every one is escaped
//! ([`escape`]) before it reaches a terminal, so a package name cannot move the cursor, clear
//! the screen or forge a line of the report.

use super::ScanResult;
use crate::finding::{BaselineState, Finding, FixCall, Safety, Severity};
use crate::gate::Verdict;
use crate::rules::render_fact;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

/// How the text is laid out: plain by default, so it can be diffed and snapshotted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    /// ANSI colours.
    pub color: bool,
    /// Wrap prose at this many columns (commands and ARNs are never broken).
    pub width: Option<usize>,
    /// Show only findings that are not in the baseline.
    pub only_new: bool,
}

struct Paint(bool);

impl Paint {
    fn paint<'a>(&self, code: &str, text: &'a str) -> Cow<'a, str> {
        if self.0 {
            Cow::Owned(format!("\x1b[{code}m{text}\x1b[0m"))
        } else {
            Cow::Borrowed(text)
        }
    }

    fn severity<'a>(&self, severity: Severity, text: &'a str) -> Cow<'a, str> {
        let code = match severity {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "34",
            Severity::Info => "2",
        };
        self.paint(code, text)
    }

    fn verdict<'a>(&self, verdict: &Verdict, text: &'a str) -> Cow<'a, str> {
        let code = match verdict.outcome.code() {
            0 => "32",
            1 => "1;31",
            _ => "1;33",
        };
        self.paint(code, text)
    }
}

/// Control characters (C0, DEL, C1) and bidirectional overrides shown as escapes, so a name
/// from the inventory prints as what it is.
pub fn escape(text: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`escape`] for text that is meant to span lines (a message with a hint on its second line).
pub fn escape_lines(text: &str) -> String {
    text.split('\n').map(escape).collect::<Vec<_>>().join("\n")
}

/// Word-wraps `text` at `width` columns, the first line after `first`, the others after
/// `rest`; words longer than a line (ARNs) stay whole.
fn wrap(out: &mut String, first: &str, rest: &str, text: &str, width: Option<usize>) {
    let Some(width) = width else {
        let _ = writeln!(out, "{first}{text}");
        return;
    };
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            let _ = writeln!(out, "{line}");
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    let _ = writeln!(out, "{line}");
}

fn shown<'a>(result: &'a ScanResult, layout: &Layout) -> Vec<&'a Finding> {
    result
        .findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .filter(|f| !layout.only_new || f.baseline == BaselineState::New)
        .collect()
}

/// Renders the report; the last line is the gate's verdict.
pub fn render(result: &ScanResult, verdict: &Verdict, layout: &Layout) -> String {
    let paint = Paint(layout.color);
    let mut out = String::new();
    let source = &result.source;
    let origin = match &source.path {
        Some(path) => format!("inventory {path}"),
        None => "live collection".to_string(),
    };
    let header = format!(
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
    let mut heading = String::new();
    wrap(&mut heading, "", "  ", &escape(&header), layout.width);
    let _ = writeln!(out, "{}", paint.paint("1", heading.trim_end()));
    let _ = writeln!(
        out,
        "config: {}",
        match &source.config {
            Some(path) => escape(path).into_owned(),
            None => "none (built-in defaults: no internal patterns, no suppressions)".to_string(),
        }
    );
    if !result.complete() {
        let _ = writeln!(
            out,
            "\n{}",
            paint.paint(
                "1;33",
                &format!(
                    "INCOMPLETE: {} resource read(s) failed (API errors, or policies caguard cannot read); findings for them are missing:",
                    result.collection_errors.len()
                )
            )
        );
        for error in &result.collection_errors {
            let line = format!(
                "{} {}: {} {}",
                error.operation, error.resource, error.code, error.message
            );
            wrap(&mut out, "  - ", "    ", &escape(&line), layout.width);
        }
    }
    let counts = result.counts();
    let summary: Vec<String> = Severity::ALL
        .iter()
        .zip(counts.by_severity)
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "\n{} finding(s): {} (suppressed {}, in baseline {})",
        counts.total,
        summary.join(", "),
        counts.suppressed,
        counts.existing
    );
    let active = shown(result, layout);
    if layout.only_new {
        let _ = writeln!(out, "showing the {} new one(s) (--only-new)", active.len());
    }

    for severity in Severity::ALL {
        let group: Vec<_> = active.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let heading = format!("{} ({})", severity.as_str().to_uppercase(), group.len());
        let _ = writeln!(
            out,
            "\n{}\n{}",
            paint.severity(severity, &heading),
            "=".repeat(heading.len())
        );
        for finding in group {
            let marker = if finding.baseline == BaselineState::Existing {
                " [existing]"
            } else {
                ""
            };
            let mut title = String::new();
            let line = format!("* {} — {}{marker}", finding.rule_id, escape(&finding.title));
            wrap(&mut title, "", "    ", &line, layout.width);
            let _ = write!(
                out,
                "\n{}",
                title.replacen(&finding.rule_id, &paint.paint("1", &finding.rule_id), 1)
            );
            let _ = writeln!(out, "  resource: {}", escape(&finding.resource.arn));
            wrap(
                &mut out,
                "  ",
                "  ",
                &escape(&finding.message),
                layout.width,
            );
            if !finding.evidence.is_empty() {
                let _ = writeln!(out, "  evidence:");
                for (path, value) in &finding.evidence {
                    let line = format!("{path} = {}", evidence_text(value));
                    wrap(&mut out, "    ", "        ", &escape(&line), layout.width);
                }
            }
            match &finding.fix {
                Some(fix) => {
                    let safety = match fix.safety {
                        Safety::Safe => "safe",
                        Safety::Unsafe => {
                            "unsafe: review first, it would stop a flow that exists today"
                        }
                    };
                    let line = format!("fix ({safety}): {}", fix.description);
                    wrap(&mut out, "  ", "    ", &escape(&line), layout.width);
                    for call in &fix.calls {
                        let _ = writeln!(out, "    $ {}", escape(&aws_cli(call)));
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

    if counts.suppressed > 0 || !result.suppressions.is_empty() {
        let _ = writeln!(out, "\nSuppressions");
        for entry in &result.suppressions {
            let line = format!(
                "{} {} ({}; matched {}){}",
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
            wrap(&mut out, "  - ", "    ", &escape(&line), layout.width);
        }
    }
    if !result.warnings.is_empty() {
        let _ = writeln!(out, "\nInventory warnings");
        for warning in &result.warnings {
            wrap(&mut out, "  - ", "    ", &escape(warning), layout.width);
        }
    }
    let _ = writeln!(out, "\n{}", paint.verdict(verdict, &verdict.line()));
    out
}

/// One line per finding, `SEVERITY rule-id ARN message`, then the gate's verdict.
pub fn render_concise(result: &ScanResult, verdict: &Verdict, layout: &Layout) -> String {
    let paint = Paint(layout.color);
    let mut out = String::new();
    for error in &result.collection_errors {
        let line = format!(
            "INCOMPLETE {} {}: {} {}",
            error.operation, error.resource, error.code, error.message
        );
        let _ = writeln!(out, "{}", paint.paint("1;33", &escape(&line)));
    }
    for finding in shown(result, layout) {
        let severity = finding.severity.as_str().to_uppercase();
        let _ = writeln!(
            out,
            "{} {} {} {}",
            paint.severity(finding.severity, &format!("{severity:<8}")),
            paint.paint("1", &finding.rule_id),
            escape(&finding.resource.arn),
            escape(&finding.message)
        );
    }
    let _ = writeln!(out, "{}", paint.verdict(verdict, &verdict.line()));
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
