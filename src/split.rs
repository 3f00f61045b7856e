//! Import-sized parts: one output split into files the import wizard accepts (it refuses files
//! over 8 MB). Every part is a complete import-ready file: the same sheets, header, hidden
//! columns and metadata sheet, with the data sheet holding only its share of the rows (the
//! writers fit the dimension, table and autofilter ranges to them).

use crate::apply::{changes_at, Deletion, SheetChanges};
use std::path::{Path, PathBuf};

/// How to split outputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartLimits {
    /// At most this many data rows per part.
    pub max_rows: Option<usize>,
    /// At most this many bytes per part, as written.
    pub max_bytes: Option<u64>,
}

impl PartLimits {
    /// Whether outputs are split at all.
    pub fn active(&self) -> bool {
        self.max_rows.is_some() || self.max_bytes.is_some()
    }
}

/// Not a row rule: marks rows removed from a part because they belong to another part.
pub const OTHER_PART: usize = usize::MAX;

/// `out/users.xlsx`, 1 → `out/users.part-001.xlsx`.
pub fn part_path(output: &Path, number: usize) -> PathBuf {
    let stem = output.file_stem().unwrap_or_default().to_string_lossy();
    let name = match output.extension() {
        Some(ext) => format!("{stem}.part-{number:03}.{}", ext.to_string_lossy()),
        None => format!("{stem}.part-{number:03}"),
    };
    output.with_file_name(name)
}

/// The changes of a part that keeps only the data rows `keep` (ascending) of sheet `sheet`,
/// whose rows run from 1 to `height - 1`.
pub fn part_changes(
    changes: &[SheetChanges],
    sheet: usize,
    keep: &[u32],
    height: u32,
) -> Vec<SheetChanges> {
    let kept = |row: u32| keep.binary_search(&row).is_ok();
    let mut out: Vec<SheetChanges> = changes
        .iter()
        .filter(|c| c.sheet != sheet)
        .cloned()
        .collect();
    let mut part = SheetChanges {
        sheet,
        deleted: (1..height)
            .filter(|&row| !kept(row))
            .map(|row| Deletion {
                row,
                rule: OTHER_PART,
            })
            .collect(),
        ..SheetChanges::default()
    };
    if let Some(base) = changes_at(changes, sheet) {
        for c in base.cells.iter().filter(|c| kept(c.row)) {
            part.push(c.row, c.col(), c.rule(), base.value(c).data().into_owned());
        }
    }
    out.push(part);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::Change;

    #[test]
    fn part_names() {
        assert_eq!(
            part_path(Path::new("out/users.xlsx"), 1),
            Path::new("out/users.part-001.xlsx")
        );
        assert_eq!(
            part_path(Path::new("a.csv"), 12),
            Path::new("a.part-012.csv")
        );
    }

    #[test]
    fn parts_keep_their_rows_and_changes() {
        let change = |row| Change {
            row,
            col: 0,
            rule: 0,
            new: crate::apply::New::CLEARED,
        };
        let changes = vec![SheetChanges {
            sheet: 0,
            cells: vec![change(1), change(3)],
            deleted: vec![Deletion { row: 2, rule: 0 }],
            ..SheetChanges::default()
        }];
        let part = part_changes(&changes, 0, &[3, 4], 5);
        assert_eq!(part[0].cells, vec![change(3)]);
        assert_eq!(
            part[0].deleted.iter().map(|d| d.row).collect::<Vec<_>>(),
            [1, 2]
        );
    }
}
