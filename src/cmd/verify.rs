//! `dsr-scrub verify`: check a scrubbed file against its original (DESIGN §6).

use crate::cli::VerifyArgs;
use crate::cmd::print_stdout;
use crate::error::{exit, Error};
use crate::input::InputKind;
use crate::needles::MIN_CHARS;
use crate::text::thousands;
use crate::verify::{self, Outcome};

/// Run `verify`. `Ok` carries the exit code: 0 when every rule holds, 3 when something was found.
///
/// # Errors
/// [`Error::Map`] or [`Error::Usage`] (exit 2) for a bad map, key or pair of files;
/// [`Error::Run`] (exit 1) when either file cannot be read, naming it.
pub fn run(args: &VerifyArgs) -> Result<i32, Error> {
    let (key, map) = super::load_map_inputs(
        args.map.as_deref(),
        args.profile.as_deref(),
        args.key_file.as_deref(),
        &args.subjects,
    )?;
    if let (Some(a), Some(b)) = (InputKind::of(&args.original), InputKind::of(&args.scrubbed)) {
        if a != b {
            return Err(Error::Usage(format!(
                "'{}' and '{}' are not the same format; scrub keeps the format, so verify compares an .xlsx with an .xlsx and a .csv with a .csv",
                args.original.display(),
                args.scrubbed.display()
            )));
        }
    }
    let limits = args.limits.limits();
    // Like `scrub`: with neither --map nor --profile, an export of a table that has its own
    // profile is checked under that profile.
    let by_entity = super::profiles_by_entity(
        args.map.as_deref(),
        args.profile.as_deref(),
        key.as_ref(),
        &args.subjects,
    )?;
    let changed_rows_only = args.changed_rows_only || (map.subject_scoped && !args.all_rows);
    let outcome = if changed_rows_only {
        crate::pipeline::verify_changed_rows_only(
            &map,
            &by_entity,
            &args.original,
            &args.scrubbed,
            &limits,
        )
    } else {
        verify::verify_files(&map, &by_entity, &args.original, &args.scrubbed, &limits)
    }
    .map_err(|e| Error::Run(e.to_string()))?;
    let text = render(&outcome, args);
    if outcome.leaks() > 0 && map.every_row_without_subjects {
        // Without subjects every row counts as scrubbed, which an erasure request's output is not.
        eprintln!("dsr-scrub verify: note: the map scopes rows by data subject, and none was given, so every row was checked as scrubbed; if the file was scrubbed with --subject/--subjects, pass the same subjects (and --all-rows if it was)");
    }
    if outcome.fidelity() > 0 && map.subject_scoped && !args.all_rows && !args.changed_rows_only {
        // `scrub --subject` writes only the changed rows unless told --all-rows: a file of
        // every row, checked as one of the changed rows, differs in every other row.
        eprintln!("dsr-scrub verify: note: with data subjects the scrubbed file is checked as holding only the changed rows (scrub's default with --subject); if it was scrubbed with --all-rows, pass --all-rows");
    }
    print_stdout(&text).map_err(|e| Error::Run(format!("cannot print the findings ({e})")))?;
    Ok(if outcome.passed() {
        exit::OK
    } else {
        exit::VERIFY
    })
}

/// Findings one per line, then a summary line.
fn render(outcome: &Outcome, args: &VerifyArgs) -> String {
    let mut out = String::new();
    for finding in &outcome.findings {
        out.push_str(&finding.to_string());
        out.push('\n');
    }
    let searched = format!(
        "searched for {} removed value(s); {} shorter than {MIN_CHARS} characters not searched",
        thousands(outcome.searched as u64),
        thousands(outcome.skipped as u64)
    );
    if outcome.passed() {
        out.push_str(&format!(
            "dsr-scrub verify: ok: '{}' keeps everything outside the map's columns as in '{}' and holds none of the removed values ({searched})\n",
            args.scrubbed.display(),
            args.original.display()
        ));
    } else {
        out.push_str(&format!(
            "dsr-scrub verify: FAILED: {} leak(s) and {} fidelity break(s) in '{}' compared with '{}' ({searched})\n",
            thousands(outcome.leaks() as u64),
            thousands(outcome.fidelity() as u64),
            args.scrubbed.display(),
            args.original.display()
        ));
    }
    out
}
