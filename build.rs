//! Embeds every `rules/*.toml` into the binary, so adding a rule file needs no code change,
//! and names the build for `--version`: the commit and a digest of the rule pack.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let mut files: Vec<String> = std::fs::read_dir("rules")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code = String::from("/// Built-in rule files: (path, contents).\npub const BUILTIN_RULES: &[(&str, &str)] = &[\n");
    for name in &files {
        println!("cargo:rerun-if-changed=rules/{name}");
        let _ = writeln!(
            code,
            "    (\"rules/{name}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/{name}\"))),"
        );
    }
    code.push_str("];\n");
    println!(
        "cargo:rustc-env=CAGUARD_RULE_PACK={} rules, digest {:016x}",
        files.len(),
        rule_pack_digest(&files)
    );
    println!("cargo:rustc-env=CAGUARD_COMMIT={}", commit());
    println!("cargo:rerun-if-env-changed=CAGUARD_COMMIT");
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".to_string());
    if let Err(error) = std::fs::write(Path::new(&out).join("builtin_rules.rs"), code) {
        panic!("cannot write builtin_rules.rs: {error}");
    }
}

/// FNV-1a over the rule files' names and contents: which rules a binary judges by, without a
/// build dependency.
fn rule_pack_digest(files: &[String]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for name in files {
        let contents = std::fs::read(Path::new("rules").join(name)).unwrap_or_default();
        for byte in name.bytes().chain([0]).chain(contents).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The commit being built: `CAGUARD_COMMIT` when a packager sets it, else `git`, else
/// `unknown` (a source tarball has no history).
fn commit() -> String {
    if let Ok(commit) = std::env::var("CAGUARD_COMMIT") {
        return commit;
    }
    // Rebuild when HEAD moves: a commit changes the branch's ref file, a checkout changes HEAD.
    if let Ok(head) = std::fs::read_to_string(".git/HEAD") {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Some(reference) = head.trim().strip_prefix("ref: ") {
            println!("cargo:rerun-if-changed=.git/{reference}");
        }
    }
    let output = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output();
    match output {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        }
        _ => "unknown".to_string(),
    }
}
