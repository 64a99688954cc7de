//! STS on the emulator's port: `GetCallerIdentity` and `AssumeRole` in the query protocol
//! (form-encoded `Action=…&Version=2011-06-15&…` at `/`, XML answers), and the access key →
//! account mapping every request goes through.
//!
//! Wire format as the AWS SDKs parse it
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>,
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>): a
//! `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…` document, errors as
//! `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>…`.
//!
//! Keys → accounts: a key issued by AssumeRole (`ASIA…`) belongs to the role's account; a key
//! registered in [`crate::Options::access_keys`] to its account; every other key to the default
//! account (the first inventory's). Signatures are never verified, and issued credentials stay
//! valid as long as the emulator runs.

use crate::accounts::Caller;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{HeaderMap, Response, StatusCode};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The only API version of STS.
pub const VERSION: &str = "2011-06-15";
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The SigV4 credential of a request: `AKID/DATE/REGION/SERVICE/aws4_request`, from the
/// `Authorization` header or a presigned URL's `X-Amz-Credential`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub access_key_id: String,
    pub service: String,
}

/// Why a request's credential could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialError {
    /// Neither an `Authorization` header nor a presigned query.
    Missing,
    /// There is one, but it is not `AWS4-HMAC-SHA256 Credential=…/…/…/…/aws4_request, …`.
    Malformed(String),
}

impl Credential {
    pub fn read(headers: &HeaderMap, query: Option<&str>) -> Result<Credential, CredentialError> {
        if let Some(value) = headers.get(hyper::header::AUTHORIZATION) {
            let value = value
                .to_str()
                .map_err(|_| CredentialError::Malformed("Authorization is not ASCII".into()))?;
            let rest = value.strip_prefix("AWS4-HMAC-SHA256 ").ok_or_else(|| {
                CredentialError::Malformed(
                    "Authorization header must start with AWS4-HMAC-SHA256".into(),
                )
            })?;
            let scope = rest
                .split(',')
                .map(str::trim)
                .find_map(|part| part.strip_prefix("Credential="))
                .ok_or_else(|| {
                    CredentialError::Malformed("Authorization header lacks Credential=".into())
                })?;
            return Self::from_scope(scope);
        }
        let presigned = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .find(|(key, _)| key == "X-Amz-Credential")
            .map(|(_, value)| value.into_owned());
        match presigned {
            Some(scope) => Self::from_scope(&scope),
            None => Err(CredentialError::Missing),
        }
    }

    fn from_scope(scope: &str) -> Result<Credential, CredentialError> {
        let parts: Vec<&str> = scope.split('/').collect();
        match parts.as_slice() {
            [key, _date, _region, service, "aws4_request"] if !key.is_empty() => Ok(Credential {
                access_key_id: (*key).to_string(),
                service: (*service).to_string(),
            }),
            _ => Err(CredentialError::Malformed(format!(
                "credential scope `{scope}` is not KEY/DATE/REGION/SERVICE/aws4_request"
            ))),
        }
    }
}

/// One set of temporary credentials handed out by AssumeRole.
#[derive(Debug, Clone)]
struct Session {
    account: String,
    role_arn: String,
    role_name: String,
    session_name: String,
}

/// The key → account mapping: fixed registrations plus the sessions AssumeRole issued.
#[derive(Debug)]
pub(crate) struct Identities {
    default_account: String,
    registered: BTreeMap<String, String>,
    issued: Mutex<HashMap<String, Session>>,
    counter: AtomicU64,
}

impl Identities {
    pub fn new(default_account: String, registered: BTreeMap<String, String>) -> Identities {
        Identities {
            default_account,
            registered,
            issued: Mutex::new(HashMap::new()),
            counter: AtomicU64::new(0),
        }
    }

    /// Who holds `access_key_id` (the default account for a key nobody registered).
    pub fn caller(&self, access_key_id: Option<&str>) -> Caller {
        let Some(key) = access_key_id else {
            return Caller::user(&self.default_account);
        };
        if let Some(session) = crate::lock(&self.issued).get(key) {
            return Caller {
                account: session.account.clone(),
                arn: format!(
                    "arn:aws:sts::{}:assumed-role/{}/{}",
                    session.account, session.role_name, session.session_name
                ),
                role_arn: Some(session.role_arn.clone()),
            };
        }
        Caller::user(self.registered.get(key).unwrap_or(&self.default_account))
    }

    fn issue(&self, session: Session) -> (String, u64) {
        let number = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        // `ASIA` + 16 characters, the shape of a real temporary key id.
        let key = format!("ASIAEMU{:013}", number % 10_000_000_000_000);
        crate::lock(&self.issued).insert(key.clone(), session);
        (key, number)
    }
}

/// The parameters of an STS request: query string and form body together.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(query: Option<&str>, form: Option<&[u8]>) -> Params {
        let mut values: Vec<(String, String)> =
            form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        if let Some(form) = form {
            values.extend(form_urlencoded::parse(form).into_owned());
        }
        Params(values)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

/// True when a request at `/` is meant for STS: signed for `sts`, or unsigned and naming an
/// `Action`. Other query-protocol services (EC2, IAM) also post `Action=…` to `/`, but sign
/// for themselves: they are not served, and must not get answers that look like STS's.
/// CodeArtifact has no operation at `/`, so nothing else is lost.
pub fn is_sts(params: &Params, credential: Option<&Credential>) -> bool {
    match credential {
        Some(credential) => credential.service == "sts",
        None => params.get("Action").is_some(),
    }
}

/// An STS error: HTTP status, code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl StsError {
    fn sender(status: u16, code: &'static str, message: impl Into<String>) -> StsError {
        StsError {
            status,
            code,
            message: message.into(),
        }
    }

    fn validation(message: impl Into<String>) -> StsError {
        Self::sender(400, "ValidationError", message)
    }
}

/// What an STS request gets: the counter name and the answer.
pub(crate) struct Answer {
    pub action: &'static str,
    pub result: Result<String, StsError>,
}

/// Runs one STS request. `deny_assume` lists the accounts AssumeRole refuses.
pub(crate) fn execute(
    identities: &Identities,
    deny_assume: &[String],
    params: &Params,
    credential: Result<Credential, CredentialError>,
    now: u64,
    request_id: &str,
) -> Answer {
    let action = match params.get("Action") {
        Some("AssumeRole") => "sts:AssumeRole",
        Some("GetCallerIdentity") => "sts:GetCallerIdentity",
        _ => "sts:UnknownAction",
    };
    let result = (|| {
        let credential = match credential {
            Ok(credential) => credential,
            Err(CredentialError::Missing) => {
                return Err(StsError::sender(
                    403,
                    "MissingAuthenticationToken",
                    "Request is missing Authentication Token",
                ))
            }
            Err(CredentialError::Malformed(why)) => {
                return Err(StsError::sender(400, "IncompleteSignature", why))
            }
        };
        let name = params.get("Action").ok_or_else(|| {
            StsError::sender(400, "MissingAction", "Request is missing Action parameter")
        })?;
        if let Some(version) = params.get("Version") {
            if version != VERSION {
                return Err(StsError::sender(
                    400,
                    "InvalidAction",
                    format!("Could not find operation {name} for version {version}"),
                ));
            }
        }
        let caller = identities.caller(Some(&credential.access_key_id));
        match name {
            "GetCallerIdentity" => Ok(get_caller_identity(&caller, &credential, request_id)),
            "AssumeRole" => assume_role(identities, deny_assume, &caller, params, now, request_id),
            other => Err(StsError::sender(
                400,
                "InvalidAction",
                format!("Could not find operation {other} for version {VERSION}"),
            )),
        }
    })();
    Answer { action, result }
}

fn get_caller_identity(caller: &Caller, credential: &Credential, request_id: &str) -> String {
    // UserId is the key for IAM users' `AIDA…` id, `ROLE-ID:SESSION` for assumed roles.
    let user_id = match &caller.role_arn {
        Some(role_arn) => format!(
            "{}:{}",
            role_id(role_arn),
            caller.arn.rsplit('/').next().unwrap_or_default()
        ),
        None => format!("AIDA{}", id_chars(&credential.access_key_id, 17)),
    };
    response(
        "GetCallerIdentity",
        &format!(
            "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
            escape(&caller.arn),
            escape(&user_id),
            escape(&caller.account)
        ),
        request_id,
    )
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME` → (account, name).
fn parse_role_arn(role_arn: &str) -> Option<(&str, &str)> {
    let mut parts = role_arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    (!partition.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && name_ok)
        .then_some((account, name))
}

fn assume_role(
    identities: &Identities,
    deny_assume: &[String],
    caller: &Caller,
    params: &Params,
    now: u64,
    request_id: &str,
) -> Result<String, StsError> {
    let null = |member: &str| {
        StsError::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    };
    let role_arn = params.get("RoleArn").ok_or_else(|| null("roleArn"))?;
    let session_name = params
        .get("RoleSessionName")
        .ok_or_else(|| null("roleSessionName"))?;
    // RoleArnType: 20..2048 characters; the emulator also needs it to name an IAM role.
    if !(20..=2048).contains(&role_arn.chars().count()) {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value '{role_arn}' at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048"
        )));
    }
    let (account, role_name) = parse_role_arn(role_arn).ok_or_else(|| {
        StsError::validation(format!(
            "{role_arn} is invalid: expected arn:aws:iam::ACCOUNT:role/NAME"
        ))
    })?;
    // roleSessionNameType: 2..64 characters of [\w+=,.@-].
    let session_ok = (2..=64).contains(&session_name.len())
        && session_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if !session_ok {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64"
        )));
    }
    // roleDurationSecondsType: 900..43200, default one hour.
    let duration = match params.get("DurationSeconds") {
        None => 3600,
        Some(text) => match text.parse::<u64>() {
            Ok(seconds) if (900..=43200).contains(&seconds) => seconds,
            _ => {
                return Err(StsError::validation(format!(
                    "1 validation error detected: Value '{text}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"
                )))
            }
        },
    };
    if deny_assume.iter().any(|denied| denied == account) {
        return Err(StsError::sender(
            403,
            "AccessDenied",
            format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn} (emulator --deny-assume {account})",
                caller.arn
            ),
        ));
    }
    let session = Session {
        account: account.to_string(),
        role_arn: role_arn.to_string(),
        role_name: role_name.to_string(),
        session_name: session_name.to_string(),
    };
    let (key, number) = identities.issue(session);
    let body = format!(
        "<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>emulator-secret-{number:024}</SecretAccessKey><SessionToken>emulator-session-token-{number}</SessionToken><Expiration>{}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>{}:{}</AssumedRoleId><Arn>arn:aws:sts::{account}:assumed-role/{}/{}</Arn></AssumedRoleUser><PackedPolicySize>0</PackedPolicySize>",
        rfc3339(now.saturating_add(duration)),
        role_id(role_arn),
        escape(session_name),
        escape(role_name),
        escape(session_name),
    );
    Ok(response("AssumeRole", &body, request_id))
}

fn response(action: &str, result: &str, request_id: &str) -> String {
    format!(
        "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
        escape(request_id)
    )
}

/// The XML answer with `x-amzn-requestid`, as STS sends it.
pub(crate) fn http_response(
    result: &Result<String, StsError>,
    request_id: &str,
) -> Response<Full<Bytes>> {
    let (status, body) = match result {
        Ok(body) => (200, body.clone()),
        Err(error) => (
            error.status,
            format!(
                "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
                error.code,
                escape(&error.message),
                escape(request_id)
            ),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

/// The five XML special characters; every value placed in a response goes through this.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// `AROA` + 17 characters derived from the role ARN: stable per role, like IAM's role ids.
fn role_id(role_arn: &str) -> String {
    format!("AROA{}", id_chars(role_arn, 17))
}

/// `count` characters of [A-Z0-9] derived from `seed` (FNV-1a, then a linear generator).
fn id_chars(seed: &str, count: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut state = seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let index = usize::try_from(state >> 59).unwrap_or(0) % ALPHABET.len();
            char::from(ALPHABET.get(index).copied().unwrap_or(b'A'))
        })
        .collect()
}

/// Epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`, the form the SDKs parse `Expiration` in.
fn rfc3339(epoch: u64) -> String {
    let days = i64::try_from(epoch / 86_400).unwrap_or(0);
    let seconds = epoch % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_query_services_are_not_sts() {
        let params = Params::parse(None, Some(b"Action=DescribeRegions&Version=2016-11-15"));
        let signed_for = |service: &str| Credential {
            access_key_id: "AKIDX".into(),
            service: service.into(),
        };
        assert!(!is_sts(&params, Some(&signed_for("ec2"))));
        assert!(is_sts(&params, Some(&signed_for("sts"))));
        assert!(is_sts(&params, None));
        assert!(!is_sts(&Params::parse(None, None), None));
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_735_689_599), "2024-12-31T23:59:59Z");
    }

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/path/reader"),
            Some(("123456789012", "reader"))
        );
        for bad in [
            "arn:aws:iam::12345678901:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:sts::123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a<b",
        ] {
            assert_eq!(parse_role_arn(bad), None, "{bad}");
        }
    }

    #[test]
    fn credentials_from_header_and_presigned_query() {
        let mut headers = HeaderMap::new();
        headers.insert(
            hyper::header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKIDX/20250101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0",
            ),
        );
        let credential = Credential::read(&headers, None).unwrap();
        assert_eq!(credential.access_key_id, "AKIDX");
        assert_eq!(credential.service, "sts");
        let query = "Action=GetCallerIdentity&X-Amz-Credential=ASIAQ%2F20250101%2Fus-east-1%2Fsts%2Faws4_request";
        let credential = Credential::read(&HeaderMap::new(), Some(query)).unwrap();
        assert_eq!(credential.access_key_id, "ASIAQ");
        assert_eq!(
            Credential::read(&HeaderMap::new(), None),
            Err(CredentialError::Missing)
        );
        headers.insert(
            hyper::header::AUTHORIZATION,
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKIDX/x"),
        );
        assert!(matches!(
            Credential::read(&headers, None),
            Err(CredentialError::Malformed(_))
        ));
    }

    #[test]
    fn issued_keys_map_to_the_role_account() {
        let identities = Identities::new(
            "111111111111".into(),
            BTreeMap::from([("AKIDB".to_string(), "222222222222".to_string())]),
        );
        assert_eq!(identities.caller(Some("AKIDX")).account, "111111111111");
        assert_eq!(identities.caller(Some("AKIDB")).account, "222222222222");
        let params = Params::parse(
            None,
            Some(b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A333333333333%3Arole%2Fr&RoleSessionName=s1"),
        );
        let credential = Ok(Credential {
            access_key_id: "AKIDX".into(),
            service: "sts".into(),
        });
        let answer = execute(&identities, &[], &params, credential.clone(), 0, "id");
        let body = answer.result.unwrap();
        let key = body
            .split("<AccessKeyId>")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap();
        assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
        let caller = identities.caller(Some(key));
        assert_eq!(caller.account, "333333333333");
        assert_eq!(caller.arn, "arn:aws:sts::333333333333:assumed-role/r/s1");
        assert!(body.contains("<Expiration>1970-01-01T01:00:00Z</Expiration>"));

        let denied = execute(
            &identities,
            &["333333333333".to_string()],
            &params,
            credential,
            0,
            "id",
        );
        let error = denied.result.unwrap_err();
        assert_eq!((error.status, error.code), (403, "AccessDenied"));
    }
}
