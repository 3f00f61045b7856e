//! Staged, atomic output: every file the scrub writes goes to a temporary file beside its
//! target, is flushed to disk, and is renamed into place only when it is complete (an
//! interrupted run never leaves a half-written output under the real name). A write-level
//! module: the pipeline and the writers of the report and deletion lists use it.

use crate::error::{Problem, WriteError};
use sha2::{Digest, Sha256};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Opens the files a job stages ([`Storage::stage_with`], [`Storage::stage_unhashed`]):
/// temporary files beside their targets, written through a [`HashingWriter`]. The pipeline is
/// given one in its settings and passes it to wherever it stages a file.
///
/// Tests make one whose files fail with "storage full" after a number of bytes, as a disk that
/// fills up mid-write would ([`Storage::full_after`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Storage {
    /// Bytes each staged file takes before it fails; `None`: the disk as it is.
    full_after: Option<u64>,
}

impl Storage {
    /// Staged files on the disk as it is.
    pub fn disk() -> Storage {
        Storage::default()
    }

    /// Fault injection for tests: every staged file fails with "storage full" after `bytes`
    /// bytes.
    #[doc(hidden)]
    pub fn full_after(bytes: u64) -> Storage {
        Storage {
            full_after: Some(bytes),
        }
    }

    /// Stream an output into a temporary file in `dir`, flushed to disk, and return it with the
    /// SHA-256 of what was written. `target` is the final path, for error messages.
    ///
    /// # Errors
    /// The [`Problem`] of `write`, or [`WriteError::Io`] for the I/O failure underneath.
    pub fn stage_with<F>(
        &self,
        dir: &Path,
        target: &Path,
        write: F,
    ) -> Result<(tempfile::NamedTempFile, String), Problem>
    where
        F: FnOnce(&mut StagedWriter<'_>) -> Result<(), Problem>,
    {
        self.stage(dir, target, true, write)
    }

    /// [`Storage::stage_with`] without the digest, for files the report gives no digest of
    /// (the changes file: as large as the output, and hashing it would only cost time).
    ///
    /// # Errors
    /// As [`Storage::stage_with`].
    pub fn stage_unhashed<F>(
        &self,
        dir: &Path,
        target: &Path,
        write: F,
    ) -> Result<tempfile::NamedTempFile, Problem>
    where
        F: FnOnce(&mut StagedWriter<'_>) -> Result<(), Problem>,
    {
        self.stage(dir, target, false, write).map(|(tmp, _)| tmp)
    }

    fn stage<F>(
        &self,
        dir: &Path,
        target: &Path,
        hash: bool,
        write: F,
    ) -> Result<(tempfile::NamedTempFile, String), Problem>
    where
        F: FnOnce(&mut StagedWriter<'_>) -> Result<(), Problem>,
    {
        let mut tmp = temp_file(dir).map_err(|e| write_problem(target, e))?;
        let digest = self.write_hashed(tmp.as_file_mut(), target, hash, write)?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| write_problem(target, e))?;
        Ok((tmp, digest))
    }

    /// Stream an output into `file` through a [`HashingWriter`]; the SHA-256 of what was
    /// written (empty without `hash`).
    fn write_hashed<F>(
        &self,
        file: &mut std::fs::File,
        target: &Path,
        hash: bool,
        write: F,
    ) -> Result<String, Problem>
    where
        F: FnOnce(&mut StagedWriter<'_>) -> Result<(), Problem>,
    {
        let sink = Sink {
            file,
            left: self.full_after,
            early: EarlySync::default(),
        };
        let mut w = HashingWriter::new(BufWriter::with_capacity(1 << 16, sink), hash);
        let written = write(&mut w).and_then(|()| w.flush().map_err(|e| write_problem(target, e)));
        if let Err(problem) = written {
            // An I/O failure underneath (full disk, ...) explains the failure better.
            return Err(w.io_error().map_or(problem, |kind| {
                WriteError::Io {
                    path: target.to_path_buf(),
                    kind,
                }
                .into()
            }));
        }
        Ok(w.digest())
    }
}

/// What a staged file is written through.
pub type StagedWriter<'f> = HashingWriter<BufWriter<Sink<'f>>>;

/// Where the bytes of a staged file go: its file, or (with [`Storage::full_after`]) its file
/// until the room left runs out.
pub struct Sink<'f> {
    file: &'f mut std::fs::File,
    left: Option<u64>,
    early: EarlySync,
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = match self.left {
            None => self.file.write(buf)?,
            Some(0) if !buf.is_empty() => return Err(std::io::ErrorKind::StorageFull.into()),
            Some(left) => {
                let room = usize::try_from(left).unwrap_or(usize::MAX);
                let n = self.file.write(&buf[..buf.len().min(room)])?;
                self.left = Some(left - n as u64);
                n
            }
        };
        self.early.wrote(self.file, n);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// How much of a staged file is written before what it holds so far is flushed to disk on a
/// thread of its own (see [`EarlySync`]).
const EARLY_SYNC_EVERY: u64 = 8 << 20;

/// A large staged file's bytes flushed to disk while the rest is written: every
/// [`EARLY_SYNC_EVERY`] bytes, a thread of the file's own (started at the first) is asked to
/// flush what the file holds so far, so that the flush that makes it durable before it is
/// renamed into place (which the run waits for) has only the last piece left to write. A
/// large export's outputs took about 0.1 s to flush at the end on the machines measured,
/// beside a CSV scrub of 0.7 s. The thread waits on the disk, not on a core; a failure there
/// is left to the last flush, which reports it. Dropped, it lets the thread finish and waits
/// for it.
#[derive(Default)]
struct EarlySync {
    /// Bytes written since the last request.
    since: u64,
    /// The thread, once started, and where requests to it go.
    flusher: Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
    /// Whether starting it failed: then the file is flushed at the end only.
    off: bool,
}

impl EarlySync {
    /// `n` more bytes written to `file`.
    fn wrote(&mut self, file: &std::fs::File, n: usize) {
        self.since += n as u64;
        if self.since < EARLY_SYNC_EVERY || self.off {
            return;
        }
        self.since = 0;
        if self.flusher.is_none() {
            let started = file.try_clone().and_then(|file| {
                let (to, requests) = std::sync::mpsc::channel::<()>();
                let thread = std::thread::Builder::new()
                    .name("dsr-scrub-sync".into())
                    .spawn(move || {
                        while requests.recv().is_ok() {
                            // Requests that came meanwhile are answered by the same flush.
                            while requests.try_recv().is_ok() {}
                            let _ = file.sync_data();
                        }
                    })?;
                Ok((to, thread))
            });
            match started {
                Ok(flusher) => self.flusher = Some(flusher),
                Err(_) => {
                    self.off = true;
                    return;
                }
            }
        }
        if let Some((to, _)) = &self.flusher {
            let _ = to.send(());
        }
    }
}

impl Drop for EarlySync {
    fn drop(&mut self) {
        if let Some((to, thread)) = self.flusher.take() {
            // Without requests, the thread ends.
            drop(to);
            let _ = thread.join();
        }
    }
}

pub(crate) fn write_problem(path: &Path, e: std::io::Error) -> Problem {
    WriteError::Io {
        path: path.to_path_buf(),
        kind: e.kind(),
    }
    .into()
}

/// SHA-256 of `bytes`, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::actions::hex(Sha256::digest(bytes).as_slice())
}

/// Temporary files are named `.dsr-scrub-<pid>-<random>.tmp`.
pub(crate) const TEMP_PREFIX: &str = ".dsr-scrub-";
pub(crate) const TEMP_SUFFIX: &str = ".tmp";

/// A new temporary file in `dir`, removed if it is dropped before [`commit`].
fn temp_file(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    // Temp files are private (0600) by default; outputs get the permissions of any new file
    // (0666 less the umask), like a file saved by Excel.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Remove the temporary files that an interrupted earlier run left in `dir` (a process that is
/// killed cannot delete its own): `.dsr-scrub-<pid>-*.tmp` files last modified before `started`
/// whose process is gone. Where a process cannot be looked up (outside Linux), the age alone
/// decides, so do not run two scrubs into one folder at once. Returns how many were removed.
pub fn remove_stale_temps(dir: &Path, started: std::time::SystemTime) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(middle) = name
            .strip_prefix(TEMP_PREFIX)
            .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        let pid = middle
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<u32>().ok());
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < started);
        let ours = pid == Some(std::process::id());
        if old
            && !ours
            && !pid.is_some_and(process_alive)
            && entry.path().is_file()
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// Whether a process with this id is running, where that can be told without shelling out.
fn process_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        Path::new("/proc").join(pid.to_string()).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        false
    }
}

/// A writer that hashes what passes through it and remembers the first I/O error.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Option<Sha256>,
    error: Option<std::io::ErrorKind>,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W, hash: bool) -> Self {
        HashingWriter {
            inner,
            hasher: hash.then(Sha256::new),
            error: None,
        }
    }

    fn io_error(&self) -> Option<std::io::ErrorKind> {
        self.error
    }

    fn digest(self) -> String {
        self.hasher
            .map(|h| crate::actions::hex(h.finalize().as_slice()))
            .unwrap_or_default()
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.inner.write(buf) {
            Ok(n) => {
                if let Some(hasher) = &mut self.hasher {
                    hasher.update(&buf[..n]);
                }
                Ok(n)
            }
            Err(e) => {
                self.error.get_or_insert(e.kind());
                Err(e)
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().inspect_err(|e| {
            self.error.get_or_insert(e.kind());
        })
    }
}

/// Move a staged file into place: atomically, and without replacing an existing file unless
/// `replace` is set.
pub fn commit(tmp: tempfile::NamedTempFile, path: &Path, replace: bool) -> std::io::Result<()> {
    let result = if replace {
        tmp.persist(path)
    } else {
        tmp.persist_noclobber(path)
    };
    result.map_err(|e| e.error)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")));
    Ok(())
}

/// Make a rename durable. Only Unix can sync a folder; elsewhere the rename is already durable
/// enough for the file systems in use.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Write a whole file atomically (the report).
///
/// # Errors
/// The I/O error.
pub fn write_atomic(path: &Path, bytes: &[u8], replace: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut tmp = temp_file(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    commit(tmp, path, replace)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real full disk (Linux's `/dev/full`) under the staged writer: the failure is reported
    /// as the write error it is, not as a failure to build the output.
    #[cfg(target_os = "linux")]
    #[test]
    fn dev_full_is_reported_as_no_space() {
        let Ok(mut full) = std::fs::File::options().write(true).open("/dev/full") else {
            return;
        };
        let book = crate::csv::read(b"First Name\nZo\xC3\xAB\n", "x").unwrap();
        let crate::workbook::Format::Csv(dialect) = &book.format else {
            panic!("csv")
        };
        let e = Storage::disk()
            .write_hashed(&mut full, Path::new("out/x.csv"), true, |w| {
                crate::csv::write(&book, dialect, &[], w)
            })
            .unwrap_err();
        assert!(
            matches!(
                e,
                Problem::Write(WriteError::Io {
                    kind: std::io::ErrorKind::StorageFull,
                    ..
                })
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("check free space"), "{e}");
    }

    /// A staged file larger than the early flush's step is flushed as it grows, by a thread
    /// of its own, and still holds every byte written, with their digest.
    #[test]
    fn a_large_staged_file_is_flushed_as_it_grows_and_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        // Two and a half times the early flush's step, in pieces of odd sizes.
        let len = usize::try_from(EARLY_SYNC_EVERY).unwrap() * 5 / 2;
        let bytes: Vec<u8> = (0..len).map(|i| b"abcdefghij\n"[i % 11]).collect();
        let (tmp, digest) = Storage::disk()
            .stage_with(dir.path(), &target, |w| {
                for piece in bytes.chunks(100_003) {
                    w.write_all(piece).map_err(|e| write_problem(&target, e))?;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(std::fs::read(tmp.path()).unwrap(), bytes);
        assert_eq!(digest, sha256_hex(&bytes));
        // Its flushing thread: started at the first step, asked again at each, and waited for
        // when the file is done with.
        let file = tempfile::tempfile().unwrap();
        let mut early = EarlySync::default();
        early.wrote(&file, usize::try_from(EARLY_SYNC_EVERY).unwrap() - 1);
        assert!(early.flusher.is_none(), "not before the first step");
        early.wrote(&file, 1);
        assert!(early.flusher.is_some() && early.since == 0);
        early.wrote(&file, usize::try_from(EARLY_SYNC_EVERY).unwrap());
        drop(early);
    }

    #[test]
    fn commit_does_not_clobber_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, b"old").unwrap();
        let e = write_atomic(&path, b"new", false).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        write_atomic(&path, b"new", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp file left behind");
    }
}
