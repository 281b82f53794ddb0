//! Finding and reading the policy files named on the command line.
//!
//! Input: paths to files or folders. Output: the `.pol` files they hold, in a stable order, and
//! their text. Guarantee: a path that does not exist or cannot be read is a clear error; a file
//! that is not UTF-8 is read anyway and reported as a diagnostic, not a crash.

use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A problem with the files themselves (not with what they say).
#[derive(Debug)]
pub struct FileError {
    /// The path as the user wrote it.
    pub path: PathBuf,
    /// What went wrong, in words.
    pub reason: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read `{}`: {}", self.path.display(), self.reason)
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// What makes two paths one file: the device and inode on Unix (so hard links, symbolic links
/// and `a/../a.pol` are all one file), the canonical path elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileId {
    /// Device and inode.
    Inode(u64, u64),
    /// The canonical path, where inodes are not available.
    Path(PathBuf),
}

/// The identity of the file or folder at `path` (links followed); `None` when it cannot be
/// read, in which case the caller reports the path's own error.
pub fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FileId::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok().map(FileId::Path)
    }
}

/// Every `.pol` file named by `paths`: files as given, folders searched recursively (each
/// folder's files sorted). A file reached twice (named twice, through a link, a hard link or
/// two folders) is listed once, where it is first reached; a folder reached again through a
/// symbolic link is not searched again, so a link loop ends.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, FileError> {
    let mut out = Vec::new();
    let mut seen_files = HashSet::new();
    let mut seen_dirs = HashSet::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| FileError {
            path: p.clone(),
            reason: io_reason(&e),
        })?;
        if meta.is_dir() {
            if file_id(p).is_some_and(|id| seen_dirs.contains(&id)) {
                // Named twice, or inside a folder named before: searched already.
                continue;
            }
            let mut found = Vec::new();
            walk(p, &mut found, &mut seen_dirs)?;
            found.sort();
            if found.is_empty() {
                return Err(FileError {
                    path: p.clone(),
                    reason: "the folder holds no .pol files".to_string(),
                });
            }
            for f in found {
                if seen_files.insert(file_id(&f).unwrap_or(FileId::Path(f.clone()))) {
                    out.push(f);
                }
            }
        } else if seen_files.insert(file_id(p).unwrap_or(FileId::Path(p.clone()))) {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Searches `dir` for `.pol` files, unless it is in `seen` (the folders searched already).
fn walk(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut HashSet<FileId>) -> Result<(), FileError> {
    let err = |e: std::io::Error| FileError {
        path: dir.to_path_buf(),
        reason: io_reason(&e),
    };
    let id = file_id(dir).unwrap_or_else(|| FileId::Path(dir.to_path_buf()));
    if !seen.insert(id) {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let path = entry.map_err(err)?.path();
        if path.is_dir() {
            walk(&path, out, seen)?;
        } else if path.extension().is_some_and(|e| e == "pol") {
            out.push(path);
        }
    }
    Ok(())
}

/// A file's text, and whether its bytes were valid UTF-8.
pub struct SourceText {
    /// The text (invalid bytes replaced by U+FFFD).
    pub text: String,
    /// The byte offset of the first invalid byte, if any.
    pub invalid_utf8_at: Option<usize>,
}

/// Reads a file's text.
pub fn read(path: &Path) -> Result<SourceText, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    })?;
    Ok(SourceText::from_bytes(bytes))
}

impl SourceText {
    /// The text of `bytes`, with the first invalid byte noted when they are not UTF-8.
    pub fn from_bytes(bytes: Vec<u8>) -> SourceText {
        match String::from_utf8(bytes) {
            Ok(text) => SourceText {
                text,
                invalid_utf8_at: None,
            },
            Err(e) => SourceText {
                invalid_utf8_at: Some(e.utf8_error().valid_up_to()),
                text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            },
        }
    }
}

/// Where an output goes: a regular file is written to a temporary name and renamed when
/// complete; standard output (`-`) and special files (a pipe, `/dev/null`) are written directly.
pub enum Pending {
    /// A regular file, renamed into place by [`Pending::commit`].
    Temp {
        /// The temporary file.
        file: tempfile::NamedTempFile,
        /// Where it goes.
        target: PathBuf,
    },
    /// Standard output, a device or a pipe.
    Direct(Box<dyn Write + Send>),
}

/// Opens an output for `target`.
pub fn pending(target: &Path) -> Result<Pending, String> {
    if target.as_os_str() == "-" {
        return Ok(Pending::Direct(Box::new(std::io::stdout())));
    }
    // A link is followed to the file it names, so the link stays; a device or a pipe is
    // written through, never renamed over.
    let resolved;
    let target = if std::fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink()) {
        resolved = std::fs::canonicalize(target).unwrap_or_else(|_| target.to_path_buf());
        resolved.as_path()
    } else {
        target
    };
    if std::fs::metadata(target).is_ok_and(|m| !m.is_file()) {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(target)
            .map_err(|e| format!("cannot write `{}`: {e}", target.display()))?;
        return Ok(Pending::Direct(Box::new(f)));
    }
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pol-");
    // A new file gets the permissions any new file gets (0666 less the umask), not the private
    // ones of a temporary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let file = builder
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write in `{}`: {e}", dir.display()))?;
    // A file being replaced keeps its permissions (a temporary file is private by default).
    if let Ok(meta) = std::fs::metadata(target) {
        std::fs::set_permissions(file.path(), meta.permissions())
            .map_err(|e| format!("cannot write in `{}`: {e}", dir.display()))?;
    }
    Ok(Pending::Temp {
        file,
        target: target.to_path_buf(),
    })
}

impl Pending {
    /// Where to write.
    pub fn writer(&mut self) -> &mut dyn Write {
        match self {
            Pending::Temp { file, .. } => file,
            Pending::Direct(w) => w,
        }
    }

    /// Finishes the output: renames the temporary file into place.
    pub fn commit(self) -> Result<(), String> {
        match self {
            Pending::Temp { file, target } => file
                .persist(&target)
                .map(|_| ())
                .map_err(|e| format!("cannot write `{}`: {}", target.display(), e.error)),
            Pending::Direct(mut w) => w.flush().map_err(|e| e.to_string()),
        }
    }
}
