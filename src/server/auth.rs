//! Sessions and access, in one place: password hashing, login with lock-out, the session
//! cookie. The request's operator is found by the `session` layer of [`super::edge`]; server
//! functions call [`require`] or [`require_admin`] first; object access is then decided by
//! the operator's scope.

use super::throttle::Throttle;
use crate::domain::auth::{Operator, USERNAME_MAX};
use crate::error::AppError;
use crate::store::{AuditRecord, Store};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::http::{header, HeaderMap};
use chrono::{Duration, Utc};
use leptos::prelude::use_context;

pub const SESSION_COOKIE: &str = "pec_session";
// A session's idle and absolute times and the failed logins in a row (each within `LOCK_TIME`
// of the last) that lock a user name from one source address are settings (Impostazioni).
/// How long a lock-out lasts.
pub const LOCK_TIME: Duration = Duration::minutes(15);
/// Every failed attempt waits this long: slows down guessing.
const FAILED_LOGIN_DELAY: std::time::Duration = std::time::Duration::from_millis(300);
/// Longest password a login checks (new passwords are shorter still): bounds the hashing work.
pub const PASSWORD_INPUT_MAX: usize = 1024;

/// The login page and its server function.
pub const LOGIN_PATH: &str = crate::routes::LOGIN;
pub const LOGIN_API: &str = "/api/accedi";

/// The operator of the request, put in the request's extensions by [`guard`].
#[derive(Clone, Debug)]
pub struct CurrentOperator(pub Operator);

/// The operator of a plain route (files, uploads), as an extractor: 401 without a session.
pub struct SignedIn(pub Operator);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut http::request::Parts, _: &S) -> Result<Self, AppError> {
        parts.extensions.get::<CurrentOperator>().map(|c| SignedIn(c.0.clone())).ok_or(AppError::Unauthorized)
    }
}

use crate::store::stamp;

/// Hashes a password here and now (command line, start-up); servers use [`hash_password_async`].
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    })
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// [`hash_password`] off the async workers, behind the server's hashing queue.
pub async fn hash_password_async(throttle: &Throttle, password: &str) -> Result<String, AppError> {
    let password = password.to_string();
    throttle.hashing(move || hash_password(&password)).await?
}

/// [`verify_password`] off the async workers, behind the server's hashing queue.
pub async fn verify_password_async(
    throttle: &Throttle,
    password: &str,
    hash: &str,
) -> Result<bool, AppError> {
    let (password, hash) = (password.to_string(), hash.to_string());
    throttle.hashing(move || verify_password(&password, &hash)).await
}

// Only a hash of the cookie's token is stored: a copy of the database opens no session.
use crate::store::{new_token, token_hash};

/// The operator of the current request (server functions and pages rendered on the server).
pub fn current() -> Option<Operator> {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<CurrentOperator>().map(|c| c.0.clone()))
}

/// The operator of the request, or 401.
pub fn require() -> Result<Operator, AppError> {
    current().ok_or(AppError::Unauthorized)
}

/// An administrator of their organisation, or 403.
pub fn require_admin() -> Result<Operator, AppError> {
    let op = require()?;
    if op.is_admin() {
        Ok(op)
    } else {
        Err(AppError::Forbidden)
    }
}

/// An administrator of the provider, or 403.
pub fn require_provider_admin() -> Result<Operator, AppError> {
    let op = require()?;
    if op.is_provider_admin() {
        Ok(op)
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Debug)]
pub enum LoginOutcome {
    /// The session token to put in the cookie.
    Success {
        token: String,
        operator: Operator,
    },
    Invalid,
    Locked,
}

/// Checks a user name and password; on success opens a session. Every attempt is audited.
///
/// The attempt is counted before the password is checked, in one atomic statement per (user
/// name, source address), so that parallel guesses cannot get past the lock-out. Unknown,
/// disabled and locked names get the same answers, after the same work, as wrong passwords.
pub async fn login(
    store: &Store,
    throttle: &Throttle,
    settings: &crate::domain::settings::Settings,
    username: &str,
    password: &str,
    client: &crate::store::SessionClient,
) -> Result<LoginOutcome, AppError> {
    let source = client.address.as_str();
    let username = username.trim().to_lowercase();
    if username.chars().count() > USERNAME_MAX || password.len() > PASSWORD_INPUT_MAX {
        // Recorded once, cut short: a long name must not fill the append-only log.
        let shown: String = username.chars().take(USERNAME_MAX).collect();
        store.audit(&AuditRecord::anonymous(&shown, "LOGIN_RIFIUTATO", "operatore", &shown)).await?;
        return Err(AppError::BadRequest("nome utente o password troppo lunghi".into()));
    }
    throttle.check_user(&username)?;
    if throttle.saturated() {
        return Err(AppError::Busy);
    }
    let now = Utc::now();
    let claim = store
        .claim_login_attempt(&username, source, settings.lockout_failures, &stamp(now + LOCK_TIME), LOCK_TIME)
        .await?;
    let record = store.login_record(&username).await?;
    let usable = record.as_ref().filter(|r| r.active && !claim.locked);
    // One password check per attempt in every case, so that time tells nothing.
    let hash = usable.map(|r| r.password_hash.as_str()).unwrap_or_else(|| dummy_hash());
    let matches = verify_password_async(throttle, password, hash).await?;
    let audit = |action: &str| match &record {
        Some(r) => AuditRecord::by(&r.operator, action, "operatore", &username),
        None => AuditRecord::anonymous(&username, action, "operatore", &username),
    };
    match usable {
        Some(r) if matches => {
            store.forget_login_failures(&username, source).await?;
            let token = new_token();
            store
                .create_session_from(
                    &token_hash(&token),
                    r.operator.id,
                    &stamp(now + Duration::minutes(settings.session_idle_minutes)),
                    &stamp(now + Duration::hours(settings.session_max_hours)),
                    client,
                    &audit("LOGIN"),
                )
                .await?;
            Ok(LoginOutcome::Success { token, operator: r.operator.clone() })
        }
        _ if claim.locked => {
            store.audit(&audit("LOGIN_BLOCCATO")).await?;
            tokio::time::sleep(FAILED_LOGIN_DELAY).await;
            Ok(LoginOutcome::Locked)
        }
        _ => {
            let locks = claim.ordinal >= settings.lockout_failures;
            if locks {
                store.lock_login(&username, source, &stamp(now + LOCK_TIME)).await?;
            }
            let what = if locks { "LOGIN_FALLITO_BLOCCO" } else { "LOGIN_FALLITO" };
            store.audit(&audit(what).after(format!("tentativi: {}", claim.ordinal))).await?;
            tokio::time::sleep(FAILED_LOGIN_DELAY).await;
            Ok(if locks { LoginOutcome::Locked } else { LoginOutcome::Invalid })
        }
    }
}

/// What a login form post ends in: the address to go to, and the session cookie to set when
/// the login succeeded.
pub struct SignIn {
    pub to: String,
    pub cookie: Option<String>,
}

/// A login as the form posts it: checks the name and password (counted per source address,
/// see [`login`]) and answers where to go. Rate limits and a busy server are refusals with
/// their reason, not errors: the form says them.
pub async fn sign_in(
    state: &super::AppState,
    username: &str,
    password: &str,
    next: &str,
    client: &crate::store::SessionClient,
) -> Result<SignIn, AppError> {
    use crate::routes::{login_refused, LoginRefusal};
    let settings = state.store.settings_in_force().await?;
    let refusal = match login(&state.store, &state.throttle, &settings, username, password, client).await {
        Ok(LoginOutcome::Success { token, .. }) => {
            let max_age = Duration::hours(settings.session_max_hours);
            let cookie = Some(session_cookie(&token, max_age, state.secure_cookies));
            return Ok(SignIn { to: safe_next(next).to_string(), cookie });
        }
        Ok(LoginOutcome::Locked) => LoginRefusal::Locked,
        Ok(LoginOutcome::Invalid) => LoginRefusal::Invalid,
        Err(AppError::TooManyRequests(_)) => LoginRefusal::TooMany,
        Err(AppError::Busy) => LoginRefusal::Busy,
        Err(e) => return Err(e),
    };
    let user = crate::domain::auth::username(username).unwrap_or_default();
    Ok(SignIn { to: login_refused(refusal, &user, safe_next(next)), cookie: None })
}

/// An operator's own password typed again ("Password attuale" on Il mio profilo), counted with
/// the failed logins of the name from `source`: a stolen session guesses no faster than the
/// login page, and a locked name's password is not checked at all.
pub async fn recheck_password(
    store: &Store,
    throttle: &Throttle,
    settings: &crate::domain::settings::Settings,
    op: &Operator,
    password: &str,
    source: &str,
) -> Result<bool, AppError> {
    if password.len() > PASSWORD_INPUT_MAX {
        return Ok(false);
    }
    throttle.check_user(&op.username)?;
    let now = Utc::now();
    let lock_until = stamp(now + LOCK_TIME);
    let claim = store
        .claim_login_attempt(&op.username, source, settings.lockout_failures, &lock_until, LOCK_TIME)
        .await?;
    if claim.locked {
        return Ok(false);
    }
    let record = store.login_record(&op.username).await?.ok_or(AppError::Unauthorized)?;
    let right = verify_password_async(throttle, password, &record.password_hash).await?;
    if right {
        store.forget_login_failures(&op.username, source).await?;
    } else if claim.ordinal >= settings.lockout_failures {
        store.lock_login(&op.username, source, &lock_until).await?;
    }
    Ok(right)
}

/// Ends the session of this token.
pub async fn logout(store: &Store, op: &Operator, token: &str) -> Result<(), AppError> {
    store
        .delete_session(&token_hash(token), &AuditRecord::by(op, "LOGOUT", "operatore", &op.username))
        .await?;
    Ok(())
}

/// An argon2 hash of a random string, used to spend the same time on unknown user names.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

pub fn session_cookie(token: &str, max_age: Duration, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        max_age.num_seconds()
    )
}

pub fn expired_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The session token of a request, from its cookie.
/// The stored hash of the current request's session (a server function's context).
pub fn current_session_hash() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    token_from(&parts.headers).map(|t| token_hash(&t))
}

pub fn token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (name, value) = c.trim().split_once('=')?;
            (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_string())
        })
}

/// Only local paths are followed after login (no open redirect), and never the login page.
pub fn safe_next(next: &str) -> &str {
    match super::redirect::local_or_home(next) {
        LOGIN_PATH => "/",
        p => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        let h = hash_password("una frase lunga").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("una frase lunga", &h));
        assert!(!verify_password("un'altra", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(PasswordHash::new(dummy_hash()).is_ok());
    }

    #[test]
    fn cookies_and_redirects() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, axum::http::HeaderValue::from_static("a=1; pec_session=abc; b=2"));
        assert_eq!(token_from(&h).as_deref(), Some("abc"));
        assert!(session_cookie("t", Duration::hours(12), true).contains("HttpOnly; SameSite=Lax"));
        assert!(session_cookie("t", Duration::hours(12), true).ends_with("; Secure"));
        assert_eq!(safe_next("/ordini/1"), "/ordini/1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/accesso"), "/");
        assert_eq!(crate::routes::url_encode("/recenti?pagina=2"), "/recenti%3Fpagina%3D2");
    }
}
