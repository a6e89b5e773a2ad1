//! `cinch completions SHELL` and `cinch man`: shell completion scripts and roff man pages,
//! generated from the clap definition (`clap_complete`, `clap_mangen`) so that they always
//! list exactly the flags the parser accepts. README says where to install them.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::diag::{Error, Result};

/// The completion script for `shell`, on `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "cinch", &mut script);
    out.write_all(&script).map_err(|e| Error::io("stdout", e))?;
    Ok(0)
}

/// `cinch.1` on `out`, or with `dir` every page (`cinch.1`, `cinch-generate.1`, …) into it.
pub fn man(dir: Option<&Path>, out: &mut dyn Write) -> Result<u8> {
    let cmd = Cli::command();
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
            clap_mangen::generate_to(cmd, dir)
                .map_err(|e| Error::io(dir.display().to_string(), e))?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(|e| Error::io("stdout", e))?;
            out.write_all(&page).map_err(|e| Error::io("stdout", e))?;
        }
    }
    Ok(0)
}
