//! Byte-preserving edits of small XML parts: a part is read into a flat list of nodes with their
//! byte spans, cleaners decide which spans to replace, and [`splice`] writes the part with only
//! those spans changed. Everything else stays byte for byte (declarations, namespaces, spacing).

use super::Stop;
use crate::needles::Needles;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::HashMap;
use std::ops::Range;

/// What replaces a removed value inside kept text (a comment, a chart label, a filter value).
pub const REDACTED: &str = "[removed]";

/// A replacement of a byte range of a part.
pub type Edit = (Range<usize>, Vec<u8>);

/// One node of a part.
#[derive(Debug, Clone)]
pub enum Node {
    /// A start tag (or an empty element, `empty`), with its attributes unescaped.
    Start {
        span: Range<usize>,
        /// The name as written (`x:comment`).
        name: String,
        attrs: Vec<(String, String)>,
        empty: bool,
    },
    /// An end tag.
    End { span: Range<usize>, name: String },
    /// A run of text, entities and CDATA between two tags, unescaped.
    Text { span: Range<usize>, text: String },
}

impl Node {
    pub fn span(&self) -> Range<usize> {
        match self {
            Node::Start { span, .. } | Node::End { span, .. } | Node::Text { span, .. } => {
                span.clone()
            }
        }
    }

    /// The local name of a start or end tag (`comment` for `x:comment`).
    pub fn local(&self) -> &str {
        match self {
            Node::Start { name, .. } | Node::End { name, .. } => local(name),
            Node::Text { .. } => "",
        }
    }

    /// An attribute of a start tag by local name.
    pub fn attr(&self, key: &str) -> Option<&str> {
        match self {
            Node::Start { attrs, .. } => attrs
                .iter()
                .find(|(k, _)| local(k) == key)
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }
}

/// The part of a qualified name after its prefix.
pub fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// The nodes of `xml`. Tolerates unmatched end tags (a fragment of a worksheet).
///
/// # Errors
/// [`Stop::Malformed`] when the XML cannot be read.
pub fn parse(xml: &[u8]) -> Result<Vec<Node>, Stop> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut nodes = Vec::new();
    let mut text: Option<(usize, String)> = None;
    let mut pos = 0usize;
    loop {
        let event = reader.read_event().map_err(|_| Stop::Malformed)?;
        let end = reader.buffer_position() as usize;
        match &event {
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                let run = text.get_or_insert_with(|| (pos, String::new()));
                crate::needles::push_text(&event, &mut run.1);
            }
            other => {
                if let Some((start, t)) = text.take() {
                    nodes.push(Node::Text {
                        span: start..pos,
                        text: t,
                    });
                }
                match other {
                    Event::Start(e) | Event::Empty(e) => {
                        let name = e.name().as_ref().to_string();
                        let attrs = e
                            .attributes()
                            .with_checks(false)
                            .flatten()
                            .map(|a| {
                                let key = a.key.as_ref().to_string();
                                let raw = a.value.to_string();
                                let value = quick_xml::escape::unescape(&raw)
                                    .map(|v| v.into_owned())
                                    .unwrap_or(raw);
                                (key, value)
                            })
                            .collect();
                        nodes.push(Node::Start {
                            span: pos..end,
                            name,
                            attrs,
                            empty: matches!(other, Event::Empty(_)),
                        });
                    }
                    Event::End(e) => nodes.push(Node::End {
                        span: pos..end,
                        name: e.name().as_ref().to_string(),
                    }),
                    Event::Eof => break,
                    _ => {}
                }
            }
        }
        pos = end;
    }
    Ok(nodes)
}

/// Index of the node that closes the element opened at `open` (itself for an empty element);
/// the last node when the part ends first.
pub fn close_of(nodes: &[Node], open: usize) -> usize {
    if let Node::Start { empty: true, .. } = nodes[open] {
        return open;
    }
    let mut depth = 0usize;
    for (i, node) in nodes.iter().enumerate().skip(open) {
        match node {
            Node::Start { empty: false, .. } => depth += 1,
            Node::End { .. } => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    nodes.len() - 1
}

/// The bytes of the whole element opened at node `open`.
pub fn element_span(nodes: &[Node], open: usize) -> Range<usize> {
    nodes[open].span().start..nodes[close_of(nodes, open)].span().end
}

/// The text inside the element opened at `open`, runs joined.
pub fn inner_text(nodes: &[Node], open: usize) -> String {
    nodes[open..=close_of(nodes, open)]
        .iter()
        .filter_map(|n| match n {
            Node::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// A start tag written again with new attribute values.
pub fn start_tag(name: &str, attrs: &[(String, String)], empty: bool) -> Vec<u8> {
    let mut out = format!("<{name}");
    for (k, v) in attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        out.push_str(&quick_xml::escape::escape(v.as_str()));
        out.push('"');
    }
    out.push_str(if empty { "/>" } else { ">" });
    out.into_bytes()
}

/// Escape element text.
pub fn escape_text(text: &str) -> Vec<u8> {
    quick_xml::escape::partial_escape(text)
        .into_owned()
        .into_bytes()
}

/// `xml` with each span replaced; spans inside an earlier replaced span are ignored.
pub fn splice(xml: &[u8], mut edits: Vec<Edit>) -> Vec<u8> {
    edits.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut out = Vec::with_capacity(xml.len());
    let mut pos = 0;
    for (range, with) in edits {
        if range.start < pos {
            continue;
        }
        out.extend_from_slice(&xml[pos..range.start]);
        out.extend_from_slice(&with);
        pos = range.end;
    }
    out.extend_from_slice(&xml[pos..]);
    out
}

/// `text` with each hit replaced by [`REDACTED`]; `None` without hits. Text that reads
/// otherwise once decoded (see [`shown`]) is searched decoded, and written decoded with its
/// hits replaced: a value may show only there (`Anna%20Berg`), and replacing a part of the
/// escaped text could leave the rest of it (`[removed]%20Berg`).
pub fn redact_text(text: &str, needles: &Needles, markup: bool) -> Option<String> {
    redact_shown(text, |t| {
        let spans = needles.spans(t, markup);
        (!spans.is_empty()).then(|| replace_spans(t, spans))
    })
}

/// A font's name with each hit of a value no font is named by (an email, a full name)
/// replaced by [`REDACTED`]; `None` without hits (see [`Needles::found_in_font_name`]).
fn redact_font_name(text: &str, needles: &Needles) -> Option<String> {
    redact_shown(text, |t| {
        let spans = needles.font_name_spans(t);
        (!spans.is_empty()).then(|| replace_spans(t, spans))
    })
}

/// `redact` of the decoded text when it reads otherwise decoded and `redact` finds something
/// there, else of `text`; `None` when it finds nothing.
fn redact_shown(text: &str, redact: impl Fn(&str) -> Option<String>) -> Option<String> {
    shown(text)
        .and_then(|decoded| redact(&decoded))
        .or_else(|| redact(text))
}

/// `text` with each span replaced by [`REDACTED`].
fn replace_spans(text: &str, spans: Vec<Range<usize>>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for r in spans {
        out.push_str(&text[pos..r.start]);
        out.push_str(REDACTED);
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// `text` as a reader sees it, when that differs: SpreadsheetML's `_xHHHH_` escapes (which
/// Excel decodes in cell strings, comments, headers and most attributes: `_x0041_nna` shows
/// `Anna`), JSON's `\u` escapes and HTML's character references of letters (`Zo\u00eb`,
/// `Zo&euml;`, written as the same JSON or HTML: the crate's `xlsx::readings::equivalent`) and
/// percent-escapes (`Anna%20Berg`) decoded.
pub fn shown(text: &str) -> Option<String> {
    let unescaped = decode_xstring(text);
    let base = unescaped.as_deref().unwrap_or(text);
    let unescaped = crate::xlsx::readings::equivalent(base).or(unescaped);
    let base = unescaped.as_deref().unwrap_or(text);
    crate::needles::percent_decoded(base).or(unescaped)
}

/// `text` with its `_xHHHH_` escapes decoded, when it has any.
pub fn decode_xstring(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let escape_at = |i: usize| -> Option<char> {
        let b = bytes.get(i..i + 7)?;
        if b[0] != b'_' || b[1] != b'x' || b[6] != b'_' {
            return None;
        }
        let hex = std::str::from_utf8(&b[2..6]).ok()?;
        u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
    };
    let first = memchr::memchr_iter(b'_', bytes).find(|&i| escape_at(i).is_some())?;
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut i = first;
    while i < text.len() {
        if let Some(c) = escape_at(i) {
            out.push(c);
            i += 7;
        } else {
            let c = text[i..].chars().next()?;
            out.push(c);
            i += c.len_utf8();
        }
    }
    Some(out)
}

/// A formula's text with each hit inside a string literal replaced by `removed`.
///
/// # Errors
/// [`Stop::Uncleanable`] when a hit is outside a literal (a sheet or name reference, which no
/// replacement can keep working).
pub fn redact_formula(text: &str, needles: &Needles) -> Result<Option<String>, Stop> {
    let spans = needles.spans(text, true);
    if spans.is_empty() {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for r in spans {
        let quotes_before = text[..r.start].matches('"').count();
        if quotes_before.is_multiple_of(2) || text[r.clone()].contains('"') {
            return Err(Stop::Uncleanable { place: "a formula" });
        }
        out.push_str(&text[pos..r.start]);
        out.push_str("removed");
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    Ok(Some(out))
}

/// Header and footer elements, whose text carries formatting codes (`&L`, `&"Arial,Bold"`,
/// `&12`) glued to what people typed.
pub fn is_header_footer(local: &str) -> bool {
    matches!(
        local,
        "oddHeader" | "oddFooter" | "evenHeader" | "evenFooter" | "firstHeader" | "firstFooter"
    )
}

/// Header or footer text with each hit replaced by [`REDACTED`], searched as printed (see
/// [`header_footer_shown`]): a value glued to a code (`&LAnna Berg`, `&KFF0000Anna Berg`) or
/// split by a style toggle (`An&Bna Berg`) is a hit. The codes inside a hit stay after the
/// replacement, so that the formatting after it is the same. A value that shows only once the
/// text is decoded (see [`shown`]) is a hit too, as in [`redact_text`].
fn redact_header_footer(text: &str, needles: &Needles) -> Option<String> {
    let redact = |t: &str| -> Option<String> {
        let (printed, origin) = header_footer_shown(t);
        let spans = needles.spans(&printed, false);
        if spans.is_empty() {
            return None;
        }
        let tokens = header_footer_tokens(t);
        let mut out = String::with_capacity(t.len());
        let mut pos = 0;
        for r in spans {
            let start = origin[r.start].max(pos);
            let end = origin[r.end];
            out.push_str(&t[pos..start]);
            out.push_str(REDACTED);
            for token in tokens
                .iter()
                .filter(|k| k.at.start >= start && k.at.end <= end)
            {
                if token.kind != HfToken::Text {
                    out.push_str(&t[token.at.clone()]);
                }
            }
            pos = end;
        }
        out.push_str(&t[pos..]);
        Some(out)
    };
    redact_shown(text, redact)
}

/// What a piece of header or footer text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HfToken {
    /// Printed as it is (`&&` is a printed `&`).
    Text,
    /// A code that changes how what follows looks, printed as nothing: a style toggle (`&B`,
    /// `&I`, `&U`, `&E`, `&S`, `&X`, `&Y`, `&O`, `&H`), a font (`&"Arial,Bold"`), a size
    /// (`&12`), a colour (`&KFF0000`, `&K01+000`).
    Style,
    /// A code that starts a section (`&L`, `&C`, `&R`) or prints a field (`&P`, `&D`, `&F`...),
    /// or one this reader does not know: a break between words.
    Break,
}

/// A piece of header or footer text, by byte range.
#[derive(Debug, Clone)]
struct HfPiece {
    at: Range<usize>,
    kind: HfToken,
}

/// Header or footer text in pieces: printed text, and codes (see [`HfToken`]).
fn header_footer_tokens(text: &str) -> Vec<HfPiece> {
    let bytes = text.as_bytes();
    let mut out: Vec<HfPiece> = Vec::new();
    let mut push = |at: Range<usize>, kind: HfToken| match out.last_mut() {
        Some(last)
            if kind == HfToken::Text && last.kind == HfToken::Text && last.at.end == at.start =>
        {
            last.at.end = at.end;
        }
        _ => out.push(HfPiece { at, kind }),
    };
    let mut i = 0;
    while i < bytes.len() {
        let Some(amp) = memchr::memchr(b'&', &bytes[i..]).map(|k| i + k) else {
            push(i..bytes.len(), HfToken::Text);
            break;
        };
        if amp > i {
            push(i..amp, HfToken::Text);
        }
        let code = bytes.get(amp + 1).copied();
        let (len, kind) = match code {
            Some(b'&') => (2, HfToken::Text),
            Some(b'"') => {
                let close = memchr::memchr(b'"', &bytes[amp + 2..])
                    .map_or(bytes.len(), |k| amp + 2 + k + 1);
                (close - amp, HfToken::Style)
            }
            Some(d) if d.is_ascii_digit() => {
                let digits = bytes[amp + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                (1 + digits, HfToken::Style)
            }
            Some(b'K' | b'k') => {
                let colour = bytes[amp + 2..]
                    .iter()
                    .take(6)
                    .take_while(|b| b.is_ascii_hexdigit() || matches!(b, b'+' | b'-'))
                    .count();
                (2 + colour, HfToken::Style)
            }
            Some(b'B' | b'I' | b'U' | b'E' | b'S' | b'X' | b'Y' | b'O' | b'H') => {
                (2, HfToken::Style)
            }
            Some(c) if c.is_ascii() => (2, HfToken::Break),
            // `&` before a letter of another script: the `&` alone.
            Some(_) => (1, HfToken::Break),
            None => (1, HfToken::Break),
        };
        push(amp..amp + len, kind);
        i = amp + len;
    }
    out
}

/// Header or footer text as it prints: style codes dropped (`Kar&Iim` is `Karim`), section
/// and field codes read as a space (`&LAnna&RPage &P` holds `Anna` alone), `&&` as `&`; with,
/// for each byte of it and one past its end, the byte of `text` it comes from (a hit's range in
/// `text` runs from the first's origin to the origin after its last).
pub fn header_footer_shown(text: &str) -> (String, Vec<usize>) {
    let mut printed = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() + 1);
    for piece in header_footer_tokens(text) {
        match piece.kind {
            HfToken::Text => {
                // Each `&&` in a run of text prints as one `&`.
                let run = &text[piece.at.clone()];
                let mut k = 0;
                while k < run.len() {
                    if run[k..].starts_with("&&") {
                        printed.push('&');
                        origin.push(piece.at.start + k);
                        k += 2;
                    } else {
                        let c = run[k..].chars().next().unwrap_or(' ');
                        printed.push(c);
                        origin.extend(std::iter::repeat_n(piece.at.start + k, c.len_utf8()));
                        k += c.len_utf8();
                    }
                }
            }
            HfToken::Style => {}
            HfToken::Break => {
                printed.push(' ');
                origin.push(piece.at.start);
            }
        }
    }
    origin.push(text.len());
    (printed, origin)
}

/// Header or footer text as it prints (see [`header_footer_shown`]), for a search.
pub fn header_footer_printed(text: &str) -> String {
    header_footer_shown(text).0
}

/// Elements whose text is a formula.
pub fn is_formula_element(local: &str) -> bool {
    matches!(
        local,
        "f" | "formula"
            | "formula1"
            | "formula2"
            | "definedName"
            | "calculatedColumnFormula"
            | "totalsRowFormula"
    )
}

/// Font names (`typeface="Shruti"`, `<rFont val="Latha"/>`) are a fixed vocabulary that also
/// holds given names: they are searched only for the values no font is named by (see
/// [`Needles::found_in_font_name`]), so that an email or a full name typed there goes.
fn is_font_attribute(element: &str, attribute: &str) -> bool {
    matches!(
        attribute,
        "typeface" | "panose" | "pitchFamily" | "charset" | "script"
    ) || (attribute == "val" && matches!(element, "rFont" | "name" | "family" | "scheme"))
}

/// How a part's hits are replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Each hit becomes [`REDACTED`]; the rest of the text stays.
    Redact,
    /// A text or attribute with a hit is emptied (a property).
    Clear,
}

/// Replace every hit in the text and attribute values of `nodes[range]` (all of them by
/// default); formulas keep working or the part cannot be cleaned. Returns the edits and how many
/// texts or attributes changed.
///
/// # Errors
/// [`Stop::Uncleanable`] with `"a formula"` when a formula names a removed value outside a
/// string literal.
pub fn redact_nodes(
    nodes: &[Node],
    needles: &Needles,
    mode: Mode,
    markup: bool,
) -> Result<(Vec<Edit>, usize), Stop> {
    let mut edits = Vec::new();
    let mut count = 0;
    let mut stack: Vec<&str> = Vec::new();
    let runs = run_edits(nodes, needles, markup);
    for (index, node) in nodes.iter().enumerate() {
        if let (Some(new), Node::Text { span, .. }) = (runs.get(&index), node) {
            count += 1;
            edits.push((span.clone(), escape_text(new)));
            continue;
        }
        match node {
            Node::Start {
                span,
                name,
                attrs,
                empty,
            } => {
                let element = local(name);
                let mut changed = false;
                let new: Vec<(String, String)> = attrs
                    .iter()
                    .map(|(k, v)| {
                        let key = local(k);
                        if k.starts_with("xmlns") {
                            return (k.clone(), v.clone());
                        }
                        let redacted = if is_font_attribute(element, key) {
                            redact_font_name(v, needles)
                        } else {
                            redact_text(v, needles, true)
                        };
                        match redacted {
                            Some(r) => {
                                // Attributes are names and labels the element needs: they are
                                // redacted even in clear mode.
                                changed = true;
                                (k.clone(), r)
                            }
                            None => (k.clone(), v.clone()),
                        }
                    })
                    .collect();
                if changed {
                    count += 1;
                    edits.push((span.clone(), start_tag(name, &new, *empty)));
                }
                if !empty {
                    stack.push(element);
                }
            }
            Node::End { .. } => {
                stack.pop();
            }
            Node::Text { span, text } => {
                let parent = stack.last().copied().unwrap_or("");
                let new = if is_formula_element(parent) {
                    redact_formula(text, needles)?
                } else if is_header_footer(parent) {
                    redact_header_footer(text, needles)
                } else {
                    redact_text(text, needles, markup)
                };
                if let Some(new) = new {
                    count += 1;
                    let new = if mode == Mode::Clear && !is_formula_element(parent) {
                        String::new()
                    } else {
                        new
                    };
                    edits.push((span.clone(), escape_text(&new)));
                }
            }
        }
    }
    Ok((edits, count))
}

/// The new texts of the runs of formatted text (`<r><t>Ann</t></r><r><rPr><b/></rPr><t>a
/// Berg</t></r>`, `<a:r><a:t>..</a:t></a:r>` of a paragraph) in which a value stands across two
/// or more runs: the value's first run gets [`REDACTED`] where it starts, the rest of it leaves
/// the runs it spans. By node index; runs whose values each stand in one run are left to the
/// node-by-node redaction.
fn run_edits(nodes: &[Node], needles: &Needles, markup: bool) -> HashMap<usize, String> {
    let mut out = HashMap::new();
    let mut stack: Vec<&str> = Vec::new();
    let mut group: Vec<usize> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        match node {
            Node::Start { empty, .. } => {
                let element = node.local();
                if !crate::needles::inside_run(element) {
                    redact_group(nodes, &mut group, needles, markup, &mut out);
                }
                if !empty {
                    stack.push(element);
                }
            }
            Node::End { .. } => {
                stack.pop();
                if !crate::needles::inside_run(node.local()) {
                    redact_group(nodes, &mut group, needles, markup, &mut out);
                }
            }
            Node::Text { text, .. } => {
                let in_run = stack.len() >= 2 && stack[stack.len() - 2..] == ["r", "t"];
                if in_run {
                    group.push(i);
                } else if !text.trim().is_empty() {
                    redact_group(nodes, &mut group, needles, markup, &mut out);
                }
            }
        }
    }
    redact_group(nodes, &mut group, needles, markup, &mut out);
    out
}

/// See [`run_edits`]: one string's runs (`group`, text node indexes), emptied afterwards.
fn redact_group(
    nodes: &[Node],
    group: &mut Vec<usize>,
    needles: &Needles,
    markup: bool,
    out: &mut HashMap<usize, String>,
) {
    let runs = std::mem::take(group);
    if runs.len() < 2 {
        return;
    }
    let texts: Vec<&str> = runs
        .iter()
        .map(|&i| match &nodes[i] {
            Node::Text { text, .. } => text.as_str(),
            _ => "",
        })
        .collect();
    let joined = texts.concat();
    let spans = needles.spans(&joined, markup);
    let mut bounds = Vec::with_capacity(texts.len());
    let mut at = 0;
    for t in &texts {
        bounds.push(at..at + t.len());
        at += t.len();
    }
    let within_one = |s: &Range<usize>| bounds.iter().any(|b| b.start <= s.start && s.end <= b.end);
    if spans.iter().all(within_one) {
        return;
    }
    for (k, b) in bounds.iter().enumerate() {
        let mut new = String::new();
        let mut pos = b.start;
        for s in spans.iter().filter(|s| s.end > b.start && s.start < b.end) {
            let from = s.start.max(b.start);
            new.push_str(&joined[pos..from]);
            if s.start >= b.start {
                new.push_str(REDACTED);
            }
            pos = s.end.min(b.end);
        }
        new.push_str(&joined[pos..b.end]);
        if new != texts[k] {
            out.insert(runs[k], new);
        }
    }
}

/// A whole part cleaned by [`redact_nodes`]; `None` when nothing in it holds a removed value.
///
/// # Errors
/// As [`redact_nodes`], and [`Stop::Malformed`].
pub fn redact_part(
    xml: &[u8],
    needles: &Needles,
    mode: Mode,
    markup: bool,
) -> Result<Option<(Vec<u8>, usize)>, Stop> {
    let nodes = parse(xml)?;
    let (edits, count) = redact_nodes(&nodes, needles, mode, markup)?;
    Ok((count > 0).then(|| (splice(xml, edits), count)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_every_other_byte() {
        let needles = Needles::new(&["Anna Berg"]);
        let xml = br#"<?xml version="1.0"?><a:x xmlns:a="n"><a:t>Hi ANNA BERG &amp; co</a:t><a:p  tip="by Anna Berg" k='1'/><a:latin typeface="Calibri"/></a:x>"#;
        let (out, n) = redact_part(xml, &needles, Mode::Redact, true)
            .unwrap()
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<?xml version="1.0"?><a:x xmlns:a="n"><a:t>Hi [removed] &amp; co</a:t><a:p tip="by [removed]" k="1"/><a:latin typeface="Calibri"/></a:x>"#
        );
        assert!(redact_part(b"<a>Annabel</a>", &needles, Mode::Redact, true)
            .unwrap()
            .is_none());
    }

    /// A font's name is no data when a given name spells it (`Shruti`), but an email or a full
    /// name typed there is the person's.
    #[test]
    fn font_names_lose_emails_and_full_names_only() {
        let needles = Needles::new(&["Shruti", "Anna Berg", "anna.berg@contoso.com"]);
        let xml = br#"<x><font><name val="Shruti"/></font><font><name val="anna.berg@contoso.com"/></font><a:latin typeface="Anna Berg"/><rFont val="Shruti"/></x>"#;
        let (out, n) = redact_part(xml, &needles, Mode::Redact, true)
            .unwrap()
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<x><font><name val="Shruti"/></font><font><name val="[removed]"/></font><a:latin typeface="[removed]"/><rFont val="Shruti"/></x>"#
        );
    }

    #[test]
    fn formulas_are_redacted_inside_literals_only() {
        let needles = Needles::new(&["Anna Berg"]);
        assert_eq!(
            redact_formula(r#"IF(A1="Anna Berg",1,0)"#, &needles),
            Ok(Some(r#"IF(A1="removed",1,0)"#.into()))
        );
        assert!(redact_formula("'Anna Berg'!A1", &needles).is_err());
        assert_eq!(redact_formula("SUM(A1:A3)", &needles), Ok(None));
        let xml = br#"<w><definedName name="x">'Anna Berg'!$A$1</definedName></w>"#;
        assert!(matches!(
            redact_part(xml, &needles, Mode::Redact, true),
            Err(Stop::Uncleanable { .. })
        ));
    }

    #[test]
    fn header_codes_glued_to_a_value_do_not_hide_it() {
        let needles = Needles::new(&["Anna Berg", "anna.berg@contoso.com"]);
        assert_eq!(
            redact_header_footer(r#"&L&"Arial,Bold"&12Anna Berg&RPage &P"#, &needles).as_deref(),
            Some(r#"&L&"Arial,Bold"&12[removed]&RPage &P"#)
        );
        assert_eq!(
            redact_header_footer("&LAnna Berg && co", &needles).as_deref(),
            Some("&L[removed] && co")
        );
        assert_eq!(redact_header_footer("&LAnnabel", &needles), None);
        // A colour code before the value (Excel writes one for coloured header text), and
        // style toggles inside it, whose codes stay after the replacement.
        assert_eq!(
            redact_header_footer("&L&KFF0000Anna Berg&K01+000 and co", &needles).as_deref(),
            Some("&L&KFF0000[removed]&K01+000 and co")
        );
        assert_eq!(
            redact_header_footer("&CAn&Bna Be&Brg", &needles).as_deref(),
            Some("&C[removed]&B&B")
        );
        assert_eq!(
            redact_header_footer("&Rby anna.&Iberg@contoso.com&I!", &needles).as_deref(),
            Some("&Rby [removed]&I&I!")
        );
        // A section or field code is a break: no value across it.
        assert_eq!(redact_header_footer("&LAnna&CBergen", &needles), None);
        assert_eq!(
            header_footer_shown("&LAn&Bna &&&KFF0000Co&P"),
            (
                " Anna &Co ".to_string(),
                vec![0, 2, 3, 6, 7, 8, 9, 19, 20, 21, 23]
            )
        );
    }

    #[test]
    fn values_that_show_only_decoded_are_redacted() {
        let needles = Needles::new(&["Anna Berg", "anna.berg@contoso.com"]);
        assert_eq!(
            decode_xstring("_x0041_nna B_x0065_rg").as_deref(),
            Some("Anna Berg")
        );
        assert_eq!(decode_xstring("_x00zz_ and _x"), None);
        assert_eq!(
            redact_text("Ask _x0041_nn_x0061_ Berg", &needles, false).as_deref(),
            Some("Ask [removed]")
        );
        assert_eq!(
            redact_text("who=Anna%20Berg", &needles, true).as_deref(),
            Some("who=[removed]")
        );
        assert_eq!(redact_text("50% of _x0041_nnabel", &needles, false), None);
        assert_eq!(
            redact_header_footer("&Lanna.berg%40contoso.com&RPage &P", &needles).as_deref(),
            Some("&L[removed]&RPage &P")
        );
        // Not only the part of the value that shows undecoded.
        let needles = Needles::new(&["Anna Berg", "Anna", "Berg"]);
        assert_eq!(
            redact_text("Anna%20Berg", &needles, false).as_deref(),
            Some("[removed]")
        );
    }

    #[test]
    fn a_value_across_formatted_runs_is_redacted() {
        let needles = Needles::new(&["anna.berg@contoso.com", "Lars Ek"]);
        let xml = br#"<comment><text><r><t>Ask anna.b</t></r><r><rPr><b/></rPr><t>erg@contoso</t></r><r><t>.com or Lars Ek</t></r></text></comment><a:p><a:r><a:rPr lang="en"/><a:t>Lars</a:t></a:r><a:r><a:t xml:space="preserve"> Ek</a:t></a:r></a:p><si><r><t>Lars</t></r></si><si><r><t xml:space="preserve"> Ek</t></r></si>"#;
        let (out, n) = redact_part(xml, &needles, Mode::Redact, false)
            .unwrap()
            .unwrap();
        assert_eq!(n, 5);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<comment><text><r><t>Ask [removed]</t></r><r><rPr><b/></rPr><t></t></r><r><t> or [removed]</t></r></text></comment><a:p><a:r><a:rPr lang="en"/><a:t>[removed]</a:t></a:r><a:r><a:t xml:space="preserve"></a:t></a:r></a:p><si><r><t>Lars</t></r></si><si><r><t xml:space="preserve"> Ek</t></r></si>"#
        );
    }

    #[test]
    fn clear_mode_empties_the_property() {
        let needles = Needles::new(&["Anna Berg"]);
        let xml = b"<p><dc:creator>Anna Berg (HR)</dc:creator><x>kept</x></p>";
        let (out, _) = redact_part(xml, &needles, Mode::Clear, true)
            .unwrap()
            .unwrap();
        assert_eq!(out, b"<p><dc:creator></dc:creator><x>kept</x></p>");
    }

    #[test]
    fn elements_and_their_text() {
        let xml = b"<r><c ref=\"A1\"><t>x</t><t>y</t></c><c ref=\"B1\"/></r>";
        let nodes = parse(xml).unwrap();
        let first = nodes.iter().position(|n| n.local() == "c").unwrap();
        assert_eq!(inner_text(&nodes, first), "xy");
        assert_eq!(
            &xml[element_span(&nodes, first)],
            b"<c ref=\"A1\"><t>x</t><t>y</t></c>"
        );
        let second = nodes.iter().rposition(|n| n.local() == "c").unwrap();
        assert_eq!(nodes[second].attr("ref"), Some("B1"));
        assert_eq!(&xml[element_span(&nodes, second)], b"<c ref=\"B1\"/>");
    }
}
