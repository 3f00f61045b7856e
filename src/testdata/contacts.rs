//! An export of the Contact table ("My Active Contacts"), for tests of the `contact` profile.
//!
//! The people are those of [`disabled_users`](super::disabled_users) with the same options, so
//! the same seed gives the same names: the usual three `(Do Not Modify)` columns, then the
//! contact's names, emails, phones, job title, address, description, and the kept columns
//! `Company Name` (another record) and `Created On`.

use super::{protected, Column, Export, Options, Value};

/// A contact column (no length limit or required flag: the profile's tests do not need them).
const fn column(logical: &'static str, header: &'static str, personal: bool) -> Column {
    super::col(logical, header, personal, false, None)
}

/// Each contact column, and the Disabled Users column its values come from.
const COLUMNS: &[(Column, &str)] = &[
    (protected("contactid", "(Do Not Modify) Contact"), ""),
    (
        protected("checksumLogicalName", "(Do Not Modify) Row Checksum"),
        "checksumLogicalName",
    ),
    (
        protected("modifiedon", "(Do Not Modify) Modified On"),
        "modifiedon",
    ),
    (column("fullname", "Full Name", true), "fullname"),
    (column("firstname", "First Name", true), "firstname"),
    (column("lastname", "Last Name", true), "lastname"),
    (
        column("emailaddress1", "Email", true),
        "internalemailaddress",
    ),
    (
        column("emailaddress2", "Email Address 2", true),
        "personalemailaddress",
    ),
    (
        column("telephone1", "Business Phone", true),
        "address1_telephone1",
    ),
    (column("mobilephone", "Mobile Phone", true), "mobilephone"),
    (column("jobtitle", "Job Title", true), "jobtitle"),
    (
        column("address1_city", "Address 1: City", true),
        "address1_city",
    ),
    (column("description", "Description", true), "description"),
    (column("parentcustomerid", "Company Name", false), ""),
    (column("createdon", "Created On", false), "createdon"),
];

/// The companies of the `Company Name` lookup (not personal: another table's records).
const COMPANIES: &[&str] = &[
    "Fabrikam, Inc.",
    "Contoso Ltd",
    "Adventure Works",
    "Litware",
];

/// The record GUID of contact row `i` (0-based).
pub fn record_id(i: usize) -> String {
    format!(
        "{:08x}-77c1-ec11-8d21-000d3a{:06x}",
        0x5a10_0000u32 + i as u32,
        i
    )
}

/// A Contact export of `options.rows` contacts.
pub fn export(options: &Options) -> Export {
    let users = super::disabled_users(options);
    let columns: Vec<Column> = COLUMNS.iter().map(|(c, _)| c.clone()).collect();
    let sources: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|(_, from)| users.column_index(from))
        .collect();
    let rows = users
        .rows
        .iter()
        .enumerate()
        .map(|(i, user)| {
            COLUMNS
                .iter()
                .zip(&sources)
                .map(|((c, _), from)| match (c.logical, from) {
                    ("contactid", _) => Value::Text(record_id(i)),
                    ("parentcustomerid", _) => {
                        Value::Text(COMPANIES[i % COMPANIES.len()].to_string())
                    }
                    (_, Some(from)) => user[*from].clone(),
                    (_, None) => Value::Empty,
                })
                .collect()
        })
        .collect();
    Export {
        entity: "contact",
        sheet_name: "My Active Contacts".to_string(),
        columns,
        rows,
        options: users.options,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_carry_the_people_of_the_disabled_users_export() {
        let options = Options {
            rows: 12,
            ..Options::default()
        };
        let users = super::super::disabled_users(&options);
        let contacts = export(&options);
        assert_eq!(contacts.rows.len(), 12);
        let (from, to) = (
            users.column_index("internalemailaddress").unwrap(),
            contacts.column_index("emailaddress1").unwrap(),
        );
        for (u, c) in users.rows.iter().zip(&contacts.rows) {
            assert_eq!(u[from], c[to]);
            assert!(matches!(&c[0], Value::Text(id) if id.len() == 36));
        }
    }
}
