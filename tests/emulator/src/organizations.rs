//! AWS Organizations `ListAccounts` on the emulator's port, in the JSON 1.1 protocol the SDKs
//! use (`POST /`, `X-Amz-Target: AWSOrganizationsV20161128.ListAccounts`, SigV4 scope
//! `organizations`), as documented at
//! <https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html>:
//! `MaxResults` 1 to 20 (default 20 here), `NextToken` paging, `Accounts` with `Id`, `Arn`,
//! `Email`, `Name`, `Status` (deprecated) and `State`.
//!
//! The organisation is every account the emulator holds, ACTIVE, plus
//! [`crate::Options::organization_accounts`] (id and state, e.g. a SUSPENDED one); its
//! management account is the default account (the first inventory's). Only callers of the
//! management account may list; others get `AccessDeniedException`, as a member account would.

use crate::accounts::Caller;
use serde_json::{json, Value};

pub const TARGET_PREFIX: &str = "AWSOrganizationsV20161128.";

/// The answer: HTTP status and JSON body.
pub struct Answer {
    pub action: String,
    pub status: u16,
    pub body: Value,
}

fn error(action: &str, status: u16, code: &str, message: &str) -> Answer {
    Answer {
        action: action.to_string(),
        status,
        body: json!({"__type": code, "Message": message}),
    }
}

/// Runs one Organizations request. `members` is the organisation, sorted by account id.
pub fn execute(
    target: &str,
    body: &[u8],
    caller: &Caller,
    management: &str,
    members: &[(String, String)],
) -> Answer {
    let action = target.strip_prefix(TARGET_PREFIX).unwrap_or(target);
    if action != "ListAccounts" {
        return error(
            action,
            400,
            "UnknownOperationException",
            &format!("this emulator serves only ListAccounts of Organizations, not {action}"),
        );
    }
    if caller.account != management {
        return error(
            action,
            400,
            "AccessDeniedException",
            &format!(
                "You don't have permissions to access this resource: {} is not in the management account {management}",
                caller.arn
            ),
        );
    }
    let request: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(_) => {
                return error(
                    action,
                    400,
                    "InvalidInputException",
                    "the request body is not JSON",
                )
            }
        }
    };
    let max = match request.get("MaxResults").and_then(Value::as_u64) {
        None => 20,
        Some(n) if (1..=20).contains(&n) => n as usize,
        Some(_) => {
            return error(
                action,
                400,
                "InvalidInputException",
                "MaxResults must be between 1 and 20",
            )
        }
    };
    let start = match request.get("NextToken").and_then(Value::as_str) {
        None => 0,
        Some(token) => match token
            .strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(start) if start <= members.len() => start,
            _ => return error(action, 400, "InvalidInputException", "invalid NextToken"),
        },
    };
    let page: Vec<Value> = members
        .iter()
        .skip(start)
        .take(max)
        .map(|(id, state)| {
            json!({
                "Id": id,
                "Arn": format!("arn:aws:organizations::{management}:account/o-emulator/{id}"),
                "Email": format!("aws+{id}@example.com"),
                "Name": format!("account-{id}"),
                "Status": if state == "ACTIVE" { "ACTIVE" } else { "SUSPENDED" },
                "State": state,
                "JoinedMethod": "CREATED",
                "JoinedTimestamp": 1_700_000_000,
            })
        })
        .collect();
    let next = start + page.len();
    let mut body = json!({"Accounts": page});
    if next < members.len() {
        body["NextToken"] = json!(format!("page-{next}"));
    }
    Answer {
        action: action.to_string(),
        status: 200,
        body,
    }
}
