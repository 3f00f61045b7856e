//! Workbooks that hold more than worksheets: a chart sheet, macros (`.xlsm`).

use super::{column_letter, Export};
use rust_xlsxwriter::{Chart, ChartType, Workbook, XlsxError};
use std::io::Write;

impl Export {
    /// [`Export::to_xlsx`] with a chart sheet `Chart1` as the first tab, charting the Created On
    /// dates per Business Unit (columns the default profile keeps).
    pub fn to_xlsx_with_chart_sheet(&self) -> Vec<u8> {
        let last = self.rows.len().max(1) + 1;
        let sheet = self.sheet_name.replace('\'', "''");
        let range = |logical: &str| {
            let col = column_letter(self.column_index(logical).unwrap_or(0));
            format!("'{sheet}'!${col}$2:${col}${last}")
        };
        let (categories, values) = (range("businessunitid"), range("createdon"));
        self.xlsx_with(|workbook: &mut Workbook| {
            let mut chart = Chart::new(ChartType::Column);
            chart
                .add_series()
                .set_categories(categories.as_str())
                .set_values(values.as_str());
            chart.title().set_name("Created on, per business unit");
            workbook.add_chartsheet().insert_chart(0, 0, &chart)?;
            Ok(())
        })
    }

    /// [`Export::to_xlsx`] as a macro-enabled workbook whose VBA project (`xl/vbaProject.bin`,
    /// see [`vba_project`]) holds `macro_text`.
    pub fn to_xlsm(&self, macro_text: &str) -> Vec<u8> {
        let project = vba_project(macro_text);
        self.xlsx_with(|workbook: &mut Workbook| {
            // rust_xlsxwriter takes the project from a file.
            let mut file = tempfile::NamedTempFile::new()?;
            file.write_all(&project)?;
            workbook.add_vba_project(file.path())?;
            Ok::<(), XlsxError>(())
        })
    }
}

/// A stand-in for a VBA project: a compound-file header, then a module whose source shows
/// `text` in a message box (in the project's code page, Latin-1 here, `?` for what it cannot
/// hold), then `text` again as UTF-16LE, as the project's names and strings are stored.
pub fn vba_project(text: &str) -> Vec<u8> {
    let mut out = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    out.resize(512, 0);
    let source = format!(
        "Attribute VB_Name = \"Module1\"\r\nSub Notify()\r\n    MsgBox \"{text}\"\r\nEnd Sub\r\n"
    );
    out.extend(
        source
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')),
    );
    out.extend([0, 0]);
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out.extend([0, 0]);
    out.resize(out.len().next_multiple_of(512), 0);
    out
}
