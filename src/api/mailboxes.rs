//! Mailboxes through the API: one mailbox, the search ("Ricerca"), the state transitions of
//! the mailbox page, renewal and the password link sent again.

use super::caller::{Reader, Writer};
use super::problem::{FieldProblem, Problem};
use super::Body;
use crate::domain::lifecycle::{RevocationReason, Transition};
use crate::domain::renewal_notices::{Renewables, RenewalRefusal};
use crate::domain::UserId;
use crate::domain::{mailboxes::MailboxDetail, search::SearchHit, search::SearchQuery};
use crate::error::AppError;
use crate::server::AppState;
use crate::usecases::mailboxes::{self, LinkResent, StateChange};
use crate::usecases::renewals::{self, Chosen, Renewal, TacitChange};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A mailbox as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mailbox {
    pub userid: String,
    pub address: String,
    pub order_number: String,
    pub reference: String,
    /// `PRENOTATA`, `ATTIVA`, `SOSPESA`, `REVOCATA`, `SCADUTA`, `ANNULLATA`.
    pub state: String,
    pub offer: String,
    pub description: String,
    pub password_email: String,
    pub first_name: String,
    pub last_name: String,
    pub tax_code: String,
    pub nickname: String,
    pub created_at: String,
    /// `YYYY-MM-DD`; empty until activated.
    pub activated_at: String,
    pub expires_at: String,
    pub tacit_renewal: bool,
    /// The holder has set a password.
    pub has_password: bool,
}

impl From<MailboxDetail> for Mailbox {
    fn from(m: MailboxDetail) -> Self {
        Self {
            userid: m.userid.to_string(),
            address: m.address,
            order_number: m.order_number.to_string(),
            reference: m.reference,
            state: m.state.code().into(),
            offer: m.offer_name,
            description: m.description,
            password_email: m.password_email,
            first_name: m.first_name,
            last_name: m.last_name,
            tax_code: m.tax_code,
            nickname: m.nickname,
            created_at: m.created_at.to_string(),
            activated_at: m.activated_at,
            expires_at: m.expires_at,
            tacit_renewal: m.tacit_renewal,
            has_password: m.has_password,
        }
    }
}

/// A userid from the address, read as the pages read it (`AppError::mailbox_asked`).
fn mailbox_asked(userid: &str) -> Result<UserId, Problem> {
    Ok(AppError::mailbox_asked(userid)?)
}

fn no_mailbox(userid: &UserId) -> Problem {
    AppError::no_mailbox(userid).into()
}

async fn mailbox_of(
    state: &AppState,
    caller: &crate::store::ApiCaller,
    userid: &UserId,
) -> Result<Mailbox, Problem> {
    let m = state.store.mailbox(caller.operator.scope(), userid).await?.ok_or_else(|| no_mailbox(userid))?;
    Ok(m.into())
}

/// One mailbox of the key's organisation.
#[utoipa::path(get, path = "/mailboxes/{userid}", tag = "caselle", params(("userid" = String, Path)),
    security(("chiave_api" = [])),
    responses((status = 200, body = Mailbox), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_mailbox(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(userid): Path<String>,
) -> Result<Json<Mailbox>, Problem> {
    let userid = mailbox_asked(&userid)?;
    Ok(Json(mailbox_of(&state, &caller, &userid).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Prefix of the address, userid, nickname, holder's codice fiscale or names, order number
    /// or reference (at most 200 characters).
    pub q: Option<String>,
    /// A state code (`ATTIVA`…).
    pub state: Option<String>,
    /// 1-based.
    pub page: Option<i64>,
    /// 1 to 200; 50 when absent.
    pub per_page: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    pub userid: String,
    pub address: String,
    pub state: String,
    pub reference: String,
    pub holder: String,
    pub order_number: String,
    pub customer: String,
    pub offer: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPage {
    pub items: Vec<SearchResult>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

/// "Ricerca": mailboxes of the key's organisation by prefix and state, a page at a time.
#[utoipa::path(get, path = "/mailboxes", tag = "caselle", params(SearchParams), security(("chiave_api" = [])),
    responses((status = 200, body = SearchPage), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchPage>, Problem> {
    let per_page = super::page_size("per_page", p.per_page)?;
    let cut = |s: Option<String>| s.unwrap_or_default().chars().take(200).collect::<String>();
    let query = SearchQuery { text: cut(p.q), state: cut(p.state), ..SearchQuery::default() };
    let found =
        state.store.search(caller.operator.scope(), &query, p.page.unwrap_or(1).max(1), per_page).await?;
    Ok(Json(SearchPage {
        page: found.page,
        pages: found.pages,
        total: found.total,
        items: found.items.into_iter().map(SearchResult::from).collect(),
    }))
}

impl From<SearchHit> for SearchResult {
    fn from(h: SearchHit) -> Self {
        Self {
            userid: h.userid.to_string(),
            address: h.address,
            state: h.state.code().into(),
            reference: h.reference,
            holder: h.holder,
            order_number: h.order_number.to_string(),
            customer: h.customer,
            offer: h.offer,
        }
    }
}

async fn transition(
    state: &AppState,
    caller: &crate::store::ApiCaller,
    userid: &str,
    t: Transition,
) -> Result<Json<Mailbox>, Problem> {
    let userid = mailbox_asked(userid)?;
    match mailboxes::change_state(state, &caller.operator, &userid, t).await? {
        StateChange::Changed(_) => Ok(Json(mailbox_of(state, caller, &userid).await?)),
        StateChange::Missing => Err(no_mailbox(&userid)),
        StateChange::Refused(r) => Err(Problem::conflict(
            "transizione_non_ammessa",
            "Transizione non ammessa",
            format!("La {} non è ammessa per una casella {}", r.what, r.from),
        )),
    }
}

/// Suspends an active mailbox.
#[utoipa::path(post, path = "/mailboxes/{userid}/suspend", tag = "caselle", params(("userid" = String, Path)),
    security(("chiave_api" = [])),
    responses((status = 200, body = Mailbox), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn suspend(
    State(state): State<AppState>,
    Writer(caller): Writer,
    Path(userid): Path<String>,
) -> Result<Json<Mailbox>, Problem> {
    transition(&state, &caller, &userid, Transition::Suspend).await
}

/// Reactivates a suspended mailbox.
#[utoipa::path(post, path = "/mailboxes/{userid}/reactivate", tag = "caselle", params(("userid" = String, Path)),
    security(("chiave_api" = [])),
    responses((status = 200, body = Mailbox), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn reactivate(
    State(state): State<AppState>,
    Writer(caller): Writer,
    Path(userid): Path<String>,
) -> Result<Json<Mailbox>, Problem> {
    transition(&state, &caller, &userid, Transition::Reactivate).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Revocation {
    /// `SCADENZA_CONTRATTO`, `RICHIESTA_CLIENTE` or `IMMEDIATA`.
    pub reason: String,
}

/// Revokes a mailbox, with its reason.
#[utoipa::path(post, path = "/mailboxes/{userid}/revoke", tag = "caselle", params(("userid" = String, Path)),
    request_body = Revocation, security(("chiave_api" = [])),
    responses((status = 200, body = Mailbox), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    Writer(caller): Writer,
    Path(userid): Path<String>,
    Body(r): Body<Revocation>,
) -> Result<Json<Mailbox>, Problem> {
    let reason = RevocationReason::from_code(r.reason.trim()).ok_or_else(|| {
        Problem::invalid(
            "Motivo di revoca non valido",
            vec![FieldProblem {
                field: "reason".into(),
                message: "Indicare SCADENZA_CONTRATTO, RICHIESTA_CLIENTE o IMMEDIATA".into(),
            }],
        )
    })?;
    transition(&state, &caller, &userid, Transition::Revoke(reason)).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RenewalRequest {
    /// The mailboxes to renew (at most 20,000).
    pub userids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalResult {
    /// The renewal orders made (one per customer and offer).
    pub orders: Vec<String>,
}

/// Renews mailboxes by their offer's duration, as "Gestione scadenze caselle" does. The
/// `Idempotency-Key` (required) names the request: sent again, it answers the same orders.
#[utoipa::path(post, path = "/renewals", tag = "caselle", request_body = RenewalRequest,
    params(("Idempotency-Key" = String, Header, description = "Names the request: a retry renews once")),
    security(("chiave_api" = [])),
    responses((status = 200, body = RenewalResult), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn renew(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    Body(r): Body<RenewalRequest>,
) -> Result<Json<RenewalResult>, Problem> {
    let key = super::orders::idempotency_key(&headers)?.ok_or_else(|| {
        Problem::bad_request(
            "Indicare l'intestazione Idempotency-Key: un rinnovo ripetuto rinnova una volta sola",
        )
    })?;
    let userids = renewal_userids(&r.userids)?;
    // The key's requests are its own: another key's same Idempotency-Key is another request.
    let request_key = format!("api{}:{key}", caller.key_id);
    let outcome =
        renewals::renew_mailboxes(&state.store, &caller.operator, Chosen::Ticked(userids), &request_key)
            .await?;
    renewal_answer(outcome)
}

/// The userids of a renewal, counted before they are read (at most `RENEW_MAX`).
fn renewal_userids(asked: &[String]) -> Result<Vec<UserId>, Problem> {
    use crate::domain::renewals::RENEW_MAX;
    if asked.len() > RENEW_MAX {
        return Err(Problem::bad_request(format!("Al massimo {RENEW_MAX} caselle per rinnovo")));
    }
    asked.iter().map(|u| mailbox_asked(u)).collect()
}

/// What a renewal ended in, as the API answers it.
fn renewal_answer(outcome: Renewal) -> Result<Json<RenewalResult>, Problem> {
    match outcome {
        Renewal::Renewed { orders, .. } => {
            Ok(Json(RenewalResult { orders: orders.iter().map(ToString::to_string).collect() }))
        }
        Renewal::Missing(missing) => Err(Problem::not_found(format!(
            "Caselle non trovate: {}",
            missing.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ))),
        Renewal::RefusedEach(refused) => Err(Problem::invalid(
            format!("Rinnovo rifiutato per {} caselle: nulla è stato rinnovato", refused.len()),
            refused
                .iter()
                .map(|(u, why)| FieldProblem { field: format!("userids[{u}]"), message: why.to_string() })
                .collect(),
        )),
        Renewal::Refused(RenewalRefusal::Conflict) => Err(Problem::conflict(
            "rinnovo_concorrente",
            "Rinnovo concorrente",
            "Alcune caselle sono state appena rinnovate da un'altra richiesta: nulla è stato rinnovato",
        )),
        Renewal::Refused(why) => Err(Problem::bad_request(why.text(Renewables::Mailboxes))),
    }
}

/// Sends the holder a new password link (the earlier ones stop working). Only for ATTIVA.
#[utoipa::path(post, path = "/mailboxes/{userid}/password-link", tag = "caselle", params(("userid" = String, Path)),
    security(("chiave_api" = [])),
    responses((status = 202, description = "Queued"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn resend_link(
    State(state): State<AppState>,
    Writer(caller): Writer,
    Path(userid): Path<String>,
) -> Result<StatusCode, Problem> {
    let userid = mailbox_asked(&userid)?;
    match mailboxes::resend_link(&state, &caller.operator, &userid).await? {
        LinkResent::Sent => Ok(StatusCode::ACCEPTED),
        LinkResent::Missing => Err(no_mailbox(&userid)),
        LinkResent::NotActive(now) => Err(Problem::conflict(
            "stato",
            "Casella non attiva",
            format!(
                "Il collegamento per la password si invia solo a una casella ATTIVA (questa è {})",
                now.code()
            ),
        )),
    }
}

/// The fields of a mailbox to change; absent ones stay as they are. The address changes only
/// while the mailbox is PRENOTATA.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MailboxChanges {
    pub address: Option<String>,
    pub description: Option<String>,
    pub password_email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub tax_code: Option<String>,
    pub nickname: Option<String>,
}

impl From<MailboxChanges> for crate::domain::mailboxes::MailboxPatch {
    fn from(c: MailboxChanges) -> Self {
        let MailboxChanges {
            address,
            description,
            password_email,
            first_name,
            last_name,
            tax_code,
            nickname,
        } = c;
        Self { address, description, password_email, first_name, last_name, tax_code, nickname }
    }
}

/// "Modifica dati": the wizard's rules for each field, the names' uniqueness included.
#[utoipa::path(patch, path = "/mailboxes/{userid}", tag = "caselle", params(("userid" = String, Path)),
    request_body = MailboxChanges, security(("chiave_api" = [])),
    responses((status = 200, body = Mailbox), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Writer(caller): Writer,
    Path(userid): Path<String>,
    Body(c): Body<MailboxChanges>,
) -> Result<Json<Mailbox>, Problem> {
    use crate::usecases::mailbox_edit::{patch, Edited};
    let userid = mailbox_asked(&userid)?;
    match patch(&state.store, &caller.operator, &userid, c.into()).await? {
        Edited::Saved => Ok(Json(mailbox_of(&state, &caller, &userid).await?)),
        Edited::Invalid(report) => Err(Problem::invalid(
            "Dati della casella non validi",
            report
                .errors
                .iter()
                .map(|(f, e)| FieldProblem { field: f.key().into(), message: e.to_string() })
                .collect(),
        )),
        Edited::Taken => {
            Err(Problem::conflict("nome_in_uso", "Nome già in uso", "Casella o nickname già in uso"))
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TacitRenewal {
    pub enabled: bool,
}

/// Tacit renewal on or off: with it, the mailbox renews on its expiry day instead of expiring.
#[utoipa::path(put, path = "/mailboxes/{userid}/tacit-renewal", tag = "caselle", params(("userid" = String, Path)),
    request_body = TacitRenewal, security(("chiave_api" = [])),
    responses((status = 200, body = Mailbox), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn tacit_renewal(
    State(state): State<AppState>,
    Writer(caller): Writer,
    Path(userid): Path<String>,
    Body(t): Body<TacitRenewal>,
) -> Result<Json<Mailbox>, Problem> {
    let userid = mailbox_asked(&userid)?;
    // Not in the scope: 404 before anything changes.
    mailbox_of(&state, &caller, &userid).await?;
    let chosen = Chosen::Ticked(vec![userid.clone()]);
    match renewals::set_tacit_renewal(&state.store, &caller.operator, chosen, t.enabled).await? {
        TacitChange::Changed(_) => Ok(Json(mailbox_of(&state, &caller, &userid).await?)),
        TacitChange::Refused(why) => Err(Problem::bad_request(why.text(Renewables::Mailboxes))),
    }
}
