//! `regex`: rewrite a value with a regular expression.

use regex::Regex;

/// A compiled `pattern` and its `replace` text (with `$1`, `${name}` group references).
#[derive(Debug, Clone)]
pub struct RegexRewrite {
    pattern: Regex,
    replace: String,
}

impl RegexRewrite {
    /// Compile the pattern; the error explains the regex problem without echoing cell data.
    pub fn new(pattern: &str, replace: &str) -> Result<RegexRewrite, String> {
        let pattern = Regex::new(pattern)
            .map_err(|e| format!("bad `pattern`: {}", crate::text::regex_problem(&e)))?;
        Ok(RegexRewrite {
            pattern,
            replace: replace.to_string(),
        })
    }

    /// Rewrite every match; `None` when nothing matched.
    pub fn apply(&self, value: &str) -> Option<String> {
        match self.pattern.replace_all(value, self.replace.as_str()) {
            std::borrow::Cow::Borrowed(_) => None,
            std::borrow::Cow::Owned(s) => Some(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_every_match() {
        let r = RegexRewrite::new(r"[\w.+-]+@[\w-]+\.[\w.]+", "[email]").unwrap();
        assert_eq!(
            r.apply("mail jose@contoso.com or ana@contoso.com")
                .as_deref(),
            Some("mail [email] or [email]")
        );
        assert_eq!(r.apply("no address here"), None);
    }

    #[test]
    fn groups_can_be_kept() {
        let r = RegexRewrite::new(r"^(\w+)@.*$", "$1@example.invalid").unwrap();
        assert_eq!(
            r.apply("jose@contoso.com").as_deref(),
            Some("jose@example.invalid")
        );
    }

    #[test]
    fn bad_pattern_is_an_error() {
        assert!(RegexRewrite::new("(", "")
            .unwrap_err()
            .starts_with("bad `pattern`"));
    }
}
