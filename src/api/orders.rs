//! Orders through the API: availability of names, a new order (the wizard's validation and
//! transaction, with `Idempotency-Key`), an order, the list (cursor paging), the contract to
//! sign and the signed contract that fulfils the order.

use super::caller::{Reader, Writer};
use super::problem::{FieldProblem, Problem};
use super::{created, Body};
use crate::domain::request::{OrderDraft, OrderErrors};
use crate::domain::{orders::ContractSignature, orders::OrderDetail, orders::OrderSummary};
use crate::domain::{MailboxInput, OrderNumber};
use crate::server::AppState;

use crate::usecases::names::NameCheck;
use crate::usecases::orders::{self, Cancellation, Confirmation, Placement};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Most names one availability call may ask about.
pub const AVAILABILITY_MAX: usize = 1_000;
/// Most mailboxes in one order (as a CSV file of the wizard).
pub const ORDER_MAILBOXES_MAX: usize = crate::domain::csv_file::MAX_ROWS;
/// Longest `Idempotency-Key`.
const IDEMPOTENCY_KEY_MAX: usize = 100;

#[derive(Debug, Deserialize, ToSchema)]
pub struct AvailabilityRequest {
    /// Mailbox addresses (`nome@dominio`), at most 1,000 names in all.
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default)]
    pub nicknames: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NameAvailability {
    /// The name as asked.
    pub name: String,
    pub available: bool,
    /// Why it is not available: not valid (the wizard's message) or already in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityResponse {
    pub addresses: Vec<NameAvailability>,
    pub nicknames: Vec<NameAvailability>,
}

/// Are these names free (and valid)? The wizard's check, for many names at once.
#[utoipa::path(post, path = "/availability", tag = "ordini", request_body = AvailabilityRequest,
    security(("chiave_api" = [])),
    responses((status = 200, body = AvailabilityResponse), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn availability(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Body(req): Body<AvailabilityRequest>,
) -> Result<Json<AvailabilityResponse>, Problem> {
    if req.addresses.len() + req.nicknames.len() > AVAILABILITY_MAX {
        return Err(Problem::bad_request(format!("Al massimo {AVAILABILITY_MAX} nomi per richiesta")));
    }
    let names =
        crate::usecases::names::check(&state.store, &caller.operator, req.addresses, req.nicknames).await?;
    let answer = |v: Vec<(String, NameCheck)>| {
        v.into_iter()
            .map(|(name, check)| NameAvailability {
                available: check == NameCheck::Available,
                message: check.message(),
                name,
            })
            .collect()
    };
    Ok(Json(AvailabilityResponse { addresses: answer(names.addresses), nicknames: answer(names.nicknames) }))
}

use axum::Json;

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct NewMailbox {
    /// "Nome casella": `nome@dominio`, on a domain of the platform or of the organisation.
    pub address: String,
    #[serde(default)]
    pub description: String,
    /// "Email gestione password": where the holder receives the password link.
    pub password_email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    /// The holder's codice fiscale.
    #[serde(default)]
    pub tax_code: String,
    #[serde(default)]
    pub nickname: String,
}

/// A new order: the wizard's step 1 and step 2 in one request.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct NewOrder {
    /// "Denominazione".
    pub customer_name: String,
    /// "Tipo cliente": `PA_CENTRALE`, `PA_LOCALE`, `IMPRESA`, `PROFESSIONISTA`, `PRIVATO`…
    pub customer_kind: String,
    /// "Legale rappresentante": the codice fiscale of whoever signs the contract.
    pub legal_rep_cf: String,
    #[serde(default)]
    pub contact_email: String,
    /// The offer's code ("Tipologia casella").
    pub offer: String,
    /// "Consenso trattamenti": must be true.
    pub consent: bool,
    /// "Anno scadenza caselle"; next year when absent.
    #[serde(default)]
    pub expiry_year: Option<i32>,
    /// "Numero ordine cliente".
    #[serde(default)]
    pub customer_po: String,
    pub mailboxes: Vec<NewMailbox>,
}

impl NewOrder {
    fn into_draft(self) -> OrderDraft {
        let mut draft = OrderDraft::new(crate::server::current_year());
        if let Some(year) = self.expiry_year {
            draft.expiry_year = year.to_string();
        }
        draft.customer_name = self.customer_name;
        draft.customer_kind = self.customer_kind;
        draft.legal_rep_cf = self.legal_rep_cf;
        draft.contact_email = self.contact_email;
        draft.offer = self.offer;
        draft.consent = self.consent;
        draft.customer_po = self.customer_po;
        draft.mailboxes = self
            .mailboxes
            .into_iter()
            .map(|m| MailboxInput {
                address: m.address,
                description: m.description,
                password_email: m.password_email,
                first_name: m.first_name,
                last_name: m.last_name,
                tax_code: m.tax_code,
                nickname: m.nickname,
            })
            .collect();
        draft.attempted_request = true;
        draft.attempted_mailboxes = true;
        draft
    }
}

/// The validation errors of an order, field by field, with the wizard's messages.
fn order_problem(errors: &OrderErrors) -> Problem {
    let mut fields: Vec<FieldProblem> = errors
        .request
        .iter()
        .map(|(f, e)| FieldProblem { field: f.key().into(), message: e.to_string() })
        .collect();
    if errors.no_mailboxes {
        fields
            .push(FieldProblem { field: "mailboxes".into(), message: "Indicare almeno una casella".into() });
    }
    for (i, report) in errors.mailboxes.iter().enumerate() {
        for (f, e) in &report.errors {
            fields
                .push(FieldProblem { field: format!("mailboxes[{i}].{}", f.key()), message: e.to_string() });
        }
    }
    let count = fields.len();
    Problem::invalid(format!("La richiesta ha {count} campi da correggere"), fields)
}

fn taken_problem(
    addresses: &std::collections::BTreeSet<String>,
    nicknames: &std::collections::BTreeSet<String>,
) -> Problem {
    let errors =
        addresses
            .iter()
            .map(|a| FieldProblem { field: "address".into(), message: format!("{a}: nome già in uso") })
            .chain(nicknames.iter().map(|n| FieldProblem {
                field: "nickname".into(),
                message: format!("{n}: nickname già in uso"),
            }))
            .collect();
    Problem {
        errors,
        ..Problem::conflict(
            "nome_in_uso",
            "Nome già in uso",
            "Alcuni nomi sono stati presi da un'altra richiesta",
        )
    }
}

/// The `Idempotency-Key` header, if any: 1 to 100 printable ASCII characters.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > IDEMPOTENCY_KEY_MAX || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Problem::bad_request(
            "Idempotency-Key non valida: da 1 a 100 caratteri ASCII stampabili",
        ));
    }
    Ok(Some(key.to_string()))
}

/// Creates an order exactly as the wizard's "Conferma" does (same validation, same
/// transaction). With an `Idempotency-Key`, a retry of the same request answers the order the
/// first one made (200) instead of making another; the same key with another request is
/// refused.
#[utoipa::path(post, path = "/orders", tag = "ordini", request_body = NewOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries create one order")),
    security(("chiave_api" = [])),
    responses((status = 201, body = Order, description = "Order created (PRENOTATO)"),
        (status = 200, body = Order, description = "A retry: the order made by the first request"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "A name was taken meanwhile"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields, with the wizard's messages")))]
pub async fn create_order(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    Body(order): Body<NewOrder>,
) -> Result<Response, Problem> {
    if order.mailboxes.len() > ORDER_MAILBOXES_MAX {
        return Err(Problem::bad_request(format!("Al massimo {ORDER_MAILBOXES_MAX} caselle per ordine")));
    }
    let idem = idempotency_key(&headers)?;
    let once = idem.as_deref().map(|key| orders::Once {
        api_key_id: caller.key_id,
        key,
        request_hash: crate::store::token_hash(&serde_json::to_string(&order).unwrap_or_default()),
    });
    let confirmation = match orders::place(&state.store, &caller.operator, order.into_draft(), once).await? {
        Placement::Confirmed(c) => c,
        Placement::Repeated(number) => return existing(&state, &caller, &number, StatusCode::OK).await,
        Placement::KeyReused => return Err(idempotency_mismatch()),
    };
    confirmation_answer(&state, &caller, confirmation).await
}

/// What a confirmation ended in, as the API answers it: the order (201, or 200 when it was
/// booked already) or a problem.
async fn confirmation_answer(
    state: &AppState,
    caller: &crate::store::ApiCaller,
    confirmation: Confirmation,
) -> Result<Response, Problem> {
    match confirmation {
        Confirmation::Booked(number) => existing(state, caller, &number, StatusCode::CREATED).await,
        Confirmation::BookedMeanwhile(number) => existing(state, caller, &number, StatusCode::OK).await,
        Confirmation::Invalid(errors) => Err(order_problem(&errors)),
        Confirmation::Taken { addresses, nicknames } => Err(taken_problem(&addresses, &nicknames)),
        Confirmation::UnusableDomain(d) => Err(Problem::invalid(
            "Un dominio della richiesta non è più utilizzabile",
            vec![FieldProblem { field: "address".into(), message: format!("Dominio {d} non utilizzabile") }],
        )),
        Confirmation::UnknownOffer(o) => Err(Problem::invalid(
            "Offerta non disponibile",
            vec![FieldProblem { field: "offer".into(), message: format!("Offerta {o} non disponibile") }],
        )),
        Confirmation::DraftGone => Err(Problem::conflict(
            "idempotenza_scaduta",
            "Richiesta non più disponibile",
            "La richiesta legata a questa Idempotency-Key non esiste più: usare una chiave nuova",
        )),
    }
}

fn idempotency_mismatch() -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotenza_diversa",
        "Idempotency-Key già usata",
        "Questa Idempotency-Key è già stata usata con una richiesta diversa",
    )
}

/// An order as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Order {
    pub number: String,
    /// `ATTIVAZIONE` or `RINNOVO`.
    pub kind: String,
    /// `PRENOTATO`, `EVASO`, `ANNULLATO`.
    pub state: String,
    pub created_at: String,
    pub customer_name: String,
    pub customer_kind: String,
    pub legal_rep_cf: String,
    pub offer: String,
    pub expiry_year: i64,
    pub customer_po: String,
    /// Who signed the contract, once it is signed.
    pub signature: Option<Signature>,
    pub mailboxes: Vec<OrderMailbox>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Signature {
    pub verified: bool,
    pub signer_name: String,
    pub signer_tax_code: String,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub signed_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderMailbox {
    pub userid: String,
    pub address: String,
    pub reference: String,
    pub state: String,
}

impl From<OrderDetail> for Order {
    fn from(o: OrderDetail) -> Self {
        Self {
            number: o.number.to_string(),
            kind: o.kind.code().into(),
            state: o.state.code().into(),
            created_at: o.created_at.to_string(),
            customer_name: o.customer_name,
            customer_kind: o.customer_kind.code().into(),
            legal_rep_cf: o.legal_rep_cf,
            offer: o.offer_name,
            expiry_year: o.expiry_year,
            customer_po: o.customer_po,
            signature: o.signature.map(|s: ContractSignature| Signature {
                verified: s.verified,
                signer_name: s.signer_name,
                signer_tax_code: s.signer_tax_code,
                signed_at: s.signed_at.map(|t| t.to_string()).unwrap_or_default(),
            }),
            mailboxes: o
                .mailboxes
                .into_iter()
                .map(|m| OrderMailbox {
                    userid: m.userid.to_string(),
                    address: m.address,
                    reference: m.reference,
                    state: m.state.code().into(),
                })
                .collect(),
        }
    }
}

async fn existing(
    state: &AppState,
    caller: &crate::store::ApiCaller,
    number: &OrderNumber,
    status: StatusCode,
) -> Result<Response, Problem> {
    let order = state.store.order(caller.operator.scope(), number).await?.ok_or_else(|| no_order(number))?;
    let location = format!("{}/orders/{}", super::BASE, order.number);
    Ok(created(status, &location, Order::from(order)))
}

pub(super) fn no_order(number: &OrderNumber) -> Problem {
    crate::error::AppError::no_order(number).into()
}

/// An order number from the address, read as the pages read it (`AppError::order_asked`).
pub(super) fn order_asked(number: &str) -> Result<OrderNumber, Problem> {
    Ok(crate::error::AppError::order_asked(number)?)
}

/// One order of the key's organisation, with its mailboxes.
#[utoipa::path(get, path = "/orders/{number}", tag = "ordini", params(("number" = String, Path)),
    security(("chiave_api" = [])),
    responses((status = 200, body = Order), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_order(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(number): Path<String>,
) -> Result<Json<Order>, Problem> {
    let number = order_asked(&number)?;
    let order =
        state.store.order(caller.operator.scope(), &number).await?.ok_or_else(|| no_order(&number))?;
    Ok(Json(order.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200; 50 when absent.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderListItem {
    pub number: String,
    pub kind: String,
    pub state: String,
    pub created_at: String,
    pub customer_name: String,
    pub mailbox_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderList {
    pub items: Vec<OrderListItem>,
    /// Absent on the last page.
    pub next_cursor: Option<String>,
}

/// The orders of the key's organisation, newest first, a page at a time.
#[utoipa::path(get, path = "/orders", tag = "ordini", params(ListQuery), security(("chiave_api" = [])),
    responses((status = 200, body = OrderList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list_orders(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Query(q): Query<ListQuery>,
) -> Result<Json<OrderList>, Problem> {
    let limit = super::page_size("limit", q.limit)?;
    let before = cursor_asked(q.cursor.as_deref())?;
    let (items, next) = state.store.orders_before(caller.operator.scope(), before, limit).await?;
    Ok(Json(OrderList {
        items: items.into_iter().map(OrderListItem::from).collect(),
        next_cursor: next.map(|n| n.to_string()),
    }))
}

/// The list's `cursor`: none for the first page, else a positive number.
fn cursor_asked(cursor: Option<&str>) -> Result<Option<i64>, Problem> {
    match cursor {
        None | Some("") => Ok(None),
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|c| *c > 0)
            .map(Some)
            .ok_or_else(|| Problem::bad_request("cursor non valido")),
    }
}

impl From<OrderSummary> for OrderListItem {
    fn from(o: OrderSummary) -> Self {
        Self {
            number: o.number.to_string(),
            kind: o.kind.code().into(),
            state: o.state.code().into(),
            created_at: o.created_at.to_string(),
            customer_name: o.customer_name,
            mailbox_count: o.mailbox_count,
        }
    }
}

/// The contract of an order, as a PDF to sign (the same document "Download Contratto" gives).
#[utoipa::path(get, path = "/orders/{number}/contract", tag = "contratti", params(("number" = String, Path)),
    security(("chiave_api" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn contract(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(number): Path<String>,
) -> Result<Response, Problem> {
    let number = order_asked(&number)?;
    let scope = caller.operator.scope();
    let order = state.store.order(scope, &number).await?.ok_or_else(|| no_order(&number))?;
    let pdf = crate::usecases::contracts::issue(&state.store, scope, &order).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

/// The signed contract (CAdES `.p7m` or PAdES PDF, the raw file as the body, at most 5 MB):
/// verified, it fulfils the order (EVASO, mailboxes ATTIVA, password links sent).
#[utoipa::path(put, path = "/orders/{number}/signed-contract", tag = "contratti", params(("number" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/pkcs7-mime"),
    security(("chiave_api" = [])),
    responses((status = 200, body = Order, description = "Fulfilled"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The order is not PRENOTATO"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Refused: the code says why (firma, certificato_scaduto, certificato_non_attendibile, firmatario, documento, non_firmato, formato)")))]
pub async fn upload_signed(
    State(state): State<AppState>,
    Writer(caller): Writer,
    Path(number): Path<String>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, Problem> {
    use crate::usecases::contracts::{self, Fulfilment};
    let number = order_asked(&number)?;
    let body = body.map_err(|_| {
        let e = crate::domain::contract::ContractFileError::TooLarge;
        Problem::new(StatusCode::PAYLOAD_TOO_LARGE, e.code(), "Contratto non accettato", e.to_string())
    })?;
    let refused = |code: &'static str, why: String| {
        Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, "Contratto non accettato", why))
    };
    let name = format!("contratto-{number}");
    match contracts::fulfil(&state, &caller.operator, &number, name, body.to_vec()).await? {
        Fulfilment::Fulfilled => existing(&state, &caller, &number, StatusCode::OK).await,
        Fulfilment::NotBooked => Err(not_booked()),
        Fulfilment::File(e) => refused(e.code(), e.to_string()),
        Fulfilment::Signature(e) => refused(e.code(), e.to_string()),
        Fulfilment::MissingDocuments(missing) => {
            refused("documenti_mancanti", crate::domain::documents::missing_message(&missing))
        }
    }
}

fn not_booked() -> Problem {
    Problem::conflict(
        "stato",
        "Ordine non PRENOTATO",
        "Il contratto si carica solo per un ordine PRENOTATO: l'ordine non è cambiato",
    )
}

/// "Annulla ordine": a booked order is cancelled and its names are free again.
#[utoipa::path(post, path = "/orders/{number}/cancel", tag = "ordini", params(("number" = String, Path)),
    security(("chiave_api" = [])),
    responses((status = 200, body = Order), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn cancel(
    State(state): State<AppState>,
    Writer(caller): Writer,
    Path(number): Path<String>,
) -> Result<Response, Problem> {
    let number = order_asked(&number)?;
    match orders::cancel(&state.store, &caller.operator, &number).await? {
        Cancellation::Cancelled => existing(&state, &caller, &number, StatusCode::OK).await,
        Cancellation::Missing => Err(no_order(&number)),
        Cancellation::NotBooked(now) => Err(Problem::conflict(
            "stato",
            "Ordine non PRENOTATO",
            format!("Si annulla solo un ordine PRENOTATO (questo è {})", now.code()),
        )),
    }
}
