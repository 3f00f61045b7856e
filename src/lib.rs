//! # dsr-scrub
//!
//! Removes personal data from Microsoft Dynamics 365 / Dataverse spreadsheet exports (`.xlsx`,
//! `.csv`) in bulk, for people answering GDPR erasure requests, and keeps the files ready to be
//! imported back as updates.
//!
//! Data flows one way: **read** ([`xlsx`], [`csv`], into a [`workbook`]) → **plan** (a
//! [`map::Map`] resolved against each file's headers and Dynamics metadata, [`plan`]) →
//! **apply** (pure [`actions`] per cell, parallel over row chunks, [`apply`]) → **write**
//! ([`xlsx::rebuild`], [`csv`], with the [`changes`] file, [`staging`] for atomic output) →
//! **report** ([`report`]). [`pipeline`] runs that per file, in parallel; [`cmd`] holds one
//! module per command, [`cli`] the command line.
//! [`verify`] checks a scrubbed file against its original: nothing kept was changed, nothing
//! removed is left. [`subjects`] compares cells with the people an erasure request names (every
//! name form, emails, GUIDs); [`deletions`] lists the records an import cannot delete.
//!
//! The modules depend one way, each only on modules of the layers below it (a test holds them
//! to it), lowest first:
//!
//! | Layer | Modules |
//! |---|---|
//! | shared | [`error`]; [`text`] (numbers, dates and messages for people) |
//! | format knowledge | [`dynamics`] (what an export holds besides its data), [`input`] (the kinds of input), [`dialect`] (CSV dialects, decoding a CSV's text) |
//! | data model | [`workbook`] |
//! | configuration | [`subjects`]; [`actions`]; [`map`]; [`profiles`] (built-in maps), [`plan`] |
//! | apply | [`needles`] (the removed values' index, the sweep's primitives); [`apply`]; [`split`], [`inspect`] (the personal-data detector); [`coverage`] |
//! | write | [`changes`]; [`xlsx`], [`csv`]; [`verify`], [`staging`] |
//! | report | [`report`]; [`preview`] (a dry run's listing), [`deletions`] |
//! | run | [`pipeline`], [`cli`]; [`cmd`] |
//!
//! ```
//! use calamine::Data;
//! use dsr_scrub::actions::{apply, CellCtx};
//! use dsr_scrub::map::Map;
//!
//! let map = Map::parse(r#"
//!     version = 1
//!     [columns]
//!     "Full Name" = { action = "replace", value = "Deleted User {id8}" }
//! "#, "example", None).unwrap();
//! let ctx = CellCtx { row: 2, record_id: Some("3217a7c8-1ab4-eb11-8236-000d3aff3315"), column: "Full Name" };
//! let new = apply(&map.rules[0].action, &Data::String("Zoë Müller".into()), &ctx, None);
//! assert_eq!(new, Some(Data::String("Deleted User 3217a7c8".into())));
//! ```

pub mod a1;
pub mod actions;
pub mod apply;
pub mod changes;
pub mod cli;
pub mod cmd;
pub mod coverage;
pub mod csv;
pub mod deletions;
pub mod dialect;
pub mod dynamics;
pub mod error;
#[cfg(any(test, feature = "testkit"))]
pub mod floor;
pub mod input;
pub mod inspect;
pub mod map;
pub mod needles;
pub mod pipeline;
pub mod plan;
pub mod preview;
pub mod profiles;
pub mod report;
pub mod split;
pub mod staging;
pub mod subjects;
pub mod text;
pub mod verify;
pub mod workbook;
pub mod xlsx;

#[cfg(any(test, feature = "testkit"))]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(any(test, feature = "testkit"))]
#[doc(hidden)]
pub mod testdata;

use cli::{Cli, Command};
pub use error::{Error, FileError, MapError, Problem};

/// Run a parsed command line. `Ok` carries the exit code (0, or 1 when a file failed).
///
/// # Errors
/// An [`Error`] that stops the run; [`Error::exit_code`] gives its exit code.
pub fn run(cli: Cli) -> Result<i32, Error> {
    match &cli.command {
        Command::Scrub(args) => cmd::scrub::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Profiles(args) => cmd::profiles::run(args),
        Command::Completions { shell } => cmd::completions::completions(*shell),
        Command::Man { command } => cmd::completions::man(command.as_deref()),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Find(args) => cmd::find::run(args),
    }
}

/// Replace the default panic message (which could quote data) with a short one that names
/// only the code location.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if QUIET_PANICS.with(std::cell::Cell::get) {
            return;
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("dsr-scrub: internal error{at}; this is a bug, please report it");
    }));
}

thread_local! {
    /// Set while a third-party reader runs on input it may not expect (see
    /// [`catch_reader_panic`]): its panic is an answer about the input, not a bug of ours.
    static QUIET_PANICS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run a third-party reader on untrusted bytes; `None` when it panics (a malformed input that
/// it indexes out of bounds), without the panic hook's bug report.
pub(crate) fn catch_reader_panic<T>(read: impl FnOnce() -> T) -> Option<T> {
    let before = QUIET_PANICS.with(|q| q.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    QUIET_PANICS.with(|q| q.set(before));
    result.ok()
}
