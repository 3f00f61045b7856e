//! Formula cells as the writer streams them: values cached inside array and spill ranges (only
//! the top-left cell has the formula; the others hold plain values), and kept formulas whose text
//! names a removed value.

use super::Stop;
use crate::needles::Needles;

/// The array and spill ranges seen so far in a sheet, as the writer walks it row by row.
#[derive(Debug, Default)]
pub struct Arrays {
    /// Zero-based (first row, first column, last row, last column), anchor cell excluded by
    /// position.
    ranges: Vec<(u32, u32, u32, u32)>,
}

impl Arrays {
    /// Note a cell (its whole `<c>` element) at zero-based (`row`, `col`); returns whether it
    /// is inside an array range another cell anchors, so that its cached value must go.
    pub fn inside(&mut self, row: u32, col: u32, raw: &[u8]) -> bool {
        if let Some(range) = array_ref(raw) {
            self.ranges.push(range);
            return false;
        }
        self.ranges.retain(|r| r.2 >= row);
        self.ranges.iter().any(|&(r1, c1, r2, c2)| {
            (r1..=r2).contains(&row) && (c1..=c2).contains(&col) && (row, col) != (r1, c1)
        })
    }
}

/// The `<f>` start tag of a cell (any namespace prefix): its byte range and its name.
fn formula_tag(raw: &[u8]) -> Option<(std::ops::Range<usize>, &[u8])> {
    for at in memchr::memchr_iter(b'<', raw) {
        let name_start = at + 1;
        let len = raw[name_start..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))?;
        let name = &raw[name_start..name_start + len];
        let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
        if local == b"f" {
            let end = name_start
                + memchr::memchr(b'>', &raw[name_start..])
                    .map_or(raw.len() - name_start, |i| i + 1);
            return Some((at..end, name));
        }
    }
    None
}

/// The range of an array formula (`<f t="array" ref="B2:C9">`, or its start tag alone),
/// zero-based.
pub fn array_ref(raw: &[u8]) -> Option<(u32, u32, u32, u32)> {
    let (span, _) = formula_tag(raw)?;
    let tag = std::str::from_utf8(&raw[span]).ok()?;
    if !tag.contains("t=\"array\"") {
        return None;
    }
    let from = tag.find(" ref=\"")? + 6;
    let range = &tag[from..from + tag[from..].find('"')?];
    crate::a1::parse_cell_range(range)
}

/// Check a kept cell's formula text (`<f>...</f>`): a removed value named there cannot be
/// cleaned without changing what the formula computes.
///
/// # Errors
/// [`Stop::Uncleanable`] with `"a formula"`.
pub fn check_kept(raw: &[u8], needles: &Needles) -> Result<(), Stop> {
    if needles.is_empty() {
        return Ok(());
    }
    let Some((span, name)) = formula_tag(raw) else {
        return Ok(());
    };
    let open_end = span.end;
    if raw[..open_end].ends_with(b"/>") {
        return Ok(());
    }
    let closer = [b"</", name, b">"].concat();
    let Some(close) = memchr::memmem::find(&raw[open_end..], &closer) else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(&raw[open_end..open_end + close]);
    let text =
        quick_xml::escape::unescape(&text).map_or_else(|_| text.to_string(), |t| t.into_owned());
    if needles.found_in_markup(&text) {
        return Err(Stop::Uncleanable { place: "a formula" });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_of_array_and_spill_ranges_are_found() {
        let mut arrays = Arrays::default();
        let anchor = br#"<c r="B2" cm="1"><f t="array" ref="B2:C4">SORT(A2:A4)</f><v>x</v></c>"#;
        assert!(!arrays.inside(1, 1, anchor));
        assert!(arrays.inside(1, 2, br#"<c r="C2" t="str"><v>Anna</v></c>"#));
        assert!(arrays.inside(3, 1, b"<c><v>1</v></c>"));
        assert!(!arrays.inside(3, 3, b"<c><v>1</v></c>"));
        assert!(!arrays.inside(4, 1, b"<c><v>1</v></c>"));
    }

    #[test]
    fn kept_formulas_naming_a_value_fail() {
        let needles = Needles::new(&["Anna Berg"]);
        let raw = br#"<c r="A9" t="str"><f>IF(B2="Anna Berg",1,0)</f><v>1</v></c>"#;
        assert!(check_kept(raw, &needles).is_err());
        let raw = br#"<c r="A9"><f>E2&amp;" "&amp;G2</f><v>x</v></c>"#;
        assert!(check_kept(raw, &needles).is_ok());
        assert!(check_kept(br#"<c r="A9"><f t="shared" si="0"/></c>"#, &needles).is_ok());
        let raw = br#"<x:c r="A9" t="str"><x:f>"Anna Berg"</x:f><x:v>Anna Berg</x:v></x:c>"#;
        assert!(check_kept(raw, &needles).is_err());
        let mut arrays = Arrays::default();
        assert!(!arrays.inside(
            0,
            0,
            br#"<x:c r="A1"><x:f t="array" ref="A1:A2">B1:B2</x:f></x:c>"#
        ));
        assert!(arrays.inside(1, 0, b"<x:c r=\"A2\"><x:v>1</x:v></x:c>"));
    }
}
