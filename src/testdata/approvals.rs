//! Exports of the eight Power Automate approval tables (the "Delete the user's approval history"
//! step of a data subject request), for tests of subject-scoped runs.
//!
//! Each table is exported with the usual three `(Do Not Modify)` columns, then `Title`, `Owner`
//! (the display text of the owning user, in whatever name format the organization uses),
//! `Requestor Email`, `Responder`, `Comments`, `Created By` and `Modified By`.

use super::{Column, Export, Options, Value};

/// One approval table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// Display name, as in the maker portal's table list (and the export's sheet name).
    pub name: &'static str,
    /// Logical name (`hiddenSheet!A1`).
    pub entity: &'static str,
}

/// The eight tables, in the order the Power Automate procedure lists them.
pub const TABLES: [Table; 8] = [
    Table {
        name: "Approvals",
        entity: "msdyn_flow_approval",
    },
    Table {
        name: "Approval Requests",
        entity: "msdyn_flow_approvalrequest",
    },
    Table {
        name: "Approval Response",
        entity: "msdyn_flow_approvalresponse",
    },
    Table {
        name: "Basic Approval Model Data",
        entity: "msdyn_flow_basicapprovalmodeldata",
    },
    Table {
        name: "Await All Approval Model",
        entity: "msdyn_flow_awaitallapprovalmodel",
    },
    Table {
        name: "Await All Action Approval model",
        entity: "msdyn_flow_awaitallactionapprovalmodel",
    },
    Table {
        name: "Approval step",
        entity: "msdyn_flow_approvalstep",
    },
    Table {
        name: "Action Approval Model",
        entity: "msdyn_flow_actionapprovalmodel",
    },
];

/// One row of an approval table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// The Owner column's text.
    pub owner: String,
    /// Requestor Email.
    pub requestor_email: String,
    /// Responder (a name).
    pub responder: String,
    /// Comments (free text).
    pub comments: String,
    /// Created By and Modified By (a lookup's display text).
    pub created_by: String,
}

fn column(logical: String, header: &'static str, protected: bool) -> Column {
    Column {
        logical: Box::leak(logical.into_boxed_str()),
        header,
        personal: false,
        protected,
        required: false,
        max_length: if protected { None } else { Some(400) },
    }
}

/// The record GUID of row `i` (0-based) of table number `table` (0-based).
pub fn record_id(table: usize, i: usize) -> String {
    format!(
        "{:08x}-1ab4-eb11-8236-{:04x}{:08x}",
        0x3217_a7c8u32 + i as u32,
        table,
        i
    )
}

/// An export of table number `table` of [`TABLES`] holding `rows`.
pub fn export(table: usize, rows: &[Row]) -> Export {
    let t = TABLES[table];
    let e = t.entity;
    let id_header: &'static str =
        Box::leak(format!("(Do Not Modify) {}", t.name.trim_end_matches('s')).into_boxed_str());
    let columns = vec![
        column(format!("{e}id"), id_header, true),
        column(
            "checksumLogicalName".into(),
            "(Do Not Modify) Row Checksum",
            true,
        ),
        column("modifiedon".into(), "(Do Not Modify) Modified On", true),
        column(format!("{e}_title"), "Title", false),
        column("ownerid".into(), "Owner", false),
        column(format!("{e}_requestoremail"), "Requestor Email", false),
        column(format!("{e}_responder"), "Responder", false),
        column(format!("{e}_comments"), "Comments", false),
        column("createdby".into(), "Created By", false),
        column("modifiedby".into(), "Modified By", false),
    ];
    let text = |s: &str| {
        if s.is_empty() {
            Value::Empty
        } else {
            Value::Text(s.to_string())
        }
    };
    let rows = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Value::Text(record_id(table, i)),
                Value::Text(format!("{}{:02}==", "Q".repeat(84), i % 100)),
                Value::DateTime(45_000.5 + i as f64),
                Value::Text(format!("Purchase order {}", 4100 + i)),
                text(&r.owner),
                text(&r.requestor_email),
                text(&r.responder),
                text(&r.comments),
                text(&r.created_by),
                text(&r.created_by),
            ]
        })
        .collect();
    Export {
        entity: e,
        sheet_name: t.name.to_string(),
        columns,
        rows,
        options: Options::default(),
    }
}
