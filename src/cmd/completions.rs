//! `dsr-scrub completions SHELL` and `dsr-scrub man [COMMAND]`: generated from the clap
//! definition in [`crate::cli`], so they always list the flags the binary really has.

use crate::cli::Cli;
use crate::error::{exit, Error};
use clap::CommandFactory;
use clap_complete::Shell;

/// The binary name the scripts complete.
const BIN: &str = "dsr-scrub";

/// Print the completion script for `shell` on stdout.
///
/// # Errors
/// [`Error::Run`] when stdout cannot be written.
pub fn completions(shell: Shell) -> Result<i32, Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    print(&script)
}

/// Print the man page of dsr-scrub (`command` = `None`) or of one command on stdout.
///
/// # Errors
/// [`Error::Usage`] for an unknown command; [`Error::Run`] when stdout cannot be written.
pub fn man(command: Option<&str>) -> Result<i32, Error> {
    let mut cli = Cli::command();
    // Building names the commands the way the main page refers to them (`dsr-scrub-scrub(1)`).
    cli.build();
    let page = match command {
        None => cli,
        Some(name) => cli.find_subcommand(name).cloned().ok_or_else(|| {
            let names: Vec<_> = cli
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .filter(|n| n != "help")
                .collect();
            Error::Usage(format!(
                "there is no command '{name}'; man pages exist for: {}",
                names.join(", ")
            ))
        })?,
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(|e| Error::Run(format!("cannot render the man page: {e}")))?;
    print(&roff)
}

fn print(bytes: &[u8]) -> Result<i32, Error> {
    let text = String::from_utf8_lossy(bytes);
    crate::cmd::print_stdout(&text).map_err(|e| Error::Run(format!("cannot print: {e}")))?;
    Ok(exit::OK)
}
