//! Sending the queued e-mails (table `outbox`): after the commit of the change that queued
//! them, never inside a request. Through SMTP (`lettre`) when `SMTP_URL` is set, otherwise as
//! one `.eml` file per message in an outbox directory, so that a fresh install needs no mail
//! server. A failed message stays queued and is tried again later.

use crate::store::{LinkFor, Mail, QueuedMail, Store, StoreError};
use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Messages taken per round.
const BATCH: i64 = 100;
/// How long a taken message is reserved for this process.
const LEASE_MINUTES: i64 = 5;
/// Rounds also happen without a wake-up (retries, messages queued by other processes), this
/// often unless `PEC_MAIL_POLL_SECONDS` says otherwise (the fault tests wait less).
const POLL: Duration = Duration::from_secs(20);

pub enum Transport {
    Directory(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    wake: Notify,
    poll: Duration,
}

impl Mailer {
    pub fn new(transport: Transport, from: &str) -> Result<Arc<Self>, String> {
        Self::polling(transport, from, POLL)
    }

    fn polling(transport: Transport, from: &str, poll: Duration) -> Result<Arc<Self>, String> {
        let from = from.parse().map_err(|e| format!("mittente «{from}» non valido: {e}"))?;
        Ok(Arc::new(Self { transport, from, wake: Notify::new(), poll }))
    }

    /// `SMTP_URL` (e.g. `smtps://user:pass@host`, `smtp://host:25`) or the directory
    /// `PEC_OUTBOX_DIR` (default `./data/outbox`); sender `PEC_MAIL_FROM`.
    pub fn from_env() -> Result<Arc<Self>, String> {
        let from = std::env::var("PEC_MAIL_FROM").unwrap_or_else(|_| "noreply@pec-manager.local".into());
        let transport = match std::env::var("SMTP_URL") {
            Ok(url) if !url.is_empty() => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                    .map_err(|e| format!("SMTP_URL non valido: {e}"))?
                    .build(),
            ),
            _ => Transport::Directory(
                std::env::var("PEC_OUTBOX_DIR").map(PathBuf::from).unwrap_or_else(|_| "data/outbox".into()),
            ),
        };
        let poll = crate::server::seconds_from_env("PEC_MAIL_POLL_SECONDS", POLL)?;
        Self::polling(transport, &from, poll)
    }

    /// Asks the worker for a round now (after a commit that queued messages).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    async fn send(&self, mail: &QueuedMail) -> Result<(), String> {
        let to: Mailbox = mail.recipient.parse().map_err(|e| format!("destinatario non valido: {e}"))?;
        // One Message-ID per queued e-mail: were it sent twice (a crash between the SMTP
        // server's acceptance and our record of it), receivers can tell the copies apart.
        let message = Message::builder()
            .message_id(Some(format!("<outbox-{}@{}>", mail.id, self.from.email.domain())))
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| format!("messaggio non valido: {e}"))?;
        match &self.transport {
            Transport::Directory(dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| format!("{}: {e}", dir.display()))?;
                let path = dir.join(format!("{:08}.eml", mail.id));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| format!("{}: {e}", path.display()))
            }
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }

    /// One round: sends what is due; returns (sent, failed).
    pub async fn deliver_due(&self, store: &Store) -> Result<(usize, usize), StoreError> {
        let (mut sent, mut failed) = (0, 0);
        for mail in store.due_mail(BATCH).await? {
            if !store.claim_mail(&mail, LEASE_MINUTES).await? {
                continue;
            }
            match self.send(&mail).await {
                Ok(()) => {
                    store.mail_sent(mail.id).await?;
                    sent += 1;
                }
                Err(error) => {
                    tracing::warn!(id = mail.id, attempts = mail.attempts + 1, "e-mail not sent: {error}");
                    store.mail_failed(&mail, &error).await?;
                    failed += 1;
                }
            }
        }
        Ok((sent, failed))
    }

    /// The worker of this server process.
    pub fn spawn(self: &Arc<Self>, store: Store) {
        let mailer = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                if let Err(e) = mailer.deliver_due(&store).await {
                    tracing::error!("e-mail queue: {e}");
                }
                let _ = tokio::time::timeout(mailer.poll, mailer.wake.notified()).await;
            }
        });
    }
}

/// The e-mail with a holder's password link; `base_url` is where the platform is reached.
pub fn link_mail(base_url: &str) -> impl Fn(LinkFor<'_>) -> Mail + Send + Sync {
    let base = base_url.trim_end_matches('/').to_string();
    move |l: LinkFor<'_>| {
        match l.user_login {
        Some(login) => Mail {
            recipient: String::new(),
            subject: format!("Casella PEC {}: il suo accesso", l.address),
            body: format!(
                "Gentile utente,\r\n\r\nle è stato dato accesso alla casella PEC {address} (userid {userid}).\r\n\
                 Il suo nome utente è {login}. Per scegliere la password apra questo collegamento:\r\n\r\n\
                 {base}/attiva?token={token}\r\n\r\n\
                 Il collegamento funziona una sola volta e scade il {expires} (UTC).\r\n\
                 Se non si aspettava questo messaggio, lo ignori.\r\n",
                address = l.address,
                userid = l.userid,
                base = base,
                token = l.token,
                expires = l.expires,
            ),
        },
        None => Mail {
        recipient: String::new(),
        subject: format!("Casella PEC {}: scelga la password", l.address),
        body: format!(
            "Gentile titolare,\r\n\r\nla casella PEC {address} (userid {userid}) è attiva.\r\n\
             Per scegliere la password apra questo collegamento:\r\n\r\n{base}/attiva?token={token}\r\n\r\n\
             Il collegamento funziona una sola volta e scade il {expires} (UTC).\r\n\
             Se non ha richiesto questa casella, ignori il messaggio.\r\n",
            address = l.address,
            userid = l.userid,
            base = base,
            token = l.token,
            expires = l.expires,
        ),
        },
    }
    }
}
