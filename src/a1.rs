//! A1 references: columns (`AB`), cells (`E2`, `$E$2`) and ranges (`A1:C9`, `E:E`), read and
//! written in one place.
//!
//! Numbers are zero-based: column `A` is 0 and row `1` is 0. A reference is read the way a
//! spreadsheet program reads it: letters in either case, `$` markers allowed before the letters
//! and before the digits, at most [`COLUMNS`] columns (`XFD`) and [`ROWS`] rows. Anything else
//! (no letters, a row 0, `XFE`, trailing text) is not a reference.
//!
//! This module depends on nothing else in the crate.

/// How many columns a sheet can have (`A` to `XFD`).
pub const COLUMNS: u32 = 16_384;
/// How many rows a sheet can have.
pub const ROWS: u32 = 1_048_576;

/// The most letters a column can have (`XFD`).
const MAX_LETTERS: usize = 3;

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
///
/// Any column is written, even past `XFD`, so a count shown to a reader is never lost.
pub fn column_letters(col: u32) -> String {
    let mut out = String::with_capacity(MAX_LETTERS);
    push_column_letters(&mut out, col);
    out
}

/// [`column_letters`] appended to `out` (no allocation of its own).
pub fn push_column_letters(out: &mut String, col: u32) {
    // u32::MAX + 1 needs 7 letters.
    let mut letters = [0u8; 7];
    let mut at = letters.len();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        at -= 1;
        letters[at] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    out.extend(letters[at..].iter().map(|&b| char::from(b)));
}

/// `(1, 4)` → `E2`.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut out = column_letters(col);
    out.push_str(&(u64::from(row) + 1).to_string());
    out
}

/// `A` → 0, `ab` → 27, `XFD` → 16383; `None` for anything but one to three letters naming a
/// column of a sheet.
pub fn parse_column(letters: &[u8]) -> Option<u32> {
    if letters.is_empty() || letters.len() > MAX_LETTERS {
        return None;
    }
    let mut n: u32 = 0;
    for &b in letters {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        n = n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1;
    }
    (n <= COLUMNS).then(|| n - 1)
}

/// The column letters a reference starts with (`AB` of `AB12`), without a `$` marker; empty
/// when it starts with something else.
#[inline]
pub fn leading_letters(reference: &[u8]) -> &[u8] {
    let letters = reference
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    &reference[..letters]
}

/// The 1-based column number any run of ASCII letters spells, past `XFD` too (`Some(0)` for
/// none, `None` on overflow): what a lenient reader such as calamine takes from a reference,
/// for the checks that must see the grid it would allocate. Everything else reads columns with
/// [`parse_column`].
#[inline]
pub fn column_number_unbounded(letters: &[u8]) -> Option<u64> {
    letters.iter().try_fold(0u64, |n, &b| {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        n.checked_mul(26)?
            .checked_add(u64::from(b.to_ascii_uppercase() - b'A') + 1)
    })
}

/// The zero-based column of a cell reference in `r="AB12"` where calamine places the cell:
/// every leading letter counts, past `XFD` too, so the writers find the cells calamine read.
/// Only the letters are read: this runs for every cell of a sheet.
pub fn column_of(reference: &[u8]) -> Option<u32> {
    let n = u32::try_from(column_number_unbounded(leading_letters(reference))?).ok()?;
    n.checked_sub(1)
}

/// `1` → 0, `1048576` → 1048575; `None` for anything but the digits of a sheet's row.
pub fn parse_row(digits: &[u8]) -> Option<u32> {
    // 1048576 has 7 digits; leading zeros are not a row number any writer makes.
    if digits.is_empty() || digits.len() > 7 || digits[0] == b'0' {
        return None;
    }
    let n = digits.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })?;
    (n <= ROWS).then(|| n - 1)
}

/// One end of a range: a cell (`$E$2`) or a whole column (`E`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ref {
    /// Zero-based column.
    pub col: u32,
    /// Zero-based row; `None` for a whole column.
    pub row: Option<u32>,
    /// Whether the column is written `$E`.
    pub col_absolute: bool,
    /// Whether the row is written `$2`.
    pub row_absolute: bool,
}

impl Ref {
    /// A cell or column reference: `E2`, `$E$2`, `e2`, `E`, `$E`.
    pub fn parse(reference: &str) -> Option<Ref> {
        Ref::parse_bytes(reference.as_bytes())
    }

    /// [`Ref::parse`] of a reference's bytes.
    pub fn parse_bytes(bytes: &[u8]) -> Option<Ref> {
        let (col_absolute, rest) = match bytes.strip_prefix(b"$") {
            Some(rest) => (true, rest),
            None => (false, bytes),
        };
        let letters = leading_letters(rest);
        let col = parse_column(letters)?;
        let rest = &rest[letters.len()..];
        if rest.is_empty() {
            return Some(Ref {
                col,
                row: None,
                col_absolute,
                row_absolute: false,
            });
        }
        let (row_absolute, digits) = match rest.strip_prefix(b"$") {
            Some(digits) => (true, digits),
            None => (false, rest),
        };
        Some(Ref {
            col,
            row: Some(parse_row(digits)?),
            col_absolute,
            row_absolute,
        })
    }
}

/// A cell reference (`E2`, `$E$2`, `e2`) as zero-based (row, column).
pub fn parse_cell(reference: &str) -> Option<(u32, u32)> {
    parse_cell_bytes(reference.as_bytes())
}

/// [`parse_cell`] of a reference's bytes.
pub fn parse_cell_bytes(reference: &[u8]) -> Option<(u32, u32)> {
    let r = Ref::parse_bytes(reference)?;
    Some((r.row?, r.col))
}

/// [`parse_cell_bytes`] of a reference as writers make it (upper case, no `$`); `None` for any
/// other, which the streaming readers leave to the workbook read whole. Read in one pass over
/// the bytes (every cell of a large sheet has one).
#[inline]
pub fn parse_written_cell(reference: &[u8]) -> Option<(u32, u32)> {
    let letters = reference
        .iter()
        .take(MAX_LETTERS + 1)
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    if letters == 0 || letters > MAX_LETTERS {
        return None;
    }
    let col = reference[..letters]
        .iter()
        .fold(0, |n, &b| n * 26 + u32::from(b - b'A') + 1);
    if col > COLUMNS {
        return None;
    }
    Some((parse_row(&reference[letters..])?, col - 1))
}

/// A range as written (`A1:C9`, `$A$1:$C$9`, `E:E`); a single reference is a range of one
/// (`A1` → `A1:A1`). The ends are as written, not ordered.
pub fn parse_range(range: &str) -> Option<(Ref, Ref)> {
    let (first, last) = range.split_once(':').unwrap_or((range, range));
    Some((Ref::parse(first)?, Ref::parse(last)?))
}

/// A range of cells (`B7:C9`, `B7`) as zero-based `(first row, first column, last row, last
/// column)` as written; `None` for whole columns.
pub fn parse_cell_range(range: &str) -> Option<(u32, u32, u32, u32)> {
    let (a, b) = parse_range(range)?;
    Some((a.row?, a.col, b.row?, b.col))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The one-pass reading of a written reference is the general reading of one that
        /// is upper case without markers, and `None` for any other.
        #[test]
        fn written_references_read_as_the_general_reading_reads_them(
            reference in prop_oneof![
                "[A-Z]{1,4}[0-9]{1,8}",
                "[A-Za-z$]{0,5}[0-9$]{0,9}[A-Z]?",
            ],
        ) {
            let bytes = reference.as_bytes();
            let plain = bytes.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            let general = plain.then(|| parse_cell_bytes(bytes)).flatten();
            prop_assert_eq!(parse_written_cell(bytes), general);
        }
    }

    #[test]
    fn written_references_are_upper_case_without_markers() {
        assert_eq!(parse_written_cell(b"B2"), Some((1, 1)));
        assert_eq!(parse_written_cell(b"XFD1048576"), Some((1_048_575, 16_383)));
        for other in [&b"b2"[..], b"$B$2", b"B", b"2", b"", b"B2 ", b"B0"] {
            assert_eq!(parse_written_cell(other), None, "{other:?}");
        }
        // Any other reference is one all the same.
        assert_eq!(parse_cell_bytes(b"$b$2"), Some((1, 1)));
    }

    #[test]
    fn columns_follow_excel() {
        for (col, letters) in [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (51, "AZ"),
            (52, "BA"),
            (701, "ZZ"),
            (702, "AAA"),
            (16_383, "XFD"),
        ] {
            assert_eq!(column_letters(col), letters);
            assert_eq!(parse_column(letters.as_bytes()), Some(col));
            assert_eq!(parse_column(letters.to_lowercase().as_bytes()), Some(col));
        }
        // Written past the sheet's edge, never read back from there.
        assert_eq!(column_letters(16_384), "XFE");
        assert_eq!(column_letters(u32::MAX), "MWLQKWV");
        assert_eq!(parse_column(b"XFE"), None);
        assert_eq!(parse_column(b"ZZZ"), None);
        for garbage in [&b""[..], b"ABCD", b"A1", b"$A", b"1", b"\xc3\xa9", b"A-"] {
            assert_eq!(parse_column(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn pushed_letters_are_appended() {
        let mut s = String::from("x");
        push_column_letters(&mut s, 27);
        push_column_letters(&mut s, 0);
        assert_eq!(s, "xABA");
    }

    #[test]
    fn rows_are_one_to_a_million() {
        assert_eq!(parse_row(b"1"), Some(0));
        assert_eq!(parse_row(b"1048576"), Some(1_048_575));
        for garbage in [
            &b""[..],
            b"0",
            b"01",
            b"1048577",
            b"99999999",
            b"1a",
            b"-1",
            b"+1",
        ] {
            assert_eq!(parse_row(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn cells_with_and_without_markers() {
        assert_eq!(parse_cell("A1"), Some((0, 0)));
        assert_eq!(parse_cell("E2"), Some((1, 4)));
        assert_eq!(parse_cell("aa10"), Some((9, 26)));
        assert_eq!(parse_cell("$E$2"), Some((1, 4)));
        assert_eq!(parse_cell("$E2"), Some((1, 4)));
        assert_eq!(parse_cell("E$2"), Some((1, 4)));
        assert_eq!(parse_cell("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(
            Ref::parse("$e$2"),
            Some(Ref {
                col: 4,
                row: Some(1),
                col_absolute: true,
                row_absolute: true
            })
        );
        assert_eq!(
            Ref::parse("E"),
            Some(Ref {
                col: 4,
                row: None,
                col_absolute: false,
                row_absolute: false
            })
        );
        for garbage in [
            "", "A0", "12", "ABCD1", "XFE1", "A1048577", "$", "$$A1", "A$$1", "A1$", "A1B", "A 1",
            "A1:", "É1", "E", "$E",
        ] {
            assert_eq!(parse_cell(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn ranges() {
        let cells = |r| parse_cell_range(r);
        assert_eq!(cells("A1:C9"), Some((0, 0, 8, 2)));
        assert_eq!(cells("$A$5:c9"), Some((4, 0, 8, 2)));
        assert_eq!(cells("B7"), Some((6, 1, 6, 1)));
        assert_eq!(cells("C9:A1"), Some((8, 2, 0, 0)));
        assert_eq!(cells("A1:XFD1048576"), Some((0, 0, 1_048_575, 16_383)));
        assert_eq!(cells("E:E"), None);
        let (a, b) = parse_range("E:F").unwrap();
        assert_eq!((a.col, a.row, b.col, b.row), (4, None, 5, None));
        for garbage in ["", ":", "A1:", ":A1", "A1:B2:C3", "A1 B2", "1:2"] {
            assert_eq!(parse_range(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn column_of_reads_the_letters_only() {
        assert_eq!(column_of(b"A1"), Some(0));
        assert_eq!(column_of(b"AB12"), Some(27));
        assert_eq!(column_of(b"XFD1"), Some(16_383));
        assert_eq!(column_of(b"12"), None);
        assert_eq!(column_of(b"XFE1"), Some(16_384));
        assert_eq!(column_of(b"MWLQKWU1"), Some(u32::MAX - 1));
        assert_eq!(column_of(b"MWLQKWV1"), None);
        assert_eq!(leading_letters(b"AB12"), b"AB");
        assert_eq!(leading_letters(b"$A$1"), b"");
    }

    #[test]
    fn unbounded_columns_go_past_the_edge() {
        assert_eq!(column_number_unbounded(b""), Some(0));
        assert_eq!(column_number_unbounded(b"A"), Some(1));
        assert_eq!(column_number_unbounded(b"xfd"), Some(16_384));
        assert_eq!(column_number_unbounded(b"XFE"), Some(16_385));
        assert_eq!(column_number_unbounded(b"ZZZZ"), Some(475_254));
        assert_eq!(column_number_unbounded(b"A1"), None);
        assert_eq!(column_number_unbounded(&[b'Z'; 14]), None);
    }

    proptest! {
        #[test]
        fn every_cell_round_trips(row in 0..ROWS, col in 0..COLUMNS, lower: bool, abs_col: bool, abs_row: bool) {
            let name = cell_name(row, col);
            prop_assert_eq!(parse_cell(&name), Some((row, col)));
            let letters = column_letters(col);
            let letters = if lower { letters.to_lowercase() } else { letters };
            let written = format!(
                "{}{letters}{}{}",
                if abs_col { "$" } else { "" },
                if abs_row { "$" } else { "" },
                row + 1
            );
            let r = Ref::parse(&written).unwrap();
            prop_assert_eq!(r, Ref { col, row: Some(row), col_absolute: abs_col, row_absolute: abs_row });
            prop_assert_eq!(column_of(name.as_bytes()), Some(col));
        }

        #[test]
        fn garbage_is_not_a_reference(s in "\\PC{0,12}") {
            // Never panics; whatever it accepts is written back the same, up to case and `$`.
            if let Some((row, col)) = parse_cell(&s) {
                prop_assert_eq!(cell_name(row, col), s.replace('$', "").to_uppercase());
            }
            let _ = parse_range(&s);
            let _ = column_of(s.as_bytes());
        }
    }
}
