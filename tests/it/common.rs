//! Test databases: a fresh SQLite file, and a fresh PostgreSQL database on the server named by
//! TEST_POSTGRES_URL (the test command starts a throw-away one). With PEC_REQUIRE_POSTGRES=1
//! a missing PostgreSQL is a failure, not a skip.

use pec_manager::domain::auth::Operator;
use pec_manager::domain::wizard::{RequestForm, WizardAction};
use pec_manager::domain::{DraftId, MailboxInput, UserId};
use pec_manager::server;
use pec_manager::store::{seed_demo, Store};
use sqlx::any::AnyPoolOptions;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The demo operators' password in tests.
pub const PASSWORD: &str = "password-di-prova-2026";

fn demo_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| pec_manager::server::auth::hash_password(PASSWORD).expect("hash"))
}

/// A demo operator: "admin"/"operatore" (provider), "alfa.admin"/"alfa", "beta" (resellers).
pub async fn operator(store: &Store, username: &str) -> Operator {
    store.login_record(username).await.expect("query").expect("demo operator").operator
}

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("pec_test_{}_{}_{}", std::process::id(), n, nanos)
}

pub async fn sqlite_store() -> Store {
    let dir = std::env::temp_dir().join("pec-manager-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    seeded_store(&format!("sqlite://{}/{}.db?mode=rwc", dir.display(), unique_name())).await
}

/// The database at `url`, migrated, with the demo data (operators with [`PASSWORD`]).
pub async fn seeded_store(url: &str) -> Store {
    let store = Store::open(url).await.expect("open the database");
    seed_demo(&store, demo_hash()).await.expect("demo data");
    store
}

pub async fn postgres_store() -> Option<Store> {
    let Ok(admin) = std::env::var("TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("PEC_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "PEC_REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set"
        );
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = unique_name();
    let pool = AnyPoolOptions::new().max_connections(1).connect(&admin).await.expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .expect("create database");
    pool.close().await;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    Some(seeded_store(&format!("{base}/{name}")).await)
}

/// The line count kept with each order (what Attività recenti shows) is its number of lines:
/// mailboxes, or a renewal's mailboxes and products. Called after the changes that move them.
pub async fn assert_line_counts_hold(store: &Store) {
    let wrong = store
        .raw_count(
            "SELECT COUNT(*) AS n FROM orders o WHERE o.line_count <> \
             (SELECT COUNT(*) FROM mailboxes m WHERE m.order_id = o.id) \
             + (SELECT COUNT(*) FROM renewals r WHERE r.order_id = o.id) \
             + (SELECT COUNT(*) FROM product_renewals pr WHERE pr.order_id = o.id)",
        )
        .await
        .unwrap();
    assert_eq!(wrong, 0, "orders whose line_count is not their number of lines");
    let orders = store.raw_count("SELECT COUNT(*) AS n FROM orders WHERE line_count > 0").await.unwrap();
    assert!(orders > 0, "no order with lines: nothing was checked");
}

/// A fresh store on every backend available.
pub async fn stores() -> Vec<Store> {
    let mut v = vec![sqlite_store().await];
    v.extend(postgres_store().await);
    v
}

pub fn mailbox(address: &str, nickname: &str) -> MailboxInput {
    MailboxInput {
        address: address.into(),
        description: "Descrizione nuova casella".into(),
        password_email: "mail_gestione_password@infocert.it".into(),
        first_name: "Nome".into(),
        last_name: "Cognome".into(),
        tax_code: "CGNNMO80A01H501M".into(),
        nickname: nickname.into(),
    }
}

pub fn request_form() -> RequestForm {
    RequestForm {
        customer_name: "Collaudo".into(),
        customer_kind: "PA_CENTRALE".into(),
        legal_rep_cf: "RCLMRA74D15F205V".into(),
        contact_email: "referente@collaudo.it".into(),
        offer: "CONSIP".into(),
        consent: true,
    }
}

/// Walks the wizard through the server operations, as the forms do, up to the review.
pub async fn draft_with(store: &Store, op: &Operator, mailboxes: Vec<MailboxInput>) -> DraftId {
    let to = wizard::save_request(store, op, None, request_form(), WizardAction::Continue).await.unwrap();
    let id = DraftId::parse(to.trim_start_matches("/richiesta/").trim_end_matches("/caselle")).unwrap();
    assert_eq!(to, format!("/richiesta/{id}/caselle"), "step 1 valid → step 2");
    let year = (server::current_year() + 1).to_string();
    let to = wizard::save_mailboxes(store, op, &id, year, String::new(), mailboxes, WizardAction::Continue)
        .await
        .unwrap();
    assert_eq!(to, format!("/richiesta/{id}/verifica"), "step 2 valid → review");
    id
}

/// Books the order of a draft of `op`'s organisation, as "Conferma" and the API do: the use
/// case itself (`usecases::orders::confirm`).
pub async fn book(store: &Store, op: &Operator, id: &DraftId) -> pec_manager::domain::OrderNumber {
    use pec_manager::usecases::orders::{confirm, Confirmation};
    let draft = store.load_draft(id).await.unwrap().expect("the draft").draft;
    match confirm(store, op, id, &draft).await.unwrap() {
        Confirmation::Booked(n) | Confirmation::BookedMeanwhile(n) => n,
        other => panic!("not booked: {other:?}"),
    }
}

/// The draft named in a wizard address (`/richiesta/<id>/...`).
pub fn draft_of(to: &str) -> DraftId {
    let id = to.trim_start_matches("/richiesta/").split(['/', '#', '?']).next().unwrap_or_default();
    DraftId::parse(id).unwrap_or_else(|| panic!("no draft in {to}"))
}

/// A userid as a test writes it.
pub fn uid(text: &str) -> UserId {
    UserId::parse(text).unwrap()
}

/// The legal representative of the orders the tests make (`request_form`).
pub const LEGAL_REP: &str = "RCLMRA74D15F205V";

/// A certification authority of the tests' own, with the signers the contract tests need
/// (made once per test process: RSA keys take a moment).
pub struct Pki {
    pub ca: pec_manager::signature::testing::Authority,
    /// The legal representative, valid 2024–2035 (RSA).
    pub rep: pec_manager::signature::testing::Signer,
    /// Someone else, same authority.
    pub other: pec_manager::signature::testing::Signer,
    /// The legal representative with a certificate that expired in 2021.
    pub expired: pec_manager::signature::testing::Signer,
    /// The legal representative's name, certified by an authority nobody trusts.
    pub forged: pec_manager::signature::testing::Signer,
}

pub fn pki() -> &'static Pki {
    use pec_manager::signature::testing::{Authority, Key};
    static PKI: std::sync::OnceLock<Pki> = std::sync::OnceLock::new();
    PKI.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("pec-it-pki-{}", std::process::id()));
        let ca = Authority::new(&dir.join("ca"), "CA Prova Qualificata");
        let rogue = Authority::new(&dir.join("rogue"), "CA Sconosciuta");
        Pki {
            rep: ca.signer("Mario Rossi", LEGAL_REP, (2024, 2035), Key::Rsa),
            other: ca.signer("Giovanni Bianchi", "BNCGVN80A01H501U", (2024, 2035), Key::Ec),
            expired: ca.signer("Mario Rossi", LEGAL_REP, (2019, 2021), Key::Ec),
            forged: rogue.signer("Mario Rossi", LEGAL_REP, (2024, 2035), Key::Ec),
            ca,
        }
    })
}

/// How the test servers judge signatures: the tests' authority trusted, nothing else.
pub fn signature_policy(
    accept_unverified: bool,
) -> std::sync::Arc<pec_manager::server::signatures::SignaturePolicy> {
    std::sync::Arc::new(pec_manager::server::signatures::SignaturePolicy {
        trust: pki().ca.trust_store(),
        accept_unverified,
    })
}

/// A contract for store-level tests, as a verified signature leaves it.
pub fn signed_pdf() -> pec_manager::store::SignedContract {
    pec_manager::store::SignedContract {
        file_name: "firmato.pdf".into(),
        kind: "PDF",
        data: b"%PDF-1.7 firmato".to_vec(),
        signature: pec_manager::store::SignatureCheck::Verified(
            pec_manager::domain::contract::ContractSigner {
                name: "Mario Rossi".into(),
                tax_code: LEGAL_REP.into(),
                signed_at: 1_795_000_000,
            },
        ),
    }
}

/// The wizard as its forms drive it: each posted form calls the use case
/// (`usecases::drafts`), and the address it lands on is the one the page redirects to
/// (`routes::wizard_landing`), so that tests read as the browser sees them.
pub mod wizard {
    use pec_manager::domain::auth::Operator;
    use pec_manager::domain::wizard::{RequestForm, TableForm, WizardAction};
    use pec_manager::domain::{DraftId, MailboxInput};
    use pec_manager::error::AppError;
    use pec_manager::routes::wizard_landing;
    use pec_manager::store::Store;
    use pec_manager::usecases::drafts;

    pub use drafts::{check_row, data as wizard_data, save_row};

    pub async fn save_request(
        store: &Store,
        op: &Operator,
        draft: Option<&DraftId>,
        form: RequestForm,
        action: WizardAction,
    ) -> Result<String, AppError> {
        let (id, to) = drafts::save_request(store, op, draft, form, action).await?;
        Ok(wizard_landing(&id, &to))
    }

    pub async fn save_mailboxes(
        store: &Store,
        op: &Operator,
        draft: &DraftId,
        expiry_year: String,
        customer_po: String,
        mailboxes: Vec<MailboxInput>,
        action: WizardAction,
    ) -> Result<String, AppError> {
        let to =
            drafts::save_mailboxes(store, op, draft, expiry_year, customer_po, mailboxes, action).await?;
        Ok(wizard_landing(draft, &to))
    }

    pub async fn save_table(
        store: &Store,
        op: &Operator,
        draft: &DraftId,
        form: TableForm,
        action: WizardAction,
    ) -> Result<String, AppError> {
        Ok(wizard_landing(draft, &drafts::save_table(store, op, draft, form, action).await?))
    }

    pub async fn confirm(
        store: &Store,
        op: &Operator,
        draft: &DraftId,
        action: WizardAction,
    ) -> Result<String, AppError> {
        Ok(wizard_landing(draft, &drafts::confirm(store, op, draft, action).await?))
    }

    pub async fn upload_csv(
        store: &Store,
        op: &Operator,
        draft: &DraftId,
        expiry_year: String,
        customer_po: String,
        mailboxes: Option<Vec<MailboxInput>>,
        file: Option<(String, Vec<u8>)>,
    ) -> Result<String, AppError> {
        let to = drafts::upload_csv(store, op, draft, expiry_year, customer_po, mailboxes, file).await?;
        Ok(wizard_landing(draft, &to))
    }
}
