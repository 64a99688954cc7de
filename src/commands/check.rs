//! `caguard check`: load and type-check configuration and rules, scan nothing.

use super::output::write_stdout;
use super::AppError;
use crate::cli::PolicyArgs;
use crate::exit::Outcome;

pub fn run(args: &PolicyArgs) -> Result<Outcome, AppError> {
    let (config, rules) = crate::app::load_policy(args.config.as_deref(), &args.rule_dirs)?;
    let builtin = rules
        .rules
        .iter()
        .filter(|rule| rule.source.starts_with("rules/"))
        .count();
    let config = match &config.source {
        Some(path) => format!(
            "{}: {} internal pattern(s), {} trusted account(s), {} rule setting(s), {} suppression(s)",
            path.display(),
            config.facts.internal_patterns.len(),
            config.facts.trusted_accounts.len(),
            config.rules.len(),
            config.suppressions.len()
        ),
        None => "no configuration file (./caguard.toml does not exist)".to_string(),
    };
    write_stdout(&format!(
        "ok: {config}\nok: {} rules ({builtin} built-in, {} from --rules)\n",
        rules.rules.len(),
        rules.rules.len() - builtin
    ))?;
    Ok(Outcome::Clean)
}
