//! Every address of the application, built in one place: pages, links and redirects call these
//! instead of formatting paths, and the router takes its patterns from here. Path segments that
//! come from data (a userid, an order number, a draft id) are percent-encoded.

use crate::domain::api_keys::ApiKeyRefusal;
use crate::domain::auth::NewOperatorError;
use crate::domain::customers::CustomerRefusal;
use crate::domain::domains::{DomainChangeRefusal, DomainRequest, NewDomainError};
use crate::domain::forms::Coded;
use crate::domain::forms::FormRefusal;
use crate::domain::lifecycle::PasswordError;
use crate::domain::mailbox_admin::MailboxAction;
use crate::domain::offers::OfferRefusal;
use crate::domain::organisations::OrganisationRefusal;
use crate::domain::renewal_notices::{Renewables, RenewalNotice, RenewalRefusal};
use crate::domain::settings::SettingsRefusal;
use crate::domain::wizard::{editor_field_id, mailbox_field_id, Landing, Spot, Step, TableView};
use crate::domain::{DraftId, OrderNumber, UserId};

mod outcomes;
pub use outcomes::*;

/// The home page.
pub const HOME: &str = "/";
pub const LOGIN: &str = "/accesso";
/// "Il mio profilo".
pub const PROFILE: &str = "/profilo";
/// Where an operator lands while the password an administrator typed is not yet changed.
pub const FIRST_PASSWORD: &str = "/profilo#cambia-password";
pub const NEW_REQUEST: &str = "/richiesta";
/// "Attiva identità/utenza".
pub const ACTIVATION: &str = "/attiva";
/// "Ricerca".
pub const SEARCH: &str = "/ricerca";
/// "Visualizza recenti".
pub const RECENT: &str = "/recenti";
/// "Configurazione", and its operators and audit log.
pub const CONFIGURATION: &str = "/configurazione";
pub const OPERATORS: &str = "/configurazione/operatori";
pub const AUDIT: &str = "/configurazione/registro";
/// "Gestione domini".
pub const DOMAINS: &str = "/domini";
/// "Offerte".
pub const OFFERS: &str = "/offerte";
/// "Clienti" (Configurazione).
pub const CUSTOMERS: &str = "/configurazione/clienti";
/// "Impostazioni" (Configurazione).
pub const SETTINGS: &str = "/configurazione/impostazioni";
/// "Chiavi API" (administrators).
pub const API_KEYS: &str = "/configurazione/chiavi-api";
/// "Organizzazioni" (Configurazione).
pub const ORGANISATIONS: &str = "/configurazione/organizzazioni";
/// "Gestione scadenze caselle", and its export (a file).
pub const EXPIRIES: &str = "/scadenze/caselle";
pub const EXPIRIES_CSV: &str = "/scadenze/caselle.csv";
pub const PRODUCT_EXPIRIES: &str = "/scadenze/prodotti";
pub const PRODUCT_EXPIRIES_CSV: &str = "/scadenze/prodotti.csv";
pub const REPORTS: &str = "/report";
pub const REPORTS_CSV: &str = "/report.csv";
pub const SEARCH_CSV: &str = "/ricerca.csv";
pub const AUDIT_CSV: &str = "/configurazione/registro.csv";
/// "Scarica un esempio" (a file, not a page).
pub const CSV_TEMPLATE: &str = "/richiesta/modello.csv";

/// Every page's pattern, as the app's router (`src/app.rs`, whose `path!` takes literals) has
/// them: `tests/it/routes.rs` holds the router's list equal to this one.
pub const PAGES: [&str; 25] = [
    HOME,
    LOGIN,
    PROFILE,
    ACTIVATION,
    CONFIGURATION,
    OPERATORS,
    AUDIT,
    NEW_REQUEST,
    "/richiesta/:draft",
    "/richiesta/:draft/caselle",
    "/richiesta/:draft/verifica",
    "/richiesta/:draft/riepilogo",
    DOMAINS,
    OFFERS,
    EXPIRIES,
    PRODUCT_EXPIRIES,
    REPORTS,
    ORGANISATIONS,
    SETTINGS,
    API_KEYS,
    CUSTOMERS,
    RECENT,
    SEARCH,
    "/ordini/:numero",
    "/caselle/:userid",
];

/// Router patterns of the plain routes (files and uploads).
pub mod pattern {
    pub const UPLOAD_CSV: &str = "/richiesta/{draft}/carica";
    pub const ERROR_REPORT: &str = "/richiesta/{draft}/errori.csv";
    pub const CONTRACT_PDF: &str = "/ordini/{numero}/contratto.pdf";
    pub const SIGNED_CONTRACT: &str = "/ordini/{numero}/contratto-firmato";
    pub const CONTRACT_UPLOAD: &str = "/ordini/{numero}/contratto";
    pub const ORDER_DOCUMENTS: &str = "/ordini/{numero}/documenti";
    pub const ORDER_DOCUMENT: &str = "/ordini/{numero}/documenti/{id}";
    pub const ORDER_DOCUMENT_REMOVE: &str = "/ordini/{numero}/documenti/{id}/rimuovi";
}

/// Percent-encodes a value for a query parameter (`/` kept: paths stay readable).
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One path segment from data: everything but unreserved characters is percent-encoded, `/`
/// included, so that a value can never add a segment (`url_encode` keeps `/` for `next=`).
fn segment(value: &str) -> String {
    url_encode(value).replace('/', "%2F")
}

/// "Dettaglio casella".
pub fn mailbox(userid: &UserId) -> String {
    format!("/caselle/{}", segment(userid.as_str()))
}

/// "Dettaglio ordine".
pub fn order(number: &OrderNumber) -> String {
    format!("/ordini/{}", segment(number.as_str()))
}

/// Page `page` (1-based) of an order's mailboxes.
pub fn order_page(number: &OrderNumber, page: usize) -> String {
    format!("{}?pagina={page}#caselle-h", order(number))
}

pub fn contract_pdf(number: &OrderNumber) -> String {
    format!("{}/contratto.pdf", order(number))
}

pub fn signed_contract(number: &OrderNumber) -> String {
    format!("{}/contratto-firmato", order(number))
}

pub fn contract_upload(number: &OrderNumber) -> String {
    format!("{}/contratto", order(number))
}

/// A wizard draft's address, followed by `rest` ("/caselle", "/verifica"...).
pub fn draft(id: &DraftId, rest: &str) -> String {
    format!("/richiesta/{}{rest}", segment(id.as_str()))
}

/// A step of the wizard for a saved draft.
pub fn wizard_step(id: &DraftId, step: Step) -> String {
    match step {
        Step::Request => draft(id, ""),
        Step::Mailboxes => draft(id, "/caselle"),
        Step::Review => draft(id, "/verifica"),
        Step::Summary => draft(id, "/riepilogo"),
    }
}

/// Where a posted wizard form lands (`usecases::drafts`): the step, the table's view in the
/// query (`?errori=1&pagina=2&riga=7`, so that it works without JavaScript and survives a
/// reload) and the part of the page as the fragment.
pub fn wizard_landing(id: &DraftId, to: &Landing) -> String {
    let spot = match to.spot {
        Spot::Top => String::new(),
        Spot::Errors => "#errori".into(),
        Spot::Import => "#importazione".into(),
        Spot::Mailbox(i) => format!("#casella-{}", i + 1),
        Spot::Field(i, f) => format!("#{}", mailbox_field_id(i, f)),
        Spot::Editor => "#editor".into(),
        Spot::EditorField(f) => format!("#{}", editor_field_id(f)),
        Spot::Table => "#tabella".into(),
        Spot::Row(i) => format!("#riga-{}", i + 1),
    };
    format!("{}{}{spot}", wizard_step(id, to.step), table_view_query(&to.view))
}

/// The query of a large request's table view; empty for the first page, unfiltered.
pub fn table_view_query(view: &TableView) -> String {
    let mut parts = Vec::new();
    if view.only_errors {
        parts.push("errori=1".to_string());
    }
    if view.page > 1 {
        parts.push(format!("pagina={}", view.page));
    }
    if let Some(i) = view.editing {
        parts.push(format!("riga={}", i + 1));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

pub fn upload_csv(draft_id: &DraftId) -> String {
    draft(draft_id, "/carica")
}

pub fn error_report(draft_id: &DraftId) -> String {
    draft(draft_id, "/errori.csv")
}

/// The login page again, saying why; the name typed comes back only if it is a valid user
/// name (nothing else typed there, an e-mail address say, goes into a URL).
pub fn login_refused(why: LoginRefusal, valid_username: &str, next: &str) -> String {
    format!("{LOGIN}?errore={}&utente={}&next={}", why.code(), url_encode(valid_username), url_encode(next))
}

/// "Gestione scadenze caselle" with `filter` (the address the filter form makes) and `extra`
/// (an outcome, `key=value&…` of our own).
pub fn expiries_with(filter: &crate::domain::renewals::ExpiryFilter, extra: &str) -> String {
    list_with(EXPIRIES, filter, extra)
}

/// "Gestione scadenze prodotti" with `filter` and `extra`, as `expiries_with`.
pub fn product_expiries_with(filter: &crate::domain::renewals::ExpiryFilter, extra: &str) -> String {
    list_with(PRODUCT_EXPIRIES, filter, extra)
}

/// An expiry page (of `what`) after an action: its filter, then what the action did or why it
/// did nothing.
pub fn expiries_after(
    what: Renewables,
    filter: &crate::domain::renewals::ExpiryFilter,
    said: Result<RenewalNotice, RenewalRefusal>,
) -> String {
    let base = match what {
        Renewables::Mailboxes => EXPIRIES,
        Renewables::Products => PRODUCT_EXPIRIES,
    };
    let outcome = match said {
        Ok(notice) => notice.query(),
        Err(refusal) => refusal.query(what),
    };
    list_with(base, filter, &outcome)
}

fn list_with(base: &str, filter: &crate::domain::renewals::ExpiryFilter, extra: &str) -> String {
    let mut q: Vec<String> = filter
        .pairs()
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    if !extra.is_empty() {
        q.push(extra.to_string());
    }
    if q.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", q.join("&"))
    }
}

/// "Gestione domini" after a domain was added (its checked name, not what was typed).
pub fn domains_added(name: &str) -> String {
    format!("{DOMAINS}?aggiunto={}", url_encode(name))
}

/// "Gestione domini" with "Nuovo dominio" refused, and why.
pub fn domains_refused(why: &NewDomainError) -> String {
    format!("{DOMAINS}?errore={}#nuovo-dominio-h", why.code())
}

/// "Gestione domini" after `request` on domain `name`.
pub fn domains_changed(request: DomainRequest, name: &str) -> String {
    format!("{DOMAINS}?esito={}&dominio={}", request.code(), url_encode(name))
}

/// "Gestione domini" after a refused request on a domain.
pub fn domains_change_refused(why: DomainChangeRefusal) -> String {
    format!("{DOMAINS}?rifiuto={}", why.code())
}

/// The holder's password page, with the link's token (the credential the e-mail carried).
pub fn holder_password(token: &str) -> String {
    format!("/attiva?token={}", segment(token))
}

/// The holder's password page again, saying why the password was refused.
pub fn holder_password_refused(token: &str, why: PasswordError) -> String {
    format!("{}&errore={}", holder_password(token), why.code())
}

/// "Attiva identità/utenza" once the password is set.
pub fn password_set() -> String {
    format!("{ACTIVATION}?fatto=1")
}

pub fn order_outcome(number: &OrderNumber, outcome: OrderOutcome) -> String {
    format!("{}?esito={}", order(number), outcome.code())
}

/// "Carica documentazione" posts here (multipart: `tipo`, `documento`, and `riepilogo` on the
/// wizard's summary).
pub fn order_documents(number: &OrderNumber) -> String {
    format!("{}/documenti", order(number))
}

/// A document of an order, downloaded.
pub fn order_document(number: &OrderNumber, id: i64) -> String {
    format!("{}/documenti/{id}", order(number))
}

/// "Rimuovi <file>" posts here.
pub fn order_document_remove(number: &OrderNumber, id: i64) -> String {
    format!("{}/documenti/{id}/rimuovi", order(number))
}

/// The page an order's documents are handled on, and their forms lead back to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentsPage {
    Order(OrderNumber),
    /// The wizard's summary of this draft.
    Summary(DraftId),
}

/// Back to the documents' section of `page`, saying `notice`.
pub fn documents_after(page: &DocumentsPage, notice: DocumentNotice) -> String {
    let base = match page {
        DocumentsPage::Order(number) => order(number),
        DocumentsPage::Summary(draft) => wizard_step(draft, Step::Summary),
    };
    format!("{base}?documento={}#documentazione", notice.code())
}

pub fn order_refused(number: &OrderNumber, why: ContractRefusal) -> String {
    format!("{}?errore={}", order(number), why.code())
}

/// "Il mio profilo" after one of its forms: done, or refused (`?esito=`, `?errore=`).
pub fn profile_after(notice: ProfileNotice) -> String {
    match notice {
        ProfileNotice::Refused(why) => format!("{PROFILE}?errore={}#cambia-password", why.code()),
        done => format!("{PROFILE}?esito={}", done.code()),
    }
}

/// "Dettaglio casella" with "Modifica dati" open (without JavaScript the form is a page state).
pub fn mailbox_editing(userid: &UserId) -> String {
    format!("{}?modifica=1#modifica", mailbox(userid))
}

/// "Dettaglio casella" after "Modifica dati" saved.
pub fn mailbox_edited(userid: &UserId) -> String {
    mailbox_notice(userid, MailboxNotice::Edited)
}

/// "Dettaglio casella" after a state change.
pub fn mailbox_state_changed(userid: &UserId) -> String {
    mailbox_notice(userid, MailboxNotice::StateChanged)
}

/// "Dettaglio casella" after "Invia di nuovo il collegamento".
pub fn mailbox_link_sent(userid: &UserId) -> String {
    mailbox_notice(userid, MailboxNotice::LinkSent)
}

fn mailbox_notice(userid: &UserId, notice: MailboxNotice) -> String {
    let (key, value) = notice.param();
    format!("{}?{key}={value}", mailbox(userid))
}

/// "Dettaglio casella" at the small form of `action`, done.
pub fn mailbox_action_done(userid: &UserId, action: MailboxAction) -> String {
    let a = action.code();
    format!("{}?fatto={a}#{a}", mailbox(userid))
}

/// "Dettaglio casella" with the small form of `action` open again, refused (the reason and what
/// was typed are kept for the session).
pub fn mailbox_action_refused(userid: &UserId, action: MailboxAction) -> String {
    let a = action.code();
    format!("{}?azione={a}&errore=1#{a}", mailbox(userid))
}

/// The mailbox page with its edit form open again, saying why it was refused.
pub fn mailbox_edit_refused(userid: &UserId, why: EditRefusal) -> String {
    format!("{}?modifica=1&errore={}#modifica", mailbox(userid), why.code())
}

/// "Offerte" with offer `code` in its edit form.
pub fn offer_edit(code: &str) -> String {
    format!("{OFFERS}?modifica={}#offerta-h", url_encode(code))
}

/// "Offerte" after saving offer `code`.
pub fn offer_saved(code: &str) -> String {
    format!("{OFFERS}?salvata={}", url_encode(code))
}

/// "Offerte" after a refused save: the typed form is kept for the session; `editing` is the
/// code of the offer being edited, if any.
pub fn offer_refused(editing: Option<&str>, why: FormRefusal<OfferRefusal>) -> String {
    let reason = why.code();
    match editing {
        Some(code) => format!("{OFFERS}?modifica={}&errore={reason}#offerta-h", url_encode(code)),
        None => format!("{OFFERS}?errore={reason}#offerta-h"),
    }
}

/// "Operatori" after operator `username` was created.
pub fn operator_created(username: &str) -> String {
    format!("{OPERATORS}?creato={}", url_encode(username))
}

/// "Operatori" saying why no operator was created.
pub fn operators_refused(why: NewOperatorError) -> String {
    format!("{OPERATORS}?errore={}", why.code())
}

/// "Organizzazioni" after a reseller was created (its first administrator's password is shown).
pub fn organisation_created() -> String {
    format!("{ORGANISATIONS}?creata=1")
}

/// "Organizzazioni" after an organisation was changed.
pub fn organisation_changed() -> String {
    format!("{ORGANISATIONS}?modificata=1")
}

/// "Organizzazioni" saying why nothing was created or changed; `renaming` keeps that
/// organisation's rename form open.
pub fn organisations_refused(why: OrganisationRefusal, renaming: Option<i64>) -> String {
    match renaming {
        Some(id) => format!("{ORGANISATIONS}?rinomina={id}&errore={}", why.code()),
        None => format!("{ORGANISATIONS}?errore={}", why.code()),
    }
}

/// "Impostazioni" after a save.
pub fn settings_saved() -> String {
    format!("{SETTINGS}?salvate=1")
}

/// "Impostazioni" saying why nothing was saved (the typed form is kept for the session).
pub fn settings_refused(why: FormRefusal<SettingsRefusal>) -> String {
    format!("{SETTINGS}?errore={}", why.code())
}

/// "Chiavi API" after a key was made (the page shows it once).
pub fn api_key_made() -> String {
    format!("{API_KEYS}?creata=1")
}

/// "Chiavi API" after a key was revoked.
pub fn api_key_revoked() -> String {
    format!("{API_KEYS}?revocata=1")
}

/// "Chiavi API" saying why no key was made or revoked.
pub fn api_keys_refused(why: ApiKeyRefusal) -> String {
    format!("{API_KEYS}?errore={}", why.code())
}

/// "Clienti" with customer `id` in its edit form (a number: no personal data in the address).
pub fn customer_edit(id: i64) -> String {
    format!("{CUSTOMERS}?modifica={id}#cliente-h")
}

/// "Clienti" after a save.
pub fn customer_saved() -> String {
    format!("{CUSTOMERS}?salvato=1")
}

/// "Clienti" after a refused save (the typed form is kept for the session).
pub fn customer_refused(editing: Option<i64>, why: FormRefusal<CustomerRefusal>) -> String {
    let reason = why.code();
    match editing {
        Some(id) => format!("{CUSTOMERS}?modifica={id}&errore={reason}#cliente-h"),
        None => format!("{CUSTOMERS}?errore={reason}#cliente-h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::ContractFileError;
    use crate::domain::documents::DocumentRefusal;
    use crate::domain::MailboxField;

    #[test]
    fn data_in_paths_is_encoded() {
        // Ids from outside are checked (`parse`), but a stored one is still encoded.
        let user = |s: &str| UserId::from_stored(s.into());
        let order_no = |s: &str| OrderNumber::from_stored(s.into());
        let draft_id = |s: &str| DraftId::from_stored(s.into());
        assert_eq!(mailbox(&user("VIT03933")), "/caselle/VIT03933");
        assert_eq!(mailbox(&user("a?b#c")), "/caselle/a%3Fb%23c");
        assert_eq!(order(&order_no("1/../x")), "/ordini/1%2F..%2Fx");
        assert_eq!(draft(&draft_id("a/b"), "/caselle"), "/richiesta/a%2Fb/caselle");
        assert_eq!(order_page(&order_no("10295763"), 2), "/ordini/10295763?pagina=2#caselle-h");
        assert_eq!(contract_pdf(&order_no("1")), "/ordini/1/contratto.pdf");
        assert_eq!(draft(&draft_id("ab12"), "/caselle"), "/richiesta/ab12/caselle");
        let v = TableView { only_errors: true, page: 3, editing: Some(6) };
        assert_eq!(table_view_query(&v), "?errori=1&pagina=3&riga=7");
        assert_eq!(TableView::from_query(Some("1"), Some("3"), Some("7")), v);
        assert_eq!(table_view_query(&TableView { page: 1, ..TableView::default() }), "");
        let id = draft_id("ab12");
        let table =
            Landing { step: Step::Mailboxes, view: v, spot: Spot::EditorField(MailboxField::TaxCode) };
        assert_eq!(
            wizard_landing(&id, &table),
            "/richiesta/ab12/caselle?errori=1&pagina=3&riga=7#riga-tax-code"
        );
        let block = Landing::mailboxes(Spot::Field(1, MailboxField::Nickname));
        assert_eq!(wizard_landing(&id, &block), "/richiesta/ab12/caselle#m2-nickname");
        assert_eq!(wizard_landing(&id, &Landing::at(Step::Summary)), "/richiesta/ab12/riepilogo");
        let summary = DocumentsPage::Summary(id.clone());
        assert_eq!(
            documents_after(&summary, DocumentNotice::Refused(DocumentRefusal::Format)),
            "/richiesta/ab12/riepilogo?documento=formato#documentazione"
        );
        for n in [
            DocumentNotice::Uploaded,
            DocumentNotice::Removed,
            DocumentNotice::Refused(DocumentRefusal::TooMany),
        ] {
            assert_eq!(DocumentNotice::from_code(n.code()), Some(n));
        }
        let userid = UserId::from_stored("mario.rossi@legalmail.it".into());
        for n in MailboxNotice::ALL {
            let url = mailbox_notice(&userid, n);
            let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default().to_string();
            let get = |k: &str| {
                query.split('&').find_map(|kv| kv.strip_prefix(k)?.strip_prefix('=').map(String::from))
            };
            assert_eq!(MailboxNotice::in_query(get), vec![n], "{url}");
        }
    }

    #[test]
    fn outcome_codes_round_trip() {
        for o in [OrderOutcome::Cancelled, OrderOutcome::Fulfilled] {
            assert_eq!(OrderOutcome::from_code(o.code()), Some(o));
        }
        for r in [ContractRefusal::NotBooked, ContractRefusal::File(ContractFileError::TooLarge)] {
            assert_eq!(ContractRefusal::from_code(r.code()), Some(r));
        }
        for r in LoginRefusal::ALL {
            assert_eq!(LoginRefusal::from_code(r.code()), Some(r));
        }
        for r in [EditRefusal::Invalid, EditRefusal::Taken] {
            assert_eq!(EditRefusal::from_code(r.code()), Some(r));
        }
    }
}
