//! Which headers and Dynamics logical names name personal data.
//!
//! Headers are matched in English, German, French, Spanish, Italian, Dutch and Portuguese
//! after normalizing them
//! (lower case, every run of non-alphanumeric characters a single space, so `ZIP/Postal Code`
//! is `zip postal code` and `E-Mail-Adresse` is `e mail adresse`). A term is one of:
//! - `words`: a whole-word sequence anywhere in the header (`first name` in `Yomi First Name`);
//! - `~stem`: a substring anywhere, for German and Dutch compounds (`~telefon` in
//!   `Mobiltelefonnummer`);
//! - `=exact`: the whole header and nothing else (`=title`: `Title` is a person's title, but
//!   `Case Title` is not).
//!
//! A header no term matches is also looked up among the aliases of the built-in profiles'
//! entries (their localized display names), so `inspect` knows every name a profile knows.
//!
//! Kinds are tried in a fixed order, so the more specific one wins: `Address 1: Telephone 1` is
//! a phone, `Address 1: Latitude` a coordinate, `E-mail Address` an email.

use super::Kind;

/// A header or logical name matched a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// The kind of personal data.
    pub kind: Kind,
    /// The term that matched, as written in the dictionary (without its marker).
    pub term: &'static str,
}

const EMAIL: &[&str] = &[
    "~email",
    "e mail",
    "mail",
    "~mailadres",
    "courriel",
    "adresse électronique",
    "correo",
    "correo electrónico",
    "~messagerie",
    "posta elettronica",
];

const PHONE: &[&str] = &[
    "~phone",
    "~telefon",
    "~telefoon",
    "~téléphone",
    "~teléfono",
    "~telefono",
    "fax",
    "~telefax",
    "mobile",
    "~mobil",
    "mobiel",
    "cell",
    "cellphone",
    "pager",
    "handy",
    "portable",
    "móvil",
    "movil",
    "celular",
    "gsm",
    "tel",
    "tél",
    "~rufnummer",
    "cellulare",
    "cercapersone",
    "radiomessagerie",
    "pieper",
];

const LOCATION: &[&str] = &[
    "latitude",
    "longitude",
    "lat",
    "lng",
    "lon",
    "latitud",
    "longitud",
    "~breitengrad",
    "~längengrad",
    "~breedtegraad",
    "~lengtegraad",
    "geolocation",
    "gps",
];

const PERSONAL_DETAIL: &[&str] = &[
    "~birth",
    "dob",
    "~geburt",
    "naissance",
    "nacimiento",
    "~geboorte",
    "anniversary",
    "anniversaire",
    "cumpleaños",
    "verjaardag",
    "~jahrestag",
    "aniversario",
    "gender",
    "sex",
    "geschlecht",
    "sexe",
    "sexo",
    "género",
    "genero",
    "geslacht",
    "marital status",
    "~familienstand",
    "état civil",
    "estado civil",
    "burgerlijke staat",
    "spouse",
    "spouse s name",
    "~ehepartner",
    "conjoint",
    "cónyuge",
    "echtgenoot",
    "children",
    "children s names",
    "kinder",
    "enfants",
    "hijos",
    "kinderen",
    "nationality",
    "~nationalität",
    "~staatsangehörigkeit",
    "nationalité",
    "nacionalidad",
    "nationaliteit",
    "religion",
    "ethnicity",
    "nascita",
    "nascimento",
    "sesso",
    "stato civile",
    "coniuge",
    "cônjuge",
    "figli",
    "filhos",
    // Income, education and bank details of a person.
    "annual income",
    "income",
    "~einkommen",
    "revenu annuel",
    "revenus annuels",
    "ingresos anuales",
    "reddito annuo",
    "~inkomen",
    "renda anual",
    "salary",
    "~gehalt",
    "salaire",
    "salario",
    "stipendio",
    "salaris",
    "salário",
    "education",
    "~ausbildung",
    "bildung",
    "schulbildung",
    "bildungsabschluss",
    "éducation",
    "formation",
    "niveau d études",
    "educación",
    "nivel de estudios",
    "istruzione",
    "titolo di studio",
    "opleiding",
    "educação",
    "escolaridade",
    "iban",
    "bank account",
    "~bankverbindung",
    "~kontonummer",
    "compte bancaire",
    "cuenta bancaria",
    "conto bancario",
    "~bankrekening",
    "conta bancária",
];

const IDENTIFIER: &[&str] = &[
    "user name",
    "username",
    "login",
    "logon",
    "domain name",
    "windows live id",
    "live id",
    "user principal name",
    "upn",
    "employee",
    "employee id",
    "employee number",
    "personnel number",
    "staff id",
    "staff no",
    "staff number",
    "emp id",
    "emp no",
    "empno",
    "payroll id",
    "payroll no",
    "payroll number",
    "badge id",
    "badge no",
    "badge number",
    "hr id",
    "hr number",
    "government id",
    "national id",
    "social security",
    "ssn",
    "passport",
    "tax id",
    "driver s license",
    "drivers license",
    "yammer user id",
    "photo",
    "photo url",
    "picture",
    "avatar",
    "linkedin",
    "twitter",
    "skype",
    "~benutzername",
    "~anmeldename",
    "~personalnummer",
    "mitarbeiter",
    "~mitarbeiternummer",
    "~ausweis",
    "~sozialversicherung",
    "steuer id",
    "~reisepass",
    "~führerschein",
    "nom d utilisateur",
    "identifiant",
    "matricule",
    "employé",
    "sécurité sociale",
    "passeport",
    "permis de conduire",
    "nombre de usuario",
    "usuario",
    "empleado",
    "número de empleado",
    "pasaporte",
    "dni",
    "nif",
    "seguridad social",
    "~gebruikersnaam",
    "medewerker",
    "werknemer",
    "~personeelsnummer",
    "bsn",
    "paspoort",
    "rijbewijs",
    "nome utente",
    "nome de usuário",
    "codice fiscale",
    "dipendente",
    "matricola",
    "funcionário",
    "cpf",
];

const NAME: &[&str] = &[
    "first name",
    "last name",
    "middle name",
    "full name",
    "given name",
    "surname",
    "family name",
    "maiden name",
    "nickname",
    "nick name",
    "~yomi",
    "~vorname",
    "~nachname",
    "zuname",
    "~familienname",
    "~spitzname",
    "rufname",
    "vollständiger name",
    "~mädchenname",
    "prénom",
    "nom de famille",
    "nom complet",
    "surnom",
    "nom de jeune fille",
    "nombre de pila",
    "apellido",
    "apellidos",
    "segundo nombre",
    "nombre completo",
    "apodo",
    "~voornaam",
    "~achternaam",
    "tussenvoegsel",
    "volledige naam",
    "bijnaam",
    "roepnaam",
    "~meisjesnaam",
    "=name",
    "=nom",
    "=nombre",
    "=naam",
    "=nome",
    "cognome",
    "soprannome",
    "secondo nome",
    "nome completo",
    "sobrenome",
    "nome do meio",
    "apelido",
];

const TITLE: &[&str] = &[
    "salutation",
    "job title",
    "jobtitle",
    "=title",
    "=position",
    "anrede",
    "~berufsbezeichnung",
    "~stellenbezeichnung",
    "jobtitel",
    "=titel",
    "civilité",
    "=titre",
    "=fonction",
    "intitulé du poste",
    "=poste",
    "saludo",
    "tratamiento",
    "=título",
    "=titulo",
    "=puesto",
    "=cargo",
    "aanhef",
    "=functie",
    "functietitel",
    "=titolo",
    "formula di saluto",
    "saudação",
];

const ADDRESS: &[&str] = &[
    "street",
    "address",
    "city",
    "town",
    "postal code",
    "zip",
    "zip code",
    "postcode",
    "post code",
    "country",
    "county",
    "province",
    "post office box",
    "po box",
    "suburb",
    "house number",
    "~straße",
    "~strasse",
    "~adresse",
    "~anschrift",
    "~postleitzahl",
    "~postfach",
    "~hausnummer",
    "~wohnort",
    "~bundesland",
    "ort",
    "stadt",
    "plz",
    "land",
    "kreis",
    "landkreis",
    "rue",
    "ville",
    "code postal",
    "pays",
    "département",
    "boîte postale",
    "localité",
    "commune",
    "calle",
    "dirección",
    "direccion",
    "ciudad",
    "código postal",
    "codigo postal",
    "país",
    "pais",
    "provincia",
    "municipio",
    "localidad",
    "~straat",
    "~adres",
    "~woonplaats",
    "~provincie",
    "~postbus",
    "~huisnummer",
    "plaats",
    "stad",
    "indirizzo",
    "città",
    "cap",
    "paese",
    "cidade",
    "endereço",
    "rua",
    "cep",
    "caixa postal",
    "casella postale",
];

const FREE_TEXT: &[&str] = &[
    "description",
    "notes",
    "note",
    "comments",
    "comment",
    "remarks",
    "remark",
    "memo",
    "about me",
    "bio",
    "biography",
    "skills",
    "beschreibung",
    "notiz",
    "notizen",
    "bemerkung",
    "bemerkungen",
    "kommentar",
    "kommentare",
    "anmerkungen",
    "remarque",
    "remarques",
    "commentaire",
    "commentaires",
    "descripción",
    "descripcion",
    "notas",
    "nota",
    "comentario",
    "comentarios",
    "observaciones",
    "omschrijving",
    "beschrijving",
    "notitie",
    "notities",
    "opmerking",
    "opmerkingen",
    "descrizione",
    "descrição",
    "commento",
    "commenti",
    "comentário",
    "observações",
];

/// In the order they are tried.
const KINDS: &[(Kind, &[&str])] = &[
    (Kind::Email, EMAIL),
    (Kind::Phone, PHONE),
    (Kind::Location, LOCATION),
    (Kind::PersonalDetail, PERSONAL_DETAIL),
    (Kind::Identifier, IDENTIFIER),
    (Kind::Name, NAME),
    (Kind::Title, TITLE),
    (Kind::Address, ADDRESS),
    (Kind::FreeText, FREE_TEXT),
];

/// Headers of lookups to another record (another user, a team, a business unit). They hold that
/// record's display name, which the import uses to find it: not this row's person.
const LOOKUP: &[&str] = &[
    "manager",
    "owner",
    "owning user",
    "owning team",
    "owning business unit",
    "created by",
    "modified by",
    "business unit",
    // SystemUser's Site (`siteid`); the bare word only, since Portuguese calls a website "Site".
    "=site",
    "~vorgesetzte",
    "besitzer",
    "erstellt von",
    "geändert von",
    "~unternehmenseinheit",
    "~geschäftseinheit",
    "responsable",
    "propriétaire",
    "créé par",
    "modifié par",
    "division",
    "jefe",
    "gerente",
    "propietario",
    "creado por",
    "modificado por",
    "unidad de negocio",
    "eigenaar",
    "gemaakt door",
    "gewijzigd door",
    "~bedrijfseenheid",
];

/// Lower case, each run of non-alphanumeric characters one space, trimmed.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Whether a normalized header (padded with one space each side) matches a term.
fn term_matches(padded: &str, term: &str) -> bool {
    let bare = &padded[1..padded.len() - 1];
    if let Some(stem) = term.strip_prefix('~') {
        bare.contains(stem)
    } else if let Some(exact) = term.strip_prefix('=') {
        bare == exact
    } else {
        padded.contains(&format!(" {term} "))
    }
}

fn first_match<'t>(padded: &str, terms: &'t [&'t str]) -> Option<&'t str> {
    terms
        .iter()
        .find(|t| term_matches(padded, t))
        .map(|t| t.trim_start_matches(['~', '=']))
}

fn padded(header: &str) -> String {
    format!(" {} ", normalize(header))
}

/// The kind of personal data a header names, if the dictionary knows it.
///
/// ```
/// use dsr_scrub::inspect::{dictionary::header_kind, Kind};
/// assert_eq!(header_kind("E-Mail-Adresse").unwrap().kind, Kind::Email);
/// assert_eq!(header_kind("Address 1: Telephone 1").unwrap().kind, Kind::Phone);
/// assert_eq!(header_kind("Created On"), None);
/// ```
pub fn header_kind(header: &str) -> Option<Match> {
    let padded = padded(header);
    if padded.trim().is_empty() {
        return None;
    }
    KINDS
        .iter()
        .find_map(|(kind, terms)| {
            first_match(&padded, terms).map(|term| Match { kind: *kind, term })
        })
        .or_else(|| {
            profile_aliases()
                .get(padded.trim())
                .map(|(kind, term)| Match {
                    kind: *kind,
                    term: term.as_str(),
                })
        })
}

/// Normalized alias → (kind, alias as written) of every built-in profile entry whose key is a
/// personal logical name (or a header the terms know), built once.
fn profile_aliases() -> &'static std::collections::HashMap<String, (Kind, String)> {
    static ALIASES: std::sync::OnceLock<std::collections::HashMap<String, (Kind, String)>> =
        std::sync::OnceLock::new();
    ALIASES.get_or_init(|| {
        let mut out = std::collections::HashMap::new();
        for profile in crate::profiles::PROFILES {
            let Ok(table) = profile.toml.parse::<toml::Table>() else {
                continue;
            };
            let Some(columns) = table.get("columns").and_then(toml::Value::as_table) else {
                continue;
            };
            for (key, entry) in columns {
                let keeps = entry.get("action").and_then(toml::Value::as_str) == Some("keep");
                let kind = match logical_kind(key) {
                    Some(Logical::Personal(kind)) => Some(kind),
                    Some(_) => None,
                    None => KINDS
                        .iter()
                        .find(|(_, terms)| first_match(&padded(key), terms).is_some())
                        .map(|(kind, _)| *kind),
                };
                let (Some(kind), false) = (kind, keeps) else {
                    continue;
                };
                let aliases = entry.get("aliases").and_then(toml::Value::as_array);
                let aliases = aliases
                    .into_iter()
                    .flatten()
                    .filter_map(toml::Value::as_str);
                // A lookup's name ("Manager") stays a lookup, as in `inspect`'s verdicts.
                for alias in aliases.filter(|a| header_lookup(a).is_none()) {
                    out.entry(normalize(alias))
                        .or_insert_with(|| (kind, alias.to_string()));
                }
            }
        }
        out
    })
}

/// The lookup term a header contains (`Manager`, `Owner`, `Business Unit`, ...), if any.
pub fn header_lookup(header: &str) -> Option<&'static str> {
    first_match(&padded(header), LOOKUP)
}

/// What a Dynamics logical name says about a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logical {
    /// A column that holds the record's personal data.
    Personal(Kind),
    /// A lookup to another record (owner, manager, business unit, ...).
    Lookup,
    /// A system column that holds no personal data (status, created on, licence type, ...).
    System,
}

/// Standard Dataverse columns by logical name (the same in every language and view).
const LOGICAL: &[(&str, Logical)] = &[
    ("firstname", Logical::Personal(Kind::Name)),
    ("lastname", Logical::Personal(Kind::Name)),
    ("middlename", Logical::Personal(Kind::Name)),
    ("fullname", Logical::Personal(Kind::Name)),
    ("nickname", Logical::Personal(Kind::Name)),
    ("yomifirstname", Logical::Personal(Kind::Name)),
    ("yomilastname", Logical::Personal(Kind::Name)),
    ("yomimiddlename", Logical::Personal(Kind::Name)),
    ("yomifullname", Logical::Personal(Kind::Name)),
    ("suffix", Logical::Personal(Kind::Name)),
    ("assistantname", Logical::Personal(Kind::Name)),
    ("managername", Logical::Personal(Kind::Name)),
    ("assistantphone", Logical::Personal(Kind::Phone)),
    ("managerphone", Logical::Personal(Kind::Phone)),
    ("websiteurl", Logical::Personal(Kind::Identifier)),
    ("ftpsiteurl", Logical::Personal(Kind::Identifier)),
    ("spousesname", Logical::Personal(Kind::PersonalDetail)),
    ("childrensnames", Logical::Personal(Kind::PersonalDetail)),
    ("birthdate", Logical::Personal(Kind::PersonalDetail)),
    ("anniversary", Logical::Personal(Kind::PersonalDetail)),
    ("gendercode", Logical::Personal(Kind::PersonalDetail)),
    ("familystatuscode", Logical::Personal(Kind::PersonalDetail)),
    ("annualincome", Logical::Personal(Kind::PersonalDetail)),
    ("educationcode", Logical::Personal(Kind::PersonalDetail)),
    ("numberofchildren", Logical::Personal(Kind::PersonalDetail)),
    ("haschildrencode", Logical::Personal(Kind::PersonalDetail)),
    ("salutation", Logical::Personal(Kind::Title)),
    ("title", Logical::Personal(Kind::Title)),
    ("jobtitle", Logical::Personal(Kind::Title)),
    ("domainname", Logical::Personal(Kind::Identifier)),
    ("windowsliveid", Logical::Personal(Kind::Email)),
    ("mobilealertemail", Logical::Personal(Kind::Email)),
    ("employeeid", Logical::Personal(Kind::Identifier)),
    ("governmentid", Logical::Personal(Kind::Identifier)),
    ("yammeruserid", Logical::Personal(Kind::Identifier)),
    (
        "azureactivedirectoryobjectid",
        Logical::Personal(Kind::Identifier),
    ),
    ("applicationiduri", Logical::System),
    ("photourl", Logical::Personal(Kind::Identifier)),
    ("entityimage", Logical::Personal(Kind::Identifier)),
    ("skills", Logical::Personal(Kind::FreeText)),
    ("description", Logical::Personal(Kind::FreeText)),
    ("businessunitid", Logical::Lookup),
    ("parentsystemuserid", Logical::Lookup),
    ("parentcustomerid", Logical::Lookup),
    ("ownerid", Logical::Lookup),
    ("owninguser", Logical::Lookup),
    ("owningteam", Logical::Lookup),
    ("owningbusinessunit", Logical::Lookup),
    ("createdby", Logical::Lookup),
    ("modifiedby", Logical::Lookup),
    ("createdonbehalfby", Logical::Lookup),
    ("modifiedonbehalfby", Logical::Lookup),
    ("siteid", Logical::Lookup),
    ("territoryid", Logical::Lookup),
    ("positionid", Logical::Lookup),
    ("queueid", Logical::Lookup),
    ("transactioncurrencyid", Logical::Lookup),
    ("department", Logical::System),
    ("accessmode", Logical::System),
    ("caltype", Logical::System),
    ("isdisabled", Logical::System),
    ("islicensed", Logical::System),
    ("statecode", Logical::System),
    ("statuscode", Logical::System),
    ("createdon", Logical::System),
    ("modifiedon", Logical::System),
    ("overriddencreatedon", Logical::System),
    ("versionnumber", Logical::System),
];

/// Address parts of `address1_*`, `address2_*`, ... (`address1_telephone1` is a phone).
const ADDRESS_PARTS: &[(&str, Kind)] = &[
    ("line", Kind::Address),
    ("city", Kind::Address),
    ("county", Kind::Address),
    ("stateorprovince", Kind::Address),
    ("country", Kind::Address),
    ("postalcode", Kind::Address),
    ("postofficebox", Kind::Address),
    ("name", Kind::Address),
    ("composite", Kind::Address),
    ("latitude", Kind::Location),
    ("longitude", Kind::Location),
    ("telephone", Kind::Phone),
    ("fax", Kind::Phone),
];

/// What a Dynamics logical name says, if it is a standard column this tool knows.
///
/// ```
/// use dsr_scrub::inspect::{dictionary::{logical_kind, Logical}, Kind};
/// assert_eq!(logical_kind("address2_telephone3"), Some(Logical::Personal(Kind::Phone)));
/// assert_eq!(logical_kind("parentsystemuserid"), Some(Logical::Lookup));
/// assert_eq!(logical_kind("new_favouritecolour"), None);
/// ```
pub fn logical_kind(logical: &str) -> Option<Logical> {
    let name = logical.to_ascii_lowercase();
    if let Some((_, what)) = LOGICAL.iter().find(|(l, _)| *l == name) {
        return Some(*what);
    }
    if name.contains("emailaddress") {
        return Some(Logical::Personal(Kind::Email));
    }
    if ["telephone", "mobilephone", "homephone", "pager", "fax"]
        .iter()
        .any(|p| name.contains(p))
    {
        return Some(Logical::Personal(Kind::Phone));
    }
    let part = name.strip_prefix("address").and_then(|rest| {
        rest.trim_start_matches(|c: char| c.is_ascii_digit())
            .strip_prefix('_')
    })?;
    ADDRESS_PARTS
        .iter()
        .find(|(p, _)| part.starts_with(p))
        .map(|(_, kind)| Logical::Personal(*kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(header: &str) -> Option<Kind> {
        header_kind(header).map(|m| m.kind)
    }

    #[test]
    fn normalizes_punctuation_and_case() {
        assert_eq!(normalize(" ZIP/Postal Code "), "zip postal code");
        assert_eq!(normalize("E-Mail-Adresse"), "e mail adresse");
        assert_eq!(normalize("Nom d'utilisateur"), "nom d utilisateur");
        assert_eq!(normalize("(Do Not Modify) User"), "do not modify user");
    }

    #[test]
    fn english_dynamics_headers() {
        use Kind::*;
        for (header, expected) in [
            (" Full Name", Name),
            ("First Name", Name),
            ("Yomi First Name", Name),
            ("Nickname", Name),
            ("User Name", Identifier),
            ("Primary Email", Email),
            ("Email 2", Email),
            ("Windows Live ID", Identifier),
            ("Salutation", Title),
            ("Job Title", Title),
            ("Main Phone", Phone),
            ("Address 1: Telephone 1", Phone),
            ("Address 1: Fax", Phone),
            ("Street 1", Address),
            ("Address 1: Name", Address),
            ("ZIP/Postal Code", Address),
            ("State/Province", Address),
            ("Country/Region", Address),
            ("Address 1: Latitude", Location),
            ("Employee", Identifier),
            ("Government ID", Identifier),
            ("Birthday", PersonalDetail),
            ("Description", FreeText),
            // Labels organizations give the employee id and gender columns.
            ("Sex", PersonalDetail),
            ("Payroll ID", Identifier),
            ("Staff No.", Identifier),
            ("Staff Number", Identifier),
            ("Badge Number", Identifier),
            ("HR ID", Identifier),
            ("Emp No", Identifier),
        ] {
            assert_eq!(kind(header), Some(expected), "{header}");
        }
    }

    /// A contact's income, education, children and bank details are personal in every
    /// language; a company's revenue and an account's number are not.
    #[test]
    fn income_education_and_bank_details() {
        for header in [
            "Annual Income",
            "Jahreseinkommen",
            "Revenu annuel",
            "Salary",
            "Bruttogehalt",
            "Education",
            "Ausbildung",
            "Bildung",
            "Niveau d'études",
            "Niveau d’études",
            "Formation",
            "Revenus annuels",
            "Nivel de estudios",
            "Titolo di studio",
            "Staatsangehörigkeit",
            "No. of Children",
            "Has Children",
            "IBAN",
            "Bank Account",
            "Bankverbindung",
            "Cuenta bancaria",
        ] {
            assert_eq!(kind(header), Some(Kind::PersonalDetail), "{header}");
        }
        for header in [
            "Annual Revenue",
            "Account Number",
            "Chiffre d'affaires",
            "Inhalt",
        ] {
            assert_eq!(kind(header), None, "{header}");
        }
    }

    #[test]
    fn other_languages() {
        use Kind::*;
        for (header, expected) in [
            ("Vorname", Name),
            ("Nachname", Name),
            ("E-Mail-Adresse", Email),
            ("Mobiltelefon", Phone),
            ("Straße 1", Address),
            ("Postleitzahl", Address),
            ("Geburtsdatum", PersonalDetail),
            ("Benutzername", Identifier),
            ("Prénom", Name),
            ("Nom de famille", Name),
            ("Téléphone portable", Phone),
            ("Code postal", Address),
            ("Date de naissance", PersonalDetail),
            ("Nombre", Name),
            ("Apellidos", Name),
            ("Correo electrónico", Email),
            ("Teléfono móvil", Phone),
            ("Dirección 1: Calle 1", Address),
            ("Voornaam", Name),
            ("Achternaam", Name),
            ("E-mailadres", Email),
            ("Telefoonnummer", Phone),
            ("Woonplaats", Address),
            ("Geboortedatum", PersonalDetail),
            ("Omschrijving", FreeText),
        ] {
            assert_eq!(kind(header), Some(expected), "{header}");
        }
    }

    #[test]
    fn not_personal_headers() {
        for header in [
            "Business Unit",
            "Manager",
            "Access Mode",
            "Status",
            "License Type",
            "Created On",
            "Modified On",
            "Number of Employees",
            "Sort Order",
            "Case Title",
            "Account Name",
            "Sussex Office",
            "",
        ] {
            assert_eq!(kind(header), None, "{header}");
        }
    }

    #[test]
    fn lookups_by_header() {
        assert_eq!(header_lookup("Manager"), Some("manager"));
        assert_eq!(header_lookup("Owner"), Some("owner"));
        assert_eq!(header_lookup("Business Unit"), Some("business unit"));
        assert_eq!(header_lookup("Geändert von"), Some("geändert von"));
        assert_eq!(header_lookup("First Name"), None);
    }

    #[test]
    fn logical_names() {
        use Kind::*;
        for (logical, expected) in [
            ("firstname", Logical::Personal(Name)),
            ("internalemailaddress", Logical::Personal(Email)),
            ("emailaddress1", Logical::Personal(Email)),
            ("mobilephone", Logical::Personal(Phone)),
            ("address1_telephone1", Logical::Personal(Phone)),
            ("address2_fax", Logical::Personal(Phone)),
            ("address1_line1", Logical::Personal(Address)),
            ("address1_stateorprovince", Logical::Personal(Address)),
            ("address1_latitude", Logical::Personal(Location)),
            ("address1_composite", Logical::Personal(Address)),
            ("employeeid", Logical::Personal(Identifier)),
            ("businessunitid", Logical::Lookup),
            ("createdon", Logical::System),
        ] {
            assert_eq!(logical_kind(logical), Some(expected), "{logical}");
        }
        assert_eq!(logical_kind("address1_addresstypecode"), None);
        assert_eq!(logical_kind("tdg_name"), None);
    }
}
