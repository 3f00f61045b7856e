//! Writes the checked-in test fixtures, or bigger files for benchmarks.
//!
//! ```text
//! cargo run --example gen_fixtures                      # fixtures/disabled-users.{xlsx,csv}, 250 rows, seed 7
//! cargo run --example gen_fixtures -- OUT_DIR
//! cargo run --example gen_fixtures -- --rows 100000 --seed 1 /tmp/bench
//! ```
//!
//! For 100,000 rows a dev build takes a minute or two (mostly zlib in rust_xlsxwriter);
//! add `--release` to make it fast.
//!
//! Besides `--rows` and `--seed`, `--formula-column` and `--extra-sheet` turn on the matching
//! [`Options`] fields. `--raw` writes the xlsx in the layout Dynamics itself writes (prefixed
//! elements, inline strings; see `testdata::raw`) instead of the layout of a file saved in Excel.
//! `--language de` or `fr` writes the export with German or French headers, and the CSV the way
//! Excel saves it in that locale (`;`, day-first dates, decimal commas). `--catalogue` also
//! writes the leak catalogue's hand-edited copies (`testdata::catalogue`: links, comments,
//! formulas, ... planted in the export; one file per place that fails a scrub) and an export of
//! each approval table (`testdata::approvals`), for comparing builds.

use std::path::PathBuf;
use std::process::ExitCode;

use dsr_scrub::testdata::localized::{self, Language};
use dsr_scrub::testdata::{disabled_users, Options};

const USAGE: &str =
    "usage: gen_fixtures [--rows N] [--seed S] [--formula-column] [--extra-sheet] [--raw] [--language de|fr] [--catalogue] [OUT_DIR]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen_fixtures: {message}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut options = Options::default();
    let mut out_dir: Option<PathBuf> = None;
    let mut raw = false;
    let mut language = None;
    let mut catalogue = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => options.rows = parse(args.next(), "--rows")?,
            "--seed" => options.seed = parse(args.next(), "--seed")?,
            "--formula-column" => options.formula_column = true,
            "--extra-sheet" => options.extra_sheet = true,
            "--raw" => raw = true,
            "--catalogue" => catalogue = true,
            "--language" => {
                language = Some(match args.next().as_deref() {
                    Some("de") => Language::German,
                    Some("fr") => Language::French,
                    _ => return Err("--language needs de or fr".to_string()),
                })
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            dir => {
                if out_dir.replace(PathBuf::from(dir)).is_some() {
                    return Err("more than one OUT_DIR".to_string());
                }
            }
        }
    }
    let out_dir = out_dir.unwrap_or_else(|| PathBuf::from("fixtures"));
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;

    let export = match language {
        Some(language) => localized::disabled_users(language, &options),
        None => disabled_users(&options),
    };
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    if catalogue {
        use dsr_scrub::testdata::{approvals, catalogue};
        let planted = catalogue::planted_in(export.clone(), &catalogue::Place::CLEANED);
        files.push(("catalogue-cleaned.xlsx".into(), planted.xlsx));
        // Without the array formulas: a workbook with no formula at all.
        let places: Vec<catalogue::Place> = catalogue::Place::CLEANED
            .into_iter()
            .filter(|p| *p != catalogue::Place::ArrayFormulas)
            .collect();
        let planted = catalogue::planted_in(export.clone(), &places);
        files.push(("catalogue-no-formulas.xlsx".into(), planted.xlsx));
        for (place, _, _) in catalogue::Place::FAILING {
            let name = format!("catalogue-{place:?}.xlsx").to_lowercase();
            files.push((name, catalogue::planted(place).xlsx));
        }
        for table in 0..approvals::TABLES.len() {
            let rows: Vec<approvals::Row> = (0..options.rows.min(5_000))
                .map(|i| approvals::Row {
                    owner: format!("Owner {}", i % 97),
                    requestor_email: format!("requestor{}@contoso.com", i % 89),
                    responder: format!("Responder {}", i % 83),
                    comments: format!(
                        "Approved for owner{}@contoso.com, call +1 425 555 {:04}",
                        i % 79,
                        i % 10_000
                    ),
                    created_by: format!("Creator {}", i % 71),
                })
                .collect();
            let name = format!("approvals-{table}.xlsx");
            files.push((name, approvals::export(table, &rows).to_xlsx()));
        }
    }
    for (name, bytes) in [
        (
            "disabled-users.xlsx",
            if raw {
                export.to_dynamics_raw_xlsx()
            } else {
                export.to_xlsx()
            },
        ),
        (
            "disabled-users.csv",
            match language {
                Some(language) => localized::to_csv(&export, language),
                None => export.to_csv(),
            },
        ),
    ]
    .into_iter()
    .map(|(name, bytes)| (name.to_string(), bytes))
    .chain(files)
    {
        let path = out_dir.join(&name);
        std::fs::write(&path, &bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!(
            "wrote {} ({} rows, seed {}, {} bytes)",
            path.display(),
            options.rows,
            options.seed,
            bytes.len()
        );
    }
    Ok(())
}

fn parse<T: std::str::FromStr>(value: Option<String>, flag: &str) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag}: not a valid number: {value}"))
}
