//! Paging over 2,500 packages: every package exactly once, with page size 1000 and the default.

use crate::world::{client, many_packages, start};
use codeartifact_emulator::Options;
use std::collections::BTreeSet;
use std::time::Instant;

async fn collect_all(page_size: Option<i32>) -> (Vec<String>, u64) {
    let emulator = start(many_packages(2500), Options::default()).await;
    let client = client(&emulator);
    let mut paginator = client
        .list_packages()
        .domain("big")
        .repository("huge")
        .into_paginator();
    if let Some(size) = page_size {
        paginator = paginator.page_size(size);
    }
    let packages = paginator.items().send().try_collect().await.unwrap();
    let names = packages
        .iter()
        .map(|p| p.package().unwrap().to_string())
        .collect();
    (names, emulator.count("ListPackages"))
}

fn assert_each_once(names: &[String]) {
    assert_eq!(names.len(), 2500);
    let unique: BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), 2500);
    assert!(unique.contains(&"pkg-00000".to_string()) && unique.contains(&"pkg-02499".to_string()));
}

#[tokio::test]
async fn page_size_1000() {
    let started = Instant::now();
    let (names, requests) = collect_all(Some(1000)).await;
    assert_each_once(&names);
    assert_eq!(requests, 3);
    eprintln!(
        "2,500 packages in pages of 1000: {requests} requests, {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn default_page_size() {
    let started = Instant::now();
    let (names, requests) = collect_all(None).await;
    assert_each_once(&names);
    assert_eq!(requests, 25, "default page size 100");
    eprintln!(
        "2,500 packages in default pages: {requests} requests, {:?}",
        started.elapsed()
    );
}
