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
    /// see [`super::vba::project`]) holds a module showing `macro_text` in a message box, in
    /// its compressed source.
    pub fn to_xlsm(&self, macro_text: &str) -> Vec<u8> {
        self.to_xlsm_with(&super::vba::project(&super::vba::message_box(macro_text)))
    }

    /// [`Export::to_xlsx`] as a macro-enabled workbook whose VBA project is `project`.
    pub fn to_xlsm_with(&self, project: &[u8]) -> Vec<u8> {
        self.xlsx_with(|workbook: &mut Workbook| {
            // rust_xlsxwriter takes the project from a file.
            let mut file = tempfile::NamedTempFile::new()?;
            file.write_all(project)?;
            workbook.add_vba_project(file.path())?;
            Ok::<(), XlsxError>(())
        })
    }
}
