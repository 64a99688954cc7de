//! Role assumption on top of the default credential chain, as the AWS CLI's `role_arn` and
//! Prowler's `--role` do it: the chain's credentials (environment, profile, SSO, web identity
//! such as GitHub Actions OIDC, ECS, EC2) call STS AssumeRole, and every CodeArtifact request
//! is signed with the role's temporary credentials. Limits are STS's
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>): role ARN 20 to
//! 2048 characters, session name 2 to 64 of `[\w+=,.@-]`, external id 2 to 1224 of
//! `[\w+=,.@:/-]`, duration 900 to 43200 seconds (at most 3600 when the caller's own
//! credentials come from a role, "role chaining").

use aws_config::SdkConfig;
use aws_sdk_codeartifact::config::SharedCredentialsProvider;
use std::time::Duration;

/// The role to assume and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    pub external_id: Option<String>,
    pub session_name: String,
    pub duration: Option<Duration>,
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`, within STS's length limits.
pub fn check_role_arn(text: &str) -> Result<(), String> {
    let bad = || {
        format!("`{text}` is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME, 20 to 2048 characters)")
    };
    if !(20..=2048).contains(&text.chars().count()) {
        return Err(bad());
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(bad());
    };
    let name = resource.strip_prefix("role/").unwrap_or_default();
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
    let ok = *arn == "arn"
        && partition.starts_with("aws")
        && *service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && name_ok;
    if ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// The account of a role ARN already checked by [`check_role_arn`].
pub fn role_account(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

pub fn check_session_name(text: &str) -> Result<(), String> {
    let ok = (2..=64).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{text}` is not a role session name (2 to 64 of letters, digits and _+=,.@-)"
        ))
    }
}

pub fn check_external_id(text: &str) -> Result<(), String> {
    let ok = (2..=1224).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
    if ok {
        Ok(())
    } else {
        // The id is a shared secret of sorts: do not echo it.
        Err("the external id must be 2 to 1224 of letters, digits and _+=,.@:/-".to_string())
    }
}

/// `base` with its credentials replaced by the role's. The STS client uses `base`'s region,
/// endpoint and credentials; the provider caches the role's credentials and refreshes them
/// before they expire, so a long collection outlives a one-hour session.
pub async fn assume(base: &SdkConfig, role: &Role) -> SdkConfig {
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(role.arn.clone())
        .session_name(role.session_name.clone())
        .configure(base);
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id.clone());
    }
    if let Some(duration) = role.duration {
        builder = builder.session_length(duration);
    }
    let provider = builder.build().await;
    base.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// Asks the role's provider for credentials once, so a refused assumption is one clear error
/// naming the role and STS's code, not a failure of every call.
pub async fn check(sdk: &SdkConfig, role: &Role) -> Result<(), super::CollectError> {
    use aws_sdk_codeartifact::config::ProvideCredentials as _;
    let Some(provider) = sdk.credentials_provider() else {
        return Ok(()); // check_credentials reports the missing chain
    };
    provider
        .provide_credentials()
        .await
        .map(|_| ())
        .map_err(|error| {
            let (code, message) = service_error(&super::error_text(&error));
            super::CollectError::AssumeRole {
                role: role.arn.clone(),
                code: code.unwrap_or_else(|| "CredentialsError".to_string()),
                message,
            }
        })
}

/// The code and message of an STS error inside the credential chain's text, which renders
/// the service error as `unhandled error (CODE): Error { code: …, message: "…",
/// aws_request_id: "…" }`: a structure dump, and with a request id that differs on every
/// run. Falls back to the text itself, less any request id.
pub fn service_error(text: &str) -> (Option<String>, String) {
    let code = text
        .split_once("unhandled error (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(code, _)| code.to_string())
        .filter(|code| !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric()));
    let message = text.split_once("message: \"").and_then(|(_, rest)| {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                '"' => return Some(out),
                c => out.push(c),
            }
        }
        None
    });
    let message = message.unwrap_or_else(|| match text.split_once("aws_request_id") {
        Some((before, _)) => before.trim_end_matches([' ', ',', '{']).to_string(),
        None => text.lines().next().unwrap_or_default().to_string(),
    });
    (code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sts_errors_lose_the_structure_dump_and_the_request_id() {
        let text = r#"an error occurred while loading credentials: service error: unhandled error (AccessDenied): Error { code: "AccessDenied", message: "User: x is not \"authorized\"", aws_request_id: "42" }"#;
        assert_eq!(
            service_error(text),
            (
                Some("AccessDenied".to_string()),
                r#"User: x is not "authorized""#.to_string()
            )
        );
        assert_eq!(
            service_error("dispatch failure"),
            (None, "dispatch failure".to_string())
        );
    }

    #[test]
    fn role_arns_follow_iam() {
        assert_eq!(
            check_role_arn("arn:aws:iam::111122223333:role/caguard-reader"),
            Ok(())
        );
        assert_eq!(
            check_role_arn("arn:aws-us-gov:iam::111122223333:role/path/r"),
            Ok(())
        );
        for bad in [
            "arn:aws:iam::11112222333:role/r-long-enough",
            "arn:aws:iam:us-east-1:111122223333:role/r",
            "arn:aws:sts::111122223333:role/r",
            "arn:aws:iam::111122223333:user/someone",
            "arn:aws:iam::111122223333:role/",
            "short",
        ] {
            assert!(check_role_arn(bad).is_err(), "{bad}");
        }
        assert_eq!(
            role_account("arn:aws:iam::111122223333:role/r"),
            "111122223333"
        );
    }

    #[test]
    fn the_external_id_is_not_echoed() {
        let error = check_external_id("secret value").unwrap_err();
        assert!(!error.contains("secret"), "{error}");
        assert!(check_external_id("abc-123").is_ok());
    }
}
