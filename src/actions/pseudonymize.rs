//! `pseudonymize`: keyed, stable pseudonyms (HMAC-SHA256).
//!
//! The same value and key give the same pseudonym in every file and every run, so records that
//! referred to one person still refer to one (pseudonymous) person; another key gives unrelated
//! pseudonyms. Without the key a pseudonym cannot be linked back to the value.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

type HmacSha256 = Hmac<Sha256>;

/// The shortest key accepted, in bytes. HMAC-SHA256 keys shorter than this are guessable.
pub const MIN_KEY_BYTES: usize = 16;

/// The secret key. Its bytes never appear in `Debug` output, logs or reports.
#[derive(Clone)]
pub struct Key(Arc<HmacSha256>);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(<secret>)")
    }
}

impl Key {
    /// A key from raw bytes; trailing line breaks and spaces (as left by editors) are ignored.
    pub fn from_bytes(bytes: &[u8]) -> Result<Key, String> {
        let end = bytes
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        let bytes = &bytes[..end];
        if bytes.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the key is {} bytes long; use at least {MIN_KEY_BYTES} random bytes (e.g. 32 random characters)",
                bytes.len()
            ));
        }
        let mac =
            HmacSha256::new_from_slice(bytes).map_err(|_| "the key cannot be used".to_string())?;
        Ok(Key(Arc::new(mac)))
    }

    /// Read a key file.
    pub fn from_file(path: &Path) -> Result<Key, String> {
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "cannot read the key file '{}' ({})",
                path.display(),
                e.kind()
            )
        })?;
        Key::from_bytes(&bytes).map_err(|e| format!("key file '{}': {e}", path.display()))
    }

    /// A public fingerprint of the key for reports: it tells which key was used without
    /// revealing it.
    pub fn fingerprint(&self) -> String {
        hex(&self.mac(&[b"dsr-scrub key fingerprint"])[..8])
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = (*self.0).clone();
        for part in parts {
            // Length-prefix each part so that ("ab","c") and ("a","bc") differ.
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// What a pseudonym should look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PseudoKind {
    /// `anon-` and 12 hex digits.
    Text,
    /// Made-up capitalized words, as many as the value has (1 to 3).
    Name,
    /// A valid address at `domain` (default `example.invalid`).
    Email {
        /// The domain of the generated addresses.
        domain: String,
    },
    /// Digits only, as many as the value has (7 to 15).
    Phone,
}

impl PseudoKind {
    fn tag(&self) -> &'static [u8] {
        match self {
            PseudoKind::Text => b"text",
            PseudoKind::Name => b"name",
            PseudoKind::Email { .. } => b"email",
            PseudoKind::Phone => b"phone",
        }
    }
}

/// A keyed pseudonym generator for one column.
#[derive(Debug, Clone)]
pub struct Pseudonymizer {
    key: Key,
    kind: PseudoKind,
}

const CONSONANTS: &[u8] = b"bdfgklmnprstvz";
const VOWELS: &[u8] = b"aeiou";

impl Pseudonymizer {
    /// A generator of `kind` pseudonyms under `key`.
    pub fn new(key: Key, kind: PseudoKind) -> Pseudonymizer {
        Pseudonymizer { key, kind }
    }

    /// Whether its pseudonyms are email addresses.
    pub fn makes_emails(&self) -> bool {
        matches!(self.kind, PseudoKind::Email { .. })
    }

    /// The domain of its addresses, when it makes addresses.
    pub fn email_domain(&self) -> Option<&str> {
        match &self.kind {
            PseudoKind::Email { domain } => Some(domain),
            _ => None,
        }
    }

    /// The pseudonym of `value`. Values are compared after trimming; names and emails ignore
    /// case, phones compare digits only, so `Ana@Contoso.com` and `ana@contoso.com` agree.
    pub fn pseudonym(&self, value: &str) -> String {
        let value = value.trim();
        let normalized: String = match self.kind {
            PseudoKind::Text => value.to_string(),
            PseudoKind::Name | PseudoKind::Email { .. } => value.to_lowercase(),
            PseudoKind::Phone => value.chars().filter(char::is_ascii_digit).collect(),
        };
        let digest = self.key.mac(&[self.kind.tag(), normalized.as_bytes()]);
        match &self.kind {
            PseudoKind::Text => format!("anon-{}", hex(&digest[..6])),
            PseudoKind::Email { domain } => format!("u{}@{domain}", hex(&digest[..8])),
            PseudoKind::Name => {
                let words = value.split_whitespace().count().clamp(1, 3);
                (0..words)
                    .map(|w| made_up_word(&digest[w * 8..w * 8 + 8]))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            PseudoKind::Phone => {
                let len = match normalized.len() {
                    0..=6 => 10,
                    n => n.min(15),
                };
                let mut out = String::with_capacity(len);
                out.push(char::from(b'1' + digest[0] % 9));
                for &b in digest[1..len].iter() {
                    out.push(char::from(b'0' + b % 10));
                }
                out
            }
        }
    }
}

/// A capitalized word of two or three consonant-vowel syllables, e.g. `Tokaveru`.
fn made_up_word(bytes: &[u8]) -> String {
    let syllables = 2 + usize::from(bytes[0] % 2);
    let mut word = String::new();
    for i in 0..syllables {
        let c = CONSONANTS[usize::from(bytes[1 + 2 * i]) % CONSONANTS.len()];
        let v = VOWELS[usize::from(bytes[2 + 2 * i]) % VOWELS.len()];
        let c = if i == 0 { c.to_ascii_uppercase() } else { c };
        word.push(char::from(c));
        word.push(char::from(v));
    }
    word
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(s: &str) -> Key {
        Key::from_bytes(s.as_bytes()).unwrap()
    }

    fn p(kind: PseudoKind) -> Pseudonymizer {
        Pseudonymizer::new(key("a test key of enough length"), kind)
    }

    fn email() -> PseudoKind {
        PseudoKind::Email {
            domain: "example.invalid".into(),
        }
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(Key::from_bytes(b"short\n").unwrap_err().contains("5 bytes"));
        assert!(Key::from_bytes(b"0123456789abcdef\n").is_ok());
    }

    #[test]
    fn key_never_shows_in_debug() {
        let k = key("a secret that must not leak");
        assert_eq!(format!("{k:?}"), "Key(<secret>)");
        assert_eq!(k.fingerprint().len(), 16);
        assert!(!k.fingerprint().contains("secret"));
    }

    #[test]
    fn same_value_same_key_same_pseudonym() {
        let a = p(PseudoKind::Name).pseudonym("José García");
        let b = p(PseudoKind::Name).pseudonym(" josé garcía ");
        assert_eq!(a, b);
        assert_eq!(a.split(' ').count(), 2);
        let other = Pseudonymizer::new(key("another key, also long"), PseudoKind::Name);
        assert_ne!(a, other.pseudonym("José García"));
    }

    #[test]
    fn kinds_give_unrelated_pseudonyms() {
        let text = p(PseudoKind::Text).pseudonym("ana@contoso.com");
        let mail = p(email()).pseudonym("ana@contoso.com");
        assert!(text.starts_with("anon-"));
        assert!(!mail.contains(&text[5..]));
    }

    #[test]
    fn emails_ignore_case() {
        assert_eq!(
            p(email()).pseudonym("Ana@Contoso.com"),
            p(email()).pseudonym("ana@contoso.com")
        );
    }

    #[test]
    fn phones_compare_digits() {
        let a = p(PseudoKind::Phone).pseudonym("+44 20 7946 0123");
        assert_eq!(a, p(PseudoKind::Phone).pseudonym("+44-20-7946-0123"));
        assert_eq!(a.len(), 12);
    }

    proptest! {
        #[test]
        fn email_pseudonyms_are_valid_addresses(s in "\\PC{1,60}") {
            let e = p(email()).pseudonym(&s);
            let re = regex::Regex::new(r"^[a-z0-9]+@example\.invalid$").unwrap();
            prop_assert!(re.is_match(&e), "{}", e);
        }

        #[test]
        fn phone_pseudonyms_are_plausible(s in "[+]?[0-9 ()-]{0,24}") {
            let ph = p(PseudoKind::Phone).pseudonym(&s);
            prop_assert!(ph.chars().all(|c| c.is_ascii_digit()));
            prop_assert!((7..=15).contains(&ph.len()));
            prop_assert!(!ph.starts_with('0'));
        }

        #[test]
        fn name_pseudonyms_are_words(s in "\\PC{1,40}") {
            let n = p(PseudoKind::Name).pseudonym(&s);
            prop_assert!(n.split(' ').all(|w| w.len() >= 4 && w.chars().next().unwrap().is_ascii_uppercase()));
        }

        #[test]
        fn deterministic(s in "\\PC{0,40}") {
            prop_assert_eq!(p(PseudoKind::Text).pseudonym(&s), p(PseudoKind::Text).pseudonym(&s));
        }
    }
}
