//! `mask`: hide all characters but a few at either end.

use super::FORMULA_TRIGGERS;

/// Masking settings: keep `keep_first` leading and `keep_last` trailing characters, replace the
/// rest with `char`. A value too short to hide anything is masked whole, and a kept leading
/// character that would start a formula is masked too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mask {
    keep_first: usize,
    keep_last: usize,
    ch: char,
}

impl Mask {
    /// Validate mask settings.
    pub fn new(keep_first: usize, keep_last: usize, ch: char) -> Result<Mask, String> {
        if FORMULA_TRIGGERS.contains(&ch) || ch.is_control() {
            return Err(format!(
                "mask `char` {ch:?} would make masked values look like formulas or control codes; use e.g. \"*\" or \"x\""
            ));
        }
        Ok(Mask {
            keep_first,
            keep_last,
            ch,
        })
    }

    /// Mask one value.
    pub fn apply(&self, value: &str) -> String {
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let (first, last) = if self.keep_first + self.keep_last >= n {
            (0, 0)
        } else {
            (self.keep_first, self.keep_last)
        };
        chars
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let kept = i < first || i >= n - last;
                let defused = i == 0 && FORMULA_TRIGGERS.contains(&c);
                if kept && !defused {
                    c
                } else {
                    self.ch
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_the_ends() {
        let m = Mask::new(1, 2, '*').unwrap();
        assert_eq!(m.apply("0612345678"), "0*******78");
        assert_eq!(m.apply("Zoë"), "***");
    }

    #[test]
    fn leading_plus_is_masked() {
        let m = Mask::new(3, 2, '*').unwrap();
        assert_eq!(m.apply("+44 20 7946 0123"), "*44***********23");
    }

    #[test]
    fn rejects_formula_chars() {
        assert!(Mask::new(0, 0, '=').is_err());
        assert!(Mask::new(0, 0, '-').is_err());
        assert!(Mask::new(0, 0, 'x').is_ok());
    }

    proptest! {
        #[test]
        fn length_is_kept_and_middle_hidden(s in "\\PC{0,40}", first in 0usize..4, last in 0usize..4) {
            let m = Mask::new(first, last, '*').unwrap();
            let out = m.apply(&s);
            let n = s.chars().count();
            prop_assert_eq!(out.chars().count(), n);
            let hidden = out.chars().filter(|&c| c == '*').count();
            prop_assert!(hidden >= n.saturating_sub(first + last));
            prop_assert!(!out.starts_with(['=', '+', '-', '@']));
        }
    }
}
