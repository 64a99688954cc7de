//! Request validation derived from the model, and response bodies checked against it.
//!
//! The table is not written by hand: for every operation of the embedded `service-2.json`, a
//! generator builds a request whose members all satisfy their shapes, and every constraint of
//! every input member (required, length, pattern, enum, range, type, recursively through
//! lists, maps and structures) yields one request violating just that constraint.

use crate::world::{acme, header, raw, start, SIGNED};
use codeartifact_emulator::model::{self, Service, Shape};
use codeartifact_emulator::{EmulatorHandle, Options};
use serde_json::{json, Map, Value};

fn service() -> &'static Service {
    model::service().expect("embedded model loads")
}

fn shape(name: &str) -> &'static Shape {
    &service().shapes[name]
}

/// Characters tried, in order, to build strings that match (or break) a pattern.
const GOOD_CHARS: &[char] = &['a', '1', '/', 'A'];
const BAD_CHARS: &[char] = &['#', ' ', '\u{1}', 'A', '-', '!'];

fn repeat(c: char, length: usize) -> String {
    std::iter::repeat_n(c, length).collect()
}

/// The shortest allowed length of a string shape, at least 1.
fn base_length(shape: &Shape) -> usize {
    usize::try_from(shape.min.unwrap_or(1).max(1)).unwrap_or(1)
}

/// A character whose repetitions satisfy the shape's pattern at its base length.
fn good_char(shape: &Shape) -> Option<char> {
    GOOD_CHARS
        .iter()
        .copied()
        .find(|c| shape.pattern_matches(&repeat(*c, base_length(shape))))
}

/// A value satisfying every constraint of `shape_name`.
fn valid(shape_name: &str) -> Value {
    let shape = shape(shape_name);
    match shape.kind.as_str() {
        "string" => match shape.values.first() {
            Some(first) => json!(first),
            None => {
                let c = good_char(shape)
                    .unwrap_or_else(|| panic!("no generated string matches {shape_name}"));
                json!(repeat(c, base_length(shape)))
            }
        },
        "integer" | "long" => json!(shape.min.unwrap_or(1).max(1)),
        "boolean" => json!(true),
        "timestamp" => json!(1_700_000_000),
        "blob" => json!("YXNzZXQ="),
        "list" => {
            let member = &shape.member.as_ref().expect("list member").shape;
            let count = usize::try_from(shape.min.unwrap_or(1).max(1)).unwrap_or(1);
            Value::Array((0..count).map(|_| valid(member)).collect())
        }
        "map" => {
            let key = valid(&shape.key.as_ref().expect("map key").shape);
            let value = valid(&shape.value.as_ref().expect("map value").shape);
            let mut map = Map::new();
            map.insert(key.as_str().expect("string keys").to_string(), value);
            Value::Object(map)
        }
        "structure" => {
            let mut object = Map::new();
            for name in &shape.required {
                object.insert(name.clone(), valid(&shape.members[name].shape));
            }
            Value::Object(object)
        }
        other => panic!("shape type {other} of {shape_name} not generated"),
    }
}

/// One violation: what it breaks, the member path AWS names in the message, and the value
/// (`None`: the member is left out).
struct Violation {
    constraint: String,
    path: String,
    value: Option<Value>,
    /// The value cannot be read as the member's type (reason CANNOT_PARSE).
    unparseable: bool,
}

fn violation(constraint: &str, path: &str, value: Option<Value>) -> Violation {
    Violation {
        constraint: constraint.to_string(),
        path: path.to_string(),
        value,
        unparseable: false,
    }
}

/// Every way to violate `shape_name` at `path`, one constraint at a time.
fn violations(shape_name: &str, path: &str) -> Vec<Violation> {
    let shape = shape(shape_name);
    let mut out = Vec::new();
    let wrong_type = |value: Value| Violation {
        constraint: "type".into(),
        path: path.to_string(),
        value: Some(value),
        unparseable: true,
    };
    match shape.kind.as_str() {
        "string" if !shape.values.is_empty() => {
            out.push(violation("enum", path, Some(json!("NOT_A_MODEL_VALUE"))));
        }
        "string" => {
            let c = good_char(shape).unwrap_or('a');
            if let Some(min) = shape.min.filter(|min| *min > 0) {
                let short = repeat(c, usize::try_from(min - 1).unwrap_or(0));
                out.push(violation("min", path, Some(json!(short))));
            }
            if let Some(max) = shape.max {
                let long = repeat(c, usize::try_from(max + 1).unwrap_or(1));
                out.push(violation("max", path, Some(json!(long))));
            }
            if shape.pattern.is_some() {
                let bad = BAD_CHARS
                    .iter()
                    .map(|c| repeat(*c, base_length(shape)))
                    .find(|candidate| !shape.pattern_matches(candidate))
                    .unwrap_or_else(|| panic!("no generated string breaks {shape_name}"));
                out.push(violation("pattern", path, Some(json!(bad))));
            }
        }
        "integer" | "long" => {
            if let Some(min) = shape.min {
                out.push(violation("min", path, Some(json!(min - 1))));
            }
            if let Some(max) = shape.max {
                out.push(violation("max", path, Some(json!(max + 1))));
            }
            out.push(wrong_type(json!("ten")));
        }
        "boolean" => out.push(wrong_type(json!("perhaps"))),
        "list" => {
            let member = &shape.member.as_ref().expect("list member").shape;
            if let Some(min) = shape.min.filter(|min| *min > 0) {
                let items = (1..min).map(|_| valid(member)).collect();
                out.push(violation("min", path, Some(Value::Array(items))));
            }
            if let Some(max) = shape.max {
                let items = (0..=max).map(|_| valid(member)).collect();
                out.push(violation("max", path, Some(Value::Array(items))));
            }
            for inner in violations(member, &format!("{path}.1.member")) {
                if let Some(value) = inner.value {
                    out.push(Violation {
                        value: Some(json!([value])),
                        ..inner
                    });
                }
            }
        }
        "map" => {
            let key_shape = &shape.key.as_ref().expect("map key").shape;
            let value_shape = &shape.value.as_ref().expect("map value").shape;
            let good_key = valid(key_shape).as_str().expect("string keys").to_string();
            for inner in violations(key_shape, path) {
                if let Some(Value::String(key)) = inner.value {
                    let mut map = Map::new();
                    map.insert(key, valid(value_shape));
                    out.push(Violation {
                        constraint: format!("key {}", inner.constraint),
                        value: Some(Value::Object(map)),
                        ..inner
                    });
                }
            }
            for inner in violations(value_shape, &format!("{path}.{good_key}")) {
                if let Some(value) = inner.value {
                    let mut map = Map::new();
                    map.insert(good_key.clone(), value);
                    out.push(Violation {
                        value: Some(Value::Object(map)),
                        ..inner
                    });
                }
            }
        }
        "structure" => {
            let base = valid(shape_name);
            for (name, member) in &shape.members {
                let inner_path = format!("{path}.{name}");
                if shape.required.contains(name) {
                    let mut object = base.as_object().cloned().unwrap_or_default();
                    object.remove(name);
                    out.push(violation(
                        "required",
                        &inner_path,
                        Some(Value::Object(object)),
                    ));
                }
                for inner in violations(&member.shape, &inner_path) {
                    if let Some(value) = inner.value {
                        let mut object = base.as_object().cloned().unwrap_or_default();
                        object.insert(name.clone(), value);
                        out.push(Violation {
                            value: Some(Value::Object(object)),
                            ..inner
                        });
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// A raw request assembled from member values by where the model puts each member.
struct Built {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// How a JSON value travels in a query string or header.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn build(operation: &str, members: &Map<String, Value>) -> Built {
    let service = service();
    let model = &service.operations[operation];
    let input = &service.shapes[&model.input.as_ref().expect("input").shape];
    let mut query = Vec::new();
    let mut headers = Vec::new();
    let mut body = Map::new();
    let mut payload = String::new();
    for (name, member) in &input.members {
        let Some(value) = members.get(name) else {
            continue;
        };
        match member.location.as_deref() {
            Some("querystring") => query.push(format!(
                "{}={}",
                member.wire_name(name),
                encode(&as_text(value))
            )),
            Some("header") => headers.push((member.wire_name(name).to_string(), as_text(value))),
            Some(other) => panic!("{operation}.{name}: location {other} not generated"),
            None if input.payload.as_deref() == Some(name.as_str()) => {
                payload = "asset bytes".to_string();
            }
            None => {
                body.insert(name.clone(), value.clone());
            }
        }
    }
    let path = model.http.request_uri.split('?').next().unwrap_or_default();
    let target = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    };
    let body = if input.payload.is_some() {
        payload
    } else if body.is_empty() {
        String::new()
    } else {
        Value::Object(body).to_string()
    };
    Built {
        method: model.http.method.clone(),
        target,
        headers,
        body,
    }
}

/// Valid values for the operation's required members.
fn valid_members(operation: &str) -> Map<String, Value> {
    let service = service();
    let input = &service.shapes[&service.operations[operation]
        .input
        .as_ref()
        .expect("input")
        .shape];
    input
        .required
        .iter()
        .map(|name| (name.clone(), valid(&input.members[name].shape)))
        .collect()
}

async fn send(emulator: &EmulatorHandle, built: &Built) -> (u16, Option<String>, Value) {
    let mut headers: Vec<(&str, &str)> = vec![SIGNED];
    headers.extend(built.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let (status, response_headers, body) = raw(
        emulator,
        &built.method,
        &built.target,
        &headers,
        &built.body,
    )
    .await;
    let code = header(&response_headers, "x-amzn-errortype").map(str::to_string);
    let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
    (status, code, body)
}

#[tokio::test]
async fn every_constrained_input_member_of_every_operation_is_refused() {
    let emulator = start(acme(), Options::default()).await;
    let service = service();
    let mut cases = 0;
    let mut failures = Vec::new();
    for (operation, model) in &service.operations {
        let input = &service.shapes[&model.input.as_ref().expect("input").shape];
        let mut table: Vec<Violation> = Vec::new();
        for (name, member) in &input.members {
            if input.required.contains(name) {
                table.push(violation("required", name, None));
            }
            if input.payload.as_deref() == Some(name.as_str()) {
                continue;
            }
            table.extend(violations(&member.shape, name));
        }
        // The documented rule: no namespace for a format that needs one.
        if let Some(format) = model.namespace_required_for.first() {
            let mut v = violation("namespace for format", "namespace", None);
            v.constraint = format!("namespace required for {format}");
            table.push(v);
        }
        assert!(!table.is_empty(), "{operation} has no constrained member");
        for case in table {
            let mut members = valid_members(operation);
            match (
                &case.value,
                case.constraint.starts_with("namespace required"),
            ) {
                (_, true) => {
                    members.insert("format".into(), json!(model.namespace_required_for.first()));
                    members.remove("namespace");
                }
                (Some(value), false) => {
                    let top = case.path.split('.').next().unwrap_or_default();
                    members.insert(top.to_string(), value.clone());
                }
                (None, false) => {
                    members.remove(&case.path);
                }
            }
            let built = build(operation, &members);
            let (status, code, body) = send(&emulator, &built).await;
            cases += 1;
            let reason = body.get("reason").and_then(Value::as_str);
            let message = body.get("message").and_then(Value::as_str).unwrap_or("");
            let wanted_reason = if case.unparseable {
                "CANNOT_PARSE"
            } else {
                "FIELD_VALIDATION_FAILED"
            };
            if status != 400
                || code.as_deref() != Some("ValidationException")
                || reason != Some(wanted_reason)
                || !message.contains(&format!("at '{}'", case.path))
            {
                failures.push(format!(
                    "{operation} {} ({}): {status} {code:?} {body} for {} {}",
                    case.path, case.constraint, built.method, built.target
                ));
            }
        }
    }
    println!("model-derived validation cases: {cases}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every operation of the model took part (not only those the emulator serves).
    assert_eq!(service.operations.len(), 48);
    // Still serving, and nothing was written by a refused request.
    assert_eq!(emulator.inventory(), acme());
}

#[tokio::test]
async fn messages_name_the_member_like_aws() {
    let emulator = start(acme(), Options::default()).await;
    let (status, headers, body) = raw(
        &emulator,
        "GET",
        "/v1/domain?domain=Bad_Name",
        &[SIGNED],
        "",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("ValidationException")
    );
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["message"],
        "1 validation error detected: Value 'Bad_Name' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z][a-z0-9\\-]{0,48}[a-z0-9]"
    );
    assert_eq!(body["reason"], "FIELD_VALIDATION_FAILED");
    // Several problems are counted and listed.
    let (status, _, body) = raw(
        &emulator,
        "POST",
        "/v1/package-group?domain=acme",
        &[SIGNED],
        "{\"packageGroup\":\"/npm/x/*\",\"description\":\"a\\u0007b\",\"contactInfo\":\"c\\u0000\"}",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("2 validation errors detected"), "{body}");
    assert!(body.contains("at 'contactInfo'") && body.contains("at 'description'"));
    // What the issue listed as passing unchecked.
    for target in [
        "/v1/domain/repositories?domain=acme&administrator-account=12",
        "/v1/domain/repositories?domain=acme&repository-prefix=x",
        "/v1/packages?domain=acme&repository=app&namespace=a%20b",
        "/v1/package-groups?domain=acme&prefix=%01",
    ] {
        let (status, _, body) = raw(&emulator, "POST", target, &[SIGNED], "").await;
        assert_eq!(status, 400, "{target}: {body}");
    }
    // The documented namespace rule.
    let (status, _, body) = raw(
        &emulator,
        "GET",
        "/v1/package?domain=acme&repository=app&format=maven&package=core",
        &[SIGNED],
        "",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("at 'namespace'"), "{body}");
}

/// (operation, method, target, body) for every operation the emulator serves.
fn served_calls() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    vec![
        ("ListDomains", "POST", "/v1/domains", "{}"),
        ("ListDomains", "POST", "/v1/domains", "{\"maxResults\":1}"),
        ("DescribeDomain", "GET", "/v1/domain?domain=acme", ""),
        ("GetDomainPermissionsPolicy", "GET", "/v1/domain/permissions/policy?domain=acme", ""),
        ("ListRepositoriesInDomain", "POST", "/v1/domain/repositories?domain=acme", ""),
        ("ListRepositoriesInDomain", "POST", "/v1/domain/repositories?domain=acme&max-results=1", ""),
        ("DescribeRepository", "GET", "/v1/repository?domain=acme&repository=app", ""),
        ("DescribeRepository", "GET", "/v1/repository?domain=acme&repository=npm-store", ""),
        ("GetRepositoryPermissionsPolicy", "GET", "/v1/repository/permissions/policy?domain=acme&repository=app", ""),
        ("ListPackages", "POST", "/v1/packages?domain=acme&repository=app", ""),
        ("ListPackages", "POST", "/v1/packages?domain=acme&repository=app&max-results=1", ""),
        ("DescribePackage", "GET", "/v1/package?domain=acme&repository=app&format=npm&namespace=acme&package=ui", ""),
        ("DescribePackage", "GET", "/v1/package?domain=acme&repository=app&format=maven&namespace=com.acme&package=core", ""),
        ("ListPackageVersions", "POST", "/v1/package/versions?domain=acme&repository=app&format=npm&namespace=acme&package=ui", ""),
        ("ListPackageVersions", "POST", "/v1/package/versions?domain=acme&repository=app&format=npm&namespace=acme&package=ui&max-results=1", ""),
        ("DescribePackageVersion", "GET", "/v1/package/version?domain=acme&repository=app&format=npm&namespace=acme&package=ui&version=1.1.0", ""),
        ("DescribePackageVersion", "GET", "/v1/package/version?domain=acme&repository=app&format=npm&namespace=acme&package=ui&version=1.2.0-rc", ""),
        ("ListPackageGroups", "POST", "/v1/package-groups?domain=acme", ""),
        ("ListPackageGroups", "POST", "/v1/package-groups?domain=acme&max-results=1", ""),
        ("DescribePackageGroup", "GET", "/v1/package-group?domain=acme&package-group=%2Fnpm%2F%2A", ""),
        ("DescribePackageGroup", "GET", "/v1/package-group?domain=acme&package-group=%2Fnpm%2Facme%2F%2A", ""),
        ("GetAssociatedPackageGroup", "GET", "/v1/get-associated-package-group?domain=acme&format=npm&namespace=acme&package=ui", ""),
        ("ListAllowedRepositoriesForGroup", "GET", "/v1/package-group-allowed-repositories?domain=acme&package-group=%2Fnpm%2F%2A&originRestrictionType=EXTERNAL_UPSTREAM", ""),
        ("ListSubPackageGroups", "POST", "/v1/package-groups/sub-groups?domain=acme&package-group=%2Fnpm%2F%2A", ""),
        ("ListAssociatedPackages", "GET", "/v1/list-associated-packages?domain=acme&package-group=%2Fnpm%2F%2A", ""),
        ("ListAssociatedPackages", "GET", "/v1/list-associated-packages?domain=acme&package-group=%2Fnpm%2F%2A&preview=true", ""),
        ("PutPackageOriginConfiguration", "POST", "/v1/package?domain=acme&repository=app&format=npm&package=left-pad", "{\"restrictions\":{\"publish\":\"ALLOW\",\"upstream\":\"BLOCK\"}}"),
        ("PutPackageOriginConfiguration", "POST", "/v1/package?domain=acme&repository=app&format=npm&package=not-yet", "{\"restrictions\":{\"publish\":\"BLOCK\",\"upstream\":\"BLOCK\"}}"),
        ("CreatePackageGroup", "POST", "/v1/package-group?domain=acme", "{\"packageGroup\":\"/npm/new/*\",\"description\":\"d\",\"contactInfo\":\"c\"}"),
        ("UpdatePackageGroupOriginConfiguration", "PUT", "/v1/package-group-origin-configuration?domain=acme&package-group=%2Fnpm%2Fnew%2F%2A",
         "{\"restrictions\":{\"PUBLISH\":\"BLOCK\",\"EXTERNAL_UPSTREAM\":\"ALLOW_SPECIFIC_REPOSITORIES\"},\"addAllowedRepositories\":[{\"repositoryName\":\"npm-store\",\"originRestrictionType\":\"EXTERNAL_UPSTREAM\"}]}"),
        ("DescribePackageGroup", "GET", "/v1/package-group?domain=acme&package-group=%2Fnpm%2Fnew%2F%2A", ""),
        ("DeletePackageGroup", "DELETE", "/v1/package-group?domain=acme&package-group=%2Fnpm%2Fnew%2F%2A", ""),
    ]
}

#[tokio::test]
async fn served_responses_validate_against_the_output_shapes() {
    let emulator = start(acme(), Options::default()).await;
    let mut covered = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    for (operation, method, target, body) in served_calls() {
        let path = target.split('?').next().unwrap_or_default();
        let routed = model::operation_at(method, path).map(|o| o.name.as_str());
        assert_eq!(routed, Some(operation), "{method} {target}");
        let (status, _, text) = raw(&emulator, method, target, &[SIGNED], body).await;
        assert_eq!(status, 200, "{operation} {target}: {text}");
        let value: Value = serde_json::from_str(&text).expect("JSON body");
        for problem in model::validate_output(operation, &value) {
            problems.push(format!("{operation} {target}: {problem}"));
        }
        covered.insert(operation);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(covered.len(), 20, "{covered:?}");
}
