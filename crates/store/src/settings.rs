//! "Impostazioni": the settings in force (table `settings`, and the order counter for the next
//! order number), read by the code that uses them, changed by the provider's administrators.

use super::*;
use pec_domain::auth::Operator;
use pec_domain::settings::{from_stored, SettingField, Settings};
use sqlx::{Any, Row, Transaction};

/// Why new settings were refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("Il prossimo numero d'ordine deve superare l'ultimo già dato ({0})")]
    OrderNumberUsed(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SettingsError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

pub(crate) async fn settings_in(tx: &mut Transaction<'_, Any>) -> Result<Settings, StoreError> {
    let rows = sqlx::query("SELECT key, value FROM settings").fetch_all(&mut **tx).await?;
    let last: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'order_number'")
        .fetch_optional(&mut **tx)
        .await?
        .unwrap_or(0);
    let pairs: Vec<(String, String)> = rows
        .iter()
        .map(|r| Ok((r.try_get("key")?, r.try_get("value")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(from_stored(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), last + 1))
}

/// One setting read inside a transaction that uses it (its default when absent or unreadable).
pub(crate) async fn setting_in(
    tx: &mut Transaction<'_, Any>,
    field: SettingField,
) -> Result<String, StoreError> {
    let stored: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(field.key())
        .fetch_optional(&mut **tx)
        .await?;
    let defaults = Settings::default();
    Ok(match stored {
        Some(v) => field.value_of(&from_stored([(field.key(), v.as_str())], defaults.next_order_number)),
        None => field.value_of(&defaults),
    })
}

impl Store {
    /// The settings in force, as this process read them lately (caches.rs): for what every
    /// request reads. A change reads [`Self::settings`].
    pub async fn settings_in_force(&self) -> Result<Settings, StoreError> {
        if let Some(s) = self.caches.settings.get() {
            return Ok(s);
        }
        let generation = self.caches.settings.generation();
        let s = self.settings().await?;
        self.caches.settings.keep(generation, s.clone());
        Ok(s)
    }

    /// The settings in force, read now.
    pub async fn settings(&self) -> Result<Settings, StoreError> {
        let mut tx = self.pool.begin().await?;
        let s = settings_in(&mut tx).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Stores checked settings with one audit line of what changed. The next order number may
    /// only move forward: numbers already given are never given again.
    pub async fn save_settings(&self, op: &Operator, new: &Settings) -> Result<(), SettingsError> {
        let mut tx = self.begin_write().await?;
        let before = settings_in(&mut tx).await?;
        if new.next_order_number != before.next_order_number
            && new.next_order_number < before.next_order_number
        {
            return Err(SettingsError::OrderNumberUsed(before.next_order_number - 1));
        }
        let mut was = serde_json::Map::new();
        let mut now_is = serde_json::Map::new();
        for f in SettingField::ALL {
            let (old, value) = (f.value_of(&before), f.value_of(new));
            if old == value {
                continue;
            }
            was.insert(f.key().into(), old.into());
            now_is.insert(f.key().into(), value.clone().into());
            if f == SettingField::NextOrderNumber {
                sqlx::query("UPDATE counters SET value = $1 WHERE name = 'order_number' AND value < $1")
                    .bind(new.next_order_number - 1)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(f.key())
                .bind(&value)
                .execute(&mut *tx)
                .await?;
            }
        }
        if !now_is.is_empty() {
            let record = AuditRecord::by(op, "IMPOSTAZIONI_MODIFICATE", "impostazioni", "impostazioni")
                .before(serde_json::Value::Object(was).to_string())
                .after(serde_json::Value::Object(now_is).to_string());
            audit_in(&mut tx, &record).await?;
            announce_in(&mut tx, self.backend, Change::Settings).await?;
        }
        tx.commit().await?;
        self.caches.forget(Change::Settings);
        Ok(())
    }

    /// One setting as is, with no audit line (the demo data, tests).
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        announce_in(&mut tx, self.backend, Change::Settings).await?;
        tx.commit().await?;
        self.caches.forget(Change::Settings);
        Ok(())
    }

    pub async fn set_counter(&self, name: &str, value: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE counters SET value = $1 WHERE name = $2")
            .bind(value)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
