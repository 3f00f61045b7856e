//! What `scrub --dry-run` prints: per file, sheet and column the action and how many cells it
//! would change, the rows row rules would delete, and (with `--samples N`) a few before/after
//! pairs.
//!
//! Samples hold personal values, so they travel apart from the report, in a [`Preview`] per
//! file that cannot be serialized: they reach the terminal of the person running the dry run
//! and nothing else.

use crate::apply::SheetChanges;
use crate::plan::FilePlan;
use crate::report::{FileReport, RunReport, Status};
use crate::text::thousands;
use crate::workbook::Workbook;
use calamine::Data;

/// What the terminal shows of one file besides its report: the before/after pairs of a dry run
/// with `--samples`. They are personal values, so they are kept apart from the
/// [`FileReport`], which is written to disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    /// Up to `--samples` pairs per changed column, in row order.
    pub samples: Vec<Sample>,
}

/// One changed cell, before and after, for the person running a dry run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Sheet name.
    pub sheet: String,
    /// The column's header.
    pub column: String,
    /// Spreadsheet row number (1-based).
    pub row: u32,
    /// The value now.
    pub before: String,
    /// The value the scrub would write.
    pub after: String,
}

/// Up to `per_column` before/after pairs for each changed column, in row order.
pub fn samples(
    book: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    per_column: usize,
) -> Vec<Sample> {
    if per_column == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for sc in changes {
        let Some(sheet) = book.sheets.get(sc.sheet) else {
            continue;
        };
        let Some(sheet_plan) = plan.sheet(sc.sheet) else {
            continue;
        };
        let headers = &sheet_plan.headers;
        for target in &sheet_plan.targets {
            out.extend(
                sc.cells
                    .iter()
                    .filter(|c| c.col() == target.col)
                    .take(per_column)
                    .map(|c| Sample {
                        sheet: sheet.name.clone(),
                        column: headers.get(c.col as usize).cloned().unwrap_or_default(),
                        row: c.row + 1,
                        before: shown(sheet.cell(c.row, c.col())),
                        after: shown(&sc.value(c).data()),
                    }),
            );
        }
    }
    out
}

/// A cell as a person reads it, quoted; `(empty)` for nothing.
fn shown(cell: &Data) -> String {
    match cell {
        Data::Empty => "(empty)".into(),
        Data::DateTime(dt) => crate::text::format_serial(dt.as_f64()),
        other => format!("{:?}", other.to_string()),
    }
}

/// The dry-run listing of a whole run (printed on stdout); `previews` are the files' previews,
/// in the order of the report's files.
pub fn render(report: &RunReport, previews: &[Preview]) -> String {
    let none = Preview::default();
    report
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| file(f, previews.get(i).unwrap_or(&none)))
        .collect()
}

fn file(f: &FileReport, preview: &Preview) -> String {
    if f.status == Status::Failed {
        return format!(
            "{}: would fail: {}\n",
            f.input,
            f.error.as_deref().unwrap_or("unknown error")
        );
    }
    let mut deleted = if f.rows_deleted > 0 {
        format!(", would delete {} row(s)", thousands(f.rows_deleted))
    } else {
        String::new()
    };
    if let Some(profile) = &f.profile {
        deleted.push_str(&format!(", {profile} for its table"));
    }
    let mut out = format!(
        "{}: {} row(s), would change {} cell(s){deleted}\n",
        f.input,
        thousands(f.rows),
        thousands(f.cells_changed)
    );
    for sheet in &f.sheets {
        out.push_str(&format!(
            "  sheet '{}' ({} row(s))\n",
            sheet.name,
            thousands(sheet.rows)
        ));
        let width = sheet
            .columns
            .iter()
            .map(|c| column_name(&c.column).chars().count())
            .max()
            .unwrap_or(0);
        let action_width = sheet
            .columns
            .iter()
            .map(|c| c.action.len())
            .max()
            .unwrap_or(0);
        for c in &sheet.columns {
            let name = column_name(&c.column);
            let pad = width - name.chars().count();
            out.push_str(&format!(
                "    {name}{}  {:action_width$}  {} cell(s)\n",
                " ".repeat(pad),
                c.action,
                thousands(c.cells_changed)
            ));
            for s in preview
                .samples
                .iter()
                .filter(|s| s.sheet == sheet.name && s.column == c.column)
            {
                out.push_str(&format!(
                    "      row {}: {} -> {}\n",
                    s.row, s.before, s.after
                ));
            }
        }
        let mut rules: Vec<(&str, usize)> = Vec::new();
        for d in &sheet.deleted_rows {
            match rules.iter_mut().find(|(r, _)| *r == d.rule) {
                Some((_, n)) => *n += 1,
                None => rules.push((&d.rule, 1)),
            }
        }
        for (rule, n) in rules {
            out.push_str(&format!(
                "    would delete {} row(s): {rule}\n",
                thousands(n as u64)
            ));
        }
    }
    out
}

/// A header as listed: quoted when spaces at its ends matter.
fn column_name(header: &str) -> String {
    if header.is_empty() || header.trim() != header {
        format!("{header:?}")
    } else {
        header.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::Map;

    #[test]
    fn pairs_per_column_in_row_order() {
        let export = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 6,
            ..Default::default()
        });
        let book = crate::csv::read(&export.to_csv(), "users").unwrap();
        let map = Map::parse(
            "version = 1\n[columns]\n\"First Name\" = { action = \"replace\", value = \"Deleted\" }\n\"Middle Name\" = \"clear\"\n",
            "m",
            None,
        )
        .unwrap();
        let plan = crate::plan::resolve(&map, &book).unwrap();
        let changes = crate::apply::apply_plan(&map, &plan, &book);
        assert!(samples(&book, &plan, &changes, 0).is_empty());
        let got = samples(&book, &plan, &changes, 2);
        let first: Vec<_> = got.iter().filter(|s| s.column == "First Name").collect();
        assert_eq!(first.len(), 2);
        assert_eq!((first[0].row, first[1].row), (2, 3));
        assert_eq!(first[0].after, "\"Deleted\"");
        assert!(got
            .iter()
            .filter(|s| s.column == "Middle Name")
            .all(|s| s.after == "(empty)"));
    }
}
