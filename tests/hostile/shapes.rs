//! Generators of hostile inventory shapes, as JSON text, shared by `tests/hostile_inventory.rs`
//! and `benches/scan_scale.rs`. Each one once made a step of the scan quadratic.
#![allow(dead_code)]

/// The `index`-th distinct spelling of one 16-letter name: each bit of `index` upper-cases one
/// letter, so up to 65,536 names share one PyPI-normalized name and one lookalike fold.
pub fn spelling(index: usize) -> String {
    "abcdefghijklmnop"
        .chars()
        .enumerate()
        .map(|(bit, c)| {
            if index >> bit & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

fn record(format: &str, name: &str, origin: &str) -> String {
    // Plain formatting: building `serde_json::Value`s costs more than the scan in a debug build.
    format!(
        r#"{{"package":{{"format":"{format}","package":"{name}"}},"versions":[{{"version":"1.0.0","status":"Published","origin":{{"originType":"{origin}"}}}}]}}"#
    )
}

fn inventory(packages: Vec<String>) -> String {
    let packages = packages.join(",");
    format!(
        r#"{{"inventoryVersion":1,"region":"us-east-1","domains":[{{"domain":{{"name":"acme","owner":"111122223333"}},"repositories":[
            {{"repository":{{"name":"app","upstreams":[{{"repositoryName":"pypi-store"}}]}},"packages":[{packages}]}},
            {{"repository":{{"name":"pypi-store","externalConnections":[{{"externalConnectionName":"public:pypi","packageFormat":"pypi","status":"Available"}}]}}}}]}}]}}"#
    )
}

/// `count` PyPI packages of one repository whose names all normalize to `abcdefghijklmnop`.
pub fn colliding_pypi_names(count: usize) -> String {
    inventory(
        (0..count)
            .map(|n| record("pypi", &spelling(n), "EXTERNAL"))
            .collect(),
    )
}

/// `pairs` npm packages with INTERNAL versions and `pairs` with EXTERNAL versions, all of one
/// lookalike fold: every external one is a lookalike of every internal one.
pub fn lookalike_pairs(pairs: usize) -> String {
    inventory(
        (0..2 * pairs)
            .map(|n| {
                record(
                    "npm",
                    &spelling(n),
                    if n < pairs { "INTERNAL" } else { "EXTERNAL" },
                )
            })
            .collect(),
    )
}

/// `count` identical package records in one repository.
pub fn identical_records(count: usize) -> String {
    inventory(
        (0..count)
            .map(|_| record("npm", "left-pad", "EXTERNAL"))
            .collect(),
    )
}
