//! The "Disabled Users" export as a German or French Dynamics 365 writes it: the same records
//! as [`super::disabled_users`], with every header (the protected ones included) in the user's
//! UI language, and CSV the way Excel saves it in that locale (semicolons, day-first dates,
//! decimal commas).

use super::{Export, Options, Value};

/// A UI language of the generated export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// German (de-DE).
    German,
    /// French (fr-FR).
    French,
}

/// `(logical name, German header, French header)` for every column the generator writes.
const HEADERS: &[(&str, &str, &str)] = &[
    (
        "systemuserid",
        "(Nicht ändern) Benutzer",
        "(Ne pas modifier) Utilisateur",
    ),
    (
        "checksumLogicalName",
        "(Nicht ändern) Zeilenprüfsumme",
        "(Ne pas modifier) Somme de contrôle de ligne",
    ),
    (
        "modifiedon",
        "(Nicht ändern) Geändert am",
        "(Ne pas modifier) Date de modification",
    ),
    ("fullname", " Vollständiger Name", " Nom complet"),
    ("firstname", "Vorname", "Prénom"),
    ("middlename", "Zweiter Vorname", "Deuxième prénom"),
    ("lastname", "Nachname", "Nom"),
    ("domainname", "Benutzername", "Nom d'utilisateur"),
    (
        "internalemailaddress",
        "Primäre E-Mail-Adresse",
        "Adresse de messagerie principale",
    ),
    ("personalemailaddress", "E-Mail 2", "Adresse e-mail 2"),
    ("salutation", "Anrede", "Civilité"),
    ("jobtitle", "Position", "Fonction"),
    ("nickname", "Spitzname", "Surnom"),
    ("address1_telephone1", "Haupttelefon", "Téléphone principal"),
    ("mobilephone", "Mobiltelefon", "Téléphone mobile"),
    ("homephone", "Telefon (privat)", "Téléphone personnel"),
    ("address1_line1", "Straße 1", "Rue 1"),
    ("address1_city", "Ort", "Ville"),
    (
        "address1_stateorprovince",
        "Bundesland/Kanton",
        "État/Province",
    ),
    ("address1_postalcode", "Postleitzahl", "Code postal"),
    ("address1_country", "Land/Region", "Pays/Région"),
    (
        "address1_latitude",
        "Adresse 1: Breitengrad",
        "Adresse 1 : Latitude",
    ),
    (
        "address1_longitude",
        "Adresse 1: Längengrad",
        "Adresse 1 : Longitude",
    ),
    ("employeeid", "Mitarbeiter", "Employé"),
    ("windowsliveid", "Windows Live ID", "Windows Live ID"),
    ("description", "Beschreibung", "Description"),
    ("businessunitid", "Unternehmenseinheit", "Division"),
    ("parentsystemuserid", "Vorgesetzter", "Responsable"),
    ("accessmode", "Zugriffsmodus", "Mode d'accès"),
    ("isdisabled", "Status", "Statut"),
    ("caltype", "Lizenztyp", "Type de licence"),
    ("createdon", "Erstellt am", "Date de création"),
    ("custom_display", "Anzeige", "Affichage"),
];

/// The Disabled Users export of [`super::disabled_users`] with its headers in `language`.
///
/// ```
/// use dsr_scrub::testdata::localized::{disabled_users, Language};
/// use dsr_scrub::testdata::Options;
/// let export = disabled_users(Language::German, &Options { rows: 3, ..Options::default() });
/// assert_eq!(export.columns[0].header, "(Nicht ändern) Benutzer");
/// assert_eq!(export.sheet_name, "Deaktivierte Benutzer");
/// ```
pub fn disabled_users(language: Language, options: &Options) -> Export {
    let mut export = super::disabled_users(options);
    for column in &mut export.columns {
        let (_, de, fr) = HEADERS
            .iter()
            .find(|(logical, _, _)| *logical == column.logical)
            .expect("every generated column has a translation");
        column.header = match language {
            Language::German => *de,
            Language::French => *fr,
        };
    }
    export.sheet_name = match language {
        Language::German => "Deaktivierte Benutzer",
        Language::French => "Utilisateurs désactivés",
    }
    .to_string();
    export
}

/// CSV as Excel saves it in the language's locale: UTF-8 with BOM, `;` between fields, CRLF,
/// date-times day first (`05.11.2024 08:30`, `05/11/2024 08:30`), decimal commas.
pub fn to_csv(export: &Export, language: Language) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = ::csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer
            .write_record(export.columns.iter().map(|c| c.header))
            .expect("writing CSV to memory");
        for row in &export.rows {
            let record: Vec<String> = row
                .iter()
                .map(|v| match v {
                    Value::Text(s) => s.clone(),
                    Value::Number(n) => n.to_string().replace('.', ","),
                    Value::DateTime(d) => day_first(*d, language),
                    Value::Empty => String::new(),
                })
                .collect();
            writer.write_record(&record).expect("writing CSV to memory");
        }
        writer.flush().expect("flushing CSV to memory");
    }
    out
}

/// An Excel serial as `dd.mm.yyyy hh:mm` (German) or `dd/mm/yyyy hh:mm` (French).
fn day_first(serial: f64, language: Language) -> String {
    let iso = crate::text::format_serial(serial);
    let (date, time) = iso.split_once(' ').unwrap_or((&iso, "00:00"));
    let mut parts = date.split('-');
    let (y, m, d) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let sep = match language {
        Language::German => '.',
        Language::French => '/',
    };
    format!("{d}{sep}{m}{sep}{y} {time}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_is_translated_and_csv_reads_back() {
        for language in [Language::German, Language::French] {
            let export = disabled_users(
                language,
                &Options {
                    rows: 5,
                    formula_column: true,
                    ..Options::default()
                },
            );
            let english = super::super::disabled_users(&Options {
                rows: 5,
                formula_column: true,
                ..Options::default()
            });
            for (l, e) in export.columns.iter().zip(&english.columns) {
                // A product name, German "Status" and French "Description" read as in English.
                if !matches!(e.logical, "windowsliveid" | "isdisabled" | "description") {
                    assert_ne!(l.header, e.header, "{}", e.logical);
                }
            }
            let book = crate::csv::read(&to_csv(&export, language), "users").unwrap();
            let headers = book.sheets[0].headers().unwrap();
            assert_eq!(headers.len(), export.columns.len());
            assert_eq!(headers[0], export.columns[0].header);
            assert_eq!(book.sheets[0].height() as usize, 6);
        }
        assert_eq!(day_first(45_000.5, Language::German), "15.03.2023 12:00");
        assert_eq!(day_first(45_000.0, Language::French), "15/03/2023 00:00");
    }
}
