//! The mail platform's side of a mailbox (issue 24): what the platform pushes to the mail
//! servers, and how the mailbox page says where the mailbox stands there. What the mail servers
//! read (who may log in, who may receive, the quota) is the view `mail_accounts`.

use serde::{Deserialize, Serialize};

/// A stored date or time (`YYYY-MM-DD…`) as its Italian day (`DD/MM/YYYY`).
fn day(stored: &str) -> String {
    let date = stored.get(..10).and_then(crate::lifecycle::Date::parse_iso);
    date.map(|d| d.italian()).unwrap_or_else(|| stored.to_string())
}

/// The login of an additional user (Multiutenza) of the mailbox `address`: its local part, `+u`
/// and the user's number, at its domain (`info+u7@azienda.legalmail.it`). Mailbox names have no
/// `+`, so it is nobody else's; the view `mail_accounts` computes the same.
pub fn extra_user_login(address: &str, user_id: i64) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{local}+u{user_id}@{domain}"),
        None => format!("{address}+u{user_id}"),
    }
}

/// What must be pushed to the mail servers, because it cannot wait for the next login; each is
/// a row of the queue `mail_jobs`, written with the change that causes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MailJobKind {
    /// Cut the mailbox's open sessions (suspended, revoked, expired).
    Kick,
    /// Remove a revoked mailbox's mail, once the retention period has passed.
    Purge,
    /// Count the used space again ("Azz.").
    Recalc,
}

impl MailJobKind {
    pub const ALL: [Self; 3] = [Self::Kick, Self::Purge, Self::Recalc];

    /// The code stored in `mail_jobs.kind`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Kick => "KICK",
            Self::Purge => "PURGE",
            Self::Recalc => "RECALC",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Kick => "chiusura delle sessioni aperte",
            Self::Purge => "cancellazione della posta",
            Self::Recalc => "ricalcolo dello spazio usato",
        }
    }
}

/// The jobs of one mailbox still to be done, as the store counts them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingJobs {
    /// Jobs due now or earlier, not done.
    pub due: i64,
    /// Attempts made on them so far.
    pub attempts: i64,
    /// The last error the mail platform gave, "" if none.
    pub last_error: String,
    /// A purge waiting for the retention period to pass: its day, `YYYY-MM-DD` ("" if none).
    pub purge_on: String,
}

/// "Piattaforma di posta" on the mailbox page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSync {
    /// Whether this install has a mail platform (`PEC_MAIL_PLATFORM`); without one, changes
    /// wait in the queue.
    pub configured: bool,
    pub jobs: PendingJobs,
}

/// The longest error shown on the page (the rest is in the server's log).
const ERROR_SHOWN: usize = 200;

impl MailSync {
    /// The line's value: "sincronizzata", "in attesa: …" or "non configurata: …".
    pub fn line(&self) -> String {
        let j = &self.jobs;
        let purge = if j.purge_on.is_empty() {
            String::new()
        } else {
            format!("; posta da cancellare il {}", day(&j.purge_on))
        };
        if !self.configured {
            return format!(
                "non configurata: le operazioni restano in coda finché non se ne configura una{purge}"
            );
        }
        if j.due == 0 {
            return format!("sincronizzata{purge}");
        }
        let what = if j.due == 1 { "1 operazione".to_string() } else { format!("{} operazioni", j.due) };
        let tried = match j.attempts {
            0 => "nessun tentativo ancora".to_string(),
            1 => "1 tentativo".to_string(),
            n => format!("{n} tentativi"),
        };
        let error = if j.last_error.is_empty() {
            String::new()
        } else {
            let shown: String = j.last_error.chars().take(ERROR_SHOWN).collect();
            format!(", ultimo errore: {shown}")
        };
        format!("in attesa: {what}, {tried}{error}{purge}")
    }
}

/// The queue's health, for "Configurazione".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueHealth {
    /// Jobs due and not done.
    pub due: i64,
    /// Of them, those tried at least once and failed.
    pub failing: i64,
    /// When the oldest due job was queued (UTC, as stored; "" if none).
    pub oldest: String,
    /// The last error of a failing job ("" if none).
    pub last_error: String,
    /// Purges waiting for their retention period.
    pub scheduled: i64,
}

/// "Piattaforma di posta" in Configurazione: whether there is one, whether it answers, and the
/// queue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformHealth {
    pub configured: bool,
    /// The mail platform's answer to a check just made (`None` without one).
    pub reachable: Option<Result<(), String>>,
    pub queue: QueueHealth,
}

impl PlatformHealth {
    /// The section's lines.
    pub fn lines(&self) -> Vec<String> {
        let q = &self.queue;
        let first = match (&self.reachable, self.configured) {
            (_, false) => "Non configurata (PEC_MAIL_PLATFORM): le operazioni restano in coda.".to_string(),
            (Some(Ok(())), true) | (None, true) => "Dovecot raggiungibile.".to_string(),
            (Some(Err(e)), true) => {
                let shown: String = e.chars().take(ERROR_SHOWN).collect();
                format!("Dovecot non raggiungibile: {shown}")
            }
        };
        let mut lines = vec![first];
        lines.push(if q.due == 0 {
            "Coda: nessuna operazione da fare.".to_string()
        } else {
            format!(
                "Coda: {} da fare, {} con errori, la più vecchia del {}.",
                q.due,
                q.failing,
                day(&q.oldest)
            )
        });
        if q.scheduled > 0 {
            lines.push(format!("Cancellazioni della posta programmate: {}.", q.scheduled));
        }
        if !q.last_error.is_empty() {
            let shown: String = q.last_error.chars().take(ERROR_SHOWN).collect();
            lines.push(format!("Ultimo errore: {shown}"));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_says_where_the_mailbox_stands() {
        let sync = |configured, jobs| MailSync { configured, jobs };
        let failing = PendingJobs {
            due: 2,
            attempts: 3,
            last_error: "connessione rifiutata".into(),
            purge_on: "".into(),
        };
        assert_eq!(sync(true, PendingJobs::default()).line(), "sincronizzata");
        assert_eq!(
            sync(true, failing.clone()).line(),
            "in attesa: 2 operazioni, 3 tentativi, ultimo errore: connessione rifiutata"
        );
        assert!(sync(false, failing).line().starts_with("non configurata"));
        let one = PendingJobs { due: 1, purge_on: "2027-03-01".into(), ..PendingJobs::default() };
        assert_eq!(
            sync(true, one).line(),
            "in attesa: 1 operazione, nessun tentativo ancora; posta da cancellare il 01/03/2027"
        );
        let long = PendingJobs { due: 1, attempts: 1, last_error: "x".repeat(5000), purge_on: "".into() };
        assert!(sync(true, long).line().len() < 300);
        for k in MailJobKind::ALL {
            assert_eq!(MailJobKind::from_code(k.code()), Some(k));
        }
        assert_eq!(extra_user_login("info@azienda.legalmail.it", 7), "info+u7@azienda.legalmail.it");
    }

    #[test]
    fn configurazione_says_whether_the_platform_answers_and_what_waits() {
        let queue = QueueHealth {
            due: 3,
            failing: 2,
            oldest: "2026-12-07 10:00:00".into(),
            last_error: "server di posta non raggiungibile".into(),
            scheduled: 1,
        };
        let down = PlatformHealth { configured: true, reachable: Some(Err("rifiutata".into())), queue };
        assert_eq!(
            down.lines(),
            [
                "Dovecot non raggiungibile: rifiutata",
                "Coda: 3 da fare, 2 con errori, la più vecchia del 07/12/2026.",
                "Cancellazioni della posta programmate: 1.",
                "Ultimo errore: server di posta non raggiungibile"
            ]
        );
        let idle =
            PlatformHealth { configured: true, reachable: Some(Ok(())), queue: QueueHealth::default() };
        assert_eq!(idle.lines(), ["Dovecot raggiungibile.", "Coda: nessuna operazione da fare."]);
        assert!(PlatformHealth::default().lines()[0].starts_with("Non configurata"));
    }
}
