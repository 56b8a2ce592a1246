//! Guessing or keeping access: no page without a session, the lock-out, the rate limits, the
//! password hashing queue, the sessions' own life, the first administrator.

use crate::common;
use crate::web::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use pec_manager::domain::auth::Scope;
use pec_manager::store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_reachable_without_a_session_but_the_login() {
    for store in common::stores().await {
        let app = app(&store);
        for page in
            ["/", "/richiesta", "/recenti", "/ordini/10295763", "/configurazione", "/configurazione/registro"]
        {
            let r = send(&app, get(page, None)).await;
            assert!(r.status.is_redirection(), "{page}: {}", r.status);
            assert!(r.location().starts_with("/accesso?next="), "{page}: {}", r.location());
        }
        let r = send(&app, get("/accesso", None)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<h1>Accesso"));
        // The holder's page is public; a made-up link opens no mailbox.
        let r = send(&app, get("/attiva?token=00ff", None)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("non è valido"), "{}", r.body);

        let paths = leptos::server_fn::axum::server_fn_paths().collect::<Vec<_>>();
        assert!(paths.len() >= 14, "server functions registered: {paths:?}");
        for (path, method) in paths {
            let req = Request::builder()
                .method(method.clone())
                .uri(path)
                .header(header::HOST, HOST)
                .header(header::ORIGIN, ORIGIN)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("draft=&page=1&number=1&userid=x"))
                .unwrap();
            let r = send(&app, req).await;
            if path == "/api/accedi" {
                assert_ne!(r.status, StatusCode::UNAUTHORIZED, "{path}");
            } else if path.starts_with("/api/attiva/") && path != "/api/attiva/reinvia" {
                // The holder's password page: the link's token is the credential, and a wrong
                // one opens nothing.
                assert!(
                    r.status.is_client_error() && r.status != StatusCode::UNAUTHORIZED,
                    "{path}: {}",
                    r.status
                );
                assert!(!r.status.is_success());
            } else {
                assert_eq!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} is reachable without a session"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_logout_and_expiry() {
    for store in common::stores().await {
        let app = app(&store);
        let cookie = login(&app, "alfa").await;
        let r = send(&app, get("/recenti", Some(&cookie))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Attività recenti") && r.body.contains("Operatore Alfa"));

        // Logout ends the session on the server, not only in the browser.
        let r = send(&app, post("/api/esci", "", Some(&cookie), Some(ORIGIN), true)).await;
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(r.location(), "/accesso");
        assert!(r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
        let r = send(&app, get("/recenti", Some(&cookie))).await;
        assert!(r.location().starts_with("/accesso"), "old cookie still works");

        // An expired session is gone.
        let cookie = login(&app, "alfa").await;
        store.raw_execute("UPDATE sessions SET expires_at = '2000-01-01 00:00:00'").await.unwrap();
        let r = send(&app, get("/recenti", Some(&cookie))).await;
        assert!(r.location().starts_with("/accesso"));

        // A wrong password says so, keeps the user name, and is audited.
        let r = send(
            &app,
            post("/api/accedi", "username=alfa&password=sbagliata&next=%2Frecenti", None, Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/accesso?errore=credenziali&utente=alfa&next=/recenti");
        // After login the user goes where they were going, never to another site.
        let form =
            format!("username=alfa&password={}&next=https%3A%2F%2Fevil.example", enc(common::PASSWORD));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/");
        let admin = common::operator(&store, "admin").await;
        let log = store.audit_entries(admin.scope(), &Default::default(), 1, 100).await.unwrap();
        let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
        for a in ["LOGIN", "LOGOUT", "LOGIN_FALLITO"] {
            assert!(actions.contains(&a), "{a} not audited: {actions:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_lock_the_account() {
    for store in common::stores().await {
        let app = app(&store);
        for _ in 0..5 {
            send(
                &app,
                post("/api/accedi", "username=beta&password=sbagliata&next=%2F", None, Some(ORIGIN), true),
            )
            .await;
        }
        let form = format!("username=beta&password={}&next=%2F", enc(common::PASSWORD));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert!(r.location().contains("errore=bloccato"), "{}", r.location());
        assert!(r.headers.get(header::SET_COOKIE).is_none());
        // Unknown names get the same answer as wrong passwords.
        let r =
            send(&app, post("/api/accedi", "username=nessuno&password=x&next=%2F", None, Some(ORIGIN), true))
                .await;
        assert!(r.location().contains("errore=credenziali"));
        // Another account is not affected.
        login(&app, "alfa").await;
    }
}

#[tokio::test]
async fn the_first_administrator_is_created_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("pec-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/cli.db?mode=rwc", dir.display());
    let run = |user: &str, password: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pec-manager"))
            .args([
                "create-operator",
                "--organizzazione",
                "Fornitore Srl",
                "--tipo",
                "fornitore",
                "--utente",
                user,
            ])
            .args(["--nome", "Prima Amministratrice", "--ruolo", "amministratore"])
            .env("DATABASE_URL", &url)
            .env("PEC_OPERATOR_PASSWORD", password)
            .env("RUST_LOG", "error")
            .output()
            .expect("run pec-manager")
    };
    let out = run("capo", "una password abbastanza lunga");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Operatore capo (Amministratore) creato in Fornitore Srl"));
    let again = run("capo", "una password abbastanza lunga");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("già in uso"));
    let short = run("altro", "corta");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));

    let store = Store::open(&url).await.unwrap();
    let record = store.login_record("capo").await.unwrap().expect("created");
    assert!(record.operator.is_admin());
    assert_eq!(record.operator.organisation_name, "Fornitore Srl");
    assert_eq!(record.operator.scope(), Scope::All);
    assert!(record.password_hash.starts_with("$argon2id$"), "password stored in clear");
    let log = store.audit_entries(Scope::All, &Default::default(), 1, 10).await.unwrap();
    assert_eq!(log.items[0].action, "OPERATORE_CREATO");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Finding 1: 30 parallel wrong passwords, then the right one: at most five password checks,
/// the name locked from that address, the right password refused until the lock ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_do_not_get_past_the_lock_out() {
    for store in common::stores().await {
        let app = app(&store);
        let ip = [10, 0, 0, 7];
        let guesses: Vec<_> = (0..30)
            .map(|i| {
                let app = app.clone();
                tokio::spawn(async move {
                    send(&app, login_from("beta", &format!("sbagliata{i}"), "/", ip)).await
                })
            })
            .collect();
        for g in guesses {
            let r = g.await.unwrap();
            assert!(
                r.status == StatusCode::FOUND || r.status == StatusCode::TOO_MANY_REQUESTS,
                "{}",
                r.status
            );
            assert!(r.headers.get(header::SET_COOKIE).is_none());
        }
        let r = send(&app, login_from("beta", common::PASSWORD, "/", ip)).await;
        assert!(r.headers.get(header::SET_COOKIE).is_none(), "the right password got in during the lock");
        let actions = audit_actions(&store, "beta").await;
        let checked = actions.iter().filter(|a| a.starts_with("LOGIN_FALLITO")).count();
        assert!(checked <= 5, "{checked} passwords checked: {actions:?}");
        assert!(!actions.iter().any(|a| a == "LOGIN"), "{actions:?}");
        // Locked (not merely rate-limited or busy): a fresh server says so, and lets no one in.
        let r = send(&self::app(&store), login_from("beta", common::PASSWORD, "/", ip)).await;
        assert!(r.location().contains("errore=bloccato"), "{}", r.location());
        assert!(r.headers.get(header::SET_COOKIE).is_none());

        // Once the lock has run out, the right password works (a fresh server: no rate limit).
        store.raw_execute("UPDATE login_attempts SET locked_until = '2000-01-01 00:00:00'").await.unwrap();
        let app = self::app(&store);
        let r = send(&app, login_from("beta", common::PASSWORD, "/", ip)).await;
        assert!(r.headers.get(header::SET_COOKIE).is_some(), "{}", r.location());
    }
}

/// Finding 7: the lock-out tells nothing about which names exist (unknown names lock the same
/// way, disabled accounts answer like wrong passwords); a stranger's guesses lock the name only
/// from the stranger's address; an administrator can lift a lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_out_names_no_accounts_and_locks_out_only_the_guesser() {
    for store in common::stores().await {
        let app = app(&store);
        let stranger = [10, 0, 0, 66];
        let mut answers = Vec::new();
        for user in ["nessuno", "operatore"] {
            let seq: Vec<String> = {
                let mut v = Vec::new();
                for _ in 0..6 {
                    v.push(
                        send(&app, login_from(user, "sbagliata", "/", stranger)).await.location().to_string(),
                    );
                }
                v
            };
            answers.push(seq.into_iter().map(|l| l.replace(user, "NOME")).collect::<Vec<_>>());
        }
        assert_eq!(answers[0], answers[1], "unknown and real names answer alike");
        assert!(answers[1][5].contains("errore=bloccato"));
        // The real operator, from their own address, is not locked out...
        let r = send(&app, login_from("operatore", common::PASSWORD, "/", [10, 0, 0, 1])).await;
        assert!(r.headers.get(header::SET_COOKIE).is_some(), "locked out by a stranger: {}", r.location());
        // ...and the administrator sees the lock and lifts it.
        let admin = login(&app, "admin").await;
        let page = send(&app, get("/configurazione/operatori", Some(&admin))).await;
        assert!(page.body.contains("Sblocca operatore"), "lock not shown");
        let r = send(
            &app,
            post(
                "/api/configurazione/sblocca-operatore",
                "username=operatore",
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FOUND);
        let r = send(&app, login_from("operatore", common::PASSWORD, "/", stranger)).await;
        assert!(r.headers.get(header::SET_COOKIE).is_some(), "still locked: {}", r.location());
        assert!(audit_actions(&store, "admin").await.iter().any(|a| a == "OPERATORE_SBLOCCATO"));

        // A disabled account with its right password answers as a wrong password does.
        let record =
            pec_manager::store::AuditRecord::anonymous("test", "OPERATORE_DISATTIVATO", "operatore", "beta");
        store
            .set_operator_active(pec_manager::domain::auth::Scope::All, "beta", false, &record)
            .await
            .unwrap();
        let disabled = send(&app, login_from("beta", common::PASSWORD, "/", [10, 0, 0, 2])).await;
        let wrong = send(&app, login_from("alfa", "sbagliata", "/", [10, 0, 0, 2])).await;
        assert_eq!(disabled.location().replace("beta", "N"), wrong.location().replace("alfa", "N"));
    }
}

/// Finding 4 (what a test can say without timing): a flood of password hashes is queued, one
/// per core, and past the queue answered "busy" (503 with Retry-After), not run.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_hashing_is_queued_and_refused_past_the_queue() {
    use pec_manager::error::AppError;
    use pec_manager::server::auth::hash_password_async;
    let throttle = std::sync::Arc::new(pec_manager::server::throttle::Throttle::default());
    let jobs: Vec<_> = (0..200)
        .map(|_| {
            let t = throttle.clone();
            tokio::spawn(async move { hash_password_async(&t, "una password qualsiasi").await })
        })
        .collect();
    let mut busy = 0;
    for j in jobs {
        match j.await.unwrap() {
            Ok(h) => assert!(h.starts_with("$argon2id$")),
            Err(AppError::Busy) => busy += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(busy > 0, "200 hashes at once were all queued");
    assert_eq!(AppError::Busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    let res = axum::response::IntoResponse::into_response(AppError::Busy);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
}

/// Failures count "in a row" only within the lock window; old ones are forgotten by the
/// housekeeping, and a lock is not lifted by a success until it runs out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_failures_count_only_within_the_window() {
    let window = chrono::Duration::minutes(15);
    let lock = "2999-01-01 00:00:00";
    for store in common::stores().await {
        for i in 1..=4 {
            let c = store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap();
            assert_eq!((c.ordinal, c.locked), (i, false));
        }
        store.raw_execute("UPDATE login_attempts SET updated_at = '2000-01-01 00:00:00'").await.unwrap();
        let c = store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap();
        assert_eq!((c.ordinal, c.locked), (1, false), "old failures still counted");
        for _ in 0..5 {
            store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap();
        }
        let c = store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap();
        assert!(c.locked);
        store.forget_login_failures("alfa", "10.9.9.9").await.unwrap();
        assert!(store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap().locked);
        store.claim_login_attempt("beta", "10.9.9.9", 5, lock, window).await.unwrap();
        store.raw_execute("UPDATE login_attempts SET updated_at = '2000-01-01 00:00:00'").await.unwrap();
        store.purge(30).await.unwrap();
        // beta's old failure is gone; alfa's lock (until 2999) stays.
        assert_eq!(
            store
                .raw_execute("UPDATE login_attempts SET failures = 0 WHERE username = 'beta'")
                .await
                .unwrap(),
            0
        );
        assert!(store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap().locked);
    }
}

/// Finding 4: the public credential functions are limited per address (429 with Retry-After),
/// and a client cannot dodge the limit with X-Forwarded-For unless the server trusts a proxy;
/// login attempts are limited per user name from any address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_posts_are_rate_limited_per_address_and_per_name() {
    let store = common::sqlite_store().await;
    let app = app(&store);
    let bad = format!("token={}&password=x&password_again=x", "0".repeat(64));
    let mut statuses = Vec::new();
    for i in 0..70 {
        let mut req = post("/api/attiva/password", &bad, None, Some(ORIGIN), false);
        req.headers_mut().insert("x-forwarded-for", format!("198.18.0.{i}").parse().unwrap());
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([10, 7, 7, 7], 1))));
        let r = send(&app, req).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers.contains_key(header::RETRY_AFTER));
        }
        statuses.push(r.status);
    }
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(limited, 10, "60 at once, then refused: {statuses:?}");
    // Another address is not affected.
    let mut req = post("/api/attiva/password", &bad, None, Some(ORIGIN), false);
    req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([10, 7, 7, 8], 1))));
    assert_ne!(send(&app, req).await.status, StatusCode::TOO_MANY_REQUESTS);

    // Per name, from anywhere.
    let throttle = pec_manager::server::throttle::Throttle::default();
    for _ in 0..30 {
        throttle.check_user("mario").unwrap();
    }
    assert!(
        matches!(throttle.check_user("mario"), Err(pec_manager::error::AppError::TooManyRequests(s)) if s >= 1)
    );
    throttle.check_user("luigi").unwrap();
}

/// A session's use is written at most once a minute (a write on every page serialised them
/// behind SQLite's one writer), and the idle expiry still moves forward. (Each row is changed
/// by hand, so the process's session cache is emptied after it, as its 5 s would.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_written_at_most_once_a_minute_and_stays_alive() {
    use pec_manager::store::from_now;
    for store in common::stores().await {
        let app = app(&store);
        let cookie = login(&app, "alfa").await;
        let soon = from_now(chrono::Duration::minutes(1));
        let recent = from_now(chrono::Duration::seconds(-30));
        store
            .raw_execute(&format!("UPDATE sessions SET last_seen_at = '{recent}', expires_at = '{soon}'"))
            .await
            .unwrap();
        store.forget_caches_for_tests();
        let unchanged = format!("SELECT COUNT(*) AS n FROM sessions WHERE expires_at = '{soon}'");
        assert_eq!(send(&app, get("/recenti", Some(&cookie))).await.status, StatusCode::OK);
        assert_eq!(store.raw_count(&unchanged).await.unwrap(), 1, "written again within the minute");

        let older = from_now(chrono::Duration::minutes(-2));
        store.raw_execute(&format!("UPDATE sessions SET last_seen_at = '{older}'")).await.unwrap();
        store.forget_caches_for_tests();
        assert_eq!(send(&app, get("/recenti", Some(&cookie))).await.status, StatusCode::OK);
        let extended = format!("SELECT COUNT(*) AS n FROM sessions WHERE expires_at > '{soon}'");
        assert_eq!(store.raw_count(&extended).await.unwrap(), 1, "idle expiry not moved");
    }
}

/// The rate limiters keep time with the operating system's monotonic clock. `quanta` (governor's
/// default clock, and the only one `tower_governor` accepts) reads the CPU's time-stamp counter,
/// which on some machines steps back when a task moves between cores; a limiter then refused a
/// client well within its burst (the 429 in CI's run of
/// `twenty_clients_contesting_one_hundred_names_get_each_name_once`). Checked on the lock file so
/// that no dependency can bring it back through feature unification.
#[test]
fn rate_limits_never_read_the_cpus_time_stamp_counter() {
    let lock = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"));
    assert!(!lock.contains("name = \"quanta\""), "quanta is in the build again: see `cargo tree -i quanta`");
}

/// Issue 28, Il mio profilo: "Cambia password" checks the current password and the new one
/// typed twice, then ends every other session of the operator; "Sessioni attive" lists where
/// each session came from, and a session ended there is dead at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profile_changes_the_password_and_ends_other_sessions() {
    use pec_manager::domain::auth::PasswordChangeRefusal;
    for store in common::stores().await {
        let app = app(&store);
        let admin = login(&app, "admin").await;
        let org = common::operator(&store, "operatore").await.organisation_id;
        let body = format!(
            "username=profilo.prova&display_name=Profilo+Prova&role=OPERATORE&organisation={org}&password={}",
            enc(common::PASSWORD)
        );
        let r =
            send(&app, post("/api/configurazione/nuovo-operatore", &body, Some(&admin), Some(ORIGIN), true))
                .await;
        assert!(r.location().contains("creato="), "{}", r.location());

        // Two sessions: one from a browser that says what it is.
        let mut req = post(
            "/api/accedi",
            &format!("username=profilo.prova&password={}&next=%2F", enc(common::PASSWORD)),
            None,
            Some(ORIGIN),
            true,
        );
        req.headers_mut().insert(header::USER_AGENT, "Navigatore/1.0 (Prova)".parse().unwrap());
        let r = send(&app, req).await;
        let other = r.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
        let mine = login(&app, "profilo.prova").await;
        // The password an administrator typed opens nothing but the profile until it is changed.
        assert_eq!(send(&app, get("/recenti", Some(&mine))).await.location(), "/profilo#cambia-password");
        let json = post("/api/scadenze/caselle", "", Some(&mine), Some(ORIGIN), false);
        assert_eq!(send(&app, json).await.status, StatusCode::FORBIDDEN);
        let page = send(&app, get("/profilo", Some(&mine))).await.body;
        assert!(page.contains("cambiarla prima di continuare"), "{page}");
        assert!(page.contains("<h1>Il mio profilo") && page.contains("Navigatore/1.0 (Prova)"), "{page}");
        assert!(page.contains("(questa sessione)") && page.contains("Termina sessione 2"), "{page}");
        assert!(
            page.contains("class=\"profile-link\">Il mio profilo"),
            "the session bar links the profile: {page}"
        );

        let change = |current: &str, new: &str, again: &str| {
            format!("attuale={}&nuova={}&ripetuta={}", enc(current), enc(new), enc(again))
        };
        let new = "una-nuova-password-2026";
        for (body, why) in [
            (change("sbagliata-del-tutto", new, new), PasswordChangeRefusal::WrongCurrent),
            (change(common::PASSWORD, new, "un'altra-password-2026"), PasswordChangeRefusal::Mismatch),
            (change(common::PASSWORD, "corta", "corta"), PasswordChangeRefusal::Rules),
            (change(common::PASSWORD, common::PASSWORD, common::PASSWORD), PasswordChangeRefusal::Same),
        ] {
            let r = send(&app, post("/api/profilo/password", &body, Some(&mine), Some(ORIGIN), true)).await;
            assert_eq!(r.location(), format!("/profilo?errore={}#cambia-password", why.code()));
            // Nothing changed: the other session still works, and still only on the profile.
            assert_eq!(send(&app, get("/profilo", Some(&other))).await.status, StatusCode::OK);
            assert_eq!(
                send(&app, get("/recenti", Some(&other))).await.location(),
                "/profilo#cambia-password"
            );
        }
        let page = send(&app, get("/profilo?errore=attuale", Some(&mine))).await.body;
        assert!(page.contains("La password attuale non è corretta"), "{page}");

        let r = send(
            &app,
            post(
                "/api/profilo/password",
                &change(common::PASSWORD, new, new),
                Some(&mine),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/profilo?esito=password");
        // This session goes on; the other one is over; the new password opens a session.
        assert_eq!(send(&app, get("/recenti", Some(&mine))).await.status, StatusCode::OK);
        assert!(send(&app, get("/recenti", Some(&other))).await.location().starts_with("/accesso"));
        let form = format!("username=profilo.prova&password={}&next=%2F", enc(new));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert_eq!(r.status, StatusCode::FOUND);
        let third = r.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();

        // "Termina" on one session: dead at once. A name that is no session: not found.
        let op = common::operator(&store, "profilo.prova").await;
        let sessions = store.operator_sessions(op.id).await.unwrap();
        assert_eq!(sessions.len(), 2);
        let third_hash = pec_manager::store::token_hash(third.trim_start_matches("pec_session="));
        let id = sessions.iter().find(|(h, _)| *h == third_hash).map(|(_, s)| s.id.clone()).expect("third");
        let r = send(
            &app,
            post("/api/profilo/termina", &format!("sessione={id}"), Some(&mine), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/profilo?esito=sessione");
        assert!(send(&app, get("/recenti", Some(&third))).await.location().starts_with("/accesso"));
        let r =
            send(&app, post("/api/profilo/termina", "sessione=00", Some(&mine), Some(ORIGIN), true)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Another operator's sessions are out of reach; its own other sessions end.
        let alfa_elsewhere = login(&app, "alfa").await;
        let alfa = login(&app, "alfa").await;
        let r = send(&app, post("/api/profilo/termina-altre", "", Some(&alfa), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/profilo?esito=sessioni");
        assert!(send(&app, get("/recenti", Some(&alfa_elsewhere))).await.location().starts_with("/accesso"));
        assert_eq!(send(&app, get("/recenti", Some(&alfa))).await.status, StatusCode::OK);
        assert_eq!(send(&app, get("/recenti", Some(&mine))).await.status, StatusCode::OK);
        let log = store.audit_entries(op.scope(), &Default::default(), 1, 30).await.unwrap();
        assert!(log.items.iter().any(|e| e.action == "PASSWORD_CAMBIATA" && e.object_id == "profilo.prova"));
        assert!(log.items.iter().any(|e| e.action == "SESSIONE_TERMINATA"));
    }
}

/// A stolen session must not guess the operator's password faster than the login may: wrong
/// "Password attuale" on Il mio profilo count with the failed logins of that name, and after as
/// many as lock it, even the right one is refused until the lock ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_current_passwords_count_toward_the_lock_out() {
    use pec_manager::domain::auth::PasswordChangeRefusal;
    for store in common::stores().await {
        let app = app(&store);
        let cookie = login(&app, "beta").await;
        let limit = store.settings_in_force().await.unwrap().lockout_failures;
        let change = |current: &str| {
            let new = enc("una-nuova-password-2026");
            format!("attuale={}&nuova={new}&ripetuta={new}", enc(current))
        };
        let refused =
            format!("/profilo?errore={}#cambia-password", PasswordChangeRefusal::WrongCurrent.code());
        for i in 0..limit {
            let r = send(
                &app,
                post(
                    "/api/profilo/password",
                    &change(&format!("tentativo-{i}-sbagliato")),
                    Some(&cookie),
                    Some(ORIGIN),
                    true,
                ),
            )
            .await;
            assert_eq!(r.location(), refused);
        }
        let r = send(
            &app,
            post("/api/profilo/password", &change(common::PASSWORD), Some(&cookie), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), refused, "the right password was tried past the lock-out");
        assert!(store.login_record("beta").await.unwrap().is_some());
        let admin = common::operator(&store, "admin").await;
        assert!(store.unlock_operator(&admin, "beta").await.unwrap());
    }
}
