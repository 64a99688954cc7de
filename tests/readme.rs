//! The README's promises: every fenced `sh` block runs, and the rule example is the rule file.
//!
//! Each block runs in bash in a scratch directory holding what the README assumes a user has:
//! `fixtures/` (the clone's), `target/debug/` (the binaries this test run built),
//! `caguard.toml` and `inventory.json` (the demo world's), with `caguard` on PATH as after
//! `cargo install --path .`. `cargo run -- ARGS` runs the built
//! binary, `cargo build`/`cargo test` do nothing (this is that test run), and AWS traffic goes to
//! an in-process emulator serving the demo world (`AWS_ENDPOINT_URL`, dummy credentials), so the
//! "live account" commands run for real, on 127.0.0.1 only. The emulator port of the README,
//! 4566, becomes a free one. A command may exit 0 or 1 (the demo world fails the gate on purpose);
//! anything else fails the test with the block and the line.

mod common;

use codeartifact_emulator::{Emulator, Options as EmulatorOptions};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The fenced blocks of `lang` in a Markdown text, with the line each starts on.
fn blocks<'a>(markdown: &'a str, lang: &str) -> Vec<(usize, Vec<&'a str>)> {
    let opening = format!("```{lang}");
    let mut found = Vec::new();
    let mut current: Option<(usize, Vec<&str>)> = None;
    for (number, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match current.take() {
            Some(block) if fence => found.push(block),
            Some((start, mut lines)) => {
                lines.push(line);
                current = Some((start, lines));
            }
            None if line.trim() == opening => current = Some((number + 1, Vec::new())),
            None if fence => current = None,
            None => {}
        }
    }
    found
}

fn readme() -> String {
    std::fs::read_to_string(common::root().join("README.md")).expect("README.md")
}

/// Commands of a block, `\`-continued lines joined, comments and blank lines dropped.
fn commands(lines: &[&str]) -> Vec<String> {
    let mut commands = Vec::new();
    let mut pending = String::new();
    for line in lines {
        let line = line.trim_end();
        if let Some(continued) = line.strip_suffix('\\') {
            pending.push_str(continued);
            continue;
        }
        pending.push_str(line);
        let command = std::mem::take(&mut pending);
        if !command.trim().is_empty() && !command.trim_start().starts_with('#') {
            commands.push(command);
        }
    }
    commands
}

const CARGO_SHIM: &str = r#"#!/usr/bin/env bash
# `cargo` as the README's commands use it, within a test run that already built everything.
case "$1" in
  build|test|install) exit 0 ;;
  run)
    shift; package=caguard
    while [ $# -gt 0 ]; do
      case "$1" in
        -p|--package) package=$2; shift 2 ;;
        -q|--quiet|--locked|--release) shift ;;
        --) shift; break ;;
        *) break ;;
      esac
    done
    exec "$CAGUARD_BIN_DIR/$package" "$@" ;;
  *) echo "cargo shim: unsupported: cargo $*" >&2; exit 99 ;;
esac
"#;

fn scratch(bin_dir: &Path) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caguard-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("target")).expect("scratch dir");
    std::fs::create_dir_all(dir.join(".shim")).expect("shim dir");
    let root = common::root();
    std::os::unix::fs::symlink(root.join("fixtures"), dir.join("fixtures")).expect("fixtures");
    std::os::unix::fs::symlink(bin_dir, dir.join("target/debug")).expect("target/debug");
    std::fs::copy(
        root.join("fixtures/demo/caguard.toml"),
        dir.join("caguard.toml"),
    )
    .expect("caguard.toml");
    std::fs::copy(
        root.join("fixtures/demo/acme.json"),
        dir.join("inventory.json"),
    )
    .expect("inventory.json");
    let shim = dir.join(".shim/cargo");
    std::fs::write(&shim, CARGO_SHIM).expect("cargo shim");
    let mut permissions = std::fs::metadata(&shim).expect("shim").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&shim, permissions).expect("chmod shim");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// The bash script for one block: each command checked, background jobs waited for (their
/// port) and killed at the end.
fn script(start: usize, commands: &[String], port: u16) -> String {
    let mut script = String::from(
        "set -u\n\
         trap 'kill $(jobs -p) 2>/dev/null' EXIT\n\
         wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo \"port $1 never opened\" >&2; exit 98; }\n",
    );
    for command in commands {
        let command = command.replace("4566", &port.to_string());
        let shown = command.replace('\'', "'\\''");
        if command.trim_end().ends_with('&') {
            let _ = writeln!(script, "{command}\nwait_port {port}");
        } else {
            let _ = writeln!(
                script,
                "{command}\ncode=$?\nif [ $code -gt 1 ]; then echo 'README block at line {start}: exit '$code': {shown}' >&2; exit 97; fi"
            );
        }
    }
    script
}

#[test]
fn every_sh_block_of_the_readme_runs() {
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_caguard"))
        .parent()
        .expect("binary directory")
        .to_path_buf();
    assert!(
        bin_dir.join("codeartifact-emulator").exists(),
        "the emulator binary is built by `cargo test --workspace` (the README's test command)"
    );
    let dir = scratch(&bin_dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let demo = caguard::inventory::Inventory::load(&common::root().join("fixtures/demo/acme.json"))
        .expect("demo inventory");
    let live = runtime
        .block_on(Emulator::start(demo, EmulatorOptions::default()))
        .expect("emulator");
    let text = readme();
    let found = blocks(&text, "sh");
    assert!(found.len() >= 4, "the README has its sh blocks");
    // `caguard` is on PATH, as after `cargo install --path .` (the README says so).
    let path = format!(
        "{}:{}:{}",
        dir.join(".shim").display(),
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (start, lines) in found {
        let commands = commands(&lines);
        let output = Command::new("bash")
            .arg("-c")
            .arg(script(start, &commands, free_port()))
            .current_dir(&dir)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", &dir)
            .env("CAGUARD_BIN_DIR", &bin_dir)
            .env("AWS_ENDPOINT_URL", live.endpoint_url())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("no-aws-credentials"),
            )
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "README sh block at line {start} failed ({}):\n{}\nstderr:\n{}",
            output.status,
            commands.join("\n"),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_readme_rule_example_is_the_rule_file() {
    let text = readme();
    let (_, example) = blocks(&text, "toml")
        .into_iter()
        .find(|(_, lines)| lines.iter().any(|l| l.starts_with("id = ")))
        .expect("a rule example in the README");
    let id = example
        .iter()
        .find_map(|l| l.strip_prefix("id = "))
        .map(|id| id.trim_matches('"'))
        .expect("id");
    let file = std::fs::read_to_string(common::root().join(format!("rules/{id}.toml")))
        .expect("the example's rule file");
    // Each line of the example is a line of the file, in order; a line with `...` abridges a
    // line that starts with what precedes the `...`.
    let mut remaining = file.lines();
    for line in example {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let matched = match line.split_once("...") {
            Some((prefix, _)) if prefix.trim().is_empty() => true,
            Some((prefix, _)) => remaining.any(|l| l.starts_with(prefix)),
            None => remaining.any(|l| l == line),
        };
        assert!(
            matched,
            "README rule example line is not in rules/{id}.toml (in order): {line}"
        );
    }
}

#[test]
fn the_repository_cites_no_document_outside_it() {
    // Spelled in pieces so this file does not match itself.
    let outside = [
        ["design", ".md"].concat(),
        ["codeartifact", "-notes"].concat(),
        ["rule-pack", ".md"].concat(),
        ["../", "shared"].concat(),
    ];
    let root = common::root();
    let mut pending: Vec<PathBuf> = ["src", "tests", "fixtures", "rules", "benches", ".ci"]
        .iter()
        .map(|dir| root.join(dir))
        .chain([root.join("README.md"), root.join("build.rs")])
        .collect();
    let mut offenders = Vec::new();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            if path.ends_with("target") {
                continue;
            }
            for entry in std::fs::read_dir(&path).expect("directory").flatten() {
                pending.push(entry.path());
            }
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            for (number, line) in text.lines().enumerate() {
                if outside.iter().any(|name| line.contains(name.as_str())) {
                    offenders.push(format!("{}:{}: {line}", path.display(), number + 1));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}
