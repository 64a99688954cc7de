//! The emulator's own routes: request counters and the current state.

use crate::world::{acme, client, raw, start};
use caguard::inventory::Inventory;
use codeartifact_emulator::Options;
use std::collections::BTreeMap;
use std::path::Path;

#[tokio::test]
async fn inventory_round_trips_without_writes() {
    let loaded = acme();
    let emulator = start(loaded.clone(), Options::default()).await;
    // Reads of every kind must not change the state.
    let client = client(&emulator);
    client.list_domains().send().await.unwrap();
    client
        .list_package_groups()
        .domain("beta")
        .send()
        .await
        .unwrap();
    client
        .describe_package_group()
        .domain("acme")
        .package_group("/npm/*")
        .send()
        .await
        .unwrap();

    let (status, _, body) = raw(&emulator, "GET", "/__emulator/inventory", &[], "").await;
    assert_eq!(status, 200);
    let served = Inventory::parse(&body, Path::new("/__emulator/inventory")).unwrap();
    assert_eq!(served, loaded);
    assert_eq!(emulator.inventory(), loaded);
}

#[tokio::test]
async fn demo_fixture_round_trips_when_present() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo/acme.json");
    let Ok(loaded) = Inventory::load(&path) else {
        eprintln!("skipped: {} is not there (yet)", path.display());
        return;
    };
    let emulator = start(loaded.clone(), Options::default()).await;
    let client = client(&emulator);
    let domains = client.list_domains().send().await.unwrap();
    assert_eq!(domains.domains().len(), loaded.domains.len());
    let (_, _, body) = raw(&emulator, "GET", "/__emulator/inventory", &[], "").await;
    assert_eq!(
        Inventory::parse(&body, Path::new("served")).unwrap(),
        loaded
    );
}

#[tokio::test]
async fn stats_count_requests_per_operation() {
    let options = Options {
        deny: vec!["*:repository/acme/npm-store".into()],
        ..Options::default()
    };
    let emulator = start(acme(), options).await;
    let client = client(&emulator);
    for _ in 0..3 {
        client
            .list_packages()
            .domain("acme")
            .repository("app")
            .send()
            .await
            .unwrap();
    }
    client
        .describe_repository()
        .domain("acme")
        .repository("npm-store")
        .send()
        .await
        .unwrap_err();
    client
        .describe_domain()
        .domain("missing")
        .send()
        .await
        .unwrap_err();

    let expected: BTreeMap<String, u64> = [
        ("DescribeDomain", 1),
        ("DescribeRepository", 1),
        ("ListPackages", 3),
    ]
    .into_iter()
    .map(|(name, count)| (name.to_string(), count))
    .collect();
    assert_eq!(emulator.stats(), expected);
    let (status, _, body) = raw(&emulator, "GET", "/__emulator/stats", &[], "").await;
    assert_eq!(status, 200);
    let served: BTreeMap<String, u64> = serde_json::from_str(&body).unwrap();
    assert_eq!(served, expected, "control routes are not counted");
}
