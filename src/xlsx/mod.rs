//! Excel workbooks: reading with calamine; writing with the lossless patcher (the default) or
//! the rebuild writer (rust_xlsxwriter).

pub(crate) mod ahead;
pub(crate) mod attr;
pub(crate) mod cells;
pub mod clean;
pub mod deflate;
pub(crate) mod direct;
pub(crate) mod encoded;
pub mod package;
pub mod patch;
pub(crate) mod read;
pub(crate) mod readings;
pub mod rebuild;
pub(crate) mod reopened;
pub(crate) mod stream;
pub(crate) mod strings;

// Parts kept as they are: macros, chart sheets.
pub mod macros;

pub use read::{read, read_with, Limits};
