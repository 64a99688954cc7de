//! `caguard completions SHELL` and `caguard man`: generated from the clap definitions, so they
//! never disagree with `--help`.

use super::output::write_stdout;
use super::AppError;
use crate::cli::Cli;
use crate::exit::Outcome;
use clap::CommandFactory as _;

pub fn completions(shell: clap_complete::Shell) -> Result<Outcome, AppError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "caguard", &mut script);
    write_stdout(&String::from_utf8_lossy(&script))?;
    Ok(Outcome::Clean)
}

pub fn man() -> Result<Outcome, AppError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|source| AppError::Write {
            path: "stdout".to_string(),
            source,
        })?;
    write_stdout(&String::from_utf8_lossy(&page))?;
    Ok(Outcome::Clean)
}
