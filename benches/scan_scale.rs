//! Offline scale benchmark. Prints numbers; no assertions.
//!
//! `cargo bench --bench scan_scale [-- VERSIONS... | hostile]`
//!
//! For each size (default 1M, 2M and 4M versions; `10000000` for ten million), the generated
//! world of `tests/common/world.rs` (100,000 packages × 10 versions per million) is written to
//! `target/scan_scale/world-VERSIONS.json` (streamed; kept for the next run), then scanned in a
//! child process of this binary, phase by phase: parse (load the file), facts, rules (with
//! suppressions and gate), JSON report, SARIF report (both written to files in the same
//! directory). Each phase prints its wall time and the process's peak RSS so far (`VmHWM`), so
//! the peak of a phase is the largest value up to it. Then the hostile shapes of
//! `tests/hostile/shapes.rs` (names that all collide or look alike, identical records) are timed;
//! `hostile` runs only those.

#[path = "../tests/hostile/shapes.rs"]
mod shapes;

#[path = "../tests/common/world.rs"]
#[allow(dead_code)]
mod world;

use caguard::config::{Config, Date};
use caguard::inventory::*;
use caguard::rules::RuleSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

// The allocator `caguard` itself runs with (see src/main.rs), so the phases' memory is the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, file] = args.as_slice() {
        if flag == "--child" {
            child(Path::new(file));
            return;
        }
    }
    let hostile_only = args.iter().any(|a| a == "hostile");
    if !hostile_only {
        let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
        if sizes.is_empty() {
            sizes = vec![1_000_000, 2_000_000, 4_000_000];
        }
        for versions in sizes {
            scale(versions);
        }
    }
    hostile();
}

/// Each shape once cost quadratic time or memory; the times must grow linearly with the size.
fn hostile() {
    let config = Config::default();
    let rules = RuleSet::load(&[]).expect("built-in rules");
    let scan = |name: &str, text: String| {
        let started = Instant::now();
        match Inventory::parse(&text, std::path::Path::new("hostile.json")) {
            Ok(inventory) => {
                let result =
                    caguard::app::scan(&inventory, None, &config, &rules, None, Date::today())
                        .expect("scan");
                let report = caguard::report::json::render(&result);
                println!(
                    "hostile {name}: parse + scan + JSON report in {:.2?}, {} findings, {} MB report",
                    started.elapsed(),
                    result.findings.len(),
                    report.len() / 1_000_000
                );
            }
            Err(error) => println!(
                "hostile {name}: refused in {:.2?}: {error}",
                started.elapsed()
            ),
        }
    };
    for count in [10_000, 50_000] {
        scan(
            &format!("{count} colliding PyPI names"),
            shapes::colliding_pypi_names(count),
        );
    }
    for pairs in [2_000, 8_000] {
        scan(
            &format!("{pairs} lookalike pairs"),
            shapes::lookalike_pairs(pairs),
        );
    }
    scan(
        "40000 identical package records",
        shapes::identical_records(40_000),
    );
}

/// Writes (once) and scans the world of `versions` versions in a child process.
fn scale(versions: usize) {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/scan_scale");
    std::fs::create_dir_all(&directory).expect("target/scan_scale");
    let file = directory.join(format!("world-{versions}.json"));
    let size = world::WorldSize {
        packages: versions.div_ceil(10),
        versions_per_package: 10,
    };
    if !file.exists() {
        let started = Instant::now();
        let partial = file.with_extension("partial");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&partial).expect("create"));
        world::write_world(&mut out, size).expect("write world");
        out.flush().expect("write world");
        drop(out);
        std::fs::rename(&partial, &file).expect("rename");
        println!("generated {file:?} in {:.2?}", started.elapsed());
    }
    let bytes = std::fs::metadata(&file).map_or(0, |m| m.len());
    println!(
        "== {} versions ({} packages × 10), inventory {} MB, {} threads",
        size.versions(),
        size.packages,
        bytes / 1_000_000,
        rayon::current_num_threads()
    );
    let started = Instant::now();
    let status = std::process::Command::new(std::env::current_exe().expect("own path"))
        .arg("--child")
        .arg(&file)
        .status()
        .expect("child runs");
    println!(
        "   total {:.2?} (child exit {status}){}",
        started.elapsed(),
        if status.success() { "" } else { " FAILED" }
    );
}

/// `(VmHWM, VmRSS)` of this process in MB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn phase(name: &str, started: Instant, extra: &str) {
    let (peak, now) = memory();
    println!(
        "   {name:<12} {:>9.2?}   peak RSS {peak:>6} MB   now {now:>6} MB{extra}",
        started.elapsed()
    );
}

/// The phases, in this (child) process, so that the peak RSS is the scan's alone.
fn child(file: &Path) {
    let config = Config::default();
    let rules = RuleSet::load(&[]).expect("built-in rules");
    let total = Instant::now();
    let started = Instant::now();
    let inventory = Inventory::load(file).expect("parses");
    let bytes = std::fs::metadata(file).map_or(0, |m| m.len());
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    phase(
        "parse",
        started,
        &format!(", {:.0} MB/s", bytes as f64 / 1e6 / seconds),
    );
    // `SCAN_SCALE_PARSE_ONLY=1`: stop here (for `/usr/bin/time` or a profile of the parse alone).
    if std::env::var_os("SCAN_SCALE_PARSE_ONLY").is_some() {
        return;
    }
    let started = Instant::now();
    let facts = caguard::app::derive_facts(&inventory, &config, &rules);
    phase(
        "facts",
        started,
        &format!(", {} version facts", facts.versions.len()),
    );
    let started = Instant::now();
    // As `caguard scan` does: the model goes once the facts exist.
    let summary = caguard::app::InventorySummary::take(inventory);
    phase("drop model", started, "");
    let started = Instant::now();
    let result = caguard::app::scan_derived(
        summary,
        facts,
        Some(file),
        &config,
        &rules,
        None,
        Date::today(),
    )
    .expect("scan");
    phase(
        "rules",
        started,
        &format!(", {} findings", result.findings.len()),
    );
    let started = Instant::now();
    let out = file.with_extension("report.json");
    let mut writer = std::io::BufWriter::new(std::fs::File::create(&out).expect("report file"));
    caguard::report::json::write(&result, &mut writer).expect("write JSON");
    writer.flush().expect("write JSON");
    drop(writer);
    let size = std::fs::metadata(&out).map_or(0, |m| m.len());
    phase(
        "report json",
        started,
        &format!(", {} MB", size / 1_000_000),
    );
    let started = Instant::now();
    let out = file.with_extension("report.sarif");
    let mut writer = std::io::BufWriter::new(std::fs::File::create(&out).expect("report file"));
    caguard::report::sarif::write(&result, &rules, None, &mut writer).expect("write SARIF");
    writer.flush().expect("write SARIF");
    drop(writer);
    let size = std::fs::metadata(&out).map_or(0, |m| m.len());
    phase(
        "report sarif",
        started,
        &format!(", {} MB", size / 1_000_000),
    );
    println!("   scan total   {:>9.2?}", total.elapsed());
}
