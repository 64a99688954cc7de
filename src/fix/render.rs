//! Plans for people, in the shape of a Terraform plan: one block per resource, its settings
//! before → after, the findings it closes and its safety, then one summary line.

use super::model::{Action, Mode, Plan, State, INHERIT};
use crate::finding::Safety;
use crate::report::text::escape;
use std::fmt::Write as _;

/// What one action does, one line per change.
pub fn changes(action: &Action) -> Vec<String> {
    let (before, after) = (&action.before, &action.after);
    if before == after {
        return vec!["= unchanged (already in place)".to_string()];
    }
    if !before.exists {
        let shown = State {
            exists: true,
            restrictions: after
                .restrictions
                .iter()
                .filter(|(_, mode)| mode.as_str() != INHERIT)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        return vec![match &action.target {
            super::Target::Package { .. } => {
                format!("+ package record (version-less) {}", shown.render())
            }
            super::Target::PackageGroup { pattern, .. } => {
                format!("+ package group {} {}", escape(pattern), shown.render())
            }
        }];
    }
    after
        .restrictions
        .iter()
        .filter_map(|(key, mode)| {
            let was = before.get(key).unwrap_or("(none)");
            (was != mode).then(|| format!("~ {key} {was} -> {mode}"))
        })
        .collect()
}

/// The plan as text; `mode` decides which actions are held back.
pub fn plan(plan: &Plan, region: &str) -> String {
    let mut text = String::new();
    if plan.actions.is_empty() {
        text.push_str("No changes: no finding has a fix to apply.\n");
    }
    for action in &plan.actions {
        let held = !plan.mode.admits(action.safety);
        let safety = match action.safety {
            Safety::Safe => "safe",
            Safety::Unsafe => "unsafe",
        };
        let _ = writeln!(
            text,
            "  # {} ({safety}{})",
            escape(&action.target.describe()),
            if held {
                "; held back: use --fix=all"
            } else {
                ""
            }
        );
        let _ = writeln!(text, "    {}", escape(&action.target.arn(region)));
        if let Some(reason) = &action.safety_reason {
            let _ = writeln!(text, "    unsafe: {}", escape(reason));
        }
        for change in changes(action) {
            let _ = writeln!(text, "    {change}");
        }
        for finding in &action.findings {
            let _ = writeln!(
                text,
                "    closes {} on {}",
                finding.rule_id,
                escape(&finding.resource)
            );
        }
        text.push('\n');
    }
    text.push_str(&summary(plan));
    text.push('\n');
    text
}

/// `Plan: 5 to block, 1 group to create, 2 unchanged; 1 unsafe held back — use --fix=all`.
pub fn summary(plan: &Plan) -> String {
    let (mut block, mut create, mut unchanged, mut held) = (0, 0, 0, 0);
    for action in &plan.actions {
        if !plan.mode.admits(action.safety) {
            held += 1;
        } else if action.before == action.after {
            unchanged += 1;
        } else if action.target.is_group() && !action.before.exists {
            create += 1;
        } else {
            block += 1;
        }
    }
    let mut line = format!(
        "Plan: {block} to block, {create} group{} to create, {unchanged} unchanged",
        if create == 1 { "" } else { "s" }
    );
    if held > 0 {
        let _ = write!(line, "; {held} unsafe held back");
        if plan.mode == Mode::Safe {
            line.push_str(" — use --fix=all");
        }
    }
    line
}
