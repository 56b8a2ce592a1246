//! The SMTP server down, then back, with two server processes: each e-mail is delivered once.

use super::*;

/// A fake SMTP server: takes every message and keeps its subject.
struct FakeSmtp {
    received: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeSmtp {
    async fn listen(port: u16, received: Arc<Mutex<Vec<String>>>) -> FakeSmtp {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let inbox = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inbox = inbox.clone();
                tokio::spawn(async move {
                    let _ = smtp_session(stream, inbox).await;
                });
            }
        });
        FakeSmtp { received, task }
    }

    fn stop(self) -> Arc<Mutex<Vec<String>>> {
        self.task.abort();
        self.received
    }
}

async fn smtp_session(stream: tokio::net::TcpStream, inbox: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 prova ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => write.write_all(b"250 prova\r\n").await?,
            "DATA" => {
                write.write_all(b"354 avanti\r\n").await?;
                let (mut subject, mut id) = (String::new(), String::new());
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    if let Some(s) = line.strip_prefix("Subject: ") {
                        subject = s.trim_end().to_string();
                    }
                    if let Some(s) = line.strip_prefix("Message-ID: ") {
                        id = s.trim_end().to_string();
                    }
                }
                inbox.lock().unwrap().push(format!("{subject} {id}"));
                write.write_all(b"250 preso\r\n").await?;
            }
            "QUIT" => {
                write.write_all(b"221 ciao\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"250 ok\r\n").await?,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn e_mails_queued_while_smtp_is_down_are_delivered_once_by_two_processes() {
    let Some(store) = common::postgres_store().await else { return };
    let url = store.url_for_tests();
    let smtp_port = free_port();
    let env =
        [("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")), ("PEC_MAIL_POLL_SECONDS", "1".to_string())];
    let (a, b) = (Server::start(&url, &env).await, Server::start(&url, &env).await);
    // SMTP is down (nothing listens on its port): every attempt fails, nothing is lost.
    for i in 0..40 {
        let mail = pec_manager::store::Mail {
            recipient: format!("titolare{i}@cliente.it"),
            subject: format!("Prova {i}"),
            body: "Messaggio di prova".into(),
        };
        store.queue_mail(&mail).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&store, "SELECT COUNT(*) AS n FROM outbox WHERE attempts = 0").await > 0 {
        assert!(Instant::now() < deadline, "the processes did not try in 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(store.mail_counts().await.unwrap(), (40, 0));

    // SMTP back; the retries made due now rather than in a minute.
    let smtp = FakeSmtp::listen(smtp_port, Arc::new(Mutex::new(Vec::new()))).await;
    store.mail_due_now().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.mail_counts().await.unwrap().1 < 40 {
        assert!(Instant::now() < deadline, "not delivered in 30 s: {:?}", store.mail_counts().await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Both processes keep polling for a while: nothing is sent again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let received = smtp.stop().lock().unwrap().clone();
    // "Prova N <outbox-ID@domain>": each subject once, each with its own Message-ID.
    let mut subjects: Vec<&str> = received.iter().map(|r| r.split(" <").next().unwrap()).collect();
    subjects.sort();
    let mut expected: Vec<String> = (0..40).map(|i| format!("Prova {i}")).collect();
    expected.sort();
    assert_eq!(subjects, expected, "each e-mail exactly once");
    let ids: std::collections::BTreeSet<&str> =
        received.iter().filter_map(|r| r.split_once(" <outbox-")).map(|(_, id)| id).collect();
    assert_eq!(ids.len(), 40, "{received:?}");
    drop((a, b));
}
