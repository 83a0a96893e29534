//! Every value sealed with the server's key, in one place: a sample to tell
//! whether a key is the database's, and all of them re-sealed under a new key
//! in one transaction (`zapfleet rekey`). A new sealed column belongs in
//! [`SEALED_COLUMNS`], or rotating the key would leave it unreadable.

use super::sql::Sql;
use super::{Backend, Store, StoreError, Tx};
use serde_json::Value;
use sqlx::types::Json;
use std::fmt;

/// The tables and columns that hold a sealed value, with the key of their rows.
const SEALED_COLUMNS: [(&str, &str, &str); 5] = [
    ("whatsapp_instance", "id", "providerToken"),
    ("whatsapp_instance", "id", "webhookSecret"),
    ("user_webhook", "userId", "secret"),
    ("webhook_delivery", "id", "secret"),
    ("provider_deletion", "id", "providerToken"),
];

/// Rows read at a time while re-sealing (large delivery logs stay out of memory).
const PAGE: i64 = 500;

/// Where a sealed value is kept, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedPlace {
    /// The table.
    pub table: &'static str,
    /// The column (with the path inside a JSON document).
    pub column: &'static str,
    /// The key of the row.
    pub id: String,
}

impl fmt::Display for SealedPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{} of {}", self.table, self.column, self.id)
    }
}

/// What re-sealing did. With anything unreadable, nothing was written.
#[derive(Debug, Default)]
pub struct Resealed {
    /// Values written under the new key.
    pub changed: usize,
    /// Values the given function could not open.
    pub unreadable: Vec<SealedPlace>,
}

impl Store {
    /// One sealed value, if the database holds any (values an upgrade left
    /// `plain:` do not count).
    pub async fn any_sealed_value(&self) -> Result<Option<String>, StoreError> {
        for (table, _, column) in SEALED_COLUMNS {
            let found: Option<(String,)> = self
                .fetch_optional(Sql::new(format!(
                    r#"SELECT "{column}" FROM {table} WHERE "{column}" IS NOT NULL AND "{column}" NOT LIKE 'plain:%' LIMIT 1"#
                )))
                .await?;
            if let Some((value,)) = found {
                return Ok(Some(value));
            }
        }
        Ok(None)
    }

    /// Sets an `app_setting` unless it is set; returns the value it holds
    /// after (another server's, if that one was first).
    pub async fn claim_setting(&self, key: &str, value: &str) -> Result<String, StoreError> {
        self.execute(
            Sql::new(
                "INSERT INTO app_setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value),
        )
        .await?;
        let (stored,): (String,) = self
            .fetch_one(Sql::new("SELECT value FROM app_setting WHERE key = $1").bind(key))
            .await?;
        Ok(stored)
    }

    /// Replaces every sealed value by what `reseal` makes of it (`None`: it
    /// cannot open it), including the `check_key` setting, which is set to
    /// `new_check` if absent. All in one transaction that holds off other
    /// writers; committed only if every value was readable.
    pub async fn reseal_all(
        &self,
        check_key: &str,
        new_check: &str,
        reseal: impl Fn(&str) -> Option<String>,
    ) -> Result<Resealed, StoreError> {
        let mut tx = self.begin().await?;
        // Writers wait until the rotation is over: none writes a value sealed
        // with the old key after it was read here.
        let lock = match self.backend() {
            Backend::Sqlite => Sql::new("UPDATE app_setting SET value = value WHERE key = $1")
                .bind(check_key),
            Backend::Postgres => Sql::new(
                "LOCK TABLE whatsapp_instance, user_webhook, webhook_delivery, provider_deletion, app_setting
                 IN SHARE ROW EXCLUSIVE MODE",
            ),
        };
        tx.execute(lock).await?;
        let mut done = Resealed::default();
        for (table, key, column) in SEALED_COLUMNS {
            reseal_column(&mut tx, (table, key, column), &reseal, &mut done).await?;
        }
        reseal_settings(&mut tx, self.backend(), &reseal, &mut done).await?;
        let check: Option<(String,)> = tx
            .fetch_optional(
                Sql::new("SELECT value FROM app_setting WHERE key = $1").bind(check_key),
            )
            .await?;
        let update = match check {
            None => Some(new_check.to_owned()),
            Some((value,)) => match reseal(&value) {
                Some(sealed) if sealed != value => {
                    done.changed += 1;
                    Some(sealed)
                }
                Some(_) => None,
                None => {
                    done.unreadable.push(SealedPlace {
                        table: "app_setting",
                        column: "value",
                        id: check_key.to_owned(),
                    });
                    None
                }
            },
        };
        if !done.unreadable.is_empty() {
            // Dropping the transaction rolls every change back.
            return Ok(Resealed {
                changed: 0,
                unreadable: done.unreadable,
            });
        }
        if let Some(value) = update {
            tx.execute(
                Sql::new(
                    "INSERT INTO app_setting (key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(check_key)
                .bind(value),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done)
    }
}

async fn reseal_column(
    tx: &mut Tx,
    (table, key, column): (&'static str, &'static str, &'static str),
    reseal: &impl Fn(&str) -> Option<String>,
    done: &mut Resealed,
) -> Result<(), StoreError> {
    let mut after = String::new();
    loop {
        let rows: Vec<(String, String)> = tx
            .fetch_all(
                Sql::new(format!(
                    r#"SELECT "{key}", "{column}" FROM {table} WHERE "{column}" IS NOT NULL AND "{key}" > $1
                       ORDER BY "{key}" LIMIT $2"#
                ))
                .bind(after.as_str())
                .bind(PAGE),
            )
            .await?;
        let Some((last, _)) = rows.last() else {
            return Ok(());
        };
        after = last.clone();
        for (id, value) in rows {
            match reseal(&value) {
                Some(sealed) if sealed != value => {
                    tx.execute(
                        Sql::new(format!(
                            r#"UPDATE {table} SET "{column}" = $1 WHERE "{key}" = $2"#
                        ))
                        .bind(sealed)
                        .bind(id),
                    )
                    .await?;
                    done.changed += 1;
                }
                Some(_) => {}
                None => done.unreadable.push(SealedPlace { table, column, id }),
            }
        }
    }
}

/// Forward webhooks' secrets inside the instances' settings documents.
async fn reseal_settings(
    tx: &mut Tx,
    backend: Backend,
    reseal: &impl Fn(&str) -> Option<String>,
    done: &mut Resealed,
) -> Result<(), StoreError> {
    let has_secret = match backend {
        Backend::Sqlite => "json_extract(config, '$.forwardWebhook.secretSealed') IS NOT NULL",
        Backend::Postgres => "config -> 'forwardWebhook' ->> 'secretSealed' IS NOT NULL",
    };
    let mut after = String::new();
    loop {
        let rows: Vec<(String, Json<Value>)> = tx
            .fetch_all(
                Sql::new(format!(
                    "SELECT id, config FROM whatsapp_instance WHERE {has_secret} AND id > $1 ORDER BY id LIMIT $2"
                ))
                .bind(after.as_str())
                .bind(PAGE),
            )
            .await?;
        let Some((last, _)) = rows.last() else {
            return Ok(());
        };
        after = last.clone();
        for (id, Json(mut config)) in rows {
            let Some(slot) = config.pointer_mut("/forwardWebhook/secretSealed") else {
                continue;
            };
            let Some(value) = slot.as_str().map(str::to_owned) else {
                continue;
            };
            match reseal(&value) {
                Some(sealed) if sealed != value => {
                    *slot = Value::String(sealed);
                    tx.execute(
                        Sql::new("UPDATE whatsapp_instance SET config = $1 WHERE id = $2")
                            .bind(config)
                            .bind(id),
                    )
                    .await?;
                    done.changed += 1;
                }
                Some(_) => {}
                None => done.unreadable.push(SealedPlace {
                    table: "whatsapp_instance",
                    column: "config.forwardWebhook.secretSealed",
                    id,
                }),
            }
        }
    }
}
