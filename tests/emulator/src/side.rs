//! State the inventory format has no place for: tags, assets, readmes, dependencies,
//! authorization tokens and policy revisions. It lives beside the inventory, keyed by ARN or
//! by (package ARN, version), so caguard's inventory format stays what the scanner reads.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256, Sha512};
use std::collections::BTreeMap;

/// (package ARN, normalized version).
pub type VersionKey = (String, String);

/// One stored asset of a package version.
#[derive(Debug, Clone)]
pub struct Asset {
    pub name: String,
    pub content: Vec<u8>,
}

impl Asset {
    /// `AssetSummary`: name, size and the hashes this emulator computes (SHA-256, SHA-512).
    pub fn summary(&self) -> Value {
        json!({
            "name": self.name,
            "size": self.content.len(),
            "hashes": {
                "SHA-256": sha256_hex(&self.content),
                "SHA-512": hex::encode(Sha512::digest(&self.content)),
            },
        })
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[derive(Debug, Default)]
pub struct Side {
    /// Resource ARN → tags in insertion order (`Tag` is `{key, value}`).
    pub tags: BTreeMap<String, Vec<(String, String)>>,
    pub assets: BTreeMap<VersionKey, Vec<Asset>>,
    pub readmes: BTreeMap<VersionKey, String>,
    /// `PackageDependency` objects as served.
    pub dependencies: BTreeMap<VersionKey, Vec<Value>>,
    /// Token → (domain ARN, expiry in epoch seconds). Nothing checks them: the emulator serves
    /// no package-manager endpoints.
    pub tokens: BTreeMap<String, (String, f64)>,
    /// Issues revisions and tokens, so each is unique within one emulator run.
    counter: u64,
}

impl Side {
    /// A fresh opaque string (revisions, tokens): unique in this run, deterministic across runs.
    pub fn unique(&mut self, kind: &str, about: &str) -> String {
        self.counter += 1;
        let digest = Sha256::digest(format!("{kind}\n{about}\n{}", self.counter).as_bytes());
        // 40 hex characters: within PackageVersionRevision's and PolicyRevision's 1..50.
        hex::encode(digest).chars().take(40).collect()
    }

    /// Replaces the tags of a new resource, dropping any left by a deleted one of the same ARN.
    pub fn set_tags(&mut self, arn: &str, tags: Vec<(String, String)>) {
        if tags.is_empty() {
            self.tags.remove(arn);
        } else {
            self.tags.insert(arn.to_string(), tags);
        }
    }

    pub fn tag_list(&self, arn: &str) -> Value {
        let tags = self.tags.get(arn).map(Vec::as_slice).unwrap_or_default();
        Value::Array(
            tags.iter()
                .map(|(key, value)| {
                    let mut tag = Map::new();
                    tag.insert("key".into(), Value::String(key.clone()));
                    tag.insert("value".into(), Value::String(value.clone()));
                    Value::Object(tag)
                })
                .collect(),
        )
    }

    /// Forgets everything stored for one version (deleted, disposed or re-created).
    pub fn forget_version(&mut self, key: &VersionKey) {
        self.assets.remove(key);
        self.readmes.remove(key);
        self.dependencies.remove(key);
    }

    /// Forgets every version of one package.
    pub fn forget_package(&mut self, package_arn: &str) {
        let belongs = |key: &VersionKey| key.0 == package_arn;
        self.assets.retain(|key, _| !belongs(key));
        self.readmes.retain(|key, _| !belongs(key));
        self.dependencies.retain(|key, _| !belongs(key));
    }
}
