//! `dsr-scrub profiles [show NAME]`

use crate::cli::{ProfilesAction, ProfilesArgs};
use crate::error::{exit, Error};
use crate::profiles::{self, DEFAULT_PROFILE, PROFILES};

/// List the profiles or print one.
///
/// # Errors
/// [`Error::Usage`] for an unknown profile name.
pub fn run(args: &ProfilesArgs) -> Result<i32, Error> {
    let text = match &args.action {
        None => {
            let width = PROFILES.iter().map(|p| p.name.len()).max().unwrap_or(0);
            let mut out = String::new();
            for p in PROFILES {
                out.push_str(&format!("{:width$}  {}\n", p.name, p.summary));
            }
            out.push_str(&format!(
                "\nUse one with `dsr-scrub scrub --profile NAME`; `{DEFAULT_PROFILE}` is the default.\n\
                 Print one to copy and edit with `dsr-scrub profiles show NAME > map.toml`.\n"
            ));
            out
        }
        Some(ProfilesAction::Show { name }) => profiles::find(name)
            .ok_or_else(|| unknown_profile(name))?
            .toml
            .to_string(),
    };
    crate::cmd::print_stdout(&text).map_err(|e| Error::Run(format!("cannot print: {e}")))?;
    Ok(exit::OK)
}

/// The error for a profile name that does not exist.
pub fn unknown_profile(name: &str) -> Error {
    let names: Vec<_> = PROFILES.iter().map(|p| p.name).collect();
    Error::Usage(format!(
        "there is no built-in profile '{name}'; available: {}",
        names.join(", ")
    ))
}
