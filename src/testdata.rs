//! Realistic synthetic Microsoft Dynamics 365 / Dataverse "Disabled Users" exports for tests,
//! benches and the checked-in fixtures.
//!
//! [`disabled_users`] builds an in-memory [`Export`] of the `systemuser` entity, deterministic for
//! a given [`Options::seed`]. [`Export::to_xlsx`] writes it the way "Export to Excel" does (data
//! sheet `dataSheet` with an Excel table, hidden `(Do Not Modify)` columns and data validations,
//! plus a very hidden `hiddenSheet` whose `A1` holds the entity metadata and whose rows 2+ hold
//! option-set labels), and [`Export::to_csv`] writes it the way a Dynamics CSV export does.
//!
//! The generated data follows a few rules that make leak tests reliable:
//! - names are international (accents, apostrophes, particles, some native scripts) and avoid
//!   common English words, so searching a scrubbed file for a name does not hit ordinary text;
//! - every non-empty personal text value has at least 3 characters, except salutations;
//! - no personal value occurs inside a protected cell (GUID, row checksum) or in the metadata
//!   checksum: those are re-rolled when they would;
//! - non-personal columns never contain personal values, with one realistic exception: a few
//!   managers in the `Manager` column share a first name with some users.

pub mod approvals;
pub mod catalogue;
pub mod contacts;
pub mod localized;
pub mod pools;
pub mod scatter;
pub mod sweep;

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, Formula, Table,
    TableColumn, TableStyle, Workbook, Worksheet,
};

// The same export in other byte layouts and workbook kinds.
pub mod kinds;
pub mod ole;
pub mod raw;
pub mod vba;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Number of data rows.
    pub rows: usize,
    /// Seed for [`fastrand::Rng::with_seed`]; the same seed gives the same export.
    pub seed: u64,
    /// Append a `Display` formula column (`=E2&" "&G2`) whose cached values repeat personal text.
    pub formula_column: bool,
    /// Add a third, visible `Notes` sheet as a person editing the file would.
    pub extra_sheet: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rows: 250,
            seed: 7,
            formula_column: false,
            extra_sheet: false,
        }
    }
}

/// One cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text, written as a string cell.
    Text(String),
    /// A number, written as a numeric cell.
    Number(f64),
    /// A date-time as an Excel 1900 serial, written as a number with a date format.
    DateTime(f64),
    /// Nothing in the cell.
    Empty,
}

/// One column of the export.
#[derive(Debug, Clone)]
pub struct Column {
    /// Dynamics logical name, e.g. `firstname`.
    pub logical: &'static str,
    /// Display header exactly as in the file, e.g. `" Full Name"` (leading space!).
    pub header: &'static str,
    /// True when the column holds the user's personal data.
    pub personal: bool,
    /// True for the three `(Do Not Modify)` columns.
    pub protected: bool,
    /// True for required columns (`Text (required)` validation prompt).
    pub required: bool,
    /// Maximum text length, from the Dynamics column definition.
    pub max_length: Option<u32>,
}

/// A generated export: columns, data rows and the options used.
#[derive(Debug, Clone)]
pub struct Export {
    /// Entity logical name: `systemuser`.
    pub entity: &'static str,
    /// Name of the data sheet: `Disabled Users`.
    pub sheet_name: String,
    /// Columns in file order.
    pub columns: Vec<Column>,
    /// Data rows only; one [`Value`] per column.
    pub rows: Vec<Vec<Value>>,
    /// Options used to generate this export; `options.seed` also picks the metadata checksum.
    pub options: Options,
}

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

const fn col(
    logical: &'static str,
    header: &'static str,
    personal: bool,
    required: bool,
    max_length: Option<u32>,
) -> Column {
    Column {
        logical,
        header,
        personal,
        protected: false,
        required,
        max_length,
    }
}

const fn protected(logical: &'static str, header: &'static str) -> Column {
    Column {
        logical,
        header,
        personal: false,
        protected: true,
        required: false,
        max_length: None,
    }
}

fn base_columns() -> Vec<Column> {
    vec![
        protected("systemuserid", "(Do Not Modify) User"),
        protected("checksumLogicalName", "(Do Not Modify) Row Checksum"),
        protected("modifiedon", "(Do Not Modify) Modified On"),
        col("fullname", " Full Name", true, false, Some(200)),
        col("firstname", "First Name", true, true, Some(256)),
        col("middlename", "Middle Name", true, false, Some(50)),
        col("lastname", "Last Name", true, true, Some(256)),
        col("domainname", "User Name", true, true, Some(1024)),
        col(
            "internalemailaddress",
            "Primary Email",
            true,
            true,
            Some(100),
        ),
        col("personalemailaddress", "Email 2", true, false, Some(100)),
        col("salutation", "Salutation", true, false, Some(20)),
        col("jobtitle", "Job Title", true, false, Some(100)),
        col("nickname", "Nickname", true, false, Some(50)),
        col("address1_telephone1", "Main Phone", true, false, Some(64)),
        col("mobilephone", "Mobile Phone", true, false, Some(64)),
        col("homephone", "Home Phone", true, false, Some(50)),
        col("address1_line1", "Street 1", true, false, Some(1024)),
        col("address1_city", "City", true, false, Some(128)),
        col(
            "address1_stateorprovince",
            "State/Province",
            true,
            false,
            Some(128),
        ),
        col(
            "address1_postalcode",
            "ZIP/Postal Code",
            true,
            false,
            Some(20),
        ),
        col("address1_country", "Country/Region", true, false, Some(128)),
        col(
            "address1_latitude",
            "Address 1: Latitude",
            true,
            false,
            None,
        ),
        col(
            "address1_longitude",
            "Address 1: Longitude",
            true,
            false,
            None,
        ),
        col("employeeid", "Employee", true, false, Some(100)),
        col("windowsliveid", "Windows Live ID", true, false, Some(1024)),
        col("description", "Description", true, false, Some(2000)),
        col("businessunitid", "Business Unit", false, true, None),
        col("parentsystemuserid", "Manager", false, false, None),
        col("accessmode", "Access Mode", false, true, None),
        col("isdisabled", "Status", false, false, None),
        col("caltype", "License Type", false, true, None),
        col("createdon", "Created On", false, false, None),
    ]
}

/// The optional formula column. Not personal as a column definition, but note that its cached
/// formula results (`First Name & " " & Last Name`) repeat the user's personal text.
fn display_column() -> Column {
    col("custom_display", "Display", false, false, None)
}

/// Option-set labels stored in `hiddenSheet` rows 2, 3 and 4.
const ACCESS_MODES: &[&str] = &["Read-Write", "Administrative", "Read", "Non-interactive"];
const STATUSES: &[&str] = &["Enabled", "Disabled"];
const LICENSE_TYPES: &[&str] = &[
    "Professional",
    "Administrative",
    "Basic",
    "Device Professional",
    "Device Basic",
    "Essential",
    "Device Essential",
    "Enterprise",
    "Device Enterprise",
];

const BUSINESS_UNITS: &[&str] = &[
    "Contoso",
    "Contoso Sales",
    "Contoso Support",
    "Contoso Field Service",
    "Contoso Finance",
];

/// Managers: display names of other users. The first two share a first name with the user pool
/// (Ingrid, Mehmet); the surnames are not in the user pool.
const MANAGERS: &[&str] = &[
    "Ingrid Halvorsen",
    "Mehmet Karadağ",
    "Rutger Brinkerhoff",
    "Ottilie Vanderhaegen",
    "Bartholomäus Rieckhoff",
    "Xochitl Tlapanco",
];

// ---------------------------------------------------------------------------------------------
// Name and address pools
// ---------------------------------------------------------------------------------------------

/// (display, ASCII form for e-mail addresses; empty = fold the display form).
type Name = (&'static str, &'static str);

struct Place {
    city: &'static str,
    state: &'static str,
    country: &'static str,
    /// `#` = random digit, `@` = random upper-case letter, anything else literal.
    postal: &'static str,
    lat: f64,
    lon: f64,
}

const fn place(
    city: &'static str,
    state: &'static str,
    country: &'static str,
    postal: &'static str,
    lat: f64,
    lon: f64,
) -> Place {
    Place {
        city,
        state,
        country,
        postal,
        lat,
        lon,
    }
}

struct Culture {
    female: &'static [Name],
    male: &'static [Name],
    /// Empty: use the culture's first names of the same gender.
    middle_f: &'static [Name],
    middle_m: &'static [Name],
    last: &'static [Name],
    places: &'static [Place],
    /// `#` is replaced by a house number.
    streets: &'static [&'static str],
    /// `#` = random digit.
    phones: &'static [&'static str],
    mobiles: &'static [&'static str],
    /// Local job titles, mixed with [`JOB_TITLES`].
    titles: &'static [&'static str],
}

const JOB_TITLES: &[&str] = &[
    "Sales Manager",
    "Field Service Technician",
    "Senior Accountant",
    "Customer Service Representative",
    "Marketing Coordinator",
    "Software Engineer",
    "HR Generalist",
    "Account Executive",
    "Procurement Specialist",
    "Data Analyst",
    "Logistics Planner",
    "Office Administrator",
    "Product Owner",
    "Legal Counsel",
    "Service Desk Agent",
];

const CULTURES: &[Culture] = &[
    // United States
    Culture {
        female: &[
            ("Kayleigh", ""),
            ("Madison", ""),
            ("Brianna", ""),
            ("Harriet", ""),
            ("Shaniqua", ""),
        ],
        male: &[
            ("Brandon", ""),
            ("Tyler", ""),
            ("Declan", ""),
            ("Jaxon", ""),
            ("Demetrius", ""),
        ],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Pemberton", ""),
            ("Ashworth", ""),
            ("Thornbury", ""),
            ("Okonkwo", ""),
            ("Delacroix-Haynes", ""),
            ("Kowalczyk", ""),
        ],
        places: &[
            place(
                "Redmond",
                "Washington",
                "United States",
                "980##",
                47.674,
                -122.1215,
            ),
            place(
                "Seattle",
                "Washington",
                "United States",
                "981##",
                47.6062,
                -122.3321,
            ),
            place(
                "Boston",
                "Massachusetts",
                "United States",
                "021##",
                42.3601,
                -71.0589,
            ),
        ],
        streets: &["# Elliott Avenue", "# NE 40th Street", "# Beacon Street"],
        phones: &["(425) 555-01##", "(206) 555-01##"],
        mobiles: &["(425) 555-01##", "(617) 555-01##"],
        titles: &[],
    },
    // United Kingdom
    Culture {
        female: &[("Imogen", ""), ("Philippa", ""), ("Georgiana", "")],
        male: &[("Alistair", ""), ("Rupert", ""), ("Tarquin", "")],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Featherstonehaugh", ""),
            ("Cholmondeley", ""),
            ("Abernethy", ""),
            ("Whitcombe", ""),
        ],
        places: &[
            place(
                "London",
                "Greater London",
                "United Kingdom",
                "EC1A #@@",
                51.5072,
                -0.1276,
            ),
            place(
                "Manchester",
                "Greater Manchester",
                "United Kingdom",
                "M1 #@@",
                53.4808,
                -2.2426,
            ),
        ],
        streets: &["# Threadneedle Street", "# Deansgate"],
        phones: &["+44 20 7946 0###", "+44 161 496 0###"],
        mobiles: &["+44 7700 900###"],
        titles: &[],
    },
    // Spain
    Culture {
        female: &[
            ("María", ""),
            ("Begoña", ""),
            ("Nuria", ""),
            ("Lucía", ""),
            ("Inmaculada", ""),
        ],
        male: &[
            ("José", ""),
            ("Íñigo", ""),
            ("Álvaro", ""),
            ("Sebastián", ""),
            ("Ramón", ""),
        ],
        middle_f: &[("Concepción", ""), ("Dolores", ""), ("Mercedes", "")],
        middle_m: &[("Luis", ""), ("Andrés", ""), ("Joaquín", "")],
        last: &[
            ("García-López", ""),
            ("Núñez", ""),
            ("Peña", ""),
            ("Martínez", ""),
            ("Rodríguez", ""),
            ("Ibáñez", ""),
            ("Fernández", ""),
        ],
        places: &[
            place(
                "Madrid",
                "Comunidad de Madrid",
                "Spain",
                "280##",
                40.4168,
                -3.7038,
            ),
            place("Sevilla", "Andalucía", "Spain", "410##", 37.3891, -5.9845),
            place("Bilbao", "País Vasco", "Spain", "480##", 43.263, -2.935),
        ],
        streets: &[
            "Calle de Alcalá, #",
            "Avenida de la Constitución, #",
            "Gran Vía, #",
        ],
        phones: &["+34 91 ### ## ##", "+34 954 ## ## ##"],
        mobiles: &["+34 6## ### ###"],
        titles: &["Jefe de Ventas", "Técnica de Soporte"],
    },
    // France
    Culture {
        female: &[
            ("Zoë", ""),
            ("Chloé", ""),
            ("Hélène", ""),
            ("Gaëlle", ""),
            ("Amélie", ""),
        ],
        male: &[
            ("François", ""),
            ("Benoît", ""),
            ("Mathéo", ""),
            ("Aurélien", ""),
            ("Jérôme", ""),
        ],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Lefèvre", ""),
            ("Dubois", ""),
            ("Moreau", ""),
            ("Lemaître", ""),
            ("Girard", ""),
            ("Rousseau", ""),
            ("Deschamps-Vauclair", ""),
        ],
        places: &[
            place("Paris", "Île-de-France", "France", "750##", 48.8566, 2.3522),
            place(
                "Lyon",
                "Auvergne-Rhône-Alpes",
                "France",
                "6900#",
                45.764,
                4.8357,
            ),
            place(
                "Marseille",
                "Provence-Alpes-Côte d'Azur",
                "France",
                "130##",
                43.2965,
                5.3698,
            ),
        ],
        streets: &[
            "# Rue de Rivoli",
            "# Boulevard Haussmann",
            "# Avenue Jean Jaurès",
        ],
        phones: &["+33 1 ## ## ## ##", "+33 4 ## ## ## ##"],
        mobiles: &["+33 6 ## ## ## ##", "+33 7 ## ## ## ##"],
        titles: &["Chargée de clientèle", "Responsable des achats"],
    },
    // Germany
    Culture {
        female: &[
            ("Käthe", ""),
            ("Anneliese", ""),
            ("Friederike", ""),
            ("Hannelore", ""),
        ],
        male: &[
            ("Jürgen", ""),
            ("Günther", ""),
            ("Lukas", ""),
            ("Jörg", ""),
            ("Maximilian", ""),
        ],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Müller", ""),
            ("Schröder", ""),
            ("Weiß", ""),
            ("Fischer", ""),
            ("Hoffmann", ""),
            ("Schäfer", ""),
            ("Krüger", ""),
        ],
        places: &[
            place("Berlin", "Berlin", "Germany", "101##", 52.52, 13.405),
            place("München", "Bayern", "Germany", "803##", 48.1351, 11.582),
            place("Leipzig", "Sachsen", "Germany", "041##", 51.3397, 12.3731),
            place("Dresden", "Sachsen", "Germany", "010##", 51.0504, 13.7373),
        ],
        streets: &["Hauptstraße #", "Königsallee #", "Schillerstraße #"],
        phones: &["030 #######", "+49 89 ########"],
        mobiles: &["+49 151 ########", "0172 #######"],
        titles: &["Vertriebsleiterin", "Sachbearbeiter Buchhaltung"],
    },
    // Poland
    Culture {
        female: &[
            ("Małgorzata", ""),
            ("Agnieszka", ""),
            ("Zofia", ""),
            ("Bożena", ""),
        ],
        male: &[
            ("Łukasz", ""),
            ("Krzysztof", ""),
            ("Wojciech", ""),
            ("Grzegorz", ""),
        ],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Wójcik", ""),
            ("Woźniak", ""),
            ("Kaczmarek", ""),
            ("Mazur", ""),
            ("Krawczyk", ""),
            ("Szczęsny", ""),
        ],
        places: &[
            place(
                "Warszawa",
                "Mazowieckie",
                "Poland",
                "00-###",
                52.2297,
                21.0122,
            ),
            place("Kraków", "Małopolskie", "Poland", "31-###", 50.0647, 19.945),
            place("Gdańsk", "Pomorskie", "Poland", "80-###", 54.352, 18.6466),
        ],
        streets: &["ul. Marszałkowska #", "ul. Floriańska #", "ul. Długa #"],
        phones: &["+48 22 ### ## ##", "+48 12 ### ## ##"],
        mobiles: &["+48 6## ### ###", "+48 5## ### ###"],
        titles: &["Kierownik projektu", "Specjalistka ds. kadr"],
    },
    // Nordics
    Culture {
        female: &[
            ("Åsa", ""),
            ("Ingrid", ""),
            ("Sigríður", ""),
            ("Aino", ""),
            ("Märta", ""),
            ("Þórunn", "thorunn"),
        ],
        male: &[
            ("Søren", ""),
            ("Bjørn", ""),
            ("Eero", ""),
            ("Henrik", ""),
            ("Ragnar", ""),
        ],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Jørgensen", ""),
            ("Lindqvist", ""),
            ("Håkansson", ""),
            ("Nieminen", ""),
            ("Virtanen", ""),
            ("Ekström", ""),
            ("Bjørnstad", ""),
        ],
        places: &[
            place(
                "København",
                "Hovedstaden",
                "Denmark",
                "1###",
                55.6761,
                12.5683,
            ),
            place(
                "Stockholm",
                "Stockholms län",
                "Sweden",
                "111 ##",
                59.3293,
                18.0686,
            ),
            place("Oslo", "Oslo", "Norway", "01##", 59.9139, 10.7522),
            place("Helsinki", "Uusimaa", "Finland", "00###", 60.1699, 24.9384),
            place(
                "Reykjavík",
                "Höfuðborgarsvæðið",
                "Iceland",
                "10#",
                64.1466,
                -21.9426,
            ),
        ],
        streets: &["Strøget #", "Drottninggatan #", "Mannerheimintie #"],
        phones: &["+45 ## ## ## ##", "+46 8 ### ### ##", "+358 9 ### ####"],
        mobiles: &["+47 4## ## ###", "+46 70 ### ## ##"],
        titles: &["Projektledare", "Økonomimedarbejder"],
    },
    // Ireland
    Culture {
        female: &[
            ("Aoife", ""),
            ("Siobhán", ""),
            ("Niamh", ""),
            ("Saoirse", ""),
            ("Caoimhe", ""),
        ],
        male: &[("Pádraig", ""), ("Ciarán", ""), ("Eoin", ""), ("Oisín", "")],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("O'Brien", ""),
            ("Ó Súilleabháin", ""),
            ("McCarthy", ""),
            ("Fitzgerald", ""),
            ("Ní Bhriain", ""),
            ("Kavanagh", ""),
        ],
        places: &[
            place(
                "Dublin",
                "County Dublin",
                "Ireland",
                "D02 @###",
                53.3498,
                -6.2603,
            ),
            place(
                "Cork",
                "County Cork",
                "Ireland",
                "T12 @#@@",
                51.8985,
                -8.4756,
            ),
            place(
                "Galway",
                "County Galway",
                "Ireland",
                "H91 @#@#",
                53.2707,
                -9.0568,
            ),
        ],
        streets: &["# O'Connell Street", "# Grafton Street", "# Shop Street"],
        phones: &["+353 1 ### ####", "+353 21 ### ####"],
        mobiles: &["+353 8# ### ####"],
        titles: &[],
    },
    // Netherlands
    Culture {
        female: &[("Sanne", ""), ("Femke", ""), ("Anouk", ""), ("Lieke", "")],
        male: &[
            ("Daan", ""),
            ("Joost", ""),
            ("Maarten", ""),
            ("Jeroen", ""),
            ("Sjoerd", ""),
        ],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("van der Berg", ""),
            ("de Vries", ""),
            ("Bakker", ""),
            ("Janssen", ""),
            ("Visser", ""),
            ("van Dijk", ""),
        ],
        places: &[
            place(
                "Amsterdam",
                "Noord-Holland",
                "Netherlands",
                "10## @@",
                52.3676,
                4.9041,
            ),
            place(
                "Utrecht",
                "Utrecht",
                "Netherlands",
                "35## @@",
                52.0907,
                5.1214,
            ),
            place(
                "Rotterdam",
                "Zuid-Holland",
                "Netherlands",
                "30## @@",
                51.9244,
                4.4777,
            ),
        ],
        streets: &["Keizersgracht #", "Herengracht #", "Coolsingel #"],
        phones: &["+31 20 ### ####", "+31 10 ### ####"],
        mobiles: &["+31 6 ########"],
        titles: &["Accountmanager", "Medewerker klantenservice"],
    },
    // Turkey
    Culture {
        female: &[("Ayşe", ""), ("Zeynep", ""), ("Elif", ""), ("Gülşen", "")],
        male: &[("Mehmet", ""), ("Burak", ""), ("Emre", ""), ("Oğuz", "")],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Yılmaz", ""),
            ("Demir", ""),
            ("Şahin", ""),
            ("Çelik", ""),
            ("Öztürk", ""),
            ("Aydın", ""),
            ("Doğan", ""),
        ],
        places: &[
            place("İstanbul", "İstanbul", "Türkiye", "344##", 41.0082, 28.9784),
            place("Ankara", "Ankara", "Türkiye", "06###", 39.9334, 32.8597),
            place("İzmir", "İzmir", "Türkiye", "352##", 38.4237, 27.1428),
        ],
        streets: &["İstiklal Caddesi No: #", "Atatürk Bulvarı No: #"],
        phones: &["+90 212 ### ## ##", "+90 312 ### ## ##"],
        mobiles: &["+90 5## ### ## ##"],
        titles: &["Satış Uzmanı"],
    },
    // Vietnam
    Culture {
        female: &[
            ("Ngọc", ""),
            ("Thảo", ""),
            ("Hương", ""),
            ("Phương", ""),
            ("Huyền", ""),
        ],
        male: &[("Minh", ""), ("Quang", ""), ("Tuấn", ""), ("Khánh", "")],
        middle_f: &[("Thị", "")],
        middle_m: &[("Văn", ""), ("Đức", ""), ("Hữu", "")],
        last: &[
            ("Nguyễn", ""),
            ("Trần", ""),
            ("Phạm", ""),
            ("Đặng", ""),
            ("Huỳnh", ""),
            ("Hoàng", ""),
        ],
        places: &[
            place("Hà Nội", "Hà Nội", "Vietnam", "100###", 21.0285, 105.8542),
            place(
                "Thành phố Hồ Chí Minh",
                "Hồ Chí Minh",
                "Vietnam",
                "700###",
                10.8231,
                106.6297,
            ),
            place("Đà Nẵng", "Đà Nẵng", "Vietnam", "550###", 16.0544, 108.2022),
        ],
        streets: &["# Phố Huế", "# Đường Lê Lợi"],
        phones: &["+84 24 #### ####", "+84 28 #### ####"],
        mobiles: &["+84 9# ### ####"],
        titles: &[],
    },
    // China (Latin script)
    Culture {
        female: &[
            ("Jiahui", ""),
            ("Meiling", ""),
            ("Xinyi", ""),
            ("Yuxuan", ""),
        ],
        male: &[
            ("Wei", ""),
            ("Xiaoming", ""),
            ("Zhiwei", ""),
            ("Haoran", ""),
        ],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Zhang", ""),
            ("Chen", ""),
            ("Huang", ""),
            ("Zhao", ""),
            ("Zhou", ""),
            ("Liu", ""),
        ],
        places: &[
            place("Shanghai", "Shanghai", "China", "200###", 31.2304, 121.4737),
            place("Beijing", "Beijing", "China", "100###", 39.9042, 116.4074),
            place(
                "Shenzhen",
                "Guangdong",
                "China",
                "518###",
                22.5431,
                114.0579,
            ),
        ],
        streets: &["# Nanjing Road", "# Huaihai Road"],
        phones: &["+86 21 #### ####", "+86 10 #### ####"],
        mobiles: &["+86 13# #### ####"],
        titles: &[],
    },
    // Japan (Latin script)
    Culture {
        female: &[("Akiko", ""), ("Yuki", ""), ("Aoi", ""), ("Haruka", "")],
        male: &[("Haruto", ""), ("Kenji", ""), ("Hiroshi", ""), ("Sōta", "")],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Takahashi", ""),
            ("Watanabe", ""),
            ("Yamamoto", ""),
            ("Kobayashi", ""),
            ("Suzuki", ""),
        ],
        places: &[
            place("Chiyoda-ku", "Tokyo", "Japan", "100-00##", 35.694, 139.7536),
            place("Osaka", "Osaka", "Japan", "530-00##", 34.6937, 135.5023),
        ],
        streets: &["#-2-1 Marunouchi", "#-4-8 Umeda"],
        phones: &["+81 3-####-####", "+81 6-####-####"],
        mobiles: &["090-####-####"],
        titles: &[],
    },
    // Japan (native script)
    Culture {
        female: &[
            ("美奈子", "minako"),
            ("由美子", "yumiko"),
            ("さくら", "sakura"),
        ],
        male: &[("健太郎", "kentaro"), ("龍之介", "ryunosuke")],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("佐々木", "sasaki"),
            ("長谷川", "hasegawa"),
            ("五十嵐", "igarashi"),
            ("久保田", "kubota"),
        ],
        places: &[
            place("千代田区", "東京都", "日本国", "100-00##", 35.694, 139.7536),
            place("大阪市", "大阪府", "日本国", "530-00##", 34.6937, 135.5023),
        ],
        streets: &["丸の内1-#-1", "梅田3-#-2"],
        phones: &["03-####-####", "06-####-####"],
        mobiles: &["080-####-####"],
        titles: &["営業部長"],
    },
    // Arabic names (Latin script)
    Culture {
        female: &[("Fatima", ""), ("Rania", ""), ("Layla", ""), ("Nour", "")],
        male: &[
            ("Mohammed", ""),
            ("Youssef", ""),
            ("Khalid", ""),
            ("Karim", ""),
            ("Samir", ""),
        ],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Al-Hashimi", ""),
            ("El-Amin", ""),
            ("Haddad", ""),
            ("Mansour", ""),
            ("Khoury", ""),
            ("Al-Farsi", ""),
        ],
        places: &[
            place(
                "Amman",
                "Amman Governorate",
                "Jordan",
                "111##",
                31.9454,
                35.9284,
            ),
            place(
                "Casablanca",
                "Casablanca-Settat",
                "Morocco",
                "20###",
                33.5731,
                -7.5898,
            ),
            place(
                "Beirut",
                "Beirut Governorate",
                "Lebanon",
                "1107 ####",
                33.8938,
                35.5018,
            ),
        ],
        streets: &["# Rainbow Street", "# Boulevard d'Anfa", "# Rue Hamra"],
        phones: &["+962 6 ### ####", "+212 522-######"],
        mobiles: &["+962 7# ### ####", "+961 3 ### ###"],
        titles: &[],
    },
    // Ukraine (Cyrillic)
    Culture {
        female: &[("Олена", "olena"), ("Оксана", "oksana")],
        male: &[("Дмитро", "dmytro"), ("Тарас", "taras")],
        middle_f: &[],
        middle_m: &[],
        last: &[
            ("Шевченко", "shevchenko"),
            ("Бондаренко", "bondarenko"),
            ("Коваленко", "kovalenko"),
        ],
        places: &[place("Київ", "Київ", "Україна", "01###", 50.4501, 30.5234)],
        streets: &["вул. Хрещатик, #", "вул. Саксаганського, #"],
        phones: &["+380 44 ### ## ##"],
        mobiles: &["+380 67 ### ## ##"],
        titles: &[],
    },
];

const NICKNAME_SUFFIXES: &[&str] = &["ito", "chen", "ucha", "inho"];

const PERSONAL_DOMAINS: &[&str] = &[
    "gmail.example",
    "outlook.example",
    "proton.example",
    "web.example",
    "yahoo.example",
];

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "September",
    "October",
    "November",
    "December",
];

const NEUTRAL_DESCRIPTIONS: &[&str] = &[
    "Contractor account.",
    "Licence reclaimed during the quarterly access review.",
    "Disabled by the offboarding flow.",
    "Shared mailbox migration completed.",
    "Seasonal worker; account kept for audit.",
    "Account disabled after the Contoso Support reorganisation.",
];

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// Replaces `#` by random digits and `@` by random upper-case letters.
fn fill_pattern(rng: &mut fastrand::Rng, pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| match c {
            '#' => char::from(b'0' + rng.u8(0..10)),
            '@' => char::from(b'A' + rng.u8(0..26)),
            other => other,
        })
        .collect()
}

/// ASCII form of a name for e-mail addresses: accents folded, everything else except
/// letters, digits and `-` dropped, lower case.
fn ascii_fold(name: &str) -> String {
    const TABLE: &[(&str, &str)] = &[
        ("àáâãäåāăąạảấầẩẫậắằẳẵặ", "a"),
        ("æ", "ae"),
        ("çćč", "c"),
        ("đð", "d"),
        ("èéêëēęěẹẻẽếềểễệ", "e"),
        ("ğ", "g"),
        ("ìíîïıīịỉĩ", "i"),
        ("ł", "l"),
        ("ñń", "n"),
        ("òóôõöøōőọỏốồổỗộơớờởỡợ", "o"),
        ("œ", "oe"),
        ("śşš", "s"),
        ("ß", "ss"),
        ("þ", "th"),
        ("ùúûüūůűụủũưứừửữự", "u"),
        ("ýÿỳỵỷỹ", "y"),
        ("źżž", "z"),
    ];
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else if let Some((_, rep)) = TABLE.iter().find(|(set, _)| set.contains(c)) {
            out.push_str(rep);
        }
    }
    out
}

fn ascii_of(name: &Name) -> String {
    if name.1.is_empty() {
        ascii_fold(name.0)
    } else {
        name.1.to_string()
    }
}

fn hex(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(rng.u32(0..16), 16).unwrap_or('0'))
        .collect()
}

/// A Dataverse-looking GUID: time-ordered-ish prefix and the Azure `000d3a` node.
fn guid(rng: &mut fastrand::Rng) -> String {
    let version = ["eb11", "ec11", "ed11", "ee11"][rng.usize(..4)];
    let clock = format!(
        "{}{}",
        char::from_digit(rng.u32(8..12), 16).unwrap_or('8'),
        hex(rng, 3)
    );
    format!(
        "{}-{}-{}-{}-000d3a{}",
        hex(rng, 8),
        hex(rng, 4),
        version,
        clock,
        hex(rng, 6)
    )
}

/// 88-character base64 text ending in `==` (64 random bytes), like a Dynamics row checksum.
fn checksum(rng: &mut fastrand::Rng) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = (0..64).map(|_| rng.u8(..)).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A serial with a whole-second time part.
fn serial(rng: &mut fastrand::Rng, days: std::ops::Range<u32>) -> f64 {
    f64::from(rng.u32(days)) + f64::from(rng.u32(0..86_400)) / 86_400.0
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Returns `base` the first time, then `base2`, `base3`, ... (bases never contain digits).
fn unique_local(seen: &mut HashMap<String, u32>, base: &str) -> String {
    let count = seen.entry(base.to_string()).or_insert(0);
    *count += 1;
    if *count == 1 {
        base.to_string()
    } else {
        format!("{base}{count}")
    }
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

fn opt_text(s: Option<String>) -> Value {
    s.map_or(Value::Empty, Value::Text)
}

/// Generates a "Disabled Users" export of the `systemuser` entity.
pub fn disabled_users(options: &Options) -> Export {
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let mut columns = base_columns();
    if options.formula_column {
        columns.push(display_column());
    }
    let mut seen_locals: HashMap<String, u32> = HashMap::new();
    let mut employee_ids: HashSet<u32> = HashSet::new();
    // Employee numbers are zero-padded to one digit more than the largest number, so most
    // of them look numeric with a leading zero ("00123").
    let max_employee = (options.rows as u32).saturating_mul(4).max(20_000);
    let employee_width = max_employee.to_string().len() + 1;
    let mut rows = Vec::with_capacity(options.rows);

    for _ in 0..options.rows {
        let culture = pick(&mut rng, CULTURES);
        let female = rng.bool();
        let firsts = if female { culture.female } else { culture.male };
        let first = *pick(&mut rng, firsts);
        let last = *pick(&mut rng, culture.last);
        let middle_pool = match (female, culture.middle_f, culture.middle_m) {
            (true, [], _) | (false, _, []) => firsts,
            (true, m, _) => m,
            (false, _, m) => m,
        };
        let middle = if rng.f32() < 0.4 {
            let m = *pick(&mut rng, middle_pool);
            (m.0 != first.0).then_some(m)
        } else {
            None
        };
        let fullname = match middle {
            Some(m) => format!("{} {} {}", first.0, m.0, last.0),
            None => format!("{} {}", first.0, last.0),
        };

        let base_local = format!("{}.{}", ascii_of(&first), ascii_of(&last));
        let local = unique_local(&mut seen_locals, &base_local);
        let domainname = format!("{local}@contoso.onmicrosoft.com");
        let email = format!("{local}@contoso.com");
        let personal_email = (rng.f32() < 0.5).then(|| {
            let number = if rng.bool() {
                rng.u32(10..100).to_string()
            } else {
                String::new()
            };
            let style = rng.u8(0..3);
            let (f, l) = (ascii_of(&first), ascii_of(&last).replace('-', ""));
            let user = match style {
                0 => format!("{f}.{l}{number}"),
                1 => format!("{}{l}{number}", &f[..1]),
                _ => format!("{f}_{l}{number}"),
            };
            format!("{user}@{}", pick(&mut rng, PERSONAL_DOMAINS))
        });
        let salutation = if rng.f32() < 0.2 {
            None
        } else {
            let choices: &[&str] = if female {
                &["Ms.", "Ms.", "Mrs.", "Dr.", "Mx."]
            } else {
                &["Mr.", "Mr.", "Mr.", "Dr.", "Mx."]
            };
            Some(pick(&mut rng, choices).to_string())
        };
        let jobtitle = if !culture.titles.is_empty() && rng.f32() < 0.3 {
            *pick(&mut rng, culture.titles)
        } else {
            *pick(&mut rng, JOB_TITLES)
        };
        let nickname = (rng.f32() < 0.3).then(|| {
            if first.1.is_empty() {
                let stem: String = first.0.chars().take(3).collect();
                format!("{stem}{}", pick(&mut rng, NICKNAME_SUFFIXES))
            } else {
                // Native-script name: the romanised form is used as nickname.
                let mut chars = first.1.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
        });
        let main_phone = {
            let pattern = pick(&mut rng, culture.phones);
            fill_pattern(&mut rng, pattern)
        };
        let mobile = {
            let pattern = pick(&mut rng, culture.mobiles);
            fill_pattern(&mut rng, pattern)
        };
        let home_phone = (rng.f32() < 0.5).then(|| {
            let pattern = pick(&mut rng, culture.phones);
            fill_pattern(&mut rng, pattern)
        });
        let street = pick(&mut rng, culture.streets).replace('#', &rng.u32(1..200).to_string());
        let place = pick(&mut rng, culture.places);
        let postal = fill_pattern(&mut rng, place.postal);
        let lat = round6(place.lat + (rng.f64() - 0.5) / 10.0);
        let lon = round6(place.lon + (rng.f64() - 0.5) / 10.0);
        let employee = loop {
            let id = rng.u32(1..max_employee);
            if employee_ids.insert(id) {
                break format!("{id:0employee_width$}");
            }
        };
        let liveid = (rng.f32() < 0.5).then(|| {
            let f = ascii_of(&first);
            let l = ascii_of(&last).replace('-', "");
            format!("{f}{l}{}@outlook.example", rng.u32(100..1000))
        });
        let shown_email = personal_email.clone().unwrap_or_else(|| email.clone());
        let description = match rng.u8(0..20) {
            0..=7 => Some(match rng.u8(0..4) {
                0 => format!(
                    "Left the company in {}; contact {fullname} at {email} for handover.",
                    pick(&mut rng, MONTHS)
                ),
                1 => format!(
                    "{} moved to a partner organisation; mailbox forwarded to the service desk.",
                    first.0
                ),
                2 => format!("Account disabled after {fullname} went on extended leave."),
                _ => format!(
                    "Former {jobtitle}. Reach {} at {shown_email} about open cases.",
                    first.0
                ),
            }),
            8..=14 => Some(pick(&mut rng, NEUTRAL_DESCRIPTIONS).to_string()),
            _ => None,
        };
        let modified = serial(&mut rng, 45_000..45_600);
        let created = serial(&mut rng, 43_000..45_000);
        let access = match rng.u8(0..10) {
            0 => ACCESS_MODES[1],
            1 => ACCESS_MODES[2],
            2 => ACCESS_MODES[3],
            _ => ACCESS_MODES[0],
        };
        let status = if rng.u8(0..20) == 0 {
            STATUSES[0]
        } else {
            STATUSES[1]
        };
        let license = match rng.u8(0..10) {
            0..=5 => "Professional",
            6..=7 => "Basic",
            _ => "Device Professional",
        };

        let mut row = vec![
            text(guid(&mut rng)),
            text(checksum(&mut rng)),
            Value::DateTime(modified),
            text(fullname),
            text(first.0),
            opt_text(middle.map(|m| m.0.to_string())),
            text(last.0),
            text(domainname),
            text(email),
            opt_text(personal_email),
            opt_text(salutation),
            text(jobtitle),
            opt_text(nickname),
            text(main_phone),
            text(mobile),
            opt_text(home_phone),
            text(street),
            text(place.city),
            text(place.state),
            text(postal),
            text(place.country),
            Value::Number(lat),
            Value::Number(lon),
            text(employee),
            opt_text(liveid),
            opt_text(description),
            text(*pick(&mut rng, BUSINESS_UNITS)),
            text(*pick(&mut rng, MANAGERS)),
            text(access),
            text(status),
            text(license),
            Value::DateTime(created),
        ];
        if options.formula_column {
            row.push(text(format!("{} {}", first.0, last.0)));
        }
        rows.push(row);
    }

    let mut export = Export {
        entity: "systemuser",
        sheet_name: "Disabled Users".to_string(),
        columns,
        rows,
        options: *options,
    };
    export.reroll_protected(&mut rng);
    export
}

impl Export {
    /// Re-rolls GUIDs and checksums that happen to contain a (short) personal value, so a leak
    /// search over a scrubbed file never hits random protected text.
    fn reroll_protected(&mut self, rng: &mut fastrand::Rng) {
        let guard = LeakGuard::new(self);
        for row in &mut self.rows {
            if let Value::Text(g) = &mut row[0] {
                while guard.contains(g) {
                    *g = guid(rng);
                }
            }
            if let Value::Text(c) = &mut row[1] {
                while guard.contains(c) {
                    *c = checksum(rng);
                }
            }
        }
    }

    /// The checksum part of `hiddenSheet!A1`: 88 base64 characters picked by `options.seed`
    /// (re-rolled if it would contain a personal value).
    fn entity_checksum(&self) -> String {
        let mut rng = fastrand::Rng::with_seed(self.options.seed ^ 0x6869_6464_656e_5368);
        let guard = LeakGuard::new(self);
        loop {
            let candidate = checksum(&mut rng);
            if !guard.contains(&candidate) {
                return candidate;
            }
        }
    }

    /// Index of the column with this logical name.
    pub fn column_index(&self, logical: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.logical == logical)
    }

    /// The `hiddenSheet!A1` text: `systemuser:<checksum>:<logical>=<percent-encoded header>&...`.
    pub fn metadata_a1(&self) -> String {
        let pairs: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{}={}", c.logical, percent_encode(c.header)))
            .collect();
        format!(
            "{}:{}:{}",
            self.entity,
            self.entity_checksum(),
            pairs.join("&")
        )
    }

    /// Every distinct non-empty text value of the personal columns (numbers formatted with
    /// `to_string()`), sorted.
    pub fn personal_values(&self) -> Vec<String> {
        let personal: Vec<usize> = (0..self.columns.len())
            .filter(|&i| self.columns[i].personal)
            .collect();
        let mut set = HashSet::new();
        for row in &self.rows {
            for &i in &personal {
                match &row[i] {
                    Value::Text(s) if !s.is_empty() => {
                        set.insert(s.clone());
                    }
                    Value::Number(n) | Value::DateTime(n) => {
                        set.insert(n.to_string());
                    }
                    _ => {}
                }
            }
        }
        let mut values: Vec<String> = set.into_iter().collect();
        values.sort();
        values
    }

    /// CSV like a Dynamics CSV export: UTF-8 with BOM, comma, CRLF, header row, date-times as
    /// `m/d/yyyy h:mm`.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        {
            let mut writer = ::csv::WriterBuilder::new()
                .terminator(::csv::Terminator::CRLF)
                .from_writer(&mut out);
            let write = |w: &mut ::csv::Writer<&mut Vec<u8>>, record: Vec<String>| {
                w.write_record(&record).expect("writing CSV to memory");
            };
            write(
                &mut writer,
                self.columns.iter().map(|c| c.header.to_string()).collect(),
            );
            for row in &self.rows {
                let record = row
                    .iter()
                    .map(|v| match v {
                        Value::Text(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::DateTime(d) => format_serial(*d),
                        Value::Empty => String::new(),
                    })
                    .collect();
                write(&mut writer, record);
            }
            writer.flush().expect("flushing CSV to memory");
        }
        out
    }

    /// The workbook as "Export to Excel" writes it (see the module documentation). Option-set
    /// lists are stored the way Excel 2010+ stores lists that point at another sheet: as x14
    /// data validations in the worksheet's `extLst`.
    pub fn to_xlsx(&self) -> Vec<u8> {
        self.xlsx_with(|_| Ok(()))
    }

    /// [`Export::to_xlsx`] with `extra` applied to the workbook before its sheets are added.
    fn xlsx_with(
        &self,
        extra: impl FnOnce(&mut Workbook) -> Result<(), rust_xlsxwriter::XlsxError>,
    ) -> Vec<u8> {
        let mut workbook = Workbook::new();
        // A fixed "export time" (after every Modified On) keeps the bytes deterministic.
        let exported = ExcelDateTime::from_ymd(2024, 11, 5)
            .and_then(|d| d.and_hms(8, 30, 0))
            .expect("valid date");
        // Exports carry the exporting admin as creator, like the real sample.
        workbook.set_properties(
            &DocProperties::new()
                .set_creation_datetime(&exported)
                .set_author(EXPORTED_BY),
        );
        extra(&mut workbook).expect("extra parts");
        let sheet = workbook.add_worksheet();
        self.write_data_sheet(sheet).expect("writing data sheet");
        let hidden = workbook.add_worksheet();
        self.write_hidden_sheet(hidden)
            .expect("writing hiddenSheet");
        if self.options.extra_sheet {
            let notes = workbook.add_worksheet();
            self.write_notes_sheet(notes).expect("writing Notes sheet");
        }
        let bytes = workbook.save_to_buffer().expect("saving workbook");
        option_sets_as_x14(&bytes)
    }

    fn write_data_sheet(&self, sheet: &mut Worksheet) -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.set_name(&self.sheet_name)?;
        sheet.set_vba_name("dataSheet")?;
        let text_format = Format::new().set_num_format("@");
        let date_format = Format::new().set_num_format_index(22);
        let first_name = self.column_index("firstname").unwrap_or(4);
        let last_name = self.column_index("lastname").unwrap_or(6);

        for (i, column) in self.columns.iter().enumerate() {
            let c = i as u16;
            let width = column_width(column);
            sheet.set_column_width(c, width)?;
            if column.protected {
                sheet.set_column_hidden(c)?;
            }
            if is_date_column(column) {
                sheet.set_column_format(c, &date_format)?;
            } else if !is_number_column(column) {
                sheet.set_column_format(c, &text_format)?;
            }
        }

        for (r, row) in self.rows.iter().enumerate() {
            let xr = r as u32 + 1;
            for (i, value) in row.iter().enumerate() {
                let c = i as u16;
                if self.columns[i].logical == "custom_display" {
                    if let Value::Text(cached) = value {
                        let formula = format!(
                            "={}{n}&\" \"&{}{n}",
                            column_letter(first_name),
                            column_letter(last_name),
                            n = xr + 1
                        );
                        sheet.write_formula(xr, c, Formula::new(formula).set_result(cached))?;
                    }
                    continue;
                }
                // Cells take the column format (text "@" or date), like a real export.
                match value {
                    Value::Text(s) => {
                        sheet.write_string(xr, c, s)?;
                    }
                    Value::Number(n) | Value::DateTime(n) => {
                        sheet.write_number(xr, c, *n)?;
                    }
                    Value::Empty => {}
                }
            }
        }

        // Excel table over header + data (at least one data row, like an empty template).
        let last_row = self.rows.len().max(1) as u32;
        let last_col = (self.columns.len() - 1) as u16;
        let table_columns: Vec<TableColumn> = self
            .columns
            .iter()
            .map(|c| TableColumn::new().set_header(c.header))
            .collect();
        let table = Table::new()
            .set_name("Table1")
            .set_style(TableStyle::Medium2)
            .set_columns(&table_columns);
        sheet.add_table(0, 0, last_row, last_col, &table)?;

        self.add_validations(sheet)?;
        Ok(())
    }

    fn add_validations(&self, sheet: &mut Worksheet) -> Result<(), rust_xlsxwriter::XlsxError> {
        const LAST: u32 = 1_048_575;
        let option_rows: HashMap<&str, (u32, usize)> = HashMap::from([
            ("accessmode", (2, ACCESS_MODES.len())),
            ("isdisabled", (3, STATUSES.len())),
            ("caltype", (4, LICENSE_TYPES.len())),
        ]);
        for (i, column) in self.columns.iter().enumerate() {
            let c = i as u16;
            let validation = if is_date_column(column) {
                DataValidation::new()
                    .allow_date_formula(DataValidationRule::GreaterThanOrEqualTo(Formula::new("1")))
                    .set_input_title("Date and time")?
                    .set_input_message(" ")?
                    .set_error_title("Invalid Date")?
                    .set_error_message(format!(
                        "{} must be in the correct date and time format.",
                        column.header
                    ))?
            } else if let Some(&(row, count)) = option_rows.get(column.logical) {
                DataValidation::new()
                    .allow_list_formula(Formula::new(format!(
                        "hiddenSheet!$A${row}:${}${row}",
                        column_letter(count - 1)
                    )))
                    .set_input_title("Option set")?
                    .set_input_message("Select a value from the drop-down list.")?
                    .set_error_title("List Value")?
                    .set_error_message(format!(
                        "{} must be selected from the drop-down list.",
                        column.header
                    ))?
                    .ignore_blank(!column.required)
            } else if matches!(column.logical, "businessunitid" | "parentsystemuserid") {
                DataValidation::new()
                    .allow_any_value()
                    .set_input_title(if column.required {
                        "Lookup (required)"
                    } else {
                        "Lookup"
                    })?
                    .set_input_message(
                        "This value must match the primary column of an existing record.",
                    )?
            } else if matches!(column.logical, "address1_latitude" | "address1_longitude") {
                let limit = if column.logical == "address1_latitude" {
                    90.0
                } else {
                    180.0
                };
                DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(-limit, limit))
                    .set_input_title("Decimal Number")?
                    .set_input_message(format!(
                        "Minimum Value: {}.\r\nMaximum Value: {limit}.",
                        -limit
                    ))?
                    .set_error_title("Value beyond Range")?
                    .set_error_message(format!(
                        "{} must be a number from {} through {limit}.",
                        column.header, -limit
                    ))?
            } else if let Some(max) = column.max_length {
                DataValidation::new()
                    .allow_text_length(DataValidationRule::LessThanOrEqualTo(max))
                    .set_input_title(if column.required {
                        "Text (required)"
                    } else {
                        "Text"
                    })?
                    .set_input_message(format!("Maximum Length: {max} characters."))?
                    .set_error_title("Length Exceeded")?
                    .set_error_message(format!(
                        "This value must be less than or equal to {max} characters long."
                    ))?
                    .ignore_blank(!column.required)
            } else {
                continue;
            };
            sheet.add_data_validation(1, c, LAST, c, &validation)?;
        }
        Ok(())
    }

    fn write_hidden_sheet(&self, sheet: &mut Worksheet) -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.set_name("hiddenSheet")?;
        sheet.set_vba_name("hiddenDataSheet")?;
        sheet.set_very_hidden(true);
        sheet.write_string(0, 0, self.metadata_a1())?;
        for (r, labels) in [ACCESS_MODES, STATUSES, LICENSE_TYPES].iter().enumerate() {
            for (c, label) in labels.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, *label)?;
            }
        }
        Ok(())
    }

    fn write_notes_sheet(&self, sheet: &mut Worksheet) -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.set_name("Notes")?;
        let bold = Format::new().set_bold();
        for (c, h) in ["Topic", "Owner", "Note"].iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        let notes = [
            (
                "Scope",
                "IT Service Desk",
                "Disabled accounts exported for the quarterly access review.",
            ),
            (
                "Retention",
                "Compliance Office",
                "Delete this file 30 days after the review closes.",
            ),
            (
                "Re-import",
                "IT Service Desk",
                "Do not rename columns; use the Data Import wizard.",
            ),
        ];
        for (r, (topic, owner, note)) in notes.iter().enumerate() {
            let r = r as u32 + 1;
            sheet.write_string(r, 0, *topic)?;
            sheet.write_string(r, 1, *owner)?;
            sheet.write_string(r, 2, *note)?;
        }
        sheet.write_string(4, 0, "Rows reviewed")?;
        sheet.write_string(4, 1, "Compliance Office")?;
        sheet.write_number(4, 2, self.rows.len() as f64)?;
        sheet.write_string(5, 0, "Approved")?;
        sheet.write_string(5, 1, "Compliance Office")?;
        sheet.write_boolean(5, 2, true)?;
        sheet.set_column_width(0, 16)?;
        sheet.set_column_width(1, 20)?;
        sheet.set_column_width(2, 60)?;
        Ok(())
    }
}

/// Finds short personal values inside random protected text (GUIDs, base64 checksums).
///
/// Only values of 3 to 12 bytes written in the GUID/base64 alphabets can occur there (a longer
/// one would need a 1-in-64^13 coincidence). Candidates are packed into u128 keys (their bytes
/// are non-zero ASCII, so the packing is unambiguous) and filtered by their first three bytes,
/// which keeps the scan fast even in debug builds.
struct LeakGuard {
    lengths: [bool; LeakGuard::MAX + 1],
    prefixes: Vec<bool>,
    values: HashSet<u128, BuildHasherDefault<KeyHasher>>,
}

impl LeakGuard {
    const MAX: usize = 12;

    fn trigram(b: &[u8]) -> usize {
        (usize::from(b[0]) << 14) | (usize::from(b[1]) << 7) | usize::from(b[2])
    }

    fn new(export: &Export) -> LeakGuard {
        let mut guard = LeakGuard {
            lengths: [false; LeakGuard::MAX + 1],
            prefixes: vec![false; 1 << 21],
            values: HashSet::default(),
        };
        let personal: Vec<usize> = (0..export.columns.len())
            .filter(|&i| export.columns[i].personal)
            .collect();
        for row in &export.rows {
            for &i in &personal {
                let Some(Value::Text(v)) = row.get(i) else {
                    continue;
                };
                if (3..=LeakGuard::MAX).contains(&v.len())
                    && v.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-')
                    })
                {
                    guard.lengths[v.len()] = true;
                    guard.prefixes[LeakGuard::trigram(v.as_bytes())] = true;
                    guard
                        .values
                        .insert(v.bytes().fold(0u128, |key, b| (key << 8) | u128::from(b)));
                }
            }
        }
        guard
    }

    fn contains(&self, s: &str) -> bool {
        let b = s.as_bytes();
        (0..b.len().saturating_sub(2)).any(|i| {
            if !b[i..i + 3].is_ascii() || !self.prefixes[LeakGuard::trigram(&b[i..])] {
                return false;
            }
            let mut key = 0u128;
            for (n, &byte) in b[i..b.len().min(i + LeakGuard::MAX)].iter().enumerate() {
                key = (key << 8) | u128::from(byte);
                if self.lengths[n + 1] && self.values.contains(&key) {
                    return true;
                }
            }
            false
        })
    }
}

/// A small multiplicative hasher for the u128 keys of [`Export::reroll_protected`].
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u128(&mut self, n: u128) {
        let folded = (n as u64) ^ ((n >> 64) as u64).rotate_left(29);
        self.0 = (self.0 ^ folded).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

fn is_date_column(column: &Column) -> bool {
    matches!(column.logical, "modifiedon" | "createdon")
}

fn is_number_column(column: &Column) -> bool {
    matches!(column.logical, "address1_latitude" | "address1_longitude")
}

fn column_width(column: &Column) -> f64 {
    if column.protected {
        return 0.0;
    }
    match column.logical {
        "description" => 60.0,
        "domainname" | "internalemailaddress" | "personalemailaddress" | "windowsliveid" => 36.0,
        "fullname" | "jobtitle" | "address1_line1" | "parentsystemuserid" => 28.0,
        "salutation" => 12.0,
        "address1_latitude" | "address1_longitude" => 20.0,
        "createdon" => 18.0,
        _ => 18.0,
    }
}

/// `0` -> `A`, `25` -> `Z`, `26` -> `AA`.
fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Percent-encodes everything except ASCII alphanumerics and `-_.~` (UTF-8 bytes).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Formats an Excel 1900 serial as `m/d/yyyy h:mm` (rounded to the nearest second first).
fn format_serial(serial: f64) -> String {
    let total_seconds = (serial * 86_400.0).round() as i64;
    let days = total_seconds.div_euclid(86_400);
    let seconds = total_seconds.rem_euclid(86_400);
    // Serial 25569 is 1970-01-01 (valid for serials after 1900-03-01).
    let (y, m, d) = civil_from_days(days - 25_569);
    format!(
        "{m}/{d}/{y} {}:{:02}",
        seconds / 3600,
        (seconds % 3600) / 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (days since 1970-01-01).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The admin who "exported" the generated workbooks (document creator). Not a data subject.
pub const EXPORTED_BY: &str = "Østergaard, Jannik";

/// Move the data sheet's list validations into an x14 `extLst` block, as Excel and Dynamics
/// write lists that refer to another sheet. rust_xlsxwriter writes them in the classic form.
fn option_sets_as_x14(xlsx: &[u8]) -> Vec<u8> {
    use std::io::{Cursor, Read, Write};
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).expect("our own zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let name = zip
            .by_index_raw(i)
            .expect("entry")
            .name()
            .expect("name")
            .into_owned();
        if name != "xl/worksheets/sheet1.xml" {
            out.raw_copy_file(zip.by_index_raw(i).expect("entry"))
                .expect("copy");
            continue;
        }
        let mut entry = zip.by_index(i).expect("entry");
        let mut xml = String::new();
        entry.read_to_string(&mut xml).expect("utf-8 sheet");
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(entry.last_modified().unwrap_or_default());
        out.start_file(name, options).expect("start");
        out.write_all(move_lists_to_x14(&xml).as_bytes())
            .expect("write");
    }
    out.finish().expect("finish").into_inner()
}

fn move_lists_to_x14(xml: &str) -> String {
    let mut kept = Vec::new();
    let mut lists = Vec::new();
    let Some(start) = xml.find("<dataValidations") else {
        return xml.to_string();
    };
    let end = xml.find("</dataValidations>").expect("closed") + "</dataValidations>".len();
    let body_start = start + xml[start..].find('>').expect("tag end") + 1;
    let mut rest = &xml[body_start..end - "</dataValidations>".len()];
    while let Some(open) = rest.find("<dataValidation ") {
        let head_end = open + rest[open..].find('>').expect("tag end") + 1;
        let close = if rest[..head_end].ends_with("/>") {
            head_end
        } else {
            rest[open..].find("</dataValidation>").expect("closed")
                + open
                + "</dataValidation>".len()
        };
        let element = &rest[open..close];
        if element.contains("type=\"list\"") {
            lists.push(element.to_string());
        } else {
            kept.push(element.to_string());
        }
        rest = &rest[close..];
    }
    let classic = format!(
        "<dataValidations count=\"{}\">{}</dataValidations>",
        kept.len(),
        kept.concat()
    );
    let x14: String = lists
        .iter()
        .map(|element| {
            let sqref = attribute(element, "sqref");
            let formula = element
                .split("<formula1>")
                .nth(1)
                .and_then(|f| f.split("</formula1>").next())
                .unwrap_or_default();
            let head_end = element.find('>').expect("tag end");
            let attrs = element["<dataValidation".len()..head_end]
                .replace(&format!(" sqref=\"{sqref}\""), "");
            format!("<x14:dataValidation{attrs}><x14:formula1><xm:f>{formula}</xm:f></x14:formula1><xm:sqref>{sqref}</xm:sqref></x14:dataValidation>")
        })
        .collect();
    let ext = format!(
        "<extLst><ext uri=\"{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}\" xmlns:x14=\"http://schemas.microsoft.com/office/spreadsheetml/2009/9/main\"><x14:dataValidations count=\"{}\" xmlns:xm=\"http://schemas.microsoft.com/office/excel/2006/main\">{x14}</x14:dataValidations></ext></extLst>",
        lists.len()
    );
    let mut out = String::with_capacity(xml.len() + ext.len());
    out.push_str(&xml[..start]);
    out.push_str(&classic);
    let after = &xml[end..];
    let close = after.rfind("</worksheet>").expect("worksheet end");
    out.push_str(&after[..close]);
    out.push_str(&ext);
    out.push_str(&after[close..]);
    out
}

fn attribute<'a>(element: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    element
        .find(&key)
        .map(|i| {
            let from = i + key.len();
            &element[from..from + element[from..].find('"').unwrap_or(0)]
        })
        .unwrap_or_default()
}

/// The text of one part of an xlsx package.
pub fn part_text(xlsx: &[u8], part: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("a zip");
    let mut text = String::new();
    zip.by_name(part)
        .unwrap_or_else(|_| panic!("no part {part}"))
        .read_to_string(&mut text)
        .expect("UTF-8 part");
    text
}

/// A copy of an xlsx package with one part's text edited (or added, when `edit` gets `None`),
/// every other entry copied as it is. Mutation tests break good outputs with it.
pub fn edit_part(xlsx: &[u8], part: &str, edit: impl FnOnce(Option<String>) -> String) -> Vec<u8> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("a zip");
    let old = zip
        .file_names()
        .any(|n| n.is_ok_and(|n| n == part))
        .then(|| part_text(xlsx, part));
    set_part(xlsx, part, edit(old).as_bytes())
}

/// A copy of an xlsx package with one part's bytes replaced (or added), every other entry
/// copied as it is.
pub fn set_part(xlsx: &[u8], part: &str, data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("a zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut written = false;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).unwrap();
        if entry.name().unwrap() == part {
            drop(entry);
            out.start_file(part, options).unwrap();
            out.write_all(data).unwrap();
            written = true;
        } else {
            out.raw_copy_file(entry).unwrap();
        }
    }
    if !written {
        out.start_file(part, options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// A copy of a generated workbook (either layout) with one more sheet named `name`, hidden or
/// not, whose rows (from row 1) are `rows` in inline strings, an empty text leaving its cell
/// out: what a person editing an export leaves behind (a sheet hidden instead of deleted, a
/// block pasted below an empty first row).
pub fn with_sheet(xlsx: &[u8], name: &str, hidden: bool, rows: &[Vec<&str>]) -> Vec<u8> {
    use catalogue::{esc, Parts, MAIN, REL};
    let mut parts = Parts::read(xlsx);
    // One more each time: the part, its relationship and its sheet id.
    const RELS: &str = "xl/_rels/workbook.xml.rels";
    let n = parts.text(RELS).matches("rIdAdded").count() + 1;
    let part = format!("xl/worksheets/sheetAdded{n}.xml");
    let mut data = String::new();
    for (r, row) in rows.iter().enumerate() {
        if row.iter().all(|t| t.is_empty()) {
            continue;
        }
        data.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, text) in row.iter().enumerate().filter(|(_, t)| !t.is_empty()) {
            data.push_str(&format!(
                r#"<c r="{}{}" t="inlineStr"><is><t>{}</t></is></c>"#,
                crate::a1::column_letters(c as u32),
                r + 1,
                esc(text)
            ));
        }
        data.push_str("</row>");
    }
    parts.add(
        &part,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"><sheetData>{data}</sheetData></worksheet>"#
        ),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    );
    parts.relate(
        RELS,
        &format!("rIdAdded{n}"),
        &format!("{REL}/worksheet"),
        &format!("/{part}"),
        false,
    );
    // The raw layout writes its elements with a prefix (`</x:sheets>`).
    let workbook = parts.text("xl/workbook.xml");
    let close = ["</sheets>", "</x:sheets>"]
        .into_iter()
        .find(|c| workbook.contains(c))
        .expect("a sheet list");
    let prefix = &close[2..close.len() - "sheets>".len()];
    parts.insert(
        "xl/workbook.xml",
        close,
        &format!(
            r#"<{prefix}sheet name="{}" sheetId="{}"{} r:id="rIdAdded{n}"/>"#,
            esc(name),
            76 + n,
            if hidden { r#" state="hidden""# } else { "" }
        ),
    );
    parts.write()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{open_workbook_from_rs, Data, Reader, SheetVisible, Xlsx};
    use std::io::Cursor;

    fn small(rows: usize, seed: u64) -> Export {
        disabled_users(&Options {
            rows,
            seed,
            ..Options::default()
        })
    }

    fn cell_text(v: &Value) -> Option<String> {
        match v {
            Value::Text(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::DateTime(_) | Value::Empty => None,
        }
    }

    fn round_trip(export: &Export) {
        let bytes = export.to_xlsx();
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("open xlsx");
        let mut expected_names = vec![export.sheet_name.clone(), "hiddenSheet".to_string()];
        if export.options.extra_sheet {
            expected_names.push("Notes".to_string());
        }
        assert_eq!(wb.sheet_names(), expected_names);
        let visibility: Vec<SheetVisible> =
            wb.sheets_metadata().iter().map(|s| s.visible).collect();
        assert_eq!(visibility[0], SheetVisible::Visible);
        assert_eq!(visibility[1], SheetVisible::VeryHidden);

        let range = wb.worksheet_range(&export.sheet_name).expect("data sheet");
        assert_eq!(range.start(), Some((0, 0)));
        let mut rows = range.rows();
        let header: Vec<Data> = rows.next().expect("header").to_vec();
        let expected_header: Vec<Data> = export
            .columns
            .iter()
            .map(|c| Data::String(c.header.to_string()))
            .collect();
        assert_eq!(header, expected_header);
        let mut count = 0;
        for (row, expected) in rows.zip(&export.rows) {
            count += 1;
            assert_eq!(row.len(), expected.len());
            for (cell, value) in row.iter().zip(expected) {
                match (cell, value) {
                    (Data::String(a), Value::Text(b)) => assert_eq!(a, b),
                    (Data::Float(a), Value::Number(b)) => assert_eq!(a, b),
                    (Data::DateTime(a), Value::DateTime(b)) => assert_eq!(a.as_f64(), *b),
                    (Data::Empty, Value::Empty) => {}
                    (a, b) => panic!("cell {a:?} does not match {b:?}"),
                }
            }
        }
        assert_eq!(count, export.rows.len());

        let hidden = wb.worksheet_range("hiddenSheet").expect("hiddenSheet");
        assert_eq!(
            hidden.get_value((0, 0)),
            Some(&Data::String(export.metadata_a1()))
        );
        assert_eq!(
            hidden.get_value((1, 3)),
            Some(&Data::String("Non-interactive".to_string()))
        );
        if export.options.extra_sheet {
            let notes = wb.worksheet_range("Notes").expect("Notes");
            assert_eq!(notes.get_value((0, 0)), Some(&Data::String("Topic".into())));
            assert_eq!(
                notes.get_value((4, 2)),
                Some(&Data::Float(export.rows.len() as f64))
            );
            assert_eq!(notes.get_value((5, 2)), Some(&Data::Bool(true)));
        }
    }

    #[test]
    fn xlsx_round_trips_through_calamine() {
        round_trip(&small(50, 7));
    }

    #[test]
    fn xlsx_with_formula_column_and_notes_round_trips() {
        let export = disabled_users(&Options {
            rows: 30,
            seed: 11,
            formula_column: true,
            extra_sheet: true,
        });
        let display = export
            .column_index("custom_display")
            .expect("Display column");
        assert_eq!(display, export.columns.len() - 1);
        assert!(!export.columns[display].personal);
        let first = export.column_index("firstname").unwrap();
        let last = export.column_index("lastname").unwrap();
        for row in &export.rows {
            let expected = format!(
                "{} {}",
                cell_text(&row[first]).unwrap(),
                cell_text(&row[last]).unwrap()
            );
            assert_eq!(row[display], Value::Text(expected));
        }
        assert!(export.metadata_a1().ends_with("&custom_display=Display"));
        round_trip(&export);
    }

    #[test]
    fn empty_export_still_writes_a_valid_table() {
        let export = small(0, 3);
        assert!(export.rows.is_empty());
        assert!(export.personal_values().is_empty());
        round_trip(&export);
        assert_eq!(export.to_csv().split(|&b| b == b'\n').count(), 2);
    }

    #[test]
    fn hand_built_export_round_trips() {
        let generated = small(2, 4);
        let mut row = generated.rows[0].clone();
        let first = generated.column_index("firstname").unwrap();
        row[first] = Value::Text("Ødegård".to_string());
        let export = Export {
            entity: "systemuser",
            sheet_name: "Custom View".to_string(),
            columns: generated.columns.clone(),
            rows: vec![row],
            options: generated.options,
        };
        assert_eq!(export.metadata_a1(), generated.metadata_a1());
        assert!(export.personal_values().contains(&"Ødegård".to_string()));
        round_trip(&export);
    }

    #[test]
    fn metadata_a1_encodes_every_column() {
        let export = small(3, 1);
        let a1 = export.metadata_a1();
        let mut parts = a1.splitn(3, ':');
        assert_eq!(parts.next(), Some("systemuser"));
        let checksum = parts.next().unwrap();
        assert_eq!(checksum.len(), 88);
        assert!(checksum.ends_with("=="));
        let pairs: Vec<&str> = parts.next().unwrap().split('&').collect();
        assert_eq!(pairs.len(), export.columns.len());
        assert_eq!(pairs[0], "systemuserid=%28Do%20Not%20Modify%29%20User");
        assert_eq!(
            pairs[1],
            "checksumLogicalName=%28Do%20Not%20Modify%29%20Row%20Checksum"
        );
        assert_eq!(
            pairs[2],
            "modifiedon=%28Do%20Not%20Modify%29%20Modified%20On"
        );
        assert_eq!(pairs[3], "fullname=%20Full%20Name");
        assert!(pairs.contains(&"address1_stateorprovince=State%2FProvince"));
        assert!(pairs.contains(&"address1_latitude=Address%201%3A%20Latitude"));
    }

    #[test]
    fn same_seed_same_rows_different_seed_different_names() {
        let a = small(40, 5);
        let b = small(40, 5);
        assert_eq!(a.rows, b.rows);
        assert_eq!(a.metadata_a1(), b.metadata_a1());
        assert_eq!(a.to_csv(), b.to_csv());
        assert_eq!(a.to_xlsx(), b.to_xlsx());
        let c = small(40, 6);
        let first = a.column_index("fullname").unwrap();
        let names_a: Vec<&Value> = a.rows.iter().map(|r| &r[first]).collect();
        let names_c: Vec<&Value> = c.rows.iter().map(|r| &r[first]).collect();
        assert_ne!(names_a, names_c);
    }

    #[test]
    fn personal_values_cover_names_not_business_units() {
        let export = small(50, 7);
        let values = export.personal_values();
        let first = export.column_index("firstname").unwrap();
        let name = cell_text(&export.rows[0][first]).unwrap();
        assert!(values.contains(&name));
        assert!(!values.contains(&"Contoso".to_string()));
        let mut sorted = values.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, values);
    }

    #[test]
    fn csv_has_bom_header_and_one_line_per_row() {
        let export = small(50, 7);
        let csv = export.to_csv();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        let text = std::str::from_utf8(&csv[3..]).unwrap();
        assert_eq!(text.split("\r\n").filter(|l| !l.is_empty()).count(), 51);
        assert_eq!(text.lines().count(), 51);
        assert!(text.starts_with("(Do Not Modify) User,(Do Not Modify) Row Checksum,"));
        assert!(text.contains(", Full Name,"));
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let expected: Vec<&str> = export.columns.iter().map(|c| c.header).collect();
        assert_eq!(headers, expected);
        for (record, row) in reader.records().zip(&export.rows) {
            let record = record.unwrap();
            for (field, value) in record.iter().zip(row) {
                match value {
                    Value::Text(s) => assert_eq!(field, s),
                    Value::Number(n) => assert_eq!(field, n.to_string()),
                    Value::DateTime(d) => assert_eq!(field, format_serial(*d)),
                    Value::Empty => assert_eq!(field, ""),
                }
            }
        }
    }

    #[test]
    fn serial_formatting() {
        assert_eq!(format_serial(44_329.778_622_685_2), "5/13/2021 18:41");
        assert_eq!(format_serial(45_000.0), "3/15/2023 0:00");
        assert_eq!(format_serial(25_569.5), "1/1/1970 12:00");
    }

    #[test]
    fn values_are_well_formed() {
        let export = small(2_000, 42);
        let idx = |name: &str| export.column_index(name).unwrap();
        let mut emails = HashSet::new();
        let mut users = HashSet::new();
        for row in &export.rows {
            let Value::Text(g) = &row[0] else { panic!() };
            assert_eq!(g.len(), 36);
            assert!(g
                .chars()
                .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)));
            let Value::Text(c) = &row[1] else { panic!() };
            assert_eq!(c.len(), 88);
            assert!(c.ends_with("=="));
            assert!(
                matches!(row[2], Value::DateTime(d) if (45_000.0..45_600.0).contains(&d) && d.fract() != 0.0)
            );
            let Value::Text(email) = &row[idx("internalemailaddress")] else {
                panic!()
            };
            assert!(emails.insert(email.clone()), "duplicate {email}");
            let Value::Text(user) = &row[idx("domainname")] else {
                panic!()
            };
            assert!(users.insert(user.clone()));
            for address in [email, user] {
                let (local, _) = address.split_once('@').unwrap();
                assert!(local.len() >= 3);
                assert!(local
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c)));
            }
            for (value, column) in row.iter().zip(&export.columns) {
                if let (Value::Text(s), Some(max)) = (value, column.max_length) {
                    assert!(s.chars().count() <= max as usize);
                }
                if column.personal && column.logical != "salutation" {
                    if let Value::Text(s) = value {
                        assert!(s.chars().count() >= 3, "{} {s:?}", column.logical);
                    }
                }
            }
            assert!(matches!(row[idx("address1_latitude")], Value::Number(_)));
            let Value::Text(e) = &row[idx("employeeid")] else {
                panic!()
            };
            assert!(e.chars().all(|c| c.is_ascii_digit()));
        }
        let share = |name: &str| {
            let i = idx(name);
            export.rows.iter().filter(|r| r[i] == Value::Empty).count() as f64 / 2_000.0
        };
        assert!((0.5..0.7).contains(&share("middlename")));
        assert!((0.4..0.6).contains(&share("personalemailaddress")));
        assert!((0.6..0.8).contains(&share("nickname")));
        assert!((0.4..0.6).contains(&share("homephone")));
        assert!((0.4..0.6).contains(&share("windowsliveid")));
        let postal = idx("address1_postalcode");
        assert!(export
            .rows
            .iter()
            .any(|r| matches!(&r[postal], Value::Text(p) if p.starts_with('0') && p.chars().all(|c| c.is_ascii_digit()))));
        let description = idx("description");
        let fullname = idx("fullname");
        let first = idx("firstname");
        let mentions = export
            .rows
            .iter()
            .filter(|r| {
                let Value::Text(d) = &r[description] else {
                    return false;
                };
                [&r[first], &r[fullname]]
                    .iter()
                    .any(|v| matches!(v, Value::Text(n) if d.contains(n.as_str())))
            })
            .count();
        assert!((600..1_000).contains(&mentions), "{mentions}");
    }

    #[test]
    fn names_fold_to_ascii_and_avoid_english_words() {
        const ENGLISH: &[&str] = &[
            "will", "may", "grant", "rose", "mark", "bill", "page", "art", "hope", "faith", "joy",
            "dawn", "rich", "ray", "guy", "jean", "nick", "pat", "sue", "don", "dean", "miles",
            "chase", "hunter", "carter", "baker", "smith", "young", "long", "black", "white",
            "brown", "green", "king", "hill", "wood", "lane", "bell", "park", "moon", "sun", "lee",
            "said", "amber", "ruby", "jade", "iris", "ivy", "sky", "can", "fang", "hung", "dung",
            "tin", "tan", "ling", "wang", "summer", "april", "june", "august", "frank", "earl",
            "sterling", "penny", "crystal", "gay", "rusty", "sandy", "holly", "heather", "daisy",
            "robin", "victor", "destiny", "brake", "cole", "reed", "hall",
        ];
        for culture in CULTURES {
            let all = [
                culture.female,
                culture.male,
                culture.middle_f,
                culture.middle_m,
                culture.last,
            ];
            for name in all.iter().flat_map(|n| n.iter()) {
                let ascii = ascii_of(name);
                assert!(ascii.len() >= 3, "{name:?}");
                assert!(
                    ascii.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                    "{name:?} -> {ascii}"
                );
                if name.1.is_empty() {
                    let letters = name.0.chars().filter(|c| c.is_alphabetic()).count();
                    assert!(ascii.len() >= letters, "{name:?} -> {ascii}");
                }
                for word in name.0.split([' ', '-', '\'']) {
                    assert!(
                        !ENGLISH.contains(&word.to_lowercase().as_str()),
                        "{name:?} is an English word"
                    );
                }
            }
        }
        let export = small(3_000, 9);
        let nickname = export.column_index("nickname").unwrap();
        for row in &export.rows {
            if let Value::Text(n) = &row[nickname] {
                assert!(!ENGLISH.contains(&n.to_lowercase().as_str()), "{n}");
            }
        }
    }

    #[test]
    fn personal_values_do_not_leak_into_other_cells() {
        let export = disabled_users(&Options {
            rows: 400,
            seed: 13,
            formula_column: false,
            extra_sheet: true,
        });
        let personal = export.personal_values();
        let first_names: HashSet<String> = ["firstname", "middlename", "nickname"]
            .iter()
            .flat_map(|c| {
                let i = export.column_index(c).unwrap();
                export.rows.iter().filter_map(move |r| cell_text(&r[i]))
            })
            .collect();
        let manager = export.column_index("parentsystemuserid").unwrap();
        let mut others: Vec<(usize, String)> = Vec::new();
        for row in &export.rows {
            for (i, value) in row.iter().enumerate() {
                if !export.columns[i].personal {
                    if let Some(t) = cell_text(value) {
                        others.push((i, t));
                    }
                }
            }
        }
        others.push((usize::MAX, export.metadata_a1()));
        for label in ACCESS_MODES.iter().chain(STATUSES).chain(LICENSE_TYPES) {
            others.push((usize::MAX, label.to_string()));
        }
        for (i, text) in &others {
            for value in &personal {
                if text.contains(value.as_str()) {
                    assert!(
                        *i == manager && first_names.contains(value),
                        "{value:?} found in {text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(31), "AF");
    }
}

/// A minimal workbook package written part by part, for the edge cases that rust_xlsxwriter
/// does not write: the 1904 date system, inline and rich strings, `_xHHHH_` escapes, merged
/// cells in hand-written XML.
///
/// Styles: `s="1"` is a date (number format 14).
#[derive(Debug, Clone, Default)]
pub struct RawBook {
    /// `<workbookPr date1904="1"/>`.
    pub date1904: bool,
    /// Sheet names and the XML inside their `<worksheet>` element (`<sheetData>...`).
    pub sheets: Vec<(String, String)>,
    /// The `<si>` items of the shared strings part, when it has one.
    pub shared_strings: Option<Vec<String>>,
}

impl RawBook {
    /// The package's bytes.
    pub fn to_xlsx(&self) -> Vec<u8> {
        use std::io::{Cursor, Write};
        const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
        let mut parts: Vec<(String, String)> = Vec::new();
        let mut types = String::from(concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
            r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
            r#"<Default Extension="xml" ContentType="application/xml"/>"#,
            r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
            r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
        ));
        let mut sheets = String::new();
        let mut rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}">"#
        );
        for (i, (name, body)) in self.sheets.iter().enumerate() {
            let n = i + 1;
            types.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#));
            sheets.push_str(&format!(
                r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#,
                name.replace('&', "&amp;")
                    .replace('"', "&quot;")
                    .replace('<', "&lt;")
            ));
            rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
            parts.push((
                format!("xl/worksheets/sheet{n}.xml"),
                format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}" xmlns:r="{REL}">{body}</worksheet>"#),
            ));
        }
        let extra = self.sheets.len();
        rels.push_str(&format!(
            r#"<Relationship Id="rId{}" Type="{REL}/styles" Target="styles.xml"/>"#,
            extra + 1
        ));
        if let Some(items) = &self.shared_strings {
            types.push_str(r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#);
            rels.push_str(&format!(r#"<Relationship Id="rId{}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>"#, extra + 2));
            parts.push((
                "xl/sharedStrings.xml".into(),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}" count="{n}" uniqueCount="{n}">{}</sst>"#,
                    items.concat(),
                    n = items.len()
                ),
            ));
        }
        rels.push_str("</Relationships>");
        types.push_str("</Types>");
        parts.push(("xl/_rels/workbook.xml.rels".into(), rels));
        parts.push((
            "xl/workbook.xml".into(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr{}/><sheets>{sheets}</sheets></workbook>"#,
                if self.date1904 { r#" date1904="1""# } else { "" }
            ),
        ));
        parts.push((
            "xl/styles.xml".into(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#
            ),
        ));
        parts.push((
            "_rels/.rels".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ));
        parts.push(("[Content_Types].xml".into(), types));
        parts.rotate_right(1);
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for (name, text) in parts {
            out.start_file(name, options).expect("start");
            out.write_all(text.as_bytes()).expect("write");
        }
        out.finish().expect("finish").into_inner()
    }
}
