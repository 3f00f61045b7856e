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

use std::path::PathBuf;
use std::process::ExitCode;

use dsr_scrub::testdata::{disabled_users, Options};

const USAGE: &str =
    "usage: gen_fixtures [--rows N] [--seed S] [--formula-column] [--extra-sheet] [--raw] [OUT_DIR]";

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
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => options.rows = parse(args.next(), "--rows")?,
            "--seed" => options.seed = parse(args.next(), "--seed")?,
            "--formula-column" => options.formula_column = true,
            "--extra-sheet" => options.extra_sheet = true,
            "--raw" => raw = true,
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

    let export = disabled_users(&options);
    for (name, bytes) in [
        (
            "disabled-users.xlsx",
            if raw {
                export.to_dynamics_raw_xlsx()
            } else {
                export.to_xlsx()
            },
        ),
        ("disabled-users.csv", export.to_csv()),
    ] {
        let path = out_dir.join(name);
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
