//! After the order, on SQLite and PostgreSQL: the signed contract fulfils it, each holder's
//! password link is queued and sent (retried when the mail server fails), and works once.
//!
//! The parts: `contract.rs` (the signed contract, the links it queues, their validity),
//! `links.rs` (when a link dies), `orders.rs` (cancelling, moving, searching, a provider's order
//! for a reseller), `mailbox_page.rs` (the mailbox page's small forms and history).

mod contract;
mod links;
mod mailbox_page;
mod orders;

use crate::common;

use common::{draft_with, mailbox};
use pec_manager::domain::lifecycle::Date;
use pec_manager::domain::{OrderNumber, UserId};
use pec_manager::server::{self, mail};
use pec_manager::store::{FulfilError, SignedContract, Store};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn pdf() -> SignedContract {
    common::signed_pdf()
}

pub(crate) async fn booked_order(store: &Store, addresses: &[&str]) -> OrderNumber {
    let op = common::operator(store, "alfa").await;
    let id = draft_with(store, &op, addresses.iter().map(|a| mailbox(a, "")).collect()).await;
    common::book(store, &op, &id).await;
    store.load_draft(&id).await.unwrap().unwrap().order_number.unwrap()
}

/// A fake SMTP server: refuses everything when `fail`, else accepts and keeps the messages.
async fn fake_smtp(fail: bool) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&got);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = Arc::clone(&kept);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                if fail {
                    let _ = write.write_all(b"421 servizio non disponibile\r\n").await;
                    return;
                }
                let _ = write.write_all(b"220 fake\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            kept.lock().unwrap().push(data.take().unwrap_or_default());
                            let _ = write.write_all(b"250 ok\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let reply: &[u8] = match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                        "EHLO" | "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 ok\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 avanti\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 ciao\r\n").await;
                            return;
                        }
                        _ => b"502 no\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, got)
}

fn smtp(port: u16) -> Arc<mail::Mailer> {
    let t = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build();
    mail::Mailer::new(mail::Transport::Smtp(t), "noreply@example.it").unwrap()
}

/// The token of the link in a message (its body may be quoted-printable: soft line breaks, `=3D`).
fn token_in(message: &str) -> String {
    let message = message.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = message.find("token=").expect("link in the message") + "token=".len();
    message[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}
