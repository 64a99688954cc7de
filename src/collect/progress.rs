//! The progress display on stderr: a spinner counting packages while repositories are still
//! being listed (the total is not known yet), then a bar once every listing is done.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const COUNTING: &str =
    "{spinner} {elapsed_precise} {pos} packages read, {len} found so far (still listing)  {msg}";
const BAR: &str = "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} packages  {msg}";

#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    /// Listings (of domains, repositories, packages) that may still find packages.
    pending: Arc<AtomicUsize>,
}

/// A listing in progress; the total is known once the last one is dropped.
pub struct Listing(Progress);

impl Drop for Listing {
    fn drop(&mut self) {
        if self.0.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            set_style(&self.0.bar, BAR);
        }
    }
}

fn set_style(bar: &ProgressBar, template: &str) {
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        let bar = if enabled {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            set_style(&bar, COUNTING);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            pending: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// Starts a listing. Start the listings it leads to before dropping it, so the count never
    /// reaches zero while something is still to be listed.
    pub fn listing(&self) -> Listing {
        self.pending.fetch_add(1, Ordering::AcqRel);
        Listing(self.clone())
    }

    pub fn found(&self, packages: usize) {
        self.bar.inc_length(packages as u64);
    }

    pub fn read_one(&self) {
        self.bar.inc(1);
    }

    pub fn set_message(&self, message: String) {
        self.bar.set_message(message);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_appears_when_the_last_listing_ends() {
        let progress = Progress::new(false);
        let root = progress.listing();
        let child = progress.listing();
        drop(root);
        assert_eq!(progress.pending.load(Ordering::Acquire), 1);
        drop(child);
        assert_eq!(progress.pending.load(Ordering::Acquire), 0);
    }
}
