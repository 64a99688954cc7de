//! The `codeartifact-emulator` binary, as a person runs it.

use crate::world::acme;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

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

/// A running `codeartifact-emulator`, killed on drop.
struct Served {
    child: Child,
    address: String,
}

impl Served {
    fn start(inventory: &Path, extra: &[&str]) -> Served {
        let mut child = Command::new(BINARY)
            .arg("--inventory")
            .arg(inventory)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().rsplit(' ').next().unwrap_or_default();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        let address = url.trim_start_matches("http://").to_string();
        Served { child, address }
    }

    /// One GET over a fresh connection; `signed` adds a SigV4-shaped Authorization header.
    fn get(&self, target: &str, signed: bool) -> String {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        let auth = if signed {
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/us-east-1/codeartifact/aws4_request, SignedHeaders=host, Signature=00\r\n"
        } else {
            ""
        };
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {}\r\n{auth}Connection: close\r\n\r\n",
            self.address
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serves_an_inventory_file_on_loopback() {
    let directory = std::env::temp_dir().join(format!("caguard-emulator-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("world.json");
    std::fs::write(&file, acme().to_json()).unwrap();

    let served = Served::start(&file, &["--deny", "*:domain/beta"]);
    let domain = served.get("/v1/domain?domain=acme", true);
    assert!(domain.starts_with("HTTP/1.1 200"), "{domain}");
    assert!(domain.contains("\"name\":\"acme\""));
    let denied = served.get("/v1/domain?domain=beta", true);
    assert!(denied.starts_with("HTTP/1.1 403"), "{denied}");
    let stats = served.get("/__emulator/stats", false);
    assert!(stats.contains("\"DescribeDomain\":2"), "{stats}");
    drop(served);
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn serves_the_demo_world_when_present() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo/acme.json");
    if !demo.exists() {
        eprintln!("skipped: {} is not there", demo.display());
        return;
    }
    let served = Served::start(&demo, &[]);
    let groups = served.get("/v1/package-group?domain=acme&package-group=%2F%2A", true);
    assert!(groups.starts_with("HTTP/1.1 200"), "{groups}");
    let inventory = served.get("/__emulator/inventory", false);
    let body = inventory
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .unwrap_or_default();
    let served_state = caguard::inventory::Inventory::parse(body, Path::new("served")).unwrap();
    assert_eq!(
        served_state,
        caguard::inventory::Inventory::load(&demo).unwrap()
    );
}
