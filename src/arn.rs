//! ARNs of CodeArtifact resources: every finding names its resource by one.
//!
//! Findings, fingerprints, suppressions and SARIF locations are all keyed on these strings, so
//! they must be built in exactly one place.

/// `arn:aws:codeartifact:<region>:<account>:domain/<domain>`
pub fn domain(region: &str, account: &str, domain: &str) -> String {
    format!("arn:aws:codeartifact:{region}:{account}:domain/{domain}")
}

/// `arn:aws:codeartifact:<region>:<account>:repository/<domain>/<repository>`
pub fn repository(region: &str, account: &str, domain: &str, repository: &str) -> String {
    format!("arn:aws:codeartifact:{region}:{account}:repository/{domain}/{repository}")
}

/// `arn:aws:codeartifact:<region>:<account>:package/<domain>/<repository>/<format>/<namespace>/<name>`,
/// with an empty namespace segment when the package has none. Segments are joined unencoded:
/// that is unambiguous only because inventory validation refuses `/` (and `:` in region and
/// account) as CodeArtifact does; `a/b` + `c` and `a` + `b/c` would otherwise share an ARN.
pub fn package(
    region: &str,
    account: &str,
    domain: &str,
    repository: &str,
    format: &str,
    namespace: Option<&str>,
    name: &str,
) -> String {
    let namespace = namespace.unwrap_or("");
    format!(
        "arn:aws:codeartifact:{region}:{account}:package/{domain}/{repository}/{format}/{namespace}/{name}"
    )
}

/// `arn:aws:codeartifact:<region>:<account>:package-group/<domain>/<percent-encoded pattern>`,
/// also for a group that does not exist yet but should.
pub fn package_group(region: &str, account: &str, domain: &str, pattern: &str) -> String {
    format!(
        "arn:aws:codeartifact:{region}:{account}:package-group/{domain}/{}",
        percent_encode(pattern)
    )
}

/// RFC 3986 percent-encoding keeping only unreserved characters, as AWS encodes group patterns.
pub fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The parts of a CodeArtifact ARN: `(region, account, resource)`.
pub fn split(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:aws:codeartifact:")?;
    let (region, rest) = rest.split_once(':')?;
    let (account, resource) = rest.split_once(':')?;
    Some((region, account, resource))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_each_kind() {
        assert_eq!(
            package(
                "us-east-1",
                "111122223333",
                "acme",
                "app",
                "npm",
                None,
                "left-pad"
            ),
            "arn:aws:codeartifact:us-east-1:111122223333:package/acme/app/npm//left-pad"
        );
        assert_eq!(
            package_group("us-east-1", "111122223333", "acme", "/npm/acme/*"),
            "arn:aws:codeartifact:us-east-1:111122223333:package-group/acme/%2Fnpm%2Facme%2F%2A"
        );
        assert_eq!(
            split("arn:aws:codeartifact:eu-west-1:123456789012:domain/d"),
            Some(("eu-west-1", "123456789012", "domain/d"))
        );
        assert_eq!(split("arn:aws:s3:::bucket"), None);
    }
}
