//! Opening the store for the commands that need it: where it is and how it is unlocked.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context};
use tekseru_store::Store;
use zeroize::Zeroizing;

/// Where the store is and how to unlock it.
#[derive(clap::Args, Clone)]
pub(crate) struct StoreArgs {
    /// The store's directory [default: ~/.local/share/tekseru].
    #[arg(long, env = "TEKSERU_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
}

impl StoreArgs {
    pub(crate) fn dir(&self) -> anyhow::Result<PathBuf> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        let base = match std::env::var_os("XDG_DATA_HOME") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => PathBuf::from(std::env::var_os("HOME").context("no HOME; give --data-dir")?)
                .join(".local/share"),
        };
        Ok(base.join("tekseru"))
    }

    /// Opens the store; with `create`, makes it when there is none yet.
    pub(crate) fn open(&self, create: bool) -> anyhow::Result<Store> {
        let dir = self.dir()?;
        if Store::exists(&dir) {
            let passphrase = passphrase("Passphrase of the store: ", false)?;
            return Ok(Store::open(&dir, &passphrase)?);
        }
        if !create {
            bail!(tekseru_store::StoreError::NotFound(dir));
        }
        let iin = match std::env::var("TEKSERU_INSPECTOR_IIN") {
            Ok(text) if !text.trim().is_empty() => {
                let iin = tekseru_core::Iin::parse_allowing_test(text.trim()).map_err(|e| {
                    anyhow::anyhow!(
                        "TEKSERU_INSPECTOR_IIN is not a valid IIN ({e}); nothing was created"
                    )
                })?;
                // As in the app: a device stays bound to its inspector in every inspection,
                // training or not; the NCA test identity belongs in a training roster only.
                if iin.is_nca_test() {
                    bail!(
                        "TEKSERU_INSPECTOR_IIN: {iin} is the NCA test identity, allowed only in a \
                         training inspection's roster, not for the inspector of this laptop; give \
                         your own IIN; nothing was created"
                    );
                }
                Some(iin)
            }
            _ => None,
        };
        let passphrase = passphrase("Passphrase for the new store: ", true)?;
        let inspector = std::env::var("TEKSERU_INSPECTOR")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| "inspector".into());
        eprintln!(
            "tekseru: created the store in '{}' for {inspector}",
            dir.display()
        );
        Ok(Store::create(&dir, &passphrase, &inspector, iin)?)
    }
}

/// The passphrase from `TEKSERU_PASSPHRASE`, else asked on the terminal (twice for a new
/// store). Never echoed, never stored, wiped from memory when dropped.
fn passphrase(prompt: &str, confirm: bool) -> anyhow::Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var("TEKSERU_PASSPHRASE") {
        return Ok(Zeroizing::new(p));
    }
    if !std::io::stdin().is_terminal() {
        bail!("no passphrase: set TEKSERU_PASSPHRASE or run tekseru in a terminal");
    }
    let first =
        Zeroizing::new(rpassword::prompt_password(prompt).context("cannot read the passphrase")?);
    if confirm {
        let again = Zeroizing::new(
            rpassword::prompt_password("Again: ").context("cannot read the passphrase")?,
        );
        if again != first {
            bail!("the passphrases differ; nothing was created");
        }
    }
    Ok(first)
}
