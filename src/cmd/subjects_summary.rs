//! The summary lines about data subjects, by position and never by value.

use crate::report::subjects::NearPlace;
use crate::report::{RunReport, Status};
use crate::subjects::Near;
use crate::text::thousands;
use std::path::Path;

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// What the run was about, and per subject what it did.
pub(crate) fn lines(report: &RunReport) -> String {
    let mut out = String::new();
    match report.scope {
        "every_row_no_subject_given" => out.push_str(
            "  scope: every row (no --subject given); with --subject only the subjects' rows change\n",
        ),
        "subjects" => {
            let matched: u64 = report.subjects.iter().map(|s| s.rows_matched).sum();
            out.push_str(&format!(
                "  scope: the {} rows only ({} of {}); other rows are left as they were\n",
                if report.subjects.len() == 1 {
                    "subject's"
                } else {
                    "subjects'"
                },
                plural(matched, "row", "rows"),
                thousands(report.totals.rows),
            ));
        }
        _ => {}
    }
    if report.changed_rows_only {
        let written: u64 = report.files.iter().filter_map(|f| f.rows_written).sum();
        out.push_str(&format!(
            "  import files hold only the changed rows ({}); --all-rows writes every row\n",
            plural(written, "row", "rows")
        ));
    }
    let lists: Vec<String> = report
        .files
        .iter()
        .filter_map(|f| f.deletions.as_deref())
        .map(file_name)
        .collect();
    if !lists.is_empty() {
        let batches: Vec<String> = report
            .files
            .iter()
            .flat_map(|f| &f.deletion_batches)
            .map(|b| file_name(b))
            .collect();
        out.push_str(&format!(
            "  DELETE IN DATAVERSE: {} removed from the files; an import never deletes records, so delete them in Dataverse too (Bulk Delete, XrmToolBox, or the Web API{}): see {}\n",
            plural(report.totals.rows_deleted, "row was", "rows were"),
            if batches.is_empty() {
                String::new()
            } else {
                format!(" with {}", batches.join(", "))
            },
            lists.join(", ")
        ));
        let without: u64 = report.files.iter().map(|f| f.deletions_without_id).sum();
        if without > 0 {
            out.push_str(&format!(
                "  {} no record GUID: find those records in Dynamics by the row numbers in the list\n",
                plural(without, "deleted row has", "deleted rows have")
            ));
        }
    }
    for s in &report.subjects {
        let mut line = format!(
            "  subject #{}: {} matched in {} ({} deleted, {} changed)",
            s.subject,
            plural(s.rows_matched, "row", "rows"),
            plural(s.files, "file", "files"),
            thousands(s.rows_deleted),
            thousands(s.rows_changed),
        );
        if s.cells_redacted > 0 {
            line.push_str(&format!(
                "; redacted from {} of other rows",
                plural(s.cells_redacted, "cell", "cells")
            ));
        }
        if s.residual_mentions > 0 {
            line.push_str(&format!(
                "; {} in kept lookup columns (they follow the record once it is scrubbed in Dynamics; listed in the report)",
                plural(s.residual_mentions, "mention", "mentions")
            ));
        }
        out.push_str(&line);
        out.push('\n');
        if s.rows_matched == 0 && s.cells_redacted > 0 {
            // Found, but only in other rows' text: its own rows, if any, may name it otherwise.
            out.push_str(&format!(
                "  note: subject #{} matched no row, only text; rows that name a person by full name (an approval's Owner) match that name, so if the subject was given by email or user name only, pass the name too, or scrub the users' export in the same run to learn it\n",
                s.subject
            ));
        }
        // Only a run that writes the changed rows alone gets here with such cells: one that
        // writes every row fails the file instead.
        let (places, cells) = places_of(report, s.subject, Near::Held);
        if cells > 0 {
            out.push_str(&format!(
                "  note: subject #{}: {} of rows not matched {} an email address, phone number or identifier that the subject's record held: {}; the output does not hold those rows, but Dynamics keeps them: if {} the subject's, pass that record's name or email as another --subject\n",
                s.subject,
                plural(cells, "cell", "cells"),
                if cells == 1 { "holds" } else { "hold" },
                places.join("; "),
                if cells == 1 { "it is" } else { "they are" },
            ));
        }
    }
    out
}

/// The near matches of subject `subject` (by position) in the files that were scrubbed, each
/// with its file's name.
fn near_places(report: &RunReport, subject: usize) -> impl Iterator<Item = (String, &NearPlace)> {
    report
        .files
        .iter()
        .filter(|f| f.status == Status::Ok)
        .flat_map(move |f| {
            f.subjects
                .iter()
                .filter(move |r| r.subject == subject)
                .flat_map(move |r| r.near_matches.iter().map(move |n| (file_name(&f.input), n)))
        })
}

/// Where near matches are: `file: sheet / column: N cells`.
fn place(file: &str, n: &NearPlace) -> String {
    format!(
        "{file}: {} / {}: {}",
        n.sheet,
        n.column,
        plural(n.cells, "cell", "cells")
    )
}

/// One line per subject that matched nothing in the whole run: what it was compared with, and
/// the near matches by column and count; and, unless `allow_near_names`, one per subject found
/// and kind of near match that stops the run: its name with marks around it ([`Near::Inside`])
/// or what its matched rows hold ([`Near::Learned`]) in cells of the columns it is matched by,
/// whose rows were not matched, and what its rows in other files hold mentioned in other rows'
/// text ([`Near::Mentioned`]). Empty when every subject was found and no such cell was.
pub(crate) fn unmatched(report: &RunReport, allow_near_names: bool) -> String {
    let mut out = String::new();
    for total in report.subjects.iter().filter(|s| !s.found) {
        let ok = report.files.iter().filter(|f| f.status == Status::Ok);
        let compared: Vec<String> = ok
            .clone()
            .filter(|f| !f.subject_columns.is_empty())
            .map(|f| format!("{}: {}", file_name(&f.input), f.subject_columns.join(", ")))
            .collect();
        let near: Vec<String> = near_places(report, total.subject)
            .map(|(file, n)| format!("{} {}", place(&file, n), n.how.describe()))
            .collect();
        let residual: u64 = ok
            .flat_map(|f| f.subjects.iter().filter(|r| r.subject == total.subject))
            .flat_map(|r| &r.residual_mentions)
            .map(|p| p.cells)
            .sum();
        // A file that failed was not searched: say so, rather than that it has no columns.
        let failed = report
            .files
            .iter()
            .filter(|f| f.status != Status::Ok)
            .count() as u64;
        let searched = report.files.len() as u64 - failed;
        out.push_str(&format!(
            "dsr-scrub: subject #{} matched nothing in {}{}; compared with {}",
            total.subject,
            plural(searched, "file", "files"),
            if failed > 0 {
                format!(
                    " ({} failed and {} not searched: fix {} first)",
                    plural(failed, "file", "files"),
                    if failed == 1 { "was" } else { "were" },
                    if failed == 1 { "it" } else { "them" }
                )
            } else {
                String::new()
            },
            if compared.is_empty() {
                "no column (no file searched has the columns the map compares)".to_string()
            } else {
                compared.join("; ")
            }
        ));
        if residual > 0 {
            out.push_str(&format!(
                "; it appears only in kept lookup columns ({})",
                plural(residual, "cell", "cells")
            ));
        }
        if near.is_empty() {
            out.push_str("; nothing similar was found");
        } else {
            out.push_str(&format!("; near matches: {}", near.join("; ")));
        }
        out.push_str("; check the value (spelling, name form, braces) or the exports given\n");
    }
    if allow_near_names {
        return out;
    }
    for total in report.subjects.iter().filter(|s| s.found) {
        for (how, what, fix) in [
            (
                Near::Inside,
                "its name with marks around it (such as \"(Disabled)\" or \"zz\")",
                "pass that text as another --subject or correct the records and export again",
            ),
            (
                Near::Learned,
                "a name or email that a row matched for it holds",
                "pass that name or email as another --subject",
            ),
            (
                Near::Unaccented,
                "its name with its accents written otherwise (such as \"Zoe\" for \"Zoë\", or the other way)",
                "pass that text as another --subject",
            ),
            (
                Near::Given,
                "the value it was given by",
                "pass the person's name (or a value of a column the row rules compare) as another --subject so that the row matches",
            ),
        ] {
            let (places, cells) = places_of(report, total.subject, how);
            if cells > 0 {
                out.push_str(&format!(
                    "dsr-scrub: subject #{} was found, but {} of {} {} {what} and {} not matched: {}; if {} the subject's records, {fix}; if {} someone else, pass --allow-near-names\n",
                    total.subject,
                    plural(cells, "cell", "cells"),
                    if how == Near::Given {
                        "the map's other columns"
                    } else {
                        "the columns it is matched by"
                    },
                    if cells == 1 { "holds" } else { "hold" },
                    if cells == 1 { "its row was" } else { "their rows were" },
                    places.join("; "),
                    if cells == 1 { "it is" } else { "they are" },
                    if cells == 1 { "it names" } else { "they name" },
                ));
            }
        }
        let (places, cells) = places_of(report, total.subject, Near::Mentioned);
        if cells > 0 {
            out.push_str(&format!(
                "dsr-scrub: subject #{} was found, but {} of other rows {} a name or email that a row matched for it in another file holds, which this run does not redact: {}; to redact {}, pass that name or email as another --subject; if {} someone else, pass --allow-near-names\n",
                total.subject,
                plural(cells, "cell", "cells"),
                if cells == 1 { "mentions" } else { "mention" },
                places.join("; "),
                if cells == 1 { "it" } else { "them" },
                if cells == 1 { "it names" } else { "they name" },
            ));
        }
    }
    out
}

/// Where subject `subject` has near matches of kind `how` (as [`place`]s), and how many cells
/// they are.
fn places_of(report: &RunReport, subject: usize, how: Near) -> (Vec<String>, u64) {
    let marked: Vec<(String, &NearPlace)> = near_places(report, subject)
        .filter(|(_, n)| n.how == how)
        .collect();
    let places = marked.iter().map(|(file, n)| place(file, n)).collect();
    (places, marked.iter().map(|(_, n)| n.cells).sum())
}
