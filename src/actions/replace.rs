//! `replace`: a fixed text with placeholders.

use super::CellCtx;

/// A replacement template such as `Deleted User {id8}`.
///
/// Placeholders: `{row}` (spreadsheet row number), `{id}` (the record GUID), `{id8}` (its first
/// eight hex digits), `{column}` (the column header). `{{` and `}}` stand for literal braces.
/// When a file has no record id column, `{id}` and `{id8}` fall back to the row number, so values
/// stay unique within the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Row,
    Id,
    Id8,
    Column,
}

impl Template {
    /// Parse a template; the error says which placeholder is wrong.
    pub fn parse(src: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = src.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => return Err(format!("unclosed `{{{name}` in template; placeholders are {{row}}, {{id}}, {{id8}}, {{column}}")),
                        }
                    }
                    let part = match name.as_str() {
                        "row" => Part::Row,
                        "id" => Part::Id,
                        "id8" => Part::Id8,
                        "column" => Part::Column,
                        _ => return Err(format!("unknown placeholder `{{{name}}}` in template; use {{row}}, {{id}}, {{id8}} or {{column}} (write `{{{{` for a literal brace)")),
                    };
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(part);
                }
                '}' => return Err("a lone `}` in template; write `}}` for a literal brace".into()),
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// The literal text the template starts with, if it starts with text.
    pub fn leading_text(&self) -> &str {
        match self.parts.first() {
            Some(Part::Text(t)) => t,
            _ => "",
        }
    }

    /// Whether the template needs the record id.
    pub fn uses_id(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Id | Part::Id8))
    }

    /// Whether every value it renders is blank (no placeholder, only spaces).
    pub fn is_blank(&self) -> bool {
        self.parts
            .iter()
            .all(|p| matches!(p, Part::Text(t) if t.trim().is_empty()))
    }

    /// What it renders for a typical record (row 2, a record GUID, column `Email`): to check
    /// the shape of its values before any file is read.
    pub fn sample(&self) -> String {
        self.render(&CellCtx {
            row: 2,
            record_id: Some("3217a7c8-1ab4-eb11-8236-000d3aff3315"),
            column: "Email",
        })
    }

    /// The template as written in a map (`{{` and `}}` for literal braces): parsing it gives
    /// the same template.
    pub fn source(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(&t.replace('{', "{{").replace('}', "}}")),
                Part::Row => out.push_str("{row}"),
                Part::Id => out.push_str("{id}"),
                Part::Id8 => out.push_str("{id8}"),
                Part::Column => out.push_str("{column}"),
            }
        }
        out
    }

    /// Fill in the placeholders for one cell.
    pub fn render(&self, ctx: &CellCtx) -> String {
        // Room for the whole text at once (a row number has at most 10 digits).
        let id = ctx.record_id.map_or(10, |id| id.len().max(10));
        let room = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Text(t) => t.len(),
                Part::Row | Part::Id8 => 10,
                Part::Id => id,
                Part::Column => ctx.column.len(),
            })
            .sum();
        let mut out = String::with_capacity(room);
        self.render_into(ctx, &mut out);
        out
    }

    /// [`Template::render`], appending to `out` (no allocation when it has room).
    pub fn render_into(&self, ctx: &CellCtx, out: &mut String) {
        let row = |out: &mut String| out.push_str(itoa::Buffer::new().format(ctx.row));
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Row => row(out),
                Part::Column => out.push_str(ctx.column),
                Part::Id => match ctx.record_id.filter(|id| !id.is_empty()) {
                    Some(id) => out.push_str(id),
                    None => row(out),
                },
                Part::Id8 => match ctx.record_id.filter(|id| !id.is_empty()) {
                    // (A byte of a character that is not ASCII is no hex digit.)
                    Some(id) => out.extend(
                        id.bytes()
                            .filter(u8::is_ascii_hexdigit)
                            .take(8)
                            .map(char::from),
                    ),
                    None => row(out),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(id: Option<&str>) -> CellCtx<'_> {
        CellCtx {
            row: 12,
            record_id: id,
            column: " Full Name",
        }
    }

    #[test]
    fn source_parses_back_to_the_same_template() {
        for src in [
            "Deleted User {id8}",
            "{{x}} {row}-{id}/{column}",
            "plain",
            "",
        ] {
            let t = Template::parse(src).unwrap();
            assert_eq!(t.source(), src);
            assert_eq!(Template::parse(&t.source()).unwrap(), t);
        }
    }

    #[test]
    fn placeholders_fill_in() {
        let t = Template::parse("Deleted User {id8} ({row}, {column}) {id}").unwrap();
        let id = "3217a7c8-1ab4-eb11-8236-000d3aff3315";
        assert_eq!(
            t.render(&ctx(Some(id))),
            format!("Deleted User 3217a7c8 (12,  Full Name) {id}")
        );
    }

    #[test]
    fn id_falls_back_to_row_without_record_id() {
        let t = Template::parse("deleted-{id8}@example.invalid").unwrap();
        assert_eq!(t.render(&ctx(None)), "deleted-12@example.invalid");
        assert_eq!(t.render(&ctx(Some(""))), "deleted-12@example.invalid");
    }

    proptest::proptest! {
        /// `{id8}` is the first eight hex digits of any id, of any characters.
        #[test]
        fn id8_is_the_ids_first_eight_hex_digits(id in "[0-9a-fA-FgZ{}é€-]{1,20}") {
            let t = Template::parse("x{id8}").unwrap();
            let hex: String = id.chars().filter(char::is_ascii_hexdigit).take(8).collect();
            proptest::prop_assert_eq!(t.render(&ctx(Some(&id))), format!("x{hex}"));
        }
    }

    #[test]
    fn braces_escape() {
        let t = Template::parse("{{x}} {row}").unwrap();
        assert_eq!(t.render(&ctx(None)), "{x} 12");
    }

    #[test]
    fn bad_placeholders_are_errors() {
        assert!(Template::parse("{name}")
            .unwrap_err()
            .contains("unknown placeholder `{name}`"));
        assert!(Template::parse("{row").unwrap_err().contains("unclosed"));
        assert!(Template::parse("a } b").unwrap_err().contains("lone"));
    }

    #[test]
    fn leading_text_and_uses_id() {
        let t = Template::parse("=x{row}").unwrap();
        assert_eq!(t.leading_text(), "=x");
        assert!(!t.uses_id());
        assert!(Template::parse("{id8}").unwrap().uses_id());
    }
}
