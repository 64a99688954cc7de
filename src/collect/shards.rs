//! Organisation scale on one machine: one shard per (account, region[, domain]), each collected
//! with the credentials of a role assumed in its account and with its own pacing.
//!
//! CodeArtifact's quotas are per account and region
//! (<https://docs.aws.amazon.com/codeartifact/latest/ug/service-limits.html>), so every shard
//! gets its own [`Gate`](super::Gate) (its own `--concurrency` and `--max-rps`): eight accounts
//! collect in about the time of one. A shard whose role cannot be assumed, or whose calls are
//! refused, is recorded as that shard's collection error and the others complete.

use super::assume::Role;
use super::{CollectError, Options, Source, Summary};
use crate::inventory::{CollectionError, Inventory, Shard};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The unit of work of an organisation scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ShardSpec {
    pub account: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

impl ShardSpec {
    /// The ARN a failure of the whole shard is recorded against: it names the shard's account
    /// and region, so reports and SARIF runs put the failure in the shard's scope.
    pub fn resource(&self) -> String {
        crate::arn::domain(
            &self.region,
            &self.account,
            self.domain.as_deref().unwrap_or("*"),
        )
    }
}

/// Every (account, region, domain) combination, sorted and without repeats. No domains means
/// one shard per (account, region) reading every domain.
pub fn expand(accounts: &[String], regions: &[String], domains: &[String]) -> Vec<ShardSpec> {
    let domains: Vec<Option<String>> = if domains.is_empty() {
        vec![None]
    } else {
        domains.iter().cloned().map(Some).collect()
    };
    let mut shards = BTreeSet::new();
    for account in accounts {
        for region in regions {
            for domain in &domains {
                shards.insert(ShardSpec {
                    account: account.clone(),
                    region: region.clone(),
                    domain: domain.clone(),
                });
            }
        }
    }
    shards.into_iter().collect()
}

/// How to reach every shard: the base connection and the role template.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// Profile and endpoint of the base credentials (the region is each shard's).
    pub base: Source,
    /// `arn:aws:iam::{account}:role/NAME`.
    pub role_arn_template: String,
    pub external_id: Option<String>,
    pub session_name: String,
    pub duration: Option<Duration>,
    /// Shards collected at the same time at most.
    pub max_parallel: usize,
}

impl Fleet {
    pub fn role_arn(&self, account: &str) -> String {
        self.role_arn_template.replace("{account}", account)
    }
}

/// One shard's collection.
#[derive(Debug, Clone)]
pub struct ShardInventory {
    pub spec: ShardSpec,
    pub role_arn: String,
    /// What was read; a shard that could not start holds only its error.
    pub inventory: Inventory,
}

/// Collects every shard, at most `fleet.max_parallel` at a time. Only when no shard could reach
/// the endpoint at all is it an error (the same one-line "could not connect" as one account);
/// every other failure is recorded in its shard's inventory.
pub async fn collect(
    fleet: &Fleet,
    shards: &[ShardSpec],
    options: &Options,
) -> Result<(Vec<ShardInventory>, Summary), CollectError> {
    let started = Instant::now();
    let permits = Arc::new(tokio::sync::Semaphore::new(fleet.max_parallel.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, spec) in shards.iter().cloned().enumerate() {
        let (fleet, permits) = (fleet.clone(), permits.clone());
        let mut options = options.clone();
        options.progress = false;
        if let Some(domain) = &spec.domain {
            options.domains = vec![domain.clone()];
        }
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let role_arn = fleet.role_arn(&spec.account);
            let source = Source {
                region: Some(spec.region.clone()),
                role: Some(Role {
                    arn: role_arn.clone(),
                    external_id: fleet.external_id.clone(),
                    session_name: fleet.session_name.clone(),
                    duration: fleet.duration,
                }),
                ..fleet.base.clone()
            };
            let sdk = super::load_sdk_config(&source).await;
            let outcome = match &source.role {
                Some(role) => match super::assume::check(&sdk, role).await {
                    Ok(()) => super::collect(&sdk, &options).await,
                    Err(error) => Err(error),
                },
                None => super::collect(&sdk, &options).await,
            };
            (index, spec, role_arn, outcome)
        });
    }
    let mut collected = Vec::new();
    let mut summary = Summary::default();
    let mut unreachable = None;
    while let Some(joined) = tasks.join_next().await {
        let Ok((index, spec, role_arn, outcome)) = joined else {
            continue;
        };
        let mut inventory = match outcome {
            Ok((mut inventory, shard_summary)) => {
                add(&mut summary, &shard_summary);
                name_the_account(&mut inventory, &spec);
                inventory
            }
            Err(error) => {
                if matches!(error, CollectError::Unreachable { .. }) {
                    unreachable = Some(error.to_string());
                }
                failed(&spec, &role_arn, &error)
            }
        };
        inventory.shards = vec![Shard {
            account: spec.account.clone(),
            region: spec.region.clone(),
            domain: spec.domain.clone(),
            role_arn: Some(role_arn.clone()),
            complete: inventory.errors.is_empty(),
        }];
        collected.push((
            index,
            ShardInventory {
                spec,
                role_arn,
                inventory,
            },
        ));
    }
    collected.sort_by_key(|(index, _)| *index);
    let collected: Vec<ShardInventory> = collected.into_iter().map(|(_, shard)| shard).collect();
    if let Some(detail) = unreachable {
        let all_unreachable = collected.iter().all(|shard| {
            shard
                .inventory
                .errors
                .iter()
                .all(|error| error.code == "Unreachable")
        });
        if all_unreachable {
            return Err(CollectError::Unreachable {
                url: fleet.base.endpoint_url.clone().unwrap_or_default(),
                detail,
            });
        }
    }
    summary.elapsed = started.elapsed();
    summary.errors = collected
        .iter()
        .map(|shard| shard.inventory.errors.len() as u64)
        .sum();
    Ok((collected, summary))
}

/// An inventory holding only the failure of a shard that could not start.
fn failed(spec: &ShardSpec, role_arn: &str, error: &CollectError) -> Inventory {
    let (operation, code, message) = match error {
        CollectError::AssumeRole { code, message, .. } => (
            "AssumeRole",
            code.clone(),
            format!("cannot assume role {role_arn}: {message}"),
        ),
        CollectError::Credentials(detail, _) => {
            let (code, reason) = super::assume::service_error(detail);
            (
                "AssumeRole",
                code.unwrap_or_else(|| "CredentialsError".to_string()),
                format!("cannot assume role {role_arn}: {reason}"),
            )
        }
        CollectError::Unreachable { .. } => {
            ("Connect", "Unreachable".to_string(), error.to_string())
        }
        CollectError::NoRegion | CollectError::Runtime(_) | CollectError::Organizations { .. } => {
            ("Connect", "InternalError".to_string(), error.to_string())
        }
    };
    let mut inventory = Inventory::new();
    inventory.region = Some(spec.region.clone());
    inventory.errors = vec![CollectionError {
        operation: operation.to_string(),
        resource: spec.resource(),
        code,
        message,
    }];
    inventory
}

/// ListDomains failures are recorded against `arn:…:REGION::domain/*` (a one-account
/// collection does not know its own account id); in a shard the account is known.
fn name_the_account(inventory: &mut Inventory, spec: &ShardSpec) {
    let anonymous = format!("arn:aws:codeartifact:{}::", spec.region);
    let named = format!("arn:aws:codeartifact:{}:{}:", spec.region, spec.account);
    for error in &mut inventory.errors {
        if let Some(rest) = error.resource.strip_prefix(&anonymous) {
            error.resource = format!("{named}{rest}");
        }
    }
    inventory.errors.sort();
}

fn add(total: &mut Summary, shard: &Summary) {
    for (name, stats) in &shard.operations {
        let entry = total.operations.entry(name).or_default();
        entry.calls += stats.calls;
        entry.requests += stats.requests;
    }
    total.retries += shard.retries;
    total.throttled += shard.throttled;
    total.server_errors += shard.server_errors;
    total.domains += shard.domains;
    total.repositories += shard.repositories;
    total.package_groups += shard.package_groups;
    total.packages += shard.packages;
    total.versions += shard.versions;
}

/// The shards as one inventory (what `caguard collect` writes): domains in shard order, a
/// domain read by two shards (shared through its policy) kept once, every error, and the
/// shard list. The top-level `region` is set only when every shard has the same one; otherwise
/// each domain carries its ARN, which names its region (readers that do not know `shards`
/// take a domain's region from its ARN, so they do not misread the file).
pub fn combine(shards: &[ShardInventory]) -> Inventory {
    let regions: BTreeSet<&str> = shards.iter().map(|s| s.spec.region.as_str()).collect();
    let mut inventory = Inventory::new();
    inventory.region = match regions.len() {
        1 => regions.first().map(|r| r.to_string()),
        _ => None,
    };
    inventory.collected_at = shards
        .iter()
        .filter_map(|shard| shard.inventory.collected_at)
        .reduce(f64::min);
    let mut seen = BTreeSet::new();
    for shard in shards {
        for entry in &shard.inventory.domains {
            let mut entry = entry.clone();
            let owner = entry.domain.owner.clone().unwrap_or_default();
            let name = entry.domain.name.clone().unwrap_or_default();
            if entry.domain.arn.is_none() {
                entry.domain.arn = Some(crate::arn::domain(&shard.spec.region, &owner, &name));
            }
            if seen.insert((shard.spec.region.clone(), owner, name)) {
                inventory.domains.push(entry);
            }
        }
        inventory
            .errors
            .extend(shard.inventory.errors.iter().cloned());
        inventory
            .shards
            .extend(shard.inventory.shards.iter().cloned());
    }
    inventory.errors.sort();
    inventory.errors.dedup();
    inventory
}

/// The ACTIVE accounts of the organisation (Organizations ListAccounts, every page), with the
/// base credentials: they must belong to the management account or a delegated administrator
/// (`organizations:ListAccounts`). Sorted; suspended, closed and pending accounts are left out.
pub async fn organization_accounts(base: &Source) -> Result<Vec<String>, CollectError> {
    let mut source = base.clone();
    // Organizations is a global service; the SDK still wants a region to sign for.
    if source.region.is_none() {
        source.region = Some("us-east-1".to_string());
    }
    let sdk = super::load_sdk_config(&source).await;
    let client = aws_sdk_organizations::Client::new(&sdk);
    let mut accounts = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_accounts()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|error| {
                let text = super::error_text(&error);
                let code = aws_sdk_organizations::error::ProvideErrorMetadata::code(&error)
                    .unwrap_or("Error")
                    .to_string();
                let message = aws_sdk_organizations::error::ProvideErrorMetadata::message(&error)
                    .map(str::to_string)
                    .unwrap_or_else(|| text.lines().next().unwrap_or_default().to_string());
                CollectError::Organizations { code, message }
            })?;
        for account in page.accounts() {
            let active = match (account.state(), account.status()) {
                (Some(state), _) => state.as_str() == "ACTIVE",
                (None, Some(status)) => status.as_str() == "ACTIVE",
                (None, None) => false,
            };
            if let (true, Some(id)) = (active, account.id()) {
                if crate::inventory::check_name(crate::inventory::NameKind::Account, id).is_ok() {
                    accounts.insert(id.to_string());
                }
            }
        }
        match page.next_token {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => break,
        }
    }
    Ok(accounts.into_iter().collect())
}

/// Account ids from an `--accounts-file`: one per line, `#` comments and blank lines ignored.
pub fn parse_accounts_file(text: &str, origin: &str) -> Result<Vec<String>, String> {
    let mut accounts = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        crate::inventory::check_name(crate::inventory::NameKind::Account, line)
            .map_err(|message| format!("{origin}:{}: {message}", number + 1))?;
        accounts.push(line.to_string());
    }
    if accounts.is_empty() {
        return Err(format!("{origin}: no account ids in the file"));
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_every_combination_sorted_once() {
        let accounts = ["444455556666".to_string(), "111122223333".to_string()];
        let regions = ["us-east-1".to_string(), "eu-west-1".to_string()];
        let shards = expand(&accounts, &regions, &[]);
        let names: Vec<String> = shards
            .iter()
            .map(|s| format!("{}/{}", s.account, s.region))
            .collect();
        assert_eq!(
            names,
            [
                "111122223333/eu-west-1",
                "111122223333/us-east-1",
                "444455556666/eu-west-1",
                "444455556666/us-east-1"
            ]
        );
        let with_domains = expand(&accounts[..1], &regions[..1], &["b".into(), "a".into()]);
        assert_eq!(with_domains.len(), 2);
        assert_eq!(with_domains[0].domain.as_deref(), Some("a"));
        assert_eq!(
            with_domains[0].resource(),
            "arn:aws:codeartifact:us-east-1:444455556666:domain/a"
        );
    }

    #[test]
    fn accounts_files_name_the_bad_line() {
        assert_eq!(
            parse_accounts_file("# prod\n111122223333\n\n444455556666  # dev\n", "a.txt"),
            Ok(vec!["111122223333".to_string(), "444455556666".to_string()])
        );
        let error = parse_accounts_file("111122223333\n12345\n", "a.txt").unwrap_err();
        assert!(error.starts_with("a.txt:2: "), "{error}");
        assert!(parse_accounts_file("# none\n", "a.txt").is_err());
    }
}
