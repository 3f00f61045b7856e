//! `dsr-scrub scrub`: validate everything up front, scrub the files in parallel, report.

use crate::actions::Key;
use crate::cli::ScrubArgs;
use crate::error::{exit, Error, MapError};
use crate::map::{Map, MapInputs};
use crate::pipeline::{self, Settings};
use crate::profiles::{self, DEFAULT_PROFILE};
use crate::report::{FileReport, MapInfo, RunReport, Status, Totals, REPORT_FILE};
use crate::text::thousands;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The environment variable that may hold the pseudonymization key.
pub const KEY_ENV: &str = "DSR_SCRUB_KEY";

/// Run `scrub`. `Ok` carries the exit code: 0 when every file was scrubbed, 1 otherwise.
///
/// # Errors
/// [`Error::Map`] or [`Error::Usage`] (exit 2) before any file is read; [`Error::Run`] when the
/// report cannot be written.
pub fn run(args: &ScrubArgs) -> Result<i32, Error> {
    let started = SystemTime::now();
    let (key, mut map) = super::load_map_inputs(
        args.map.as_deref(),
        args.profile.as_deref(),
        args.key_file.as_deref(),
        &args.subjects,
    )?;
    let uses_key = map
        .rules
        .iter()
        .any(|r| matches!(r.action, crate::actions::Action::Pseudonymize(_)));

    let found = pipeline::find_inputs(&args.inputs, args.recursive).map_err(Error::Usage)?;
    if found.files.is_empty() {
        let skipped: Vec<String> = found
            .skipped
            .iter()
            .map(|s| format!("'{}' ({})", s.path, s.reason))
            .collect();
        return Err(Error::Usage(if skipped.is_empty() {
            "no .xlsx or .csv files found in the given folders".into()
        } else {
            format!(
                "no .xlsx or .csv files found in the given folders; skipped: {}",
                skipped.join("; ")
            )
        }));
    }
    std::fs::create_dir_all(&args.out_dir).map_err(|e| {
        Error::Usage(format!(
            "cannot create the output folder '{}' ({}); choose another --out-dir",
            args.out_dir.display(),
            e.kind()
        ))
    })?;
    // A run that was killed could not remove its temporary files; this one does.
    let stale = crate::staging::remove_stale_temps(&args.out_dir, started);
    if stale > 0 && !args.quiet {
        eprintln!(
            "dsr-scrub: removed {stale} temporary file(s) that an interrupted run left in '{}'",
            args.out_dir.display()
        );
    }
    let kept_report = earlier_report_with_outputs(&args.out_dir).filter(|_| !args.force);
    let jobs = pipeline::plan_nested_jobs(&found.files, &args.out_dir).map_err(Error::Usage)?;

    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.jobs {
        pool = pool.num_threads(n.get());
    }
    let pool = pool
        .build()
        .map_err(|e| Error::Run(format!("cannot start worker threads: {e}")))?;

    let progress = progress_bar(jobs.len() as u64, args.quiet);
    let mut settings = Settings {
        force: args.force,
        rebuild: args.rebuild,
        patch: crate::xlsx::patch::PatchOptions {
            strip_doc_props: args.strip_doc_props,
            deflate_level: None,
            spool: None,
        },
        parts: crate::split::PartLimits {
            max_rows: args.max_part_rows.map(|n| n.get()),
            max_bytes: args.max_part_bytes,
        },
        limits: args.limits.limits(),
        dry_run: args.dry_run,
        samples: args.samples.unwrap_or(0),
        verify: args.verify,
        neutralize_formulas: args.neutralize_formulas,
        changes_format: args.changes_format,
        changed_rows_only: if args.changed_rows_only {
            Some(true)
        } else if args.all_rows {
            Some(false)
        } else {
            None
        },
        no_sweep: false,
        allow_uncovered: args.allow_uncovered,
        allow_near_names: args.allow_near_names,
        by_entity: super::profiles_by_entity(
            args.map.as_deref(),
            args.profile.as_deref(),
            key.as_ref(),
            &args.subjects,
        )?,
        storage: crate::staging::Storage::disk(),
    };
    // Over several files, what the subjects' rows hold in one file is looked for in the
    // others (the name of a subject given by email, say).
    let learned = pool.install(|| {
        pipeline::learn_across(&map, &jobs, &settings, || {
            progress.set_message("reading the subjects' records");
            progress.inc(1);
        })
    });
    progress.set_position(0);
    if learned.iter().any(|l| !l.is_empty()) {
        map.learned_elsewhere.clone_from(&learned);
        for entity in &mut settings.by_entity {
            if let Ok(m) = &mut entity.map {
                m.learned_elsewhere.clone_from(&learned);
            }
        }
    }
    // The previews hold personal values (a dry run's samples): they go to the terminal only,
    // never into the report.
    let (reports, previews): (Vec<FileReport>, Vec<crate::preview::Preview>) = pool
        .install(|| {
            pipeline::run_jobs(&map, &jobs, &settings, |r| {
                progress.set_message(short_name(&r.input));
                progress.inc(1);
            })
        })
        .into_iter()
        .unzip();
    progress.finish_and_clear();

    let totals = Totals {
        files: reports.len(),
        succeeded: reports.iter().filter(|r| r.status == Status::Ok).count(),
        failed: reports
            .iter()
            .filter(|r| r.status == Status::Failed)
            .count(),
        rows: reports.iter().map(|r| r.rows).sum(),
        rows_deleted: reports.iter().map(|r| r.rows_deleted).sum(),
        cells_changed: reports.iter().map(|r| r.cells_changed).sum(),
    };
    let (absent_standard_keys, unmatched_keys): (Vec<String>, Vec<String>) =
        unmatched_keys(&map, &reports)
            .into_iter()
            .partition(|key| crate::inspect::dictionary::logical_kind(key).is_some());
    let outputs_written: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.output
                .iter()
                .cloned()
                .chain(r.parts.iter().map(|p| p.path.clone()))
                .chain(r.changes.iter().cloned())
        })
        .collect();
    let run_report = RunReport {
        tool: "dsr-scrub",
        version: env!("CARGO_PKG_VERSION"),
        started: humantime::format_rfc3339_seconds(started).to_string(),
        finished: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        dry_run: args.dry_run,
        map: MapInfo {
            origin: map.origin.clone(),
            sha256: map.digest.clone(),
        },
        key_fingerprint: key.filter(|_| uses_key).map(|k| k.fingerprint()),
        subjects: crate::report::subjects::totals(
            map.subjects.len(),
            reports.iter().map(|r| &r.subjects[..]),
        ),
        changed_rows_only: !args.dry_run
            && (args.changed_rows_only || (map.subject_scoped && !args.all_rows)),
        changes_format: args.changes_format.name(),
        scope: if map.subject_scoped {
            "subjects"
        } else if map.every_row_without_subjects {
            "every_row_no_subject_given"
        } else {
            "every_row"
        },
        unmatched_keys,
        absent_standard_keys,
        outputs_written,
        skipped: found.skipped,
        files: reports,
        totals,
    };
    let json = serde_json::to_vec_pretty(&run_report).expect("the report serializes");
    let written = match &kept_report {
        // The earlier run's report stays true: this run's report gets a name of its own.
        Some(_) => write_report_beside(&args.out_dir, started, &json),
        None => {
            let path = args.out_dir.join(REPORT_FILE);
            match crate::staging::write_atomic(&path, &json, true) {
                Ok(()) => Ok(path),
                Err(e) => Err((path, e)),
            }
        }
    };
    let report_path = match written {
        Ok(path) => path,
        Err((path, e)) => {
            return Err(report_failed(&run_report, &path, &e, args));
        }
    };
    if let Some(kept) = &kept_report {
        if !args.quiet {
            eprintln!(
                "dsr-scrub: '{}' holds the report of an earlier run that wrote outputs, so it is kept (--force replaces it); this run's report is '{}'",
                kept.display(),
                report_path.display()
            );
        }
    }
    if args.dry_run {
        crate::cmd::print_stdout(&crate::preview::render(&run_report, &previews))
            .map_err(|e| Error::Run(format!("cannot print: {e}")))?;
    }
    print_summary(&run_report, Some(&report_path), args);
    let unmatched = super::subjects_summary::unmatched(&run_report, args.allow_near_names);
    if !unmatched.is_empty() {
        eprint!("{unmatched}");
    }
    // A key of the user's own map that found nothing anywhere is an error; a profile's, a note.
    let bad_map = args.map.is_some() && !run_report.unmatched_keys.is_empty();
    Ok(
        if run_report.totals.failed == 0 && !bad_map && unmatched.is_empty() {
            exit::OK
        } else {
            exit::FAILED
        },
    )
}

/// The optional keys of `map` that matched no column in any file planned with it.
fn unmatched_keys(map: &Map, reports: &[FileReport]) -> Vec<String> {
    let planned: Vec<&Vec<bool>> = reports
        .iter()
        .map(|r| &r.matched_rules)
        .filter(|m| m.len() == map.rules.len())
        .collect();
    if planned.is_empty() {
        return Vec::new();
    }
    map.rules
        .iter()
        .enumerate()
        // A companion (`other_rows`) is matched through the column entry that owns it.
        .filter(|&(i, rule)| rule.optional && !rule.companion && !planned.iter().any(|m| m[i]))
        .map(|(_, rule)| rule.key.clone())
        .collect()
}

/// The report could not be written: the files' own errors (and successes) still reach the user,
/// with what was written.
fn report_failed(report: &RunReport, path: &Path, e: &std::io::Error, args: &ScrubArgs) -> Error {
    print_summary(report, None, args);
    let t = &report.totals;
    Error::Run(format!(
        "cannot write the report '{}' ({}); {}",
        path.display(),
        e.kind(),
        if args.dry_run {
            "this dry run wrote nothing else".to_string()
        } else if t.succeeded == 0 {
            "no scrubbed file was written either".to_string()
        } else {
            format!(
                "{} of {} scrubbed file(s) were written",
                t.succeeded, t.files
            )
        }
    ))
}

/// The report in `out_dir` when it is that of an earlier run that wrote outputs (one that
/// cannot be read counts as such). A dry run's report, or that of a run whose every file
/// failed, does not block the next run: it is replaced.
fn earlier_report_with_outputs(out_dir: &Path) -> Option<std::path::PathBuf> {
    let path = out_dir.join(REPORT_FILE);
    let bytes = std::fs::read(&path).ok()?;
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Some(path);
    };
    if json["dry_run"].as_bool() == Some(true) {
        return None;
    }
    let wrote = json["outputs_written"]
        .as_array()
        .is_some_and(|o| !o.is_empty())
        || json["files"].as_array().is_none_or(|files| {
            files.iter().any(|f| {
                !f["output"].is_null() || f["parts"].as_array().is_some_and(|p| !p.is_empty())
            })
        });
    wrote.then_some(path)
}

/// Write this run's report as `scrub-report-<start time>.json` (with `-2`, `-3`, ... when a
/// report of that second exists), never replacing a file.
fn write_report_beside(
    out_dir: &Path,
    started: SystemTime,
    json: &[u8],
) -> Result<std::path::PathBuf, (std::path::PathBuf, std::io::Error)> {
    let stamp: String = humantime::format_rfc3339_seconds(started)
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    let stem = REPORT_FILE.trim_end_matches(".json");
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem}-{stamp}.json")
        } else {
            format!("{stem}-{stamp}-{n}.json")
        };
        let path = out_dir.join(name);
        match crate::staging::write_atomic(&path, json, false) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err((path, e)),
        }
    }
}

/// The key from `--key-file`, else from `DSR_SCRUB_KEY`, else none.
pub(crate) fn load_key(key_file: Option<&Path>) -> Result<Option<Key>, Error> {
    if let Some(path) = key_file {
        return Key::from_file(path).map(Some).map_err(Error::Usage);
    }
    match std::env::var_os(KEY_ENV) {
        Some(v) if !v.is_empty() => Key::from_bytes(v.as_encoded_bytes())
            .map(Some)
            .map_err(|e| Error::Usage(format!("{KEY_ENV}: {e}"))),
        _ => Ok(None),
    }
}

/// The map from `--map`, `--profile`, or the default profile.
pub(crate) fn load_map(
    map: Option<&Path>,
    profile: Option<&str>,
    inputs: &MapInputs,
) -> Result<Map, Error> {
    if let Some(path) = map {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            MapError::new(
                &origin,
                format!(
                    "cannot read the map ({}); check the path given to --map",
                    e.kind()
                ),
            )
        })?;
        return Ok(Map::parse_with(&text, &origin, inputs)?);
    }
    let name = profile.unwrap_or(DEFAULT_PROFILE);
    let profile =
        profiles::find(name).ok_or_else(|| crate::cmd::profiles::unknown_profile(name))?;
    Ok(Map::parse_with(
        profile.toml,
        &format!("profile {name}"),
        inputs,
    )?)
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} files  {wide_msg}",
        )
        .expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn short_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

fn print_summary(report: &RunReport, report_path: Option<&Path>, args: &ScrubArgs) {
    let mut out = String::new();
    let t = &report.totals;
    for f in &report.files {
        match f.status {
            Status::Ok if !args.quiet => {
                out.push_str(&file_line(f, args.verbose));
                out.push_str(&uncovered_line(f));
            }
            Status::Ok => {}
            Status::Failed => out.push_str(&format!(
                "  FAILED  {}: {}\n",
                f.input,
                f.error.as_deref().unwrap_or("unknown error")
            )),
        }
    }
    if !args.quiet {
        for s in &report.skipped {
            out.push_str(&format!("  skipped {}: {}\n", s.path, s.reason));
        }
    }
    // A file scrubbed with its own table's profile must not read as scrubbed with the run's.
    let with = if report.files.iter().any(|f| f.profile.is_some()) {
        format!(
            "{}, or the profile made for a file's table (named on its line)",
            report.map.origin
        )
    } else {
        report.map.origin.clone()
    };
    if args.dry_run && !args.quiet {
        // The per-file detail is on stdout; stderr keeps the one-screen summary.
        out = format!(
            "dsr-scrub: dry run of {} file(s) with {}: {} cell(s) would change in {} row(s){}; nothing was written but the report\n{}",
            t.files,
            with,
            thousands(t.cells_changed),
            thousands(t.rows),
            if t.rows_deleted > 0 {
                format!(", {} row(s) would be deleted", thousands(t.rows_deleted))
            } else {
                String::new()
            },
            out.lines()
                .filter(|l| {
                    l.starts_with("  FAILED")
                        || l.starts_with("  skipped")
                        || l.starts_with("  warning")
                })
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        );
        out.push_str(&super::subjects_summary::lines(report));
        if let Some(path) = report_path {
            out.push_str(&format!("report: {}\n", path.display()));
        }
    } else if !args.quiet {
        out.insert_str(
            0,
            &format!(
                "dsr-scrub: scrubbed {}{} of {} file(s) with {}: {} cell(s) changed in {} row(s)\n",
                if args.verify { "and verified " } else { "" },
                t.succeeded,
                t.files,
                with,
                thousands(t.cells_changed),
                thousands(t.rows)
            ),
        );
        out.push_str(&super::subjects_summary::lines(report));
        if let Some(path) = report_path {
            out.push_str(&format!("report: {}\n", path.display()));
        }
    }
    if !report.unmatched_keys.is_empty() {
        let keys: Vec<String> = report
            .unmatched_keys
            .iter()
            .map(|k| format!("`{k}`"))
            .collect();
        out.push_str(&format!(
            "dsr-scrub: {}: map key(s) {} matched no column in any file of this run; {}\n",
            if args.map.is_some() { "error" } else { "warning" },
            keys.join(", "),
            "check them for typos (a key that matches nothing keeps that column's data) or remove them"
        ));
    }
    if !report.absent_standard_keys.is_empty() && args.map.is_some() && !args.quiet {
        out.push_str(&format!(
            "note: {} optional map key(s) name standard columns that no file of this run shows; {}\n",
            report.absent_standard_keys.len(),
            "they are listed in the report (`absent_standard_keys`)"
        ));
    }
    if t.failed > 0 {
        out.push_str(&format!(
            "dsr-scrub: {} file(s) failed{}; see the messages above\n",
            t.failed,
            if args.dry_run {
                " (a real run would fail them too)"
            } else {
                " and were not written"
            }
        ));
    }
    eprint!("{out}");
}

/// The `--allow-uncovered` warning of a file, if it has one.
fn uncovered_line(f: &FileReport) -> String {
    if f.uncovered.is_empty() {
        return String::new();
    }
    let columns: Vec<String> = f
        .uncovered
        .iter()
        .map(|u| {
            let left = match u.sheet_left {
                Some(crate::coverage::SheetLeft::Hidden) => " (hidden, not scrubbed)",
                Some(crate::coverage::SheetLeft::NoHeaderRow) => " (no header row, not scrubbed)",
                None => "",
            };
            format!("{} in {}{left}", u.describe(), u.sheet_label())
        })
        .collect();
    format!(
        "  warning {}: {} column(s) look personal but were left as they are (--allow-uncovered): {}\n",
        f.input,
        columns.len(),
        columns.join(", ")
    )
}

/// `1 row`, `2,500 rows`.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

fn file_line(f: &FileReport, verbose: bool) -> String {
    let mut deleted = if f.rows_deleted > 0 {
        format!(", {} deleted", counted(f.rows_deleted, "row", "rows"))
    } else {
        String::new()
    };
    if let Some(c) = f.cleaning.filter(|c| !c.is_empty()) {
        deleted.push_str(&format!("; package: {}", cleaning_summary(&c)));
    }
    if let Some(n) = f.formulas_neutralized {
        deleted.push_str(&format!(
            ", {} neutralized",
            counted(n, "formula-like cell", "formula-like cells")
        ));
    }
    if let Some(profile) = &f.profile {
        deleted.push_str(&format!(", {profile} for its table"));
    }
    let mut line = format!(
        "  ok      {} -> {} ({}, {} changed{deleted})\n",
        f.input,
        f.output.clone().unwrap_or_else(|| match f.parts.len() {
            0 => "?".to_string(),
            n => format!(
                "{} ({n} parts)",
                f.parts[0].path.replace(".part-001", ".part-*")
            ),
        }),
        counted(f.rows, "row", "rows"),
        counted(f.cells_changed, "cell", "cells")
    );
    for s in f
        .subjects
        .iter()
        .filter(|s| s.rows_matched > 0 || s.cells_redacted > 0)
    {
        line.push_str(&format!(
            "          subject #{}: {} row(s) matched, {} deleted, {} changed; {} cell(s) redacted in other rows\n",
            s.subject,
            thousands(s.rows_matched),
            thousands(s.rows_deleted),
            thousands(s.rows_changed),
            thousands(s.cells_redacted)
        ));
    }
    if verbose {
        for s in &f.sheets {
            for c in &s.columns {
                line.push_str(&format!(
                    "          {} / {}: {} ({} cells)\n",
                    s.name,
                    c.column.trim(),
                    c.action,
                    thousands(c.cells_changed)
                ));
            }
        }
    }
    line
}

/// What the package cleaning did, briefly: the non-zero counts.
fn cleaning_summary(c: &crate::xlsx::clean::Counts) -> String {
    [
        (c.links_removed, "link", "links", "removed"),
        (c.caches_dropped, "cached value", "cached values", "dropped"),
        (c.comments_removed, "comment", "comments", "removed"),
        (c.texts_redacted, "text", "texts", "redacted"),
        (c.properties_cleared, "property", "properties", "cleared"),
        (c.parts_dropped, "part", "parts", "dropped"),
        (
            c.phonetic_dropped,
            "phonetic reading",
            "phonetic readings",
            "dropped",
        ),
    ]
    .iter()
    .filter(|(n, ..)| *n > 0)
    .map(|&(n, one, many, done)| format!("{} {done}", counted(n, one, many)))
    .collect::<Vec<_>>()
    .join(", ")
}
