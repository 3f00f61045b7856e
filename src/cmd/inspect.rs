//! `dsr-scrub inspect`: read each input, analyze it, print tables or JSON, and optionally write a
//! starter map.

use crate::cli::InspectArgs;
use crate::error::{exit, Error, FileError, Problem, ReadError};
use crate::input::InputKind;
use crate::inspect::{self, emit, BookInspection, Options};
use crate::pipeline;
use crate::workbook::Workbook;
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The JSON form of a run.
#[derive(Serialize)]
struct JsonReport<'a> {
    tool: &'static str,
    version: &'static str,
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: String,
    /// Why the file could not be read (never a cell value).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten)]
    inspection: Option<&'a BookInspection>,
}

/// Run `inspect`. `Ok` carries the exit code: 0 when every file was read, 1 otherwise.
///
/// # Errors
/// [`Error::Usage`] before any file is read (no inputs, a map file that exists);
/// [`Error::Run`] when output cannot be printed or the map cannot be written.
pub fn run(args: &InspectArgs) -> Result<i32, Error> {
    let files = pipeline::expand_inputs(&args.inputs).map_err(Error::Usage)?;
    if files.is_empty() {
        return Err(Error::Usage(
            "no .xlsx or .csv files found in the given folders".into(),
        ));
    }
    if let Some(path) = &args.emit_map {
        if path.exists() && !args.force {
            return Err(Error::Usage(format!(
                "'{}' already exists; use --force to replace it or choose another --emit-map file",
                path.display()
            )));
        }
    }
    let options = Options {
        samples: args.samples.unwrap_or(0),
    };
    let results: Vec<(PathBuf, Result<BookInspection, FileError>)> = files
        .par_iter()
        .map(|f| (f.clone(), inspect_file(f, &options)))
        .collect();

    let mut failed = 0;
    for (_, result) in &results {
        if let Err(e) = result {
            failed += 1;
            eprintln!("dsr-scrub: error: {e}");
        }
    }
    let text = if args.json {
        let report = JsonReport {
            tool: "dsr-scrub",
            version: env!("CARGO_PKG_VERSION"),
            files: results
                .iter()
                .map(|(path, r)| JsonFile {
                    path: path.display().to_string(),
                    error: r.as_ref().err().map(|e| e.problem.to_string()),
                    inspection: r.as_ref().ok(),
                })
                .collect(),
        };
        let mut json = serde_json::to_string_pretty(&report).expect("the report serializes");
        json.push('\n');
        json
    } else {
        results
            .iter()
            .filter_map(|(path, r)| {
                r.as_ref()
                    .ok()
                    .map(|i| inspect::render::file(&path.display().to_string(), i))
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    crate::cmd::print_stdout(&text).map_err(|e| Error::Run(format!("cannot print: {e}")))?;

    if let Some(path) = &args.emit_map {
        let paths: Vec<String> = results
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        let sources: Vec<emit::Source> = results
            .iter()
            .zip(&paths)
            .filter_map(|((_, r), path)| {
                r.as_ref()
                    .ok()
                    .map(|inspection| emit::Source { path, inspection })
            })
            .collect();
        if sources.is_empty() {
            eprintln!("dsr-scrub: no file could be read, so no map was written");
            return Ok(exit::FAILED);
        }
        let Some(starter) = emit::starter_map(&sources) else {
            eprintln!(
                "dsr-scrub: no column looks personal, so no map was written to '{}'",
                path.display()
            );
            return Ok(exit::FAILED);
        };
        crate::staging::write_atomic(path, starter.toml.as_bytes(), args.force).map_err(|e| {
            Error::Run(format!(
                "cannot write the map '{}' ({}); check the folder exists and is writable",
                path.display(),
                e.kind()
            ))
        })?;
        let key = if starter.needs_key {
            "; it pseudonymizes, so scrub with --key-file FILE or DSR_SCRUB_KEY"
        } else {
            ""
        };
        eprintln!(
            "dsr-scrub: wrote the starter map '{}' ({} column{}){key}; review it, then run `dsr-scrub scrub --map {}`",
            path.display(),
            starter.entries,
            if starter.entries == 1 { "" } else { "s" },
            path.display()
        );
    }
    Ok(if failed == 0 { exit::OK } else { exit::FAILED })
}

/// Read and analyze one input.
fn inspect_file(path: &Path, options: &Options) -> Result<BookInspection, FileError> {
    let fail = |p: Problem| FileError::new(path, p);
    let kind = InputKind::require(path).map_err(fail)?;
    let bytes = std::fs::read(path).map_err(|e| {
        fail(Problem::from(match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            kind => ReadError::Io(kind),
        }))
    })?;
    // A panic in a reader becomes this file's error, never a message that could quote a cell.
    let read = std::panic::catch_unwind(|| -> Result<_, Problem> {
        let (book, validations): (Workbook, _) = match kind {
            InputKind::Xlsx => (
                crate::xlsx::read(&bytes)?,
                crate::xlsx::package::validations_by_sheet(&bytes)?,
            ),
            InputKind::Csv => {
                let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                (crate::csv::read(&bytes, &stem)?, Vec::new())
            }
        };
        Ok(inspect::inspect(&book, &validations, options))
    });
    match read {
        Ok(result) => result.map_err(fail),
        Err(_) => Err(fail(Problem::Internal)),
    }
}
