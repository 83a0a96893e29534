//! Recomputing the stored `nameKey` of instances when the rule that folds names
//! changes (see `InstanceName::key`): SQL cannot compute it (NFKC, Unicode case),
//! so the services read the names, fold them in Rust and write the keys back.

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::InstanceId;

/// The `app_setting` key holding the version of the rule the stored keys follow.
const NAME_KEY_VERSION: &str = "name_key_version";
/// The `app_setting` key holding the rule the stored search keys follow.
const SEARCH_KEY_VERSION: &str = "search_key_version";

impl Store {
    /// The version of the name-key rule the stored keys were made with (1: the
    /// rule before versions were recorded).
    pub async fn name_key_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .setting(NAME_KEY_VERSION)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(1))
    }

    /// Records that every stored key follows rule `version`.
    pub async fn set_name_key_version(&self, version: i64) -> Result<(), StoreError> {
        self.set_setting(NAME_KEY_VERSION, &version.to_string())
            .await
    }

    /// Every instance's id, name and stored key.
    pub async fn instance_name_keys(
        &self,
    ) -> Result<Vec<(InstanceId, String, String)>, StoreError> {
        self.fetch_all(Sql::new(
            r#"SELECT id, name, "nameKey" FROM whatsapp_instance ORDER BY "createdAt", id"#,
        ))
        .await
    }

    /// Replaces one instance's key; a conflict means another instance of the
    /// same user already has it.
    pub async fn set_name_key(&self, id: &InstanceId, key: &str) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"UPDATE whatsapp_instance SET "nameKey" = $1 WHERE id = $2"#)
                .bind(key)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// The rule the stored search keys were made with (empty: none yet, the
    /// rows predate the column).
    pub async fn search_key_version(&self) -> Result<String, StoreError> {
        Ok(self.setting(SEARCH_KEY_VERSION).await?.unwrap_or_default())
    }

    /// Records that every stored search key follows rule `version`.
    pub async fn set_search_key_version(&self, version: &str) -> Result<(), StoreError> {
        self.set_setting(SEARCH_KEY_VERSION, version).await
    }

    /// Replaces one instance's search key (the trigram indexes follow).
    pub async fn set_search_key(&self, id: &InstanceId, key: &str) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"UPDATE whatsapp_instance SET "searchKey" = $1 WHERE id = $2"#)
                .bind(key)
                .bind(id),
        )
        .await?;
        Ok(())
    }
}
