//! Where the provider's contract files live (`shared/uazapi/`: the OpenAPI subset
//! and the real webhook samples), for tests that check code against them.

use std::path::{Path, PathBuf};

/// `shared/uazapi/<name>`, found by walking up from `start` (the checkout sits
/// beside `shared/` on development machines and in CI). `UAZAPI_CONTRACT_DIR`
/// overrides the search.
pub fn contract_file(start: &Path, name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("UAZAPI_CONTRACT_DIR") {
        return PathBuf::from(dir).join(name);
    }
    start
        .ancestors()
        .map(|dir| dir.join("shared/uazapi"))
        .find(|dir| dir.join("CONTRACT.md").is_file())
        .map(|dir| dir.join(name))
        .unwrap_or_else(|| {
            panic!(
                "shared/uazapi not found above {}: set UAZAPI_CONTRACT_DIR",
                start.display()
            )
        })
}
