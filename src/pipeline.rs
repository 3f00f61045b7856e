//! Files × rayon: find the inputs, scrub each one (in parallel), write outputs atomically.

use crate::apply::{self, SheetChanges};
use crate::error::{FileError, PlanError, Problem, ReadError, VerifyError, WriteError};
use crate::input::{InputKind, Skipped};
use crate::map::Map;
use crate::plan;
use crate::preview::Preview;
use crate::report::{self, FileReport, Status};
use crate::staging::{
    commit, sha256_hex, write_problem, StagedWriter, Storage, TEMP_PREFIX, TEMP_SUFFIX,
};
use crate::workbook::{Format, Workbook};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One input and where its results go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The input file.
    pub input: PathBuf,
    /// The scrubbed file.
    pub output: PathBuf,
    /// The `<stem>.changes.csv` file.
    pub changes: PathBuf,
}

/// Expand folders (their `.xlsx`/`.xlsm`/`.csv` files, not recursive, sorted) and drop duplicates.
/// Files named explicitly are kept whatever their extension, so an unsupported one is reported.
///
/// # Errors
/// A message when a folder cannot be listed.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    find_inputs(inputs, false).map(|found| found.files.into_iter().map(|f| f.path).collect())
}

/// One input file found by [`find_inputs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The file.
    pub path: PathBuf,
    /// Its folder below the folder given on the command line (empty for a file given itself,
    /// or one directly in the folder), which its outputs mirror below `--out-dir`.
    pub subdir: PathBuf,
}

/// What [`find_inputs`] found in the inputs.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The files to scrub, in order, without duplicates.
    pub files: Vec<InputFile>,
    /// What the folders held besides, each with the reason it was left out.
    pub skipped: Vec<Skipped>,
}

/// Expand folders into their `.xlsx`/`.csv` files (sorted; with `recursive`, their subfolders'
/// too) and drop duplicates, noting every other entry and why it is left out. Files named
/// explicitly are kept whatever their extension, so an unsupported one is reported.
///
/// # Errors
/// A message when a folder cannot be listed.
pub fn find_inputs(inputs: &[PathBuf], recursive: bool) -> Result<Found, String> {
    let mut found = Found::default();
    for input in inputs {
        if input.is_dir() {
            walk(input, Path::new(""), recursive, &mut found)?;
        } else {
            found.files.push(InputFile {
                path: input.clone(),
                subdir: PathBuf::new(),
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.files.retain(|f| seen.insert(f.path.clone()));
    Ok(found)
}

fn walk(dir: &Path, subdir: &Path, recursive: bool, found: &mut Found) -> Result<(), String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list the folder '{}' ({})", dir.display(), e.kind()))?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    let skip = |found: &mut Found, path: &Path, reason: &str| {
        found.skipped.push(Skipped {
            path: path.display().to_string(),
            reason: reason.to_string(),
        });
    };
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            skip(found, &path, "cannot be read");
            continue;
        };
        if kind.is_dir() {
            if path.join(crate::report::REPORT_FILE).is_file() {
                skip(
                    found,
                    &path,
                    "a folder of dsr-scrub's outputs, which are never inputs",
                );
            } else if recursive {
                walk(&path, &subdir.join(&name), recursive, found)?;
            } else {
                skip(
                    found,
                    &path,
                    "a folder; pass --recursive to scrub the files in folders too",
                );
            }
            continue;
        }
        if !path.is_file() {
            skip(found, &path, "not a regular file");
            continue;
        }
        if let Some(reason) = not_an_input(&name) {
            skip(found, &path, &reason);
            continue;
        }
        found.files.push(InputFile {
            path,
            subdir: subdir.to_path_buf(),
        });
    }
    Ok(())
}

/// Why a file found in a folder is not scrubbed; `None` for an `.xlsx` or `.csv` export.
fn not_an_input(name: &str) -> Option<String> {
    let lower = name.to_lowercase();
    if name.starts_with("~$") {
        return Some("an Excel lock file (the workbook is open in Excel)".into());
    }
    if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
        return Some("a temporary file of an interrupted dsr-scrub run".into());
    }
    if name.starts_with('.') {
        return Some("a hidden file".into());
    }
    if lower.ends_with(".changes.csv")
        || lower.ends_with(".deletions.csv")
        || (lower.starts_with("scrub-report") && lower.ends_with(".json"))
    {
        return Some(
            "an output of dsr-scrub (changes, deletions or report), never an input".into(),
        );
    }
    if InputKind::of(Path::new(name)).is_some() {
        return None;
    }
    Some(match InputKind::require(Path::new(name)) {
        Err(Problem::Read(ReadError::OtherFormat(what))) => {
            format!("{what}; open it in Excel and save it as .xlsx (Excel Workbook) to scrub it")
        }
        _ if lower.ends_with(".txt") => {
            "a text file; if it is Excel's \"Unicode Text\" export, rename it to .csv to scrub it"
                .into()
        }
        _ => "not an .xlsx, .xlsm or .csv file".into(),
    })
}

/// Decide each input's output paths in `out_dir`.
///
/// # Errors
/// A message when two inputs would write the same output or changes file.
pub fn plan_jobs(files: &[PathBuf], out_dir: &Path) -> Result<Vec<Job>, String> {
    let files: Vec<InputFile> = files
        .iter()
        .map(|f| InputFile {
            path: f.clone(),
            subdir: PathBuf::new(),
        })
        .collect();
    plan_nested_jobs(&files, out_dir)
}

/// [`plan_jobs`] for files found in folders: each output goes to the input's subfolder below
/// `out_dir` (see [`InputFile::subdir`]).
///
/// # Errors
/// A message when two inputs would write the same output or changes file.
pub fn plan_nested_jobs(files: &[InputFile], out_dir: &Path) -> Result<Vec<Job>, String> {
    let mut outputs: HashMap<PathBuf, &Path> = HashMap::new();
    let mut jobs = Vec::with_capacity(files.len());
    // `users.xlsx` and `users.csv` side by side (an export in both formats) would share
    // `users.changes.csv`: such files name their changes file after the whole file name.
    let mut stems: HashMap<PathBuf, usize> = HashMap::new();
    for f in files {
        if let Some(stem) = f.path.file_stem() {
            *stems.entry(f.subdir.join(stem)).or_default() += 1;
        }
    }
    for f in files {
        let file = &f.path;
        let name = file
            .file_name()
            .ok_or_else(|| format!("'{}' is not a file name", file.display()))?;
        let stem = file.file_stem().unwrap_or(name);
        let changes = if stems.get(&f.subdir.join(stem)).is_some_and(|&n| n > 1) {
            format!("{}.changes.csv", name.to_string_lossy())
        } else {
            format!("{}.changes.csv", stem.to_string_lossy())
        };
        let dir = out_dir.join(&f.subdir);
        let job = Job {
            input: file.clone(),
            output: dir.join(name),
            changes: dir.join(changes),
        };
        for path in [&job.output, &job.changes] {
            if let Some(other) = outputs.insert(path.clone(), file) {
                return Err(format!(
                    "'{}' and '{}' would both write '{}'; scrub them in separate runs or with different --out-dir",
                    other.display(),
                    file.display(),
                    path.display()
                ));
            }
        }
        jobs.push(job);
    }
    Ok(jobs)
}

/// How to run the jobs.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Replace existing outputs.
    pub force: bool,
    /// Write xlsx with the rebuild writer instead of the lossless patcher.
    pub rebuild: bool,
    /// What the lossless patcher may change besides cells.
    pub patch: crate::xlsx::patch::PatchOptions,
    /// Limits on xlsx packages, checked before they are unpacked.
    pub limits: crate::xlsx::Limits,
    /// Read, plan and count as for real, but write no output and no changes file.
    pub dry_run: bool,
    /// In a dry run, keep this many before/after pairs per column for the terminal.
    pub samples: usize,
    /// Split each output into import-sized parts.
    pub parts: crate::split::PartLimits,
    /// Verify each staged output against its input before committing it (`scrub --verify`).
    pub verify: bool,
    /// CSV outputs: escape every data cell that starts like a formula (`--neutralize-formulas`).
    pub neutralize_formulas: bool,
    /// How the changes files list the changes.
    pub changes_format: crate::changes::ChangesFormat,
    /// Write only the rows the run changed (`--changed-rows-only`, `--all-rows`); `None`: only
    /// them when the map is about data subjects ([`Map::subject_scoped`]).
    pub changed_rows_only: Option<bool>,
    /// Skip the leak sweep (measurements of its cost only: `ok` must mean erased).
    #[doc(hidden)]
    pub no_sweep: bool,
    /// Columns that look personal but that the map does not name are a warning, not a failure
    /// (`--allow-uncovered`).
    pub allow_uncovered: bool,
    /// A kept cell of a row no subject matched that holds a subject's value (see
    /// [`crate::apply::Held`]) is accepted (`--allow-near-names`: it names someone else) rather
    /// than failing a file that writes every row.
    pub allow_near_names: bool,
    /// With neither `--map` nor `--profile`: the other built-in profiles, one of which replaces
    /// the default for an export of a table it is made for.
    pub by_entity: Vec<crate::profiles::EntityMap>,
    /// Where staged files are opened: the disk, or in tests one that fills up mid-write
    /// ([`Storage::full_after`]).
    pub storage: Storage,
}

/// Scrub one file. Never panics outward: a panic inside becomes a failed file.
pub fn run_job(map: &Map, job: &Job, settings: &Settings) -> FileReport {
    run_job_previewed(map, job, settings).0
}

/// [`run_job`], and apart from the report what a dry run with `--samples` shows on the terminal
/// (personal values, which the report never holds).
pub fn run_job_previewed(map: &Map, job: &Job, settings: &Settings) -> (FileReport, Preview) {
    let mut report = FileReport::new(&job.input.display().to_string());
    let mut preview = Preview::default();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scrub_file(map, job, settings, &mut report, &mut preview)
    }));
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(_) => Err(FileError::new(&job.input, Problem::Internal)),
    };
    let (mut report, preview) = match outcome {
        Ok(()) => {
            report.status = Status::Ok;
            (report, preview)
        }
        // Nothing was written, so nothing changed, and there is nothing to show.
        Err(e) => (failed_report(report, &e.problem), Preview::default()),
    };
    mask_subjects(&mut report, &map.subjects);
    (report, preview)
}

/// The names in `report` (its error, sheets, columns) with each data subject they name written
/// as `subject #N`: a sheet or column may be named after a subject (a tab per person), and
/// subjects are named by position only.
fn mask_subjects(report: &mut FileReport, subjects: &crate::subjects::Subjects) {
    if subjects.is_empty() {
        return;
    }
    let mask = |text: &mut String| {
        if let std::borrow::Cow::Owned(masked) = subjects.masked(text) {
            *text = masked;
        }
    };
    if let Some(error) = &mut report.error {
        mask(error);
    }
    for sheet in &mut report.sheets {
        mask(&mut sheet.name);
    }
    for column in &mut report.uncovered {
        mask(&mut column.sheet);
        mask(&mut column.header);
    }
}

/// The report of a file that failed, made afresh: what describes the input and the checks made
/// on it (digest, encoding, profile, matched rules, uncovered and compared columns) and the
/// counts taken on the way that the report has always kept (formulas to neutralize, rows to
/// write, deletions without a record id). Nothing was written, so nothing changed: no output,
/// no changes file, no counts of changes.
fn failed_report(report: FileReport, problem: &Problem) -> FileReport {
    let FileReport {
        input,
        input_sha256,
        encoding,
        formulas_neutralized,
        matched_rules,
        profile,
        uncovered,
        subject_columns,
        rows_written,
        deletions_without_id,
        ..
    } = report;
    let mut failed = FileReport::new(&input);
    failed.status = Status::Failed;
    failed.error = Some(problem.to_string());
    failed.input_sha256 = input_sha256;
    failed.encoding = encoding;
    failed.formulas_neutralized = formulas_neutralized;
    failed.matched_rules = matched_rules;
    failed.profile = profile;
    failed.uncovered = uncovered;
    failed.subject_columns = subject_columns;
    failed.rows_written = rows_written;
    failed.deletions_without_id = deletions_without_id;
    failed
}

/// Run all jobs in parallel; reports (each with its preview) come back in job order.
pub fn run_jobs(
    map: &Map,
    jobs: &[Job],
    settings: &Settings,
    on_done: impl Fn(&FileReport) + Sync,
) -> Vec<(FileReport, Preview)> {
    jobs.par_iter()
        .map(|job| {
            let done = run_job_previewed(map, job, settings);
            on_done(&done.0);
            done
        })
        .collect()
}

/// In a run about data subjects over several files, per subject: what the rows matched for
/// it in any of them hold (see [`apply::learn_book`]), for [`Map::learned_elsewhere`]. A
/// subject given by email matches the user record that holds it; the approval tables' exports
/// name the same person by the full name that record holds, and are checked for it. Each file
/// is read for this before the run reads it again; a file that cannot be read or planned
/// teaches nothing (the run reports it). `on_done` is called after each file.
pub fn learn_across(
    map: &Map,
    jobs: &[Job],
    settings: &Settings,
    on_done: impl Fn() + Sync,
) -> Vec<Vec<String>> {
    let mut learned: Vec<Vec<String>> = vec![Vec::new(); map.subjects.len()];
    if map.subjects.is_empty() || jobs.len() < 2 {
        return learned;
    }
    let per_file: Vec<Vec<Vec<String>>> = jobs
        .par_iter()
        .map(|job| {
            let values = learn_file(map, job, settings).unwrap_or_default();
            on_done();
            values
        })
        .collect();
    for values in per_file {
        apply::merge_learned(&mut learned, values);
    }
    learned
}

/// What one file's rows teach about the subjects (see [`learn_across`]).
fn learn_file(map: &Map, job: &Job, settings: &Settings) -> Result<Vec<Vec<String>>, Problem> {
    let kind = InputKind::require(&job.input)?;
    let bytes = std::fs::read(&job.input).map_err(|e| ReadError::Io(e.kind()))?;
    let book = match kind {
        InputKind::Xlsx => crate::xlsx::read_with(&bytes, &settings.limits)?,
        InputKind::Csv => {
            let stem = job.input.file_stem().unwrap_or_default().to_string_lossy();
            crate::csv::read_to_scrub(&bytes, &stem)?
        }
    };
    let map = pick_map(map, &book, settings)?;
    let file_plan = plan::resolve(map, &book)?;
    Ok(apply::learn_book(map, &file_plan, &book))
}

/// What a job writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    /// Nothing: the counts (and samples) of a real run only.
    DryRun,
    /// The output split into import-sized parts ([`Settings::parts`]).
    Parts,
    /// One output, streamed where the engine can ([`streams`]).
    Single,
}

impl Output {
    fn of(settings: &Settings) -> Output {
        if settings.dry_run {
            Output::DryRun
        } else if settings.parts.active() {
            Output::Parts
        } else {
            Output::Single
        }
    }
}

/// Scrub one file in stages: open → (stream, or read whole → plan and check → apply) → stage
/// the output → verify → commit → report. Each stage fills in its part of `report`.
fn scrub_file(
    map: &Map,
    job: &Job,
    settings: &Settings,
    report: &mut FileReport,
    preview: &mut Preview,
) -> Result<(), FileError> {
    let fail = |p: Problem| FileError::new(&job.input, p);
    let (kind, bytes) = open_input(job, settings).map_err(fail)?;
    if scrub_streamed(map, job, settings, kind, &bytes, report).map_err(fail)? {
        return Ok(());
    }
    let book = read_whole(job, settings, kind, &bytes, report).map_err(fail)?;
    let (map_used, file_plan) = plan_checked(map, &book, settings, report).map_err(fail)?;
    let changes = apply_counted(map_used, &book, &file_plan, settings, report).map_err(fail)?;
    if kind == InputKind::Xlsx {
        check_package(map_used, &book, &file_plan, &changes, settings, &bytes).map_err(fail)?;
    }
    let applied = Applied {
        map: map_used,
        job,
        settings,
        bytes: &bytes,
        book,
        plan: file_plan,
        changes,
    };
    match Output::of(settings) {
        Output::DryRun => {
            // Everything above ran as for real, so the counts are what a real run would
            // report; nothing is staged or committed.
            preview.samples = crate::preview::samples(
                &applied.book,
                &applied.plan,
                &applied.changes,
                settings.samples,
            );
            Ok(())
        }
        Output::Parts => applied.write_parts(report).map_err(fail),
        Output::Single => applied.write_single(report).map_err(fail),
    }
}

/// Open stage: the input's kind and bytes, once the output is known not to be the input nor
/// (without `--force`) to exist already.
fn open_input(job: &Job, settings: &Settings) -> Result<(InputKind, Vec<u8>), Problem> {
    let kind = InputKind::require(&job.input)?;
    if same_file(&job.input, &job.output) {
        return Err(WriteError::OutputIsInput.into());
    }
    let first_output = if settings.parts.active() {
        crate::split::part_path(&job.output, 1)
    } else {
        job.output.clone()
    };
    if !settings.force && first_output.exists() {
        return Err(WriteError::OutputExists(first_output).into());
    }
    let bytes = std::fs::read(&job.input).map_err(|e| {
        Problem::from(match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            kind => ReadError::Io(kind),
        })
    })?;
    Ok((kind, bytes))
}

/// The streaming engines, a way to make a single output where they apply ([`streams`]):
/// `Ok(true)` when the file was scrubbed so, `Ok(false)` (with the report as it was) when it is
/// left to the workbook read whole.
fn scrub_streamed(
    map: &Map,
    job: &Job,
    settings: &Settings,
    kind: InputKind,
    bytes: &[u8],
    report: &mut FileReport,
) -> Result<bool, Problem> {
    if reads_whole() || !xlsx_streams(map, settings) {
        return Ok(false);
    }
    match kind {
        InputKind::Csv if settings.verify => Ok(false),
        InputKind::Csv => scrub_csv_stream(map, job, settings, report, bytes),
        InputKind::Xlsx if settings.rebuild => Ok(false),
        InputKind::Xlsx => {
            // The streaming engine leaves the cases it does not handle (yet) to the workbook
            // read whole, with the report as it was.
            let before = report.clone();
            let done = scrub_xlsx_stream(map, job, settings, report, bytes)?;
            if !done {
                *report = before;
            }
            Ok(done)
        }
    }
}

/// Read stage: the input read whole, its digest taken while it is parsed (with 2 or more jobs).
fn read_whole(
    job: &Job,
    settings: &Settings,
    kind: InputKind,
    bytes: &[u8],
    report: &mut FileReport,
) -> Result<Workbook, Problem> {
    let (digest, book) = rayon::join(
        || sha256_hex(bytes),
        || match kind {
            InputKind::Xlsx => crate::xlsx::read_with(bytes, &settings.limits),
            InputKind::Csv => {
                let stem = job.input.file_stem().unwrap_or_default().to_string_lossy();
                crate::csv::read_to_scrub(bytes, &stem)
            }
        },
    );
    report.input_sha256 = Some(digest);
    let book = book?;
    if let Format::Csv(dialect) = &book.format {
        report.encoding = Some(dialect.encoding.name());
    }
    Ok(book)
}

/// Plan stage: the map for this file resolved against it, and the checks of the plan (profile,
/// protected columns, coverage).
fn plan_checked<'m>(
    map: &'m Map,
    book: &Workbook,
    settings: &'m Settings,
    report: &mut FileReport,
) -> Result<(&'m Map, plan::FilePlan), Problem> {
    let default_map = map;
    let map = pick_map(map, book, settings)?;
    if !std::ptr::eq(map, default_map) {
        report.profile = Some(map.origin.clone());
    }
    check_profile(map, book, settings)?;
    let file_plan = plan::resolve(map, book)?;
    if std::ptr::eq(map, default_map) {
        report.matched_rules.clone_from(&file_plan.matched);
    }
    check_resolved(book, &file_plan)?;
    check_coverage(map, book, &file_plan, settings, report)?;
    Ok((map, file_plan))
}

/// Apply stage: the changes, counted in the report (sheets, rows, cells, data subjects).
fn apply_counted(
    map: &Map,
    book: &Workbook,
    file_plan: &plan::FilePlan,
    settings: &Settings,
    report: &mut FileReport,
) -> Result<Vec<SheetChanges>, Problem> {
    let (changes, hits) = apply::apply_plan_hits(map, file_plan, book);
    if !settings.allow_near_names && !settings.dry_run && !changed_rows_only(map, settings) {
        held_kept(book, file_plan, &hits)?;
    }
    if !map.subjects.is_empty() {
        use crate::report::subjects;
        report.subject_columns = subjects::compared_columns(map, book, file_plan);
        report.subjects = subjects::file_reports(map, book, file_plan, &changes, &hits);
    }
    report.sheets = crate::changes::sheet_reports(map, book, file_plan, &changes);
    report.rows = report.sheets.iter().map(|s| s.rows).sum();
    report.cells_changed = changes.iter().map(|c| c.cells.len() as u64).sum();
    report.rows_deleted = changes.iter().map(|c| c.deleted.len() as u64).sum();
    if settings.neutralize_formulas && matches!(book.format, Format::Csv(_)) {
        report.formulas_neutralized = Some(crate::csv::count_neutralized(book, &changes));
    }
    Ok(changes)
}

/// An output of every row would keep a subject's value in a row no subject matched (see
/// [`apply::Held`]): the first such cell, by sheet, row and column, fails the file.
fn held_kept(
    book: &Workbook,
    file_plan: &plan::FilePlan,
    hits: &[apply::SubjectHits],
) -> Result<(), Problem> {
    let mut held: Vec<(usize, u32, u32, usize, apply::Held)> = file_plan
        .sheets
        .iter()
        .zip(hits)
        .flat_map(|(sp, h)| {
            h.held
                .iter()
                .map(move |&(row, col, s, what)| (sp.sheet, row, col, s, what))
        })
        .collect();
    held.sort_unstable();
    held.dedup_by_key(|h| (h.0, h.1, h.2, h.3));
    let Some(&(sheet, row, col, subject, what)) = held.first() else {
        return Ok(());
    };
    let headers = file_plan
        .sheets
        .iter()
        .find(|sp| sp.sheet == sheet)
        .map_or(&[][..], |sp| &sp.headers[..]);
    let header = headers.get(col as usize).map_or("", |h| h.trim());
    let column = if header.is_empty() {
        crate::a1::column_letters(col)
    } else {
        header.to_string()
    };
    Err(VerifyError::SubjectValueKept {
        place: format!(
            "sheet '{}', cell {} (column '{column}', row {})",
            book.sheets[sheet].name,
            crate::a1::cell_name(row, col),
            u64::from(row) + 1
        ),
        subject: subject + 1,
        what: what.describe(),
        given: what == apply::Held::Given,
        more: held.len() - 1,
    }
    .into())
}

/// The package checks of an xlsx: the rebuild writer's limits, and macros, which are copied as
/// they are and so must not hold what the scrub removes.
fn check_package(
    map: &Map,
    book: &Workbook,
    file_plan: &plan::FilePlan,
    changes: &[SheetChanges],
    settings: &Settings,
    bytes: &[u8],
) -> Result<(), Problem> {
    let package = crate::xlsx::macros::Package::of(bytes)?;
    if settings.rebuild {
        package.check_rebuild()?;
    }
    package.check_macros(bytes, || {
        crate::verify::removed_in(map, book, file_plan, changes).needles()
    })
}

/// A file read whole, planned and applied: what the output stages need.
struct Applied<'a> {
    map: &'a Map,
    job: &'a Job,
    settings: &'a Settings,
    bytes: &'a [u8],
    book: Workbook,
    plan: plan::FilePlan,
    changes: Vec<SheetChanges>,
}

/// The writer of an output (or part) from its changes, in the file's format.
struct Writer<'a> {
    applied: &'a Applied<'a>,
    /// The values the scrub removes, for the lossless writer's cleaners.
    needles: crate::needles::Needles,
    /// What the lossless writer cleaned outside the cells, over every part it wrote.
    cleaning: std::sync::Mutex<crate::xlsx::clean::Counts>,
}

type Staged = tempfile::NamedTempFile;

impl<'a> Applied<'a> {
    /// The changes the output is written from (only the changed rows, when outputs hold only
    /// them; noted in the report), and the folder it is staged in, made if need be.
    fn prepare(&mut self, report: &mut FileReport) -> Result<&'a Path, Problem> {
        if changed_rows_only(self.map, self.settings) {
            let only = only_changed_rows(&self.book, std::mem::take(&mut self.changes));
            report.rows_written = Some(
                only.iter()
                    .map(|c| {
                        u64::from(self.book.sheets[c.sheet].height().saturating_sub(1))
                            - c.deleted.len() as u64
                    })
                    .sum(),
            );
            self.changes = only;
        }
        let out_dir = self.job.output.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(out_dir).map_err(|e| write_problem(&self.job.output, e))?;
        Ok(out_dir)
    }

    /// Whether the lossless writer writes the output: it copies every other part of the
    /// package, so it cleans them of the values the scrub removes (the rebuild writer writes
    /// cells only).
    fn lossless(&self) -> bool {
        matches!(self.book.format, Format::Xlsx) && !self.settings.rebuild
    }

    fn writer(&self) -> Writer<'_> {
        let needles = if self.lossless() {
            crate::verify::removed_in(self.map, &self.book, &self.plan, &self.changes).needles()
        } else {
            crate::needles::Needles::default()
        };
        Writer {
            applied: self,
            needles,
            cleaning: std::sync::Mutex::new(crate::xlsx::clean::Counts::default()),
        }
    }

    /// The leak sweep: nothing the scrub removed may be left in what it writes.
    fn sweep(
        &self,
        outputs: &dyn Fn() -> Result<Vec<Vec<u8>>, Problem>,
    ) -> Result<Vec<crate::verify::sweep::Residual>, Problem> {
        if self.settings.no_sweep {
            return Ok(Vec::new());
        }
        let input = matches!(self.book.format, Format::Xlsx).then_some(self.bytes);
        crate::verify::sweep::sweep(
            self.map,
            &self.book,
            &self.plan,
            &self.changes,
            input,
            outputs,
        )
    }

    /// Stage the changes file in `out_dir`.
    fn stage_changes(&self, out_dir: &Path) -> Result<Staged, Problem> {
        self.settings
            .storage
            .stage_unhashed(out_dir, &self.job.changes, |w| {
                crate::changes::write_changes_as(
                    w,
                    self.settings.changes_format,
                    self.map,
                    &self.book,
                    &self.plan,
                    &self.changes,
                )
                .map_err(|e| WriteError::ChangesFile(e.kind()).into())
            })
    }

    /// Stage the output and the changes file at the same time (with 2 or more jobs), verify
    /// and sweep the output; then commit both and write the deletion lists.
    fn write_single(mut self, report: &mut FileReport) -> Result<(), Problem> {
        let out_dir = self.prepare(report)?;
        let this = &self;
        let writer = this.writer();
        // The output, the changes file and the leak sweep run at the same time (with 2 or more
        // jobs), as in the streamed scrub.
        let handoff = Handoff::default();
        let (output, (changes_file, residuals)) = rayon::join(
            || this.stage_verified(&writer, out_dir, &handoff),
            || {
                rayon::join(
                    || this.stage_changes(out_dir),
                    || this.sweep(&|| handoff.read()),
                )
            },
        );
        // Where `--verify` and the sweep both find a removed value left in the output, the
        // sweep's message names its place (`--verify`'s only counts its findings).
        if let (
            Err(Problem::Verify(VerifyError::VerifyFailed { .. })),
            Err(Problem::Verify(VerifyError::Unerased { .. })),
        ) = (&output, &residuals)
        {
            return residuals.map(drop);
        }
        let (staged_output, digest) = output?;
        report.output_sha256 = Some(digest);
        report.residuals = residuals?;
        if this.lossless() {
            report.cleaning = writer.counts();
        }
        let staged_changes = changes_file?;
        commit_both(
            staged_output,
            staged_changes,
            this.job,
            this.settings.force,
            report,
        )?;
        this.write_deletions(report)
    }

    /// Stage the output; with `scrub --verify`, check it before it is committed (on a
    /// finding the staged file is dropped, so nothing is written); then hand it to the sweep.
    fn stage_verified(
        &self,
        writer: &Writer<'_>,
        out_dir: &Path,
        handoff: &Handoff,
    ) -> Result<(Staged, String), Problem> {
        let mut written = HandoffGuard {
            handoff,
            path: None,
        };
        let (staged, digest) =
            self.settings
                .storage
                .stage_with(out_dir, &self.job.output, |w| {
                    writer.write(&self.changes, w)
                })?;
        if self.settings.verify {
            crate::verify::check_staged(
                self.map,
                &self.book,
                &self.plan,
                &self.changes,
                staged.path(),
                &self.settings.limits,
            )?;
        }
        written.path = Some(staged.path().to_path_buf());
        Ok((staged, digest))
    }

    /// Stage the output as parts of the first planned sheet, sweep them, stage the changes
    /// file; then commit the parts, the changes file and the deletion lists.
    fn write_parts(mut self, report: &mut FileReport) -> Result<(), Problem> {
        let out_dir = self.prepare(report)?;
        let this = &self;
        let Some(first) = this.plan.sheets.first() else {
            return Err(PlanError::NoSheet.into());
        };
        let writer = this.writer();
        let write = |changes: &[SheetChanges], w: &mut StagedWriter<'_>| writer.write(changes, w);
        let parts = write_parts(
            &this.book,
            first.sheet,
            &this.changes,
            &this.settings.parts,
            this.job,
            &this.settings.storage,
            &write,
        )?;
        report.residuals =
            this.sweep(&|| parts.iter().map(|(tmp, _)| read_back(tmp.path())).collect())?;
        let staged_changes = this.stage_changes(out_dir)?;
        for (tmp, part) in parts {
            commit_output(tmp, Path::new(&part.path), this.settings.force)?;
            report.parts.push(part);
        }
        if this.lossless() {
            report.cleaning = writer.counts();
        }
        commit_changes(staged_changes, this.job, report)?;
        this.write_deletions(report)
    }

    /// An import never deletes: the records whose rows went are listed for Dataverse.
    fn write_deletions(&self, report: &mut FileReport) -> Result<(), Problem> {
        let entity = self.book.metadata().map(|m| m.entity);
        crate::deletions::write(
            &self.job.changes,
            entity.as_deref(),
            report,
            self.settings.force,
        )
    }
}

impl Writer<'_> {
    /// Write an output (or part) from `changes` to `w`.
    fn write(&self, changes: &[SheetChanges], w: &mut StagedWriter<'_>) -> Result<(), Problem> {
        let a = self.applied;
        match &a.book.format {
            Format::Xlsx if a.settings.rebuild => {
                // The level the lossless writer takes for this input (2, or 6 near the
                // import wizard's size limit), or the one asked for.
                let level = a.settings.patch.level_for(a.bytes.len());
                crate::xlsx::rebuild::write(&a.book, changes, u8::try_from(level).unwrap_or(6), w)
            }
            Format::Xlsx => {
                let counts = crate::xlsx::patch::write_cleaned(
                    a.bytes,
                    &a.book,
                    changes,
                    &spooled_beside(&a.settings.patch, &a.job.output),
                    &self.needles,
                    w,
                )?;
                if let Ok(mut total) = self.cleaning.lock() {
                    total.add(&counts);
                }
                Ok(())
            }
            Format::Csv(dialect) => {
                crate::csv::write_with(&a.book, dialect, changes, a.settings.neutralize_formulas, w)
            }
        }
    }

    /// What the lossless writer cleaned, over everything it wrote.
    fn counts(&self) -> Option<crate::xlsx::clean::Counts> {
        self.cleaning.lock().ok().map(|c| *c)
    }
}

/// A staged file read back, for the leak sweep.
fn read_back(path: &Path) -> Result<Vec<u8>, Problem> {
    std::fs::read(path).map_err(|e| write_problem(path, e))
}

/// The map for this file: `map`, or (with [`Settings::by_entity`]) the profile made for the
/// file's entity.
fn pick_map<'a>(
    map: &'a Map,
    book: &crate::workbook::Workbook,
    settings: &'a Settings,
) -> Result<&'a Map, Problem> {
    crate::profiles::map_for(map, &settings.by_entity, book)
}

/// A built-in profile run on an export of another table (by its `hiddenSheet!A1` entity, or a
/// CSV's record id header: [`Workbook::entity`](crate::workbook::Workbook::entity)) would
/// scrub the wrong columns or none: the file fails, naming both and the profile to use.
fn check_profile(
    map: &Map,
    book: &crate::workbook::Workbook,
    settings: &Settings,
) -> Result<(), Problem> {
    if !settings.by_entity.is_empty() {
        // Chosen by the file's entity: the default serves the tables no profile is made for.
        return Ok(());
    }
    let Some(profile) = map
        .origin
        .strip_prefix("profile ")
        .and_then(crate::profiles::find)
    else {
        return Ok(());
    };
    let Some(entity) = book.entity() else {
        return Ok(());
    };
    if profile.entities.is_empty()
        || profile
            .entities
            .iter()
            .any(|e| e.eq_ignore_ascii_case(&entity))
    {
        return Ok(());
    }
    let advice = match crate::profiles::for_entity(&entity) {
        Some(right) => format!("use --profile {}", right.name),
        None => "write a map for this table (`dsr-scrub inspect --emit-map map.toml FILE` drafts one) and pass it with --map".to_string(),
    };
    Err(PlanError::WrongProfile {
        entity,
        profile: format!(
            "profile {} is for {}; {advice}",
            profile.name,
            profile.entities.join(", ")
        ),
    }
    .into())
}

/// A map that finds nothing to do in a file (every key optional, none matching) would pass it
/// through unchanged and call it scrubbed: the file fails instead. So does a file whose record
/// id column holds something else than a record GUID in a row of `book` (the whole input, or
/// the heads of a streamed one, whose other rows [`check_tail_coverage`] checks).
fn check_resolved(
    book: &crate::workbook::Workbook,
    file_plan: &plan::FilePlan,
) -> Result<(), Problem> {
    for sp in &file_plan.sheets {
        let (sheet, Some(col)) = (&book.sheets[sp.sheet], sp.record_id) else {
            continue;
        };
        if let Some(row) =
            (1..sheet.height()).find(|&r| !crate::coverage::is_record_id(sheet.cell(r, col)))
        {
            return Err(stray_record_id(book, sp, row, col));
        }
    }
    if file_plan
        .sheets
        .iter()
        .any(|s| !s.targets.is_empty() || !s.row_rules.is_empty())
    {
        return Ok(());
    }
    let sheets = file_plan
        .sheets
        .iter()
        .map(|s| format!("sheet '{}'", book.sheets[s.sheet].name))
        .collect::<Vec<_>>()
        .join(", ");
    Err(PlanError::NothingResolved {
        searched: match book.metadata() {
            Some(m) => format!("{sheets}, in an export of {}", m.entity),
            None => sheets,
        },
    }
    .into())
}

/// The failure of a planned sheet whose data row `row` holds no record GUID in the record id
/// column `col` (see [`crate::coverage::is_record_id`]).
fn stray_record_id(
    book: &crate::workbook::Workbook,
    sp: &plan::SheetPlan,
    row: u32,
    col: u32,
) -> Problem {
    PlanError::StrayRecordId {
        at: crate::error::CellRef {
            sheet: book.sheets[sp.sheet].name.clone(),
            row,
            col,
        },
    }
    .into()
}

/// The coverage check ([`crate::coverage`]): columns that look personal and that the map
/// leaves alone fail the file, or with `allow_uncovered` are noted in its report.
fn check_coverage(
    map: &Map,
    book: &crate::workbook::Workbook,
    file_plan: &plan::FilePlan,
    settings: &Settings,
    report: &mut FileReport,
) -> Result<(), Problem> {
    let uncovered = coverage_verdict(map, book, file_plan, settings)?;
    if !uncovered.is_empty() {
        report.uncovered = uncovered;
    }
    Ok(())
}

/// The columns [`check_coverage`] reports, or its failure.
fn coverage_verdict(
    map: &Map,
    book: &crate::workbook::Workbook,
    file_plan: &plan::FilePlan,
    settings: &Settings,
) -> Result<Vec<crate::coverage::Uncovered>, Problem> {
    uncovered_verdict(crate::coverage::check(map, book, file_plan), settings)
}

/// The coverage check of a streamed scrub's columns on their values below the heads (see
/// [`crate::coverage::Tail`]), once the stream has read them: as [`check_coverage`], the
/// columns it finds added to the report's. A record id that is not a record GUID, in any row
/// the stream read, fails the file first (as [`check_resolved`] does for the heads).
fn check_tail_coverage(
    map: &Map,
    heads: &crate::workbook::Workbook,
    file_plan: &plan::FilePlan,
    tails: &[crate::coverage::Tail],
    settings: &Settings,
    report: &mut FileReport,
) -> Result<(), Problem> {
    for (sp, tail) in file_plan.sheets.iter().zip(tails) {
        if let Some((row, col)) = tail.stray_record_id() {
            return Err(stray_record_id(heads, sp, row, col));
        }
    }
    let late = crate::coverage::check_tail(map, heads, file_plan, tails);
    for u in uncovered_verdict(late, settings)? {
        if !report.uncovered.contains(&u) {
            report.uncovered.push(u);
        }
    }
    Ok(())
}

/// `uncovered` as the file's failure, or as its report's list with `--allow-uncovered`.
fn uncovered_verdict(
    uncovered: Vec<crate::coverage::Uncovered>,
    settings: &Settings,
) -> Result<Vec<crate::coverage::Uncovered>, Problem> {
    if uncovered.is_empty() {
        return Ok(uncovered);
    }
    if !settings.allow_uncovered {
        // One sheet at a time, so the message names where to look.
        let sheet = uncovered[0].sheet_label();
        let here: Vec<String> = uncovered
            .iter()
            .filter(|u| u.sheet == uncovered[0].sheet)
            .map(crate::coverage::Uncovered::describe)
            .collect();
        let (count, columns) = (here.len(), here.join(", "));
        return Err(if let Some(left) = uncovered[0].sheet_left {
            PlanError::UncoveredSheet {
                count,
                columns,
                sheet,
                reason: left.reason(),
                fix: left.fix(),
            }
        } else {
            PlanError::Uncovered {
                count,
                columns,
                sheet,
            }
        }
        .into());
    }
    Ok(uncovered)
}

/// Whether a CSV is scrubbed as a stream (see [`crate::csv::scrub_stream`]) rather than read
/// whole: as [`xlsx_streams`] says, and not with `--verify` (which compares the output with the
/// input read whole).
fn streams(map: &Map, settings: &Settings) -> bool {
    !settings.verify && xlsx_streams(map, settings)
}

/// Whether an xlsx is scrubbed by the streaming engine (see [`crate::xlsx::stream`]) rather
/// than read whole: not when the whole input is needed again (parts split it, a dry run shows
/// samples from it), nor with a map the engine does not apply as the whole read does (see
/// [`crate::xlsx::stream::applies`]). With `--verify` its output is checked as `verify`
/// checks two files (see [`crate::verify::verify_xlsx_bytes`]).
fn xlsx_streams(map: &Map, settings: &Settings) -> bool {
    !(changed_rows_only(map, settings) || settings.parts.active() || settings.dry_run)
        && crate::xlsx::stream::applies(map)
}

/// In test builds (the `testkit` feature) with `DSR_SCRUB_READ_WHOLE` set, every input is read
/// whole, and a line on stderr says so: tests compare what the streaming engines write with
/// what the workbook read whole gives. Never in a release build.
fn reads_whole() -> bool {
    #[cfg(feature = "testkit")]
    if std::env::var_os("DSR_SCRUB_READ_WHOLE").is_some() {
        eprintln!("dsr-scrub: read whole (DSR_SCRUB_READ_WHOLE)");
        return true;
    }
    false
}

/// Whether outputs hold only the rows the run changed.
fn changed_rows_only(map: &Map, settings: &Settings) -> bool {
    settings.changed_rows_only.unwrap_or(map.subject_scoped)
}

/// The changes of an output that holds only the changed rows: every other data row of the
/// scrubbed sheets is removed like a row of another part (rows deleted by rules stay deleted).
/// The writers keep the rest (sheets, header, hidden columns, metadata, validations) and fit
/// the table to the rows left.
fn only_changed_rows(
    book: &crate::workbook::Workbook,
    changes: Vec<SheetChanges>,
) -> Vec<SheetChanges> {
    changes
        .into_iter()
        .map(|sc| {
            let height = book.sheets[sc.sheet].height();
            let changed: std::collections::HashSet<u32> = sc.cells.iter().map(|c| c.row).collect();
            let mut by_rule = sc.deleted.iter().peekable();
            let deleted = (1..height)
                .filter(|r| !changed.contains(r))
                .map(|row| {
                    while by_rule.peek().is_some_and(|d| d.row < row) {
                        by_rule.next();
                    }
                    match by_rule.peek() {
                        Some(d) if d.row == row => **d,
                        _ => apply::Deletion {
                            row,
                            rule: crate::split::OTHER_PART,
                        },
                    }
                })
                .collect();
            SheetChanges { deleted, ..sc }
        })
        .collect()
}

/// `verify` of an output that holds only the changed rows: the original is scrubbed in memory
/// as `scrub` does, its unchanged rows are left out the same way, and the output is verified
/// against that.
///
/// # Errors
/// A [`FileError`] naming the file that cannot be read.
pub fn verify_changed_rows_only(
    map: &Map,
    by_entity: &[crate::profiles::EntityMap],
    original: &Path,
    scrubbed: &Path,
    limits: &crate::xlsx::Limits,
) -> Result<crate::verify::Outcome, FileError> {
    let read = crate::verify::read_bytes;
    if InputKind::of(original) != InputKind::of(scrubbed) {
        return Err(FileError::new(scrubbed, VerifyError::FormatMismatch.into()));
    }
    let bytes = read(original)?;
    let fail = |p: Problem| FileError::new(original, p);
    let book = match InputKind::require(original).map_err(fail)? {
        InputKind::Csv => {
            let stem = original.file_stem().unwrap_or_default().to_string_lossy();
            crate::csv::read(&bytes, &stem)
        }
        InputKind::Xlsx => crate::xlsx::read_with(&bytes, limits),
    }
    .map_err(fail)?;
    let map = crate::profiles::map_for(map, by_entity, &book).map_err(fail)?;
    let file_plan = plan::resolve(map, &book).map_err(fail)?;
    let changes = only_changed_rows(&book, apply::apply_plan(map, &file_plan, &book));
    let output = read(scrubbed)?;
    crate::verify::verify_output(map, &book, &file_plan, &changes, &output, limits)
        .map_err(|p| FileError::new(scrubbed, p))
}

/// Scrub an xlsx with the streaming engine ([`crate::xlsx::stream`]): the plan is resolved on
/// the sheets' heads, then each sheet is read once, row by row; the lossless writer writes the
/// output from the changes. The outputs, changes file and report are those of the workbook read
/// whole. `Ok(false)`, having written nothing, for a file the engine leaves to that path:
/// formulas, a map the stream cannot apply (see [`streams`]), cells out of order.
///
/// Each sheet's part is inflated once: the sheets are read at opening up to their cells only,
/// and the plan made before the data validations that follow the cells are known (their
/// maximum lengths cap new values, they mark columns required). The one pass reads what
/// follows the cells; the plan is then made again on the whole layout, and the pass stands
/// when that plan is the same, or caps at a shorter length only columns where no value the
/// pass left was longer (see [`crate::apply::RowApplier::longest_written`]). Anything else (a
/// plan that differs, an error, a sheet the pass gives up) has the file read again the way that
/// knows the validations first: each sheet skimmed at opening to the end of its part, which
/// gives the same outcome as before, error or not.
fn scrub_xlsx_stream(
    map: &Map,
    job: &Job,
    settings: &Settings,
    report: &mut FileReport,
    bytes: &[u8],
) -> Result<bool, Problem> {
    use crate::xlsx::package::Scan;
    // A sheet with row rules is not passed, and is scanned whole at once.
    let row_rules = !map.rows.is_empty()
        || (settings.by_entity.iter()).any(|e| e.map.as_ref().is_ok_and(|m| !m.rows.is_empty()));
    if row_rules {
        return scrub_xlsx_read(map, job, settings, report, bytes, Scan::Whole).map(Attempt::done);
    }
    let before = report.clone();
    match scrub_xlsx_read(map, job, settings, report, bytes, Scan::Head)? {
        Attempt::Done(done) => Ok(done),
        Attempt::Again => {
            #[cfg(feature = "testkit")]
            if std::env::var_os("DSR_SCRUB_TELL_AGAIN").is_some() {
                eprintln!("dsr-scrub: read again, skimmed (DSR_SCRUB_TELL_AGAIN)");
            }
            *report = before;
            scrub_xlsx_read(map, job, settings, report, bytes, Scan::Skim).map(Attempt::done)
        }
    }
}

/// What one way of reading an xlsx in [`scrub_xlsx_stream`] came to.
enum Attempt {
    /// As [`scrub_xlsx_stream`] returns.
    Done(bool),
    /// Read up to the cells, the pass did not stand: read the file again, skimmed.
    Again,
}

impl Attempt {
    /// The outcome, of a reading that is never tried again.
    fn done(self) -> bool {
        match self {
            Attempt::Done(done) => done,
            Attempt::Again => false,
        }
    }
}

/// [`scrub_xlsx_stream`] with each sheet read at opening as `cells` says. Read up to the
/// cells ([`crate::xlsx::package::Scan::Head`]), anything but a pass that stands is
/// [`Attempt::Again`].
fn scrub_xlsx_read(
    map: &Map,
    job: &Job,
    settings: &Settings,
    report: &mut FileReport,
    bytes: &[u8],
    cells: crate::xlsx::package::Scan,
) -> Result<Attempt, Problem> {
    let ahead = cells == crate::xlsx::package::Scan::Head;
    // Up to the cells, what does not stand is read again: an error too, which that reading
    // gives in its own order.
    macro_rules! or_again {
        ($result:expr) => {
            match $result {
                Ok(value) => value,
                Err(_) if ahead => return Ok(Attempt::Again),
                Err(e) => return Err(e),
            }
        };
    }
    let unstreamed = if ahead {
        Attempt::Again
    } else {
        Attempt::Done(false)
    };
    let default_map = map;
    let rows = crate::inspect::VALUE_SAMPLE as u32;
    let (digest, opened) = rayon::join(
        || sha256_hex(bytes),
        || crate::xlsx::read::open_keeping(bytes, &settings.limits, rows, cells),
    );
    report.input_sha256 = Some(digest);
    let mut opened = or_again!(opened);
    let book = &opened.book;
    if opened.formulas
        || book
            .sheets
            .iter()
            .any(|s| !s.layout.array_ranges.is_empty())
    {
        return Ok(unstreamed);
    }
    let map = or_again!(pick_map(map, book, settings));
    if !xlsx_streams(map, settings) {
        return Ok(unstreamed);
    }
    if !std::ptr::eq(map, default_map) {
        report.profile = Some(map.origin.clone());
    }
    or_again!(check_profile(map, book, settings));
    let file_plan = or_again!(plan::resolve(map, book));
    if std::ptr::eq(map, default_map) {
        report.matched_rules.clone_from(&file_plan.matched);
    }
    or_again!(check_resolved(book, &file_plan));
    // The coverage check reads the data validations: after the pass, when it reads them.
    if !ahead {
        check_coverage(map, book, &file_plan, settings, report)?;
    }
    or_again!(crate::xlsx::stream::scan_unpassed(&file_plan, &mut opened));
    if opened.formulas {
        return Ok(unstreamed);
    }
    // Read up to the cells, the sheets the pass does not read are scanned whole now, their
    // validations with them: the plan is made again, short only of the passed sheets'.
    let file_plan = if ahead {
        or_again!(plan::resolve(map, &opened.book))
    } else {
        file_plan
    };
    let patch = spooled_beside(&settings.patch, &job.output);
    let write = Some((bytes, &patch));
    let Some(mut streamed) = or_again!(crate::xlsx::stream::stream(
        map,
        &file_plan,
        &mut opened,
        write
    )) else {
        return Ok(unstreamed);
    };
    let file_plan = if ahead {
        let Some(confirmed) = streamed.confirmed_plan(map, &mut opened.book, &file_plan) else {
            return Ok(Attempt::Again);
        };
        // The pass stands: from here on, the file's outcome is the skimmed reading's.
        check_coverage(map, &opened.book, &confirmed, settings, report)?;
        confirmed
    } else {
        file_plan
    };
    let tails = std::mem::take(&mut streamed.tails);
    check_tail_coverage(map, &opened.book, &file_plan, &tails, settings, report)?;
    // The sheets the one pass wrote, but for their tails.
    let held = std::mem::take(&mut streamed.held);
    let new_strings = streamed.new_strings.take();
    // calamine's reader holds the shared strings (tens of MB in a large export): the pass was
    // its last use, if the pass did not let it go already.
    let crate::xlsx::read::Opened {
        mut book,
        reader,
        cut,
        ..
    } = opened;
    drop(reader);
    // The rows of the heads below the headers were for the plan, the coverage check and the
    // pass (thousands of rows of each sheet, MBs in a large export): what follows reads the
    // header rows only.
    for (sheet, cut) in book.sheets.iter_mut().zip(cut) {
        if cut {
            sheet.keep_header_row();
        }
    }
    let book = &book;
    let changes = &streamed.changes;
    report.sheets.clone_from(&streamed.reports);
    report.rows = report.sheets.iter().map(|s| s.rows).sum();
    report.cells_changed = changes.iter().map(|c| c.cells.len() as u64).sum();
    report.rows_deleted = changes.iter().map(|c| c.deleted.len() as u64).sum();
    let out_dir = job.output.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(out_dir).map_err(|e| write_problem(&job.output, e))?;
    let storage = &settings.storage;
    // The changes file is written while the search below is made (with 2 or more jobs): both
    // read what the pass kept of the input's cells, which goes before the output is written.
    let (changes_file, search) = rayon::join(
        || {
            storage.stage_unhashed(out_dir, &job.changes, |w| {
                crate::xlsx::stream::write_changes(
                    w,
                    settings.changes_format,
                    map,
                    book,
                    &file_plan,
                    &streamed,
                )
                .map_err(|e| WriteError::ChangesFile(e.kind()).into())
            })
        },
        // The text outside the changed cells that could hold a removed value (the package, the
        // kept columns), indexed once for the cleaners and the sweep: of the values the scrub
        // removes (millions in a large export) only those this text may hold are looked for.
        || {
            crate::verify::sweep::search_streamed(
                map,
                book,
                &file_plan,
                changes,
                &streamed.olds,
                Some(bytes),
            )
        },
    );
    let search = search?;
    let staged_changes = changes_file?;
    let package = crate::xlsx::macros::Package::of(bytes)?;
    // Macros are copied as they are: they must not hold what the scrub removes. Their source
    // is compressed in the project, where the search above does not read: every removed value
    // is looked for.
    package.check_macros(bytes, || {
        crate::verify::removed_streamed(map, &streamed.olds, changes).needles()
    })?;
    // What the pass kept of the input's cells (the shared strings, the kept columns' values):
    // the search holds what the rest needs of it. The index of the values the cleaners look
    // for is made once they are gone (the two together are the run's most memory).
    // But for the shared strings' texts, when their reading kept what the lossless writer
    // needs besides: it rewrites the table from them, not from the part read again.
    let table = streamed.olds.take_table();
    drop(std::mem::take(&mut streamed.olds));
    let needles = search.needles();
    // The output and the leak sweep run at the same time (with 2 or more jobs): the sweep
    // reads the output only when a part of the input held a removed value, and then waits for
    // it.
    let handoff = Handoff::default();
    let (output, residuals) = rayon::join(
        || {
            let mut written = HandoffGuard {
                handoff: &handoff,
                path: None,
            };
            let mut cleaning = None;
            let (staged, digest) = storage.stage_with(out_dir, &job.output, |w| {
                cleaning = Some(crate::xlsx::patch::write_cleaned_held(
                    bytes,
                    book,
                    changes,
                    &patch,
                    &needles,
                    crate::xlsx::patch::Passed {
                        held,
                        new_strings,
                        table,
                    },
                    w,
                )?);
                Ok(())
            })?;
            written.path = Some(staged.path().to_path_buf());
            Ok::<_, Problem>((staged, digest, cleaning))
        },
        || {
            // The leak sweep: nothing the scrub removed may be left in what it writes.
            if settings.no_sweep {
                return Ok(Vec::new());
            }
            search.finish(map, book, &file_plan, &|| handoff.read())
        },
    );
    let (staged_output, digest, cleaning) = output?;
    let residuals = residuals?;
    report.output_sha256 = Some(digest);
    report.residuals = residuals;
    report.cleaning = cleaning;
    if settings.verify {
        // The check reads both files again, whole: what the scrub held goes first.
        drop((needles, streamed));
        crate::verify::check_staged_xlsx(map, bytes, staged_output.path(), &settings.limits)?;
    }
    commit_both(staged_output, staged_changes, job, settings.force, report)?;
    // An import never deletes: the records whose rows went are listed for Dataverse.
    let entity = book.metadata().map(|m| m.entity);
    crate::deletions::write(&job.changes, entity.as_deref(), report, settings.force)?;
    Ok(Attempt::Done(true))
}

/// `options`, with a large rewritten part's compressed bytes waiting in the folder of `output`
/// until the output is assembled (see [`crate::xlsx::patch::PatchOptions::spool`]), or in the
/// system's temporary folder while that folder is yet to be made: a large export's sheet is
/// tens of MB, which would otherwise be held in memory.
fn spooled_beside(
    options: &crate::xlsx::patch::PatchOptions,
    output: &Path,
) -> crate::xlsx::patch::PatchOptions {
    let folder = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let spool = if folder.is_dir() {
        folder.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    crate::xlsx::patch::PatchOptions {
        spool: Some(spool),
        ..options.clone()
    }
}

/// The staged output's path, handed from the task that writes it to the leak sweep running
/// beside it.
#[derive(Default)]
struct Handoff(std::sync::OnceLock<Option<std::path::PathBuf>>);

impl Handoff {
    /// The staged output's bytes, once it is written.
    ///
    /// # Errors
    /// When the output could not be written (that error is the one reported), or read back.
    fn read(&self) -> Result<Vec<Vec<u8>>, Problem> {
        match self.0.wait() {
            Some(path) => Ok(vec![read_back(path)?]),
            None => Err(Problem::Internal),
        }
    }
}

/// Hands the staged output's path (`None` until it is written) over when dropped, on every way
/// out of the task that writes it (an error, a panic too), so that the sweep never waits for
/// an output that will not come.
struct HandoffGuard<'h> {
    handoff: &'h Handoff,
    path: Option<std::path::PathBuf>,
}

impl Drop for HandoffGuard<'_> {
    fn drop(&mut self) {
        // Set once, here.
        let _ = self.handoff.0.set(self.path.take());
    }
}

/// Scrub a CSV as a stream into a staged output and changes file, then commit both: `Ok(true)`,
/// or `Ok(false)` (with the report as it was) when the map picked for the file's table (see
/// [`pick_map`]) is one the stream does not apply.
fn scrub_csv_stream(
    default_map: &Map,
    job: &Job,
    settings: &Settings,
    report: &mut FileReport,
    bytes: &[u8],
) -> Result<bool, Problem> {
    // The input is validated and decoded once, for the head and the stream.
    let opened = crate::csv::Opened::new(bytes);
    let opened = match opened {
        Ok(opened) => opened,
        Err(e) => {
            report.input_sha256 = Some(sha256_hex(bytes));
            return Err(e);
        }
    };
    // The coverage check looks at a sample, which the head of the file gives.
    let stem = job.input.file_stem().unwrap_or_default().to_string_lossy();
    let head = opened.head(&stem, crate::inspect::VALUE_SAMPLE as u32);
    let resolved = head.and_then(|head| {
        // The record id header names the table (`(Do Not Modify) Approval`): its profile, or
        // a built-in profile made for another table, fails the file.
        let map = pick_map(default_map, &head, settings)?;
        if !streams(map, settings) {
            return Ok(None);
        }
        check_profile(map, &head, settings)?;
        let head_plan = plan::resolve(map, &head)?;
        check_resolved(&head, &head_plan)?;
        Ok(Some((map, head, head_plan)))
    });
    let (map, head, head_plan) = match resolved {
        Ok(None) => return Ok(false),
        Ok(Some(resolved)) => resolved,
        Err(e) => {
            report.input_sha256 = Some(sha256_hex(bytes));
            return Err(e);
        }
    };
    if std::ptr::eq(map, default_map) {
        report.matched_rules.clone_from(&head_plan.matched);
    } else {
        report.profile = Some(map.origin.clone());
    }
    let out_dir = job.output.parent().unwrap_or(Path::new("."));
    let coverage = || {
        let digest = sha256_hex(bytes);
        (digest, coverage_verdict(map, &head, &head_plan, settings))
    };
    // With two jobs or more, the input's digest and the coverage check run beside the stream,
    // whose staged files are dropped if the check fails; but not when the output folder is
    // yet to be made, which a failed check must not leave behind.
    let stream = || stage_csv_stream(map, job, settings, &opened, &stem);
    let ((digest, uncovered), staged) = if out_dir.is_dir() {
        let (staged, checked) = rayon::join(stream, coverage);
        (checked, staged)
    } else {
        let (digest, uncovered) = coverage();
        let staged = match &uncovered {
            Ok(_) => stream(),
            Err(_) => Err(Problem::Internal),
        };
        ((digest, uncovered), staged)
    };
    report.input_sha256 = Some(digest);
    let uncovered = uncovered?;
    if !uncovered.is_empty() {
        report.uncovered = uncovered;
    }
    let (staged_output, digest, staged_changes, mut streamed) = staged?;
    drop(opened);
    // The columns filled only below the head: a failure drops both staged files.
    let tail = std::mem::take(&mut streamed.tail);
    check_tail_coverage(map, &head, &head_plan, &[tail], settings, report)?;
    // The leak sweep: a failure drops both staged files, so nothing is written.
    if let Some(gathered) = streamed.gathered.take() {
        report.residuals = crate::verify::sweep::finish_streamed(gathered, map)?;
    }
    report.encoding = Some(streamed.dialect.encoding.name());
    report.rows = streamed.sheet.rows;
    report.rows_deleted = streamed.sheet.deleted_rows.len() as u64;
    report.cells_changed = streamed.cells_changed;
    if settings.neutralize_formulas {
        report.formulas_neutralized = Some(streamed.neutralized);
    }
    report.sheets = vec![streamed.sheet];
    report.output_sha256 = Some(digest);
    commit_both(staged_output, staged_changes, job, settings.force, report)?;
    crate::deletions::write(&job.changes, None, report, settings.force)?;
    Ok(true)
}

/// A streamed CSV's staged output (and its digest), staged changes file, and what the stream
/// found.
type StagedCsv = (
    tempfile::NamedTempFile,
    String,
    tempfile::NamedTempFile,
    crate::csv::Streamed,
);

/// Scrub an opened CSV as a stream into staged files beside the output.
fn stage_csv_stream(
    map: &Map,
    job: &Job,
    settings: &Settings,
    opened: &crate::csv::Opened<'_>,
    stem: &str,
) -> Result<StagedCsv, Problem> {
    let out_dir = job.output.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(out_dir).map_err(|e| write_problem(&job.output, e))?;
    let mut streamed = None;
    let mut staged_changes = None;
    let storage = &settings.storage;
    let (staged_output, digest) = storage.stage_with(out_dir, &job.output, |w| {
        let tmp = storage.stage_unhashed(out_dir, &job.changes, |changes| {
            let done = crate::csv::scrub_opened(
                opened,
                stem,
                map,
                settings.neutralize_formulas,
                !settings.no_sweep,
                &mut *w,
                crate::changes::ChangesFile::with_format(changes, settings.changes_format),
            )?;
            streamed = Some(done);
            Ok(())
        })?;
        staged_changes = Some(tmp);
        Ok(())
    })?;
    let (Some(streamed), Some(staged_changes)) = (streamed, staged_changes) else {
        return Err(Problem::Internal);
    };
    Ok((staged_output, digest, staged_changes, streamed))
}

/// Commit a staged output and then its changes file, noting both in the report.
fn commit_both(
    output: tempfile::NamedTempFile,
    changes: tempfile::NamedTempFile,
    job: &Job,
    force: bool,
    report: &mut FileReport,
) -> Result<(), Problem> {
    commit_output(output, &job.output, force)?;
    report.output = Some(job.output.display().to_string());
    // The changes file belongs to this output: it is replaced along with it.
    commit_changes(changes, job, report)
}

/// Commit a staged changes file (it replaces an earlier one) and note it in the report.
fn commit_changes(
    changes: tempfile::NamedTempFile,
    job: &Job,
    report: &mut FileReport,
) -> Result<(), Problem> {
    commit(changes, &job.changes, true).map_err(|e| write_problem(&job.changes, e))?;
    report.changes = Some(job.changes.display().to_string());
    Ok(())
}

/// [`commit`] an output: an existing file is [`WriteError::OutputExists`] unless `force`.
fn commit_output(tmp: tempfile::NamedTempFile, path: &Path, force: bool) -> Result<(), Problem> {
    commit(tmp, path, force).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            WriteError::OutputExists(path.to_path_buf()).into()
        } else {
            write_problem(path, e)
        }
    })
}

/// Write the output as parts of at most `limits` rows and bytes each (bytes as written: a part
/// that comes out too big is written again with fewer rows).
fn write_parts<F>(
    book: &crate::workbook::Workbook,
    sheet: usize,
    changes: &[SheetChanges],
    limits: &crate::split::PartLimits,
    job: &Job,
    storage: &Storage,
    write: &F,
) -> Result<Vec<(tempfile::NamedTempFile, report::PartReport)>, Problem>
where
    F: Fn(&[SheetChanges], &mut StagedWriter<'_>) -> Result<(), Problem>,
{
    let height = book.sheets[sheet].height();
    let gone = crate::apply::changes_at(changes, sheet).map_or(&[][..], |c| &c.deleted[..]);
    let rows: Vec<u32> = (1..height)
        .filter(|r| gone.binary_search_by_key(r, |d| d.row).is_err())
        .collect();
    let out_dir = job.output.parent().unwrap_or(Path::new("."));
    let mut parts = Vec::new();
    let mut start = 0;
    let mut per_part = limits.max_rows.unwrap_or(rows.len()).max(1);
    loop {
        let mut n = per_part.min(rows.len() - start);
        let path = crate::split::part_path(&job.output, parts.len() + 1);
        let (tmp, digest, size) = loop {
            let keep = &rows[start..start + n];
            let part = crate::split::part_changes(changes, sheet, keep, height);
            let (tmp, digest) = storage.stage_with(out_dir, &path, |w| write(&part, w))?;
            let size = tmp
                .as_file()
                .metadata()
                .map_err(|e| write_problem(&path, e))?
                .len();
            match limits.max_bytes {
                Some(max) if size > max && n > 1 => {
                    // Shrink in proportion, with a margin: the header and metadata do not shrink.
                    n = ((n as u64 * max / size) * 9 / 10).clamp(1, n as u64 - 1) as usize;
                }
                Some(max) if size > max => {
                    return Err(WriteError::PartLimit { size, max }.into());
                }
                _ => break (tmp, digest, size),
            }
        };
        parts.push((
            tmp,
            report::PartReport {
                path: path.display().to_string(),
                rows: n as u64,
                bytes: size,
                sha256: digest,
            },
        ));
        start += n;
        per_part = n;
        if start >= rows.len() {
            return Ok(parts);
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => {
            // The output does not exist yet: compare its folder with the input's.
            let dir = |p: &Path| {
                p.parent()
                    .map(|d| {
                        if d.as_os_str().is_empty() {
                            Path::new(".")
                        } else {
                            d
                        }
                    })
                    .and_then(|d| d.canonicalize().ok())
            };
            a.file_name() == b.file_name() && dir(a).is_some() && dir(a) == dir(b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_expand_to_exports_only() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.xlsx", "a.csv", "~$b.xlsx", ".hidden.csv", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let files = expand_inputs(&[dir.path().to_path_buf(), dir.path().join("a.csv")]).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, ["a.csv", "b.xlsx"]);
    }

    #[test]
    fn colliding_outputs_are_refused() {
        let out = Path::new("out");
        let e =
            plan_jobs(&[PathBuf::from("x/a.xlsx"), PathBuf::from("y/a.xlsx")], out).unwrap_err();
        assert!(e.contains("would both write"));
        // One export in both formats: each changes file is named after the whole file name.
        let both = plan_jobs(&[PathBuf::from("a.xlsx"), PathBuf::from("a.csv")], out).unwrap();
        assert_eq!(both[0].changes, Path::new("out/a.xlsx.changes.csv"));
        assert_eq!(both[1].changes, Path::new("out/a.csv.changes.csv"));
        let jobs = plan_jobs(&[PathBuf::from("in/a.xlsx")], out).unwrap();
        assert_eq!(jobs[0].output, Path::new("out/a.xlsx"));
        assert_eq!(jobs[0].changes, Path::new("out/a.changes.csv"));
    }
}
