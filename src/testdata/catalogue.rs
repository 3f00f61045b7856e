//! The leak catalogue: small generated exports that carry the same personal values in one more
//! place each (a hyperlink, a comment, a document property, a chart cache, ...), the way people
//! and Excel leave them in real files. Parts that rust_xlsxwriter does not write are written by
//! hand into the generated package.
//!
//! [`planted`] builds the export for a [`Place`]; the values it plants are personal values of
//! the export's rows that the `systemuser` profile removes, so a scrub must leave none of them
//! anywhere in the output, or fail the file where no rule can clean the place.

use super::{disabled_users, Export, Options, Value};
use std::io::{Cursor, Read, Write};

/// A place of a package where a removed value can hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A `mailto:` link on a changed email cell (target in the sheet's `.rels`) and a link on a
    /// kept cell whose tooltip names a user.
    Hyperlinks,
    /// A hidden sheet with an array formula over the names (plain cached values in the cells
    /// below its top-left one), a text formula, and a numeric formula over a name (`LEN`, cached
    /// in D2 as the name's length).
    ArrayFormulas,
    /// Legacy comments (on a changed cell, and naming users on a kept cell and as author) with
    /// their VML note shapes.
    Comments,
    /// A threaded comment on a changed cell, one naming a user on a kept cell, and the persons
    /// part: person `...0001` (named after a user) wrote both, person `...0002` only the one on
    /// the changed cell.
    ThreadedComments,
    /// `core.xml`, `app.xml`, `custom.xml` and a thumbnail.
    DocProps,
    /// `absPath`, the file-sharing user, a custom view and a defined name in `workbook.xml`.
    WorkbookPart,
    /// Conditional-format text, a validation list literal, a header, and the table's autofilter
    /// value.
    SheetExtras,
    /// A chart whose category cache and title hold names, and its drawing's alt text.
    Chart,
    /// A UTF-16 custom XML item and a data connection naming a user.
    CustomXmlAndConnections,
    /// A pivot cache whose shared items and records hold names.
    PivotCache,
    /// An external link whose cached cells and path hold names.
    ExternalLink,
    /// A shared workbook's revision log: the headers' and users' names, and a logged cell change
    /// with the old and new values.
    RevisionLog,
    /// A web extension (add-in) whose settings name a user, with its task pane.
    WebExtension,
    /// A number format (`styles.xml` `formatCode`) whose literal names a user.
    NumberFormat,
    /// A scenario (name, user, comment, input value) and a cell smart tag naming users.
    ScenariosAndSmartTags,
    /// Must fail: a hidden sheet named after a user.
    SheetNamedAfterUser,
    /// Must fail: a table column named after a user.
    TableColumnNamedAfterUser,
    /// Must fail: a defined name referring to a sheet named after a user.
    DefinedNameOnUserSheet,
    /// Must fail: a kept formula whose text names a user.
    FormulaNamingUser,
    /// Must fail: printer settings (binary) holding a user's name.
    PrinterSettings,
    /// Must fail: an embedded object (binary) holding a user's name.
    EmbeddedObject,
    /// Must fail: a custom XML item (an add-in's saved state) holding a user's email only
    /// base64-encoded.
    Base64InCustomXml,
}

impl Place {
    /// The places a scrub cleans.
    pub const CLEANED: [Place; 15] = [
        Place::Hyperlinks,
        Place::ArrayFormulas,
        Place::Comments,
        Place::ThreadedComments,
        Place::DocProps,
        Place::WorkbookPart,
        Place::SheetExtras,
        Place::Chart,
        Place::CustomXmlAndConnections,
        Place::PivotCache,
        Place::ExternalLink,
        Place::RevisionLog,
        Place::WebExtension,
        Place::NumberFormat,
        Place::ScenariosAndSmartTags,
    ];

    /// The places that fail the file, with the part and the place the error names.
    pub const FAILING: [(Place, &'static str, &'static str); 7] = [
        (
            Place::SheetNamedAfterUser,
            "xl/workbook.xml",
            "a sheet name",
        ),
        (
            Place::TableColumnNamedAfterUser,
            "xl/tables/table1.xml",
            "a table column name",
        ),
        (
            Place::DefinedNameOnUserSheet,
            "xl/workbook.xml",
            "a formula",
        ),
        (
            Place::FormulaNamingUser,
            "xl/worksheets/sheet3.xml",
            "a formula",
        ),
        (
            Place::PrinterSettings,
            "xl/printerSettings/printerSettings1.bin",
            "printer settings",
        ),
        (
            Place::EmbeddedObject,
            "xl/embeddings/oleObject1.bin",
            "an embedded object",
        ),
        (
            Place::Base64InCustomXml,
            "customXml/item1.xml",
            "base64-encoded data",
        ),
    ];
}

/// A catalogue export: the workbook, the export it was made from, and the values planted.
#[derive(Debug, Clone)]
pub struct Planted {
    /// The package.
    pub xlsx: Vec<u8>,
    /// The export whose rows are in the data sheet.
    pub export: Export,
    /// The personal values planted outside the cells (each also in a cell the profile changes).
    pub values: Vec<String>,
}

pub(super) const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
pub(super) const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The package's parts, in order, to edit by hand.
pub(super) struct Parts(pub(super) Vec<(String, Vec<u8>)>);

impl Parts {
    pub(super) fn read(xlsx: &[u8]) -> Parts {
        let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).expect("generated zip");
        let mut parts = Vec::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).expect("entry");
            let name = entry.name().expect("name").to_string();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("read");
            parts.push((name, data));
        }
        Parts(parts)
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    pub(super) fn text(&self, name: &str) -> String {
        let (_, data) = self
            .0
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no part {name}"));
        String::from_utf8(data.clone()).expect("UTF-8 part")
    }

    pub(super) fn set(&mut self, name: &str, data: impl Into<Vec<u8>>) {
        let data = data.into();
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some(part) => part.1 = data,
            None => self.0.push((name.to_string(), data)),
        }
    }

    /// Insert `text` before the first `before` in a part.
    pub(super) fn insert(&mut self, name: &str, before: &str, text: &str) {
        let old = self.text(name);
        let at = old
            .find(before)
            .unwrap_or_else(|| panic!("{before} not in {name}"));
        self.set(name, format!("{}{text}{}", &old[..at], &old[at..]));
    }

    /// Add a part with its content type override (or extension default).
    pub(super) fn add(&mut self, name: &str, data: impl Into<Vec<u8>>, content_type: &str) {
        self.set(name, data);
        let types = self.text("[Content_Types].xml");
        let entry = match name.rsplit_once('.') {
            Some((_, ext))
                if ["vml", "bin", "jpeg"].contains(&ext)
                    && !types.contains(&format!(r#"Extension="{ext}""#)) =>
            {
                format!(r#"<Default Extension="{ext}" ContentType="{content_type}"/>"#)
            }
            _ => format!(r#"<Override PartName="/{name}" ContentType="{content_type}"/>"#),
        };
        if !types.contains(&entry) {
            self.insert("[Content_Types].xml", "</Types>", &entry);
        }
    }

    /// Add a relationship to a `.rels` part (created when missing).
    pub(super) fn relate(
        &mut self,
        rels: &str,
        id: &str,
        kind: &str,
        target: &str,
        external: bool,
    ) {
        if !self.0.iter().any(|(n, _)| n == rels) {
            self.set(
                rels,
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>"#,
            );
        }
        let mode = if external {
            r#" TargetMode="External""#
        } else {
            ""
        };
        self.insert(
            rels,
            "</Relationships>",
            &format!(r#"<Relationship Id="{id}" Type="{kind}" Target="{target}"{mode}/>"#),
        );
    }

    pub(super) fn write(&self) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for (name, data) in &self.0 {
            out.start_file(name.as_str(), options).expect("start");
            out.write_all(data).expect("write");
        }
        out.finish().expect("finish").into_inner()
    }
}

/// Escape text for XML.
pub(super) fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The text of `row`'s column `logical`.
pub(super) fn value(export: &Export, row: usize, logical: &str) -> String {
    let col = export.column_index(logical).expect("column");
    match &export.rows[row][col] {
        Value::Text(s) => s.clone(),
        other => panic!("{logical} of row {row} is {other:?}"),
    }
}

/// A hidden third sheet (`xl/worksheets/sheet3.xml`) named `name` holding `body`.
fn add_sheet(parts: &mut Parts, name: &str, body: &str) {
    add_sheet_as(parts, name, body, r#" state="hidden""#);
}

/// [`add_sheet`] with the sheet's `state` attribute (and the space before it), or `""` for a
/// visible sheet.
fn add_sheet_as(parts: &mut Parts, name: &str, body: &str, state: &str) {
    parts.add(
        "xl/worksheets/sheet3.xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetData>{body}</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>"#
        ),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    );
    parts.relate(
        "xl/_rels/workbook.xml.rels",
        "rId90",
        &format!("{REL}/worksheet"),
        "worksheets/sheet3.xml",
        false,
    );
    parts.insert(
        "xl/workbook.xml",
        "</sheets>",
        &format!(
            r#"<sheet name="{}" sheetId="3"{state} r:id="rId90"/>"#,
            esc(name)
        ),
    );
}

/// `xlsx` (a generated export) with custom document properties (`docProps/custom.xml`, in the
/// content types and the package's relationships), one text property holding each of `texts`.
pub fn with_custom_properties(xlsx: &[u8], texts: &[&str]) -> Vec<u8> {
    let mut parts = Parts::read(xlsx);
    let props: String = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            format!(
                r#"<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{}" name="Note {}"><vt:lpwstr>{}</vt:lpwstr></property>"#,
                i + 2,
                i + 1,
                esc(text)
            )
        })
        .collect();
    add_custom_properties(&mut parts, &props);
    parts.write()
}

/// Add `docProps/custom.xml` holding `props` (`<property>` elements), in the content types and
/// the package's relationships.
fn add_custom_properties(parts: &mut Parts, props: &str) {
    parts.add(
        "docProps/custom.xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{props}</Properties>"#
        ),
        "application/vnd.openxmlformats-officedocument.custom-properties+xml",
    );
    parts.relate(
        "_rels/.rels",
        "rId90",
        &format!("{REL}/custom-properties"),
        "docProps/custom.xml",
        false,
    );
}

/// `xlsx` (a generated export) with a hidden sheet named `name` holding one header cell: a
/// place no rule can clean.
pub fn with_sheet_named(xlsx: &[u8], name: &str) -> Vec<u8> {
    let mut parts = Parts::read(xlsx);
    add_sheet(
        &mut parts,
        name,
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Notes</t></is></c></row>"#,
    );
    parts.write()
}

/// The export for `place`: a generated Disabled Users export of 8 rows with personal values of
/// its first rows planted in that place.
pub fn planted(place: Place) -> Planted {
    planted_in(
        disabled_users(&Options {
            rows: 8,
            ..Options::default()
        }),
        &[place],
    )
}

/// `export` (of 4 rows or more) with personal values of its first rows planted in each of
/// `places`, which may be any of [`Place::CLEANED`] together (each failing place alone).
pub fn planted_in(export: Export, places: &[Place]) -> Planted {
    let mut parts = Parts::read(&export.to_xlsx());
    let mut values = Vec::new();
    // In an order that keeps the sheet's and the workbook's elements where the schema wants
    // them (each place inserts before the same few anchors).
    let mut ordered = places.to_vec();
    ordered.sort_by_key(|p| match p {
        Place::ScenariosAndSmartTags => 0,
        Place::SheetExtras => 1,
        Place::Chart => 2,
        Place::Comments => 3,
        Place::ExternalLink => 4,
        Place::WorkbookPart => 5,
        _ => 6,
    });
    ordered.dedup();
    for place in ordered {
        for value in plant(&mut parts, &export, place) {
            if !values.contains(&value) {
                values.push(value);
            }
        }
    }
    Planted {
        xlsx: parts.write(),
        export,
        values,
    }
}

/// A generated Disabled Users export of 8 rows with a visible sheet `Calc` after it: in A2 an
/// array formula over the first three rows' full names (`A2:A4`, its cached results the
/// names, A3 and A4 holding only theirs), in B2 a text formula over the second row's email
/// address (cached). With `dynamic`, the array formula is a dynamic array formula, as Excel 365
/// writes one: its cell marked `cm="1"`, the cell metadata in `xl/metadata.xml`. The values
/// planted are the three names and the address.
pub fn array_formula_sheet(dynamic: bool) -> Planted {
    let export = disabled_users(&Options {
        rows: 8,
        ..Options::default()
    });
    let mut parts = Parts::read(&export.to_xlsx());
    let full: Vec<String> = (0..3).map(|r| value(&export, r, "fullname")).collect();
    let email = value(&export, 1, "internalemailaddress");
    let letters = |logical: &str| {
        crate::a1::column_letters(export.column_index(logical).expect("column") as u32)
    };
    let (name, mail) = (letters("fullname"), letters("internalemailaddress"));
    let cm = if dynamic { r#" cm="1""# } else { "" };
    let body = format!(
        concat!(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Mail</t></is></c></row>"#,
            r#"<row r="2"><c r="A2" t="str"{cm}><f t="array" ref="A2:A4">'Disabled Users'!{name}2:{name}4</f><v>{n0}</v></c><c r="B2" t="str"><f>'Disabled Users'!{mail}3</f><v>{mail_value}</v></c></row>"#,
            r#"<row r="3"><c r="A3" t="str"><v>{n1}</v></c></row>"#,
            r#"<row r="4"><c r="A4" t="str"><v>{n2}</v></c></row>"#
        ),
        cm = cm,
        name = name,
        mail = mail,
        n0 = esc(&full[0]),
        n1 = esc(&full[1]),
        n2 = esc(&full[2]),
        mail_value = esc(&email),
    );
    add_sheet_as(&mut parts, "Calc", &body, "");
    if dynamic {
        parts.add(
            "xl/metadata.xml",
            format!(
                concat!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><metadata xmlns="{MAIN}" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">"#,
                    r#"<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>"#,
                    r#"<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>"#,
                    r#"<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>"#
                ),
                MAIN = MAIN
            ),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml",
        );
        parts.relate(
            "xl/_rels/workbook.xml.rels",
            "rId91",
            &format!("{REL}/sheetMetadata"),
            "metadata.xml",
            false,
        );
    }
    let mut values = full;
    values.push(email);
    Planted {
        xlsx: parts.write(),
        export,
        values,
    }
}

/// Plant personal values of `export`'s first rows in `place`; the values planted.
fn plant(parts: &mut Parts, export: &Export, place: Place) -> Vec<String> {
    let full: Vec<String> = (0..4).map(|r| value(export, r, "fullname")).collect();
    let email: Vec<String> = (0..2)
        .map(|r| value(export, r, "internalemailaddress"))
        .collect();
    let last0 = value(export, 0, "lastname");
    let sheet = "xl/worksheets/sheet1.xml";
    let sheet_rels = "xl/worksheets/_rels/sheet1.xml.rels";
    match place {
        Place::Hyperlinks => {
            parts.insert(
                sheet,
                "<pageMargins",
                &format!(
                    r#"<hyperlinks><hyperlink ref="I2" r:id="rId9" display="{}"/><hyperlink ref="AB3" location="'Disabled Users'!D3" display="Manager" tooltip="Write to {}"/></hyperlinks>"#,
                    esc(&email[0]),
                    esc(&full[1])
                ),
            );
            parts.relate(
                sheet_rels,
                "rId9",
                &format!("{REL}/hyperlink"),
                &format!("mailto:{}", email[0].replace('@', "%40")),
                true,
            );
            vec![email[0].clone(), full[1].clone()]
        }
        Place::ArrayFormulas => {
            add_sheet(
                parts,
                "Lookup",
                &format!(
                    r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Mail</t></is></c><c r="C1" t="inlineStr"><is><t>Row</t></is></c><c r="D1" t="inlineStr"><is><t>Length</t></is></c></row><row r="2"><c r="A2" t="str"><f t="array" ref="A2:A4">'Disabled Users'!D2:D4</f><v>{}</v></c><c r="B2" t="str"><f>'Disabled Users'!I2</f><v>{}</v></c><c r="C2"><v>2</v></c><c r="D2"><f>LEN('Disabled Users'!D2)</f><v>{}</v></c></row><row r="3"><c r="A3" t="str"><v>{}</v></c><c r="C3"><v>3</v></c></row><row r="4"><c r="A4" t="str"><v>{}</v></c><c r="C4"><v>4</v></c></row>"#,
                    esc(&full[0]),
                    esc(&email[0]),
                    full[0].chars().count(),
                    esc(&full[1]),
                    esc(&full[2])
                ),
            );
            vec![
                full[0].clone(),
                full[1].clone(),
                full[2].clone(),
                email[0].clone(),
            ]
        }
        Place::Comments => {
            parts.add(
                "xl/comments1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><comments xmlns="{MAIN}"><authors><author>{}</author><author>IT Service Desk</author></authors><commentList><comment ref="D2" authorId="1"><text><r><t>Left in March; ask {}</t></r></text></comment><comment ref="AB2" authorId="0"><text><t>Replaces {} from May</t></text></comment></commentList></comments>"#,
                    esc(&full[3]),
                    esc(&email[1]),
                    esc(&full[1])
                ),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml",
            );
            let shape = |id: u32, row: u32, col: u32, text: &str| {
                format!(
                    r##"<v:shape id="_x0000_s{id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:108pt;height:59.25pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left">{text}</div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>4, 15, 0, 2, 6, 15, 4, 4</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>"##
                )
            };
            parts.add(
                "xl/drawings/vmlDrawing1.vml",
                format!(
                    r##"<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>{}{}</xml>"##,
                    shape(1025, 1, 3, &esc(&full[0])),
                    shape(1026, 1, 27, &format!("Replaces {}", esc(&full[1])))
                ),
                "application/vnd.openxmlformats-officedocument.vmlDrawing",
            );
            parts.relate(
                sheet_rels,
                "rId7",
                &format!("{REL}/comments"),
                "../comments1.xml",
                false,
            );
            parts.relate(
                sheet_rels,
                "rId8",
                &format!("{REL}/vmlDrawing"),
                "../drawings/vmlDrawing1.vml",
                false,
            );
            parts.insert(sheet, "<tableParts", r#"<legacyDrawing r:id="rId8"/>"#);
            vec![
                full[0].clone(),
                full[1].clone(),
                full[3].clone(),
                email[1].clone(),
            ]
        }
        Place::ThreadedComments => {
            parts.add(
                "xl/threadedComments/threadedComment1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"><threadedComment ref="D2" dT="2024-11-04T10:00:00.00" personId="{{8A1D0C4E-0000-4000-8000-000000000002}}" id="{{5B0E8C1F-0000-4000-8000-000000000001}}"><text>{} left; close the account</text></threadedComment><threadedComment ref="D2" dT="2024-11-04T10:01:00.00" personId="{{8A1D0C4E-0000-4000-8000-000000000001}}" id="{{5B0E8C1F-0000-4000-8000-000000000003}}" parentId="{{5B0E8C1F-0000-4000-8000-000000000001}}"><text>Done</text></threadedComment><threadedComment ref="AB3" dT="2024-11-04T10:05:00.00" personId="{{8A1D0C4E-0000-4000-8000-000000000001}}" id="{{5B0E8C1F-0000-4000-8000-000000000002}}"><text>Was managed by {}</text></threadedComment></ThreadedComments>"#,
                    esc(&full[0]),
                    esc(&full[2])
                ),
                "application/vnd.ms-excel.threadedcomments+xml",
            );
            parts.add(
                "xl/persons/person.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"><person displayName="{}" id="{{8A1D0C4E-0000-4000-8000-000000000001}}" userId="{}" providerId="AD"/><person displayName="Service Desk" id="{{8A1D0C4E-0000-4000-8000-000000000002}}" providerId="None"/></personList>"#,
                    esc(&full[1]),
                    esc(&email[1])
                ),
                "application/vnd.ms-excel.person+xml",
            );
            parts.relate(
                sheet_rels,
                "rId10",
                "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
                "../threadedComments/threadedComment1.xml",
                false,
            );
            parts.relate(
                "xl/_rels/workbook.xml.rels",
                "rId91",
                "http://schemas.microsoft.com/office/2017/10/relationships/person",
                "persons/person.xml",
                false,
            );
            vec![
                full[0].clone(),
                full[1].clone(),
                full[2].clone(),
                email[1].clone(),
            ]
        }
        Place::DocProps => {
            parts.insert(
                "docProps/core.xml",
                "</cp:coreProperties>",
                &format!(
                    "<cp:lastModifiedBy>{}</cp:lastModifiedBy><dc:title>Offboarding of {}</dc:title>",
                    esc(&full[0]),
                    esc(&full[1])
                ),
            );
            parts.insert(
                "docProps/app.xml",
                "<Company>",
                &format!("<Manager>{}</Manager>", esc(&full[2])),
            );
            add_custom_properties(
                parts,
                &format!(
                    r#"<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="Requested by"><vt:lpwstr>{}</vt:lpwstr></property>"#,
                    esc(&email[0])
                ),
            );
            parts.add(
                "docProps/thumbnail.jpeg",
                b"\xFF\xD8\xFF\xE0thumbnail\xFF\xD9".to_vec(),
                "image/jpeg",
            );
            parts.relate(
                "_rels/.rels",
                "rId91",
                "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
                "docProps/thumbnail.jpeg",
                false,
            );
            vec![
                full[0].clone(),
                full[1].clone(),
                full[2].clone(),
                email[0].clone(),
            ]
        }
        Place::WorkbookPart => {
            let wb = "xl/workbook.xml";
            parts.insert(
                wb,
                "<workbookPr",
                &format!(r#"<fileSharing userName="{}"/>"#, esc(&full[0])),
            );
            parts.insert(
                wb,
                "<bookViews>",
                &format!(
                    r#"<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="x15"><x15ac:absPath xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac" url="C:\Users\{}\Documents\Exports\"/></mc:Choice></mc:AlternateContent>"#,
                    esc(&last0)
                ),
            );
            parts.insert(
                wb,
                "<calcPr",
                &format!(
                    r#"<definedNames><definedName name="Reviewer">"{}"</definedName></definedNames>"#,
                    esc(&full[1])
                ),
            );
            parts.insert(
                wb,
                "</workbook>",
                &format!(
                    r#"<customWorkbookViews><customWorkbookView name="{} - Personal View" guid="{{7C1F3F2A-0000-4000-8000-000000000001}}" windowWidth="16095" windowHeight="9660" activeSheetId="1"/></customWorkbookViews>"#,
                    esc(&full[2])
                ),
            );
            vec![
                full[0].clone(),
                full[1].clone(),
                full[2].clone(),
                last0.clone(),
            ]
        }
        Place::SheetExtras => {
            parts.insert(
                sheet,
                "<dataValidations",
                &format!(
                    r#"<conditionalFormatting sqref="D2:D9"><cfRule type="containsText" priority="1" operator="containsText" text="{0}"><formula>NOT(ISERROR(SEARCH("{0}",D2)))</formula></cfRule></conditionalFormatting>"#,
                    esc(&full[0])
                ),
            );
            parts.insert(
                sheet,
                "</dataValidations>",
                &format!(
                    r#"<dataValidation type="list" allowBlank="1" sqref="AG2:AG9"><formula1>"{},Nobody"</formula1></dataValidation>"#,
                    esc(&full[1])
                ),
            );
            let text = parts.text(sheet);
            let count = text
                .split("<dataValidations count=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|n| n.parse::<u32>().ok())
                .expect("classic validations");
            parts.set(
                sheet,
                text.replacen(
                    &format!("<dataValidations count=\"{count}\""),
                    &format!("<dataValidations count=\"{}\"", count + 1),
                    1,
                ),
            );
            parts.insert(
                sheet,
                "<tableParts",
                &format!(
                    "<headerFooter><oddHeader>&amp;L&amp;\"Arial,Bold\"{}&amp;RPage &amp;P</oddHeader></headerFooter>",
                    esc(&full[2])
                ),
            );
            let table = parts.text("xl/tables/table1.xml");
            let start = table.find("<autoFilter").expect("table autofilter");
            let end = start + table[start..].find("/>").expect("empty autofilter") + 2;
            let tag = &table[start..end - 2];
            parts.set(
                "xl/tables/table1.xml",
                format!(
                    r#"{}{tag}><filterColumn colId="3"><filters><filter val="{}"/></filters></filterColumn></autoFilter>{}"#,
                    &table[..start],
                    esc(&full[3]),
                    &table[end..]
                ),
            );
            full.clone()
        }
        Place::Chart => {
            parts.insert(sheet, "<tableParts", r#"<drawing r:id="rId6"/>"#);
            parts.relate(
                sheet_rels,
                "rId6",
                &format!("{REL}/drawing"),
                "../drawings/drawing1.xml",
                false,
            );
            parts.add(
                "xl/drawings/drawing1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:twoCellAnchor><xdr:from><xdr:col>4</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>10</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>10</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>25</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1" descr="Tickets of {}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:r="{REL}" r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>"#,
                    esc(&full[2])
                ),
                "application/vnd.openxmlformats-officedocument.drawing+xml",
            );
            parts.relate(
                "xl/drawings/_rels/drawing1.xml.rels",
                "rId1",
                &format!("{REL}/chart"),
                "../charts/chart1.xml",
                false,
            );
            parts.add(
                "xl/charts/chart1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="{REL}"><c:chart><c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>Latitude of {}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title><c:plotArea><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:ser><c:idx val="0"/><c:order val="0"/><c:cat><c:strRef><c:f>'Disabled Users'!$D$2:$D$3</c:f><c:strCache><c:ptCount val="2"/><c:pt idx="0"><c:v>{}</c:v></c:pt><c:pt idx="1"><c:v>{}</c:v></c:pt></c:strCache></c:strRef></c:cat><c:val><c:numRef><c:f>'Disabled Users'!$V$2:$V$3</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="2"/><c:pt idx="0"><c:v>1</c:v></c:pt><c:pt idx="1"><c:v>2</c:v></c:pt></c:numCache></c:numRef></c:val></c:ser><c:axId val="1"/><c:axId val="2"/></c:barChart><c:catAx><c:axId val="1"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/><c:crossAx val="2"/></c:catAx><c:valAx><c:axId val="2"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:crossAx val="1"/></c:valAx></c:plotArea></c:chart></c:chartSpace>"#,
                    esc(&full[3]),
                    esc(&full[0]),
                    esc(&full[1])
                ),
                "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
            );
            full.clone()
        }
        Place::CustomXmlAndConnections => {
            let item = format!(
                r#"<?xml version="1.0" encoding="UTF-16" standalone="no"?><review xmlns="urn:example:review"><reviewer>{}</reviewer></review>"#,
                esc(&full[0])
            );
            let mut bytes = vec![0xFF, 0xFE];
            bytes.extend(item.encode_utf16().flat_map(u16::to_le_bytes));
            parts.set("customXml/item1.xml", bytes);
            parts.relate(
                "xl/_rels/workbook.xml.rels",
                "rId92",
                &format!("{REL}/customXml"),
                "../customXml/item1.xml",
                false,
            );
            parts.add(
                "xl/connections.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><connections xmlns="{MAIN}"><connection id="1" name="Mailbox of {}" type="5" refreshedVersion="6" background="1"><dbPr connection="Provider=Microsoft.Mashup.OleDb.1;Data Source=$Workbook$;Location={}" command="SELECT * FROM [Mailbox]"/></connection></connections>"#,
                    esc(&full[1]),
                    esc(&email[0])
                ),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml",
            );
            parts.relate(
                "xl/_rels/workbook.xml.rels",
                "rId93",
                &format!("{REL}/connections"),
                "connections.xml",
                false,
            );
            vec![full[0].clone(), full[1].clone(), email[0].clone()]
        }
        Place::PivotCache => {
            parts.add(
                "xl/pivotCache/pivotCacheDefinition1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotCacheDefinition xmlns="{MAIN}" xmlns:r="{REL}" r:id="rId1" refreshedBy="{}" refreshedVersion="6" recordCount="2"><cacheSource type="worksheet"><worksheetSource ref="D1:D3" sheet="Disabled Users"/></cacheSource><cacheFields count="1"><cacheField name=" Full Name" numFmtId="0"><sharedItems count="2"><s v="{}"/><s v="{}"/></sharedItems></cacheField></cacheFields></pivotCacheDefinition>"#,
                    esc(&full[3]),
                    esc(&full[0]),
                    esc(&full[1])
                ),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml",
            );
            parts.add(
                "xl/pivotCache/pivotCacheRecords1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotCacheRecords xmlns="{MAIN}" count="2"><r><x v="0"/></r><r><s v="{}"/></r></pivotCacheRecords>"#,
                    esc(&full[2])
                ),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheRecords+xml",
            );
            parts.relate(
                "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels",
                "rId1",
                &format!("{REL}/pivotCacheRecords"),
                "pivotCacheRecords1.xml",
                false,
            );
            parts.relate(
                "xl/_rels/workbook.xml.rels",
                "rId94",
                &format!("{REL}/pivotCacheDefinition"),
                "pivotCache/pivotCacheDefinition1.xml",
                false,
            );
            parts.insert(
                "xl/workbook.xml",
                "<calcPr",
                r#"<pivotCaches><pivotCache cacheId="1" r:id="rId94"/></pivotCaches>"#,
            );
            full.clone()
        }
        Place::ExternalLink => {
            parts.add(
                "xl/externalLinks/externalLink1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><externalLink xmlns="{MAIN}" xmlns:r="{REL}"><externalBook r:id="rId1"><sheetNames><sheetName val="Users"/></sheetNames><sheetDataSet><sheetData sheetId="0"><row r="2"><cell r="A2" t="str"><v>{}</v></cell></row><row r="3"><cell r="A3" t="str"><v>{}</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>"#,
                    esc(&full[0]),
                    esc(&email[1])
                ),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
            );
            parts.relate(
                "xl/externalLinks/_rels/externalLink1.xml.rels",
                "rId1",
                &format!("{REL}/externalLinkPath"),
                &format!(
                    "file:///C:/Users/{}/Documents/{}.xlsx",
                    last0,
                    full[1].replace(' ', "%20")
                ),
                true,
            );
            parts.relate(
                "xl/_rels/workbook.xml.rels",
                "rId95",
                &format!("{REL}/externalLink"),
                "externalLinks/externalLink1.xml",
                false,
            );
            parts.insert(
                "xl/workbook.xml",
                "<calcPr",
                r#"<externalReferences><externalReference r:id="rId95"/></externalReferences>"#,
            );
            vec![
                full[0].clone(),
                full[1].clone(),
                email[1].clone(),
                last0.clone(),
            ]
        }
        Place::RevisionLog => {
            const GUID: &str = "{6F0C2A11-0000-4000-8000-000000000001}";
            parts.add(
                "xl/revisions/revisionHeaders.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><headers xmlns="{MAIN}" xmlns:r="{REL}" guid="{GUID}" lastGuid="{GUID}" shared="1" diskRevisions="1" revisionId="1" version="2"><header guid="{GUID}" dateTime="2024-11-04T10:00:00" maxSheetId="3" userName="{}" r:id="rId1"><sheetIdMap count="2"><sheetId val="1"/><sheetId val="2"/></sheetIdMap></header></headers>"#,
                    esc(&full[0])
                ),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.revisionHeaders+xml",
            );
            parts.add(
                "xl/revisions/revisionLog1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><revisions xmlns="{MAIN}" xmlns:r="{REL}"><rcc rId="1" sId="1"><oc r="AB2" t="inlineStr"><is><t>{}</t></is></oc><nc r="AB2" t="inlineStr"><is><t>{}</t></is></nc></rcc></revisions>"#,
                    esc(&full[1]),
                    esc(&full[2])
                ),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.revisionLog+xml",
            );
            parts.relate(
                "xl/revisions/_rels/revisionHeaders.xml.rels",
                "rId1",
                &format!("{REL}/revisionLog"),
                "revisionLog1.xml",
                false,
            );
            parts.add(
                "xl/revisions/userNames.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><users xmlns="{MAIN}" xmlns:r="{REL}" count="1"><userInfo guid="{GUID}" name="{}" id="1" dateTime="2024-11-04T10:00:00"/></users>"#,
                    esc(&full[3])
                ),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.userNames+xml",
            );
            parts.relate(
                "xl/_rels/workbook.xml.rels",
                "rId96",
                &format!("{REL}/revisionHeaders"),
                "revisions/revisionHeaders.xml",
                false,
            );
            parts.relate(
                "xl/_rels/workbook.xml.rels",
                "rId97",
                &format!("{REL}/usernames"),
                "revisions/userNames.xml",
                false,
            );
            full.clone()
        }
        Place::WebExtension => {
            const WE: &str =
                "http://schemas.microsoft.com/office/webextensions/webextension/2010/11";
            parts.add(
                "xl/webextensions/webextension1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><we:webextension xmlns:we="{WE}" id="{{3E2B1C0D-0000-4000-8000-000000000001}}"><we:reference id="wa104379190" version="1.0.0.0" store="en-US" storeType="OMEX"/><we:alternateReferences/><we:properties><we:property name="Office.AutoShowTaskpaneWithDocument" value="true"/><we:property name="signedInAs" value="&quot;{}&quot;"/><we:property name="lastReviewer" value="&quot;{}&quot;"/></we:properties><we:bindings/><we:snapshot xmlns:r="{REL}"/></we:webextension>"#,
                    esc(&email[0]),
                    esc(&full[1])
                ),
                "application/vnd.ms-office.webextension+xml",
            );
            parts.add(
                "xl/webextensions/taskpanes.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><wetp:taskpanes xmlns:wetp="http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11"><wetp:taskpane dockstate="right" visibility="0" width="350" row="4"><wetp:webextensionref xmlns:r="{REL}" r:id="rId1"/></wetp:taskpane></wetp:taskpanes>"#
                ),
                "application/vnd.ms-office.webextensiontaskpanes+xml",
            );
            parts.relate(
                "xl/webextensions/_rels/taskpanes.xml.rels",
                "rId1",
                "http://schemas.microsoft.com/office/2011/relationships/webextension",
                "webextension1.xml",
                false,
            );
            parts.relate(
                "_rels/.rels",
                "rId92",
                "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes",
                "xl/webextensions/taskpanes.xml",
                false,
            );
            vec![email[0].clone(), full[1].clone()]
        }
        Place::NumberFormat => {
            let styles = "xl/styles.xml";
            let text = parts.text(styles);
            let count = text
                .split("<numFmts count=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|n| n.parse::<u32>().ok())
                .expect("custom number formats");
            parts.set(
                styles,
                text.replacen(
                    &format!("<numFmts count=\"{count}\""),
                    &format!("<numFmts count=\"{}\"", count + 1),
                    1,
                ),
            );
            parts.insert(
                styles,
                "</numFmts>",
                &format!(
                    r#"<numFmt numFmtId="190" formatCode="{}"/>"#,
                    esc(&format!(r#""Owner: {}" @"#, full[0]))
                ),
            );
            vec![full[0].clone()]
        }
        Place::ScenariosAndSmartTags => {
            parts.insert(
                sheet,
                "<dataValidations",
                &format!(
                    r#"<scenarios current="0" show="0"><scenario name="Handover to {}" locked="1" count="1" user="{}" comment="Asked by {}"><inputCells r="AG2" val="{}"/></scenario></scenarios>"#,
                    esc(&full[0]),
                    esc(&full[1]),
                    esc(&email[0]),
                    esc(&full[2])
                ),
            );
            parts.insert(
                sheet,
                "<tableParts",
                &format!(
                    r#"<smartTags><cellSmartTags r="AB2"><cellSmartTag type="0"><cellSmartTagPr key="FullName" val="{}"/></cellSmartTag></cellSmartTags></smartTags>"#,
                    esc(&full[3])
                ),
            );
            parts.insert(
                "xl/workbook.xml",
                "</workbook>",
                r#"<smartTagTypes><smartTagType namespaceUri="urn:schemas-microsoft-com:office:smarttags" name="PersonName"/></smartTagTypes>"#,
            );
            vec![
                full[0].clone(),
                full[1].clone(),
                full[2].clone(),
                full[3].clone(),
                email[0].clone(),
            ]
        }
        Place::TableColumnNamedAfterUser => {
            let table = "xl/tables/table1.xml";
            let text = parts.text(table);
            parts.set(
                table,
                text.replacen(
                    r#"name="Salutation""#,
                    &format!(r#"name="{}""#, esc(&full[0])),
                    1,
                ),
            );
            vec![full[0].clone()]
        }
        Place::DefinedNameOnUserSheet => {
            parts.insert(
                "xl/workbook.xml",
                "<calcPr",
                &format!(
                    r#"<definedNames><definedName name="Handover">'{}'!$A$1:$B$9</definedName></definedNames>"#,
                    esc(&full[0].replace('\'', "''"))
                ),
            );
            vec![full[0].clone()]
        }
        Place::EmbeddedObject => {
            let mut blob = b"\xD0\xCF\x11\xE0 Ole10Native ".to_vec();
            blob.extend(format!("Offboarding memo for {}.docx", full[0]).bytes());
            blob.resize(256, 0);
            parts.add(
                "xl/embeddings/oleObject1.bin",
                blob,
                "application/vnd.openxmlformats-officedocument.oleObject",
            );
            parts.relate(
                sheet_rels,
                "rId4",
                &format!("{REL}/oleObject"),
                "../embeddings/oleObject1.bin",
                false,
            );
            vec![full[0].clone()]
        }
        Place::Base64InCustomXml => {
            use base64::Engine;
            let state = format!(r#"{{"reviewer":"{}","step":2}}"#, email[0]);
            let state = base64::engine::general_purpose::STANDARD.encode(state);
            parts.set(
                "customXml/item1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><addinState xmlns="urn:example:addin"><state>{state}</state></addinState>"#
                ),
            );
            parts.relate(
                "xl/_rels/workbook.xml.rels",
                "rId92",
                &format!("{REL}/customXml"),
                "../customXml/item1.xml",
                false,
            );
            vec![email[0].clone()]
        }
        Place::SheetNamedAfterUser => {
            add_sheet(
                parts,
                &full[0],
                r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Notes</t></is></c></row>"#,
            );
            vec![full[0].clone()]
        }
        Place::FormulaNamingUser => {
            add_sheet(
                parts,
                "Lookup",
                &format!(
                    r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Flag</t></is></c></row><row r="2"><c r="A2"><f>IF('Disabled Users'!D2="{}",1,0)</f><v>1</v></c></row>"#,
                    esc(&full[0]).replace('"', "&quot;")
                ),
            );
            vec![full[0].clone()]
        }
        Place::PrinterSettings => {
            let mut devmode: Vec<u8> = format!("{}'s printer", full[0])
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect();
            devmode.resize(220, 0);
            parts.add(
                "xl/printerSettings/printerSettings1.bin",
                devmode,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
            );
            parts.relate(
                sheet_rels,
                "rId5",
                &format!("{REL}/printerSettings"),
                "../printerSettings/printerSettings1.bin",
                false,
            );
            vec![full[0].clone()]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every planted value is in the package (as text, UTF-16 or base64) before the scrub.
    #[test]
    fn every_place_holds_its_values() {
        for place in Place::CLEANED
            .iter()
            .chain(Place::FAILING.iter().map(|(p, _, _)| p))
        {
            let planted = planted(*place);
            assert!(!planted.values.is_empty());
            let parts = Parts::read(&planted.xlsx);
            for value in &planted.values {
                let wide: Vec<u8> = value.encode_utf16().flat_map(u16::to_le_bytes).collect();
                let found = parts.0.iter().any(|(name, data)| {
                    name != "xl/sharedStrings.xml"
                        && (String::from_utf8_lossy(data).contains(&esc(value))
                            || memchr::memmem::find(data, &wide).is_some()
                            || String::from_utf8_lossy(data)
                                .contains(&value.replace('@', "%40").replace(' ', "%20"))
                            || crate::xlsx::encoded::part_base64_texts(data)
                                .iter()
                                .any(|t| t.contains(value.as_str())))
                });
                assert!(found, "{place:?}: a planted value is missing");
            }
        }
    }
}
