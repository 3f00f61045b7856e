//! Integration tests: the real binary on generated exports, outputs read back with calamine
//! (and LibreOffice, when installed).

mod workdir;

mod array_formulas;
mod completions;
mod coverage;
mod docs;
mod dry_run;
mod edge_cells;
mod engine;
mod errors;
mod faults;
mod field_rules;
mod fixtures;
mod folders;
mod inspect;
mod kinds;
mod layers;
mod limits;
mod lossless;
mod no_values;
mod package_clean;
mod package_scatter;
mod privacy;
mod raw_layout;
mod rows;
mod scrub_csv;
mod scrub_xlsx;
mod split;
mod subjects;
mod sweep;
mod verify;
