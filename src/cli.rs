//! What the user typed: clap definitions. Validation and resolution happen in `cmd::*`.

use clap::{Args, Parser, Subcommand};
use std::num::NonZeroUsize;
use std::path::PathBuf;

/// Remove personal data from Dynamics 365 / Dataverse exports (.xlsx, .csv) in bulk, keeping
/// them ready to import back as updates.
#[derive(Debug, Parser)]
#[command(name = "dsr-scrub", version, about, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scrub exports: apply a column map, write import-ready copies and a change report.
    Scrub(ScrubArgs),
    /// Show what exports hold, column by column, and which columns look personal; optionally
    /// write a starter map.
    Inspect(InspectArgs),
    /// List the built-in profiles, or print one (`profiles show NAME`) to copy and edit.
    Profiles(ProfilesArgs),
    /// Print a shell completion script, e.g. `dsr-scrub completions bash > /etc/bash_completion.d/dsr-scrub`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of dsr-scrub, or of one command, e.g. `dsr-scrub man > dsr-scrub.1`.
    Man {
        /// A command (scrub, inspect, verify, find, profiles, completions); without it, the main page.
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
    /// Check a scrubbed file against its original: nothing kept changed, nothing removed left.
    Verify(VerifyArgs),
    /// List every place the data subjects appear in exports (file, sheet, cell or part, column,
    /// subject position; never the value).
    Find(FindArgs),
}

/// `dsr-scrub find`
#[derive(Debug, Args)]
#[command(
    after_help = "Subjects are compared as scrub compares them: every name form (First Last, Last, First, \
Last First, middle names), emails, user names, record GUIDs with or without braces. In an .xlsx every \
part of the package is searched, hidden sheets included. Places are printed one per line on stdout; \
values never are.\n\
Exit codes: 0 no subject appears, 1 a file cannot be read, 2 bad usage, 3 a subject appears."
)]
pub struct FindArgs {
    #[command(flatten)]
    pub subjects: SubjectArgs,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// Input .xlsx or .csv files, or folders of them (not recursive).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

/// `dsr-scrub scrub`
#[derive(Debug, Args)]
#[command(
    after_help = "Without --map or --profile, each .xlsx gets the built-in profile for its table (systemuser for CSV and other tables).\n\
The pseudonymization key comes from --key-file or the DSR_SCRUB_KEY environment variable.\n\
Exit codes: 0 all files scrubbed, 1 a file failed (or failed --verify), 2 bad usage or bad map."
)]
pub struct ScrubArgs {
    /// The column map (TOML).
    #[arg(long, value_name = "FILE", conflicts_with = "profile")]
    pub map: Option<PathBuf>,

    /// A built-in profile (see `dsr-scrub profiles`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Where scrubbed files and reports go.
    #[arg(long, value_name = "DIR", default_value = "scrubbed")]
    pub out_dir: PathBuf,

    /// File holding the secret key for `pseudonymize` (at least 16 bytes).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    #[command(flatten)]
    pub subjects: SubjectArgs,

    /// Replace outputs that already exist, and the report of an earlier run that wrote outputs.
    #[arg(long)]
    pub force: bool,

    /// Read and plan everything and print, per file and column, the action and how many cells
    /// it would change; write only the report (marked "dry_run": true).
    #[arg(long)]
    pub dry_run: bool,

    /// With --dry-run: also print up to N before/after pairs per column. They show personal
    /// data on your terminal; they never go into the report.
    #[arg(long, value_name = "N", requires = "dry_run")]
    pub samples: Option<usize>,

    /// Rebuild xlsx outputs with rust_xlsxwriter instead of patching the input in place. The
    /// rebuilt file keeps values, types, sheets and hidden columns, but not styles, tables or
    /// data validations.
    #[arg(long)]
    pub rebuild: bool,

    /// Blank creator, last-modified-by, title, company and similar document properties.
    #[arg(long)]
    pub strip_doc_props: bool,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// Split each output into parts of at most N data rows (`<stem>.part-001.xlsx`, ...).
    #[arg(long, value_name = "N", conflicts_with = "verify")]
    pub max_part_rows: Option<NonZeroUsize>,

    /// Split each output into parts of at most SIZE as written (e.g. 8MB, the import wizard's
    /// limit).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, conflicts_with = "verify")]
    pub max_part_bytes: Option<u64>,

    /// CSV outputs: give every data cell that starts with =, +, -, @, tab or CR a leading '
    /// (OWASP's CSV-injection advice), kept columns included; plain numbers such as -12.5 are
    /// left alone. The report counts them.
    #[arg(long)]
    pub neutralize_formulas: bool,

    /// The layout of each `<stem>.changes.csv`: one line per changed row, or per changed cell.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = crate::changes::ChangesFormat::Rows)]
    pub changes_format: crate::changes::ChangesFormat,

    /// Write import files holding only the rows this run changed (same sheets, header, hidden
    /// columns, metadata sheet, validations), so unchanged rows are not imported again. The
    /// default when --subject is given to a map or profile with subject rules.
    #[arg(long, conflicts_with = "all_rows")]
    pub changed_rows_only: bool,

    /// Write every row that is not deleted, changed or not (turns off --changed-rows-only).
    #[arg(long)]
    pub all_rows: bool,

    /// Worker threads (default: one per core; at most 256). Output is identical for any value.
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<NonZeroUsize>,

    /// Verify each output before it is written, as `dsr-scrub verify` does; an output that
    /// fails is not written and its file counts as failed.
    #[arg(long)]
    pub verify: bool,

    /// Scrub a file even when columns that look personal are neither scrubbed nor kept by the
    /// map (by default such a file fails); the summary and the report list those columns.
    #[arg(long)]
    pub allow_uncovered: bool,

    /// With data subjects: succeed even when a cell of a column a subject is matched by holds
    /// the subject's name with marks around it ("Jane Doe (Disabled)", "zz Jane Doe") and its row was not
    /// matched, because it names someone else (by default the run fails naming the columns);
    /// with --all-rows, also write a file in which a row no subject matched keeps, in a column
    /// of the map, an email, phone number or identifier of a subject's matched record, or the
    /// value a subject was given by other than a name (by default the file fails naming the cell).
    #[arg(long)]
    pub allow_near_names: bool,

    /// Print only errors: no progress bar, no summary.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print per-column counts for each file.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Folders given as INPUT: also scrub the files in their subfolders; outputs go to the same
    /// subfolders below --out-dir.
    #[arg(long, short = 'r')]
    pub recursive: bool,

    /// Input .xlsx, .xlsm or .csv files, or folders of them (not recursive unless --recursive).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

/// The data subjects, for maps that refer to them (`scrub` and `verify`).
#[derive(Debug, Args)]
pub struct SubjectArgs {
    /// A data subject (a name, email or record id) for `in = "@subjects"` row rules. Repeatable.
    #[arg(long = "subject", value_name = "VALUE")]
    pub subjects: Vec<String>,

    /// A file of data subjects: one value per line, or a .csv with a header (e.g. name,email,guid).
    #[arg(long = "subjects", value_name = "FILE")]
    pub subjects_file: Option<PathBuf>,
}

/// Limits on xlsx packages, checked before they are unpacked (`scrub` and `verify`).
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Refuse xlsx packages that unpack to more than SIZE (e.g. 2GiB, 500MB).
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = parse_size)]
    pub max_unpacked: u64,

    /// Refuse xlsx parts that inflate more than N:1 (zip bombs).
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_ratio: u64,

    /// Refuse xlsx packages with more than N entries.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_entries: usize,

    /// Refuse sheets whose declared size spans more than N cells (rows x columns).
    #[arg(long, value_name = "N", default_value_t = 100_000_000)]
    pub max_cells: u64,
}

impl LimitArgs {
    /// The limits to read with.
    pub fn limits(&self) -> crate::xlsx::Limits {
        crate::xlsx::Limits {
            max_unpacked: self.max_unpacked,
            max_ratio: self.max_ratio,
            max_entries: self.max_entries,
            max_cells: self.max_cells,
        }
    }
}

/// `dsr-scrub verify`
#[derive(Debug, Args)]
#[command(
    after_help = "Use the map (or profile), key and subjects that scrubbed the file; without --map or\n\
--profile, the built-in `systemuser` profile is used. Findings name the part, sheet, cell and\n\
column (as in the scrubbed file), never a value.\n\
Exit codes: 0 everything holds, 1 a file cannot be read, 2 bad usage or bad map,\n\
3 a leak or a fidelity break was found."
)]
pub struct VerifyArgs {
    /// The column map (TOML) that scrubbed the file.
    #[arg(long, value_name = "FILE", conflicts_with = "profile")]
    pub map: Option<PathBuf>,

    /// The built-in profile that scrubbed the file (see `dsr-scrub profiles`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// File holding the key the file was scrubbed with, when the map pseudonymizes.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    #[command(flatten)]
    pub subjects: SubjectArgs,

    /// The scrubbed file holds only the changed rows (`scrub --changed-rows-only`; the default
    /// when --subject is given to a map or profile with subject rules).
    #[arg(long, conflicts_with = "all_rows")]
    pub changed_rows_only: bool,

    /// The scrubbed file holds every row (it was scrubbed with `--all-rows`).
    #[arg(long)]
    pub all_rows: bool,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// The export as it was before scrubbing (.xlsx or .csv).
    #[arg(value_name = "ORIGINAL")]
    pub original: PathBuf,

    /// The scrubbed file, in the same format.
    #[arg(value_name = "SCRUBBED")]
    pub scrubbed: PathBuf,
}

/// `dsr-scrub inspect`
#[derive(Debug, Args)]
#[command(
    after_help = "Per file and sheet: visibility, size, header, the Dynamics entity and logical names \
(from hiddenSheet), required and maximum length (from data validations), types, fill rate, and \
whether each column looks personal and why. No cell value is printed unless --samples is given.\n\
Exit codes: 0 every file inspected, 1 a file could not be read or the map not written, 2 bad usage."
)]
pub struct InspectArgs {
    /// Print JSON (for scripts) instead of tables.
    #[arg(long)]
    pub json: bool,

    /// Also print up to N distinct values per column. They are personal data: do not share
    /// the output.
    #[arg(long, value_name = "N")]
    pub samples: Option<usize>,

    /// Write a starter column map (TOML) from the verdicts, to review and pass to `scrub --map`.
    #[arg(long, value_name = "FILE")]
    pub emit_map: Option<PathBuf>,

    /// Replace the --emit-map file if it exists.
    #[arg(long)]
    pub force: bool,

    /// Input .xlsx, .xlsm or .csv files, or folders of them (not recursive).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

/// `dsr-scrub profiles`
#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// What to do; without it, list the profiles.
    #[command(subcommand)]
    pub action: Option<ProfilesAction>,
}

/// `dsr-scrub profiles show NAME`
#[derive(Debug, Subcommand)]
pub enum ProfilesAction {
    /// Print a profile's TOML.
    Show {
        /// Profile name.
        name: String,
    },
}

/// The most worker threads `--jobs` takes: far more than cores only costs memory, and each
/// thread's stack is reserved up front (tens of thousands exhaust it).
pub const MAX_JOBS: usize = 256;

/// `--jobs N`: 1 to [`MAX_JOBS`].
///
/// # Errors
/// A message saying what is accepted.
pub fn parse_jobs(text: &str) -> Result<NonZeroUsize, String> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|&n| n <= MAX_JOBS)
        .and_then(NonZeroUsize::new)
        .ok_or_else(|| {
            format!(
                "'{text}' is not a number of worker threads; give 1 to {MAX_JOBS} (the default is one per core)"
            )
        })
}

/// Parse a size such as `8MB` (10^6), `8MiB` (2^20), `2GiB`, `512k` or `1000` (bytes).
///
/// # Errors
/// A message saying what a size looks like.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size; write e.g. 8MB, 8MiB or 2GiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "'{text}' has an unknown unit; use B, kB, KiB, MB, MiB, GB or GiB"
            ))
        }
    };
    Ok((number * factor as f64).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("8MB"), Ok(8_000_000));
        assert_eq!(parse_size("8MiB"), Ok(8 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1.5 kB"), Ok(1500));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("8 parsecs").is_err());
        assert!(parse_size("MB").is_err());
    }
}
