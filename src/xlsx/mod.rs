//! Excel workbooks: reading with calamine, and the rebuild writer (rust_xlsxwriter).

pub mod package;
mod read;
pub mod rebuild;

pub use read::read;
