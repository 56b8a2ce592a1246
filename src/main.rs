//! The server binary: configuration, command line and start-up only.
// The command line talks to its user on stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use pec_manager::domain::auth::{self, OrganisationKind, Role};
use pec_manager::server::{auth::hash_password, router, AppState};
use pec_manager::store::{seed_demo, Store, DEMO_OPERATORS};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_DATABASE_URL: &str = "sqlite://data/pec-manager.db?mode=rwc";

const USAGE: &str = "\
pec-manager — gestione caselle PEC

Uso:
  pec-manager [serve]        avvia il server web (indirizzo: LEPTOS_SITE_ADDR, default 127.0.0.1:3000)
  pec-manager migrate        applica le migrazioni del database ed esce
  pec-manager create-operator --organizzazione NOME --tipo fornitore|rivenditore \\
        --utente NOME_UTENTE --nome \"Nome Cognome\" --ruolo amministratore|operatore
                             crea un operatore (e l'organizzazione se non esiste); la password
                             è letta da PEC_OPERATOR_PASSWORD o, se assente, dallo standard input
  pec-manager add-domain NOME --tipo condiviso|terzo-livello|cliente [--organizzazione NOME]
        [--cliente NOME]     aggiunge un dominio (di default all'organizzazione del fornitore), con le
                             stesse regole di Gestione domini; i domini condivisi sono subito certificati
  pec-manager import-offers FILE
                             aggiunge al catalogo le offerte di un file CSV (colonne: Codice, Nome,
                             Descrizione, Durata (mesi), Spazio disco (GB), Prezzo di listino, una per
                             servizio con sì/no, Attiva); le offerte già presenti (stesso codice)
                             restano come sono; tutto o niente
  pec-manager import-disk-usage FILE
                             registra lo spazio disco usato dalle caselle (file CSV della piattaforma
                             di posta, colonne: Userid, Spazio usato (MB)); tutto o niente se una riga
                             non è valida; elenca gli userid sconosciuti
  pec-manager check-csv FILE [--domini dominio1,dominio2 | --organizzazione NOME]
                             controlla un file CSV di caselle con le regole del sito; i domini ammessi
                             sono quelli certificati del database (di un'organizzazione, se indicata),
                             oppure, senza database, quelli di --domini; esce con errore se una riga
                             non è valida
  pec-manager mail-config dovecot --cartella CARTELLA [--indirizzo 127.0.0.1] [--porta-imap 1143]
        [--porta-lmtp 1024] [--porta-doveadm 8080] [--utente-posta dovecot]
                             scrive nella cartella la configurazione di Dovecot 2.3 che legge le
                             caselle dal database (vista mail_accounts, nessuna copia): il database è
                             PEC_MAIL_DATABASE_URL (su PostgreSQL il ruolo dei server di posta, che
                             legge solo quella vista; default DATABASE_URL); su PostgreSQL stampa le
                             istruzioni SQL che creano quel ruolo; --indirizzo accetta più
                             indirizzi separati da spazi; in pec-manager.env le variabili con cui
                             la piattaforma raggiunge l'API di doveadm (la chiave resta la stessa se
                             si scrive di nuovo la stessa cartella)
  pec-manager --help         questo aiuto

Variabili d'ambiente:
  DATABASE_URL        sqlite://percorso.db?mode=rwc (default: ./data/pec-manager.db) oppure postgres://…
  PEC_DEMO_DATA       1 (default) carica i dati dimostrativi in un database vuoto; 0 per la produzione
  PEC_DEMO_PASSWORD   password degli operatori dimostrativi (se assente: generata e stampata all'avvio)
  PEC_SECURE_COOKIES  1 quando il servizio è raggiungibile solo via HTTPS (cookie di sessione Secure)
  PEC_TRUSTED_PROXY   1 dietro un proxy inverso che scrive X-Forwarded-For (indirizzo del client
                      per limiti di frequenza e blocco degli accessi); altrimenti 0
  PEC_TRUST_DIR       cartella dei certificati delle autorità di certificazione riconosciute (PEM o
                      DER), per verificare i contratti firmati; senza, nessuna firma è verificabile
  PEC_ACCEPT_UNVERIFIED_SIGNATURES
                      1 solo per installazioni di prova: accetta i contratti con firma non
                      verificabile (non firmati o di un'autorità non riconosciuta), con un avviso
                      nel registro attività; default 0
  PEC_API_RATE, PEC_API_BURST
                      limite di richieste dell'API per chiave: al secondo (default 20) e di
                      seguito (default 40)
  PEC_MAIL_POLL_SECONDS, PEC_HOUSEKEEPING_SECONDS
                      ogni quanti secondi si riprovano le e-mail in coda (default 20) e si
                      eseguono scadenze, rinnovi taciti e promemoria (default 3600)
  RUST_LOG            livello dei log (default: info)
";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str).unwrap_or("serve") {
        "serve" => serve().await,
        "migrate" => open_store().await.map(|_| ()),
        "create-operator" => create_operator(&args[1..]).await,
        "check-csv" => check_csv(&args[1..]).await,
        "add-domain" => add_domain(&args[1..]).await,
        "import-offers" => import_offers(&args[1..]).await,
        "import-disk-usage" => import_disk_usage(&args[1..]).await,
        "mail-config" => mail_config(&args[1..]),
        "--help" | "-h" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("comando sconosciuto: {other}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pec-manager: {message}");
            ExitCode::FAILURE
        }
    }
}

fn env_flag(name: &str, default: bool) -> bool {
    std::env::var(name).map(|v| v != "0" && !v.is_empty()).unwrap_or(default)
}

async fn open_store() -> Result<Store, String> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.into());
    // Never print credentials that may be in the URL (user info, `?password=`).
    let shown = pec_manager::store::redacted_url(&url);
    let store = Store::open(&url).await.map_err(|e| format!("avvio rifiutato ({shown}): {e}"))?;
    tracing::info!(database = shown, "database ready");
    Ok(store)
}

/// On an empty database, the demo organisations, operators and data. The password is the
/// one given, or a random one printed once, here.
async fn demo_data(store: &Store) -> Result<(), String> {
    let given = std::env::var("PEC_DEMO_PASSWORD").ok().filter(|p| !p.is_empty());
    let password = given.clone().unwrap_or_else(|| {
        let bytes: [u8; 9] = rand::random();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    });
    let hash = hash_password(&password).map_err(|e| e.to_string())?;
    if seed_demo(store, &hash).await.map_err(|e| format!("dati dimostrativi: {e}"))? {
        let users: Vec<&str> = DEMO_OPERATORS.iter().map(|o| o.0).collect();
        println!("pec-manager: dati dimostrativi caricati. Operatori: {}.", users.join(", "));
        if given.is_none() {
            println!("pec-manager: password degli operatori dimostrativi: {password}");
        }
    }
    Ok(())
}

async fn serve() -> Result<(), String> {
    use leptos::prelude::*;
    let conf = get_configuration(None).map_err(|e| format!("configurazione non valida: {e}"))?;
    let leptos_options = conf.leptos_options;
    let addr = leptos_options.site_addr;
    // Pages name the bundle's hashed files from this file; without it every page would fail.
    if leptos_options.hash_files {
        let hashes = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(leptos_options.hash_file.as_ref())));
        if !hashes.is_some_and(|h| h.is_file()) {
            return Err(format!(
                "LEPTOS_HASH_FILES è attivo ma manca {} accanto al programma: ricostruire con `make build`",
                leptos_options.hash_file
            ));
        }
    }
    let store = open_store().await?;
    if env_flag("PEC_DEMO_DATA", true) {
        demo_data(&store).await?;
    }
    let mailer = pec_manager::server::mail::Mailer::from_env()?;
    mailer.spawn(store.clone());
    let provisioner = pec_manager::server::provisioning::Provisioner::from_env()?;
    provisioner.spawn(store.clone());
    let throttle = std::sync::Arc::new(pec_manager::server::throttle::Throttle::new(env_flag(
        "PEC_TRUSTED_PROXY",
        false,
    )));
    let every = pec_manager::server::seconds_from_env(
        "PEC_HOUSEKEEPING_SECONDS",
        pec_manager::server::HOUSEKEEPING_EVERY,
    )?;
    pec_manager::server::spawn_housekeeping(store.clone(), throttle.clone(), every);
    // Sessions this process keeps are forgotten when another process announces a change.
    tokio::spawn({
        let store = store.clone();
        async move { store.follow_changes().await }
    });
    let public_url = std::env::var("PEC_PUBLIC_URL").unwrap_or_else(|_| format!("http://{addr}"));
    let state = AppState {
        leptos_options,
        store,
        secure_cookies: env_flag("PEC_SECURE_COOKIES", false),
        mailer,
        provisioner,
        public_url: public_url.trim_end_matches('/').to_string(),
        throttle,
        dns: pec_manager::server::dns::DnsResolver::from_env()?,
        signatures: std::sync::Arc::new(pec_manager::server::signatures::SignaturePolicy::from_env()?),
        api_rate: pec_manager::server::throttle::ApiRate::from_env(),
    };
    let app = router::build(state);
    use axum::serve::ListenerExt;
    let listener =
        tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("indirizzo {addr}: {e}"))?;
    // Without TCP_NODELAY a small response written in pieces waits for the client's delayed
    // ACK (Nagle): about 40 ms per request on a keep-alive connection.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("TCP_NODELAY: {e}");
        }
    });
    tracing::info!("listening on http://{addr}");
    // The peer's address feeds the rate limits and the lock-out.
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server: {e}"))
}

/// `mail-config dovecot`: the configuration of a Dovecot that reads the platform's mailboxes.
fn mail_config(args: &[String]) -> Result<(), String> {
    use pec_manager::server::mail_platform::{
        api_key_for, grant_sql, sqlite_owner, write_dovecot, DovecotSetup, MailDatabase, MAIL_ROLE,
        PLATFORM_ENV,
    };
    if args.first().map(String::as_str) != Some("dovecot") {
        return Err(format!("mail-config: è supportato solo dovecot\n\n{USAGE}"));
    }
    let opts = options(&args[1..])?;
    let port = |name: &str, default: u16| -> Result<u16, String> {
        opts.get(name).map_or(Ok(default), |v| {
            v.parse().ok().filter(|p| *p > 0).ok_or_else(|| format!("--{name}: una porta da 1 a 65535"))
        })
    };
    let dir = opts.get("cartella").ok_or_else(|| format!("manca --cartella\n\n{USAGE}"))?;
    let (imap_port, lmtp_port, doveadm_port) =
        (port("porta-imap", 1143)?, port("porta-lmtp", 1024)?, port("porta-doveadm", 8080)?);
    let url = std::env::var("PEC_MAIL_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| DEFAULT_DATABASE_URL.into());
    let database = MailDatabase::from_url(&url)?;
    let dir = std::path::absolute(dir).map_err(|e| format!("--cartella: {e}"))?;
    let mail_user = opts.get("utente-posta").cloned().unwrap_or_else(|| "dovecot".into());
    let dict_user = match &database {
        MailDatabase::Sqlite(path) => sqlite_owner(path)?,
        MailDatabase::Postgres(_) => mail_user.clone(),
    };
    let setup = DovecotSetup {
        api_key: api_key_for(&dir),
        dir,
        listen: opts.get("indirizzo").cloned().unwrap_or_else(|| "127.0.0.1".into()),
        imap_port,
        lmtp_port,
        doveadm_port,
        database,
        dict_user,
        mail_user,
    };
    let written = write_dovecot(&setup).map_err(|e| format!("{}: {e}", setup.dir.display()))?;
    for path in written {
        println!("scritto {}", path.display());
    }
    println!("avvio: dovecot -F -c {}", setup.dir.join("dovecot.conf").display());
    println!(
        "la piattaforma raggiunge questo Dovecot con le variabili di {} (PEC_MAIL_PLATFORM, PEC_DOVEADM_URL, PEC_DOVEADM_API_KEY)",
        setup.dir.join(PLATFORM_ENV).display()
    );
    if let MailDatabase::Postgres(target) = &setup.database {
        let name = &target.dbname;
        println!(
            "\nSu PostgreSQL, una volta, come proprietario del database:\n{}",
            grant_sql(name, MAIL_ROLE)
        );
    }
    Ok(())
}

/// `--name value` pairs of a command.
fn options(args: &[String]) -> Result<std::collections::HashMap<String, String>, String> {
    let mut opts = std::collections::HashMap::new();
    let mut it = args.iter();
    while let Some(key) = it.next() {
        let key = key.strip_prefix("--").ok_or_else(|| format!("argomento inatteso: {key}"))?;
        let value = it.next().ok_or_else(|| format!("manca il valore di --{key}"))?;
        opts.insert(key.to_string(), value.clone());
    }
    Ok(opts)
}

/// The organisation named by `--organizzazione`, or the provider's.
async fn organisation_of(
    store: &Store,
    name: Option<&String>,
) -> Result<pec_manager::domain::organisations::Organisation, String> {
    let all = store.organisations(auth::Scope::All).await.map_err(|e| e.to_string())?;
    let found = match name {
        Some(n) => all.into_iter().find(|o| &o.name == n),
        None => all.into_iter().find(|o| o.kind == OrganisationKind::Fornitore),
    };
    found.ok_or_else(|| match name {
        Some(n) => format!("organizzazione sconosciuta: {n}"),
        None => "nessun fornitore: crearlo prima con create-operator --tipo fornitore".into(),
    })
}

/// `check-csv`: the per-row report of a file, with the rules of the site.
async fn check_csv(args: &[String]) -> Result<(), String> {
    use pec_manager::domain::{csv_file, request, Rules};
    let usage =
        || format!("uso: pec-manager check-csv FILE [--domini d1,d2 | --organizzazione NOME]\n\n{USAGE}");
    let (file, rest) = args.split_first().ok_or_else(usage)?;
    let opts = options(rest)?;
    let domains: Vec<String> = if let Some(list) = opts.get("domini") {
        if opts.len() > 1 {
            return Err(usage());
        }
        list.split(',').map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty()).collect()
    } else {
        if opts.keys().any(|k| k != "organizzazione") {
            return Err(usage());
        }
        let store = open_store().await?;
        let scope = match opts.get("organizzazione") {
            None => auth::Scope::All,
            Some(name) => {
                let org = organisation_of(&store, Some(name)).await?;
                if org.kind == OrganisationKind::Fornitore {
                    auth::Scope::All
                } else {
                    auth::Scope::Organisation(org.id)
                }
            }
        };
        let domains = store.usable_domains(scope).await.map_err(|e| e.to_string());
        store.close().await;
        domains?
    };
    let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let import = csv_file::read(&bytes).map_err(|e| format!("{file}: {e}"))?;
    let rules = Rules { current_year: pec_manager::server::current_year(), domains, ..Rules::default() };
    let inputs: Vec<_> = import.rows.iter().map(|r| r.mailbox.clone()).collect();
    let reports = request::validate_mailboxes(&inputs, &rules);
    println!(
        "{file}: {} righe di caselle ({}, separatore {:?})",
        import.rows.len(),
        import.encoding,
        import.separator
    );
    if let Some(line) = import.example_line {
        println!("Riga {line}: riga di esempio del modello, ignorata");
    }
    if !import.ignored_columns.is_empty() {
        println!("Colonne ignorate: {}", import.ignored_columns.join(", "));
    }
    let mut bad = 0;
    for (row, report) in import.rows.iter().zip(&reports) {
        let mut notes: Vec<String> =
            report.errors.iter().map(|(f, e)| format!("{}: {e}", f.label())).collect();
        notes.extend(report.warnings.iter().map(|(f, w)| format!("{}: {w} (avviso)", f.label())));
        if !report.is_ok() {
            bad += 1;
        }
        if !notes.is_empty() {
            println!("Riga {} ({}): {}", row.line, row.mailbox.address.trim(), notes.join("; "));
        }
    }
    println!("{} righe valide, {bad} con errori", import.rows.len() - bad);
    if bad > 0 {
        return Err(format!("{bad} righe con errori"));
    }
    Ok(())
}

/// `create-operator`: the first administrator of a new installation, or any operator.
async fn create_operator(args: &[String]) -> Result<(), String> {
    use pec_manager::server::throttle::Throttle;
    use pec_manager::usecases::operators::{self, NewOperatorInput, OperatorCreated};
    use pec_manager::usecases::Actor;
    let opts = options(args)?;
    let get = |k: &str| opts.get(k).cloned().ok_or_else(|| format!("manca --{k}\n\n{USAGE}"));
    let organisation = get("organizzazione")?;
    let kind =
        OrganisationKind::from_code(&get("tipo")?.to_uppercase()).ok_or("--tipo: fornitore o rivenditore")?;
    let username = auth::username(&get("utente")?).map_err(|e| format!("--utente: {e}"))?;
    let display = get("nome")?;
    let role = Role::from_code(&get("ruolo")?.to_uppercase()).ok_or("--ruolo: amministratore o operatore")?;
    let password = match std::env::var("PEC_OPERATOR_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprint!("Password per {username}: ");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| format!("lettura della password: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let store = open_store().await?;
    // An organisation already there keeps its kind.
    let (org_id, kind) = match store.organisation_by_name(&organisation).await.map_err(|e| e.to_string())? {
        Some(o) => (o.id, o.kind),
        None => (store.create_organisation(&organisation, kind).await.map_err(|e| e.to_string())?, kind),
    };
    let input = NewOperatorInput {
        username: &username,
        display_name: &display,
        role: role.code(),
        organisation_id: org_id,
        password: &password,
    };
    let by = Actor::CommandLine { organisation_id: org_id, provider: kind == OrganisationKind::Fornitore };
    match operators::create(&store, &Throttle::default(), by, &input).await.map_err(|e| e.to_string())? {
        OperatorCreated::Created { username, role } => {
            println!("Operatore {username} ({}) creato in {organisation}.", role.label());
            Ok(())
        }
        OperatorCreated::Refused(why) => Err(why.message().to_string()),
    }
}

/// `add-domain`: a domain added as "Nuovo dominio" adds it, for a scripted install.
async fn add_domain(args: &[String]) -> Result<(), String> {
    use pec_manager::domain::domains::{DomainKind, NewDomainForm};
    use pec_manager::usecases::{domains::DomainAdded, Actor};
    let (name, rest) = args.split_first().ok_or_else(|| format!("manca il nome del dominio\n\n{USAGE}"))?;
    let opts = options(rest)?;
    let kind = match opts.get("tipo").map(|t| t.to_lowercase()).as_deref() {
        Some("condiviso") => DomainKind::Shared,
        Some("terzo-livello") => DomainKind::ThirdLevel,
        Some("cliente") => DomainKind::Customer,
        _ => return Err(format!("--tipo: condiviso, terzo-livello o cliente\n\n{USAGE}")),
    };
    let store = open_store().await?;
    let org = organisation_of(&store, opts.get("organizzazione")).await?;
    let provider = org.kind == OrganisationKind::Fornitore;
    let form = NewDomainForm {
        name: name.clone(),
        customer: opts.get("cliente").cloned().unwrap_or_default(),
        kind: kind.code().into(),
    };
    let by = Actor::CommandLine { organisation_id: org.id, provider };
    let result = pec_manager::usecases::domains::add(&store, by, &form).await;
    store.close().await;
    match result.map_err(|e| e.to_string())? {
        DomainAdded::Added(name) => {
            println!(
                "Dominio {name} ({}) aggiunto a {}: {}.",
                kind.label(),
                org.name,
                kind.initial_state().code()
            );
            Ok(())
        }
        DomainAdded::Refused(e) => Err(e.to_string()),
    }
}

/// `import-offers`: the catalogue from a CSV file, for a scripted install.
async fn import_offers(args: &[String]) -> Result<(), String> {
    let [file] = args else { return Err(format!("uso: pec-manager import-offers FILE\n\n{USAGE}")) };
    let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let offers = pec_manager::domain::offers::read_offers(&bytes)
        .map_err(|errors| format!("{file}: nessuna offerta importata.\n{}", errors.join("\n")))?;
    let store = open_store().await?;
    let added = store.import_offers(&offers).await.map_err(|e| e.to_string());
    store.close().await;
    let added = added?;
    println!(
        "{file}: {} offerte lette, {added} aggiunte al catalogo, {} già presenti.",
        offers.len(),
        offers.len() - added
    );
    Ok(())
}

async fn import_disk_usage(args: &[String]) -> Result<(), String> {
    let [file] = args else { return Err(format!("uso: pec-manager import-disk-usage FILE\n\n{USAGE}")) };
    let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let usage = pec_manager::domain::mailbox_admin::read_disk_usage(&bytes)
        .map_err(|errors| format!("{file}: nulla è stato registrato.\n{}", errors.join("\n")))?;
    let store = open_store().await?;
    let unknown = store.record_disk_usage(&usage).await.map_err(|e| e.to_string());
    store.close().await;
    let unknown = unknown?;
    println!("{file}: spazio usato registrato per {} caselle.", usage.len() - unknown.len());
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown.iter().take(20).map(|u| u.as_str()).collect();
        println!("Userid sconosciuti ({}): {}", unknown.len(), shown.join(", "));
    }
    Ok(())
}
