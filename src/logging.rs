//! Diagnostics on stderr (`tracing`), at the verbosity `-v`/`-q` ask for.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer as _;

/// Installs the stderr logger: warnings by default, `-v` info, `-vv` debug, `-vvv` trace,
/// `-q` errors only.
///
/// Only caguard's own events are shown, whatever the level: the AWS SDK crates log requests
/// at debug/trace level, and a signed request carries the session token in a header, so
/// their output must never reach a CI log.
pub fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::WARN,
        (false, 1) => LevelFilter::INFO,
        (false, 2) => LevelFilter::DEBUG,
        (false, _) => LevelFilter::TRACE,
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_filter(Targets::new().with_target("caguard", level));
    // A second init (tests calling `run` twice in one process) keeps the first logger.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}
