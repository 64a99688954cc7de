//! Process exit codes (README.md, "Exit codes"). Every path out of `main` goes through
//! [`Outcome::code`].

use std::process::ExitCode;

/// What a run ended with, from which the exit code follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No finding at or above the `--fail-on` severity.
    Clean,
    /// Policy failed: a finding at or above the `--fail-on` severity.
    PolicyFailed,
    /// Usage, configuration, input or rule error.
    UsageError,
    /// Incomplete: some API calls failed, or a resource policy cannot be read, and nothing else
    /// failed.
    Incomplete,
    /// A fix or undo action failed, was stale or refused, or did not read back as written.
    FixIncomplete,
}

impl Outcome {
    /// The one place that maps outcomes to exit codes.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::PolicyFailed => 1,
            Outcome::UsageError => 2,
            Outcome::Incomplete => 3,
            Outcome::FixIncomplete => 1,
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        ExitCode::from(outcome.code())
    }
}
