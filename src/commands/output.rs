//! Where reports go: stdout or files, checked before any work and written so nothing is lost.
//!
//! A file output is staged in a temporary file beside its destination, created before the scan
//! starts (so a missing directory or a read-only one is an error before a single API call), and
//! renamed into place when its contents are complete: a failed run never leaves a truncated
//! report where the last good one was.

use super::AppError;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// One destination on the command line: `None` or `-` is stdout.
#[derive(Debug)]
pub enum Output {
    Stdout,
    File(StagedFile),
}

/// A file being written: the staging file exists from [`Outputs::prepare`] on.
#[derive(Debug)]
pub struct StagedFile {
    path: PathBuf,
    staging: PathBuf,
    file: Option<File>,
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.staging);
        }
    }
}

/// `--sarif-category` of `scan` and `merge`: one of only spaces or slashes names nothing.
pub fn check_sarif_category(category: Option<&str>) -> Result<(), AppError> {
    if category.is_some_and(|c| c.trim().trim_end_matches('/').is_empty()) {
        return Err(AppError::Usage(
            "--sarif-category must not be empty".to_string(),
        ));
    }
    Ok(())
}

/// Checks every `(flag, path)` a command will write: at most one stdout, no file named twice,
/// each file's directory exists and is writable. Returns the outputs in the same order.
pub fn prepare(requested: &[(&str, Option<&Path>)]) -> Result<Vec<Output>, AppError> {
    let mut seen: Vec<(&str, Option<PathBuf>)> = Vec::new();
    let mut outputs = Vec::new();
    for (flag, path) in requested {
        let path = path.filter(|p| *p != Path::new("-"));
        let identity = path.map(absolute).transpose()?;
        if let Some((other, _)) = seen.iter().find(|(_, id)| *id == identity) {
            return Err(AppError::Usage(match &identity {
                Some(_) => format!(
                    "{other} and {flag} name the same file `{}`: give each report its own file",
                    path.map(|p| p.display().to_string()).unwrap_or_default()
                ),
                None => format!("{other} and {flag} both write to stdout: give one of them a file"),
            }));
        }
        seen.push((flag, identity));
        outputs.push(match path {
            None => Output::Stdout,
            Some(path) => Output::File(stage(path)?),
        });
    }
    Ok(outputs)
}

/// The path made absolute without requiring the file to exist, for comparing two flags.
fn absolute(path: &Path) -> Result<PathBuf, AppError> {
    let directory = parent(path);
    let name = path
        .file_name()
        .ok_or_else(|| AppError::Usage(format!("`{}` is not a file name", path.display())))?;
    let directory = directory.canonicalize().map_err(|source| AppError::Write {
        path: path.display().to_string(),
        source,
    })?;
    Ok(directory.join(name))
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn stage(path: &Path) -> Result<StagedFile, AppError> {
    let display = path.display().to_string();
    if path.is_dir() {
        return Err(AppError::Usage(format!(
            "`{display}` is a directory, not a file"
        )));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = parent(path).join(format!(".{name}.caguard-{}.tmp", std::process::id()));
    let file = File::create(&staging).map_err(|source| AppError::Write {
        path: display,
        source,
    })?;
    Ok(StagedFile {
        path: path.to_path_buf(),
        staging,
        file: Some(file),
    })
}

impl Output {
    /// Writes what `render` writes, as it writes it (a report need not exist as one string),
    /// with the same guarantees as [`Output::write`].
    pub fn write_with(
        self,
        render: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), AppError> {
        match self {
            Output::Stdout => {
                let mut stdout =
                    std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
                match render(&mut stdout).and_then(|()| stdout.flush()) {
                    Ok(()) => Ok(()),
                    Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    Err(source) => Err(AppError::Write {
                        path: "stdout".to_string(),
                        source,
                    }),
                }
            }
            Output::File(mut staged) => {
                let write_error = |source| AppError::Write {
                    path: staged.path.display().to_string(),
                    source,
                };
                let file = staged.file.take().ok_or_else(|| {
                    write_error(std::io::Error::other("the output was already written"))
                })?;
                let mut buffered = std::io::BufWriter::with_capacity(1 << 16, file);
                let written = render(&mut buffered)
                    .and_then(|()| buffered.into_inner().map_err(|e| e.into_error()))
                    .and_then(|file| file.sync_all())
                    .and_then(|()| std::fs::rename(&staged.staging, &staged.path));
                if let Err(source) = written {
                    let _ = std::fs::remove_file(&staged.staging);
                    return Err(write_error(source));
                }
                Ok(())
            }
        }
    }

    /// Writes the whole text. A closed stdout pipe (`| head`) is not an error: the reader has
    /// what it wanted. Any other failure is, with the destination named.
    pub fn write(self, text: &str) -> Result<(), AppError> {
        match self {
            Output::Stdout => write_stdout(text),
            Output::File(mut staged) => {
                let write_error = |source| AppError::Write {
                    path: staged.path.display().to_string(),
                    source,
                };
                let mut file = staged.file.take().ok_or_else(|| {
                    write_error(std::io::Error::other("the output was already written"))
                })?;
                let written = file
                    .write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .and_then(|()| std::fs::rename(&staged.staging, &staged.path));
                drop(file);
                if let Err(source) = written {
                    let _ = std::fs::remove_file(&staged.staging);
                    return Err(write_error(source));
                }
                Ok(())
            }
        }
    }
}

/// Writes to stdout and flushes, so that a full disk or a closed descriptor is noticed.
pub fn write_stdout(text: &str) -> Result<(), AppError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(AppError::Write {
            path: "stdout".to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_flags_one_destination_is_a_usage_error() {
        let dir = std::env::temp_dir().join(format!("caguard-output-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("r.json");
        let same = dir.join(".").join("r.json");
        let error = prepare(&[("--output", Some(&file)), ("--json", Some(&same))]).unwrap_err();
        assert!(error.to_string().contains("same file"), "{error}");
        let error = prepare(&[("--output", None), ("--json", Some(Path::new("-")))]).unwrap_err();
        assert!(error.to_string().contains("stdout"), "{error}");
        let missing = dir.join("missing").join("x.json");
        let error = prepare(&[("--output", Some(&missing))]).unwrap_err();
        assert!(error.to_string().contains("missing"), "{error}");
        // Nothing is left behind when a prepared output is never written.
        drop(prepare(&[("--output", Some(&file))]).unwrap());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let outputs = prepare(&[("--output", Some(&file))]).unwrap();
        for output in outputs {
            output.write("hello\n").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "hello\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
