//! One module per command; each wires library pieces together.

pub mod completions;
pub mod inspect;
pub mod profiles;
pub mod scrub;
pub mod verify;

use std::io::Write;

/// Print to stdout; a closed pipe (e.g. `| head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
