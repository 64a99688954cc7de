//! Several accounts in one emulator: whose inventory a request sees, and whether a domain's
//! resource policy lets a caller from another account in.
//!
//! Two modes:
//!
//! - **One world** ([`Accounts::single`], `Emulator::start`, the binary with one `--inventory`):
//!   the inventory is served whole to every caller whatever its key, as before accounts existed.
//!   Domains of several owners in one file stay visible to everyone.
//! - **Partitioned** ([`Accounts::partitioned`], `Emulator::start_accounts`, the binary with
//!   `--inventory` repeated): every domain belongs to its `owner` (or its ARN's account); a
//!   domain naming neither (possible only in inventories built in code: files must name one)
//!   belongs to its inventory's account, the first owner it names, else [`DEFAULT_ACCOUNT`],
//!   the account the ARNs of owner-less domains already carry. A caller sees its own account's domains;
//!   naming another account in `domainOwner` needs an `Allow` in that domain's policy.

use crate::error::ApiError;
use crate::faults::glob_match;
use crate::ops::{DEFAULT_ACCOUNT, DEFAULT_REGION};
use crate::routes::Operation;
use caguard::arn;
use caguard::inventory::{DomainEntry, Inventory};
use serde_json::{Map, Value};

/// One account's state.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub account: String,
    pub inventory: Inventory,
}

/// The state of every account the emulator serves.
#[derive(Debug)]
pub(crate) struct Accounts {
    /// In first-seen order; the first is the default account of long-term keys.
    worlds: Vec<World>,
    partitioned: bool,
}

/// Who sent a request, as far as authorization goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The 12-digit account the access key belongs to.
    pub account: String,
    /// `arn:aws:iam::ACCOUNT:user/emulator` for long-term keys,
    /// `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` for assumed roles.
    pub arn: String,
    /// `arn:aws:iam::ACCOUNT:role/NAME` when the key came from AssumeRole.
    pub role_arn: Option<String>,
}

impl Caller {
    /// The identity of a long-term key of `account`.
    pub fn user(account: &str) -> Caller {
        Caller {
            account: account.to_string(),
            arn: format!("arn:aws:iam::{account}:user/emulator"),
            role_arn: None,
        }
    }
}

/// Why several inventories cannot be served together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsError {
    /// 0-based position of the inventory at fault, in the order given.
    pub inventory: usize,
    pub message: String,
}

impl std::fmt::Display for AccountsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "inventory {}: {}", self.inventory + 1, self.message)
    }
}

impl std::error::Error for AccountsError {}

/// A domain's account: its `owner`, else the account field of its ARN (inventories may name
/// either).
fn owner_of(entry: &DomainEntry) -> Option<String> {
    entry.domain.owner.clone().or_else(|| {
        entry
            .domain
            .arn
            .as_deref()
            .and_then(|arn| arn.split(':').nth(4))
            .filter(|account| !account.is_empty())
            .map(str::to_string)
    })
}

/// The account of an inventory file: the first owner it names.
fn home_account(inventory: &Inventory) -> String {
    inventory
        .domains
        .iter()
        .find_map(owner_of)
        .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string())
}

fn region_of(inventory: &Inventory) -> &str {
    inventory.region.as_deref().unwrap_or(DEFAULT_REGION)
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

impl Accounts {
    /// One inventory served whole to every caller.
    pub fn single(inventory: Inventory) -> Accounts {
        Accounts {
            worlds: vec![World {
                account: home_account(&inventory),
                inventory,
            }],
            partitioned: false,
        }
    }

    /// Every domain in its owner's account. `Err` names the inventory (1-based, in the order
    /// given) and the clash: two files may fill one account, but with one region and distinct
    /// domain names, as a real account has.
    pub fn partitioned(inventories: Vec<Inventory>) -> Result<Accounts, AccountsError> {
        if inventories.is_empty() {
            return Err(AccountsError {
                inventory: 0,
                message: "no inventory to serve".to_string(),
            });
        }
        let mut worlds: Vec<World> = Vec::new();
        for (index, mut inventory) in inventories.into_iter().enumerate() {
            let fail = |message: String| AccountsError {
                inventory: index,
                message,
            };
            let home = home_account(&inventory);
            let domains = std::mem::take(&mut inventory.domains);
            // An inventory without domains still makes its account exist (with nothing in it).
            let mut by_owner: Vec<(String, Vec<DomainEntry>)> = vec![(home.clone(), Vec::new())];
            for entry in domains {
                let owner = owner_of(&entry).unwrap_or_else(|| home.clone());
                match by_owner.iter_mut().find(|(account, _)| *account == owner) {
                    Some((_, list)) => list.push(entry),
                    None => by_owner.push((owner, vec![entry])),
                }
            }
            for (account, domains) in by_owner {
                if !is_account_id(&account) {
                    return Err(fail(format!(
                        "domain owner `{account}` is not a 12-digit account id"
                    )));
                }
                match worlds.iter_mut().find(|world| world.account == account) {
                    Some(world) => {
                        if !domains.is_empty()
                            && region_of(&world.inventory) != region_of(&inventory)
                        {
                            return Err(fail(format!(
                                "account {account} is already served in region {}, this inventory is in {}",
                                region_of(&world.inventory),
                                region_of(&inventory)
                            )));
                        }
                        for entry in domains {
                            let name = entry.domain.name.as_deref().unwrap_or_default();
                            if world
                                .inventory
                                .domains
                                .iter()
                                .any(|held| held.domain.name.as_deref() == Some(name))
                            {
                                return Err(fail(format!(
                                    "account {account} already has a domain named `{name}`"
                                )));
                            }
                            world.inventory.domains.push(entry);
                        }
                    }
                    None => {
                        let mut own = inventory.clone();
                        own.domains = domains;
                        worlds.push(World {
                            account,
                            inventory: own,
                        });
                    }
                }
            }
        }
        Ok(Accounts {
            worlds,
            partitioned: true,
        })
    }

    /// The account long-term keys belong to unless registered otherwise.
    pub fn default_account(&self) -> String {
        self.worlds.first().map_or_else(
            || DEFAULT_ACCOUNT.to_string(),
            |world| world.account.clone(),
        )
    }

    /// Every account's state, in first-seen order.
    pub fn worlds(&self) -> &[World] {
        &self.worlds
    }

    /// All domains of all accounts as one inventory (one world: exactly the served inventory).
    pub fn merged(&self) -> Inventory {
        let mut worlds = self.worlds.iter();
        let Some(first) = worlds.next() else {
            return self.empty();
        };
        let mut merged = first.inventory.clone();
        for world in worlds {
            merged
                .domains
                .extend(world.inventory.domains.iter().cloned());
        }
        merged
    }

    /// Decides which account's state the request runs against, refusing a cross-account
    /// request that no domain policy allows. `query` is the raw query string; `body` the
    /// parsed JSON body (PutDomainPermissionsPolicy names its domain there).
    pub fn target(
        &self,
        caller: &Caller,
        operation: Operation,
        query: Option<&str>,
        body: &Map<String, Value>,
    ) -> Result<String, ApiError> {
        if !self.partitioned {
            return Ok(self.default_account());
        }
        let scope = Addressed::read(query, body);
        let action = format!("codeartifact:{}", operation.name());
        // Tags are not shared across accounts by resource policies; another account's ARN is
        // refused outright, as IAM does for an action no policy can grant.
        if let Some(resource) = &scope.resource_arn {
            let owner = resource.split(':').nth(4).unwrap_or_default();
            if is_account_id(owner) && owner != caller.account {
                return Err(denied(caller, &action, resource, Refusal::NoPolicy));
            }
            return Ok(caller.account.clone());
        }
        let owner = match scope.domain_owner {
            // Malformed owners are left to the operation's validation.
            Some(owner) if is_account_id(&owner) && owner != caller.account => owner,
            _ => return Ok(caller.account.clone()),
        };
        let Some(domain) = scope.domain else {
            return Ok(caller.account.clone());
        };
        let world = self.worlds.iter().find(|world| world.account == owner);
        let region = world.map_or(DEFAULT_REGION, |world| region_of(&world.inventory));
        let domain_arn = arn::domain(region, &owner, &domain);
        let entry = world.and_then(|world| {
            world
                .inventory
                .domains
                .iter()
                .find(|entry| entry.domain.name.as_deref() == Some(domain.as_str()))
        });
        // A missing domain is refused like an ungranted one: AccessDenied must not reveal
        // whether another account's domain exists.
        let document = entry
            .and_then(|entry| entry.policy.as_ref())
            .and_then(|policy| policy.document.as_deref());
        match document.map(|document| evaluate(document, caller, &action)) {
            Some(Decision::Allow) => Ok(owner),
            Some(Decision::Deny) => Err(denied(caller, &action, &domain_arn, Refusal::Explicit)),
            Some(Decision::NotGranted) | None => {
                Err(denied(caller, &action, &domain_arn, Refusal::NoPolicy))
            }
        }
    }

    /// The state of `account`; `None` when the emulator holds nothing for it.
    pub fn world_mut(&mut self, account: &str) -> Option<&mut Inventory> {
        self.worlds
            .iter_mut()
            .find(|world| world.account == account)
            .map(|world| &mut world.inventory)
    }

    /// Keeps `inventory` as the state of a new account (a write created its first domain).
    pub fn adopt(&mut self, account: &str, inventory: Inventory) {
        self.worlds.push(World {
            account: account.to_string(),
            inventory,
        });
    }

    /// An inventory without domains, in the default account's region.
    pub fn empty(&self) -> Inventory {
        Inventory {
            inventory_version: caguard::inventory::INVENTORY_VERSION,
            collected_at: None,
            region: self
                .worlds
                .first()
                .and_then(|world| world.inventory.region.clone()),
            domains: Vec::new(),
            errors: Vec::new(),
            shards: Vec::new(),
            load_warnings: Vec::new(),
        }
    }
}

/// What a request names of the resource it addresses.
#[derive(Debug, Default)]
struct Addressed {
    domain: Option<String>,
    domain_owner: Option<String>,
    resource_arn: Option<String>,
}

impl Addressed {
    fn read(query: Option<&str>, body: &Map<String, Value>) -> Addressed {
        let mut addressed = Addressed::default();
        for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "domain" => addressed.domain = Some(value.into_owned()),
                "domain-owner" => addressed.domain_owner = Some(value.into_owned()),
                "resourceArn" => addressed.resource_arn = Some(value.into_owned()),
                _ => {}
            }
        }
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
        addressed.domain = addressed.domain.or_else(|| text("domain"));
        addressed.domain_owner = addressed.domain_owner.or_else(|| text("domainOwner"));
        addressed
    }
}

enum Refusal {
    NoPolicy,
    Explicit,
}

/// AccessDeniedException worded as CodeArtifact words it.
fn denied(caller: &Caller, action: &str, resource: &str, refusal: Refusal) -> ApiError {
    let reason = match refusal {
        Refusal::NoPolicy => format!("because no resource-based policy allows the {action} action"),
        Refusal::Explicit => "with an explicit deny in a resource-based policy".to_string(),
    };
    ApiError::access_denied(format!(
        "User: {} is not authorized to perform: {action} on resource: {resource} {reason}",
        caller.arn
    ))
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    Allow,
    Deny,
    NotGranted,
}

/// Evaluates a resource policy for one caller and action, stricter than IAM where it cannot
/// follow it: an `Allow` grants only with `Principal` and `Action` and no `Condition`,
/// `NotPrincipal` or `NotAction`; a matching `Deny` always applies, conditions or not; a
/// document that is not JSON grants nothing. `Resource` is not evaluated (a domain policy
/// speaks for the domain's resources).
pub(crate) fn evaluate(document: &str, caller: &Caller, action: &str) -> Decision {
    let Ok(document) = serde_json::from_str::<Value>(document) else {
        return Decision::NotGranted;
    };
    let statements = match document.get("Statement") {
        Some(Value::Array(statements)) => statements.iter().collect::<Vec<_>>(),
        Some(statement @ Value::Object(_)) => vec![statement],
        _ => Vec::new(),
    };
    let mut allowed = false;
    for statement in statements {
        let principal = statement
            .get("Principal")
            .is_some_and(|principal| principal_matches(principal, caller));
        let acts = statement
            .get("Action")
            .is_some_and(|actions| action_matches(actions, action));
        match statement.get("Effect").and_then(Value::as_str) {
            Some("Deny") if principal && acts => return Decision::Deny,
            Some("Allow")
                if principal
                    && acts
                    && ["Condition", "NotPrincipal", "NotAction"]
                        .iter()
                        .all(|key| statement.get(key).is_none()) =>
            {
                allowed = true
            }
            _ => {}
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::NotGranted
    }
}

/// `"*"`, or `{"AWS": …}` naming the caller's account (`ACCOUNT`, `arn:aws:iam::ACCOUNT:root`),
/// its role (`arn:aws:iam::ACCOUNT:role/NAME`) or its own ARN.
fn principal_matches(principal: &Value, caller: &Caller) -> bool {
    let names = match principal {
        Value::String(star) => return star == "*",
        Value::Object(map) => match map.get("AWS") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let root = format!("arn:aws:iam::{}:root", caller.account);
    names.into_iter().any(|name| {
        name == "*"
            || name == caller.account
            || name == root
            || name == caller.arn
            || caller.role_arn.as_deref() == Some(name)
    })
}

/// `Action` as a string or list of IAM action globs, compared case-insensitively as IAM does.
fn action_matches(actions: &Value, action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    let matches = |pattern: &str| glob_match(&pattern.to_ascii_lowercase(), &action);
    match actions {
        Value::String(one) => matches(one),
        Value::Array(many) => many.iter().filter_map(Value::as_str).any(matches),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn inventory(value: Value) -> Inventory {
        Inventory::parse(&value.to_string(), Path::new("accounts-test")).unwrap()
    }

    fn domain(name: &str, owner: Option<&str>) -> Value {
        let mut domain = serde_json::json!({"name": name, "status": "Active"});
        if let Some(owner) = owner {
            domain["owner"] = Value::String(owner.to_string());
        }
        serde_json::json!({"domain": domain, "repositories": []})
    }

    const A: &str = "111111111111";
    const B: &str = "222222222222";

    #[test]
    fn domains_go_to_their_owners_and_ownerless_ones_to_their_file() {
        let mut by_arn = domain("five", None);
        by_arn["domain"]["arn"] =
            Value::String(format!("arn:aws:codeartifact:us-east-1:{B}:domain/five"));
        let mut first = inventory(serde_json::json!({"inventoryVersion": 1, "domains": [
            domain("one", Some(A)), domain("two", Some(B)), domain("three", Some(A)), by_arn]}));
        // Files always name owners; inventories built in code need not.
        first.domains[2].domain.owner = None;
        let second = inventory(serde_json::json!({"inventoryVersion": 1, "domains": [
            domain("four", Some(B))]}));
        let accounts = Accounts::partitioned(vec![first, second]).unwrap();
        let names = |account: &str| -> Vec<String> {
            accounts
                .worlds()
                .iter()
                .find(|world| world.account == account)
                .map(|world| {
                    world
                        .inventory
                        .domains
                        .iter()
                        .filter_map(|entry| entry.domain.name.clone())
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(names(A), ["one", "three"]);
        assert_eq!(names(B), ["two", "five", "four"]);
        assert_eq!(accounts.default_account(), A);
        assert_eq!(accounts.merged().domains.len(), 5);
    }

    #[test]
    fn clashes_are_refused_with_the_inventory_number() {
        let make = || {
            inventory(
                serde_json::json!({"inventoryVersion": 1, "domains": [domain("one", Some(A))]}),
            )
        };
        let error = Accounts::partitioned(vec![make(), make()]).unwrap_err();
        assert_eq!(error.inventory, 1);
        assert!(error.to_string().starts_with("inventory 2: "), "{error}");
        assert!(error.message.contains("`one`"), "{error}");
        let other_region = inventory(
            serde_json::json!({"inventoryVersion": 1, "region": "eu-west-1",
            "domains": [domain("two", Some(A))]}),
        );
        let error = Accounts::partitioned(vec![make(), other_region]).unwrap_err();
        assert!(error.message.contains("eu-west-1"), "{error}");
        assert!(Accounts::partitioned(Vec::new()).is_err());
    }

    fn policy(statement: Value) -> String {
        serde_json::json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
    }

    #[test]
    fn policies_grant_by_account_role_and_action() {
        let user = Caller::user(B);
        let role = Caller {
            account: B.to_string(),
            arn: format!("arn:aws:sts::{B}:assumed-role/reader/s"),
            role_arn: Some(format!("arn:aws:iam::{B}:role/reader")),
        };
        let allow = |principal: Value, action: Value| {
            policy(
                serde_json::json!({"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}),
            )
        };
        let describe = "codeartifact:DescribeDomain";
        let by_root = allow(
            serde_json::json!({"AWS": format!("arn:aws:iam::{B}:root")}),
            serde_json::json!("codeartifact:Describe*"),
        );
        assert_eq!(evaluate(&by_root, &user, describe), Decision::Allow);
        assert_eq!(
            evaluate(&by_root, &user, "codeartifact:ListPackages"),
            Decision::NotGranted
        );
        let by_role = allow(
            serde_json::json!({"AWS": [format!("arn:aws:iam::{B}:role/reader")]}),
            serde_json::json!(["codeartifact:*"]),
        );
        assert_eq!(evaluate(&by_role, &role, describe), Decision::Allow);
        assert_eq!(evaluate(&by_role, &user, describe), Decision::NotGranted);
        let public = allow(serde_json::json!("*"), serde_json::json!("*"));
        assert_eq!(evaluate(&public, &user, describe), Decision::Allow);
        let other = allow(serde_json::json!({"AWS": A}), serde_json::json!("*"));
        assert_eq!(evaluate(&other, &user, describe), Decision::NotGranted);
        let conditional = policy(
            serde_json::json!({"Effect": "Allow", "Principal": "*", "Action": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}),
        );
        assert_eq!(
            evaluate(&conditional, &user, describe),
            Decision::NotGranted
        );
        let deny = serde_json::json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*"},
            {"Effect": "Deny", "Principal": {"AWS": B}, "Action": describe}]})
        .to_string();
        assert_eq!(evaluate(&deny, &user, describe), Decision::Deny);
        assert_eq!(evaluate("not json", &user, describe), Decision::NotGranted);
    }
}
