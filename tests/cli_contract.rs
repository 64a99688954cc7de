//! The command line's contract with people and pipelines: errors, exit codes, outputs,
//! timeouts, and the formats people read. Each test names the defect or feature it pins.

mod common;

use codeartifact_emulator::{Emulator, EmulatorHandle, Options as EmulatorOptions};
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEMO: &str = "fixtures/demo/acme.json";
const DEMO_CONFIG: &str = "fixtures/demo/caguard.toml";

/// caguard with a clean environment: dummy credentials, no AWS config files, no IMDS, no
/// colour preferences, a fixed width for `--help`.
fn command(args: &[&str]) -> Command {
    let mut command = common::isolated(args);
    command.env("COLUMNS", "100");
    command
}

fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().expect("caguard runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn caguard(args: &[&str]) -> (i32, String, String) {
    run(&mut command(args))
}

/// `caguard scan` of the demo world with its config, plus `extra`.
fn scan_demo(extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["scan", "--inventory", DEMO, "--config", DEMO_CONFIG];
    args.extend_from_slice(extra);
    caguard(&args)
}

/// No Rust `Debug` rendering of a struct (`Name { field: .. }`) or of SDK internals.
fn assert_no_debug(stderr: &str) {
    for marker in [
        " { ",
        "Some(",
        "Error(",
        "Request {",
        "headers:",
        "ConnectorError",
    ] {
        assert!(
            !stderr.contains(marker),
            "stderr contains `{marker}`:\n{stderr}"
        );
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn emulator(runtime: &tokio::runtime::Runtime) -> EmulatorHandle {
    let demo = caguard::inventory::Inventory::load(&common::root().join(DEMO)).expect("demo");
    runtime
        .block_on(Emulator::start(demo, EmulatorOptions::default()))
        .expect("emulator starts")
}

// ---------------------------------------------------------------------------------------------
// Defect 2: timeouts and unreachable endpoints

#[test]
fn an_endpoint_that_never_answers_is_reported_within_the_timeout() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().expect("address").port();
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(8) {
            held.push(stream);
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let (code, stdout, stderr) = caguard(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--read-timeout",
        "1",
        "--retry-backoff-ms",
        "10",
    ]);
    let elapsed = started.elapsed();
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "no report of an empty account: {stdout}");
    assert!(
        stderr.contains(&format!(
            "could not connect to the endpoint URL \"{endpoint}"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("read timeout"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // Two attempts of 1 s, plus a little backoff: nowhere near the SDK's five attempts.
    assert!(elapsed < Duration::from_secs(8), "took {elapsed:?}");
    drop(holder);
}

#[test]
fn a_closed_port_is_one_line_and_exit_2_with_retries_logged_at_v() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let (code, _, stderr) = caguard(&[
        "collect",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--retry-backoff-ms",
        "10",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("could not connect to the endpoint URL"));
    assert!(stderr.contains("Connection refused"), "{stderr}");
    assert_no_debug(&stderr);

    let (_, _, verbose) = caguard(&[
        "collect",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--retry-backoff-ms",
        "10",
        "-v",
    ]);
    assert!(
        verbose.contains("ListDomains answered DispatchFailure; trying again in"),
        "{verbose}"
    );
}

// ---------------------------------------------------------------------------------------------
// Defects 3 and 4: flag values, no Debug output

#[test]
fn bad_flag_values_are_usage_errors_before_any_request() {
    for (flag, value, expected) in [
        (
            "--endpoint-url",
            "not a url",
            "not an http:// or https:// URL",
        ),
        ("--endpoint-url", "http://host:port", "not a port number"),
        ("--region", "not a region!", "invalid region"),
        ("--region", "us-east-1:999999999999", "invalid region"),
        ("--domain", "Acme!", "invalid domain name"),
        ("--repository", "a/b", "invalid repository name"),
        ("--domain-owner", "12345", "invalid account id"),
        ("--read-timeout", "0", "above 0"),
    ] {
        let (code, stdout, stderr) = caguard(&["scan", flag, value]);
        assert_eq!(code, 2, "{flag} {value}: {stderr}");
        assert!(stdout.is_empty());
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "{stderr}");
        assert!(first.contains(expected), "{flag} {value}: {stderr}");
        assert_no_debug(&stderr);
    }
}

#[test]
fn input_errors_name_the_file_without_debug_output() {
    let dir = common::scratch("cli", "input-errors");
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).expect("rules dir");
    std::fs::write(
        rules.join("broken.toml"),
        "id = \"broken\"\ntitle = \"t\"\nseverity = \"high\"\nscope = \"package\"\nwhen = 'pkg.exposed &&'\nmessage = \"m\"\n[docs]\nwhy = \"w\"\nremediation = \"r\"\n",
    )
    .expect("rule file");
    let bad_json = dir.join("bad.json");
    std::fs::write(&bad_json, "{\"inventoryVersion\": 1, \"domains\": [}").expect("inventory");
    let rules_dir = rules.display().to_string();
    let bad_json = bad_json.display().to_string();
    for args in [
        vec!["scan", "--inventory", DEMO, "--rules", &rules_dir],
        vec!["scan", "--inventory", &bad_json],
        vec!["scan", "--inventory", "/nonexistent/inventory.json"],
        vec!["check", "--rules", &rules_dir],
    ] {
        let (code, _, stderr) = caguard(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert_no_debug(&stderr);
    }
    let (_, _, stderr) = caguard(&["check", "--rules", &rules_dir]);
    assert!(stderr.contains("broken.toml:5:"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Defect 5: write errors

#[test]
fn a_write_error_on_stdout_is_exit_2_and_a_closed_pipe_is_quiet() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let (code, _, stderr) = run(
        command(&["scan", "--inventory", DEMO, "--config", DEMO_CONFIG]).stdout(Stdio::from(full)),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("stdout: cannot write"), "{stderr}");

    let mut child = command(&["scan", "--inventory", DEMO, "--config", DEMO_CONFIG])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("caguard starts");
    // The reader goes away before caguard writes anything: every write is a broken pipe.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("caguard ends");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "",
        "a closed pipe ends quietly"
    );
    assert_eq!(output.status.code(), Some(1), "the gate still decides");
}

// ---------------------------------------------------------------------------------------------
// Defect 6: output paths are checked first

#[test]
fn output_paths_are_checked_before_any_api_call() {
    let runtime = runtime();
    let live = emulator(&runtime);
    let endpoint = live.endpoint_url();
    let (code, _, stderr) = caguard(&[
        "collect",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--output",
        "/nonexistent-dir/x.json",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/nonexistent-dir/x.json"), "{stderr}");
    assert_eq!(
        live.stats().values().sum::<u64>(),
        0,
        "not a single request before the output is known to be writable"
    );

    let dir = common::scratch("cli", "same-file");
    let file = dir.join("r.json").display().to_string();
    let same = dir.join(".").join("r.json").display().to_string();
    let (code, _, stderr) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--output",
        &file,
        "--json",
        &same,
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("name the same file"), "{stderr}");
    let (code, _, stderr) = caguard(&["scan", "--inventory", DEMO, "--json", "-"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("both write to stdout"), "{stderr}");
    let (code, _, stderr) = caguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--output",
        &dir.display().to_string(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a directory"), "{stderr}");
    // A file output appears whole, and nothing else is left in the directory.
    let (code, _, _) = scan_demo(&["--format", "json", "--output", &file]);
    assert_eq!(code, 1);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["r.json"]);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("report")).expect("JSON");
    assert_eq!(report["reportVersion"], 1);
}

// ---------------------------------------------------------------------------------------------
// Defect 7: -q

#[test]
fn quiet_prints_nothing_but_errors() {
    let dir = common::scratch("cli", "quiet");
    let config = dir.join("caguard.toml");
    std::fs::write(
        &config,
        "[[suppress]]\nrule = \"unscoped-internal-npm-package\"\nresource = \"arn:aws:codeartifact:us-east-1:111122223333:package/acme/none/*\"\nreason = \"r\"\n",
    )
    .expect("config");
    let config = config.display().to_string();
    let (code, _, stderr) = caguard(&["scan", "--inventory", DEMO, "--config", &config]);
    assert_eq!(code, 1);
    assert!(stderr.contains("warning: suppression"), "{stderr}");
    let (code, _, stderr) = caguard(&["-q", "scan", "--inventory", DEMO, "--config", &config]);
    assert_eq!(code, 1);
    assert_eq!(stderr, "", "-q: only errors on stderr");
    let (code, _, stderr) = caguard(&["-q", "scan", "--inventory", "/nonexistent.json"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: "),
        "errors still print: {stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Defect 9: facts --resource that matches nothing

#[test]
fn facts_for_a_resource_that_does_not_exist_is_an_error() {
    let (code, stdout, stderr) = caguard(&[
        "facts",
        "--inventory",
        DEMO,
        "--resource",
        "arn:aws:codeartifact:us-east-1:111122223333:repository/acme/nope",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("repository/acme/nope"), "{stderr}");

    // One key style: snake_case, as the fact paths of rules.
    let (code, stdout, _) = caguard(&[
        "facts",
        "--inventory",
        DEMO,
        "--resource",
        "arn:aws:codeartifact:us-east-1:111122223333:repository/acme/app",
        "--scope",
        "repository",
        "--scope",
        "package-group",
    ]);
    assert_eq!(code, 0);
    let facts: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let keys: Vec<&String> = facts.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["package_groups", "repositories", "warnings"]);
    fn camel(value: &serde_json::Value) -> Option<String> {
        match value {
            serde_json::Value::Object(map) => map.iter().find_map(|(key, value)| {
                key.chars()
                    .any(|c| c.is_ascii_uppercase())
                    .then(|| key.clone())
                    .or_else(|| camel(value))
            }),
            serde_json::Value::Array(items) => items.iter().find_map(camel),
            _ => None,
        }
    }
    assert_eq!(camel(&facts), None, "{stdout}");
}

// ---------------------------------------------------------------------------------------------
// Defect 10: one definition of the counts

#[test]
fn summary_counts_agree_across_formats() {
    let (_, json, _) = scan_demo(&["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let summary = &report["summary"];
    let findings = report["findings"].as_array().expect("findings").len() as u64;
    let total = summary["total"].as_u64().expect("total");
    let suppressed = summary["suppressed"].as_u64().expect("suppressed");
    assert!(suppressed > 0, "the demo suppresses one finding");
    assert_eq!(total + suppressed, findings);
    assert_eq!(summary["new"].as_u64().expect("new"), total);
    let by_severity: u64 = summary["bySeverity"]
        .as_object()
        .expect("bySeverity")
        .values()
        .filter_map(|v| v.as_u64())
        .sum();
    assert_eq!(by_severity, total);
    let (_, text, _) = scan_demo(&[]);
    assert!(
        text.contains(&format!("\n{total} finding(s): ")),
        "text and JSON count alike"
    );
    let (_, concise, _) = scan_demo(&["--format", "concise"]);
    assert_eq!(
        concise.lines().count() as u64,
        total + 1,
        "one line each + verdict"
    );
}

// ---------------------------------------------------------------------------------------------
// Defect 11: one SARIF category for a scope without an account

#[test]
fn an_inventory_without_account_has_one_non_empty_sarif_category() {
    let dir = common::scratch("cli", "no-account");
    let inventory = dir.join("inventory.json");
    std::fs::write(
        &inventory,
        r#"{"inventoryVersion": 1, "region": "us-east-1", "domains": [],
            "errors": [{"operation": "ListDomains", "resource": "arn:aws:codeartifact:us-east-1::domain/*",
                        "code": "AccessDeniedException", "message": "denied"}]}"#,
    )
    .expect("inventory");
    let inventory = inventory.display().to_string();
    let (code, sarif, stderr) = caguard(&["scan", "--inventory", &inventory, "--format", "sarif"]);
    assert_eq!(code, 3, "{stderr}");
    let log: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF");
    let ids: Vec<&str> = log["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .filter_map(|run| run["automationDetails"]["id"].as_str())
        .collect();
    assert_eq!(ids, ["caguard/unknown/us-east-1/incomplete/"]);
}

// ---------------------------------------------------------------------------------------------
// What users of ruff, zizmor, cargo-deny and the AWS CLI expect

#[test]
fn text_report_on_a_terminal_is_coloured_and_wrapped() {
    let (code, text, _) = scan_demo(&["--color", "always"]);
    assert_eq!(code, 1);
    assert!(text.contains("\x1b[1;31mCRITICAL (8)\x1b[0m"), "{text}");
    // COLUMNS=100: prose wraps, ARNs and commands do not break.
    let head: String = text.lines().take(40).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!("text_report_colour_wrapped_head", head);
    for line in text.lines() {
        let visible = line.replace("\x1b[0m", "").replace("\x1b[1m", "");
        let long_word = visible.split(' ').any(|w| w.chars().count() > 60);
        assert!(
            visible.chars().count() <= 100 || long_word || visible.contains("$ aws "),
            "wrapped at 100: {visible}"
        );
    }
    let (_, plain, _) = scan_demo(&["--color", "never"]);
    assert!(!plain.contains('\x1b'));
}

/// `script` gives the child a terminal, so `--color auto` has something to detect.
fn on_a_terminal(shell_command: &str, no_color: bool) -> String {
    let mut command = Command::new("script");
    command
        .args(["-qec", shell_command, "/dev/null"])
        .current_dir(common::root())
        .env_remove("NO_COLOR");
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let output = command.output().expect("script (util-linux) runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn colour_is_automatic_on_a_terminal_and_no_color_turns_it_off() {
    let binary = env!("CARGO_BIN_EXE_caguard");
    let scan = format!("{binary} scan --inventory {DEMO} --config {DEMO_CONFIG} --format concise");
    assert!(on_a_terminal(&scan, false).contains("\x1b["));
    assert!(!on_a_terminal(&scan, true).contains("\x1b["));
    // Piped, it is plain.
    let (_, piped, _) = scan_demo(&["--format", "concise"]);
    assert!(!piped.contains('\x1b'));
}

#[test]
fn concise_format_snapshot() {
    let (code, text, _) = scan_demo(&["--format", "concise"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("concise_report", text);
}

#[test]
fn only_new_prints_what_the_baseline_does_not_have() {
    let dir = common::scratch("cli", "only-new");
    let (_, json, _) = scan_demo(&["--format", "json"]);
    // A baseline from before: every finding but those of one rule.
    let mut report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    report["findings"]
        .as_array_mut()
        .expect("findings")
        .retain(|f| f["ruleId"] != "unscoped-internal-npm-package");
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, report.to_string()).expect("baseline");
    let baseline = baseline.display().to_string();
    let (code, text, stderr) =
        scan_demo(&["--baseline", &baseline, "--only-new", "--format", "concise"]);
    assert_eq!(code, 0, "unscoped-internal-npm-package is medium: {stderr}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 1);
    for line in &lines[..lines.len() - 1] {
        assert!(line.contains(" unscoped-internal-npm-package "), "{line}");
    }
    assert_eq!(
        lines.last().copied(),
        Some("exit 0: no new finding at or above high (--fail-on high)")
    );
    let (code, _, stderr) = caguard(&["scan", "--inventory", DEMO, "--only-new"]);
    assert_eq!(code, 2, "--only-new needs --baseline: {stderr}");
}

#[test]
fn dash_is_stdin_and_stdout() {
    let mut child = command(&[
        "scan",
        "--inventory",
        "-",
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--output",
        "-",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .expect("caguard starts");
    let demo = std::fs::read(common::root().join(DEMO)).expect("demo");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&demo)
        .expect("write stdin");
    let output = child.wait_with_output().expect("caguard ends");
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["scan"]["inventory"], "<stdin>");
    let (_, from_file, _) = scan_demo(&["--format", "json"]);
    let from_file: serde_json::Value = serde_json::from_str(&from_file).expect("JSON");
    assert_eq!(report["findings"], from_file["findings"]);
}

#[test]
fn check_loads_policy_without_scanning() {
    let (code, stdout, stderr) = caguard(&["check", "--config", DEMO_CONFIG]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("check_demo_config", stdout);
    let dir = common::scratch("cli", "check");
    let config = dir.join("caguard.toml");
    std::fs::write(&config, "[internal]\npatterns = [\"/npm/acme\"]\n").expect("config");
    let (code, _, stderr) = caguard(&["check", "--config", &config.display().to_string()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("caguard.toml:2:"), "{stderr}");
}

#[test]
fn rules_list_as_json() {
    let (code, stdout, _) = caguard(&["rules", "list", "--format", "json"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("rules_list_json", stdout);
}

#[test]
fn help_is_documented_with_exit_codes() {
    for (name, args) in [
        ("help_caguard", vec!["--help"]),
        ("help_scan", vec!["scan", "--help"]),
        ("help_collect", vec!["collect", "--help"]),
        ("help_fix_apply", vec!["fix", "apply", "--help"]),
        ("help_shards", vec!["shards", "--help"]),
        ("help_merge", vec!["merge", "--help"]),
    ] {
        let (code, stdout, _) = caguard(&args);
        assert_eq!(code, 0);
        insta::assert_snapshot!(name, stdout);
    }
    let (_, scan_help, _) = caguard(&["scan", "--help"]);
    assert!(scan_help.contains("Exit codes:\n  0  "));
}

#[test]
fn version_names_the_commit_and_the_rule_pack() {
    let (code, stdout, _) = caguard(&["--version"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with(&format!("caguard {} (commit ", env!("CARGO_PKG_VERSION"))));
    assert!(stdout.contains("; rule pack 14 rules, digest "), "{stdout}");
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stdout, stderr) = caguard(&["completions", shell]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("caguard"), "{shell}");
        assert!(stdout.contains("fail-on"), "{shell}: flags are completed");
    }
    let (code, man, _) = caguard(&["man"]);
    assert_eq!(code, 0);
    assert!(
        man.starts_with(".ie") || man.contains(".TH caguard"),
        "{man}"
    );
    assert!(man.contains("Exit codes"));
}

#[test]
fn names_from_the_inventory_cannot_reach_the_terminal_raw() {
    let demo = std::fs::read_to_string(common::root().join(DEMO)).expect("demo");
    // A hostile package name: an ANSI escape that clears the screen, and a fake report line.
    let hostile = demo.replacen(
        "\"package\": \"acme-billing\"",
        "\"package\": \"acme-billing\\u001b[2J\\nexit 0: no new finding\"",
        1,
    );
    assert_ne!(hostile, demo);
    let dir = common::scratch("cli", "escapes");
    let inventory = dir.join("hostile.json");
    std::fs::write(&inventory, hostile).expect("inventory");
    let inventory = inventory.display().to_string();
    for format in ["text", "concise"] {
        let (_, stdout, stderr) = caguard(&[
            "scan",
            "--inventory",
            &inventory,
            "--config",
            DEMO_CONFIG,
            "--format",
            format,
        ]);
        assert!(!stdout.contains('\x1b'), "{format}: raw escape in stdout");
        assert!(!stderr.contains('\x1b'), "{format}: raw escape in stderr");
        assert!(
            !stdout.lines().any(|l| l == "exit 0: no new finding"),
            "{format}: a name forged a report line"
        );
    }
}

#[test]
fn the_report_names_the_config_in_use() {
    let (_, text, _) = scan_demo(&[]);
    assert!(
        text.lines()
            .any(|l| l == "config: fixtures/demo/caguard.toml"),
        "{text}"
    );
    let dir = common::scratch("cli", "no-config");
    let output = Command::new(env!("CARGO_BIN_EXE_caguard"))
        .args(["scan", "--inventory"])
        .arg(common::root().join(DEMO))
        .current_dir(&dir)
        .output()
        .expect("caguard runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("\nconfig: none"), "{text}");
}
