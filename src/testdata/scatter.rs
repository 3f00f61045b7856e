//! Removed values scattered over a generated export, for the property test of the whole-package
//! erasure: [`scatter`] plants chosen personal values of an export's rows ([`Kind`]), each in a
//! chosen place ([`Spot`]) and form ([`Form`]), on top of any of the leak catalogue's places
//! ([`super::catalogue::Place::CLEANED`]).
//!
//! The spots sit on a hidden `Handover` sheet (its cells, comments, links, drawing, chart,
//! validations, ...) and in the workbook-wide parts (document properties, defined names, the
//! persons of threaded comments), so they combine with the catalogue's places, which use the
//! data sheet. Every planted value is removed by the `systemuser` profile from the data sheet's
//! cells, so after a scrub it must be gone from every part, or the file must fail.

use super::catalogue::{esc, planted_in, value, Parts, Place, MAIN, REL};
use super::{disabled_users, Export, Options};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// Which personal value of a row to plant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `fullname`.
    FullName,
    /// `internalemailaddress`.
    Email,
    /// `domainname` (the user name, an address too).
    UserName,
    /// `mobilephone`.
    Mobile,
    /// `address1_telephone1`.
    MainPhone,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 5] = [
        Kind::FullName,
        Kind::Email,
        Kind::UserName,
        Kind::Mobile,
        Kind::MainPhone,
    ];

    fn logical(self) -> &'static str {
        match self {
            Kind::FullName => "fullname",
            Kind::Email => "internalemailaddress",
            Kind::UserName => "domainname",
            Kind::Mobile => "mobilephone",
            Kind::MainPhone => "address1_telephone1",
        }
    }
}

/// How a planted value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// As it is in the cell.
    AsIs,
    /// In upper case.
    Upper,
    /// In lower case.
    Lower,
    /// Inside a longer text (one of a few sentences, by number).
    Inside(u8),
    /// Split across two formatted runs (where the place holds formatted text; elsewhere as
    /// it is), after the character the number picks.
    Runs(u8),
    /// Every other character written as an XML character reference (`&#x4A;`), starting at
    /// the first or the second by the number's parity.
    Escaped(u8),
    /// Percent-encoded (`Anna%20Berg`, `anna.berg%40contoso.com`).
    UrlEncoded,
    /// Every other character written as SpreadsheetML's `_xHHHH_` escape (`_x0041_nna Berg`),
    /// which Excel decodes in cell strings, comments, authors, tooltips, filter values,
    /// conditional-format text and headers (elsewhere as it is), starting at the first or the
    /// second by the number's parity.
    Xstring(u8),
    /// A phone number's digits alone (`34678936797`); other values as they are.
    Digits,
    /// A character that does not show (one of [`INVISIBLE`], by the number) after the second
    /// character and again after the fourth, as a hand edit or a paste from another program
    /// leaves them: the value shows as it is.
    Invisible(u8),
}

/// Characters that do not show, as [`Form::Invisible`] inserts them: a zero-width space, the
/// soft hyphen, the combining grapheme joiner, the Arabic letter mark, bidirectional embeddings
/// and isolates, a variation selector, the Hangul filler and a tag character.
pub const INVISIBLE: [char; 9] = [
    '\u{200B}',
    '\u{AD}',
    '\u{34F}',
    '\u{61C}',
    '\u{202A}',
    '\u{2066}',
    '\u{FE0F}',
    '\u{3164}',
    '\u{E0041}',
];

/// A place for a planted value, besides the leak catalogue's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spot {
    /// An inline-string cell of the hidden `Handover` sheet, which the map keeps.
    KeptCell,
    /// A shared-string cell of the `Handover` sheet.
    SharedKeptCell,
    /// The cached text of a formula on the `Handover` sheet over the data sheet's Full Name.
    FormulaCache,
    /// A legacy comment's text on a kept cell.
    Comment,
    /// A legacy comment's author.
    CommentAuthor,
    /// A threaded comment's text on a kept cell.
    ThreadedComment,
    /// A person of the threaded comments (display name and user id).
    Person,
    /// A hyperlink's tooltip.
    LinkTooltip,
    /// A hyperlink's target (`mailto:` for an address, else a web address).
    LinkTarget,
    /// `docProps/core.xml` keywords.
    CoreProp,
    /// `docProps/app.xml` company.
    AppProp,
    /// A `docProps/custom.xml` property.
    CustomProp,
    /// A string literal of a defined name.
    DefinedName,
    /// A chart's category cache.
    ChartCache,
    /// A chart's title.
    ChartTitle,
    /// A drawing's text box.
    TextBox,
    /// A drawing's alt text.
    AltText,
    /// The `Handover` sheet's header.
    HeaderFooter,
    /// A validation list literal.
    ValidationList,
    /// Conditional-format text.
    CondFormat,
    /// An autofilter value.
    AutoFilter,
    /// A data validation's input prompt and error message.
    ValidationPrompt,
    /// A shared string that no cell uses.
    UnusedSharedString,
    /// A comment in the JPEG image of a picture on the `Handover` sheet.
    ImageMetadata,
}

impl Spot {
    /// Every spot.
    pub const ALL: [Spot; 24] = [
        Spot::KeptCell,
        Spot::SharedKeptCell,
        Spot::FormulaCache,
        Spot::Comment,
        Spot::CommentAuthor,
        Spot::ThreadedComment,
        Spot::Person,
        Spot::LinkTooltip,
        Spot::LinkTarget,
        Spot::CoreProp,
        Spot::AppProp,
        Spot::CustomProp,
        Spot::DefinedName,
        Spot::ChartCache,
        Spot::ChartTitle,
        Spot::TextBox,
        Spot::AltText,
        Spot::HeaderFooter,
        Spot::ValidationList,
        Spot::CondFormat,
        Spot::AutoFilter,
        Spot::ValidationPrompt,
        Spot::UnusedSharedString,
        Spot::ImageMetadata,
    ];
}

/// One planted value: row `row`'s value of `kind`, in `spot`, written in `form`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plant {
    /// Where.
    pub spot: Spot,
    /// The data row (of the first [`ROWS_PLANTED`]).
    pub row: usize,
    /// Which value.
    pub kind: Kind,
    /// How it is written.
    pub form: Form,
}

/// Rows of the export whose values are planted.
pub const ROWS_PLANTED: usize = 4;

/// A scattered export.
#[derive(Debug, Clone)]
pub struct Scattered {
    /// The package.
    pub xlsx: Vec<u8>,
    /// The export whose rows are in the data sheet.
    pub export: Export,
    /// The values planted outside the data sheet's cells (by the catalogue's places and by
    /// the plants).
    pub planted: Vec<String>,
    /// Every value of every row of the kinds of [`Kind::ALL`], and the digits of its phone
    /// numbers: what the profile removes and what identifies a person on its own.
    pub removed: Vec<String>,
}

impl Scattered {
    /// What [`Scattered::removed`] holds of data row `row` alone.
    pub fn removed_of(&self, row: usize) -> Vec<String> {
        let mut values: Vec<String> = Kind::ALL
            .map(|k| value(&self.export, row, k.logical()))
            .to_vec();
        values.extend(values.clone().iter().filter_map(|v| phone_digits(v)));
        values
    }
}

/// The sentences of [`Form::Inside`].
const AROUND: [(&str, &str); 8] = [
    ("Handover from ", " is done."),
    ("ask ", ", thanks"),
    ("[", "]"),
    ("Owner: ", ""),
    ("(", ")."),
    ("Reply to <", ">;"),
    ("mailto:", "?subject=Laptop"),
    ("", "'s laptop"),
];

/// Where a text goes, for [`render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// An attribute value or an element's plain text.
    Plain,
    /// As [`Ctx::Plain`], where SpreadsheetML's `_xHHHH_` escapes are decoded (an author, a
    /// tooltip, a filter value, conditional-format text, a header).
    Xml,
    /// The content of a SpreadsheetML string (`<is>`, `<si>`, a comment's `<text>`).
    Rich,
    /// The content of a DrawingML paragraph (`<a:p>`).
    Drawing,
}

/// `value` written in `form` for `ctx`, XML-escaped.
fn render(value: &str, form: Form, ctx: Ctx) -> String {
    let plain = |text: &str| match ctx {
        Ctx::Plain | Ctx::Xml => esc(text),
        Ctx::Rich => format!(r#"<t xml:space="preserve">{}</t>"#, esc(text)),
        Ctx::Drawing => format!(
            r#"<a:r><a:rPr lang="en-US"/><a:t>{}</a:t></a:r>"#,
            esc(text)
        ),
    };
    let wrap = |xml: String| match ctx {
        Ctx::Plain | Ctx::Xml => xml,
        Ctx::Rich => format!(r#"<t xml:space="preserve">{xml}</t>"#),
        Ctx::Drawing => format!(r#"<a:r><a:rPr lang="en-US"/><a:t>{xml}</a:t></a:r>"#),
    };
    match form {
        Form::AsIs => plain(value),
        Form::Upper => plain(&value.to_uppercase()),
        Form::Lower => plain(&value.to_lowercase()),
        Form::Inside(n) => {
            let (before, after) = AROUND[n as usize % AROUND.len()];
            plain(&format!("{before}{value}{after}"))
        }
        Form::Runs(n) => {
            let chars: Vec<char> = value.chars().collect();
            if matches!(ctx, Ctx::Plain | Ctx::Xml) || chars.len() < 2 {
                return plain(value);
            }
            let at = 1 + n as usize % (chars.len() - 1);
            let first: String = chars[..at].iter().collect();
            let rest: String = chars[at..].iter().collect();
            if ctx == Ctx::Rich {
                format!(
                    r#"<r><t xml:space="preserve">{}</t></r><r><rPr><b/><sz val="10"/><rFont val="Calibri"/></rPr><t xml:space="preserve">{}</t></r>"#,
                    esc(&first),
                    esc(&rest)
                )
            } else {
                format!(
                    r#"<a:r><a:rPr lang="en-US"/><a:t>{}</a:t></a:r><a:r><a:rPr lang="en-US" b="1"/><a:t>{}</a:t></a:r>"#,
                    esc(&first),
                    esc(&rest)
                )
            }
        }
        Form::Escaped(n) => wrap(
            value
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if (i + n as usize).is_multiple_of(2) && c != ' ' {
                        format!("&#x{:X};", c as u32)
                    } else {
                        esc(&c.to_string())
                    }
                })
                .collect(),
        ),
        Form::UrlEncoded => plain(&utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()),
        Form::Xstring(n) if matches!(ctx, Ctx::Rich | Ctx::Xml) => plain(
            &value
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if (i + n as usize).is_multiple_of(2) && c != ' ' && (c as u32) < 0x10000 {
                        format!("_x{:04X}_", c as u32)
                    } else {
                        c.to_string()
                    }
                })
                .collect::<String>(),
        ),
        Form::Xstring(_) => plain(value),
        Form::Digits => plain(&phone_digits(value).unwrap_or_else(|| value.to_string())),
        Form::Invisible(n) => {
            let mark = INVISIBLE[n as usize % INVISIBLE.len()];
            plain(
                &value
                    .chars()
                    .enumerate()
                    .flat_map(|(i, c)| [Some(c), matches!(i, 1 | 3).then_some(mark)])
                    .flatten()
                    .collect::<String>(),
            )
        }
    }
}

/// The digits of a phone number (`+34 678 936 797` → `34678936797`); `None` for other values.
pub fn phone_digits(value: &str) -> Option<String> {
    let phone = value
        .chars()
        .all(|c| c.is_ascii_digit() || " +()-./".contains(c));
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    (phone && digits.len() >= 7 && digits.len() < value.len()).then_some(digits)
}

/// A generated Disabled Users export of 8 rows (`seed`) with the catalogue's `places` and the
/// `plants`.
pub fn scatter(seed: u64, places: &[Place], plants: &[Plant]) -> Scattered {
    let export = disabled_users(&Options {
        rows: 8,
        seed,
        ..Options::default()
    });
    let mut removed: Vec<String> = (0..export.rows.len())
        .flat_map(|r| Kind::ALL.map(|k| value(&export, r, k.logical())))
        .collect();
    let digits: Vec<String> = removed.iter().filter_map(|v| phone_digits(v)).collect();
    removed.extend(digits);
    let catalogue = planted_in(export, places);
    let mut planted = catalogue.values;
    let mut parts = Parts::read(&catalogue.xlsx);
    let export = catalogue.export;
    let mut at: Vec<(Spot, String, Form)> = Vec::new();
    for plant in plants {
        let text = value(&export, plant.row % ROWS_PLANTED, plant.kind.logical());
        if !planted.contains(&text) {
            planted.push(text.clone());
        }
        at.push((plant.spot, text, plant.form));
    }
    Handover::new(&at).write(&mut parts);
    Scattered {
        xlsx: parts.write(),
        export,
        planted,
        removed,
    }
}

/// The planted values by spot, rendered.
struct Handover<'a> {
    at: &'a [(Spot, String, Form)],
}

const SHEET: &str = "xl/worksheets/sheet9.xml";
const SHEET_RELS: &str = "xl/worksheets/_rels/sheet9.xml.rels";
const CT: &str = "application/vnd.openxmlformats-officedocument";

impl<'a> Handover<'a> {
    fn new(at: &'a [(Spot, String, Form)]) -> Self {
        Handover { at }
    }

    /// The values planted in `spot`, rendered for `ctx`.
    fn get(&self, spot: Spot, ctx: Ctx) -> Vec<String> {
        self.at
            .iter()
            .filter(|(s, _, _)| *s == spot)
            .map(|(_, v, f)| render(v, *f, ctx))
            .collect()
    }

    fn url(&self) -> Vec<String> {
        self.at
            .iter()
            .filter(|(s, _, _)| *s == Spot::LinkTarget)
            .map(|(_, v, f)| {
                let text = render(v, *f, Ctx::Plain);
                if v.contains('@') {
                    format!("mailto:{text}")
                } else {
                    format!("https://intranet.contoso.example/people?who={text}")
                }
            })
            .collect()
    }

    fn write(&self, parts: &mut Parts) {
        self.workbook_wide(parts);
        let kept = self.get(Spot::KeptCell, Ctx::Rich);
        let shared = self.get(Spot::SharedKeptCell, Ctx::Rich);
        let unused = self.get(Spot::UnusedSharedString, Ctx::Rich);
        let cached = self.get(Spot::FormulaCache, Ctx::Plain);
        let comments = self.get(Spot::Comment, Ctx::Rich);
        let authors = self.get(Spot::CommentAuthor, Ctx::Xml);
        let threads = self.get(Spot::ThreadedComment, Ctx::Plain);
        let persons = self.get(Spot::Person, Ctx::Plain);
        let tooltips = self.get(Spot::LinkTooltip, Ctx::Xml);
        let targets = self.url();
        let rows = 3.max(self.at.len() + 1) as u32;

        // The cells: a header, then per row a topic, an owner (the planted cells, or a neutral
        // one) and a status.
        let mut data = String::from(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Topic</t></is></c><c r="B1" t="inlineStr"><is><t>Owner</t></is></c><c r="C1" t="inlineStr"><is><t>Status</t></is></c></row>"#,
        );
        let mut owners: Vec<String> = Vec::new();
        for text in &kept {
            owners.push(format!(r#"t="inlineStr"><is>{text}</is>"#));
        }
        if !shared.is_empty() || !unused.is_empty() {
            let sst = parts.text("xl/sharedStrings.xml");
            let count = |attr: &str| -> u32 {
                sst.split(&format!(r#" {attr}=""#))
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .and_then(|n| n.parse().ok())
                    .expect("shared string counts")
            };
            let (total, unique) = (count("count"), count("uniqueCount"));
            let items: String = shared
                .iter()
                .chain(&unused)
                .map(|s| format!("<si>{s}</si>"))
                .collect();
            let sst = sst
                .replacen(
                    &format!(r#" count="{total}""#),
                    &format!(r#" count="{}""#, total + shared.len() as u32),
                    1,
                )
                .replacen(
                    &format!(r#" uniqueCount="{unique}""#),
                    &format!(
                        r#" uniqueCount="{}""#,
                        unique + (shared.len() + unused.len()) as u32
                    ),
                    1,
                )
                .replacen("</sst>", &format!("{items}</sst>"), 1);
            parts.set("xl/sharedStrings.xml", sst);
            for i in 0..shared.len() as u32 {
                owners.push(format!(r#"t="s"><v>{}</v>"#, unique + i));
            }
        }
        let mut formulas = Vec::new();
        for (i, text) in cached.iter().enumerate() {
            formulas.push((i, text));
        }
        for r in 2..=rows {
            let i = (r - 2) as usize;
            let owner = match owners.get(i) {
                Some(cell) => format!(r#"<c r="B{r}" {cell}</c>"#),
                None => match formulas.get(i.wrapping_sub(owners.len())) {
                    Some((n, text)) => format!(
                        r#"<c r="B{r}" t="str"><f>'Disabled Users'!D{}&amp;""</f><v>{text}</v></c>"#,
                        n + 2
                    ),
                    None => {
                        format!(r#"<c r="B{r}" t="inlineStr"><is><t>Service Desk</t></is></c>"#)
                    }
                },
            };
            data.push_str(&format!(
                r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Laptop HW-{r}</t></is></c>{owner}<c r="C{r}" t="inlineStr"><is><t>Open</t></is></c></row>"#
            ));
        }

        let mut xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetData>{data}</sheetData>"#
        );
        let filters = self.get(Spot::AutoFilter, Ctx::Xml);
        if !filters.is_empty() {
            let values: String = filters
                .iter()
                .map(|f| format!(r#"<filter val="{f}"/>"#))
                .collect();
            xml.push_str(&format!(
                r#"<autoFilter ref="A1:C{rows}"><filterColumn colId="1"><filters>{values}</filters></filterColumn></autoFilter>"#
            ));
        }
        let formats = self.get(Spot::CondFormat, Ctx::Xml);
        for (i, text) in formats.iter().enumerate() {
            xml.push_str(&format!(
                r#"<conditionalFormatting sqref="B2:B{rows}"><cfRule type="containsText" priority="{}" operator="containsText" text="{text}"><formula>NOT(ISERROR(SEARCH("{text}",B2)))</formula></cfRule></conditionalFormatting>"#,
                i + 1
            ));
        }
        let lists = self.get(Spot::ValidationList, Ctx::Plain);
        let prompts = self.get(Spot::ValidationPrompt, Ctx::Xml);
        if !lists.is_empty() || !prompts.is_empty() {
            let mut validations = Vec::new();
            if !lists.is_empty() {
                validations.push(format!(
                    r#"<dataValidation type="list" allowBlank="1" sqref="B2:B{rows}"><formula1>"{},Service Desk"</formula1></dataValidation>"#,
                    lists.join(",")
                ));
            }
            for (i, text) in prompts.iter().enumerate() {
                validations.push(format!(
                    r#"<dataValidation type="textLength" operator="lessThanOrEqual" allowBlank="1" showInputMessage="1" showErrorMessage="1" errorTitle="Ask {text}" error="Too long; ask {text}" promptTitle="Owner" prompt="Checked by {text}" sqref="C{}"><formula1>100</formula1></dataValidation>"#,
                    i + 2
                ));
            }
            xml.push_str(&format!(
                r#"<dataValidations count="{}">{}</dataValidations>"#,
                validations.len(),
                validations.concat()
            ));
        }
        if !tooltips.is_empty() || !targets.is_empty() {
            xml.push_str("<hyperlinks>");
            let mut r = 2;
            for text in &tooltips {
                xml.push_str(&format!(
                    r#"<hyperlink ref="A{r}" location="'Handover'!A1" display="Laptop HW-{r}" tooltip="{text}"/>"#
                ));
                r += 1;
            }
            for (i, target) in targets.iter().enumerate() {
                let id = format!("rId2{i:02}");
                xml.push_str(&format!(r#"<hyperlink ref="A{r}" r:id="{id}"/>"#));
                parts.relate(SHEET_RELS, &id, &format!("{REL}/hyperlink"), target, true);
                r += 1;
            }
            xml.push_str("</hyperlinks>");
        }
        xml.push_str(r#"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#);
        let headers = self.get(Spot::HeaderFooter, Ctx::Xml);
        if !headers.is_empty() {
            xml.push_str(&format!(
                r#"<headerFooter><oddHeader>&amp;L{}&amp;RPage &amp;P</oddHeader></headerFooter>"#,
                headers.join(" ")
            ));
        }
        if self.drawing(parts) {
            xml.push_str(r#"<drawing r:id="rId193"/>"#);
        }
        xml.push_str("</worksheet>");

        if !comments.is_empty() || !authors.is_empty() {
            let mut list = String::new();
            let mut author_list: String = authors
                .iter()
                .map(|a| format!("<author>{a}</author>"))
                .collect();
            author_list.push_str("<author>IT Service Desk</author>");
            let desk = authors.len();
            let mut r = 2;
            for text in &comments {
                list.push_str(&format!(
                    r#"<comment ref="C{r}" authorId="{desk}"><text>{text}</text></comment>"#
                ));
                r += 1;
            }
            for a in 0..authors.len() {
                list.push_str(&format!(
                    r#"<comment ref="C{r}" authorId="{a}"><text><t>Checked</t></text></comment>"#
                ));
                r += 1;
            }
            parts.add(
                "xl/comments9.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><comments xmlns="{MAIN}"><authors>{author_list}</authors><commentList>{list}</commentList></comments>"#
                ),
                &format!("{CT}.spreadsheetml.comments+xml"),
            );
            parts.relate(
                SHEET_RELS,
                "rId191",
                &format!("{REL}/comments"),
                "../comments9.xml",
                false,
            );
        }
        if !threads.is_empty() || !persons.is_empty() {
            const DESK: &str = "{8A1D0C4E-0000-4000-8000-000000000901}";
            let mut people =
                format!(r#"<person displayName="Service Desk 9" id="{DESK}" providerId="None"/>"#);
            let mut list = String::new();
            let mut r = 2;
            for (i, text) in threads.iter().enumerate() {
                list.push_str(&format!(
                    r#"<threadedComment ref="C{r}" dT="2024-11-04T10:00:00.00" personId="{DESK}" id="{{5B0E8C1F-0000-4000-8000-0000000009{i:02}}}"><text>{text}</text></threadedComment>"#
                ));
                r += 1;
            }
            for (i, name) in persons.iter().enumerate() {
                let id = format!("{{8A1D0C4E-0000-4000-8000-0000000009{:02}}}", i + 10);
                people.push_str(&format!(
                    r#"<person displayName="{name}" id="{id}" userId="{name}" providerId="AD"/>"#
                ));
                list.push_str(&format!(
                    r#"<threadedComment ref="C{r}" dT="2024-11-04T10:00:00.00" personId="{id}" id="{{5B0E8C1F-0000-4000-8000-0000000009{:02}}}"><text>Noted</text></threadedComment>"#,
                    i + 50
                ));
                r += 1;
            }
            parts.add(
                "xl/threadedComments/threadedComment9.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">{list}</ThreadedComments>"#
                ),
                "application/vnd.ms-excel.threadedcomments+xml",
            );
            parts.relate(
                SHEET_RELS,
                "rId192",
                "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
                "../threadedComments/threadedComment9.xml",
                false,
            );
            let part = "xl/persons/person.xml";
            if parts.has(part) {
                parts.insert(part, "</personList>", &people);
            } else {
                parts.add(
                    part,
                    format!(
                        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">{people}</personList>"#
                    ),
                    "application/vnd.ms-excel.person+xml",
                );
                parts.relate(
                    "xl/_rels/workbook.xml.rels",
                    "rId199",
                    "http://schemas.microsoft.com/office/2017/10/relationships/person",
                    "persons/person.xml",
                    false,
                );
            }
        }
        parts.add(SHEET, xml, &format!("{CT}.spreadsheetml.worksheet+xml"));
        parts.relate(
            "xl/_rels/workbook.xml.rels",
            "rId190",
            &format!("{REL}/worksheet"),
            "worksheets/sheet9.xml",
            false,
        );
        parts.insert(
            "xl/workbook.xml",
            "</sheets>",
            r#"<sheet name="Handover" sheetId="9" state="hidden" r:id="rId190"/>"#,
        );
    }

    /// Document properties, defined names.
    fn workbook_wide(&self, parts: &mut Parts) {
        let keywords = self.get(Spot::CoreProp, Ctx::Plain);
        if !keywords.is_empty() {
            parts.insert(
                "docProps/core.xml",
                "</cp:coreProperties>",
                &format!("<cp:keywords>{}</cp:keywords>", keywords.join("; ")),
            );
        }
        let company = self.get(Spot::AppProp, Ctx::Plain);
        if !company.is_empty() {
            let app = parts.text("docProps/app.xml");
            let app = app.replacen(
                "<Company></Company>",
                &format!("<Company>{}</Company>", company.join("; ")),
                1,
            );
            parts.set("docProps/app.xml", app);
        }
        let custom = self.get(Spot::CustomProp, Ctx::Plain);
        if !custom.is_empty() {
            let props: String = custom
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    format!(
                        r#"<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{}" name="Reviewer {}"><vt:lpwstr>{text}</vt:lpwstr></property>"#,
                        i + 20,
                        i + 1
                    )
                })
                .collect();
            let part = "docProps/custom.xml";
            if parts.has(part) {
                parts.insert(part, "</Properties>", &props);
            } else {
                parts.add(
                    part,
                    format!(
                        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{props}</Properties>"#
                    ),
                    &format!("{CT}.custom-properties+xml"),
                );
                parts.relate(
                    "_rels/.rels",
                    "rId199",
                    &format!("{REL}/custom-properties"),
                    part,
                    false,
                );
            }
        }
        let names = self.get(Spot::DefinedName, Ctx::Plain);
        if !names.is_empty() {
            let defined: String = names
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    format!(
                        r#"<definedName name="Handover_{}">"{text}"</definedName>"#,
                        i + 1
                    )
                })
                .collect();
            let wb = "xl/workbook.xml";
            if parts.text(wb).contains("</definedNames>") {
                parts.insert(wb, "</definedNames>", &defined);
            } else {
                parts.insert(
                    wb,
                    "<calcPr",
                    &format!("<definedNames>{defined}</definedNames>"),
                );
            }
        }
    }

    /// The drawing of the `Handover` sheet (a chart and a text box), when a plant needs it.
    fn drawing(&self, parts: &mut Parts) -> bool {
        let cache = self.get(Spot::ChartCache, Ctx::Plain);
        let titles = self.get(Spot::ChartTitle, Ctx::Drawing);
        let boxes = self.get(Spot::TextBox, Ctx::Drawing);
        let alt = self.get(Spot::AltText, Ctx::Plain);
        let images: Vec<&String> = self
            .at
            .iter()
            .filter(|(s, _, _)| *s == Spot::ImageMetadata)
            .map(|(_, v, _)| v)
            .collect();
        if cache.is_empty()
            && titles.is_empty()
            && boxes.is_empty()
            && alt.is_empty()
            && images.is_empty()
        {
            return false;
        }
        const XDR: &str = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing";
        const A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
        const C: &str = "http://schemas.openxmlformats.org/drawingml/2006/chart";
        let anchor = |from: u32| {
            format!(
                "<xdr:from><xdr:col>4</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{from}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>10</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>",
                from + 10
            )
        };
        let paragraphs = |runs: &[String]| -> String {
            runs.iter().map(|r| format!("<a:p>{r}</a:p>")).collect()
        };
        let mut shapes = String::new();
        if !boxes.is_empty() || !alt.is_empty() {
            let body = if boxes.is_empty() {
                r#"<a:p><a:r><a:rPr lang="en-US"/><a:t>Returned</a:t></a:r></a:p>"#.to_string()
            } else {
                paragraphs(&boxes)
            };
            shapes.push_str(&format!(
                r#"<xdr:twoCellAnchor>{}<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="3" name="TextBox 2" descr="{}"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1000000" cy="500000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr vertOverflow="clip" wrap="square" rtlCol="0"/><a:lstStyle/>{body}</xdr:txBody></xdr:sp><xdr:clientData/></xdr:twoCellAnchor>"#,
                anchor(1),
                alt.join("; ")
            ));
        }
        if !images.is_empty() {
            // A JPEG whose comment segment (`FF FE`) names the people in the photo, as
            // cameras and photo tools write them.
            let mut jpeg = b"\xFF\xD8".to_vec();
            for text in &images {
                let comment = format!("Photo: {text}");
                jpeg.extend([0xFF, 0xFE]);
                jpeg.extend(((comment.len() + 2) as u16).to_be_bytes());
                jpeg.extend(comment.bytes());
            }
            jpeg.extend(b"\xFF\xD9");
            parts.add("xl/media/image9.jpeg", jpeg, "image/jpeg");
            parts.relate(
                "xl/drawings/_rels/drawing9.xml.rels",
                "rId2",
                &format!("{REL}/image"),
                "../media/image9.jpeg",
                false,
            );
            shapes.push_str(&format!(
                r#"<xdr:twoCellAnchor>{}<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="4" name="Picture 3"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill><a:blip xmlns:r="{REL}" r:embed="rId2"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="500000" cy="500000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:twoCellAnchor>"#,
                anchor(24)
            ));
        }
        if !cache.is_empty() || !titles.is_empty() {
            shapes.push_str(&format!(
                r#"<xdr:twoCellAnchor>{}<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="{C}"><c:chart xmlns:c="{C}" xmlns:r="{REL}" r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>"#,
                anchor(12)
            ));
            let title = if titles.is_empty() {
                String::new()
            } else {
                format!(
                    r#"<c:title><c:tx><c:rich><a:bodyPr/>{}</c:rich></c:tx><c:overlay val="0"/></c:title>"#,
                    paragraphs(&titles)
                )
            };
            let n = cache.len().max(1);
            let points: String = if cache.is_empty() {
                r#"<c:pt idx="0"><c:v>Laptop HW-2</c:v></c:pt>"#.to_string()
            } else {
                cache
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!(r#"<c:pt idx="{i}"><c:v>{v}</c:v></c:pt>"#))
                    .collect()
            };
            let values: String = (0..n)
                .map(|i| format!(r#"<c:pt idx="{i}"><c:v>{}</c:v></c:pt>"#, i + 1))
                .collect();
            parts.add(
                "xl/charts/chart9.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><c:chartSpace xmlns:c="{C}" xmlns:a="{A}" xmlns:r="{REL}"><c:chart>{title}<c:plotArea><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:ser><c:idx val="0"/><c:order val="0"/><c:cat><c:strRef><c:f>'Handover'!$B$2:$B${last}</c:f><c:strCache><c:ptCount val="{n}"/>{points}</c:strCache></c:strRef></c:cat><c:val><c:numRef><c:f>'Handover'!$C$2:$C${last}</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{n}"/>{values}</c:numCache></c:numRef></c:val></c:ser><c:axId val="1"/><c:axId val="2"/></c:barChart><c:catAx><c:axId val="1"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/><c:crossAx val="2"/></c:catAx><c:valAx><c:axId val="2"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:crossAx val="1"/></c:valAx></c:plotArea></c:chart></c:chartSpace>"#,
                    last = n + 1
                ),
                "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
            );
            parts.relate(
                "xl/drawings/_rels/drawing9.xml.rels",
                "rId1",
                &format!("{REL}/chart"),
                "../charts/chart9.xml",
                false,
            );
        }
        parts.add(
            "xl/drawings/drawing9.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{A}">{shapes}</xdr:wsDr>"#
            ),
            &format!("{CT}.drawing+xml"),
        );
        parts.relate(
            SHEET_RELS,
            "rId193",
            &format!("{REL}/drawing"),
            "../drawings/drawing9.xml",
            false,
        );
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_render_to_the_value() {
        let v = "Anna Berg";
        assert_eq!(render(v, Form::AsIs, Ctx::Plain), "Anna Berg");
        assert_eq!(render(v, Form::Upper, Ctx::Plain), "ANNA BERG");
        assert_eq!(
            render(v, Form::Inside(1), Ctx::Plain),
            "ask Anna Berg, thanks"
        );
        assert_eq!(
            render(v, Form::Escaped(0), Ctx::Plain),
            "&#x41;n&#x6E;a B&#x65;r&#x67;"
        );
        assert_eq!(
            render("a.b@c.com", Form::UrlEncoded, Ctx::Plain),
            "a%2Eb%40c%2Ecom"
        );
        assert_eq!(
            render(v, Form::Runs(2), Ctx::Rich),
            r#"<r><t xml:space="preserve">Ann</t></r><r><rPr><b/><sz val="10"/><rFont val="Calibri"/></rPr><t xml:space="preserve">a Berg</t></r>"#
        );
        assert_eq!(render(v, Form::Runs(2), Ctx::Plain), "Anna Berg");
        assert_eq!(
            render(v, Form::Xstring(1), Ctx::Rich),
            r#"<t xml:space="preserve">A_x006E_n_x0061_ _x0042_e_x0072_g</t>"#
        );
        assert_eq!(
            render("Anna Berg", Form::Invisible(0), Ctx::Plain),
            "An\u{200B}na\u{200B} Berg"
        );
        assert_eq!(
            render("+34 678 936 797", Form::Digits, Ctx::Plain),
            "34678936797"
        );
    }

    /// Every plant is in the package, and the package reads back with every sheet.
    #[test]
    fn every_spot_holds_its_value() {
        let plants: Vec<Plant> = Spot::ALL
            .iter()
            .enumerate()
            .map(|(i, &spot)| Plant {
                spot,
                row: i,
                kind: Kind::ALL[i % Kind::ALL.len()],
                form: Form::AsIs,
            })
            .collect();
        let s = scatter(3, &Place::CLEANED, &plants);
        let parts = Parts::read(&s.xlsx);
        for (plant, spot) in plants.iter().zip(Spot::ALL) {
            let v = value(&s.export, plant.row % ROWS_PLANTED, plant.kind.logical());
            let found = parts.0.iter().any(|(_, data)| {
                let text = String::from_utf8_lossy(data);
                text.contains(&esc(&v))
            });
            assert!(found, "{spot:?}");
        }
        let book = crate::xlsx::read(&s.xlsx).expect("the package reads");
        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["Disabled Users", "hiddenSheet", "Lookup", "Handover"]
        );
    }
}
