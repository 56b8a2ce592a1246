//! The README's API examples, run as written: its "## API" section's `sh` blocks, in order, in
//! one shell, against the application served on a loopback port.

use crate::common;
use crate::web::state;
use pec_manager::domain::api_keys::ApiKeyScope;

/// The `sh` blocks of the README's "## API" section.
fn examples() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("\n## API\n").expect("an API section in the README");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map(|i| i + 3).unwrap_or(section.len())];
    section.split("```sh\n").skip(1).map(|b| b.split("\n```").next().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_curl_examples_work() {
    let blocks = examples();
    assert!(blocks.len() >= 4, "{blocks:?}");
    let store = common::sqlite_store().await;
    let admin = common::operator(&store, "alfa.admin").await;
    let key = format!("pec_{}", pec_manager::store::new_token());
    store
        .create_api_key(
            &admin,
            "readme",
            ApiKeyScope::Scrittura,
            &pec_manager::store::token_hash(&key),
            "pec_…",
        )
        .await
        .unwrap();
    let app = pec_manager::server::router::build(state(&store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ =
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });
    let dir = std::env::temp_dir().join(format!("pec-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pki = common::pki();
    let script = format!("set -euo pipefail\n{}", blocks.join("\n"));
    let mut cmd = std::process::Command::new("bash");
    cmd.arg("-c")
        .arg(&script)
        .current_dir(&dir)
        .env("PEC", format!("http://{addr}"))
        .env("KEY", &key)
        .env("SIGNER_CERT", &pki.rep.cert)
        .env("SIGNER_KEY", &pki.rep.key);
    // The server answers on this runtime while the shell waits on another thread.
    let out = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
    // What the examples did: an order EVASO, its mailbox ATTIVA (suspended and reactivated).
    // (curl prints no newline after a JSON answer: the echo may share its line)
    let number =
        stdout.split("ordine ").nth(1).and_then(|s| s.split_whitespace().next()).expect("the order number");
    let number = pec_manager::domain::OrderNumber::parse(number).unwrap();
    let order = store.order(admin.scope(), &number).await.unwrap().unwrap();
    assert_eq!((order.state.code(), order.mailboxes[0].state.code()), ("EVASO", "ATTIVA"));
    assert!(stdout.contains("\"state\":\"SOSPESA\""), "{stdout}");
}
