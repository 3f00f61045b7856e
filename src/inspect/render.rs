//! The human-readable form of an inspection: one table per sheet.

use super::{BookInspection, ColumnInspection, SheetRole, TypeMix, Verdict};
use crate::workbook::Visibility;

/// Headers longer than this are cut in the table (the JSON form has them whole).
const HEADER_WIDTH: usize = 32;

/// Render one file's inspection as text tables. Sample values appear only if the inspection
/// holds them (`--samples`).
pub fn file(path: &str, report: &BookInspection) -> String {
    let mut out = String::new();
    let entity = report
        .entity
        .as_deref()
        .map_or_else(String::new, |e| format!(", Dynamics entity {e}"));
    out.push_str(&format!("{path} ({}{entity})\n", report.format));
    for sheet in &report.sheets {
        let visibility = match sheet.visibility {
            Visibility::Visible => "visible",
            Visibility::Hidden => "hidden",
            Visibility::VeryHidden => "very hidden",
        };
        let size = format!(
            "{} data row{}, {} column{}{}",
            crate::text::thousands(sheet.rows),
            plural(sheet.rows),
            sheet.width,
            plural(u64::from(sheet.width)),
            sheet
                .dimension
                .as_deref()
                .map_or_else(String::new, |d| format!(" ({d})"))
        );
        match sheet.role {
            SheetRole::Metadata => out.push_str(&format!(
                "  sheet '{}': {visibility}, Dynamics metadata{}; never changed\n",
                sheet.name,
                report
                    .entity
                    .as_deref()
                    .map_or_else(String::new, |e| format!(" of entity {e}"))
            )),
            SheetRole::NoHeader | SheetRole::Data | SheetRole::ValuesInHeader { .. } => {
                let judged = match &sheet.role {
                    SheetRole::NoHeader => {
                        "; row 1 is empty, so no header names its columns: judged on their values"
                            .to_string()
                    }
                    SheetRole::ValuesInHeader { column, kind } => format!(
                        "; row 1 holds values, not column names (column {column} holds {kind}): \
                         judged on their values; export it again with its header row before \
                         scrubbing"
                    ),
                    _ => String::new(),
                };
                out.push_str(&format!(
                    "  sheet '{}': {visibility}, {size}{judged}\n",
                    sheet.name
                ));
                out.push_str(&table(&sheet.columns, sheet.rows));
                let count = |v: Verdict| sheet.columns.iter().filter(|c| c.verdict == v).count();
                out.push_str(&format!(
                    "    {} personal, {} not personal, {} protected\n",
                    count(Verdict::Personal),
                    count(Verdict::NotPersonal),
                    count(Verdict::Protected)
                ));
                out.push_str(&samples(&sheet.columns));
            }
        }
    }
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn table(columns: &[ColumnInspection], rows: u64) -> String {
    let with_logical = columns.iter().any(|c| c.logical.is_some());
    let mut lines: Vec<Vec<String>> = vec![[
        "col", "header", "logical", "types", "fill", "max", "req", "verdict",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()];
    for c in columns {
        let letter = if c.hidden {
            format!("{} (h)", c.letter)
        } else {
            c.letter.clone()
        };
        let verdict = match c.verdict {
            Verdict::Personal => "PERSONAL",
            Verdict::NotPersonal => "not personal",
            Verdict::Protected => "protected",
        };
        lines.push(vec![
            letter,
            shown_header(&c.header),
            c.logical.clone().unwrap_or_default(),
            types(&c.types),
            percent(c.filled, rows),
            c.max_length.map_or_else(String::new, |m| m.to_string()),
            if c.required {
                "yes".into()
            } else {
                String::new()
            },
            format!("{verdict}: {}", c.reason),
        ]);
    }
    let columns_shown: Vec<usize> = (0..8).filter(|&i| i != 2 || with_logical).collect();
    let widths: Vec<usize> = (0..8)
        .map(|i| {
            lines
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &lines {
        let mut line = String::from("    ");
        for (n, &i) in columns_shown.iter().enumerate() {
            if n + 1 == columns_shown.len() {
                line.push_str(&row[i]);
            } else {
                let pad = widths[i] - row[i].chars().count();
                line.push_str(&row[i]);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A header as the table shows it: quoted when spaces at its ends matter (Dynamics writes
/// `" Full Name"`), cut when very long.
fn shown_header(header: &str) -> String {
    let clean: String = header
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cut = if clean.chars().count() > HEADER_WIDTH {
        let short: String = clean.chars().take(HEADER_WIDTH - 1).collect();
        format!("{short}…")
    } else {
        clean
    };
    if header.is_empty() || header.trim() != header {
        format!("\"{cut}\"")
    } else {
        cut
    }
}

/// `text`, `date`, `text 90% number 10%`, `-` for an empty column; `+ formula` when there are
/// formulas.
fn types(mix: &TypeMix) -> String {
    let parts = [
        ("text", mix.text),
        ("number", mix.number),
        ("date", mix.date),
        ("bool", mix.bool),
        ("error", mix.error),
    ];
    let total: u64 = parts.iter().map(|(_, n)| n).sum();
    let present: Vec<_> = parts.iter().filter(|(_, n)| *n > 0).collect();
    let mut out = match present.as_slice() {
        [] => "-".to_string(),
        [(name, _)] => (*name).to_string(),
        many => many
            .iter()
            .map(|(name, n)| format!("{name} {}", percent(*n, total)))
            .collect::<Vec<_>>()
            .join(" "),
    };
    if mix.formula > 0 {
        out.push_str(" +formula");
    }
    out
}

/// A share as a whole percentage that never rounds a part to 0% or 100%.
fn percent(n: u64, of: u64) -> String {
    if of == 0 || n == 0 {
        return "0%".into();
    }
    if n == of {
        return "100%".into();
    }
    let p = (n as f64 * 100.0 / of as f64).round() as u64;
    format!("{}%", p.clamp(1, 99))
}

fn samples(columns: &[ColumnInspection]) -> String {
    let mut out = String::new();
    let with: Vec<_> = columns
        .iter()
        .filter_map(|c| c.samples.as_ref().map(|s| (c, s)))
        .collect();
    if with.is_empty() {
        return out;
    }
    out.push_str("    samples (cell values: may be personal data, do not share this output):\n");
    for (c, values) in with {
        let shown: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        let list = if shown.is_empty() {
            "(empty)".to_string()
        } else {
            shown.join(", ")
        };
        out.push_str(&format!(
            "      {} {}: {list}\n",
            c.letter,
            shown_header(&c.header)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_never_round_to_the_ends() {
        assert_eq!(percent(1, 1000), "1%");
        assert_eq!(percent(999, 1000), "99%");
        assert_eq!(percent(5, 10), "50%");
        assert_eq!(percent(10, 10), "100%");
        assert_eq!(percent(0, 10), "0%");
    }

    #[test]
    fn headers_show_their_spaces() {
        assert_eq!(shown_header(" Full Name"), "\" Full Name\"");
        assert_eq!(shown_header("City"), "City");
        assert_eq!(shown_header(""), "\"\"");
        assert_eq!(shown_header(&"x".repeat(40)).chars().count(), HEADER_WIDTH);
    }

    #[test]
    fn type_mixes() {
        let mix = TypeMix {
            text: 9,
            number: 1,
            ..TypeMix::default()
        };
        assert_eq!(types(&mix), "text 90% number 10%");
        assert_eq!(types(&TypeMix::default()), "-");
        let f = TypeMix {
            text: 3,
            formula: 3,
            ..TypeMix::default()
        };
        assert_eq!(types(&f), "text +formula");
    }
}
