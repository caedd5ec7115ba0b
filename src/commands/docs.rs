//! What is generated from the command-line definitions: shell completions and man pages.

use std::path::Path;

use clap::CommandFactory;

use super::output::Output;
use super::{CommandError, exit};
use crate::cli::Cli;

/// The binary's name, as completions and man pages call it.
const NAME: &str = "intune-assist";

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut Output<'_>) -> Result<(), CommandError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, NAME, &mut script);
    out.out.write_all(&script).map_err(write_failed)
}

/// Prints the top-level man page, or with `dir`, writes one page per command there.
pub fn man(dir: Option<&Path>, out: &mut Output<'_>) -> Result<(), CommandError> {
    let command = Cli::command();
    match dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(write_failed)?;
            out.out.write_all(&page).map_err(write_failed)
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| CommandError {
                code: exit::FAILURE,
                message: format!("cannot create {}: {e}", dir.display()),
            })?;
            clap_mangen::generate_to(command, dir).map_err(|e| CommandError {
                code: exit::FAILURE,
                message: format!("cannot write the man pages into {}: {e}", dir.display()),
            })?;
            out.note(format!("Man pages written to {}", dir.display()));
            Ok(())
        }
    }
}

fn write_failed(e: std::io::Error) -> CommandError {
    CommandError {
        code: exit::FAILURE,
        message: format!("cannot write: {e}"),
    }
}
