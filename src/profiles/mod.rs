//! Built-in maps, embedded in the binary. `dsr-scrub profiles` lists them and
//! `dsr-scrub profiles show NAME` prints one to copy and edit.

/// A built-in map.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// The name given to `--profile`.
    pub name: &'static str,
    /// One line on what it is for.
    pub summary: &'static str,
    /// The map, as TOML.
    pub toml: &'static str,
    /// The Dynamics entities (`hiddenSheet!A1`) whose exports it is for.
    pub entities: &'static [&'static str],
}

/// The Power Automate approval tables' logical names.
const APPROVAL_ENTITIES: &[&str] = &[
    "msdyn_flow_approval",
    "msdyn_flow_approvalrequest",
    "msdyn_flow_approvalresponse",
    "msdyn_flow_basicapprovalmodeldata",
    "msdyn_flow_awaitallapprovalmodel",
    "msdyn_flow_awaitallactionapprovalmodel",
    "msdyn_flow_approvalstep",
    "msdyn_flow_actionapprovalmodel",
];

/// A built-in profile ready for the files whose entity it is made for, or why it cannot run
/// (the approvals profile without `--subject`).
#[derive(Debug, Clone)]
pub struct EntityMap {
    /// The entities it is for.
    pub entities: &'static [&'static str],
    /// The parsed profile, or the one-line reason it cannot be used.
    pub map: Result<crate::map::Map, String>,
}

/// Every profile but the default, parsed with `inputs`: `scrub` without `--map` or `--profile`
/// picks one of them for a file whose entity it is made for.
pub fn by_entity(inputs: &crate::map::MapInputs) -> Vec<EntityMap> {
    PROFILES
        .iter()
        .filter(|p| p.name != DEFAULT_PROFILE)
        .map(|p| EntityMap {
            entities: p.entities,
            map: crate::map::Map::parse_with(p.toml, &format!("profile {}", p.name), inputs)
                .map_err(|e| e.to_string()),
        })
        .collect()
}

/// The profile made for exports of `entity`, if there is one.
pub fn for_entity(entity: &str) -> Option<&'static Profile> {
    PROFILES
        .iter()
        .find(|p| p.entities.iter().any(|e| e.eq_ignore_ascii_case(entity)))
}

/// Every built-in profile.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "systemuser",
        summary: "SystemUser, Disabled Users view: remove a departed user's personal data, keep the file importable (default)",
        toml: include_str!("systemuser.toml"),
        entities: &["systemuser"],
    },
    Profile {
        name: "approvals",
        summary: "Power Automate approval tables: delete the subject's rows, redact the subject elsewhere (needs --subject)",
        toml: include_str!("approvals.toml"),
        entities: APPROVAL_ENTITIES,
    },
    Profile {
        name: "contact",
        summary: "Contact: remove a person's data from contact records, keep the file importable",
        toml: include_str!("contact.toml"),
        entities: &["contact"],
    },
];

/// The profile `scrub` uses when given neither `--map` nor `--profile`.
pub const DEFAULT_PROFILE: &str = "systemuser";

/// A profile by name.
pub fn find(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// `map`, or the profile in `by_entity` made for `book`'s entity
/// ([`Workbook::entity`](crate::workbook::Workbook::entity)): how `scrub` and `verify` pick the
/// map of each file when neither `--map` nor `--profile` was given.
///
/// # Errors
/// [`crate::error::PlanError::WrongProfile`] when that table's profile cannot run.
pub fn map_for<'a>(
    map: &'a crate::map::Map,
    by_entity: &'a [EntityMap],
    book: &crate::workbook::Workbook,
) -> Result<&'a crate::map::Map, crate::error::Problem> {
    let Some(entity) = book.entity() else {
        return Ok(map);
    };
    let found = by_entity
        .iter()
        .find(|e| e.entities.iter().any(|n| n.eq_ignore_ascii_case(&entity)));
    match found.map(|e| &e.map) {
        None => Ok(map),
        Some(Ok(profile)) => Ok(profile),
        Some(Err(why)) => Err(crate::error::PlanError::WrongProfile {
            entity,
            profile: format!("its profile cannot run: {why}"),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::{Map, Selector};

    #[test]
    fn every_profile_is_a_valid_map_without_a_key() {
        let subjects = crate::subjects::Subjects::from_values(&["Zoë Müller".to_string()]);
        let inputs = crate::map::MapInputs {
            key: None,
            subjects: &subjects,
        };
        for p in PROFILES {
            let map = Map::parse_with(p.toml, p.name, &inputs).unwrap_or_else(|e| panic!("{e}"));
            assert!(!map.rules.is_empty());
            assert!(!p.summary.is_empty());
        }
        // Profiles that need subjects say so when there are none.
        let e = Map::parse(find("approvals").unwrap().toml, "approvals", None).unwrap_err();
        assert!(e.to_string().contains("--subject"), "{e}");
        assert!(find(DEFAULT_PROFILE).is_some());
    }

    /// Two entries sharing a header would make resolution ambiguous in a CSV of that language;
    /// and `inspect` must call every header a profile scrubs personal.
    #[test]
    fn localized_aliases_are_unique_and_known_to_inspect() {
        use crate::inspect::dictionary::{header_kind, header_lookup};
        let subjects = crate::subjects::Subjects::from_values(&["x".to_string()]);
        let inputs = crate::map::MapInputs {
            key: None,
            subjects: &subjects,
        };
        for p in PROFILES {
            let map = Map::parse_with(p.toml, p.name, &inputs).unwrap();
            let mut owner: std::collections::HashMap<String, &str> = Default::default();
            for rule in &map.rules {
                for alias in &rule.aliases {
                    let loose = alias.trim().to_lowercase();
                    if let Some(other) = owner.insert(loose, &rule.key) {
                        assert_eq!(
                            other, rule.key,
                            "{}: alias {alias:?} of two entries",
                            p.name
                        );
                    }
                }
            }
            if p.name == "approvals" {
                continue;
            }
            // Entries for the person's own data; `department` (cleared by `contact`) is not
            // personal to the detector, which must not cry wolf on a team's name.
            let personal = |key: &str| {
                matches!(
                    crate::inspect::dictionary::logical_kind(key),
                    Some(crate::inspect::dictionary::Logical::Personal(_))
                )
            };
            for rule in map
                .rules
                .iter()
                .filter(|r| r.action.name() != "keep" && personal(&r.key))
            {
                for alias in &rule.aliases {
                    assert!(
                        header_kind(alias).is_some() || header_lookup(alias).is_some(),
                        "{}: inspect does not know {alias:?} ({})",
                        p.name,
                        rule.key
                    );
                }
            }
        }
        // A few of the localized names, through the dictionary's own terms or the aliases.
        for header in [
            "Mobiltelefon",
            "Téléphone mobile",
            "Cellulare",
            "Celular",
            "Nome utente",
        ] {
            assert!(header_kind(header).is_some(), "{header}");
        }
    }

    /// DYNAMICS.md's list of SystemUser personal columns.
    const SYSTEMUSER_PERSONAL: &[&str] = &[
        "firstname",
        "lastname",
        "domainname",
        "internalemailaddress",
        "personalemailaddress",
        "mobilealertemail",
        "windowsliveid",
        "yammeremailaddress",
        "sharepointemailaddress",
        "middlename",
        "nickname",
        "salutation",
        "title",
        "jobtitle",
        "yomifirstname",
        "yomilastname",
        "yomimiddlename",
        "fullname",
        "yomifullname",
        "homephone",
        "mobilephone",
        "address1_telephone1",
        "address1_telephone2",
        "address1_telephone3",
        "address1_fax",
        "address2_telephone1",
        "address2_telephone2",
        "address2_telephone3",
        "address2_fax",
        "address1_line1",
        "address1_line2",
        "address1_line3",
        "address1_city",
        "address1_county",
        "address1_stateorprovince",
        "address1_country",
        "address1_postalcode",
        "address1_postofficebox",
        "address1_name",
        "address1_latitude",
        "address1_longitude",
        "address1_composite",
        "address2_line1",
        "address2_line2",
        "address2_line3",
        "address2_city",
        "address2_county",
        "address2_stateorprovince",
        "address2_country",
        "address2_postalcode",
        "address2_postofficebox",
        "address2_name",
        "address2_latitude",
        "address2_longitude",
        "employeeid",
        "governmentid",
        "yammeruserid",
        "photourl",
        "skills",
    ];

    /// The run-wide report of keys that matched nothing leaves out standard columns that a
    /// view may not show: every key of the table profiles is one.
    #[test]
    fn table_profiles_use_standard_logical_names() {
        for name in ["systemuser", "contact"] {
            let map = Map::parse(find(name).unwrap().toml, name, None).unwrap();
            for rule in &map.rules {
                if matches!(rule.selector, Selector::Name(_)) {
                    assert!(
                        crate::inspect::dictionary::logical_kind(&rule.key).is_some(),
                        "{name}: {}",
                        rule.key
                    );
                }
            }
        }
    }

    #[test]
    fn systemuser_covers_every_personal_column() {
        let map = Map::parse(find("systemuser").unwrap().toml, "systemuser", None).unwrap();
        for logical in SYSTEMUSER_PERSONAL {
            let rule = map
                .rules
                .iter()
                .find(|r| matches!(&r.selector, Selector::Name(n) if n == logical))
                .unwrap_or_else(|| panic!("{logical} has no entry"));
            assert!(rule.optional, "{logical} must be optional");
            assert_ne!(rule.action.name(), "keep", "{logical}");
            assert!(!rule.aliases.is_empty(), "{logical} needs an English alias");
        }
    }

    #[test]
    fn systemuser_replaces_required_columns_within_their_length() {
        use crate::actions::{apply, CellCtx};
        use calamine::Data;
        let map = Map::parse(find("systemuser").unwrap().toml, "systemuser", None).unwrap();
        let id = "3217a7c8-1ab4-eb11-8236-000d3aff3315";
        for logical in [
            "firstname",
            "lastname",
            "domainname",
            "internalemailaddress",
        ] {
            let rule = map.rules.iter().find(|r| r.key == logical).unwrap();
            assert!(rule.required, "{logical}");
            assert_eq!(rule.action.name(), "replace", "{logical}");
            let ctx = CellCtx {
                row: 2,
                record_id: Some(id),
                column: logical,
            };
            let new = apply(
                &rule.action,
                &Data::String("Zoë".into()),
                &ctx,
                rule.max_length,
            )
            .unwrap();
            let Data::String(s) = new else {
                panic!("{logical} not text")
            };
            assert!(!s.is_empty() && s.chars().count() <= rule.max_length.unwrap());
            if logical.ends_with("address") {
                assert!(s.contains('@') && s.contains(id));
            }
        }
    }
}
