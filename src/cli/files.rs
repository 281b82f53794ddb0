//! Finding and reading the policy files named on the command line.
//!
//! Input: paths to files or folders. Output: the `.pol` files they hold, in a stable order, and
//! their text. Guarantee: a path that does not exist or cannot be read is a clear error; a file
//! that is not UTF-8 is read anyway and reported as a diagnostic, not a crash.

use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::ExitCode;
use crate::api::sources::SourceText;
use crate::problem::ProblemCode;

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
            // A pipe or a device named `.pol` is no saved policy, and reading one can wait
            // forever or never end: it is reported, not read (a link to a file is a file).
            if !path.is_file() {
                return Err(FileError {
                    path,
                    reason: "it is not a regular file (a pipe, a device or a socket); only saved policy files are read from a folder".to_string(),
                });
            }
            out.push(path);
        }
    }
    Ok(())
}

/// Reads a file's text.
pub fn read(path: &Path) -> Result<SourceText, FileError> {
    let err = |reason: String| FileError {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| err(io_reason(&e)))?;
    match read_at_most(file, MAX_POLICY_BYTES) {
        Ok(Some(bytes)) => Ok(SourceText::from_bytes(bytes)),
        Ok(None) => Err(err(format!(
            "it is larger than {} MiB, far more than any policy (F0370)",
            MAX_POLICY_BYTES >> 20
        ))),
        Err(e) => Err(err(io_reason(&e))),
    }
}

/// The most bytes read from one policy file.
pub const MAX_POLICY_BYTES: u64 = 64 << 20;

/// The most bytes read from one facts or settings file: far more than any subject's facts (a
/// million claims), few enough that an endless source (`/dev/zero`, a pipe that never ends)
/// stops with an error instead of filling the memory.
pub const MAX_FACTS_BYTES: u64 = 512 << 20;

/// The text of the file at `path`, read up to `limit` bytes; the error is the reason in words,
/// without the path (a file over the limit is F0370).
pub fn read_text_at_most(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = std::fs::File::open(path)
        .and_then(|f| read_at_most(f, limit))
        .map_err(|e| io_reason(&e))?
        .ok_or_else(|| {
            format!(
                "it is larger than {} MiB, far more than pol reads from such a file (F0370)",
                limit >> 20
            )
        })?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "it is not UTF-8 text (F0111); {}",
            crate::encoding::help(e.as_bytes(), crate::encoding::Made::ByEditor)
        )
    })
}

/// All of `r`, or `None` when it holds more than `limit` bytes (no more than that is read).
pub fn read_at_most(r: impl std::io::Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    r.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// Prints a coded problem about the command's files or settings (`pol: error[F0350]: ...`,
/// then its help) and returns the usage exit code.
pub fn problem(code: ProblemCode, message: &str, help: &str) -> ExitCode {
    say!("pol: error[{code}]: {message}\n  help: {help}");
    ExitCode::Usage
}

/// The path an output will have, for comparing with other paths before it exists: the
/// canonical folder joined with the file name (a link is resolved to the file it names).
fn planned(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Some(std::fs::canonicalize(dir).ok()?.join(path.file_name()?))
}

/// Whether `path` is not a regular file: standard input or output (`-`), a device, a pipe.
/// Such a path is written through rather than replaced, and read only once.
pub fn not_regular(path: &Path) -> bool {
    path.as_os_str() == "-" || std::fs::metadata(path).is_ok_and(|m| !m.is_file())
}

/// The identity of the process's standard output, if it can be read.
fn stdout_id() -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::MetadataExt;
        let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
        let m = std::fs::File::from(fd).metadata().ok()?;
        Some(FileId::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Whether `path` names standard output: `-`, or a path to the same file (`/dev/stdout`,
/// `/proc/self/fd/1`, the file or pipe standard output is redirected to). Such an output is
/// written as `-` is, so the summary never lands in the rows' stream.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-" || matches!((file_id(path), stdout_id()), (Some(a), Some(b)) if a == b)
}

/// Whether `path` is a character device other than standard output (a terminal, `/dev/null`):
/// two outputs may share one, a reader of it sees no file to read back.
fn shared_device(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        !is_stdout(path) && std::fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Refuses outputs that would destroy an input or each other: an output that is one of
/// `inputs` (the same file by identity, so hard and symbolic links count, or the same path), or
/// two outputs that are one file. `outputs` are `(option, path)`, e.g. `("--out", path)`.
/// Standard output, devices and pipes are never replaced, so they are not compared.
pub fn check_outputs(inputs: &[PathBuf], outputs: &[(&str, &Path)]) -> Result<(), ExitCode> {
    let same = |a: &Path, b: &Path| {
        let by_id = matches!((file_id(a), file_id(b)), (Some(x), Some(y)) if x == y);
        by_id || matches!((planned(a), planned(b)), (Some(x), Some(y)) if x == y)
    };
    for (k, (option, out)) in outputs.iter().enumerate() {
        if is_stdout(out) {
            // Two outputs on standard output (`-`, `/dev/stdout`, `/proc/self/fd/1`) would be
            // mixed into one stream.
            if let Some((other_option, other)) = outputs[..k].iter().find(|(_, o)| is_stdout(o)) {
                return Err(problem(
                    ProblemCode::OutputsCollide,
                    &format!(
                        "`{option} {}` and `{other_option} {}` both write to standard output",
                        out.display(),
                        other.display()
                    ),
                    &format!("send `{option}` or `{other_option}` to a file"),
                ));
            }
        }
        if not_regular(out) {
            // One pipe (a FIFO) given twice would interleave the rows and the summary.
            let shared = outputs[..k].iter().find(|(_, o)| {
                not_regular(o) && !shared_device(o) && !is_stdout(o) && same(out, o)
            });
            if let Some((other_option, other)) = shared {
                return Err(problem(
                    ProblemCode::OutputsCollide,
                    &format!(
                        "`{option} {}` and `{other_option} {}` are one pipe: the rows and the summary would be mixed",
                        out.display(),
                        other.display()
                    ),
                    &format!("give `{option}` and `{other_option}` different files"),
                ));
            }
            continue;
        }
        for input in inputs {
            if input.as_os_str() != "-" && same(out, input) {
                return Err(problem(
                    ProblemCode::OutputIsInput,
                    &format!(
                        "`{option} {}` is the input `{}`: writing it would destroy the input",
                        out.display(),
                        input.display()
                    ),
                    &format!("write `{option}` to a file of its own"),
                ));
            }
        }
        for (other_option, other) in &outputs[..k] {
            if !not_regular(other) && same(out, other) {
                return Err(problem(
                    ProblemCode::OutputsCollide,
                    &format!(
                        "`{option} {}` and `{other_option} {}` are one file: one would overwrite the other",
                        out.display(),
                        other.display()
                    ),
                    &format!("give `{option}` and `{other_option}` different files"),
                ));
            }
        }
    }
    Ok(())
}

/// The start of the names of pol's temporary files: `.pol-PID-`, PID being the process that
/// writes it, so a later run can tell a stale one (its process is gone) from a live one.
const TEMP_PREFIX: &str = ".pol-";

/// Removes temporary files a run of pol left in `dir` when it was killed: those named
/// `.pol-PID-...tmp` whose process is gone and that belong to the same user as `mine`.
fn remove_stale(dir: &Path, mine: &Path) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(me) = std::fs::metadata(mine).map(|m| m.uid()) else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .filter(|n| n.ends_with(".tmp"))
                .and_then(|n| n.strip_prefix(TEMP_PREFIX))
                .and_then(|n| n.split('-').next())
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            let gone =
                pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists();
            let owned = entry.metadata().is_ok_and(|m| m.is_file() && m.uid() == me);
            if gone && owned {
                // Best effort: a file another user or run removed meanwhile is no problem.
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (dir, mine);
    }
}

/// The temporary files of this process, for [`remove_temporaries`]: removed on an interrupt
/// even when the run cannot reach its own clean-up (a read blocked on a pipe).
static TEMPORARIES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes every temporary file this process made that is still there (those renamed into
/// place are gone already). Called on an interrupt before the process exits.
pub fn remove_temporaries() {
    if let Ok(list) = TEMPORARIES.lock() {
        for p in list.iter() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Where an output goes: a regular file is written to a temporary name and renamed when
/// complete; standard output (`-`) and special files (a pipe, `/dev/null`) are written directly.
pub enum Pending {
    /// A regular file, renamed into place by [`Pending::commit`] or [`commit_all`].
    Temp {
        /// The temporary file (removed when dropped: on an error or an interrupt).
        file: tempfile::NamedTempFile,
        /// Where it goes.
        target: PathBuf,
        /// The target has other names (hard links): renaming over it would leave them with
        /// the old text, so its bytes are copied into it instead once complete.
        linked: bool,
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
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
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
    remove_stale(dir, file.path());
    if let Ok(mut list) = TEMPORARIES.lock() {
        list.push(file.path().to_path_buf());
    }
    // A file being replaced keeps its permissions (a temporary file is private by default).
    if let Ok(meta) = std::fs::metadata(target) {
        std::fs::set_permissions(file.path(), meta.permissions())
            .map_err(|e| format!("cannot write in `{}`: {e}", dir.display()))?;
    }
    Ok(Pending::Temp {
        file,
        target: target.to_path_buf(),
        linked: hard_links(target) > 1,
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
        commit_all(vec![self])
    }

    /// Flushes the output and, for a file, makes its bytes durable (so a crash right after the
    /// rename cannot leave an empty or partial file under the target's name).
    fn finish(&mut self) -> Result<(), String> {
        match self {
            Pending::Temp { file, target, .. } => file
                .flush()
                .and_then(|()| file.as_file().sync_all())
                .map_err(|e| format!("cannot write `{}`: {e}", target.display())),
            Pending::Direct(w) => w
                .flush()
                .map_err(|e| format!("cannot write the output: {e}")),
        }
    }
}

/// Commits several outputs together: every one is flushed and synced first, and only when all
/// are complete are the files renamed into place, one after the other. An error before the
/// renames leaves every target as it was; a rename that fails (rare: the folder changed under
/// the run) is reported with the targets already replaced and those left as they were.
pub fn commit_all(mut outputs: Vec<Pending>) -> Result<(), String> {
    for o in &mut outputs {
        o.finish()?;
    }
    let mut replaced: Vec<String> = Vec::new();
    let mut rest = outputs.into_iter();
    while let Some(o) = rest.next() {
        let Pending::Temp {
            file,
            target,
            linked,
        } = o
        else {
            continue;
        };
        let written = if linked {
            // Written in place: a failure part way leaves the target partly written.
            copy_into(file.path(), &target).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("{e} (it has other names, so it was being written in place and may be left partly written)"),
                )
            })
        } else {
            file.persist(&target).map(|_| ()).map_err(|e| e.error)
        };
        if let Err(e) = written {
            let left: Vec<String> = rest
                .filter_map(|o| match o {
                    Pending::Temp { target, .. } => Some(format!("`{}`", target.display())),
                    Pending::Direct(_) => None,
                })
                .chain(std::iter::once(format!("`{}`", target.display())))
                .collect();
            let done = if replaced.is_empty() {
                "no output was replaced".to_string()
            } else {
                format!("already replaced: {}", replaced.join(", "))
            };
            return Err(format!(
                "cannot write `{}`: {}; {done}; left as they were: {}",
                target.display(),
                e,
                left.join(", ")
            ));
        }
        // The rename itself is made durable with the folder (best effort: not every file
        // system lets a folder be synced).
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        replaced.push(format!("`{}`", target.display()));
    }
    Ok(())
}

/// How many names (hard links) the file at `path` has; 1 when it cannot be told.
fn hard_links(path: &Path) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).map_or(1, |m| m.nlink())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        1
    }
}

/// Copies the complete file `from` into `target` in place (its other names see the new text),
/// and makes the bytes durable. Not atomic as a rename is: used only for a file with several
/// names, where a rename would silently leave the others with the old text.
fn copy_into(from: &Path, target: &Path) -> std::io::Result<()> {
    let mut source = std::fs::File::open(from)?;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)?;
    std::io::copy(&mut source, &mut out)?;
    out.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pol-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[cfg(unix)]
    #[test]
    fn a_file_with_two_names_is_rewritten_under_both() {
        // Attack run 6: `pol fmt` renamed over a hard link, so the other name kept the old
        // text (and a later `pol check` of the folder found two policies).
        let dir = folder("links");
        let (one, other) = (dir.join("a.pol"), dir.join("b.pol"));
        std::fs::write(&one, "old").unwrap();
        std::fs::hard_link(&one, &other).unwrap();
        let mut p = pending(&one).unwrap();
        p.writer().write_all(b"new text").unwrap();
        p.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&one).unwrap(), "new text");
        assert_eq!(std::fs::read_to_string(&other).unwrap(), "new text");
        // The temporary file is gone; a file with one name is still renamed into place.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        let single = dir.join("c.pol");
        std::fs::write(&single, "old").unwrap();
        let mut p = pending(&single).unwrap();
        p.writer().write_all(b"renamed").unwrap();
        p.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&single).unwrap(), "renamed");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
    }

    #[test]
    fn a_failed_rename_says_which_outputs_were_replaced_and_which_were_left() {
        let dir = folder("commit");
        let first = dir.join("rows.csv");
        let mut a = pending(&first).unwrap();
        a.writer().write_all(b"rows").unwrap();
        // A folder in the second target's place makes its rename fail after the first's.
        let second = dir.join("summary.txt");
        let mut b = pending(&second).unwrap();
        std::fs::create_dir_all(second.join("inside")).unwrap();
        b.writer().write_all(b"summary").unwrap();
        let e = commit_all(vec![a, b]).unwrap_err();
        assert!(
            e.contains("already replaced: `") && e.contains("rows.csv"),
            "{e}"
        );
        assert!(
            e.contains("left as they were: `") && e.contains("summary.txt"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "rows");
        let temporaries = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".pol-")
            })
            .count();
        assert_eq!(
            temporaries, 0,
            "the temporary of the failed output is removed"
        );
    }

    #[test]
    fn temporaries_are_named_after_the_process() {
        let dir = folder("names");
        let p = pending(&dir.join("x.csv")).unwrap();
        let Pending::Temp { file, .. } = &p else {
            panic!("a regular file gets a temporary")
        };
        let name = file
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with(&format!(".pol-{}-", std::process::id())),
            "{name}"
        );
        assert!(name.ends_with(".tmp"), "{name}");
    }
}
