//! The journal: append-only JSON Lines, one record per line, each flushed to disk (fsync)
//! before the next step. An `intent` is written before every write call and a `result` after
//! it, so a run killed at any point leaves a journal that says what may have been written;
//! `fix apply` resumes from it and `fix undo` restores from it. Never truncated.

use super::model::{State, Target};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The default journal file, in the working directory.
pub const DEFAULT_PATH: &str = "caguard-fix-journal.jsonl";

/// Which command wrote a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Run {
    Fix,
    Undo,
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "camelCase")]
pub enum Record {
    /// A run started.
    #[serde(rename_all = "camelCase")]
    Start {
        journal_version: u32,
        run: Run,
        caguard_version: String,
        at: f64,
    },
    /// A write is about to be sent.
    #[serde(rename_all = "camelCase")]
    Intent {
        run: Run,
        /// The target's ARN: the action's identity.
        action: String,
        operation: String,
        target: Target,
        before: State,
        after: State,
        /// The call creates a package record or a package group.
        creates: bool,
        at: f64,
    },
    /// What became of the write the previous intent of this action announced.
    #[serde(rename_all = "camelCase")]
    Result {
        run: Run,
        action: String,
        operation: String,
        /// `applied` or `failed`.
        outcome: String,
        /// `verified`, `mismatch` or `pending` after reading the resource back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verify: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        at: f64,
    },
}

pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Why a journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: cannot open the journal: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a caguard journal record: {message}")]
    Format {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: cannot write the journal (nothing more is written to the account): {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// An open journal: the records it held when opened, and the file to append to.
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    pub records: Vec<Record>,
}

impl Journal {
    /// Opens (or creates) the journal and reads what it holds. A last line cut short by a
    /// kill is ignored: its write had not been announced complete.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let shown = path.display().to_string();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|source| JournalError::Open {
                path: shown.clone(),
                source,
            })?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|source| JournalError::Open {
                path: shown.clone(),
                source,
            })?;
        let records = parse(&text, &shown)?;
        if !text.is_empty() && !text.ends_with('\n') {
            file.write_all(b"\n")
                .and_then(|()| file.sync_data())
                .map_err(|source| JournalError::Write {
                    path: shown.clone(),
                    source,
                })?;
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file: Mutex::new(file),
            records,
        })
    }

    /// Reads a journal without opening it for writing (`fix undo --dry-run`).
    pub fn read(path: &Path) -> Result<Vec<Record>, JournalError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| JournalError::Open {
            path: shown.clone(),
            source,
        })?;
        parse(&text, &shown)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record and waits until it is on disk.
    pub fn append(&self, record: &Record) -> Result<(), JournalError> {
        let mut line = serde_json::to_string(record).map_err(|e| JournalError::Write {
            path: self.path.display().to_string(),
            source: std::io::Error::other(e),
        })?;
        line.push('\n');
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|source| JournalError::Write {
                path: self.path.display().to_string(),
                source,
            })
    }
}

fn parse(text: &str, shown: &str) -> Result<Vec<Record>, JournalError> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut records = Vec::new();
    for (number, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(record) => records.push(record),
            // The unterminated last line of a killed run.
            Err(_) if number + 1 == lines.len() => {}
            Err(error) => {
                return Err(JournalError::Format {
                    path: shown.to_string(),
                    line: number + 1,
                    message: error.to_string(),
                })
            }
        }
    }
    Ok(records)
}
