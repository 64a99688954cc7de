//! Fault injection decisions and the `--deny` glob.
//!
//! Decisions are a pure function of (seed, request sequence number), not draws from a shared
//! RNG, so the same sequence of requests sees the same faults whatever the thread timing, and a
//! retried request (a new sequence number) gets a fresh decision.

/// The splitmix64 finalizer: a cheap, well-mixed 64-bit hash.
fn splitmix64(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) for one decision `stream` of request `sequence`.
pub fn unit(seed: u64, sequence: u64, stream: u64) -> f64 {
    let mixed = splitmix64(seed ^ splitmix64(sequence.wrapping_mul(4).wrapping_add(stream)));
    (mixed >> 11) as f64 / (1u64 << 53) as f64
}

/// What happens to one request before it reaches its operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    Throttle,
    ServerError,
}

pub fn decide(seed: u64, sequence: u64, throttle_rate: f64, error_rate: f64) -> Fault {
    if throttle_rate > 0.0 && unit(seed, sequence, 1) < throttle_rate {
        Fault::Throttle
    } else if error_rate > 0.0 && unit(seed, sequence, 2) < error_rate {
        Fault::ServerError
    } else {
        Fault::None
    }
}

/// Glob match where `*` matches any run of characters, `/` included; everything else is literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    // Classic greedy matcher with one backtrack point: linear enough for ARN-sized inputs.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_star_crosses_slashes() {
        let arn = "arn:aws:codeartifact:us-east-1:111122223333:repository/acme/npm-store";
        assert!(glob_match("*", arn));
        assert!(glob_match("*:repository/acme/*", arn));
        assert!(glob_match(
            "arn:aws:codeartifact:*:*:repository/*/npm-store",
            arn
        ));
        assert!(!glob_match("*:repository/acme/app", arn));
        assert!(!glob_match("*:domain/*", arn));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("a*b*c", "aXbYbZ"));
    }

    #[test]
    fn decisions_are_deterministic_and_rate_shaped() {
        let run = |seed| {
            (0..1000)
                .map(|sequence| decide(seed, sequence, 0.2, 0.1))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let faults = run(7);
        let throttled = faults.iter().filter(|f| **f == Fault::Throttle).count();
        let failed = faults.iter().filter(|f| **f == Fault::ServerError).count();
        assert!((150..250).contains(&throttled), "{throttled}");
        assert!((50..120).contains(&failed), "{failed}");
        assert!((0..100).all(|s| decide(3, s, 0.0, 0.0) == Fault::None));
        assert!((0..100).all(|s| decide(3, s, 1.0, 0.0) == Fault::Throttle));
    }
}
