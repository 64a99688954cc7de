//! Request inputs: the decoded query string and the JSON body, with the model's checks.

use crate::error::{ApiError, ApiResult};
use base64::Engine;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The decoded query string of one request.
#[derive(Debug, Default)]
pub struct Query {
    values: HashMap<String, String>,
}

impl Query {
    /// Percent-decodes the query; group patterns such as `/npm/acme/*` arrive encoded.
    pub fn parse(raw: Option<&str>) -> Self {
        let values = raw
            .map(|raw| {
                form_urlencoded::parse(raw.as_bytes())
                    .map(|(key, value)| (key.into_owned(), value.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { values }
    }

    /// An optional member; an empty value counts as absent, as the SDK never sends one.
    pub fn optional(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// The value as sent, an empty one included: the model's checks judge what the client
    /// sent, while handlers read through [`Query::optional`].
    pub fn raw(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn required(&self, key: &str) -> ApiResult<&str> {
        self.optional(key).ok_or_else(|| {
            ApiError::validation(format!("1 validation error detected: Value at '{key}' failed to satisfy constraint: Member must not be null"))
        })
    }

    /// An optional enum member, checked against the model's values.
    pub fn optional_enum(&self, key: &str, allowed: &[&str]) -> ApiResult<Option<&str>> {
        match self.optional(key) {
            None => Ok(None),
            Some(value) if allowed.contains(&value) => Ok(Some(value)),
            Some(value) => Err(ApiError::validation(format!(
                "Value '{value}' at '{key}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ))),
        }
    }

    pub fn required_enum(&self, key: &str, allowed: &[&str]) -> ApiResult<&str> {
        self.required(key)?;
        self.optional_enum(key, allowed)?
            .ok_or_else(|| ApiError::validation(format!("missing {key}")))
    }

    /// `max-results` and `next-token` of the query-paged operations.
    pub fn page_request(&self) -> ApiResult<PageRequest> {
        Ok(PageRequest {
            max_results: match self.optional("max-results") {
                None => None,
                Some(text) => Some(check_max_results(text.parse::<i64>().map_err(|_| {
                    ApiError::validation(format!(
                        "Value '{text}' at 'maxResults' failed to satisfy constraint: Member must be an integer"
                    ))
                })?)?),
            },
            next_token: self.optional("next-token").map(str::to_string),
        })
    }
}

/// Every `*MaxResults` shape in the model is 1..1000.
fn check_max_results(value: i64) -> ApiResult<usize> {
    if (1..=1000).contains(&value) {
        Ok(value as usize)
    } else {
        Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000"
        )))
    }
}

/// The JSON body as an object. Empty bodies are `{}`: the SDK sends nothing for operations whose
/// members all travel in the query.
pub fn parse_body(bytes: &[u8]) -> ApiResult<Map<String, Value>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::cannot_parse("request body must be a JSON object")),
        Err(error) => Err(ApiError::cannot_parse(format!(
            "request body is not JSON: {error}"
        ))),
    }
}

/// ListDomains is the only operation with its paging members in the body.
pub fn body_page_request(body: &Map<String, Value>) -> ApiResult<PageRequest> {
    let max_results = match body.get("maxResults") {
        None | Some(Value::Null) => None,
        Some(Value::Number(number)) => match number.as_i64() {
            Some(value) => Some(check_max_results(value)?),
            None => return Err(ApiError::validation("maxResults must be an integer")),
        },
        Some(_) => return Err(ApiError::validation("maxResults must be an integer")),
    };
    let next_token = match body.get("nextToken") {
        None | Some(Value::Null) => None,
        Some(Value::String(token)) => Some(token.clone()),
        Some(_) => return Err(ApiError::validation("nextToken must be a string")),
    };
    Ok(PageRequest {
        max_results,
        next_token,
    })
}

#[derive(Debug, Default, Clone)]
pub struct PageRequest {
    pub max_results: Option<usize>,
    pub next_token: Option<String>,
}

impl PageRequest {
    /// Cuts one page out of `items`. Tokens are opaque (base64 of the operation and an offset),
    /// bound to the operation so a token from another list is refused, and never equal to the
    /// input token, since the SDK paginator stops on a repeated token.
    pub fn page<T>(
        &self,
        operation: &str,
        items: Vec<T>,
        default_size: usize,
    ) -> ApiResult<(Vec<T>, Option<String>)> {
        let start = match &self.next_token {
            None => 0,
            Some(token) => decode_token(operation, token)?,
        };
        let size = self.max_results.unwrap_or(default_size).max(1);
        let end = start.saturating_add(size).min(items.len());
        let next = (end < items.len()).then(|| encode_token(operation, end));
        let page = items
            .into_iter()
            .skip(start)
            .take(end.saturating_sub(start))
            .collect();
        Ok((page, next))
    }
}

fn encode_token(operation: &str, offset: usize) -> String {
    let plain = serde_json::json!({ "operation": operation, "offset": offset }).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(plain)
}

fn decode_token(operation: &str, token: &str) -> ApiResult<usize> {
    let invalid = || ApiError::validation(format!("invalid nextToken for {operation}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| invalid())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if value.get("operation").and_then(Value::as_str) != Some(operation) {
        return Err(invalid());
    }
    value
        .get("offset")
        .and_then(Value::as_u64)
        .and_then(|offset| usize::try_from(offset).ok())
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_percent_decoded() {
        let query = Query::parse(Some(
            "domain=acme&package-group=%2Fnpm%2Facme%2F%2A&namespace=",
        ));
        assert_eq!(query.optional("package-group"), Some("/npm/acme/*"));
        assert_eq!(query.optional("namespace"), None);
        assert!(query.required("repository").is_err());
    }

    #[test]
    fn max_results_bounds() {
        for bad in ["0", "1001", "-1", "ten"] {
            let query = Query::parse(Some(&format!("max-results={bad}")));
            let error = query.page_request().unwrap_err();
            assert_eq!(error.code, "ValidationException", "{bad}");
        }
        let query = Query::parse(Some("max-results=1000"));
        assert_eq!(query.page_request().unwrap().max_results, Some(1000));
    }

    #[test]
    fn pages_cover_everything_once_and_tokens_are_bound() {
        let items: Vec<u32> = (0..25).collect();
        let mut request = PageRequest {
            max_results: Some(10),
            next_token: None,
        };
        let mut seen = Vec::new();
        loop {
            let (page, next) = request.page("ListPackages", items.clone(), 100).unwrap();
            seen.extend(page);
            match next {
                Some(token) => {
                    assert_ne!(Some(&token), request.next_token.as_ref());
                    request.next_token = Some(token);
                }
                None => break,
            }
        }
        assert_eq!(seen, items);
        let (_, token) = PageRequest {
            max_results: Some(1),
            next_token: None,
        }
        .page("ListPackages", items.clone(), 100)
        .unwrap();
        let wrong = PageRequest {
            max_results: None,
            next_token: token,
        };
        assert!(wrong.page("ListDomains", items, 100).is_err());
    }

    #[test]
    fn bodies() {
        assert!(parse_body(b"").unwrap().is_empty());
        assert!(parse_body(b"{}").unwrap().is_empty());
        assert_eq!(parse_body(b"[1]").unwrap_err().code, "ValidationException");
        assert_eq!(parse_body(b"{").unwrap_err().code, "ValidationException");
    }
}
