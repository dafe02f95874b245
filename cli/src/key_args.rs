//! The redaction key options shared by the commands that need one.

use std::path::{Path, PathBuf};

use tileredact::RedactionKey;

/// `--key`, `--key-file`, `--passphrase-file`.
#[derive(Debug, Clone, clap::Args)]
pub struct KeyArgs {
    /// Redaction key, 64 hex digits (needed for snap and displace; keys the tile noise).
    /// Command lines can be seen by other users; prefer --key-file.
    #[arg(long, conflicts_with_all = ["key_file", "passphrase_file"])]
    pub key: Option<String>,
    /// File holding the redaction key (64 hex digits).
    #[arg(long, conflicts_with = "passphrase_file")]
    pub key_file: Option<PathBuf>,
    /// File holding a passphrase to derive the redaction key from.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The key given, if any.
    ///
    /// # Errors
    /// A message naming the option or file when the key cannot be read or is invalid.
    pub fn read(&self) -> Result<Option<RedactionKey>, String> {
        if let Some(hex) = &self.key {
            return RedactionKey::from_hex(hex)
                .map(Some)
                .map_err(|e| format!("--key: {e}"));
        }
        if let Some(p) = &self.key_file {
            return RedactionKey::from_hex(&read_to_string(p)?)
                .map(Some)
                .map_err(|e| format!("key file {}: {e}", p.display()));
        }
        if let Some(p) = &self.passphrase_file {
            let text = read_to_string(p)?;
            let phrase = text.trim_end_matches(['\r', '\n']);
            if phrase.is_empty() {
                return Err(format!("passphrase file {} is empty", p.display()));
            }
            return Ok(Some(RedactionKey::from_passphrase(phrase)));
        }
        Ok(None)
    }
}

fn read_to_string(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
