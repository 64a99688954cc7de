//! `caguard facts`: the derived facts as JSON, to see why something is or is not exposed.

use super::output::write_stdout;
use super::{load_inventory, AppError};
use crate::cli::FactsArgs;
use crate::config::Config;
use crate::exit::Outcome;
use crate::facts::{self, Facts};
use crate::rules::Scope;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

pub fn run(args: &FactsArgs) -> Result<Outcome, AppError> {
    let config = Config::discover(args.config.as_deref())?;
    let inventory = load_inventory(&args.inventory)?;
    let facts = facts::derive(&inventory, &config.facts);
    let scopes: BTreeSet<Scope> = if args.scopes.is_empty() {
        Scope::ALL
            .into_iter()
            .filter(|s| *s != Scope::Version)
            .collect()
    } else {
        args.scopes.iter().map(|s| Scope::from(*s)).collect()
    };
    let (text, unmatched) = facts_json(&facts, &scopes, &args.resources);
    if !unmatched.is_empty() {
        return Err(AppError::Usage(format!(
            "no {} resource matches --resource {} (ARNs are listed by `caguard facts --inventory {}`)",
            scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("/"),
            unmatched.join(", --resource "),
            args.inventory.display()
        )));
    }
    write_stdout(&text)?;
    Ok(Outcome::Clean)
}

fn matches_resource(filter: &str, arn: &str) -> bool {
    match filter.strip_suffix('*') {
        Some(prefix) => arn.starts_with(prefix),
        None => arn == filter,
    }
}

/// Facts as JSON, keyed by scope (snake_case, as the fact paths rules use), filtered by scope
/// and resource ARN; with the filters that matched nothing.
pub fn facts_json(
    facts: &Facts,
    scopes: &BTreeSet<Scope>,
    filters: &[String],
) -> (String, Vec<String>) {
    let mut used = vec![false; filters.len()];
    let mut select = |items: Vec<(&str, Value)>| -> Value {
        Value::Array(
            items
                .into_iter()
                .filter(|(arn, _)| {
                    let mut keep = filters.is_empty();
                    for (filter, used) in filters.iter().zip(used.iter_mut()) {
                        if matches_resource(filter, arn) {
                            *used = true;
                            keep = true;
                        }
                    }
                    keep
                })
                .map(|(_, value)| value)
                .collect(),
        )
    };
    fn values<'a, T: serde::Serialize>(
        items: &'a [T],
        arn: impl Fn(&'a T) -> &'a str,
    ) -> Vec<(&'a str, Value)> {
        items
            .iter()
            .map(|item| (arn(item), serde_json::to_value(item).unwrap_or(Value::Null)))
            .collect()
    }
    let mut out = Map::new();
    for scope in scopes {
        let (key, value) = match scope {
            Scope::Domain => ("domains", select(values(&facts.domains, |d| &d.arn))),
            Scope::Repository => (
                "repositories",
                select(values(&facts.repositories, |r| &r.arn)),
            ),
            Scope::PackageGroup => (
                "package_groups",
                select(values(&facts.package_groups, |g| &g.arn)),
            ),
            Scope::Package => ("packages", select(values(&facts.packages, |p| &p.arn))),
            Scope::Version => (
                "versions",
                select(values(&facts.versions, |v| &v.package_arn)),
            ),
        };
        out.insert(key.to_string(), value);
    }
    // An unreadable policy is a warning here; a scan counts it as a failed read.
    let unjudged = facts
        .unjudged
        .iter()
        .map(|error| format!("{}: {}", error.resource, error.message));
    let warnings: Vec<String> = facts.warnings.iter().cloned().chain(unjudged).collect();
    out.insert("warnings".to_string(), json!(warnings));
    let mut text = serde_json::to_string_pretty(&Value::Object(out)).unwrap_or_default();
    text.push('\n');
    let unmatched = filters
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(filter, _)| filter.clone())
        .collect();
    (text, unmatched)
}
