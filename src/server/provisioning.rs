//! The provisioning worker: pushes to the mail platform what cannot wait for the next login
//! (the queue `mail_jobs`, written with the change that causes it) — cut a mailbox's open
//! sessions, remove a revoked mailbox's mail, count its used space again. Each server process
//! runs one; a job is claimed with a lease, so that it is done once however many run, and
//! retried with back-off while the mail platform does not answer.
//!
//! [`MailPlatform`] is what a back end implements; [`Doveadm`] is Dovecot's, through its doveadm
//! HTTP API. Without one (`PEC_MAIL_PLATFORM` unset) the jobs wait in the queue.

use crate::store::{MailJob, Store, StoreError};
use http_body_util::BodyExt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// What a mail platform answers, later.
pub type Answer<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A mail platform, as the provisioning queue needs it. Another back end (a hosted mail
/// platform's API, a Cyrus or Exchange bridge) implements these and reads the view
/// `mail_accounts` for who may log in and receive.
pub trait MailPlatform: Send + Sync {
    /// Does `jobs`; one outcome per job, in their order: `Ok` when done or when there was
    /// nothing to do (nobody connected, no such mailbox on the server), `Err` with the reason
    /// to try again later.
    fn run<'a>(&'a self, jobs: &'a [MailJob]) -> Answer<'a, Vec<Result<(), String>>>;

    /// Whether it answers now ("Configurazione").
    fn health(&self) -> Answer<'_, Result<(), String>>;
}

/// Jobs sent to the mail platform in one request.
const BATCH: i64 = 500;
/// How long a claimed job is this process's: longer than a request may take.
const LEASE_SECONDS: i64 = 60;
/// How long a request to the mail platform may take.
const TIMEOUT: Duration = Duration::from_secs(20);
/// How long "Configurazione" waits for the mail platform's answer.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);
/// The longest answer read from the mail platform.
const ANSWER_MAX: usize = 4 * 1024 * 1024;
/// Rounds also happen without a wake-up (retries, jobs queued by other processes), this often
/// unless `PEC_MAIL_JOBS_POLL_SECONDS` says otherwise.
const POLL: Duration = Duration::from_secs(5);

/// Dovecot's doveadm HTTP API (`service doveadm { inet_listener http }` with
/// `doveadm_api_key`, as `mail-config dovecot` writes them).
pub struct Doveadm {
    endpoint: http::Uri,
    authorization: http::HeaderValue,
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<axum::body::Bytes>,
    >,
}

/// doveadm's exit code when the user is not known to it (`EX_NOUSER`).
const NO_USER: i64 = 67;
/// doveadm kick's when nobody matched (`EX_NOHOST`: no session to cut).
const NOBODY_CONNECTED: i64 = 68;

impl Doveadm {
    /// `url` is the API's address (`http://127.0.0.1:8080/doveadm/v1`), `api_key` the
    /// `doveadm_api_key` of Dovecot's configuration.
    pub fn new(url: &str, api_key: &str) -> Result<Self, String> {
        use base64::Engine;
        let endpoint: http::Uri = url.parse().map_err(|_| "PEC_DOVEADM_URL non valido".to_string())?;
        if endpoint.scheme_str() != Some("http") || endpoint.host().is_none() {
            return Err("PEC_DOVEADM_URL: un indirizzo http:// dell'API di doveadm".into());
        }
        if api_key.is_empty() || api_key.len() > 200 || api_key.chars().any(char::is_control) {
            return Err("PEC_DOVEADM_API_KEY: la doveadm_api_key della configurazione di Dovecot".into());
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(api_key);
        let authorization = http::HeaderValue::from_str(&format!("X-Dovecot-API {encoded}"))
            .map_err(|_| "PEC_DOVEADM_API_KEY non valida".to_string())?;
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        Ok(Self { endpoint, authorization, client })
    }

    /// The command for a job, tagged with its position.
    fn command(job: &MailJob, tag: usize) -> serde_json::Value {
        use crate::domain::mail_platform::MailJobKind;
        let tag = tag.to_string();
        match job.kind {
            MailJobKind::Kick => serde_json::json!(["kick", { "mask": [job.login] }, tag]),
            MailJobKind::Recalc => serde_json::json!(["quotaRecalc", { "user": job.login }, tag]),
            MailJobKind::Purge => serde_json::json!([
                "expunge",
                { "user": job.login, "query": ["mailbox", "*", "all"] },
                tag
            ]),
        }
    }

    async fn request(
        &self,
        method: http::Method,
        body: String,
    ) -> Result<(http::StatusCode, Vec<u8>), String> {
        let request = http::Request::builder()
            .method(method)
            .uri(self.endpoint.clone())
            .header(http::header::AUTHORIZATION, self.authorization.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(http_body_util::Full::new(axum::body::Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| unreachable(&e))?;
            let status = response.status();
            let body = http_body_util::Limited::new(response.into_body(), ANSWER_MAX)
                .collect()
                .await
                .map_err(|e| format!("risposta di doveadm non letta: {e}"))?;
            Ok((status, body.to_bytes().to_vec()))
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| format!("doveadm non ha risposto in {} s", TIMEOUT.as_secs()))?
    }
}

/// A connection error, in words an operator can act on (hyper's own are terse).
fn unreachable(e: &hyper_util::client::legacy::Error) -> String {
    use std::error::Error;
    let cause = e.source().map(|s| s.to_string()).unwrap_or_else(|| e.to_string());
    format!("server di posta non raggiungibile ({cause})")
}

/// One outcome per job from doveadm's answer: `[["doveadmResponse", …, tag], ["error", {…},
/// tag], …]`.
fn outcomes(jobs: &[MailJob], answer: &[u8]) -> Vec<Result<(), String>> {
    use crate::domain::mail_platform::MailJobKind;
    let mut out: Vec<Result<(), String>> =
        jobs.iter().map(|_| Err("doveadm non ha risposto a questa operazione".into())).collect();
    let Ok(serde_json::Value::Array(items)) = serde_json::from_slice::<serde_json::Value>(answer) else {
        return jobs.iter().map(|_| Err("risposta di doveadm non leggibile".into())).collect();
    };
    for item in items {
        let Some(i) = item.get(2).and_then(|t| t.as_str()).and_then(|t| t.parse::<usize>().ok()) else {
            continue;
        };
        let (Some(slot), Some(job)) = (out.get_mut(i), jobs.get(i)) else { continue };
        *slot = match item.get(0).and_then(|k| k.as_str()) {
            Some("doveadmResponse") => Ok(()),
            Some("error") => {
                let code = item.get(1).and_then(|e| e.get("exitCode")).and_then(|c| c.as_i64());
                match (job.kind, code) {
                    (MailJobKind::Kick, Some(NOBODY_CONNECTED)) => Ok(()),
                    // Not a mailbox on this server (never received, or already gone).
                    (MailJobKind::Recalc | MailJobKind::Purge, Some(NO_USER)) => Ok(()),
                    (_, Some(code)) => Err(format!("doveadm: codice di uscita {code}")),
                    (_, None) => {
                        Err(format!("doveadm: {}", item.get(1).map(|e| e.to_string()).unwrap_or_default()))
                    }
                }
            }
            _ => Err("risposta di doveadm non prevista".into()),
        };
    }
    out
}

impl MailPlatform for Doveadm {
    fn run<'a>(&'a self, jobs: &'a [MailJob]) -> Answer<'a, Vec<Result<(), String>>> {
        Box::pin(async move {
            let commands: Vec<_> = jobs.iter().enumerate().map(|(i, j)| Self::command(j, i)).collect();
            let body = serde_json::Value::Array(commands).to_string();
            match self.request(http::Method::POST, body).await {
                Ok((status, answer)) if status.is_success() => outcomes(jobs, &answer),
                Ok((status, _)) => {
                    let why = if status == http::StatusCode::UNAUTHORIZED {
                        "doveadm ha rifiutato la chiave API (PEC_DOVEADM_API_KEY)".to_string()
                    } else {
                        format!("doveadm ha risposto {status}")
                    };
                    jobs.iter().map(|_| Err(why.clone())).collect()
                }
                Err(why) => jobs.iter().map(|_| Err(why.clone())).collect(),
            }
        })
    }

    fn health(&self) -> Answer<'_, Result<(), String>> {
        Box::pin(async move {
            match self.request(http::Method::POST, "[]".into()).await? {
                (status, _) if status.is_success() => Ok(()),
                (http::StatusCode::UNAUTHORIZED, _) => {
                    Err("doveadm ha rifiutato la chiave API (PEC_DOVEADM_API_KEY)".into())
                }
                (status, _) => Err(format!("doveadm ha risposto {status}")),
            }
        })
    }
}

/// This process's provisioning worker.
pub struct Provisioner {
    platform: Option<Arc<dyn MailPlatform>>,
    wake: Notify,
    poll: Duration,
}

impl Provisioner {
    /// With `platform`, or none (jobs wait in the queue).
    pub fn new(platform: Option<Arc<dyn MailPlatform>>, poll: Duration) -> Arc<Self> {
        Arc::new(Self { platform, wake: Notify::new(), poll })
    }

    /// `PEC_MAIL_PLATFORM`: `dovecot` (with `PEC_DOVEADM_URL` and `PEC_DOVEADM_API_KEY`) or
    /// unset / `none`.
    pub fn from_env() -> Result<Arc<Self>, String> {
        let poll = crate::server::seconds_from_env("PEC_MAIL_JOBS_POLL_SECONDS", POLL)?;
        let platform: Option<Arc<dyn MailPlatform>> =
            match std::env::var("PEC_MAIL_PLATFORM").unwrap_or_default().trim() {
                "" | "none" => None,
                "dovecot" => {
                    let url = std::env::var("PEC_DOVEADM_URL")
                        .map_err(|_| "PEC_MAIL_PLATFORM=dovecot richiede PEC_DOVEADM_URL".to_string())?;
                    let key = std::env::var("PEC_DOVEADM_API_KEY")
                        .map_err(|_| "PEC_MAIL_PLATFORM=dovecot richiede PEC_DOVEADM_API_KEY".to_string())?;
                    Some(Arc::new(Doveadm::new(&url, &key)?))
                }
                _ => return Err("PEC_MAIL_PLATFORM: «dovecot» oppure «none»".into()),
            };
        Ok(Self::new(platform, poll))
    }

    /// Whether this install has a mail platform.
    pub fn configured(&self) -> bool {
        self.platform.is_some()
    }

    /// Asks the worker for a round now (after a commit that queued jobs).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Whether the mail platform answers now: `None` without one. A page waits for this, so
    /// not for long.
    pub async fn health(&self) -> Option<Result<(), String>> {
        let platform = self.platform.as_ref()?;
        Some(match tokio::time::timeout(HEALTH_TIMEOUT, platform.health()).await {
            Ok(answer) => answer,
            Err(_) => Err(format!("nessuna risposta in {} s", HEALTH_TIMEOUT.as_secs())),
        })
    }

    /// Does what is due, in batches until none is left; returns (done, failed).
    pub async fn run_due(&self, store: &Store) -> Result<(usize, usize), StoreError> {
        let Some(platform) = &self.platform else { return Ok((0, 0)) };
        let (mut done, mut failed) = (0, 0);
        loop {
            let jobs = store.claim_mail_jobs(BATCH, LEASE_SECONDS).await?;
            if jobs.is_empty() {
                return Ok((done, failed));
            }
            let outcomes = platform.run(&jobs).await;
            let mut batch_failed = false;
            let mut succeeded = Vec::new();
            for (job, outcome) in jobs.iter().zip(outcomes) {
                match outcome {
                    Ok(()) => succeeded.push(job),
                    Err(why) => {
                        tracing::warn!(
                            id = job.id,
                            kind = job.kind.code(),
                            attempts = job.attempts + 1,
                            "mail platform job not done: {why}"
                        );
                        store.mail_job_failed(job, &why).await?;
                        failed += 1;
                        batch_failed = true;
                    }
                }
            }
            store.mail_jobs_done(&succeeded).await?;
            done += succeeded.len();
            // A mail platform that fails is not asked again in this round: the back-off decides.
            if batch_failed || (jobs.len() as i64) < BATCH {
                return Ok((done, failed));
            }
        }
    }

    /// The worker of this server process.
    pub fn spawn(self: &Arc<Self>, store: Store) {
        if self.platform.is_none() {
            return;
        }
        let worker = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                if let Err(e) = worker.run_due(&store).await {
                    tracing::error!("mail platform queue: {e}");
                }
                let _ = tokio::time::timeout(worker.poll, worker.wake.notified()).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mail_platform::MailJobKind;

    fn job(kind: MailJobKind, login: &str) -> MailJob {
        MailJob { id: 1, kind, login: login.into(), attempts: 0 }
    }

    #[test]
    fn doveadm_s_answers_become_one_outcome_per_job() {
        let jobs = [
            job(MailJobKind::Kick, "a@x.it"),
            job(MailJobKind::Kick, "b@x.it"),
            job(MailJobKind::Recalc, "c@x.it"),
            job(MailJobKind::Purge, "d@x.it"),
            job(MailJobKind::Recalc, "e@x.it"),
        ];
        let answer = br#"[["doveadmResponse",[{"result":"a@x.it"}],"0"],["error",{"type":"exitCode","exitCode":68},"1"],
            ["error",{"type":"exitCode","exitCode":67},"2"],["error",{"type":"exitCode","exitCode":75},"3"]]"#;
        let got = outcomes(&jobs, answer);
        assert_eq!(got[0], Ok(()));
        assert_eq!(got[1], Ok(()), "nobody connected: nothing to cut");
        assert_eq!(got[2], Ok(()), "not a mailbox there: nothing to count");
        assert_eq!(got[3], Err("doveadm: codice di uscita 75".into()));
        assert!(got[4].is_err(), "no answer for it");
        assert!(outcomes(&jobs, b"<html>").iter().all(Result::is_err));
        let command = Doveadm::command(&job(MailJobKind::Purge, "d@x.it"), 7);
        assert_eq!(command.to_string(), r#"["expunge",{"user":"d@x.it","query":["mailbox","*","all"]},"7"]"#);
    }

    #[test]
    fn the_doveadm_settings_are_checked() {
        assert!(Doveadm::new("http://127.0.0.1:8080/doveadm/v1", "chiave").is_ok());
        assert!(Doveadm::new("ftp://127.0.0.1/", "chiave").is_err());
        assert!(Doveadm::new("http://127.0.0.1:8080/doveadm/v1", "").is_err());
        assert!(Doveadm::new("http://127.0.0.1:8080/doveadm/v1", "a\nb").is_err());
    }
}
