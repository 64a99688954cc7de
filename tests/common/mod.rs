//! Helpers shared by the integration tests.
#![allow(dead_code)]

use caguard::config::{Config, Date};
use caguard::inventory::Inventory;
use caguard::report::ScanResult;
use caguard::rules::RuleSet;
use std::path::{Path, PathBuf};
use std::process::Command;

pub mod world;

/// A fixed "today" so suppression expiry does not make snapshots depend on the date.
pub const TODAY: Date = Date {
    year: 2026,
    month: 11,
    day: 21,
};

/// A fresh directory under the system's temp dir for one test, removed when it goes out of
/// scope (also when the test fails), so test runs leave nothing behind.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `caguard-<suite>-<pid>-<name>`, emptied first.
pub fn scratch(suite: &str, name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("caguard-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    Scratch(dir)
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn scan_file(inventory: &Path, config: Option<&Path>) -> ScanResult {
    let inventory_data = Inventory::load(inventory).unwrap_or_else(|e| panic!("{e}"));
    let config = match config {
        Some(path) => Config::load(path).unwrap_or_else(|e| panic!("{e}")),
        None => Config::default(),
    };
    let rules = RuleSet::load(&[]).unwrap_or_else(|e| panic!("{e}"));
    caguard::app::scan(
        &inventory_data,
        Some(Path::new("inventory.json")),
        &config,
        &rules,
        None,
        TODAY,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs the caguard binary; returns (exit code, stdout, stderr).
pub fn caguard(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_caguard"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("caguard runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The caguard binary with a clean environment, run from the repository root: dummy
/// credentials, no AWS config files, no instance metadata, nothing else inherited but PATH.
pub fn isolated(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_caguard"));
    command
        .args(args)
        .current_dir(root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/caguard-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/caguard-test/credentials",
        );
    command
}
