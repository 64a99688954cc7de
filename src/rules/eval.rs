//! Evaluation of rules over facts: data-parallel per resource, deterministic output.

use super::budget::{self, RegexCache};
use super::{Rule, RuleSet, Scope};
use crate::config::Config;
use crate::facts::model::{GroupFacts, PackageFacts};
use crate::facts::Facts;
use crate::finding::{EvidenceValue, Finding, Resource};
use crate::fix::plan;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Stack of the evaluation threads. The `cel` interpreter takes about 1 KiB of stack per level of
/// the expression in a release build and over 20 KiB in a debug build, so the 2 MiB a rayon
/// worker gets by default overflowed at 1,500 levels (release) or under 100 (debug). With the
/// nesting limit (`limits`), this is a margin of several times even for a debug build, which the
/// tests check (`depth_limit_fits_the_stacks`). Only touched pages are ever committed.
pub(super) const EVAL_STACK_BYTES: usize = 64 << 20;

/// The pool rules are evaluated on.
pub(super) fn eval_pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .stack_size(EVAL_STACK_BYTES)
        .thread_name(|index| format!("caguard-eval-{index}"))
        .build()
        .ok()
}

/// A rule whose condition could not be evaluated on a resource (e.g. it did not return a bool).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{source_file}: rule `{rule}` on {resource}: {message}")]
pub struct EvalError {
    pub source_file: String,
    pub rule: String,
    pub resource: String,
    pub message: String,
}

/// What the engine needs of one resource's facts.
trait Subject: Serialize + Sync + Fields {
    fn resource(&self) -> Resource;
    fn planned_fix(&self, _rule: &Rule) -> Option<crate::finding::PlannedFix> {
        None
    }
}

/// One top-level fact of a resource by name, converted for CEL or for messages and evidence,
/// so that a resource's facts are converted only as far as its rules read them. `None` for a
/// name that is not a field.
trait Fields {
    fn cel_field(&self, name: &str) -> Option<Result<cel::Value, String>>;
    fn json_field(&self, name: &str) -> Option<Value>;
    /// Every field name, in declaration (serialization) order.
    fn field_names() -> &'static [&'static str];
    /// For a field the facts share between resources (an `Arc`), its address: findings of all
    /// those resources then share one JSON value of it.
    fn shared_field(&self, _name: &str) -> Option<usize> {
        None
    }
}

/// Implements [`Fields`] for a facts type; the list must name every serialized field (checked
/// by `fields_cover_the_serialized_facts`).
macro_rules! fields {
    ($type:ty { $($field:ident),* $(,)? }) => {
        fields!($type { $($field),* } shared {});
    };
    ($type:ty { $($field:ident),* $(,)? } shared { $($shared:ident),* $(,)? }) => {
        impl Fields for $type {
            fn cel_field(&self, name: &str) -> Option<Result<cel::Value, String>> {
                match name {
                    $(stringify!($field) => Some(cel::to_value(&self.$field).map_err(|e| e.to_string())),)*
                    _ => None,
                }
            }
            fn json_field(&self, name: &str) -> Option<Value> {
                match name {
                    $(stringify!($field) => Some(serde_json::to_value(&self.$field).unwrap_or(Value::Null)),)*
                    _ => None,
                }
            }
            fn field_names() -> &'static [&'static str] {
                &[$(stringify!($field)),*]
            }
            fn shared_field(&self, name: &str) -> Option<usize> {
                match name {
                    $(stringify!($shared) => Some(self.$shared.address()),)*
                    _ => None,
                }
            }
        }
    };
}

fields!(crate::facts::model::DomainFacts {
    arn,
    name,
    owner,
    region,
    repository_count,
    package_group_count,
    policy,
});

fields!(crate::facts::model::RepositoryFacts {
    arn,
    domain,
    name,
    owner,
    external_connections,
    holds_external_connection,
    upstreams,
    search_order,
    reachable_formats,
    internal_entry_packages,
    public_before_internal,
    policy,
});

fields!(GroupFacts {
    arn,
    domain,
    pattern,
    format,
    exists,
    internal,
    governing,
    governing_is_exact,
    modes,
    blocks_external,
    allowed_with_connection,
    reaching_repositories,
});

fields!(PackageFacts {
    arn,
    domain,
    repository,
    format,
    namespace,
    name,
    display,
    scoped,
    versions,
    highest,
    external_outranks_internal,
    unparsed_versions,
    internal_entry_here,
    origin,
    group,
    external_reach,
    exposed,
    exposure,
    blocked_by,
    internal_pattern,
    lookalike_of,
    lookalike_of_count,
    name_collisions,
    name_collisions_count,
} shared {
    group,
    exposure,
    blocked_by,
});

fields!(crate::facts::model::VersionFacts {
    package_arn,
    domain,
    repository,
    format,
    namespace,
    name,
    version,
    status,
    origin,
    entry_repository,
    entry_connection,
    parsed,
});

impl Subject for crate::facts::model::DomainFacts {
    fn resource(&self) -> Resource {
        Resource {
            domain: Some(self.name.clone()),
            ..Resource::new(&self.arn, "domain")
        }
    }
}

impl Subject for crate::facts::model::RepositoryFacts {
    fn resource(&self) -> Resource {
        Resource {
            domain: Some(self.domain.clone()),
            repository: Some(self.name.clone()),
            ..Resource::new(&self.arn, "repository")
        }
    }
}

impl Subject for GroupFacts {
    fn resource(&self) -> Resource {
        Resource {
            domain: Some(self.domain.clone()),
            pattern: Some(self.pattern.clone()),
            format: self.format.clone(),
            ..Resource::new(&self.arn, "package-group")
        }
    }

    fn planned_fix(&self, rule: &Rule) -> Option<crate::finding::PlannedFix> {
        plan::plan_group(rule.fix.as_ref()?, self)
    }
}

impl Subject for PackageFacts {
    fn resource(&self) -> Resource {
        Resource {
            domain: Some(self.domain.clone()),
            repository: Some(self.repository.clone()),
            format: Some(self.format.clone()),
            namespace: self.namespace.clone(),
            name: Some(self.name.clone()),
            ..Resource::new(&self.arn, "package")
        }
    }

    fn planned_fix(&self, rule: &Rule) -> Option<crate::finding::PlannedFix> {
        plan::plan_package(rule.fix.as_ref()?, self)
    }
}

impl Subject for crate::facts::model::VersionFacts {
    fn resource(&self) -> Resource {
        // Versions have no ARN of their own; the package ARN plus the version keeps identities apart.
        Resource {
            domain: Some(self.domain.clone()),
            repository: Some(self.repository.clone()),
            format: Some(self.format.clone()),
            namespace: self.namespace.clone(),
            name: Some(self.name.clone()),
            ..Resource::new(format!("{}/{}", self.package_arn, self.version), "version")
        }
    }
}

/// The rules `config` leaves enabled.
fn enabled<'a>(rules: &'a RuleSet, config: &Config) -> Vec<&'a Rule> {
    rules
        .rules
        .iter()
        .filter(|rule| {
            config
                .rules
                .get(&rule.id)
                .is_none_or(|settings| settings.enabled)
        })
        .collect()
}

/// Whether some enabled rule has version scope: otherwise a scan need not derive version facts.
pub fn reads_versions(rules: &RuleSet, config: &Config) -> bool {
    enabled(rules, config)
        .iter()
        .any(|rule| rule.scope == Scope::Version)
}

/// Evaluates every enabled rule over the facts. Findings come back sorted (most severe first,
/// then rule id, then ARN), without suppression or baseline state.
pub fn evaluate(
    rules: &RuleSet,
    facts: &Facts,
    config: &Config,
) -> Result<Vec<Finding>, EvalError> {
    let enabled = enabled(rules, config);
    let of_scope = |scope: Scope| -> Vec<&Rule> {
        enabled
            .iter()
            .copied()
            .filter(|r| r.scope == scope)
            .collect()
    };
    let cache: Arc<RegexCache> = Arc::new(
        enabled
            .iter()
            .flat_map(|rule| rule.patterns.iter().cloned())
            .collect(),
    );
    let all = || -> Result<Vec<Finding>, EvalError> {
        let cache = &cache;
        let mut parts = vec![
            run(&of_scope(Scope::Domain), &facts.domains, config, cache)?,
            run(
                &of_scope(Scope::Repository),
                &facts.repositories,
                config,
                cache,
            )?,
            run(
                &of_scope(Scope::PackageGroup),
                &facts.package_groups,
                config,
                cache,
            )?,
            run(&of_scope(Scope::Package), &facts.packages, config, cache)?,
            run(&of_scope(Scope::Version), &facts.versions, config, cache)?,
        ];
        // The largest part (packages, or versions) takes in the others rather than being copied
        // into a new vector. Scopes never tie in the sort (each rule has one scope), so the order
        // of the parts does not matter.
        let largest = (0..parts.len())
            .max_by_key(|&index| parts[index].len())
            .unwrap_or(0);
        let mut findings = std::mem::take(&mut parts[largest]);
        findings.reserve(parts.iter().map(Vec::len).sum());
        for part in parts {
            findings.extend(part);
        }
        Ok(findings)
    };
    // The global pool's workers have whatever stack rayon defaults to; these have a known one.
    let mut findings = match eval_pool() {
        Some(pool) => pool.install(all)?,
        None => all()?,
    };
    sort_for_report(&mut findings);
    Ok(findings)
}

/// Sorts findings by [`Finding::sort_key`], ties in the order given (as a stable sort would).
/// The sort runs on small keys, with rule ids ranked once instead of compared byte by byte,
/// and the findings move once each at the end instead of at every merge step.
fn sort_for_report(findings: &mut [Finding]) {
    let mut ids: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let rank = |id: &str| ids.binary_search(&id).unwrap_or(0);
    let mut order: Vec<(
        std::cmp::Reverse<crate::finding::Severity>,
        usize,
        &str,
        usize,
    )> = findings
        .iter()
        .enumerate()
        .map(|(index, f)| {
            (
                std::cmp::Reverse(f.severity),
                rank(&f.rule_id),
                f.resource.arn.as_str(),
                index,
            )
        })
        .collect();
    // The index last makes every key distinct, so the unstable sort keeps the given order of ties.
    order.sort_unstable();
    // destination[i]: where the finding now at i belongs.
    let mut destination = vec![0; order.len()];
    for (target, (_, _, _, source)) in order.iter().enumerate() {
        if let Some(slot) = destination.get_mut(*source) {
            *slot = target;
        }
    }
    drop(order);
    for index in 0..findings.len() {
        loop {
            let target = destination[index];
            if target == index {
                break;
            }
            findings.swap(index, target);
            destination.swap(index, target);
        }
    }
}

/// A root CEL context with the functions the instrumented conditions call.
fn root_context(cache: &Arc<RegexCache>) -> cel::Context<'static, 'static> {
    let mut root = cel::Context::default();
    budget::register(&mut root, Arc::clone(cache));
    root
}

/// What the rules of one scope read of each resource: the top-level facts converted to CEL (all
/// of them when some rule uses the variable as a whole), and per rule its evidence paths. The
/// facts a finding's message and evidence show are converted to JSON on demand, once per
/// resource ([`ShownFacts`]).
struct Reads {
    /// Field names (interned as CEL map keys) the activation holds.
    cel: Vec<(&'static str, cel::objects::Key)>,
    /// Per rule: its evidence paths in path order without repeats, as the keys its findings
    /// share.
    evidence: Vec<Vec<Arc<str>>>,
}

impl Reads {
    fn of<S: Fields>(rules: &[&Rule]) -> Reads {
        let names = S::field_names();
        let whole = rules.iter().any(|rule| rule.reads.is_none());
        let cel = names
            .iter()
            .filter(|name| {
                whole
                    || rules.iter().any(|rule| {
                        rule.reads
                            .as_ref()
                            .is_some_and(|r| r.iter().any(|f| f == *name))
                    })
            })
            .map(|name| (*name, cel::objects::Key::String(Arc::new(name.to_string()))))
            .collect();
        let evidence = rules
            .iter()
            .map(|rule| {
                let mut paths: Vec<&str> = rule.evidence.iter().map(String::as_str).collect();
                paths.sort_unstable();
                paths.dedup();
                paths.into_iter().map(Arc::from).collect()
            })
            .collect();
        Reads { cel, evidence }
    }

    /// The resource as the CEL value its rules see: a map of the fields they read.
    fn activation<S: Fields>(&self, subject: &S) -> Result<cel::Value, String> {
        let mut map = std::collections::HashMap::with_capacity(self.cel.len());
        for (name, key) in &self.cel {
            if let Some(value) = subject.cel_field(name) {
                map.insert(key.clone(), value?);
            }
        }
        Ok(cel::Value::Map(cel::objects::Map { map: Arc::new(map) }))
    }
}

/// Values shared between resources, by (field, address of the shared facts): a thread's cache.
type SharedValues = HashMap<(&'static str, usize), Arc<Value>>;

/// The top-level facts of one resource that its findings show, each converted to JSON once
/// (several rules of a resource show the same facts), on demand.
struct ShownFacts<'s, S> {
    subject: &'s S,
    converted: Vec<(&'static str, Arc<Value>)>,
}

impl<'s, S: Fields> ShownFacts<'s, S> {
    fn new(subject: &'s S) -> Self {
        ShownFacts {
            subject,
            converted: Vec::new(),
        }
    }

    /// The top-level fact `name` as JSON; `None` for a name that is not a field.
    fn field(&mut self, name: &str, shared: &mut SharedValues) -> Option<Arc<Value>> {
        if let Some((_, value)) = self.converted.iter().find(|(field, _)| *field == name) {
            return Some(Arc::clone(value));
        }
        let field = S::field_names().iter().copied().find(|f| *f == name)?;
        let value =
            match self.subject.shared_field(field) {
                Some(address) => Arc::clone(shared.entry((field, address)).or_insert_with(|| {
                    Arc::new(self.subject.json_field(field).unwrap_or_default())
                })),
                None => Arc::new(self.subject.json_field(field)?),
            };
        self.converted.push((field, Arc::clone(&value)));
        Some(value)
    }

    /// The value at a fact path such as `pkg.versions.internal` (null when there is none), as
    /// evidence: a whole top-level list or object is shared, anything else is copied.
    fn lookup(&mut self, variable: &str, path: &str, shared: &mut SharedValues) -> EvidenceValue {
        let rest = path.strip_prefix(variable).unwrap_or(path);
        let mut segments = rest.split('.').filter(|segment| !segment.is_empty());
        let Some(top) = segments.next() else {
            return EvidenceValue::Owned(Value::Null);
        };
        let Some(value) = self.field(top, shared) else {
            return EvidenceValue::Owned(Value::Null);
        };
        let mut nested = segments.peekable();
        if nested.peek().is_none() {
            return match &*value {
                Value::Array(_) | Value::Object(_) | Value::String(_) => {
                    EvidenceValue::Shared(value)
                }
                scalar => EvidenceValue::Owned(scalar.clone()),
            };
        }
        EvidenceValue::Owned(
            nested
                .fold(&*value, |value, segment| {
                    value.get(segment).unwrap_or(&Value::Null)
                })
                .clone(),
        )
    }
}

fn run<S: Subject>(
    rules: &[&Rule],
    subjects: &[S],
    config: &Config,
    cache: &Arc<RegexCache>,
) -> Result<Vec<Finding>, EvalError> {
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let reads = Reads::of::<S>(rules);
    let per_subject: Vec<Result<Vec<Finding>, EvalError>> = subjects
        .par_iter()
        .map_init(
            || (root_context(cache), SharedValues::new()),
            |(root, shared), subject| {
                evaluate_subject(root, shared, rules, &reads, subject, config)
            },
        )
        .collect();
    let mut findings = Vec::with_capacity(
        per_subject
            .iter()
            .map(|result| result.as_ref().map_or(0, Vec::len))
            .sum(),
    );
    for result in per_subject {
        findings.extend(result?);
    }
    Ok(findings)
}

fn evaluate_subject<S: Subject>(
    root: &mut cel::Context,
    shared: &mut SharedValues,
    rules: &[&Rule],
    reads: &Reads,
    subject: &S,
    config: &Config,
) -> Result<Vec<Finding>, EvalError> {
    let error = |rule: &Rule, message: String| EvalError {
        source_file: rule.source.clone(),
        rule: rule.id.clone(),
        resource: subject.resource().arn,
        message,
    };
    let Some(first) = rules.first() else {
        return Ok(Vec::new());
    };
    let value = reads
        .activation(subject)
        .map_err(|e| error(first, format!("facts do not convert to CEL: {e}")))?;
    let mut context = root.new_inner_scope();
    context.add_variable_from_value(first.scope.variable(), value);
    let mut findings = Vec::new();
    let mut shown = ShownFacts::new(subject);
    for (index, rule) in rules.iter().enumerate() {
        budget::reset();
        let outcome = cel::Value::resolve(&rule.condition, &context);
        // Checked first: running out may surface as any error, or be absorbed by `||`/`&&`.
        if budget::exhausted() {
            return Err(error(
                rule,
                format!(
                    "`when` is over the evaluation budget of {} cost units on this resource (nested comprehensions over these facts, or values built up in them, are too large)",
                    budget::MAX_COST
                ),
            ));
        }
        match outcome {
            Ok(cel::Value::Bool(true)) => {}
            Ok(cel::Value::Bool(false)) => continue,
            Ok(other) => {
                return Err(error(
                    rule,
                    format!("`when` returned a {}, not a bool", other.type_of()),
                ))
            }
            Err(e) => return Err(error(rule, format!("`when` failed: {}", cel_error(&e)))),
        }
        let severity = config
            .rules
            .get(&rule.id)
            .and_then(|settings| settings.severity)
            .unwrap_or(rule.severity);
        let resource = subject.resource();
        let variable = rule.scope.variable();
        let message = interpolate_with(&rule.message, |path| shown.lookup(variable, path, shared));
        let mut finding = Finding::new(&rule.id, severity, resource, rule.title.clone(), message);
        let paths = reads.evidence.get(index).map_or(&[][..], Vec::as_slice);
        finding.evidence = crate::finding::Evidence::with_capacity(paths.len());
        for path in paths {
            let value = shown.lookup(variable, path, shared);
            finding.evidence.push_sorted(Arc::clone(path), value);
        }
        finding.fix = subject.planned_fix(rule);
        findings.push(finding);
    }
    Ok(findings)
}

/// A CEL runtime error in words: the crate's own messages print the values involved with
/// `Debug`, which would put fact values (and Rust syntax) in an error line. Types say enough.
#[allow(deprecated)]
fn cel_error(error: &cel::ExecutionError) -> String {
    use cel::ExecutionError as E;
    match error {
        E::UnsupportedTargetType { target } => {
            format!("invalid argument of type {}", target.type_of())
        }
        E::NotSupportedAsMethod { method, target } => {
            format!("method `{method}` does not apply to a {}", target.type_of())
        }
        E::UnsupportedKeyType(value) => format!("a {} cannot be a map key", value.type_of()),
        E::ValuesNotComparable(a, b) => {
            format!("a {} cannot be compared to a {}", a.type_of(), b.type_of())
        }
        E::UnsupportedUnaryOperator(op, value) => {
            format!("operator `{op}` does not apply to a {}", value.type_of())
        }
        E::UnsupportedBinaryOperator(op, a, b) | E::Overflow(op, a, b) => format!(
            "operator `{op}` does not apply to a {} and a {}{}",
            a.type_of(),
            b.type_of(),
            if matches!(error, E::Overflow(..)) {
                " (overflow)"
            } else {
                ""
            }
        ),
        E::UnsupportedMapIndex(value) | E::UnsupportedListIndex(value) => {
            format!("a {} cannot be an index", value.type_of())
        }
        E::UnsupportedIndex(index, target) => {
            format!("a {} cannot index a {}", index.type_of(), target.type_of())
        }
        E::DivisionByZero(_) => "division by zero".to_string(),
        E::RemainderByZero(_) => "remainder by zero".to_string(),
        E::IndexOutOfBounds(_) => "list index out of bounds".to_string(),
        E::DuplicateKey(value) => format!("repeated map key of type {}", value.type_of()),
        E::UnsupportedFunctionCallIdentifierType(_) | E::UnsupportedFieldsConstruction(_) => {
            "unsupported expression".to_string()
        }
        // The remaining variants carry no values: their own text is plain.
        other => other.to_string(),
    }
}

/// The value at a fact path such as `pkg.versions.internal`.
#[cfg(test)]
fn lookup<'a>(facts: &'a Value, variable: &str, path: &str) -> &'a Value {
    let rest = path.strip_prefix(variable).unwrap_or(path);
    rest.split('.')
        .filter(|segment| !segment.is_empty())
        .fold(facts, |value, segment| {
            value.get(segment).unwrap_or(&Value::Null)
        })
}

/// Replaces `{fact.path}` placeholders with plain-text renderings of the facts.
#[cfg(test)]
fn interpolate(message: &str, variable: &str, facts: &Value) -> String {
    interpolate_with(message, |path| {
        EvidenceValue::Owned(lookup(facts, variable, path).clone())
    })
}

/// [`interpolate`] with the facts read through `value_at` (a fact path → its value).
fn interpolate_with(message: &str, mut value_at: impl FnMut(&str) -> EvidenceValue) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let path = after[..end].trim();
                let value = value_at(path);
                out.push_str(&render(&value));
                // A list fact capped by the facts (e.g. `pkg.lookalike_of`) has its full length
                // in `<path>_count`.
                if let Value::Array(items) = &*value {
                    let total = value_at(&format!("{path}_count")).as_u64();
                    let more = total.map_or(0, |total| total.saturating_sub(items.len() as u64));
                    if more > 0 {
                        out.push_str(&format!(" and {more} more"));
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Plain text for a fact value: lists joined with ", ", an exposure path as `a → b (connection)`.
pub fn render(value: &Value) -> String {
    let join = |parts: &[Value], separator: &str| {
        parts.iter().map(render).collect::<Vec<_>>().join(separator)
    };
    match value {
        Value::Null => "none".to_string(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "none".to_string(),
        Value::Array(items) => join(items, ", "),
        Value::Object(map) => match (map.get("path"), map.get("connection")) {
            (Some(Value::Array(path)), Some(Value::String(connection))) => {
                format!("{} ({connection})", join(path, " → "))
            }
            _ => map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(key, v)| match v {
                    Value::Array(parts) if parts.iter().all(Value::is_string) => {
                        format!("{key}: {}", join(parts, " → "))
                    }
                    other => format!("{key}: {}", render(other)),
                })
                .collect::<Vec<_>>()
                .join(", "),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every serialized field of every scope's facts is listed in its `fields!`, with the same
    /// JSON value, and converts to CEL.
    #[test]
    fn fields_cover_the_serialized_facts() {
        let inventory = crate::inventory::Inventory::parse(
            include_str!("../../fixtures/demo/acme.json"),
            std::path::Path::new("acme.json"),
        )
        .unwrap();
        let facts = crate::facts::derive(&inventory, &crate::facts::FactsConfig::default());
        fn check<S: Fields + Serialize>(items: &[S]) {
            assert!(!items.is_empty());
            for item in items {
                let Value::Object(whole) = serde_json::to_value(item).unwrap() else {
                    panic!("facts are not an object");
                };
                let mut serialized: Vec<&str> = whole.keys().map(String::as_str).collect();
                let mut listed = S::field_names().to_vec();
                serialized.sort_unstable();
                listed.sort_unstable();
                assert_eq!(serialized, listed);
                for (name, value) in &whole {
                    assert_eq!(item.json_field(name).as_ref(), Some(value), "{name}");
                    assert!(item.cel_field(name).is_some_and(|v| v.is_ok()), "{name}");
                }
                assert!(item.json_field("no_such_fact").is_none());
            }
        }
        check(&facts.domains);
        check(&facts.repositories);
        check(&facts.package_groups);
        check(&facts.packages);
        check(&facts.versions);
    }

    /// The index sort gives exactly what a stable sort on `sort_key` gives, ties included.
    #[test]
    fn report_order_is_the_stable_sort_order() {
        use crate::finding::Severity;
        let severities = [Severity::Low, Severity::Critical, Severity::High];
        let mut findings: Vec<Finding> = (0..200usize)
            .map(|i| {
                let mut finding = Finding::new(
                    ["rule-b", "rule-a", "rule-ab", "rule"][i * 7 % 4],
                    severities[i * 5 % 3],
                    Resource::new(format!("arn:{}", i * 13 % 17), "package"),
                    String::new(),
                    // Ties (same severity, rule and ARN) must keep this order.
                    i.to_string(),
                );
                finding.title = format!("{}", i % 3);
                finding
            })
            .collect();
        let mut expected = findings.clone();
        expected.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        sort_for_report(&mut findings);
        assert_eq!(findings, expected);
        sort_for_report(&mut []);
    }

    #[test]
    fn runtime_errors_name_types_not_values() {
        let error = cel::ExecutionError::UnsupportedBinaryOperator(
            "add",
            cel::Value::Int(1),
            cel::Value::String(std::sync::Arc::new("secret".to_string())),
        );
        assert_eq!(
            cel_error(&error),
            "operator `add` does not apply to a int and a string"
        );
    }

    #[test]
    fn interpolation_renders_facts() {
        let facts =
            json!({"name": "ui", "versions": {"internal": 2}, "tags": ["a", "b"], "none": null});
        assert_eq!(
            interpolate(
                "{package.name} has {package.versions.internal} ({package.tags}, {package.none})",
                "package",
                &facts
            ),
            "ui has 2 (a, b, none)"
        );
        let capped = json!({"names": ["a", "b"], "names_count": 5, "all": ["a"], "all_count": 1});
        assert_eq!(
            interpolate("{package.names}; {package.all}", "package", &capped),
            "a, b and 3 more; a"
        );
        assert_eq!(
            interpolate("unclosed {brace", "package", &facts),
            "unclosed {brace"
        );
        assert_eq!(
            render(
                &json!([{"connection": "public:npmjs", "path": ["app", "npm-store"], "entry_has_record": false}])
            ),
            "app → npm-store (public:npmjs)"
        );
        assert_eq!(
            render(&json!({"format": "npm", "search_order": ["web", "npm-store"]})),
            "format: npm, search_order: web → npm-store"
        );
    }
}
