//! The Lambda handler on recorded events, without the Lambda runtime and without AWS: the
//! emulator (127.0.0.1) emits the events and serves the reads, a stub on 127.0.0.1 stands in
//! for SNS.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sns::config::{Credentials, SharedCredentialsProvider};
use caguard::collect::targeted::PendingPolicy;
use caguard::inventory::Inventory;
use caguard_lambda::{invoke, Settings, State};
use codeartifact_emulator::events::IngestRequest;
use codeartifact_emulator::{Emulator, EmulatorHandle, Options as EmulatorOptions};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn world() -> Inventory {
    Inventory::load(&root().join("tests/data/events/world.json")).expect("world")
}

/// A stand-in for SNS: answers every request with a Publish response and keeps the bodies.
async fn sns_stub() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                let body = loop {
                    let Ok(n) = stream.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buffer).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|line| {
                                let (name, value) = line.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buffer.len() >= end + 4 + length {
                            break String::from_utf8_lossy(&buffer[end + 4..end + 4 + length])
                                .to_string();
                        }
                    }
                };
                kept.lock().expect("lock").push(body);
                let xml = "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>00000000-0000-4000-8000-000000000001</MessageId></PublishResult><ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></PublishResponse>";
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                    xml.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, bodies)
}

fn sdk(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDTESTTESTTEST",
            "test-secret",
            None,
            None,
            "test",
        )))
        .build()
}

struct World {
    emulator: EmulatorHandle,
    published: Arc<Mutex<Vec<String>>>,
    state: State,
    events: Vec<Value>,
}

async fn setup(name: &str) -> World {
    let emulator = Emulator::start(world(), EmulatorOptions::default())
        .await
        .expect("emulator");
    let (sns_url, published) = sns_stub().await;
    let dir = std::env::temp_dir().join(format!("caguard-lambda-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut context = world();
    context.collected_at = Some(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs_f64(),
    );
    let context_path = dir.join("context.json");
    std::fs::write(&context_path, context.to_json()).expect("context");
    let settings = Settings {
        config: Some(root().join("tests/data/events/caguard.toml")),
        context: Some(context_path),
        context_max_age: Duration::from_secs(3600),
        pending: PendingPolicy {
            bound: Duration::from_millis(300),
            first_wait: Duration::from_millis(20),
            max_wait: Duration::from_millis(100),
        },
        sns_topic_arn: Some("arn:aws:sns:us-east-1:111122223333:caguard-findings".into()),
        sns_endpoint_url: Some(sns_url),
        options: caguard::collect::Options {
            initial_backoff: Duration::from_millis(10),
            ..caguard::collect::Options::default()
        },
        ..Settings::default()
    };
    let state = State::with_sdk(settings, &sdk(&emulator.endpoint_url()))
        .await
        .expect("state");
    let events = emulator
        .ingest(&IngestRequest {
            domain: Some("acme".into()),
            repository: "app".into(),
            format: "npm".into(),
            namespace: Some("acme".into()),
            package: "ui-button".into(),
            version: "99.0.0".into(),
        })
        .expect("ingested");
    World {
        emulator,
        published,
        state,
        events,
    }
}

fn app_event(events: &[Value]) -> Value {
    events
        .iter()
        .find(|e| e["detail"]["repositoryName"] == "app")
        .expect("app event")
        .clone()
}

/// An event for a version nobody ingested: never listed.
fn unlisted(events: &[Value]) -> Value {
    let mut event = app_event(events);
    event["detail"]["packageNamespace"] = Value::Null;
    event["detail"]["packageName"] = json!("left-pad");
    event["detail"]["packageVersion"] = json!("100.0.0");
    event["detail"]["eventDeduplicationId"] = json!("unlisted-1");
    event
}

fn lines_of(lines: &[String], kind: &str) -> Vec<Value> {
    lines
        .iter()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON line"))
        .filter(|line| line["type"] == kind)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eventbridge_event_logs_findings_and_publishes_each_new_one_once() {
    let mut world = setup("direct").await;
    let event = app_event(&world.events);
    let first = invoke(&mut world.state, event.clone())
        .await
        .expect("handled");
    assert_eq!(first.failure, None, "{:?}", first.lines);
    let findings = lines_of(&first.lines, "finding");
    let rules: Vec<&str> = findings
        .iter()
        .filter_map(|f| f["ruleId"].as_str())
        .collect();
    for rule in [
        "internal-namespace-ingested",
        "mixed-origin-package",
        "external-version-outranks-internal",
    ] {
        assert!(rules.contains(&rule), "{rule}: {rules:?}");
    }
    let packages = lines_of(&first.lines, "package");
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0]["status"], "complete");
    // Every new finding went to the topic, as a Publish request naming it.
    assert_eq!(first.published.len(), findings.len());
    let bodies = world.published.lock().expect("lock").clone();
    assert_eq!(bodies.len(), findings.len());
    assert!(bodies.iter().all(|b| b.contains("Action=Publish")
        && b.contains("TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A111122223333%3Acaguard-findings")));
    assert!(bodies
        .iter()
        .any(|b| b.contains("internal-namespace-ingested")));

    // Redelivered: judged again, logged again, not published again.
    let again = invoke(&mut world.state, event).await.expect("handled");
    assert_eq!(lines_of(&again.lines, "finding").len(), findings.len());
    assert!(again.published.is_empty());
    assert_eq!(world.published.lock().expect("lock").len(), findings.len());

    // Invoked directly, an unjudgeable event is the invocation's error (Lambda retries it).
    let pending = invoke(&mut world.state, unlisted(&world.events))
        .await
        .expect("handled");
    let failure = pending.failure.expect("pending fails the invocation");
    assert!(failure.contains("pending"), "{failure}");
    drop(world.emulator);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_batch_reports_partial_failures_per_record() {
    let mut world = setup("sqs").await;
    let good = app_event(&world.events);
    let batch = json!({"Records": [
        {"messageId": "m-good", "body": good.to_string(), "eventSource": "aws:sqs"},
        {"messageId": "m-duplicate", "body": good.to_string(), "eventSource": "aws:sqs"},
        {"messageId": "m-garbled", "body": "{not json", "eventSource": "aws:sqs"},
        {"messageId": "m-other", "body": json!({"source": "aws.s3", "detail-type": "x", "detail": {}}).to_string()},
        {"messageId": "m-pending", "body": unlisted(&world.events).to_string(), "eventSource": "aws:sqs"},
    ]});
    let invocation = invoke(&mut world.state, batch).await.expect("handled");
    // The batch itself succeeds; the records that could not be judged go back to the queue.
    assert_eq!(invocation.failure, None);
    assert_eq!(
        invocation.response,
        json!({"batchItemFailures": [
            {"itemIdentifier": "m-garbled"},
            {"itemIdentifier": "m-other"},
            {"itemIdentifier": "m-pending"},
        ]})
    );
    let rejected = lines_of(&invocation.lines, "rejected");
    assert_eq!(rejected.len(), 2);
    let packages = lines_of(&invocation.lines, "package");
    let statuses: Vec<(&str, &str)> = packages
        .iter()
        .map(|p| {
            (
                p["package"].as_str().unwrap_or(""),
                p["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![("left-pad", "pending"), ("acme/ui-button", "complete")]
    );
    assert!(!invocation.published.is_empty());
    drop(world.emulator);
}
