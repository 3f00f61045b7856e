//! Document properties: `docProps/core.xml` (creator, last modified by, title, ...), `app.xml`
//! (manager, company, ...) and `custom.xml`. A property that holds a removed value is emptied;
//! the thumbnail is dropped by the dispatcher.

use super::xml::{self, Mode};
use super::{Cleaned, Counts, Stop};
use crate::needles::Needles;

/// Empty every property whose text holds a removed value.
///
/// # Errors
/// [`Stop::Malformed`].
pub fn clean(xml: &[u8], needles: &Needles) -> Result<Option<Cleaned>, Stop> {
    Ok(
        xml::redact_part(xml, needles, Mode::Clear, true)?.map(|(xml, n)| Cleaned {
            xml,
            counts: Counts {
                properties_cleared: n as u64,
                ..Counts::default()
            },
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_holding_values_are_emptied() {
        let needles = Needles::new(&["Anna Berg"]);
        let core = r#"<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:creator>Østergaard, Jannik</dc:creator><cp:lastModifiedBy>Anna Berg</cp:lastModifiedBy><dc:title>Review by Anna Berg</dc:title></cp:coreProperties>"#;
        let c = clean(core.as_bytes(), &needles).unwrap().unwrap();
        assert_eq!(
            String::from_utf8(c.xml).unwrap(),
            r#"<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:creator>Østergaard, Jannik</dc:creator><cp:lastModifiedBy></cp:lastModifiedBy><dc:title></dc:title></cp:coreProperties>"#
        );
        assert_eq!(c.counts.properties_cleared, 2);
        let custom = r#"<Properties><property fmtid="{D5CDD505}" pid="2" name="Reviewer"><vt:lpwstr>anna berg</vt:lpwstr></property></Properties>"#;
        let c = clean(custom.as_bytes(), &needles).unwrap().unwrap();
        assert!(String::from_utf8(c.xml)
            .unwrap()
            .contains("<vt:lpwstr></vt:lpwstr>"));
        assert!(clean(b"<p><x>Jannik</x></p>", &needles).unwrap().is_none());
    }
}
