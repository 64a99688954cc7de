//! caguard as an AWS Lambda function: each CodeArtifact `Package Version State Change` event
//! re-checks the package it names (`caguard::events`), in seconds.
//!
//! The function takes the EventBridge event directly (a rule targeting the function), or SQS
//! batches (a rule targeting a queue the function reads). For SQS it answers with
//! `batchItemFailures`: the records whose package could not be judged yet (a version not
//! listed yet, a failed read) or that are not CodeArtifact events go back to the queue, the
//! others are done. Invoked directly, such a failure is the invocation's error, so Lambda's
//! asynchronous retries apply.
//!
//! Every finding is logged to stdout as one JSON line (CloudWatch Logs), and, with
//! `CAGUARD_SNS_TOPIC_ARN` set, each new finding (not suppressed, not in a baseline, not yet
//! published by this execution environment) is published to the topic as JSON.
//!
//! Environment:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `CAGUARD_CONFIG` | caguard.toml (internal patterns, suppressions) | none |
//! | `CAGUARD_RULES` | extra rule directory | none |
//! | `CAGUARD_CONTEXT` | inventory of the last full scan (topology cache) | read live |
//! | `CAGUARD_CONTEXT_MAX_AGE` | seconds before the topology is re-read | 3600 |
//! | `CAGUARD_PENDING_AFTER` | seconds to wait for an unlisted version | 300 |
//! | `CAGUARD_SNS_TOPIC_ARN` | topic for new findings | none |

use caguard::collect::targeted::{PendingPolicy, Session};
use caguard::collect::{load_sdk_config, Options, Source};
use caguard::config::Date;
use caguard::events::handler::{Handler, HandlerOptions, TargetOutcome};
use caguard::finding::{BaselineState, Finding};
use caguard::inventory::Inventory;
use lambda_runtime::Error;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

/// What the function is configured with.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub config: Option<PathBuf>,
    pub rule_dirs: Vec<PathBuf>,
    pub context: Option<PathBuf>,
    pub context_max_age: Duration,
    pub pending: PendingPolicy,
    pub sns_topic_arn: Option<String>,
    /// CodeArtifact endpoint override (tests: the emulator); else `AWS_ENDPOINT_URL*`.
    pub endpoint_url: Option<String>,
    /// SNS endpoint override (tests: a stub); else `AWS_ENDPOINT_URL_SNS`.
    pub sns_endpoint_url: Option<String>,
    pub region: Option<String>,
    /// Collection options (retries, rate); the defaults suit a function.
    pub options: Options,
}

fn seconds(name: &str, default: f64) -> Result<Duration, Error> {
    match std::env::var(name) {
        Ok(text) => match text.trim().parse::<f64>() {
            Ok(value) if value.is_finite() && value >= 0.0 => Ok(Duration::from_secs_f64(value)),
            _ => Err(format!("{name}: `{text}` is not a number of seconds").into()),
        },
        Err(_) => Ok(Duration::from_secs_f64(default)),
    }
}

impl Settings {
    pub fn from_env() -> Result<Settings, Error> {
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Ok(Settings {
            config: path("CAGUARD_CONFIG"),
            rule_dirs: path("CAGUARD_RULES").into_iter().collect(),
            context: path("CAGUARD_CONTEXT"),
            context_max_age: seconds("CAGUARD_CONTEXT_MAX_AGE", 3600.0)?,
            pending: PendingPolicy {
                bound: seconds("CAGUARD_PENDING_AFTER", 300.0)?,
                ..PendingPolicy::default()
            },
            sns_topic_arn: std::env::var("CAGUARD_SNS_TOPIC_ARN")
                .ok()
                .filter(|v| !v.is_empty()),
            ..Settings::default()
        })
    }
}

/// What lives between invocations.
pub struct State {
    handler: Handler,
    sns: Option<(aws_sdk_sns::Client, String)>,
    /// Fingerprints already published, so a redelivered event does not notify twice.
    published: BTreeSet<String>,
}

impl State {
    pub async fn start(settings: Settings) -> Result<State, Error> {
        let source = Source {
            profile: None,
            region: settings.region.clone(),
            endpoint_url: settings.endpoint_url.clone(),
            role: None,
        };
        let sdk = load_sdk_config(&source).await;
        State::with_sdk(settings, &sdk).await
    }

    /// As [`State::start`], with the SDK configuration given (tests: static credentials).
    pub async fn with_sdk(settings: Settings, sdk: &aws_config::SdkConfig) -> Result<State, Error> {
        let options = Options {
            progress: false,
            ..settings.options.clone()
        };
        let session = Session::connect(sdk, &options).await?;
        let (config, rules) =
            caguard::app::load_policy(settings.config.as_deref(), &settings.rule_dirs)?;
        let context = settings
            .context
            .as_deref()
            .map(Inventory::load)
            .transpose()?;
        let handler = Handler::new(
            session,
            config,
            rules,
            None,
            context,
            HandlerOptions {
                context_max_age: settings.context_max_age,
                pending: settings.pending,
            },
        );
        let sns = match &settings.sns_topic_arn {
            Some(topic) => {
                let mut builder = aws_sdk_sns::config::Builder::from(sdk);
                if let Some(url) = &settings.sns_endpoint_url {
                    builder = builder.endpoint_url(url);
                }
                Some((
                    aws_sdk_sns::Client::from_conf(builder.build()),
                    topic.clone(),
                ))
            }
            None => None,
        };
        Ok(State {
            handler,
            sns,
            published: BTreeSet::new(),
        })
    }
}

/// One invocation's answer and log lines.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// For SQS, `{"batchItemFailures":[…]}`; else a summary.
    pub response: Value,
    /// Messages the invocation failed, so the runtime reports an error (direct invocations).
    pub failure: Option<String>,
    /// JSON lines: one per finding, one per package, one per rejected entry.
    pub lines: Vec<String>,
    /// Findings published to SNS by this invocation (fingerprints).
    pub published: Vec<String>,
}

fn finding_line(finding: &Finding, outcome: &TargetOutcome) -> Value {
    json!({
        "type": "finding",
        "ruleId": finding.rule_id,
        "severity": finding.severity.as_str(),
        "resource": finding.resource.arn,
        "message": finding.message,
        "fingerprint": finding.fingerprint,
        "suppressed": finding.suppression.is_some(),
        "new": finding.baseline == BaselineState::New,
        "status": outcome.status(),
    })
}

/// Handles one payload; the runtime gets `response`, or an error when `failure` is set.
pub async fn handle(state: &mut State, payload: Value) -> Result<Value, Error> {
    let invocation = invoke(state, payload).await?;
    for line in &invocation.lines {
        println!("{line}");
    }
    match invocation.failure {
        Some(failure) => Err(failure.into()),
        None => Ok(invocation.response),
    }
}

/// [`handle`] without printing: what tests call.
pub async fn invoke(state: &mut State, payload: Value) -> Result<Invocation, Error> {
    let sqs = payload.get("Records").is_some();
    let batch = caguard::events::batch(caguard::events::entries(&payload));
    let outcomes = state.handler.handle(&batch, Date::today()).await?;
    let mut lines = Vec::new();
    let mut failed_messages: BTreeSet<String> = BTreeSet::new();
    let mut failures: Vec<String> = Vec::new();
    for (origin, reason) in &batch.rejected {
        lines.push(
            json!({"type": "rejected", "at": origin.at, "messageId": origin.message_id, "reason": reason})
                .to_string(),
        );
        failures.push(format!("{}: {reason}", origin.at));
        failed_messages.extend(origin.message_id.clone());
    }
    let mut published = Vec::new();
    for outcome in &outcomes {
        let mut publish_failed = false;
        for finding in &outcome.result.findings {
            lines.push(finding_line(finding, outcome).to_string());
            let new = finding.suppression.is_none() && finding.baseline == BaselineState::New;
            if !new || state.published.contains(&finding.fingerprint) {
                continue;
            }
            if let Some((client, topic)) = &state.sns {
                let subject: String = format!(
                    "caguard {} {}: {}",
                    finding.severity.as_str(),
                    finding.rule_id,
                    outcome.key.display()
                )
                .chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect();
                let message = finding_line(finding, outcome).to_string();
                match client
                    .publish()
                    .topic_arn(topic)
                    .subject(subject)
                    .message(message)
                    .send()
                    .await
                {
                    Ok(_) => {
                        state.published.insert(finding.fingerprint.clone());
                        published.push(finding.fingerprint.clone());
                    }
                    Err(error) => {
                        publish_failed = true;
                        lines.push(
                            json!({"type": "error", "operation": "sns:Publish",
                                   "message": caguard::collect::error_text(&error)})
                            .to_string(),
                        );
                    }
                }
            }
        }
        let errors: Vec<Value> = outcome
            .result
            .collection_errors
            .iter()
            .map(|e| json!({"operation": e.operation, "resource": e.resource, "code": e.code, "message": e.message}))
            .collect();
        lines.push(
            json!({
                "type": "package",
                "domain": outcome.key.domain,
                "repository": outcome.key.repository,
                "format": outcome.key.format,
                "package": outcome.key.display(),
                "status": outcome.status(),
                "findings": outcome.result.findings.len(),
                "pending": outcome.pending,
                "errors": errors,
            })
            .to_string(),
        );
        if outcome.status() != "complete" || publish_failed {
            failures.push(format!(
                "{} in {}: {}",
                outcome.key.display(),
                outcome.key.repository,
                if publish_failed {
                    "publish failed"
                } else {
                    outcome.status()
                }
            ));
            failed_messages.extend(outcome.origins.iter().filter_map(|o| o.message_id.clone()));
        }
    }
    if sqs {
        let items: Vec<Value> = failed_messages
            .iter()
            .map(|id| json!({"itemIdentifier": id}))
            .collect();
        return Ok(Invocation {
            response: json!({ "batchItemFailures": items }),
            failure: None,
            lines,
            published,
        });
    }
    let findings: usize = outcomes.iter().map(|o| o.result.findings.len()).sum();
    Ok(Invocation {
        response: json!({"packages": outcomes.len(), "findings": findings, "duplicates": batch.duplicates}),
        failure: (!failures.is_empty()).then(|| failures.join("; ")),
        lines,
        published,
    })
}
