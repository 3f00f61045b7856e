//! One module per command; each wires library pieces together.

pub mod completions;
pub mod find;
pub mod inspect;
pub mod profiles;
pub mod scrub;
mod subjects_summary;
pub mod verify;

use crate::actions::Key;
use crate::cli::SubjectArgs;
use crate::error::Error;
use crate::map::{Map, MapInputs};
use std::io::Write;
use std::path::Path;

/// What `scrub` and `verify` both start from: the key (`--key-file` or the environment), the
/// data subjects, and the map (`--map`, `--profile` or the default profile) parsed with them.
///
/// # Errors
/// [`Error::Usage`] or [`Error::Map`] (exit 2), before any input is read.
pub(crate) fn load_map_inputs(
    map: Option<&Path>,
    profile: Option<&str>,
    key_file: Option<&Path>,
    subjects: &SubjectArgs,
) -> Result<(Option<Key>, Map), Error> {
    let key = scrub::load_key(key_file)?;
    let subjects =
        crate::subjects::Subjects::load(&subjects.subjects, subjects.subjects_file.as_deref())
            .map_err(Error::Usage)?;
    for warning in subjects.warnings() {
        eprintln!("dsr-scrub: warning: {warning}");
    }
    let inputs = MapInputs {
        key: key.as_ref(),
        subjects: &subjects,
    };
    let map = scrub::load_map(map, profile, &inputs)?;
    if !subjects.is_empty() && !map.uses_subjects() {
        return Err(Error::Map(crate::error::MapError::new(
            &map.origin,
            "--subject has no effect with this map; add a [[rows]] rule (where = { column = \"...\", in = \"@subjects\" }) or use a profile",
        )));
    }
    Ok((key, map))
}

/// With neither `--map` nor `--profile`, the built-in profiles of the tables that have their
/// own, so that `scrub` and `verify` treat an export under its table's profile; else nothing.
///
/// # Errors
/// [`Error::Usage`] (exit 2) when the subjects file cannot be read.
pub(crate) fn profiles_by_entity(
    map: Option<&Path>,
    profile: Option<&str>,
    key: Option<&Key>,
    subjects: &SubjectArgs,
) -> Result<Vec<crate::profiles::EntityMap>, Error> {
    if map.is_some() || profile.is_some() {
        return Ok(Vec::new());
    }
    let subjects =
        crate::subjects::Subjects::load(&subjects.subjects, subjects.subjects_file.as_deref())
            .map_err(Error::Usage)?;
    Ok(crate::profiles::by_entity(&MapInputs {
        key,
        subjects: &subjects,
    }))
}

/// Print to stdout; a closed pipe (e.g. `| head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
