//! The byte layout of a workbook written by Dynamics itself and never opened in Excel.
//!
//! Dynamics writes its exports with the Open XML SDK, which gives them a layout of their own:
//! every SpreadsheetML element carries a namespace prefix (`<x:row>`, `<x:c>`), each XML part
//! starts with a UTF-8 byte-order mark, text cells are inline strings (`t="inlineStr"`), there is
//! no shared strings part, no theme and no `docProps/`, relationship targets are absolute
//! (`/xl/worksheets/sheet2.xml`) and relationship ids are words (`dataSheet`,
//! `hiddenDataSheet`, `dataSheetStyle`). The data sheet lives in `sheet2.xml` and `hiddenSheet`
//! in `sheet.xml`. Older exports carry a web query (`xl/connections.xml`,
//! `xl/queryTables/queryTable.xml` and the defined name `Query_from_Microsoft_CRM`) where newer
//! ones carry an Excel table.

use super::{
    column_letter, column_width, is_date_column, is_number_column, Export, Value, ACCESS_MODES,
    LICENSE_TYPES, STATUSES,
};
use std::io::{Cursor, Write};

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const CT: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml";
const BOM: &str = "\u{FEFF}";
const DECLARATION: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;

/// Which raw layout to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawLayout {
    /// The namespace prefix of every SpreadsheetML element (Dynamics writes `x`).
    pub prefix: &'static str,
    /// The older flavour: a web query (`xl/connections.xml`, `xl/queryTables/queryTable.xml`,
    /// the defined name `Query_from_Microsoft_CRM`) instead of an Excel table.
    pub query: bool,
}

impl Default for RawLayout {
    fn default() -> Self {
        RawLayout {
            prefix: "x",
            query: false,
        }
    }
}

/// Escape text for XML content and attribute values.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Cell styles of the raw styles part: 0 general, 1 text (`@`), 2 date and time.
const STYLE_TEXT: u32 = 1;
const STYLE_DATE: u32 = 2;

impl Export {
    /// The workbook as Dynamics writes it, before anyone opens it in Excel: see the
    /// [module documentation](self::raw) for the layout. The newer flavour, with an Excel table
    /// and the `x:` prefix.
    pub fn to_dynamics_raw_xlsx(&self) -> Vec<u8> {
        self.to_dynamics_raw_xlsx_with(RawLayout::default())
    }

    /// [`Export::to_dynamics_raw_xlsx`] with another prefix or the older web-query flavour.
    pub fn to_dynamics_raw_xlsx_with(&self, layout: RawLayout) -> Vec<u8> {
        let p = layout.prefix;
        let x = |name: &str| {
            if p.is_empty() {
                name.to_string()
            } else {
                format!("{p}:{name}")
            }
        };
        let ns = if p.is_empty() {
            format!(r#"xmlns="{MAIN}""#)
        } else {
            format!(r#"xmlns:{p}="{MAIN}""#)
        };
        let last_col = column_letter(self.columns.len() - 1);
        let last_row = self.rows.len().max(1) + 1;
        let range = format!("A1:{last_col}{last_row}");
        let mut parts: Vec<(String, String)> = Vec::new();

        // Content types and package relationships.
        let mut types = format!(
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="{CT}.worksheet+xml"/><Override PartName="/xl/worksheets/sheet.xml" ContentType="{CT}.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>"#
        );
        if self.options.extra_sheet {
            types.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet3.xml" ContentType="{CT}.worksheet+xml"/>"#));
        }
        if layout.query {
            types.push_str(&format!(r#"<Override PartName="/xl/connections.xml" ContentType="{CT}.connections+xml"/><Override PartName="/xl/queryTables/queryTable.xml" ContentType="{CT}.queryTable+xml"/>"#));
        } else {
            types.push_str(&format!(
                r#"<Override PartName="/xl/tables/table.xml" ContentType="{CT}.table+xml"/>"#
            ));
        }
        types.push_str("</Types>");
        parts.push(("[Content_Types].xml".into(), types));
        parts.push((
            "_rels/.rels".into(),
            format!(r#"<Relationships xmlns="{PKG}"><Relationship Type="{REL}/officeDocument" Target="/xl/workbook.xml" Id="workbook"/></Relationships>"#),
        ));

        // The workbook and its relationships.
        let mut sheets = format!(
            r#"<{sheet} name="{}" sheetId="1" r:id="dataSheet"/><{sheet} name="hiddenSheet" sheetId="2" state="veryHidden" r:id="hiddenDataSheet"/>"#,
            esc(&self.sheet_name),
            sheet = x("sheet")
        );
        let mut rels = format!(
            r#"<Relationships xmlns="{PKG}"><Relationship Type="{REL}/worksheet" Target="/xl/worksheets/sheet2.xml" Id="dataSheet"/><Relationship Type="{REL}/worksheet" Target="/xl/worksheets/sheet.xml" Id="hiddenDataSheet"/><Relationship Type="{REL}/styles" Target="/xl/styles.xml" Id="dataSheetStyle"/>"#
        );
        if self.options.extra_sheet {
            sheets.push_str(&format!(
                r#"<{} name="Notes" sheetId="3" r:id="notesSheet"/>"#,
                x("sheet")
            ));
            rels.push_str(&format!(r#"<Relationship Type="{REL}/worksheet" Target="/xl/worksheets/sheet3.xml" Id="notesSheet"/>"#));
        }
        let mut names = String::new();
        if layout.query {
            rels.push_str(&format!(r#"<Relationship Type="{REL}/connections" Target="/xl/connections.xml" Id="connections"/>"#));
            names = format!(
                r#"<{dn}s><{dn} name="Query_from_Microsoft_CRM" localSheetId="0" hidden="1">'{}'!$A$1:${last_col}${last_row}</{dn}></{dn}s>"#,
                esc(&self.sheet_name.replace('\'', "''")),
                dn = x("definedName")
            );
        }
        rels.push_str("</Relationships>");
        parts.push((
            "xl/workbook.xml".into(),
            format!(
                r#"<{wb} xmlns:r="{REL}" {ns}><{bv}><{view} /></{bv}><{s}>{sheets}</{s}>{names}</{wb}>"#,
                wb = x("workbook"),
                bv = x("bookViews"),
                view = x("workbookView"),
                s = x("sheets"),
            ),
        ));
        parts.push(("xl/_rels/workbook.xml.rels".into(), rels));

        // The data sheet.
        let mut data = format!(
            r#"<{ws} xmlns:r="{REL}" {ns}><{pr} codeName="dataSheet"/><{cols}>"#,
            ws = x("worksheet"),
            pr = x("sheetPr"),
            cols = x("cols")
        );
        for (i, column) in self.columns.iter().enumerate() {
            let n = i + 1;
            let style = if is_date_column(column) {
                STYLE_DATE
            } else if is_number_column(column) {
                0
            } else {
                STYLE_TEXT
            };
            let hidden = if column.protected {
                r#" hidden="1""#
            } else {
                ""
            };
            data.push_str(&format!(
                r#"<{} min="{n}" max="{n}" width="{}" style="{style}"{hidden} customWidth="1"/>"#,
                x("col"),
                column_width(column)
            ));
        }
        data.push_str(&format!("</{}><{}>", x("cols"), x("sheetData")));
        let inline = |r: &str, style: u32, text: &str| {
            let preserve = if text.starts_with(' ') || text.ends_with(' ') {
                r#" xml:space="preserve""#
            } else {
                ""
            };
            format!(
                r#"<{c} r="{r}" s="{style}" t="inlineStr"><{is}><{t}{preserve}>{}</{t}></{is}></{c}>"#,
                esc(text),
                c = x("c"),
                is = x("is"),
                t = x("t")
            )
        };
        data.push_str(&format!(r#"<{} r="1">"#, x("row")));
        for (i, column) in self.columns.iter().enumerate() {
            data.push_str(&inline(&format!("{}1", column_letter(i)), 0, column.header));
        }
        data.push_str(&format!("</{}>", x("row")));
        let first_name = self.column_index("firstname").unwrap_or(4);
        let last_name = self.column_index("lastname").unwrap_or(6);
        for (r, row) in self.rows.iter().enumerate() {
            let n = r + 2;
            data.push_str(&format!(r#"<{} r="{n}">"#, x("row")));
            for (i, value) in row.iter().enumerate() {
                let at = format!("{}{n}", column_letter(i));
                let column = &self.columns[i];
                if column.logical == "custom_display" {
                    if let Value::Text(cached) = value {
                        data.push_str(&format!(
                            r#"<{c} r="{at}" s="{STYLE_TEXT}" t="str"><{f}>{}{n}&amp;" "&amp;{}{n}</{f}><{v}>{}</{v}></{c}>"#,
                            column_letter(first_name),
                            column_letter(last_name),
                            esc(cached),
                            c = x("c"),
                            f = x("f"),
                            v = x("v")
                        ));
                    }
                    continue;
                }
                match value {
                    Value::Text(s) => data.push_str(&inline(&at, STYLE_TEXT, s)),
                    Value::Number(v) | Value::DateTime(v) => {
                        let style = if is_date_column(column) {
                            STYLE_DATE
                        } else {
                            0
                        };
                        data.push_str(&format!(
                            r#"<{c} r="{at}" s="{style}"><{v}>{v_}</{v}></{c}>"#,
                            c = x("c"),
                            v = x("v"),
                            v_ = v
                        ));
                    }
                    Value::Empty => {}
                }
            }
            data.push_str(&format!("</{}>", x("row")));
        }
        data.push_str(&format!("</{}>", x("sheetData")));
        data.push_str(&self.raw_validations(&x));
        if !layout.query {
            data.push_str(&format!(
                r#"<{tps} count="1"><{tp} r:id="dataTable"/></{tps}>"#,
                tps = x("tableParts"),
                tp = x("tablePart")
            ));
        }
        data.push_str(&format!("</{}>", x("worksheet")));
        parts.push(("xl/worksheets/sheet2.xml".into(), data));
        let sheet_rels = if layout.query {
            format!(
                r#"<Relationships xmlns="{PKG}"><Relationship Type="{REL}/queryTable" Target="/xl/queryTables/queryTable.xml" Id="queryTable"/></Relationships>"#
            )
        } else {
            format!(
                r#"<Relationships xmlns="{PKG}"><Relationship Type="{REL}/table" Target="/xl/tables/table.xml" Id="dataTable"/></Relationships>"#
            )
        };
        parts.push(("xl/worksheets/_rels/sheet2.xml.rels".into(), sheet_rels));

        // The table, or the web query of older exports.
        if layout.query {
            parts.push((
                "xl/connections.xml".into(),
                format!(
                    r#"<{cs} {ns}><{c} id="1" name="Query from Microsoft CRM" type="4" refreshedVersion="3" background="1" saveData="1"><{w} sourceData="1" parsePre="1" consecutive="1" xl2000="1" url="https://contoso.crm.dynamics.com/_grid/print/print_data.aspx?entityname={}&amp;viewid=%7b00000000-0000-0000-00aa-000010001019%7d&amp;filter=isdisabled%20eq%201"/></{c}></{cs}>"#,
                    self.entity,
                    cs = x("connections"),
                    c = x("connection"),
                    w = x("webPr"),
                ),
            ));
            let mut fields = String::new();
            for (i, column) in self.columns.iter().enumerate() {
                fields.push_str(&format!(
                    r#"<{f} id="{}" name="{}"/>"#,
                    i + 1,
                    esc(column.header),
                    f = x("queryTableField")
                ));
            }
            parts.push((
                "xl/queryTables/queryTable.xml".into(),
                format!(
                    r#"<{q} {ns} name="Query from Microsoft CRM" connectionId="1" autoFormatId="16" applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="1" applyPatternFormats="1" applyAlignmentFormats="0" applyWidthHeightFormats="0"><{qr} nextId="{}"><{qfs} count="{}">{fields}</{qfs}></{qr}></{q}>"#,
                    self.columns.len() + 1,
                    self.columns.len(),
                    q = x("queryTable"),
                    qr = x("queryTableRefresh"),
                    qfs = x("queryTableFields"),
                ),
            ));
        } else {
            let mut columns = String::new();
            for (i, column) in self.columns.iter().enumerate() {
                columns.push_str(&format!(
                    r#"<{tc} id="{}" name="{}"/>"#,
                    i + 1,
                    esc(column.header),
                    tc = x("tableColumn")
                ));
            }
            parts.push((
                "xl/tables/table.xml".into(),
                format!(
                    r#"<{t} {ns} id="1" name="Table1" displayName="Table1" ref="{range}"><{af} ref="{range}"/><{tcs} count="{}">{columns}</{tcs}><{si} name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></{t}>"#,
                    self.columns.len(),
                    t = x("table"),
                    af = x("autoFilter"),
                    tcs = x("tableColumns"),
                    si = x("tableStyleInfo"),
                ),
            ));
        }

        // hiddenSheet: the metadata in A1, option-set labels in rows 2 to 4.
        let mut hidden = format!(
            r#"<{ws} {ns}><{pr} codeName="hiddenDataSheet"/><{sd}><{row} r="1">{}</{row}>"#,
            inline("A1", 0, &self.metadata_a1()),
            ws = x("worksheet"),
            pr = x("sheetPr"),
            sd = x("sheetData"),
            row = x("row")
        );
        for (r, labels) in [ACCESS_MODES, STATUSES, LICENSE_TYPES].iter().enumerate() {
            let n = r + 2;
            hidden.push_str(&format!(r#"<{} r="{n}">"#, x("row")));
            for (c, label) in labels.iter().enumerate() {
                hidden.push_str(&inline(&format!("{}{n}", column_letter(c)), 0, label));
            }
            hidden.push_str(&format!("</{}>", x("row")));
        }
        hidden.push_str(&format!("</{}></{}>", x("sheetData"), x("worksheet")));
        parts.push(("xl/worksheets/sheet.xml".into(), hidden));

        if self.options.extra_sheet {
            // The sheet a person adds by hand, as `Export::to_xlsx` writes it.
            let notes = [
                (
                    "Scope",
                    "IT Service Desk",
                    "Disabled accounts exported for the quarterly access review.",
                ),
                (
                    "Retention",
                    "Compliance Office",
                    "Delete this file 30 days after the review closes.",
                ),
                (
                    "Re-import",
                    "IT Service Desk",
                    "Do not rename columns; use the Data Import wizard.",
                ),
            ];
            let row =
                |n: usize, cells: String| format!(r#"<{r} r="{n}">{cells}</{r}>"#, r = x("row"));
            let mut rows = row(
                1,
                [
                    inline("A1", 0, "Topic"),
                    inline("B1", 0, "Owner"),
                    inline("C1", 0, "Note"),
                ]
                .concat(),
            );
            for (i, (topic, owner, note)) in notes.iter().enumerate() {
                let n = i + 2;
                rows.push_str(&row(
                    n,
                    [
                        inline(&format!("A{n}"), 0, topic),
                        inline(&format!("B{n}"), 0, owner),
                        inline(&format!("C{n}"), 0, note),
                    ]
                    .concat(),
                ));
            }
            let value = |r: &str, t: &str, v: String| {
                format!(
                    r#"<{c} r="{r}"{t}><{vv}>{v}</{vv}></{c}>"#,
                    c = x("c"),
                    vv = x("v")
                )
            };
            rows.push_str(&row(
                5,
                [
                    inline("A5", 0, "Rows reviewed"),
                    inline("B5", 0, "Compliance Office"),
                    value("C5", "", self.rows.len().to_string()),
                ]
                .concat(),
            ));
            rows.push_str(&row(
                6,
                [
                    inline("A6", 0, "Approved"),
                    inline("B6", 0, "Compliance Office"),
                    value("C6", r#" t="b""#, "1".into()),
                ]
                .concat(),
            ));
            parts.push((
                "xl/worksheets/sheet3.xml".into(),
                format!(
                    r#"<{ws} {ns}><{sd}>{rows}</{sd}></{ws}>"#,
                    ws = x("worksheet"),
                    sd = x("sheetData")
                ),
            ));
        }

        parts.push((
            "xl/styles.xml".into(),
            format!(
                r#"<{ss} {ns}><{fonts} count="1"><{font}><{sz} val="11"/><{name} val="Calibri"/></{font}></{fonts}><{fills} count="2"><{fill}><{pf} patternType="none"/></{fill}><{fill}><{pf} patternType="gray125"/></{fill}></{fills}><{borders} count="1"><{border}/></{borders}><{csx} count="1"><{xf} numFmtId="0" fontId="0" fillId="0" borderId="0"/></{csx}><{cx} count="3"><{xf} numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><{xf} numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><{xf} numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></{cx}></{ss}>"#,
                ss = x("styleSheet"),
                fonts = x("fonts"),
                font = x("font"),
                sz = x("sz"),
                name = x("name"),
                fills = x("fills"),
                fill = x("fill"),
                pf = x("patternFill"),
                borders = x("borders"),
                border = x("border"),
                csx = x("cellStyleXfs"),
                cx = x("cellXfs"),
                xf = x("xf"),
            ),
        ));

        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for (name, text) in parts {
            out.start_file(name, options).expect("start");
            out.write_all(format!("{BOM}{DECLARATION}{text}").as_bytes())
                .expect("write");
        }
        out.finish().expect("finish").into_inner()
    }

    /// The data sheet's validations, all in the classic form with the prefix: text lengths,
    /// dates, lookups, decimals and option-set lists pointing at `hiddenSheet`.
    fn raw_validations(&self, x: &dyn Fn(&str) -> String) -> String {
        let mut out = Vec::new();
        let f1 = |text: &str| format!("<{f}>{text}</{f}>", f = x("formula1"));
        let options: [(&str, u32, usize); 3] = [
            ("accessmode", 2, ACCESS_MODES.len()),
            ("isdisabled", 3, STATUSES.len()),
            ("caltype", 4, LICENSE_TYPES.len()),
        ];
        for (i, column) in self.columns.iter().enumerate() {
            let letter = column_letter(i);
            let sqref = format!("{letter}2:{letter}1048576");
            let blank = if column.required {
                ""
            } else {
                r#" allowBlank="1""#
            };
            let (attrs, formula) = if is_date_column(column) {
                (
                    format!(
                        r#"type="date" operator="greaterThanOrEqual" allowBlank="1" showInputMessage="1" showErrorMessage="1" errorTitle="Invalid Date" error="{} must be in the correct date and time format." promptTitle="Date and time" prompt=" ""#,
                        esc(column.header)
                    ),
                    Some(f1("1")),
                )
            } else if let Some(&(_, row, count)) = options
                .iter()
                .find(|(logical, _, _)| *logical == column.logical)
            {
                (
                    format!(
                        r#"type="list"{blank} showInputMessage="1" showErrorMessage="1" errorTitle="List Value" error="{} must be selected from the drop-down list." promptTitle="Option set" prompt="Select a value from the drop-down list.""#,
                        esc(column.header)
                    ),
                    Some(f1(&format!(
                        "hiddenSheet!$A${row}:${}${row}",
                        column_letter(count - 1)
                    ))),
                )
            } else if matches!(column.logical, "businessunitid" | "parentsystemuserid") {
                let title = if column.required {
                    "Lookup (required)"
                } else {
                    "Lookup"
                };
                (
                    format!(
                        r#"allowBlank="1" showInputMessage="1" promptTitle="{title}" prompt="This value must match the primary column of an existing record.""#
                    ),
                    None,
                )
            } else if is_number_column(column) {
                let limit = if column.logical == "address1_latitude" {
                    90
                } else {
                    180
                };
                (
                    format!(
                        r#"type="decimal" allowBlank="1" showInputMessage="1" showErrorMessage="1" errorTitle="Value beyond Range" error="{} must be a number from -{limit} through {limit}." promptTitle="Decimal Number" prompt="Minimum Value: -{limit}.&#13;&#10;Maximum Value: {limit}.""#,
                        esc(column.header)
                    ),
                    Some(format!(
                        "{}<{f2}>{limit}</{f2}>",
                        f1(&format!("-{limit}")),
                        f2 = x("formula2")
                    )),
                )
            } else if let Some(max) = column.max_length {
                let title = if column.required {
                    "Text (required)"
                } else {
                    "Text"
                };
                (
                    format!(
                        r#"type="textLength" operator="lessThanOrEqual"{blank} showInputMessage="1" showErrorMessage="1" errorTitle="Length Exceeded" error="This value must be less than or equal to {max} characters long." promptTitle="{title}" prompt="Maximum Length: {max} characters.""#
                    ),
                    Some(f1(&max.to_string())),
                )
            } else {
                continue;
            };
            let dv = x("dataValidation");
            out.push(match formula {
                Some(inner) => format!(r#"<{dv} {attrs} sqref="{sqref}">{inner}</{dv}>"#),
                None => format!(r#"<{dv} {attrs} sqref="{sqref}"/>"#),
            });
        }
        format!(
            r#"<{dvs} count="{}">{}</{dvs}>"#,
            out.len(),
            out.concat(),
            dvs = x("dataValidations")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::{disabled_users, Options};
    use super::*;
    use calamine::{open_workbook_from_rs, Data, Reader, SheetVisible, Xlsx};
    use std::io::Read;

    #[test]
    fn raw_layout_reads_back_with_calamine() {
        for layout in [
            RawLayout::default(),
            RawLayout {
                prefix: "s",
                query: true,
            },
        ] {
            let export = disabled_users(&Options {
                rows: 12,
                formula_column: true,
                extra_sheet: true,
                ..Options::default()
            });
            let bytes = export.to_dynamics_raw_xlsx_with(layout);
            let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
            let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
            assert!(names.contains(&"xl/worksheets/sheet2.xml".to_string()));
            assert!(!names.iter().any(|n| n.contains("sharedStrings")
                || n.contains("theme")
                || n.starts_with("docProps")));
            assert_eq!(
                names.contains(&"xl/connections.xml".to_string()),
                layout.query
            );
            for name in &names {
                let mut text = String::new();
                zip.by_name(name)
                    .unwrap()
                    .read_to_string(&mut text)
                    .unwrap();
                assert!(text.starts_with('\u{FEFF}'), "{name} starts with a BOM");
            }
            let mut sheet = String::new();
            zip.by_name("xl/worksheets/sheet2.xml")
                .unwrap()
                .read_to_string(&mut sheet)
                .unwrap();
            let p = layout.prefix;
            assert!(sheet.contains(&format!(r#"t="inlineStr"><{p}:is><{p}:t>"#)));
            assert!(sheet.contains(&format!("<{p}:dataValidation ")));

            let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
            let meta = book.sheets_metadata().to_vec();
            assert_eq!(meta[0].name, export.sheet_name);
            assert_eq!(meta[1].visible, SheetVisible::VeryHidden);
            let range = book.worksheet_range(&export.sheet_name).unwrap();
            for (i, column) in export.columns.iter().enumerate() {
                assert_eq!(
                    range.get_value((0, i as u32)),
                    Some(&Data::String(column.header.to_string()))
                );
            }
            for (r, row) in export.rows.iter().enumerate() {
                for (c, value) in row.iter().enumerate() {
                    let got = range.get_value((r as u32 + 1, c as u32));
                    match (value, got) {
                        (Value::Text(t), Some(Data::String(s))) => assert_eq!(t, s),
                        (Value::Number(n), Some(Data::Float(f))) => assert_eq!(n, f),
                        (Value::DateTime(n), Some(Data::DateTime(d))) => assert_eq!(*n, d.as_f64()),
                        (Value::Empty, None | Some(Data::Empty)) => {}
                        (v, g) => panic!("row {r} column {c}: {v:?} read back as {g:?}"),
                    }
                }
            }
            let hidden = book.worksheet_range("hiddenSheet").unwrap();
            assert_eq!(
                hidden.get_value((0, 0)),
                Some(&Data::String(export.metadata_a1()))
            );
        }
    }
}
