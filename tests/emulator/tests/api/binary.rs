//! The `codeartifact-emulator` binary, as a person runs it.

use crate::world::acme;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_codeartifact-emulator");

#[test]
fn help_documents_every_flag() {
    let output = Command::new(BINARY).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--inventory",
        "--port",
        "--latency-ms",
        "--throttle-rate",
        "--error-rate",
        "--deny",
        "--fail-writes-after",
        "--seed",
        "--page-size",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[test]
fn bad_arguments_are_refused() {
    let output = Command::new(BINARY)
        .args(["--inventory", "x.json", "--throttle-rate", "1.5"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let output = Command::new(BINARY)
        .args(["--inventory", "/nonexistent/x.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read"));
}

#[test]
fn serves_an_inventory_file_on_loopback() {
    let directory = std::env::temp_dir().join(format!("caguard-emulator-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("world.json");
    std::fs::write(&file, acme().to_json()).unwrap();

    let mut child = Command::new(BINARY)
        .arg("--inventory")
        .arg(&file)
        .args(["--port", "0", "--deny", "*:domain/beta"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let address = url.trim_start_matches("http://");

    let get = |target: &str, authorization: bool| {
        let mut stream = TcpStream::connect(address).unwrap();
        let auth = if authorization {
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/us-east-1/codeartifact/aws4_request, SignedHeaders=host, Signature=00\r\n"
        } else {
            ""
        };
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    let domain = get("/v1/domain?domain=acme", true);
    assert!(domain.starts_with("HTTP/1.1 200"), "{domain}");
    assert!(domain.contains("\"name\":\"acme\""));
    let denied = get("/v1/domain?domain=beta", true);
    assert!(denied.starts_with("HTTP/1.1 403"), "{denied}");
    let stats = get("/__emulator/stats", false);
    assert!(stats.contains("\"DescribeDomain\":2"), "{stats}");

    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&directory).unwrap();
}
