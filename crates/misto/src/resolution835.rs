//! `misto resolution835 list|import FILE|reset`: the Resolution 835 list in
//! force, replaced from a CSV through the same action as the API and the
//! compliance page (so the same checks apply and every problem is printed
//! with its line and column).

use anyhow::{Context, bail};
use clap::Subcommand;
use misto_actions::accounts::system_viewer;
use misto_actions::{ActionError, Portal};

#[derive(Subcommand)]
pub enum Resolution835Command {
    /// Print the items of the list in force.
    List,
    /// Replace the list with a CSV (columns number,name_uk[,name_en,category,update_frequency]).
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// Go back to the built-in list.
    Reset,
}

pub async fn run(portal: &Portal, command: Resolution835Command) -> anyhow::Result<()> {
    let sys = system_viewer();
    let list = match command {
        Resolution835Command::List => portal.resolution835_list(),
        Resolution835Command::Import { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            match portal.import_resolution835(&sys, &bytes).await {
                Ok(list) => list,
                Err(ActionError::Validation(f)) => {
                    for m in f.0.into_values().flatten() {
                        eprintln!("{}: {m}", file.display());
                    }
                    bail!("the list was not imported; nothing changed");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Resolution835Command::Reset => portal.reset_resolution835(&sys).await?,
    };
    for i in list.items.iter() {
        println!("{}\t{}", i.id, i.name_uk);
    }
    match list.imported {
        Some(t) => eprintln!(
            "{} items, imported {}",
            list.items.len(),
            misto_core::time::ckan_format(&t)
        ),
        None => eprintln!("{} items, the built-in list", list.items.len()),
    }
    Ok(())
}
