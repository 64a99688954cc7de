//! Client-side pacing: a bounded number of requests in flight, and request rates that find the
//! account's real API quota and stay at it, so the scan runs at quota speed, raised quota or
//! not, and gives way when other clients of the account share the quota. The documented
//! quotas (the starting rates): <https://docs.aws.amazon.com/codeartifact/latest/ug/service-limits.html>.
//!
//! # The control loop
//!
//! Each budget has an [`AdaptiveRate`]: requests are spaced evenly at its current rate (GCRA,
//! no burst), and every answer is recorded as throttled or not. Once per window (at least
//! [`WINDOW`] and [`MIN_ANSWERS`] answers) the [`Controller`] looks at the window's throttled
//! fraction `f`. The window right after a change of rate only settles (it still holds
//! requests paced at the old rate, and a quota's burst allowance), so every decision compares
//! steady states:
//!
//! - **Multiplicative decrease.** When `f` exceeds the background throttling (below) by more
//!   than sampling noise, the rate becomes `rate × (1 − excess)`: the rate that got through,
//!   which is the quota when the quota was the cause.
//! - **Is it the quota?** A quota's throttling falls when the rate falls; throttling that stays
//!   the same at a lower rate (a flaky proxy, a neighbour's burst) is not the quota's, and
//!   slowing down for it would only make the scan longer. So the window after a decrease is a
//!   test: if the excess stayed the same (within sampling noise), the fraction becomes the background, the rate
//!   goes back to where it was, and only throttling above the background counts from then on.
//! - **Increase.** When the rate was the bottleneck (the window sent at least 80% of it) and
//!   nothing was throttled beyond the background, the rate grows: ×1.5 per window until the
//!   first decrease (finding a raised quota in seconds), then ×1.02 per window (a gentle probe
//!   that notices quota freed by other clients).
//! - The rate never leaves [`FLOOR_RPS`]..=`ceiling` (`--max-rps`).
//!
//! Throttled requests are retried by the caller ([`super::call`]) outside the concurrency
//! permit, so waiting retries never hold a slot that a fresh request could use.

use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// The shortest control window.
pub const WINDOW: Duration = Duration::from_millis(250);
/// Answers a window needs before its throttled fraction means anything.
pub const MIN_ANSWERS: u64 = 100;
/// A window closes after this long even with few answers (and then decides nothing).
pub const MAX_WINDOW: Duration = Duration::from_secs(5);
/// The lowest rate a budget is ever slowed to, requests per second.
pub const FLOOR_RPS: f64 = 1.0;
/// Growth per window before the first quota-driven decrease, and after it.
const PROBE_GROWTH: f64 = 1.5;
const STEADY_GROWTH: f64 = 1.02;
/// A decrease cuts at most this share of the rate at once (one bad window is not a verdict).
const MAX_CUT: f64 = 0.5;
/// A window used its rate when it sent at least this share of it: only then was the rate what
/// held requests back, and only then does raising it tell anything about the quota.
const UTILIZED: f64 = 0.8;
/// Throttling of at least this share of answers is never taken for background: when most
/// requests are refused whatever the rate, the quota is gone (to other clients) and the only
/// useful thing left is to ask less.
const MAX_BACKGROUND: f64 = 0.5;

/// What one control window saw.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Window {
    /// Requests let through, and over how long.
    pub sent: u64,
    pub seconds: f64,
    /// Answers received, and how many of them were throttling errors.
    pub answered: u64,
    pub throttled: u64,
}

/// What a window made the controller do (returned for logs and tests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Adjustment {
    Hold,
    Increase,
    Decrease,
    /// The last decrease did not lower the throttling: undone, the fraction is background.
    Background,
}

/// The rate decisions, free of clocks and locks so they can be tested window by window.
#[derive(Debug, Clone)]
pub struct Controller {
    rate: f64,
    ceiling: f64,
    /// Still looking for the quota: fast growth until the first confirmed decrease.
    probing: bool,
    /// Throttled fraction that does not depend on our rate.
    background: f64,
    /// Set by a decrease: (rate before it, excess that caused it), tested by the next
    /// settled window.
    pending: Option<(f64, f64)>,
    /// The rate before the current run of decreases began.
    streak_start: Option<f64>,
    /// The rate just changed: the next window still holds requests paced at the old rate
    /// (and a quota's burst allowance), so it decides nothing.
    settling: bool,
}

impl Controller {
    /// Starts at `start` requests per second, never above `ceiling` (infinite: none).
    pub fn new(start: f64, ceiling: f64) -> Self {
        let ceiling = if ceiling.is_nan() || ceiling <= 0.0 {
            f64::INFINITY
        } else {
            ceiling.max(FLOOR_RPS)
        };
        Controller {
            rate: start.clamp(FLOOR_RPS, ceiling),
            ceiling,
            probing: true,
            background: 0.0,
            pending: None,
            streak_start: None,
            settling: false,
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Decides on one closed window.
    pub fn end_window(&mut self, window: &Window) -> Adjustment {
        if window.answered < MIN_ANSWERS || std::mem::take(&mut self.settling) {
            return Adjustment::Hold;
        }
        let adjustment = self.decide(window);
        self.settling = adjustment != Adjustment::Hold;
        adjustment
    }

    fn decide(&mut self, window: &Window) -> Adjustment {
        let answered = window.answered as f64;
        let fraction = window.throttled as f64 / answered;
        let excess = fraction - self.background;
        // Three standard deviations of a binomial fraction, so sampling noise at the
        // background level does not read as a signal; 1/n keeps it meaningful at a background
        // of zero.
        let p = self.background.max(1.0 / answered).min(0.5);
        let noise = 3.0 * (p * (1.0 - p) / answered).sqrt() + 1.0 / answered;
        if let Some((before, cause)) = self.pending.take() {
            // Background: the excess stayed the same at the lower rate, within the sampling
            // noise of a fraction at that level (two standard deviations). When it fell, the
            // rate was the cause; when it rose, the first window only hid part of a quota's
            // excess (its burst allowance).
            let spread = 2.0 * (cause * (1.0 - cause) / answered).sqrt() + 1.0 / answered;
            let unchanged = (excess - cause).abs() <= spread;
            if unchanged && excess > noise && fraction < MAX_BACKGROUND {
                self.background = fraction;
                self.rate = before;
                self.streak_start = None;
                return Adjustment::Background;
            }
            self.probing = false;
        }
        if excess <= noise {
            self.streak_start = None;
        }
        if excess > noise {
            let cut = excess.min(MAX_CUT);
            // A run of decreases is tested against the rate before the first of them, so
            // background found after two cuts undoes both.
            let before = self.streak_start.unwrap_or(self.rate);
            self.streak_start = Some(before);
            self.pending = Some((before, excess));
            self.rate = (self.rate * (1.0 - cut)).clamp(FLOOR_RPS, self.ceiling);
            return Adjustment::Decrease;
        }
        // The rate only grows when it was what held requests back; a scan waiting on latency
        // or on its own work learns nothing about the quota by raising it.
        let used = window.sent as f64 / window.seconds.max(f64::MIN_POSITIVE);
        if used >= UTILIZED * self.rate && self.rate < self.ceiling {
            let growth = if self.probing {
                PROBE_GROWTH
            } else {
                STEADY_GROWTH
            };
            self.rate = (self.rate * growth).min(self.ceiling);
            return Adjustment::Increase;
        }
        Adjustment::Hold
    }
}

#[derive(Debug)]
struct State {
    controller: Controller,
    /// GCRA: when the next request may go.
    next: Option<Instant>,
    window: Window,
    window_start: Instant,
}

/// One budget's pacing, shared by every task drawing on it.
#[derive(Debug)]
pub struct AdaptiveRate {
    /// `None`: unlimited (no pacing and no control loop).
    state: Option<Mutex<State>>,
}

impl AdaptiveRate {
    /// Starts at `start` per second and adapts below `ceiling`. A `start` that is not a
    /// positive finite number means unlimited.
    pub fn new(start: f64, ceiling: f64) -> Self {
        let limited = start.is_finite() && start > 0.0;
        AdaptiveRate {
            state: limited.then(|| {
                Mutex::new(State {
                    controller: Controller::new(start, ceiling),
                    next: None,
                    window: Window::default(),
                    window_start: Instant::now(),
                })
            }),
        }
    }

    fn lock(mutex: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another task panicked mid-update of plain numbers.
        mutex
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for this caller's slot. Slots are reserved under the lock and slept for outside
    /// it, so callers are served in the order they asked.
    pub async fn acquire(&self) {
        let Some(state) = &self.state else {
            return;
        };
        let slot = {
            let mut state = Self::lock(state);
            let now = Instant::now();
            let interval = Duration::from_secs_f64(1.0 / state.controller.rate());
            let slot = state.next.map_or(now, |next| next.max(now));
            state.next = Some(slot + interval);
            state.window.sent += 1;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// Records an answer (throttled or not) and closes the window when it is due.
    pub fn record(&self, throttled: bool) {
        let Some(state) = &self.state else {
            return;
        };
        let mut state = Self::lock(state);
        state.window.answered += 1;
        state.window.throttled += u64::from(throttled);
        let elapsed = state.window_start.elapsed();
        if (elapsed >= WINDOW && state.window.answered >= MIN_ANSWERS) || elapsed >= MAX_WINDOW {
            let mut window = std::mem::take(&mut state.window);
            window.seconds = elapsed.as_secs_f64();
            let before = state.controller.rate();
            let adjustment = state.controller.end_window(&window);
            if adjustment != Adjustment::Hold {
                tracing::debug!(
                    "pacing: {adjustment:?} {before:.0}/s -> {:.0}/s ({} of {} answers throttled)",
                    state.controller.rate(),
                    window.throttled,
                    window.answered
                );
            }
            state.window_start = Instant::now();
        }
    }

    /// The current rate (infinite when unlimited).
    pub fn rate(&self) -> f64 {
        self.state
            .as_ref()
            .map_or(f64::INFINITY, |state| Self::lock(state).controller.rate())
    }
}

/// Which budgets a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Reads other than the package listings (the account's 800/s read quota).
    Read,
    /// ListPackages / ListPackageVersions: their own per-operation quota (200/s each).
    PackageListing,
    /// The account-wide write budget (100/s for every write operation together).
    Write,
}

/// Where a request queues for its concurrency permit (see `Gate::bulk_lane`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Retries, and reads whose answers start more work.
    Ahead,
    /// Everything else: a scan's thousands of version listings.
    Bulk,
}

/// Everything a request waits for before it is sent.
#[derive(Debug)]
pub struct Gate {
    in_flight: Semaphore,
    /// The bulk of a scan (one version listing per package) waits for a permit one request at
    /// a time, behind this lane; retries and the reads that discover more work wait for one
    /// directly, ahead of the bulk. The permit queue is first come, first served, and a
    /// listing page spawns a task per package: without the lane, a retry, or the next step of
    /// another domain's walk (its policy, its repositories, their package pages), would queue
    /// behind thousands of version listings, and be left for the end of the scan, where it has
    /// nothing to overlap its own latency and waits with.
    bulk_lane: tokio::sync::Mutex<()>,
    /// `--max-rps` over every read together: fixed, never fed answers, so it never adapts.
    ceiling: AdaptiveRate,
    reads: AdaptiveRate,
    listings: AdaptiveRate,
    writes: AdaptiveRate,
}

impl Gate {
    /// Other reads start at `read_rps`, package listings at `listing_rps`, both adapting under
    /// `max_rps`; writes are unpaced until [`Gate::with_write_rps`].
    pub fn new(concurrency: usize, max_rps: f64, read_rps: f64, listing_rps: f64) -> Self {
        Gate {
            in_flight: Semaphore::new(concurrency.max(1)),
            bulk_lane: tokio::sync::Mutex::new(()),
            ceiling: AdaptiveRate::new(max_rps, max_rps),
            reads: AdaptiveRate::new(read_rps, max_rps),
            listings: AdaptiveRate::new(listing_rps, max_rps),
            writes: AdaptiveRate::new(0.0, 0.0),
        }
    }

    /// The same gate with writes at most `write_rps` per second (adapting below it).
    pub fn with_write_rps(mut self, write_rps: f64) -> Self {
        self.writes = AdaptiveRate::new(write_rps, write_rps);
        self
    }

    fn rate_for(&self, budget: Budget) -> &AdaptiveRate {
        match budget {
            Budget::Write => &self.writes,
            Budget::PackageListing => &self.listings,
            Budget::Read => &self.reads,
        }
    }

    /// A permit to have one request in flight, granted once the budget's rate allows it. The
    /// in-flight permit is taken first so rate slots are only reserved by requests that can
    /// actually go out, which keeps the limiter from banking a burst behind the semaphore.
    /// A request `ahead` goes before every `bulk` request still waiting (see `bulk_lane`).
    pub async fn enter(&self, budget: Budget, lane: Lane) -> Option<SemaphorePermit<'_>> {
        // The semaphore is never closed; were it ever, going on unbounded beats hanging.
        let permit = match lane {
            Lane::Ahead => self.in_flight.acquire().await.ok(),
            Lane::Bulk => {
                let _lane = self.bulk_lane.lock().await;
                self.in_flight.acquire().await.ok()
            }
        };
        self.rate_for(budget).acquire().await;
        if budget != Budget::Write {
            self.ceiling.acquire().await;
        }
        permit
    }

    /// Tells the budget's control loop how a request it let through was answered.
    pub fn record(&self, budget: Budget, throttled: bool) {
        self.rate_for(budget).record(throttled);
        // The account's read quota covers the listings too, and they are most of a scan's
        // traffic: another read throttled means the listings must leave it room, or that
        // read would meet an exhausted quota on every retry.
        if throttled && budget == Budget::Read {
            self.listings.record(true);
        }
    }

    /// The current (read, listing) rates, for the collection summary.
    pub fn rates(&self) -> (f64, f64) {
        (self.reads.rate(), self.listings.rate())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Half a second in which `sent` requests were answered, `throttled` of them throttled.
    fn window(sent: u64, throttled: u64) -> Window {
        Window {
            sent,
            seconds: 0.5,
            answered: sent,
            throttled,
        }
    }

    /// Feeds `window` as a settled window: after a change, a settling window (whatever it
    /// holds; here every answer throttled) must decide nothing.
    fn step(control: &mut Controller, seen: Window) -> Adjustment {
        let adjustment = control.end_window(&seen);
        if adjustment != Adjustment::Hold {
            let rate = control.rate();
            assert_eq!(control.end_window(&window(100, 100)), Adjustment::Hold);
            assert_eq!(control.rate(), rate, "a settling window changes nothing");
        }
        adjustment
    }

    #[test]
    fn probing_grows_fast_until_the_quota_answers_then_gently() {
        let mut control = Controller::new(200.0, f64::INFINITY);
        assert_eq!(step(&mut control, window(100, 0)), Adjustment::Increase);
        assert_eq!(control.rate(), 300.0);
        // 150 sent in a window, 50 of them over a quota of 200/s: back to what got through.
        assert_eq!(step(&mut control, window(150, 50)), Adjustment::Decrease);
        assert!((control.rate() - 200.0).abs() < 1.0, "{}", control.rate());
        // The throttling stopped: it was the quota; from now on growth is gentle.
        assert_eq!(step(&mut control, window(100, 0)), Adjustment::Increase);
        assert!((control.rate() - 204.0).abs() < 1.5, "{}", control.rate());
    }

    #[test]
    fn a_decrease_that_was_not_enough_is_followed_by_another() {
        let mut control = Controller::new(300.0, f64::INFINITY);
        // Quota 200/s, but the first window's burst allowance hid part of the excess.
        assert_eq!(step(&mut control, window(150, 20)), Adjustment::Decrease);
        let first = control.rate();
        // Half a second still over the quota at the new rate: the throttling rose, so it is
        // the quota's.
        let sent = (first / 2.0) as u64;
        let over = sent - 100;
        assert_eq!(step(&mut control, window(sent, over)), Adjustment::Decrease);
        assert!((control.rate() - 200.0).abs() < 8.0, "{}", control.rate());
    }

    #[test]
    fn rate_independent_throttling_is_background_not_a_reason_to_slow_down() {
        let mut control = Controller::new(200.0, f64::INFINITY);
        // 10% throttled whatever the rate.
        assert_eq!(step(&mut control, window(100, 10)), Adjustment::Decrease);
        assert_eq!(step(&mut control, window(120, 12)), Adjustment::Background);
        assert_eq!(control.rate(), 200.0);
        for _ in 0..20 {
            let adjustment = step(&mut control, window(100, 10));
            assert_ne!(adjustment, Adjustment::Decrease);
        }
        assert!(control.rate() >= 200.0);
        // Throttling well above the background still slows it down.
        let before = control.rate();
        assert_eq!(step(&mut control, window(200, 60)), Adjustment::Decrease);
        assert!(control.rate() < before * 0.85);
    }

    #[test]
    fn decreases_are_bounded_and_never_go_below_the_floor() {
        let mut control = Controller::new(4.0, f64::INFINITY);
        for _ in 0..10 {
            step(&mut control, window(100, 100));
            assert!(control.rate() >= FLOOR_RPS);
        }
        assert_eq!(
            control.rate(),
            FLOOR_RPS,
            "throttling it all is never background"
        );
        let mut control = Controller::new(200.0, f64::INFINITY);
        step(&mut control, window(100, 100));
        assert_eq!(control.rate(), 100.0, "one window cuts at most half");
    }

    #[test]
    fn the_ceiling_caps_start_and_growth() {
        let mut control = Controller::new(200.0, 150.0);
        assert_eq!(control.rate(), 150.0);
        assert_eq!(step(&mut control, window(100, 0)), Adjustment::Hold);
        assert_eq!(control.rate(), 150.0);
        let mut control = Controller::new(100.0, 120.0);
        step(&mut control, window(100, 0));
        assert_eq!(control.rate(), 120.0);
    }

    #[test]
    fn no_growth_when_the_rate_was_not_the_bottleneck_or_answers_are_few() {
        let mut control = Controller::new(200.0, f64::INFINITY);
        let slow = Window {
            seconds: 5.0,
            ..window(100, 0)
        };
        assert_eq!(step(&mut control, slow), Adjustment::Hold);
        assert_eq!(step(&mut control, window(10, 5)), Adjustment::Hold);
        assert_eq!(control.rate(), 200.0);
    }

    #[tokio::test]
    async fn requests_are_spaced_at_the_rate() {
        let limiter = std::sync::Arc::new(AdaptiveRate::new(200.0, 200.0));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..25 {
                    limiter.acquire().await;
                }
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        let elapsed = start.elapsed();
        // 100 requests 5 ms apart: the last one goes at 495 ms.
        assert!(elapsed >= Duration::from_millis(490), "{elapsed:?}");
    }

    #[tokio::test]
    async fn unlimited_does_not_wait() {
        let limiter = AdaptiveRate::new(0.0, 0.0);
        let start = Instant::now();
        for _ in 0..1000 {
            limiter.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(100));
        assert!(limiter.rate().is_infinite());
    }

    /// A request of the ahead lane waiting for a slot goes before the bulk requests queued
    /// before it, however many.
    #[tokio::test]
    async fn the_ahead_lane_goes_before_the_bulk() {
        let gate = std::sync::Arc::new(Gate::new(1, f64::INFINITY, 0.0, 0.0));
        let held = gate.enter(Budget::Read, Lane::Bulk).await;
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for label in ["bulk 1", "bulk 2", "bulk 3", "ahead"] {
            let (gate, order) = (gate.clone(), order.clone());
            let lane = if label == "ahead" {
                Lane::Ahead
            } else {
                Lane::Bulk
            };
            tasks.push(tokio::spawn(async move {
                let _permit = gate.enter(Budget::Read, lane).await;
                order.lock().expect("order").push(label);
            }));
            // Each task is queued before the next one is spawned.
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
        }
        drop(held);
        for task in tasks {
            task.await.expect("task");
        }
        let order = order.lock().expect("order").clone();
        // The first bulk request was already waiting at the permit itself; then the ahead one.
        assert_eq!(order, ["bulk 1", "ahead", "bulk 2", "bulk 3"]);
    }
}
