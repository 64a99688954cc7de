//! A deterministic generated world, written as inventory JSON straight to a writer (nothing of it
//! is held in memory, so a ten-million-version inventory can be written to a file). Shared by
//! `tests/report_hashes.rs` and `benches/scan_scale.rs` (which includes this file by path).
//!
//! One domain `acme` (account 111122223333, us-east-1): `app` searches `internal` then
//! `npm-store`, which holds `public:npmjs`. Packages are spread over the three repositories;
//! every other one is in the npm scope `acme`; a third are internal packages (mostly INTERNAL
//! versions, every seventh EXTERNAL), the rest EXTERNAL, with a sprinkling of unknown origins,
//! unlisted versions and blocked upstreams, so that most rules of the pack have something to
//! find. The shape is pretty-printed JSON like `caguard collect` writes (~370 bytes a version).

use std::io::{self, Write};

/// The size of a generated world.
#[derive(Debug, Clone, Copy)]
pub struct WorldSize {
    pub packages: usize,
    pub versions_per_package: usize,
}

impl WorldSize {
    pub fn versions(&self) -> usize {
        self.packages * self.versions_per_package
    }
}

const HEAD: &str = r#"{
  "inventoryVersion": 1,
  "region": "us-east-1",
  "domains": [
    {
      "domain": {
        "name": "acme",
        "owner": "111122223333",
        "arn": "arn:aws:codeartifact:us-east-1:111122223333:domain/acme"
      },
      "repositories": ["#;

/// The repositories: name, upstreams, whether it holds `public:npmjs`.
const REPOSITORIES: [(&str, &[&str], bool); 3] = [
    ("app", &["internal", "npm-store"], false),
    ("internal", &[], false),
    ("npm-store", &[], true),
];

/// Writes the world to `out` (buffer it: many small writes).
pub fn write_world(out: &mut impl Write, size: WorldSize) -> io::Result<()> {
    out.write_all(HEAD.as_bytes())?;
    for (slot, (name, upstreams, connection)) in REPOSITORIES.iter().enumerate() {
        if slot > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            "\n        {{\n          \"repository\": {{\n            \"name\": \"{name}\",\n            \"upstreams\": ["
        )?;
        for (index, upstream) in upstreams.iter().enumerate() {
            let comma = if index > 0 { "," } else { "" };
            write!(
                out,
                "{comma}\n              {{\n                \"repositoryName\": \"{upstream}\"\n              }}"
            )?;
        }
        out.write_all(if upstreams.is_empty() {
            b"]"
        } else {
            b"\n            ]"
        })?;
        if *connection {
            out.write_all(b",\n            \"externalConnections\": [\n              {\n                \"externalConnectionName\": \"public:npmjs\",\n                \"packageFormat\": \"npm\",\n                \"status\": \"Available\"\n              }\n            ]")?;
        }
        out.write_all(b"\n          },\n          \"packages\": [")?;
        let mut first = true;
        for index in (slot..size.packages).step_by(REPOSITORIES.len()) {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            write_package(out, index, size.versions_per_package)?;
        }
        out.write_all(if first { b"]" } else { b"\n          ]" })?;
        out.write_all(b"\n        }")?;
    }
    out.write_all(b"\n      ]\n    }\n  ]\n}\n")
}

fn write_package(out: &mut impl Write, index: usize, versions: usize) -> io::Result<()> {
    let internal = index.is_multiple_of(3);
    let namespace = if index.is_multiple_of(2) {
        "\n              \"namespace\": \"acme\","
    } else {
        ""
    };
    let upstream = if index.is_multiple_of(5) {
        "BLOCK"
    } else {
        "ALLOW"
    };
    // Some records predate origin controls.
    let origin_configuration = if index % 13 == 4 {
        String::new()
    } else {
        format!(",\n              \"originConfiguration\": {{\n                \"restrictions\": {{\n                  \"publish\": \"ALLOW\",\n                  \"upstream\": \"{upstream}\"\n                }}\n              }}")
    };
    write!(
        out,
        "\n            {{\n              \"package\": {{\n              \"format\": \"npm\",{namespace}\n              \"package\": \"package-{index}\"{origin_configuration}\n              }},\n              \"versions\": ["
    )?;
    for v in 0..versions {
        let number = v + 1;
        let comma = if v > 0 { "," } else { "" };
        let status = if (index + v) % 17 == 3 {
            "Unlisted"
        } else {
            "Published"
        };
        write!(
            out,
            "{comma}\n                {{\n                  \"version\": \"{}.{}.{}\",\n                  \"revision\": \"{:016x}{:016x}AAAAAAAAAAAA=\",\n                  \"status\": \"{status}\"",
            number / 100,
            (number / 10) % 10,
            number % 10,
            index as u64,
            number as u64,
        )?;
        if (index * 7 + v) % 101 == 50 {
            // No origin recorded: unknown provenance.
        } else if internal && !v.is_multiple_of(7) {
            out.write_all(b",\n                  \"origin\": {\n                    \"domainEntryPoint\": {\n                      \"repositoryName\": \"internal\"\n                    },\n                    \"originType\": \"INTERNAL\"\n                  }")?;
        } else {
            out.write_all(b",\n                  \"origin\": {\n                    \"domainEntryPoint\": {\n                      \"externalConnectionName\": \"public:npmjs\"\n                    },\n                    \"originType\": \"EXTERNAL\"\n                  }")?;
        }
        out.write_all(b"\n                }")?;
    }
    out.write_all(if versions == 0 {
        b"]\n            }"
    } else {
        b"\n              ]\n            }"
    })
}

/// The world as a string (small worlds, in tests).
pub fn world_json(size: WorldSize) -> String {
    let mut bytes = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_world(&mut bytes, size);
    String::from_utf8(bytes).unwrap_or_default()
}
