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
    /// List the built-in profiles, or print one (`profiles show NAME`) to copy and edit.
    Profiles(ProfilesArgs),
}

/// `dsr-scrub scrub`
#[derive(Debug, Args)]
#[command(
    after_help = "Without --map or --profile, the built-in `systemuser` profile is used.\n\
The pseudonymization key comes from --key-file or the DSR_SCRUB_KEY environment variable.\n\
Exit codes: 0 all files scrubbed, 1 a file failed, 2 bad usage or bad map."
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

    /// A data subject (a name, email or record id) for `in = "@subjects"` row rules. Repeatable.
    #[arg(long = "subject", value_name = "VALUE")]
    pub subjects: Vec<String>,

    /// A file of data subjects: one value per line, or a .csv with a header (e.g. name,email,guid).
    #[arg(long = "subjects", value_name = "FILE")]
    pub subjects_file: Option<PathBuf>,

    /// Replace outputs and reports that already exist.
    #[arg(long)]
    pub force: bool,

    /// Rebuild xlsx outputs with rust_xlsxwriter instead of patching the input in place. The
    /// rebuilt file keeps values, types, sheets and hidden columns, but not styles, tables or
    /// data validations.
    #[arg(long)]
    pub rebuild: bool,

    /// Blank creator, last-modified-by, title, company and similar document properties.
    #[arg(long)]
    pub strip_doc_props: bool,

    /// Worker threads (default: one per core). Output is identical for any value.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<NonZeroUsize>,

    /// Print only errors: no progress bar, no summary.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print per-column counts for each file.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Input .xlsx or .csv files, or folders of them (not recursive).
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
