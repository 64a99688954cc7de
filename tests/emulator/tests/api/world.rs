//! Test worlds built in code, and the clients that talk to them.

use aws_sdk_codeartifact::config::retry::RetryConfig;
use aws_sdk_codeartifact::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_codeartifact::Client;
use caguard::inventory::Inventory;
use codeartifact_emulator::{Emulator, EmulatorHandle, Options};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

pub const ACCOUNT: &str = "111122223333";

fn parse(value: serde_json::Value) -> Inventory {
    Inventory::parse(&value.to_string(), Path::new("test-world"))
        .expect("test world is a valid inventory")
}

/// One domain, one repository holding `count` unscoped npm packages `pkg-00000`...
pub fn many_packages(count: usize) -> Inventory {
    let packages: Vec<_> = (0..count)
        .map(|n| {
            json!({
                "package": {"format": "npm", "package": format!("pkg-{n:05}"),
                            "originConfiguration": {"restrictions": {"publish": "ALLOW", "upstream": "BLOCK"}}},
                "versions": [{"version": "1.0.0", "status": "Published", "origin": {"originType": "INTERNAL"}}]
            })
        })
        .collect();
    parse(json!({
        "inventoryVersion": 1,
        "region": "us-east-1",
        "domains": [{
            "domain": {"name": "big", "owner": ACCOUNT, "status": "Active", "createdTime": 1700000000},
            "repositories": [{"repository": {"name": "huge"}, "packages": packages}]
        }]
    }))
}

fn restriction(mode: &str) -> serde_json::Value {
    json!({ "mode": mode })
}

/// A small world with every kind of object: two domains (`acme` with explicit groups and
/// policies, `beta` with neither), upstreams, an external connection, scoped and unscoped
/// packages of several formats, versions of every origin type.
pub fn acme() -> Inventory {
    let arn = |resource: &str| format!("arn:aws:codeartifact:us-east-1:{ACCOUNT}:{resource}");
    let version = |v: &str, status: &str, origin: &str, entry: serde_json::Value| {
        json!({"version": v, "revision": format!("rev-{v}"), "status": status,
               "origin": {"originType": origin, "domainEntryPoint": entry}})
    };
    let internal = json!({"repositoryName": "app"});
    let external = json!({"externalConnectionName": "public:npmjs"});
    parse(json!({
        "inventoryVersion": 1,
        "collectedAt": 1763700000,
        "region": "us-east-1",
        "domains": [
            {
                "domain": {"name": "acme", "owner": ACCOUNT, "arn": arn("domain/acme"), "status": "Active",
                           "createdTime": 1700000000.5, "encryptionKey": arn("key/x"), "repositoryCount": 3,
                           "assetSizeBytes": 1234, "s3BucketArn": "arn:aws:s3:::assets"},
                "policy": {"resourceArn": arn("domain/acme"), "revision": "d1", "document": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"},
                "packageGroups": [
                    {"pattern": "/*", "arn": arn("package-group/acme/%2F%2A"),
                     "originConfiguration": {"restrictions": {"PUBLISH": restriction("ALLOW"),
                         "EXTERNAL_UPSTREAM": restriction("ALLOW"), "INTERNAL_UPSTREAM": restriction("ALLOW")}}},
                    {"pattern": "/npm/*", "description": "all npm", "contactInfo": "sec@acme.example",
                     "originConfiguration": {"restrictions": {"PUBLISH": restriction("BLOCK"),
                         "EXTERNAL_UPSTREAM": restriction("ALLOW_SPECIFIC_REPOSITORIES"), "INTERNAL_UPSTREAM": restriction("INHERIT")}},
                     "allowedRepositories": {"EXTERNAL_UPSTREAM": ["npm-store"]}},
                    {"pattern": "/npm/acme/*",
                     "originConfiguration": {"restrictions": {"PUBLISH": restriction("ALLOW"),
                         "EXTERNAL_UPSTREAM": restriction("BLOCK"), "INTERNAL_UPSTREAM": restriction("INHERIT")}}},
                    {"pattern": "/pypi//acme-lib$",
                     "originConfiguration": {"restrictions": {"PUBLISH": restriction("INHERIT"),
                         "EXTERNAL_UPSTREAM": restriction("BLOCK"), "INTERNAL_UPSTREAM": restriction("INHERIT")}}}
                ],
                "repositories": [
                    {
                        "repository": {"name": "app", "administratorAccount": ACCOUNT, "domainName": "acme",
                                       "domainOwner": ACCOUNT, "arn": arn("repository/acme/app"), "description": "consumer",
                                       "upstreams": [{"repositoryName": "internal"}, {"repositoryName": "npm-store"}],
                                       "externalConnections": [], "createdTime": 1700000100},
                        "policy": {"resourceArn": arn("repository/acme/app"), "revision": "r1", "document": "{}"},
                        "packages": [
                            {"package": {"format": "npm", "namespace": "acme", "package": "ui",
                                         "originConfiguration": {"restrictions": {"publish": "ALLOW", "upstream": "ALLOW"}}},
                             "versions": [version("0.9.0", "Unlisted", "INTERNAL", internal.clone()),
                                          version("1.0.0", "Published", "INTERNAL", internal.clone()),
                                          version("1.1.0", "Published", "EXTERNAL", external.clone()),
                                          version("1.2.0-rc", "Archived", "UNKNOWN", json!({}))]},
                            {"package": {"format": "npm", "package": "left-pad",
                                         "originConfiguration": {"restrictions": {"publish": "BLOCK", "upstream": "ALLOW"}}},
                             "versions": [version("1.3.0", "Published", "EXTERNAL", external.clone())]},
                            {"package": {"format": "npm", "namespace": "acmecorp", "package": "tools",
                                         "originConfiguration": {"restrictions": {"publish": "ALLOW", "upstream": "BLOCK"}}},
                             "versions": []},
                            {"package": {"format": "pypi", "package": "acme-lib",
                                         "originConfiguration": {"restrictions": {"publish": "ALLOW", "upstream": "BLOCK"}}},
                             "versions": [version("2.0.0", "Published", "INTERNAL", internal.clone())]},
                            {"package": {"format": "nuget", "package": "newtonsoft.json",
                                         "originConfiguration": {"restrictions": {"publish": "BLOCK", "upstream": "ALLOW"}}},
                             "versions": [version("13.0.1", "Published", "EXTERNAL", json!({"externalConnectionName": "public:nuget-org"}))]},
                            {"package": {"format": "maven", "namespace": "com.acme", "package": "core"},
                             "versions": [version("1.0", "Published", "INTERNAL", internal.clone())]}
                        ]
                    },
                    {"repository": {"name": "internal", "administratorAccount": "444455556666", "upstreams": []}, "policy": null},
                    {"repository": {"name": "npm-store",
                                    "externalConnections": [{"externalConnectionName": "public:npmjs", "packageFormat": "npm", "status": "Available"}]},
                     "packages": [{"package": {"format": "npm", "package": "left-pad",
                                               "originConfiguration": {"restrictions": {"publish": "BLOCK", "upstream": "ALLOW"}}},
                                   "versions": [version("1.3.0", "Published", "EXTERNAL", external)]}]}
                ]
            },
            {
                "domain": {"name": "beta", "owner": "999988887777", "status": "Active", "createdTime": 1710000000},
                "repositories": [{"repository": {"name": "solo"}}]
            }
        ],
        "errors": []
    }))
}

pub async fn start(inventory: Inventory, options: Options) -> EmulatorHandle {
    Emulator::start(inventory, options)
        .await
        .expect("emulator starts")
}

fn config(handle: &EmulatorHandle) -> aws_sdk_codeartifact::config::Builder {
    aws_sdk_codeartifact::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(handle.endpoint_url())
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
}

/// The SDK as caguard uses it: standard retries, but with short backoffs so faults stay fast.
pub fn client(handle: &EmulatorHandle) -> Client {
    let retry = RetryConfig::standard()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5));
    Client::from_conf(config(handle).retry_config(retry).build())
}

/// Without retries, so an injected fault reaches the test as a typed error.
pub fn client_no_retry(handle: &EmulatorHandle) -> Client {
    Client::from_conf(config(handle).retry_config(RetryConfig::disabled()).build())
}

/// A plain HTTP/1.1 exchange over a TCP socket: (status, lowercase headers, body).
pub async fn raw(
    handle: &EmulatorHandle,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(handle.addr())
        .await
        .expect("connect");
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        handle.addr(),
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("receive");
    let text = String::from_utf8(response).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header/body separator");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// A header value from [`raw`]'s result.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// An `Authorization` header shaped like SigV4 (the emulator does not verify signatures).
pub const SIGNED: (&str, &str) = (
    "authorization",
    "AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/us-east-1/codeartifact/aws4_request, SignedHeaders=host, Signature=00",
);
