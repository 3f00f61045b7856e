//! Fidelity: the scrubbed file keeps everything the map does not scrub (DESIGN §4, §6).

use super::leaks::Package;
use super::{same_kept_cell, type_word, Context, Finding, Rule, Sink};
use crate::dynamics::Metadata;
use crate::workbook::Sheet;
use calamine::Data;
use std::collections::BTreeSet;

/// Compare the two files sheet by sheet and cell by cell.
pub(super) fn check(ctx: &Context, package: Option<&Package>) -> Sink {
    let mut sink = Sink::default();
    let workbook_part = package.map(|p| p.workbook.clone());
    let sheet_level = |sheet: &str, rule: Rule| Finding {
        part: workbook_part.clone(),
        sheet: Some(sheet.to_string()),
        row: None,
        col: None,
        column: None,
        rule,
    };
    let (original, scrubbed) = (ctx.original, ctx.scrubbed);
    for sheet in &original.sheets {
        if !scrubbed.sheets.iter().any(|s| s.name == sheet.name) {
            sink.push(sheet_level(&sheet.name, Rule::SheetMissing));
        }
    }
    for sheet in &scrubbed.sheets {
        if !original.sheets.iter().any(|s| s.name == sheet.name) {
            sink.push(sheet_level(&sheet.name, Rule::SheetAdded));
        }
    }
    let order: Vec<usize> = ctx.to_original.iter().flatten().copied().collect();
    if order.windows(2).any(|w| w[0] > w[1]) {
        sink.push(Finding {
            sheet: None,
            ..sheet_level("", Rule::SheetOrder)
        });
    }
    let metadata = original.metadata();
    for (s, o) in ctx
        .to_original
        .iter()
        .enumerate()
        .filter_map(|(s, o)| o.map(|o| (s, o)))
    {
        let part = package.and_then(|p| p.sheet_part(s)).map(str::to_string);
        check_sheet(ctx, &mut sink, part, s, o, metadata.as_ref());
    }
    sink
}

fn check_sheet(
    ctx: &Context,
    sink: &mut Sink,
    part: Option<String>,
    s: usize,
    o: usize,
    metadata: Option<&Metadata>,
) {
    let (before, after) = (&ctx.original.sheets[o], &ctx.scrubbed.sheets[s]);
    let finding = |row: Option<u32>, col: Option<u32>, rule: Rule| Finding {
        part: part.clone(),
        sheet: Some(after.name.clone()),
        row,
        col,
        column: col.and_then(|c| ctx.header(s, c)),
        rule,
    };
    if before.visibility != after.visibility {
        sink.push(finding(
            None,
            None,
            Rule::SheetVisibility {
                original: before.visibility,
                scrubbed: after.visibility,
            },
        ));
    }
    if before.layout.code_name != after.layout.code_name {
        sink.push(finding(None, None, Rule::CodeName));
    }
    let (hidden_before, hidden_after) = (hidden_columns(before), hidden_columns(after));
    for &col in hidden_before.symmetric_difference(&hidden_after) {
        let original = hidden_before.contains(&col);
        sink.push(finding(None, Some(col), Rule::ColumnHidden { original }));
    }

    let headers = &ctx.headers[o];
    let protected = crate::plan::protected_columns(headers, metadata);
    let is_protected = |c: u32| protected.get(c as usize).copied().unwrap_or(false);
    let is_metadata = before.holds_metadata();
    let width = before.width().max(after.width());
    // A formula whose cached value a writer dropped is an empty cell to calamine, and so are
    // the results of an array formula: a sheet of text formulas would otherwise look as if it
    // had lost its rows.
    let height = |s: &crate::workbook::Sheet| {
        let formulas = s
            .formulas
            .as_ref()
            .and_then(|f| f.end())
            .map_or(0, |(r, _)| r + 1);
        let arrays = s.layout.array_ranges.iter().map(|a| a.last_row + 1).max();
        s.height().max(formulas).max(arrays.unwrap_or(0))
    };
    let (height_before, height_after) = (height(before), height(after));
    let deleted: &[crate::apply::Deletion] = ctx.changes[o].map_or(&[], |sc| &sc.deleted);
    // Walk the original's rows, skipping those the row rules delete; each kept row is the next
    // row of the scrubbed sheet. A row missing in the middle shifts every row after it, so it
    // shows as the row count finding plus (a limited number of) cell findings.
    let mut rows_ok = true;
    let mut cursor = 0;
    let mut next: u32 = 0;
    for row in 0..height_before {
        while deleted.get(cursor).is_some_and(|d| d.row < row) {
            cursor += 1;
        }
        if deleted.get(cursor).is_some_and(|d| d.row == row) {
            continue;
        }
        let out = next;
        next += 1;
        if out >= height_after {
            // A trailing row whose only content was scrubbed away may legitimately end the
            // sheet earlier; anything else is a row lost.
            rows_ok &= (0..width).all(|c| {
                ctx.is_target(o, c)
                    || is_blank(before.cell(row, c))
                    || before.layout.in_array_result(row, c)
            });
            continue;
        }
        for col in 0..width {
            // The header row is never scrubbed; below it the map's columns are the leak
            // check's business.
            if row > 0 && ctx.is_target(o, col) {
                continue;
            }
            let (a, b) = (before.cell(row, col), after.cell(out, col));
            let (fa, fb) = (before.formula(row, col), after.formula(out, col));
            if fa.is_some() || fb.is_some() {
                // A formula's cached value is Excel's to recompute (and a writer may blank it
                // because it can repeat removed text); the formula itself must stay. Below a
                // deleted row another tool may have rewritten its references (ours refuse to
                // delete rows around formulas), so there it is not compared as text.
                let shifted = deleted.first().is_some_and(|d| d.row < row);
                // An array formula must stay one over a range of the same size: written as a
                // plain formula it computes one value, and its results become cells of their
                // own.
                let extent = |s: &Sheet, r: u32| {
                    s.layout
                        .array_at(r, col)
                        .map(|a| (a.last_row - a.first_row, a.last_col - a.first_col))
                };
                let array_changed = extent(before, row) != extent(after, out);
                if (fa != fb || array_changed) && !shifted && !is_error_as_formula(a, fa, fb) {
                    sink.push(finding(Some(out), Some(col), Rule::FormulaChanged));
                }
                continue;
            }
            if same_kept_cell(ctx.original, a, b) {
                continue;
            }
            // A cached result inside an array or spill range (the formula is in its top-left
            // cell): scrub removes it with the other cached values (the rebuild writer leaves a
            // placeholder, still inside the range), and Excel recomputes it.
            if before.layout.in_array_result(row, col)
                && (is_blank(b) || after.layout.in_array_result(out, col))
            {
                continue;
            }
            let rule = if is_metadata {
                Rule::MetadataChanged
            } else if row == 0 {
                Rule::HeaderChanged
            } else if is_protected(col) {
                Rule::ProtectedChanged
            } else {
                Rule::CellChanged {
                    original: type_word(a),
                    scrubbed: type_word(b),
                }
            };
            sink.push(finding(Some(out), Some(col), rule));
        }
    }
    rows_ok &= (next..height_after).all(|r| (0..width).all(|c| is_blank(after.cell(r, c))));
    if !rows_ok {
        sink.push(finding(
            None,
            None,
            Rule::RowCount {
                original: height_before.saturating_sub(1),
                deleted: deleted.len() as u32,
                scrubbed: height_after.saturating_sub(1),
            },
        ));
    }
}

pub(super) fn is_blank(d: &Data) -> bool {
    matches!(d, Data::Empty) || matches!(d, Data::String(s) if s.is_empty())
}

/// The rebuild writer has no error cells and writes `#N/A` as the formula `=#N/A`, which shows
/// and calculates the same.
fn is_error_as_formula(value: &Data, before: Option<&str>, after: Option<&str>) -> bool {
    match (value, before, after) {
        (Data::Error(e), None, Some(f)) => f.trim_start_matches('=') == e.to_string(),
        _ => false,
    }
}

/// Zero-based indices of the hidden columns.
pub(super) fn hidden_columns(sheet: &Sheet) -> BTreeSet<u32> {
    sheet
        .layout
        .columns
        .iter()
        .filter(|c| c.hidden)
        // Excel has 16,384 columns; a span past that is clamped rather than expanded.
        .flat_map(|c| c.first..=c.last.min(16_383))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{check, Outcome, Rule};
    use crate::apply::apply_plan;
    use crate::map::Map;
    use crate::plan::resolve;
    use crate::workbook::{ColumnLayout, Format, Layout, Sheet, Visibility, Workbook};
    use calamine::{Data, Range};

    fn sheet(name: &str, rows: &[&[&str]]) -> Sheet {
        let width = rows.iter().map(|r| r.len()).max().unwrap_or(0) as u32;
        let mut cells = Range::new((0, 0), (rows.len() as u32 - 1, width - 1));
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    cells.set_value((r as u32, c as u32), Data::String(v.to_string()));
                }
            }
        }
        Sheet {
            name: name.into(),
            visibility: Visibility::Visible,
            cells,
            formulas: None,
            layout: Layout::default(),
            record_lengths: None,
        }
    }

    fn book(sheets: Vec<Sheet>) -> Workbook {
        Workbook {
            sheets,
            format: Format::Csv(crate::dialect::Dialect::sniff(b"a\n", false)),
            created: None,
        }
    }

    fn users() -> Workbook {
        let mut s = sheet(
            "Users",
            &[
                &["(Do Not Modify) User", "First Name", "Team"],
                &["id-1", "Zoë", "Ops"],
                &["id-2", "Mary", "Primary Support"],
            ],
        );
        s.layout.columns.push(ColumnLayout {
            first: 0,
            last: 0,
            width: None,
            hidden: true,
        });
        book(vec![s])
    }

    fn map() -> Map {
        Map::parse(
            "version = 1\n[columns]\n\"First Name\" = { action = \"replace\", value = \"Deleted\" }\n",
            "m",
            None,
        )
        .unwrap()
    }

    /// Verify `scrubbed` against `users()` in memory (no leak scan of raw parts: CSV model).
    fn verify(scrubbed: &Workbook) -> Outcome {
        let original = users();
        let map = map();
        let plan = resolve(&map, &original).unwrap();
        let changes = apply_plan(&map, &plan, &original);
        check(&map, &original, &plan, &changes, scrubbed, None).unwrap()
    }

    fn good() -> Workbook {
        let mut b = users();
        b.sheets[0]
            .cells
            .set_value((1, 1), Data::String("Deleted".into()));
        b.sheets[0]
            .cells
            .set_value((2, 1), Data::String("Deleted".into()));
        b
    }

    fn rules(o: &Outcome) -> Vec<String> {
        o.findings.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_good_scrub_passes() {
        let o = verify(&good());
        assert!(o.passed(), "{:?}", rules(&o));
        assert_eq!(o.searched, 1, "Mary (Zoë is too short)");
        assert_eq!(o.skipped, 2, "Zoë, and Zoe, the name without its accent");
    }

    #[test]
    fn each_fidelity_break_is_named() {
        let mut b = good();
        b.sheets[0].cells.set_value((1, 2), Data::Float(1.0));
        b.sheets[0]
            .cells
            .set_value((2, 0), Data::String("id-3".into()));
        b.sheets[0]
            .cells
            .set_value((0, 2), Data::String("Teams".into()));
        b.sheets[0].layout.columns.clear();
        b.sheets[0].visibility = Visibility::Hidden;
        let o = verify(&b);
        let r = rules(&o);
        assert_eq!(o.fidelity(), 5, "{r:?}");
        assert!(
            r.contains(
                &"sheet 'Users': the sheet is hidden but visible in the original".to_string()
            ),
            "{r:?}"
        );
        assert!(
            r.iter().any(|f| f.starts_with(
                "sheet 'Users', column A ((Do Not Modify) User): the column is visible"
            )),
            "{r:?}"
        );
        assert!(
            r.iter()
                .any(|f| f.starts_with("sheet 'Users', cell C1 (Team): the header differs")),
            "{r:?}"
        );
        assert!(
            r.iter().any(|f| f.starts_with(
                "sheet 'Users', cell A3 ((Do Not Modify) User): a protected column's cell differs"
            )),
            "{r:?}"
        );
        assert!(r.iter().any(|f| f.starts_with("sheet 'Users', cell C2 (Team): the cell is outside the map's columns but its type changed from text to number")), "{r:?}");
    }

    #[test]
    fn renamed_and_lost_rows_are_named() {
        let mut b = good();
        b.sheets[0].name = "Users2".into();
        let r = rules(&verify(&b));
        assert!(
            r.contains(
                &"sheet 'Users': this sheet of the original is missing (renamed or removed)"
                    .to_string()
            ),
            "{r:?}"
        );
        assert!(
            r.contains(&"sheet 'Users2': this sheet is not in the original".to_string()),
            "{r:?}"
        );

        let mut b = good();
        b.sheets[0].cells = b.sheets[0].cells.range((0, 0), (1, 2));
        let r = rules(&verify(&b));
        assert_eq!(
            r,
            ["sheet 'Users': the sheet has 1 data row(s), the original 2"]
        );
    }

    #[test]
    fn kept_matches_are_fine_and_scrubbed_ones_are_leaks() {
        // "Mary" was removed from First Name; it is also a kept team name in another row.
        let mut b = good();
        b.sheets[0]
            .cells
            .set_value((1, 2), Data::String("Mary".into()));
        let mut original = users();
        original.sheets[0]
            .cells
            .set_value((1, 2), Data::String("Mary".into()));
        let map = map();
        let plan = resolve(&map, &original).unwrap();
        let changes = apply_plan(&map, &plan, &original);
        let o = check(&map, &original, &plan, &changes, &b, None).unwrap();
        assert!(o.passed(), "{:?}", rules(&o));

        // Left in the scrubbed cell: a leak, and "Primary Support" never matches.
        let mut b = good();
        b.sheets[0]
            .cells
            .set_value((2, 1), Data::String("mary".into()));
        let o = verify(&b);
        assert_eq!(
            rules(&o),
            ["sheet 'Users', cell B3 (First Name): leak: a value the map removed is still in a cell the map scrubbed"]
        );
        assert!(matches!(o.findings[0].rule, Rule::Leak(_)));
    }
}
