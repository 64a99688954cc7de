//! `caguard rules list|explain|facts`.

use super::output::write_stdout;
use super::AppError;
use crate::cli::{ListFormat, RulesCommand};
use crate::exit::Outcome;
use crate::rules::{Rule, RuleSet, Scope};
use std::fmt::Write as _;

pub fn run(command: &RulesCommand) -> Result<Outcome, AppError> {
    let text = match command {
        RulesCommand::List { rule_dirs, format } => {
            let rules = RuleSet::load(rule_dirs)?;
            match format {
                ListFormat::Text => list_text(&rules),
                ListFormat::Json => list_json(&rules),
            }
        }
        RulesCommand::Explain { id, rule_dirs } => {
            let rules = RuleSet::load(rule_dirs)?;
            let rule = rules.get(id).ok_or_else(|| {
                AppError::Usage(format!("no rule `{id}` (see `caguard rules list`)"))
            })?;
            explain(rule)
        }
        RulesCommand::Facts { scope } => {
            let scopes: Vec<Scope> = match scope {
                Some(scope) => vec![(*scope).into()],
                None => Scope::ALL.to_vec(),
            };
            let mut text = String::new();
            for scope in scopes {
                let _ = writeln!(text, "scope {} (variable `{}`)", scope, scope.variable());
                for fact in scope.facts() {
                    let _ = writeln!(
                        text,
                        "  {:<52} {:<16} {}",
                        fact.path, fact.kind, fact.description
                    );
                }
                text.push('\n');
            }
            text
        }
    };
    write_stdout(&text)?;
    Ok(Outcome::Clean)
}

fn list_text(rules: &RuleSet) -> String {
    let mut text = String::new();
    for rule in &rules.rules {
        let _ = writeln!(
            text,
            "{:<42} {:<9} {:<14} {}",
            rule.id,
            rule.severity.as_str(),
            rule.scope.as_str(),
            rule.title
        );
    }
    text
}

fn list_json(rules: &RuleSet) -> String {
    let entries: Vec<serde_json::Value> = rules
        .rules
        .iter()
        .map(|rule| {
            serde_json::json!({
                "id": rule.id,
                "title": rule.title,
                "severity": rule.severity.as_str(),
                "scope": rule.scope.as_str(),
                "tags": rule.tags,
                "source": rule.source,
                "fixable": rule.fix.is_some(),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&entries).unwrap_or_default();
    text.push('\n');
    text
}

/// A rule's documentation as `caguard rules explain` prints it.
pub fn explain(rule: &Rule) -> String {
    let mut text = format!(
        "{} — {}\nseverity: {}   scope: {}   tags: {}\nsource: {}\n\nwhen: {}\n\nWhy\n{}\n\nWhat to do\n{}\n",
        rule.id,
        rule.title,
        rule.severity,
        rule.scope,
        rule.tags.join(", "),
        rule.source,
        rule.when.trim(),
        rule.docs.why.trim(),
        rule.docs.remediation.trim(),
    );
    if !rule.docs.references.is_empty() {
        text.push_str("\nReferences\n");
        for reference in &rule.docs.references {
            let _ = writeln!(text, "  {reference}");
        }
    }
    text
}
