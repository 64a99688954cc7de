//! STS and several accounts: aws-config's AssumeRole provider against the emulator's STS, the
//! key → account mapping, and cross-account reads decided by domain policies.

use aws_config::sts::AssumeRoleProvider;
use aws_sdk_codeartifact::config::{BehaviorVersion, Credentials, ProvideCredentials, Region};
use aws_sdk_codeartifact::Client;
use caguard::inventory::Inventory;
use codeartifact_emulator::{Emulator, EmulatorHandle, Options};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

const A: &str = "111122223333";
const B: &str = "444455556666";
const DENIED: &str = "777788889999";
const READER: &str = "arn:aws:iam::444455556666:role/reader";

fn parse(value: serde_json::Value) -> Inventory {
    Inventory::parse(&value.to_string(), Path::new("accounts-world")).expect("valid inventory")
}

/// Account A: `acme`, whose policy lets B's `reader` role describe and list, and `private`,
/// without a policy.
fn account_a() -> Inventory {
    let policy = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "ReaderFromB", "Effect": "Allow", "Principal": {"AWS": READER},
        "Action": ["codeartifact:Describe*", "codeartifact:List*"], "Resource": "*"}]});
    parse(json!({
        "inventoryVersion": 1, "region": "us-east-1",
        "domains": [
            {"domain": {"name": "acme", "owner": A, "status": "Active", "createdTime": 1700000000},
             "policy": {"revision": "p1", "document": policy.to_string()},
             "repositories": [{"repository": {"name": "app"}}]},
            {"domain": {"name": "private", "owner": A, "status": "Active", "createdTime": 1700000000},
             "repositories": []}
        ]
    }))
}

/// Account B: `bravo` with one repository.
fn account_b() -> Inventory {
    parse(json!({
        "inventoryVersion": 1, "region": "us-east-1",
        "domains": [{"domain": {"name": "bravo", "owner": B, "status": "Active", "createdTime": 1710000000},
                     "repositories": [{"repository": {"name": "tools"}}]}]
    }))
}

async fn start() -> EmulatorHandle {
    let options = Options {
        deny_assume: vec![DENIED.to_string()],
        access_keys: BTreeMap::from([("AKIDBLONGTERM".to_string(), B.to_string())]),
        ..Options::default()
    };
    Emulator::start_accounts(vec![account_a(), account_b()], options)
        .await
        .expect("emulator starts")
}

/// The SDK's shared config pointed at the emulator, signing with a long-term key.
async fn base_config(emulator: &EmulatorHandle, key: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(emulator.endpoint_url())
        .credentials_provider(Credentials::new(key, "secret", None, None, "test"))
        .load()
        .await
}

async fn assume(emulator: &EmulatorHandle, role: &str) -> AssumeRoleProvider {
    AssumeRoleProvider::builder(role)
        .session_name("e3-test")
        .configure(&base_config(emulator, "AKIDTEST").await)
        .build()
        .await
}

/// A client of both services whose credentials come from `provider`.
async fn clients(
    emulator: &EmulatorHandle,
    provider: AssumeRoleProvider,
) -> (Client, aws_sdk_sts::Client) {
    let config = base_config(emulator, "AKIDTEST")
        .await
        .into_builder()
        .credentials_provider(
            aws_sdk_codeartifact::config::SharedCredentialsProvider::new(provider),
        )
        .build();
    (Client::new(&config), aws_sdk_sts::Client::new(&config))
}

async fn domain_names(client: &Client) -> Vec<String> {
    let output = client.list_domains().send().await.expect("ListDomains");
    output
        .domains()
        .iter()
        .filter_map(|domain| domain.name().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn assumed_role_reads_the_second_accounts_domain() {
    let emulator = start().await;
    let base = base_config(&emulator, "AKIDTEST").await;

    // A key nobody registered belongs to the first inventory's account.
    let identity = aws_sdk_sts::Client::new(&base)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(identity.account(), Some(A));
    assert_eq!(
        identity.arn(),
        Some("arn:aws:iam::111122223333:user/emulator")
    );
    assert_eq!(domain_names(&Client::new(&base)).await, ["acme", "private"]);

    let (codeartifact, sts) = clients(&emulator, assume(&emulator, READER).await).await;
    let identity = sts.get_caller_identity().send().await.expect("as reader");
    assert_eq!(identity.account(), Some(B));
    assert_eq!(
        identity.arn(),
        Some("arn:aws:sts::444455556666:assumed-role/reader/e3-test")
    );
    assert!(identity
        .user_id()
        .is_some_and(|id| id.starts_with("AROA") && id.ends_with(":e3-test")));
    assert_eq!(domain_names(&codeartifact).await, ["bravo"]);
    let domain = codeartifact
        .describe_domain()
        .domain("bravo")
        .send()
        .await
        .expect("DescribeDomain in the assumed account");
    let domain = domain.domain().expect("domain");
    assert_eq!(domain.owner(), Some(B));
    assert_eq!(
        domain.arn(),
        Some("arn:aws:codeartifact:us-east-1:444455556666:domain/bravo")
    );
    let repositories = codeartifact
        .list_repositories_in_domain()
        .domain("bravo")
        .send()
        .await
        .expect("ListRepositoriesInDomain");
    assert_eq!(repositories.repositories().len(), 1);
    assert_eq!(
        emulator.count("sts:AssumeRole"),
        1,
        "{:?}",
        emulator.stats()
    );

    // A registered long-term key belongs to its account.
    let registered = base_config(&emulator, "AKIDBLONGTERM").await;
    assert_eq!(domain_names(&Client::new(&registered)).await, ["bravo"]);
    assert_eq!(emulator.accounts(), [A, B]);
}

#[tokio::test]
async fn denied_assumption_arrives_as_access_denied() {
    let emulator = start().await;
    let base = base_config(&emulator, "AKIDTEST").await;
    let role = format!("arn:aws:iam::{DENIED}:role/reader");
    let error = aws_sdk_sts::Client::new(&base)
        .assume_role()
        .role_arn(&role)
        .role_session_name("refused")
        .send()
        .await
        .expect_err("AssumeRole into a --deny-assume account");
    use aws_sdk_sts::error::ProvideErrorMetadata;
    assert_eq!(error.code(), Some("AccessDenied"), "{error:?}");
    assert!(error
        .message()
        .is_some_and(|message| message.contains("sts:AssumeRole") && message.contains(&role)));
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(403));

    // Through the provider the refusal is a credentials error carrying the STS code.
    let provider = assume(&emulator, &role).await;
    let failure = provider
        .provide_credentials()
        .await
        .expect_err("provider fails");
    let mut chain = format!("{failure:?}");
    let mut source = std::error::Error::source(&failure);
    while let Some(inner) = source {
        chain.push_str(&format!(" / {inner:?}"));
        source = inner.source();
    }
    assert!(chain.contains("AccessDenied"), "{chain}");
    let (codeartifact, _) = clients(&emulator, provider).await;
    assert!(codeartifact.list_domains().send().await.is_err());
    assert_eq!(
        emulator.count("ListDomains"),
        0,
        "no credentials, no request"
    );
}

/// Asserts an AccessDeniedException and returns its message.
fn denied(error: impl Into<aws_sdk_codeartifact::Error>) -> String {
    use aws_sdk_codeartifact::error::ProvideErrorMetadata;
    let error: aws_sdk_codeartifact::Error = error.into();
    assert!(
        matches!(error, aws_sdk_codeartifact::Error::AccessDeniedException(_)),
        "{error:?}"
    );
    error.message().unwrap_or_default().to_string()
}

#[tokio::test]
async fn cross_account_reads_follow_the_domain_policy() {
    let emulator = start().await;
    let (reader, _) = clients(&emulator, assume(&emulator, READER).await).await;

    // Granted: Describe* and List* on acme.
    let domain = reader
        .describe_domain()
        .domain("acme")
        .domain_owner(A)
        .send()
        .await
        .expect("granted by acme's policy");
    assert_eq!(domain.domain().and_then(|d| d.owner()), Some(A));
    let repositories = reader
        .list_repositories_in_domain()
        .domain("acme")
        .domain_owner(A)
        .send()
        .await
        .expect("List* is granted too");
    assert_eq!(repositories.repositories().len(), 1);

    // Not granted: an action outside the statement, a domain without a policy, a domain that
    // does not exist (AccessDenied, not NotFound: nothing is revealed).
    let message = denied(
        reader
            .get_domain_permissions_policy()
            .domain("acme")
            .domain_owner(A)
            .send()
            .await
            .expect_err("GetDomainPermissionsPolicy is not granted"),
    );
    assert_eq!(
        message,
        "User: arn:aws:sts::444455556666:assumed-role/reader/e3-test is not authorized to perform: codeartifact:GetDomainPermissionsPolicy on resource: arn:aws:codeartifact:us-east-1:111122223333:domain/acme because no resource-based policy allows the codeartifact:GetDomainPermissionsPolicy action"
    );
    for domain in ["private", "nonexistent"] {
        denied(
            reader
                .describe_domain()
                .domain(domain)
                .domain_owner(A)
                .send()
                .await
                .expect_err("no policy grants it"),
        );
    }
    // The policy names the role, not the account: B's long-term key is refused.
    let user = Client::new(&base_config(&emulator, "AKIDBLONGTERM").await);
    denied(
        user.describe_domain()
            .domain("acme")
            .domain_owner(A)
            .send()
            .await
            .expect_err("policy grants the role only"),
    );
    // Without domainOwner the caller's own account is meant, which has no acme.
    let error = reader
        .describe_domain()
        .domain("acme")
        .send()
        .await
        .expect_err("acme is not B's");
    assert!(error
        .as_service_error()
        .is_some_and(|e| e.is_resource_not_found_exception()));
    // The owner's own key still reads everything.
    let owner = Client::new(&base_config(&emulator, "AKIDTEST").await);
    owner
        .get_domain_permissions_policy()
        .domain("acme")
        .domain_owner(A)
        .send()
        .await
        .expect("the owner reads its own policy");
}

#[tokio::test]
async fn one_inventory_is_still_one_world() {
    // Emulator::start keeps serving every domain to every caller, assumed roles included.
    let mut world = account_a();
    world.domains.extend(account_b().domains);
    let emulator = Emulator::start(world.clone(), Options::default())
        .await
        .expect("emulator starts");
    let (codeartifact, sts) = clients(&emulator, assume(&emulator, READER).await).await;
    assert_eq!(
        domain_names(&codeartifact).await,
        ["acme", "private", "bravo"]
    );
    let identity = sts.get_caller_identity().send().await.expect("identity");
    assert_eq!(identity.account(), Some(B));
    assert_eq!(emulator.inventory(), world);
}

const BINARY: &str = env!("CARGO_BIN_EXE_codeartifact-emulator");

/// One HTTP/1.1 exchange: (status, body).
fn exchange(address: &str, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

fn authorization(key: &str, service: &str) -> String {
    format!("Authorization: AWS4-HMAC-SHA256 Credential={key}/20250101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00\r\n")
}

fn sts_form(address: &str, key: Option<&str>, form: &str) -> (u16, String) {
    let auth = key.map(|key| authorization(key, "sts")).unwrap_or_default();
    exchange(
        address,
        &format!(
            "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        ),
    )
}

fn xml_value<'a>(body: &'a str, element: &str) -> Option<&'a str> {
    let open = format!("<{element}>");
    let start = body.find(&open)? + open.len();
    let end = body.get(start..)?.find('<')? + start;
    body.get(start..end)
}

#[test]
fn binary_serves_several_inventories_and_refuses_clashes() {
    let directory =
        std::env::temp_dir().join(format!("caguard-emulator-accounts-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let first = directory.join("a.json");
    let second = directory.join("b.json");
    std::fs::write(&first, account_a().to_json()).unwrap();
    std::fs::write(&second, account_b().to_json()).unwrap();

    let help = Command::new(BINARY).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--deny-assume") && help.contains("--access-key"),
        "{help}"
    );

    // The same file twice puts `acme` into account A twice.
    let clash = Command::new(BINARY)
        .arg("--inventory")
        .arg(&first)
        .arg("--inventory")
        .arg(&first)
        .output()
        .unwrap();
    assert_eq!(clash.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&clash.stderr);
    assert!(
        stderr.contains("a.json") && stderr.contains("`acme`") && stderr.lines().count() == 1,
        "{stderr}"
    );

    let mut child = Command::new(BINARY)
        .arg("--inventory")
        .arg(&first)
        .arg("--inventory")
        .arg(&second)
        .args(["--port", "0", "--deny-assume", DENIED])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .trim_start_matches("http://")
        .to_string();

    let assume = |account: &str| {
        format!("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A{account}%3Arole%2Fscanner&RoleSessionName=cli")
    };
    let (status, body) = sts_form(&address, Some("AKIDTEST"), &assume(DENIED));
    assert_eq!(status, 403, "{body}");
    assert_eq!(xml_value(&body, "Code"), Some("AccessDenied"), "{body}");
    assert_eq!(xml_value(&body, "Type"), Some("Sender"), "{body}");
    let (status, body) = sts_form(
        &address,
        None,
        "Action=GetCallerIdentity&Version=2011-06-15",
    );
    assert_eq!(status, 403, "{body}");
    assert_eq!(xml_value(&body, "Code"), Some("MissingAuthenticationToken"));
    let (status, body) = sts_form(
        &address,
        Some("AKIDTEST"),
        "Action=GetSessionToken&Version=2011-06-15",
    );
    assert_eq!(
        (status, xml_value(&body, "Code")),
        (400, Some("InvalidAction")),
        "{body}"
    );

    let (status, body) = sts_form(&address, Some("AKIDTEST"), &assume(B));
    assert_eq!(status, 200, "{body}");
    let key = xml_value(&body, "AccessKeyId")
        .unwrap_or_default()
        .to_string();
    assert!(key.starts_with("ASIA"), "{body}");
    let list = |key: &str| {
        exchange(
            &address,
            &format!(
                "POST /v1/domains HTTP/1.1\r\nHost: {address}\r\n{}Content-Length: 0\r\nConnection: close\r\n\r\n",
                authorization(key, "codeartifact")
            ),
        )
    };
    let (status, body) = list(&key);
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"bravo\"") && !body.contains("\"acme\""),
        "{body}"
    );
    let (_, body) = list("AKIDTEST");
    assert!(
        body.contains("\"acme\"") && !body.contains("\"bravo\""),
        "{body}"
    );
    let (status, body) = exchange(
        &address,
        &format!("GET /__emulator/inventory?account={B} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 200);
    assert_eq!(
        Inventory::parse(&body, Path::new("served")).unwrap(),
        account_b()
    );

    let _ = child.kill();
    let _ = child.wait();
    std::fs::remove_dir_all(&directory).unwrap();
}
