//! Inputs found while fuzzing (`fuzz/README.md`), through the CLI: each is a one-line error
//! with a position and exit code 2. Library-level finds have unit tests next to the code
//! (`facts::version` tests, `config` tests).

mod common;

use common::caguard;

/// Exactly one line on stderr, an `error:` naming `location`, mentioning `contains`.
fn assert_one_line_error(code: i32, stderr: &str, location: &str, contains: &str) {
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: {location}")),
        "{stderr}"
    );
    assert!(stderr.contains(contains), "{stderr}");
}

#[test]
fn a_config_value_with_a_line_break_is_quoted_on_one_line() {
    let path = "fixtures/hostile/config-pattern-line-break/caguard.toml";
    let (code, _, stderr) = caguard(&["check", "--config", path]);
    assert_one_line_error(
        code,
        &stderr,
        &format!("{path}:3:13:"),
        r"`/npm/acme\nui/*`",
    );
}

#[test]
fn a_rule_id_with_a_line_break_is_quoted_on_one_line() {
    let dir = "fixtures/hostile/rules-id-line-break";
    let (code, _, stderr) = caguard(&["check", "--rules", dir]);
    assert_one_line_error(
        code,
        &stderr,
        &format!("{dir}/line-break-id.toml:2:6:"),
        r"rule id `line\nbreak` must be kebab-case",
    );
}
