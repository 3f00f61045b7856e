//! What Dynamics 365 / Dataverse puts in an export besides the data: the `hiddenSheet!A1`
//! metadata that maps logical names to headers, and the protected `(Do Not Modify)` columns.

use percent_encoding::percent_decode_str;

/// The name of the very hidden metadata sheet of an Excel export.
pub const METADATA_SHEET: &str = "hiddenSheet";

/// The header prefix Dynamics gives the columns an import needs unchanged (English exports).
pub const DO_NOT_MODIFY: &str = "(Do Not Modify)";

/// The contents of `hiddenSheet!A1`:
/// `<entity>:<checksum>:<logical>=<url-encoded header>&...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// Entity logical name, e.g. `systemuser`.
    pub entity: String,
    /// `(logical name, header)` pairs in column order. The first three are the record id, the
    /// row checksum and the modified-on stamp.
    pub columns: Vec<(String, String)>,
}

impl Metadata {
    /// Parse `hiddenSheet!A1`; `None` when it is not Dynamics metadata.
    ///
    /// ```
    /// use dsr_scrub::dynamics::Metadata;
    /// let m = Metadata::parse("systemuser:AbC==:systemuserid=%28Do%20Not%20Modify%29%20User&firstname=First%20Name").unwrap();
    /// assert_eq!(m.entity, "systemuser");
    /// assert_eq!(m.header_of("firstname"), Some("First Name"));
    /// ```
    pub fn parse(a1: &str) -> Option<Metadata> {
        let (entity, rest) = a1.split_once(':')?;
        let (_checksum, mapping) = rest.split_once(':')?;
        let valid_name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        };
        if !valid_name(entity) {
            return None;
        }
        let mut columns = Vec::new();
        for pair in mapping.split('&').filter(|p| !p.is_empty()) {
            let (logical, header) = pair.split_once('=')?;
            if !valid_name(logical) {
                return None;
            }
            let header = percent_decode_str(header).decode_utf8_lossy().into_owned();
            columns.push((logical.to_string(), header));
        }
        (!columns.is_empty()).then(|| Metadata {
            entity: entity.to_string(),
            columns,
        })
    }

    /// The header of the column with this logical name.
    pub fn header_of(&self, logical: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(logical))
            .map(|(_, h)| h.as_str())
    }

    /// The logical name of the column with this header.
    pub fn logical_of(&self, header: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(_, h)| h == header)
            .map(|(l, _)| l.as_str())
    }

    /// Headers of the record id, row checksum and modified-on columns, whose headers are
    /// localized in non-English exports.
    pub fn protected_headers(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().take(3).map(|(_, h)| h.as_str())
    }

    /// The header of the record id column.
    pub fn id_header(&self) -> Option<&str> {
        self.columns.first().map(|(_, h)| h.as_str())
    }
}

/// Whether a header marks a column the import needs unchanged.
pub fn is_do_not_modify(header: &str) -> bool {
    header
        .trim_start()
        .get(..DO_NOT_MODIFY.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(DO_NOT_MODIFY))
}

/// Whether a value looks like a record GUID.
pub fn looks_like_guid(value: &str) -> bool {
    let v = value.trim().trim_start_matches('{').trim_end_matches('}');
    v.len() == 36
        && v.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A1: &str = "systemuser:nQn9QKDoL7wv0oi5SL7uXS9kx7qr642Vkdfe9PBplt9Pq3/CkUX1J9t+2+yJqXorOm7GDBWVOc3bcJjSAIBuRw==:systemuserid=%28Do%20Not%20Modify%29%20User&checksumLogicalName=%28Do%20Not%20Modify%29%20Row%20Checksum&modifiedon=%28Do%20Not%20Modify%29%20Modified%20On&fullname=%20Full%20Name&address1_stateorprovince=State%2FProvince";

    #[test]
    fn parses_a_real_a1() {
        let m = Metadata::parse(A1).unwrap();
        assert_eq!(m.entity, "systemuser");
        assert_eq!(m.columns.len(), 5);
        assert_eq!(m.header_of("fullname"), Some(" Full Name"));
        assert_eq!(
            m.header_of("address1_stateorprovince"),
            Some("State/Province")
        );
        assert_eq!(m.id_header(), Some("(Do Not Modify) User"));
        assert_eq!(m.logical_of(" Full Name"), Some("fullname"));
        assert_eq!(
            m.protected_headers().collect::<Vec<_>>(),
            [
                "(Do Not Modify) User",
                "(Do Not Modify) Row Checksum",
                "(Do Not Modify) Modified On"
            ]
        );
    }

    #[test]
    fn other_text_is_not_metadata() {
        assert_eq!(Metadata::parse("Read-Write"), None);
        assert_eq!(Metadata::parse("a:b:"), None);
        assert_eq!(Metadata::parse("bad entity:x:a=b"), None);
        assert_eq!(Metadata::parse("e:x:novalue"), None);
    }

    #[test]
    fn do_not_modify_prefix() {
        assert!(is_do_not_modify("(Do Not Modify) User"));
        assert!(is_do_not_modify("(do not modify) Row Checksum"));
        assert!(!is_do_not_modify("First Name"));
        assert!(!is_do_not_modify("(Do"));
    }

    #[test]
    fn guid_shape() {
        assert!(looks_like_guid("3217a7c8-1ab4-eb11-8236-000d3aff3315"));
        assert!(looks_like_guid("{3217A7C8-1AB4-EB11-8236-000D3AFF3315}"));
        assert!(!looks_like_guid("3217a7c8"));
    }
}
