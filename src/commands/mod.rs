//! The commands: each returns an [`Outcome`]; errors are printed here, once, to stderr.

mod check;
mod collect;
mod docs;
mod event;
mod facts;
pub mod fix;
mod merge;
pub mod output;
mod rules;
mod scan;
mod shards;

pub use crate::app::AppError;
use crate::cli::{Cli, ColorChoice, Command};
use crate::exit::Outcome;
use crate::inventory::Inventory;
use std::io::IsTerminal as _;
use std::path::Path;

/// How to talk to the person or pipeline running caguard.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// `-q`: nothing but errors on stderr.
    pub quiet: bool,
    pub stdout_color: bool,
    pub stderr_color: bool,
    /// Columns of the terminal stdout is, or `COLUMNS`; `None` means do not wrap.
    pub width: Option<usize>,
}

impl Ui {
    pub fn new(cli: &Cli) -> Ui {
        let choice = cli.color.unwrap_or(ColorChoice::Auto);
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = |terminal: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        let stdout_terminal = std::io::stdout().is_terminal();
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .or_else(|| {
                stdout_terminal
                    .then(terminal_size::terminal_size)
                    .flatten()
                    .map(|(width, _)| usize::from(width.0))
            })
            .filter(|width| *width >= 40);
        Ui {
            quiet: cli.quiet,
            stdout_color: color(stdout_terminal),
            stderr_color: color(std::io::stderr().is_terminal()),
            width,
        }
    }

    fn label(&self, code: &str, label: &str) -> String {
        if self.stderr_color {
            format!("\x1b[{code}m{label}\x1b[0m")
        } else {
            label.to_string()
        }
    }

    /// A warning on stderr, unless `-q`. The text is escaped: it may quote inventory names.
    pub fn warn(&self, message: &str) {
        if !self.quiet {
            eprintln!(
                "{} {}",
                self.label("1;33", "warning:"),
                crate::report::text::escape(message)
            );
        }
    }

    pub fn error(&self, message: &str) {
        eprintln!(
            "{} {}",
            self.label("1;31", "error:"),
            crate::report::text::escape_lines(message)
        );
    }
}

pub fn run(cli: Cli) -> Outcome {
    crate::logging::init(cli.verbose, cli.quiet);
    let ui = Ui::new(&cli);
    let result = match &cli.command {
        Command::Scan(args) => scan::run(args, &ui),
        Command::Collect(args) => collect::run(args, &ui),
        Command::Facts(args) => facts::run(args),
        Command::Check(args) => check::run(args),
        Command::Rules(command) => rules::run(command),
        Command::Completions { shell } => docs::completions(*shell),
        Command::Man => docs::man(),
        Command::Fix(command) => fix::run(command, &ui),
        Command::Shards(args) => shards::run(args),
        Command::Merge(args) => merge::run(args, &ui),
    };
    match result {
        Ok(outcome) => outcome,
        Err(error) => {
            ui.error(&error.to_string());
            Outcome::UsageError
        }
    }
}

/// Reads an inventory file, or stdin for `-`.
fn load_inventory(path: &Path) -> Result<Inventory, AppError> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|source| {
            AppError::Read {
                path: "stdin".to_string(),
                source,
            }
        })?;
        Ok(Inventory::parse(&text, Path::new("<stdin>"))?)
    } else {
        Ok(Inventory::load(path)?)
    }
}
