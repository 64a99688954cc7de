//! SigV4 as the service's front door sees it: present and well formed, in the `Authorization`
//! header or presigned in the query string. Signatures are never verified (the emulator has
//! no secret keys), so any credentials work; only the shape of the signing information is.
//!
//! Answers as AWS sends them: no SigV4 at all is 403 `MissingAuthenticationTokenException`,
//! SigV4 with a missing or malformed part is 400 `IncompleteSignatureException`, a credential
//! scoped to another service is 403 `InvalidSignatureException`.

use crate::error::{ApiError, ApiResult};
use crate::request::Query;
use hyper::header::AUTHORIZATION;
use hyper::HeaderMap;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Longer header values are cut when echoed in a message.
const MAX_ECHO: usize = 200;

/// Who signed: the parts of the credential scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
}

/// The signer of a request to `service` (the credential scope's service, `codeartifact`).
pub fn authenticate(headers: &HeaderMap, query: &Query, service: &str) -> ApiResult<Signer> {
    let presigned = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"]
        .iter()
        .any(|key| query.raw(key).is_some());
    let signer = match (headers.get(AUTHORIZATION), presigned) {
        (Some(_), true) => {
            return Err(ApiError::incomplete_signature(
                "Only one auth mechanism allowed: the Authorization header or the X-Amz-Algorithm query parameters, not both",
            ))
        }
        (Some(value), false) => {
            let value = value.to_str().map_err(|_| {
                ApiError::incomplete_signature("Authorization header is not visible ASCII")
            })?;
            from_header(value)?
        }
        (None, true) => from_query(query)?,
        (None, false) => return Err(ApiError::missing_authentication_token()),
    };
    if signer.service != service {
        return Err(ApiError::invalid_signature(format!(
            "Credential should be scoped to correct service: '{service}'."
        )));
    }
    Ok(signer)
}

fn echo(value: &str) -> String {
    if value.chars().count() > MAX_ECHO {
        format!("{}...", value.chars().take(MAX_ECHO).collect::<String>())
    } else {
        value.to_string()
    }
}

/// `AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b,
/// Signature=HEX`.
fn from_header(value: &str) -> ApiResult<Signer> {
    let (algorithm, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if algorithm != ALGORITHM {
        return Err(ApiError::incomplete_signature(format!(
            "Unsupported Authorization type '{}': requests must be signed with {ALGORITHM}",
            echo(algorithm)
        )));
    }
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(ApiError::incomplete_signature(format!(
                "Invalid key=value pair (missing equal-sign) in Authorization header: '{}'",
                echo(part)
            )));
        };
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }
    let mut missing = String::new();
    for (name, part) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed_headers),
    ] {
        if part.is_none() {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::incomplete_signature(format!(
            "{missing}Authorization={}",
            echo(value)
        )));
    }
    check_parts(
        credential.unwrap_or_default(),
        signed_headers.unwrap_or_default(),
        signature.unwrap_or_default(),
    )
}

/// Presigned: `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-SignedHeaders`,
/// `X-Amz-Signature` (and optionally `X-Amz-Expires`) in the query string.
fn from_query(query: &Query) -> ApiResult<Signer> {
    let get = |key: &str| query.raw(key).filter(|value| !value.is_empty());
    let (Some(algorithm), Some(credential), Some(date), Some(signed_headers), Some(signature)) = (
        get("X-Amz-Algorithm"),
        get("X-Amz-Credential"),
        get("X-Amz-Date"),
        get("X-Amz-SignedHeaders"),
        get("X-Amz-Signature"),
    ) else {
        return Err(ApiError::incomplete_signature(
            "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders' and 'X-Amz-Date'. Re-examine the query-string parameters.",
        ));
    };
    if algorithm != ALGORITHM {
        return Err(ApiError::incomplete_signature(format!(
            "Unsupported X-Amz-Algorithm '{}': presigned requests must use {ALGORITHM}",
            echo(algorithm)
        )));
    }
    if !is_amz_date(date) {
        return Err(ApiError::incomplete_signature(format!(
            "X-Amz-Date must be in the ISO8601 basic format YYYYMMDD'T'HHMMSS'Z', got '{}'",
            echo(date)
        )));
    }
    if let Some(expires) = query.raw("X-Amz-Expires") {
        if !expires
            .parse::<u32>()
            .is_ok_and(|seconds| (1..=604_800).contains(&seconds))
        {
            return Err(ApiError::incomplete_signature(format!(
                "X-Amz-Expires must be a number of seconds from 1 to 604800, got '{}'",
                echo(expires)
            )));
        }
    }
    check_parts(credential, signed_headers, signature)
}

fn is_amz_date(date: &str) -> bool {
    let bytes = date.as_bytes();
    bytes.len() == 16
        && bytes.get(8) == Some(&b'T')
        && bytes.get(15) == Some(&b'Z')
        && bytes
            .iter()
            .enumerate()
            .all(|(index, b)| index == 8 || index == 15 || b.is_ascii_digit())
}

fn check_parts(credential: &str, signed_headers: &str, signature: &str) -> ApiResult<Signer> {
    let scope: Vec<&str> = credential.split('/').collect();
    let [key, date, region, service, terminator] = scope.as_slice() else {
        return Err(ApiError::incomplete_signature(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
            echo(credential)
        )));
    };
    if key.is_empty() || region.is_empty() || service.is_empty() {
        return Err(ApiError::incomplete_signature(format!(
            "Credential has an empty element: '{}'",
            echo(credential)
        )));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::incomplete_signature(format!(
            "Credential date must be YYYYMMDD, got '{}'",
            echo(date)
        )));
    }
    if *terminator != "aws4_request" {
        return Err(ApiError::incomplete_signature(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
            echo(terminator)
        )));
    }
    if signed_headers.is_empty()
        || signed_headers.split(';').any(|name| {
            name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
    {
        return Err(ApiError::incomplete_signature(format!(
            "SignedHeaders must be lower-case header names separated by ';', got '{}'",
            echo(signed_headers)
        )));
    }
    if signature.is_empty() || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::incomplete_signature(format!(
            "Signature must be hexadecimal, got '{}'",
            echo(signature)
        )));
    }
    Ok(Signer {
        access_key_id: key.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    const GOOD: &str = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/us-east-1/codeartifact/aws4_request, SignedHeaders=host;x-amz-date, Signature=0a1b";

    fn with_header(value: &str) -> ApiResult<Signer> {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        authenticate(&headers, &Query::parse(None), "codeartifact")
    }

    #[test]
    fn header_sigv4() {
        let signer = with_header(GOOD).unwrap();
        assert_eq!(signer.access_key_id, "AKIDTEST");
        assert_eq!(signer.region, "us-east-1");
        for (bad, code) in [
            ("Basic eDp5", "IncompleteSignatureException"),
            ("AWS4-HMAC-SHA256", "IncompleteSignatureException"),
            ("AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/codeartifact/aws4_request, Signature=00", "IncompleteSignatureException"),
            ("AWS4-HMAC-SHA256 Credential=AKID/us-east-1/codeartifact/aws4_request, SignedHeaders=host, Signature=00", "IncompleteSignatureException"),
            ("AWS4-HMAC-SHA256 Credential=AKID/2025/us-east-1/codeartifact/aws4_request, SignedHeaders=host, Signature=00", "IncompleteSignatureException"),
            ("AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/codeartifact/aws4_request, SignedHeaders=host, Signature=zz", "IncompleteSignatureException"),
            ("AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/codeartifact/aws4_request, SignedHeaders=Host, Signature=00", "IncompleteSignatureException"),
            ("AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=00", "IncompleteSignatureException"),
            ("AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", "InvalidSignatureException"),
        ] {
            assert_eq!(with_header(bad).unwrap_err().code, code, "{bad}");
        }
    }

    #[test]
    fn presigned_and_missing() {
        let none = authenticate(&HeaderMap::new(), &Query::parse(None), "codeartifact");
        assert_eq!(none.unwrap_err().status, 403);
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTEST%2F20250101%2Fus-east-1%2Fcodeartifact%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=abcdef";
        let signer = authenticate(
            &HeaderMap::new(),
            &Query::parse(Some(query)),
            "codeartifact",
        );
        assert_eq!(signer.unwrap().access_key_id, "AKIDTEST");
        let partial = authenticate(
            &HeaderMap::new(),
            &Query::parse(Some("X-Amz-Signature=00")),
            "codeartifact",
        );
        assert_eq!(partial.unwrap_err().code, "IncompleteSignatureException");
        let bad_date = query.replace("20250101T000000Z", "yesterday");
        let error = authenticate(
            &HeaderMap::new(),
            &Query::parse(Some(&bad_date)),
            "codeartifact",
        );
        assert_eq!(error.unwrap_err().code, "IncompleteSignatureException");
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static(GOOD));
        let both = authenticate(&headers, &Query::parse(Some(query)), "codeartifact");
        assert_eq!(both.unwrap_err().status, 400);
    }
}
