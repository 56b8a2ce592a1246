//! The audit log as "Registro" shows and exports it.

use crate::dates::Timestamp;
use serde::{Deserialize, Serialize};

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub username: String,
    pub organisation: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before: String,
    pub after: String,
}

/// Filters of the audit log page (all optional; empty means any).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub action: String,
    pub username: String,
    pub object: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
}

/// Registro attività's export: header and an entry's cells.
pub const AUDIT_EXPORT_HEADER: [&str; 8] =
    ["Quando (UTC)", "Utente", "Organizzazione", "Azione", "Oggetto", "Id oggetto", "Prima", "Dopo"];

impl AuditEntry {
    pub fn cells(&self) -> [String; 8] {
        [
            self.at.to_string(),
            self.username.clone(),
            self.organisation.clone(),
            self.action.clone(),
            self.object_type.clone(),
            self.object_id.clone(),
            self.before.clone(),
            self.after.clone(),
        ]
    }
}
