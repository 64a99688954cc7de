//! The facts each scope offers, generated from the fact types (and their doc comments), so the
//! documentation and the loader's validation cannot drift from the code.

use crate::facts::model::*;
use serde::Serialize;
use serde_json::Value;

/// A rule scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Domain,
    Repository,
    PackageGroup,
    Package,
    Version,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::Domain,
        Scope::Repository,
        Scope::PackageGroup,
        Scope::Package,
        Scope::Version,
    ];

    /// The name rule files use.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Domain => "domain",
            Scope::Repository => "repository",
            Scope::PackageGroup => "package-group",
            Scope::Package => "package",
            Scope::Version => "version",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    /// The CEL variable holding the resource's facts. `package` is a reserved word in CEL, so
    /// the package scope's variable is `pkg`.
    pub fn variable(self) -> &'static str {
        match self {
            Scope::PackageGroup => "group",
            Scope::Package => "pkg",
            other => other.as_str(),
        }
    }

    fn json_schema(self) -> schemars::Schema {
        match self {
            Scope::Domain => schemars::schema_for!(DomainFacts),
            Scope::Repository => schemars::schema_for!(RepositoryFacts),
            Scope::PackageGroup => schemars::schema_for!(GroupFacts),
            Scope::Package => schemars::schema_for!(PackageFacts),
            Scope::Version => schemars::schema_for!(VersionFacts),
        }
    }

    /// Every fact path of the scope, depth-first in declaration order.
    pub fn facts(self) -> Vec<FactField> {
        let schema = self.json_schema();
        let root = schema.as_value();
        let mut fields = Vec::new();
        walk(root, root, self.variable(), &mut fields, 0);
        fields
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One fact: `pkg.versions.internal` of type `int`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactField {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    // `$ref` chains are short; the bound only guards against a malformed schema.
    for _ in 0..8 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let name = reference.rsplit('/').next().unwrap_or("");
        match root.get("$defs").and_then(|defs| defs.get(name)) {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

/// The type name shown to rule authors, and the object schema to descend into, if any.
fn describe<'a>(root: &'a Value, node: &'a Value) -> (String, Option<&'a Value>) {
    let node_resolved = resolve(root, node);
    if let Some(variants) = node_resolved.get("anyOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = variants
            .iter()
            .filter(|v| v.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        if let [only] = non_null.as_slice() {
            let (kind, object) = describe(root, only);
            return (format!("{kind}?"), object);
        }
    }
    let types: Vec<&str> = match node_resolved.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let nullable = types.contains(&"null");
    let main = types
        .iter()
        .find(|t| **t != "null")
        .copied()
        .unwrap_or("any");
    let (kind, object) = match main {
        "integer" => ("int".to_string(), None),
        "boolean" => ("bool".to_string(), None),
        "string" => ("string".to_string(), None),
        "array" => {
            let items = node_resolved.get("items").unwrap_or(&Value::Null);
            let (item, _) = describe(root, items);
            (format!("list<{item}>"), None)
        }
        "object" => ("object".to_string(), Some(node_resolved)),
        other => (other.to_string(), None),
    };
    (if nullable { format!("{kind}?") } else { kind }, object)
}

fn walk(root: &Value, node: &Value, prefix: &str, out: &mut Vec<FactField>, depth: usize) {
    let node = resolve(root, node);
    let Some(properties) = node.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, property) in properties {
        let path = format!("{prefix}.{name}");
        let (kind, object) = describe(root, property);
        let description = property
            .get("description")
            .or_else(|| resolve(root, property).get("description"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .replace('\n', " ");
        out.push(FactField {
            path: path.clone(),
            kind,
            description,
        });
        if let (Some(object), true) = (object, depth < 6) {
            walk(root, object, &path, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_facts_are_listed_with_types() {
        let facts = Scope::Package.facts();
        let find = |path: &str| {
            facts
                .iter()
                .find(|f| f.path == path)
                .map(|f| f.kind.as_str())
        };
        assert_eq!(find("pkg.versions.internal"), Some("int"));
        assert_eq!(find("pkg.exposed"), Some("bool"));
        assert_eq!(find("pkg.namespace"), Some("string?"));
        assert_eq!(
            find("pkg.group.modes.external_upstream.effective"),
            Some("string")
        );
        assert_eq!(find("pkg.exposure"), Some("list<object>"));
        assert_eq!(find("pkg.versions"), Some("object"));
        assert!(
            facts.iter().all(|f| !f.description.is_empty()),
            "{facts:#?}"
        );
    }

    #[test]
    fn every_scope_has_facts_under_its_variable() {
        for scope in Scope::ALL {
            let facts = scope.facts();
            assert!(facts.len() > 5, "{scope}");
            assert!(facts
                .iter()
                .all(|f| f.path.starts_with(&format!("{}.", scope.variable()))));
        }
        let group = Scope::PackageGroup.facts();
        assert!(group.iter().any(|f| f.path == "group.blocks_external"));
        let repo = Scope::Repository.facts();
        assert!(repo
            .iter()
            .any(|f| f.path == "repository.policy.public_access" && f.kind == "bool"));
    }
}
