//! The CodeArtifact API model (botocore's `service-2.json`, embedded) and the checks driven by
//! it: which operation a method + path is, whether a request satisfies the operation's input
//! shape, and whether a response body satisfies its output shape.
//!
//! Validation covers every operation of the model, served or not, so a request to an
//! operation the emulator does not implement is still refused for the same reasons AWS would
//! refuse it. The constraint messages follow the service's wording
//! ("1 validation error detected: Value 'x' at 'domain' failed to satisfy constraint: ...").

use crate::error::{ApiError, ApiResult};
use crate::request::Query;
use hyper::HeaderMap;
use regex::Regex;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// botocore `data/codeartifact/2018-09-22/service-2.json`, copied verbatim (see `model/SOURCE.md`).
const MODEL_JSON: &str = include_str!("../model/service-2.json");

/// The parsed model: operations and shapes by name.
#[derive(Debug, Deserialize)]
pub struct Service {
    pub operations: BTreeMap<String, OperationModel>,
    pub shapes: BTreeMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
pub struct OperationModel {
    pub name: String,
    pub http: Http,
    pub input: Option<ShapeRef>,
    pub output: Option<ShapeRef>,
    /// Formats for which the operation's documentation requires `namespace` (filled on load
    /// from the prose of the input's `namespace` member; the model has no trait for it).
    #[serde(skip)]
    pub namespace_required_for: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Http {
    pub method: String,
    #[serde(rename = "requestUri")]
    pub request_uri: String,
}

#[derive(Debug, Deserialize)]
pub struct ShapeRef {
    pub shape: String,
}

#[derive(Debug, Deserialize)]
pub struct Shape {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub members: BTreeMap<String, Member>,
    #[serde(default)]
    pub required: Vec<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub pattern: Option<String>,
    #[serde(rename = "enum", default)]
    pub values: Vec<String>,
    /// List element.
    pub member: Option<ShapeRef>,
    /// Map key and value.
    pub key: Option<ShapeRef>,
    pub value: Option<ShapeRef>,
    /// The member that is the whole HTTP body (a blob for PublishPackageVersion's input and
    /// GetPackageVersionAsset's output).
    pub payload: Option<String>,
    #[serde(default)]
    pub exception: bool,
    /// `pattern`, translated for the `regex` crate and anchored (filled on load).
    #[serde(skip)]
    regex: Option<Regex>,
}

#[derive(Debug, Deserialize)]
pub struct Member {
    pub shape: String,
    /// `querystring`, `header`, `uri`; absent for JSON body members.
    pub location: Option<String>,
    #[serde(rename = "locationName")]
    pub location_name: Option<String>,
    pub documentation: Option<String>,
}

impl Member {
    /// The wire name: the query key or header name for located members, else the member name.
    pub fn wire_name<'a>(&'a self, member: &'a str) -> &'a str {
        self.location_name.as_deref().unwrap_or(member)
    }
}

impl Shape {
    /// Whether the whole of `value` matches the shape's pattern (true when it has none).
    pub fn pattern_matches(&self, value: &str) -> bool {
        self.regex
            .as_ref()
            .is_none_or(|regex| regex.is_match(value))
    }
}

static SERVICE: OnceLock<Result<Service, String>> = OnceLock::new();

/// The embedded model, parsed once. An error means the embedded file is broken, which the
/// crate's unit tests rule out; callers answer 500 rather than panic.
pub fn service() -> Result<&'static Service, &'static str> {
    SERVICE.get_or_init(load).as_ref().map_err(String::as_str)
}

fn load() -> Result<Service, String> {
    let mut service: Service = serde_json::from_str(MODEL_JSON)
        .map_err(|error| format!("embedded service-2.json does not parse: {error}"))?;
    for (name, shape) in &mut service.shapes {
        if let Some(pattern) = &shape.pattern {
            let translated = format!(r"\A(?:{})\z", translate_pattern(pattern));
            shape.regex = Some(Regex::new(&translated).map_err(|error| {
                format!("pattern of shape {name} ({pattern}) does not compile: {error}")
            })?);
        }
    }
    let formats = service
        .shapes
        .get("PackageFormat")
        .map(|shape| shape.values.clone())
        .unwrap_or_default();
    let mut required = BTreeMap::new();
    for (name, operation) in &service.operations {
        let Some(input) = operation
            .input
            .as_ref()
            .and_then(|input| service.shapes.get(&input.shape))
        else {
            continue;
        };
        if let Some(doc) = input
            .members
            .get("namespace")
            .and_then(|member| member.documentation.as_deref())
        {
            required.insert(name.clone(), namespace_formats(doc, &formats));
        }
    }
    for (name, formats) in required {
        if let Some(operation) = service.operations.get_mut(&name) {
            operation.namespace_required_for = formats;
        }
    }
    Ok(service)
}

/// The formats listed after "The namespace is required ..." in a member's documentation, e.g.
/// `<note> <p>The namespace is required when deleting packages of the following formats:</p>
/// <ul> <li> <p>Maven</p> </li> <li> <p>Swift</p> </li> ... </ul>`. Only list items that are
/// `PackageFormat` values (case-insensitively) count.
fn namespace_formats(doc: &str, formats: &[String]) -> Vec<String> {
    let Some(start) = doc.find("namespace is required") else {
        return Vec::new();
    };
    let rest = &doc[start..];
    let list = match (rest.find("<ul>"), rest.find("</ul>")) {
        (Some(open), Some(close)) if open < close => &rest[open..close],
        _ => return Vec::new(),
    };
    list.split("<li>")
        .filter_map(|item| {
            let text = item
                .replace("</li>", "")
                .replace("<p>", "")
                .replace("</p>", "");
            let text = text.trim().to_lowercase();
            formats.iter().find(|format| **format == text).cloned()
        })
        .collect()
}

/// The model's patterns are Java regular expressions. Three constructs differ from the `regex`
/// crate: Java's `\s`/`\S` are ASCII-only (`[ \t\n\x0B\f\r]`) where `regex`'s are Unicode, and
/// Java spells binary properties `\p{IsWhitespace}`, which `regex` names `\p{White_Space}`.
pub fn translate_pattern(pattern: &str) -> String {
    const SPACE: &str = r" \t\n\x0B\x0C\r";
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('s') if in_class => out.push_str(SPACE),
                Some('s') => {
                    let _ = write!(out, "[{SPACE}]");
                }
                Some('S') if !in_class => {
                    let _ = write!(out, "[^{SPACE}]");
                }
                Some(p @ ('p' | 'P')) if chars.peek() == Some(&'{') => {
                    let mut name = String::new();
                    chars.next();
                    for next in chars.by_ref() {
                        if next == '}' {
                            break;
                        }
                        name.push(next);
                    }
                    let name = match name.strip_prefix("Is") {
                        Some("Whitespace" | "WhiteSpace" | "White_Space") => "White_Space",
                        Some(other) => other,
                        None => name.as_str(),
                    };
                    let _ = write!(out, "\\{p}{{{name}}}");
                }
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push_str(r"\\"),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The operation whose `http` member is `method` + `path`; `requestUri` query parts
/// (`/v1/x?y`) are ignored and `{label}` segments match any one segment. A trailing slash is
/// tolerated, as in the router.
pub fn operation_at(method: &str, path: &str) -> Option<&'static OperationModel> {
    let service = service().ok()?;
    let path = match path.strip_suffix('/') {
        Some(stripped) if !stripped.is_empty() => stripped,
        _ => path,
    };
    service.operations.values().find(|operation| {
        operation.http.method.eq_ignore_ascii_case(method)
            && uri_labels(&operation.http.request_uri, path).is_some()
    })
}

/// Matches `path` against a `requestUri` template, returning the `{label}` values.
fn uri_labels(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let template = template.split('?').next().unwrap_or(template);
    let mut labels = BTreeMap::new();
    let mut wanted = template.split('/');
    let mut actual = path.split('/');
    loop {
        match (wanted.next(), actual.next()) {
            (None, None) => return Some(labels),
            (Some(segment), Some(value)) => {
                if let Some(label) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    if let Some(greedy) = label.strip_suffix('+') {
                        let rest: Vec<&str> = std::iter::once(value).chain(actual).collect();
                        labels.insert(greedy.to_string(), decode(&rest.join("/")));
                        return wanted.next().is_none().then_some(labels);
                    }
                    if value.is_empty() {
                        return None;
                    }
                    labels.insert(label.to_string(), decode(value));
                } else if segment != value {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

fn decode(segment: &str) -> String {
    form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

impl OperationModel {
    /// Whether the request body is a blob (the asset of PublishPackageVersion), not JSON.
    pub fn has_blob_payload(&self) -> bool {
        let Ok(service) = service() else {
            return false;
        };
        self.input
            .as_ref()
            .and_then(|input| service.shapes.get(&input.shape))
            .and_then(|shape| {
                let payload = shape.payload.as_ref()?;
                let member = shape.members.get(payload)?;
                service.shapes.get(&member.shape)
            })
            .is_some_and(|shape| shape.kind == "blob")
    }
}

/// One problem found by the input check.
struct Violation {
    /// The value cannot be read as the member's type at all (reason CANNOT_PARSE).
    unparseable: bool,
    text: String,
}

/// At most this many problems are spelled out in one message; the count covers all of them.
const MAX_LISTED: usize = 10;
/// Longer values are cut in messages, so a megabyte of bad input is not echoed back.
const MAX_ECHO: usize = 256;

struct Checker<'a> {
    service: &'a Service,
    violations: Vec<Violation>,
}

fn echo(value: &str) -> String {
    if value.chars().count() > MAX_ECHO {
        let cut: String = value.chars().take(MAX_ECHO).collect();
        format!("{cut}...")
    } else {
        value.to_string()
    }
}

/// How a value appears in a message: strings quoted, other JSON as written, absence as null.
fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "null".to_string(),
        Some(Value::String(text)) => format!("'{}'", echo(text)),
        Some(other) => format!("'{}'", echo(&other.to_string())),
    }
}

impl Checker<'_> {
    fn field(&mut self, value: Option<&Value>, path: &str, constraint: impl AsRef<str>) {
        self.violations.push(Violation {
            unparseable: false,
            text: format!(
                "Value {} at '{path}' failed to satisfy constraint: {}",
                shown(value),
                constraint.as_ref()
            ),
        });
    }

    fn unparseable(&mut self, value: &Value, path: &str, kind: &str) {
        self.violations.push(Violation {
            unparseable: true,
            text: format!(
                "Value {} at '{path}' cannot be parsed as {kind}",
                shown(Some(value))
            ),
        });
    }

    /// Checks a present, non-null value against `shape_name`.
    fn value(&mut self, shape_name: &str, value: &Value, path: &str) {
        let Some(shape) = self.service.shapes.get(shape_name) else {
            return;
        };
        match shape.kind.as_str() {
            "string" => match value {
                Value::String(text) => self.string(shape, text, value, path),
                other => self.unparseable(other, path, "a string"),
            },
            "integer" | "long" => match value.as_i64() {
                Some(number) if value.is_i64() || value.is_u64() => {
                    self.range(shape, number, value, path)
                }
                _ => self.unparseable(value, path, "an integer"),
            },
            "boolean" | "timestamp" | "blob" => {
                if let Some(expected) = scalar_mismatch(&shape.kind, value) {
                    self.unparseable(value, path, expected);
                }
            }
            "list" => match value {
                Value::Array(items) => {
                    self.length(shape, items.len(), value, path);
                    if let Some(member) = &shape.member {
                        for (index, item) in items.iter().enumerate() {
                            let path = format!("{path}.{}.member", index + 1);
                            if item.is_null() {
                                self.field(None, &path, "Member must not be null");
                            } else {
                                self.value(&member.shape, item, &path);
                            }
                        }
                    }
                }
                other => self.unparseable(other, path, "a list"),
            },
            "map" => match value {
                Value::Object(entries) => {
                    self.length(shape, entries.len(), value, path);
                    for (key, item) in entries {
                        if let Some(key_shape) = &shape.key {
                            let mut inner = Checker {
                                service: self.service,
                                violations: Vec::new(),
                            };
                            inner.value(&key_shape.shape, &Value::String(key.clone()), path);
                            for violation in inner.violations {
                                let constraint = violation
                                    .text
                                    .split_once("failed to satisfy constraint: ")
                                    .map_or(violation.text.as_str(), |(_, c)| c)
                                    .to_string();
                                self.field(
                                    Some(&Value::String(key.clone())),
                                    path,
                                    format!("Map keys must satisfy constraint: [{constraint}]"),
                                );
                            }
                        }
                        if let Some(value_shape) = &shape.value {
                            let path = format!("{path}.{key}");
                            if item.is_null() {
                                self.field(None, &path, "Member must not be null");
                            } else {
                                self.value(&value_shape.shape, item, &path);
                            }
                        }
                    }
                }
                other => self.unparseable(other, path, "a map"),
            },
            "structure" => match value {
                Value::Object(object) => self.structure(shape, object, path),
                other => self.unparseable(other, path, "a structure"),
            },
            _ => {}
        }
    }

    fn structure(&mut self, shape: &Shape, object: &Map<String, Value>, path: &str) {
        for (name, member) in &shape.members {
            let member_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            match object.get(name) {
                None | Some(Value::Null) => {
                    if shape.required.contains(name) {
                        self.field(None, &member_path, "Member must not be null");
                    }
                }
                Some(value) => self.value(&member.shape, value, &member_path),
            }
        }
    }

    fn string(&mut self, shape: &Shape, text: &str, value: &Value, path: &str) {
        if !shape.values.is_empty() && !shape.values.iter().any(|allowed| allowed == text) {
            self.field(
                Some(value),
                path,
                format!(
                    "Member must satisfy enum value set: [{}]",
                    shape.values.join(", ")
                ),
            );
            return;
        }
        self.length(shape, text.chars().count(), value, path);
        if !shape.pattern_matches(text) {
            self.field(
                Some(value),
                path,
                format!(
                    "Member must satisfy regular expression pattern: {}",
                    shape.pattern.as_deref().unwrap_or_default()
                ),
            );
        }
    }

    /// `min`/`max` of strings (characters), lists (members) and maps (entries).
    fn length(&mut self, shape: &Shape, length: usize, value: &Value, path: &str) {
        let length = i64::try_from(length).unwrap_or(i64::MAX);
        if let Some(min) = shape.min.filter(|min| length < *min) {
            self.field(
                Some(value),
                path,
                format!("Member must have length greater than or equal to {min}"),
            );
        }
        if let Some(max) = shape.max.filter(|max| length > *max) {
            self.field(
                Some(value),
                path,
                format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    fn range(&mut self, shape: &Shape, number: i64, value: &Value, path: &str) {
        if let Some(min) = shape.min.filter(|min| number < *min) {
            self.field(
                Some(value),
                path,
                format!("Member must have value greater than or equal to {min}"),
            );
        }
        if let Some(max) = shape.max.filter(|max| number > *max) {
            self.field(
                Some(value),
                path,
                format!("Member must have value less than or equal to {max}"),
            );
        }
    }

    /// A query-string, header or URI value, typed as its shape says.
    fn text_value(&mut self, shape_name: &str, text: &str, path: &str) {
        let Some(shape) = self.service.shapes.get(shape_name) else {
            return;
        };
        let raw = Value::String(text.to_string());
        match shape.kind.as_str() {
            "integer" | "long" => match text.parse::<i64>() {
                Ok(number) => self.value(shape_name, &Value::from(number), path),
                Err(_) => self.unparseable(&raw, path, "an integer"),
            },
            "boolean" => {
                if text != "true" && text != "false" {
                    self.unparseable(&raw, path, "a boolean");
                }
            }
            "timestamp" => {
                // restJson1 sends query timestamps as ISO 8601 or epoch seconds.
                if text.parse::<f64>().is_err() && !text.contains('T') {
                    self.unparseable(&raw, path, "a timestamp");
                }
            }
            _ => self.value(shape_name, &raw, path),
        }
    }
}

/// Where a request's inputs are, for [`validate_request`].
pub struct RequestParts<'a> {
    pub path: &'a str,
    pub query: &'a Query,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Checks a request against `operation`'s input shape before the operation runs: every
/// member from where the model puts it (query key, header, URI label, JSON body member, or the
/// whole body for a blob payload), then the namespace rule of the operation's documentation.
/// Members the model does not know are ignored, as the service does.
pub fn validate_request(operation: &OperationModel, parts: &RequestParts) -> ApiResult<()> {
    let service = service().map_err(ApiError::internal)?;
    let Some(input) = operation
        .input
        .as_ref()
        .and_then(|input| service.shapes.get(&input.shape))
    else {
        return Ok(());
    };
    let blob_payload = operation.has_blob_payload();
    let body = if blob_payload || !input.members.values().any(|m| m.location.is_none()) {
        // Operations whose members all travel elsewhere accept any JSON object (or nothing)
        // as the body; its syntax is still checked by the body reader.
        Map::new()
    } else {
        crate::request::parse_body(parts.body)?
    };
    let labels = uri_labels(&operation.http.request_uri, parts.path).unwrap_or_default();
    let mut checker = Checker {
        service,
        violations: Vec::new(),
    };
    for (name, member) in &input.members {
        let required = input.required.contains(name);
        let text = match member.location.as_deref() {
            Some("querystring") => parts.query.raw(member.wire_name(name)),
            Some("header") => match parts.headers.get(member.wire_name(name)) {
                Some(value) => match value.to_str() {
                    Ok(text) => Some(text),
                    Err(_) => {
                        checker.unparseable(&Value::Null, name, "a header string");
                        continue;
                    }
                },
                None => None,
            },
            Some("uri") => labels.get(member.wire_name(name)).map(String::as_str),
            Some(_) => None,
            None if blob_payload && input.payload.as_deref() == Some(name.as_str()) => {
                if required && parts.body.is_empty() {
                    checker.field(None, name, "Member must not be null");
                }
                continue;
            }
            None => {
                match body.get(name) {
                    None | Some(Value::Null) => {
                        if required {
                            checker.field(None, name, "Member must not be null");
                        }
                    }
                    Some(value) => checker.value(&member.shape, value, name),
                }
                continue;
            }
        };
        match text {
            Some(text) => checker.text_value(&member.shape, text, name),
            None if required => checker.field(None, name, "Member must not be null"),
            None => {}
        }
    }
    if !operation.namespace_required_for.is_empty() && parts.query.raw("namespace").is_none() {
        if let Some(format) = parts
            .query
            .raw("format")
            .filter(|format| operation.namespace_required_for.iter().any(|f| f == format))
        {
            checker.field(
                None,
                "namespace",
                format!(
                    "Member must not be null for format {format} (namespace is required for {})",
                    operation.namespace_required_for.join(", ")
                ),
            );
        }
    }
    if checker.violations.is_empty() {
        return Ok(());
    }
    let count = checker.violations.len();
    let unparseable = checker.violations.iter().any(|v| v.unparseable);
    let listed: Vec<&str> = checker
        .violations
        .iter()
        .take(MAX_LISTED)
        .map(|v| v.text.as_str())
        .collect();
    let mut message = format!(
        "{count} validation error{} detected: {}",
        if count == 1 { "" } else { "s" },
        listed.join("; ")
    );
    if count > MAX_LISTED {
        let _ = write!(message, "; and {} more", count - MAX_LISTED);
    }
    Err(if unparseable {
        ApiError::cannot_parse(message)
    } else {
        ApiError::validation(message)
    })
}

/// Checks a response body against `operation`'s output shape and returns the problems (empty
/// when it conforms): unknown members, members the model puts in headers, wrong JSON types
/// (timestamps must be epoch-second numbers), `null` (the service omits absent members),
/// missing required members, values outside an enum, recursively through lists, maps and
/// structures. Lengths and patterns are not checked: the service does not promise them for
/// output. For an output whose payload is a blob (GetPackageVersionAsset) the body is the
/// asset, so there is nothing to check here.
pub fn validate_output(operation: &str, body: &Value) -> Vec<String> {
    let service = match service() {
        Ok(service) => service,
        Err(error) => return vec![error.to_string()],
    };
    let Some(model) = service.operations.get(operation) else {
        return vec![format!("{operation} is not an operation of the model")];
    };
    let Some(shape) = model
        .output
        .as_ref()
        .and_then(|output| service.shapes.get(&output.shape))
    else {
        return match body {
            Value::Object(object) if object.is_empty() => Vec::new(),
            _ => vec![format!(
                "{operation} has no output shape, but the body is {body}"
            )],
        };
    };
    if shape.payload.is_some() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    output_structure(service, shape, body, "", &mut problems);
    problems
}

/// What a JSON value of a scalar shape `kind` should have been, when it is not that.
fn scalar_mismatch(kind: &str, value: &Value) -> Option<&'static str> {
    let (fits, expected) = match kind {
        "integer" | "long" => (value.is_i64() || value.is_u64(), "an integer"),
        "float" | "double" => (value.is_number(), "a number"),
        "boolean" => (value.is_boolean(), "a boolean"),
        // restJson1 without `timestampFormat`: epoch seconds, fractions allowed.
        "timestamp" => (value.is_number(), "a timestamp in epoch seconds (a number)"),
        "blob" => (value.is_string(), "a base64 string"),
        _ => (true, ""),
    };
    (!fits).then_some(expected)
}

fn at(path: &str) -> &str {
    if path.is_empty() {
        "the body"
    } else {
        path
    }
}

fn output_structure(
    service: &Service,
    shape: &Shape,
    value: &Value,
    path: &str,
    problems: &mut Vec<String>,
) {
    let Value::Object(object) = value else {
        problems.push(format!("{}: expected an object, got {value}", at(path)));
        return;
    };
    let join = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    for (name, item) in object {
        match shape.members.get(name) {
            None => problems.push(format!("{}: not a member of the shape", join(name))),
            Some(member) if member.location.is_some() => problems.push(format!(
                "{}: the model sends this member in the {} {}, not in the body",
                join(name),
                member.location.as_deref().unwrap_or_default(),
                member.wire_name(name)
            )),
            Some(member) => output_value(service, &member.shape, item, &join(name), problems),
        }
    }
    for name in &shape.required {
        let located = shape
            .members
            .get(name)
            .is_some_and(|member| member.location.is_some());
        if !located && !object.contains_key(name) {
            problems.push(format!("{}: required member missing", join(name)));
        }
    }
}

fn output_value(
    service: &Service,
    shape_name: &str,
    value: &Value,
    path: &str,
    problems: &mut Vec<String>,
) {
    let Some(shape) = service.shapes.get(shape_name) else {
        problems.push(format!("{path}: shape {shape_name} missing from the model"));
        return;
    };
    if value.is_null() {
        problems.push(format!("{path}: null (the service omits absent members)"));
        return;
    }
    let mut wrong =
        |expected: &str| problems.push(format!("{path}: expected {expected}, got {value}"));
    match shape.kind.as_str() {
        "string" => match value.as_str() {
            Some(text) if !shape.values.is_empty() && !shape.values.iter().any(|v| v == text) => {
                problems.push(format!(
                    "{path}: '{text}' is not one of [{}]",
                    shape.values.join(", ")
                ))
            }
            Some(_) => {}
            None => wrong("a string"),
        },
        "integer" | "long" | "float" | "double" | "boolean" | "timestamp" | "blob" => {
            if let Some(expected) = scalar_mismatch(&shape.kind, value) {
                wrong(expected);
            }
        }
        "list" => match value.as_array() {
            Some(items) => {
                if let Some(member) = &shape.member {
                    for (index, item) in items.iter().enumerate() {
                        output_value(
                            service,
                            &member.shape,
                            item,
                            &format!("{path}[{index}]"),
                            problems,
                        );
                    }
                }
            }
            None => wrong("a list"),
        },
        "map" => match value.as_object() {
            Some(entries) => {
                for (key, item) in entries {
                    if let Some(key_shape) = &shape.key {
                        output_value(
                            service,
                            &key_shape.shape,
                            &Value::String(key.clone()),
                            &format!("{path} key"),
                            problems,
                        );
                    }
                    if let Some(value_shape) = &shape.value {
                        output_value(
                            service,
                            &value_shape.shape,
                            item,
                            &format!("{path}.{key}"),
                            problems,
                        );
                    }
                }
            }
            None => wrong("a map"),
        },
        "structure" => output_structure(service, shape, value, path, problems),
        other => problems.push(format!("{path}: shape type {other} not understood")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_loads_with_every_pattern_compiled() {
        let service = service().unwrap();
        assert_eq!(service.operations.len(), 48);
        for (name, shape) in &service.shapes {
            assert_eq!(shape.pattern.is_some(), shape.regex.is_some(), "{name}");
        }
        // The reasons this crate sends are the model's.
        let reasons = &service.shapes["ValidationExceptionReason"].values;
        for reason in ["FIELD_VALIDATION_FAILED", "CANNOT_PARSE"] {
            assert!(reasons.iter().any(|r| r == reason), "{reason}");
        }
    }

    #[test]
    fn patterns_follow_java() {
        let shape = |name: &str| &service().unwrap().shapes[name];
        assert!(shape("DomainName").pattern_matches("acme"));
        assert!(!shape("DomainName").pattern_matches("Acme"));
        assert!(!shape("DomainName").pattern_matches("acme-"));
        // Anchored: a matching prefix is not enough.
        assert!(!shape("AccountId").pattern_matches("1111222233334"));
        // Java's \s is ASCII: a no-break space is allowed in a name, a tab is not.
        assert!(shape("PackageName").pattern_matches("a\u{a0}b"));
        assert!(!shape("PackageName").pattern_matches("a\tb"));
        assert!(!shape("PackageGroupPattern").pattern_matches("/npm/a b"));
        assert!(!shape("PackageGroupPattern").pattern_matches("/npm/a\u{2003}b"));
        assert!(shape("PackageGroupPattern").pattern_matches("/npm/*"));
        assert!(!shape("Description").pattern_matches("line\nbreak"));
        assert!(shape("Description").pattern_matches(""));
        assert!(shape("PolicyDocument").pattern_matches("{\n  \"a\": 1\n}"));
    }

    #[test]
    fn operations_by_method_and_path() {
        let name = |method: &str, path: &str| operation_at(method, path).map(|o| o.name.as_str());
        assert_eq!(name("GET", "/v1/package"), Some("DescribePackage"));
        assert_eq!(
            name("POST", "/v1/package"),
            Some("PutPackageOriginConfiguration")
        );
        assert_eq!(name("DELETE", "/v1/package"), Some("DeletePackage"));
        assert_eq!(name("POST", "/v1/tag/"), Some("TagResource"));
        assert_eq!(name("PATCH", "/v1/package"), None);
        assert_eq!(name("GET", "/v1"), None);
        assert_eq!(
            uri_labels("/v1/x/{id}?op", "/v1/x/a%2Fb").unwrap()["id"],
            "a/b"
        );
        assert!(uri_labels("/v1/x/{id}", "/v1/x/").is_none());
    }

    #[test]
    fn namespace_rule_comes_from_the_documentation() {
        let service = service().unwrap();
        let formats = |op: &str| service.operations[op].namespace_required_for.clone();
        assert_eq!(formats("DeletePackage"), ["maven", "swift", "generic"]);
        assert_eq!(formats("ListPackageVersionDependencies"), ["maven"]);
        assert!(formats("ListPackages").is_empty());
        assert!(formats("ListDomains").is_empty());
    }

    #[test]
    fn output_problems_are_named() {
        assert!(validate_output("ListDomains", &serde_json::json!({"domains": []})).is_empty());
        let problems = validate_output(
            "ListPackages",
            &serde_json::json!({
                "packages": [{"format": "conda", "package": 3, "originConfiguration":
                    {"restrictions": {"publish": "ALLOW"}}, "extra": true}],
                "nextToken": null
            }),
        );
        let text = problems.join("\n");
        for expected in [
            "packages[0].format: 'conda' is not one of",
            "packages[0].package: expected a string",
            "packages[0].extra: not a member",
            "packages[0].originConfiguration.restrictions.upstream: required member missing",
            "nextToken: null",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        assert!(!validate_output(
            "DescribeDomain",
            &serde_json::json!({"domain":
            {"createdTime": "2024-01-01T00:00:00Z"}})
        )
        .is_empty());
        assert!(!validate_output("NoSuchOperation", &serde_json::json!({})).is_empty());
    }
}
