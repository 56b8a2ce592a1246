//! A Dovecot of the test's own (Debian's 2.3, a child process on loopback ports, with the
//! configuration `mail-config dovecot` writes), and line-based conversations with it.

use super::*;

/// A Dovecot of the test's own, with the configuration `mail-config dovecot` writes; stopped
/// when dropped.
pub(super) struct Dovecot {
    pub(super) child: Child,
    pub(super) dir: PathBuf,
    pub(super) imap_port: u16,
    pub(super) lmtp_port: u16,
    pub(super) doveadm_port: u16,
    pub(super) api_key: String,
}

/// The loopback addresses Dovecot listens on in these tests: 127.0.0.1 to 127.0.0.LOOPBACKS.
pub(super) const LOOPBACKS: u8 = 24;

pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Dovecot {
    pub(super) async fn start(database: MailDatabase) -> Dovecot {
        let dir = std::env::temp_dir().join(format!("pec-dovecot-{}-{}", std::process::id(), free_port()));
        let _ = std::fs::remove_dir_all(&dir);
        let dict_user = match &database {
            MailDatabase::Sqlite(path) => sqlite_owner(path).unwrap(),
            MailDatabase::Postgres(_) => "dovecot".into(),
        };
        let setup = DovecotSetup {
            dir: dir.clone(),
            listen: (1..=LOOPBACKS).map(|i| format!("127.0.0.{i}")).collect::<Vec<_>>().join(" "),
            imap_port: free_port(),
            lmtp_port: free_port(),
            doveadm_port: free_port(),
            api_key: api_key_for(&dir),
            database,
            mail_user: "dovecot".into(),
            dict_user,
        };
        write_dovecot(&setup).unwrap();
        let mut dovecot = Dovecot {
            child: Self::spawn(&dir),
            dir,
            imap_port: setup.imap_port,
            lmtp_port: setup.lmtp_port,
            doveadm_port: setup.doveadm_port,
            api_key: setup.api_key.clone(),
        };
        dovecot.wait_listening().await;
        dovecot
    }

    pub(super) fn spawn(dir: &std::path::Path) -> Child {
        Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::OpenOptions::new().create(true).append(true).open(dir.join("stderr.log")).unwrap(),
            ))
            .spawn()
            .expect("start dovecot")
    }

    /// Stops it, as a mail server restart or crash would.
    pub(super) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(self.dir.join("run").join("master.pid"));
    }

    /// Starts it again with the same configuration.
    pub(super) async fn restart(&mut self) {
        self.child = Self::spawn(&self.dir);
        self.wait_listening().await;
    }

    /// The platform's side: a provisioning worker that reaches this Dovecot's doveadm API.
    pub(super) fn provisioner(&self) -> Arc<Provisioner> {
        let url = format!("http://127.0.0.1:{}/doveadm/v1", self.doveadm_port);
        let doveadm: Arc<dyn MailPlatform> = Arc::new(Doveadm::new(&url, &self.api_key).unwrap());
        Provisioner::new(Some(doveadm), Duration::from_secs(30))
    }

    pub(super) async fn wait_listening(&mut self) {
        let dovecot = &*self;
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect((format!("127.0.0.{LOOPBACKS}"), dovecot.imap_port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "dovecot did not listen in 20 s: {}", dovecot.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        while tokio::net::TcpStream::connect(("127.0.0.1", dovecot.doveadm_port)).await.is_err() {
            assert!(Instant::now() < deadline, "doveadm did not listen in 20 s: {}", dovecot.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(super) fn log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
        format!("{}{}", read("stderr.log"), read("dovecot.log"))
    }

    /// IMAP `LOGIN` on a new connection: the tagged answer (`a OK …`, `a NO …`, `a BAD …`, or
    /// Dovecot's `* BYE` when it hangs up).
    pub(super) async fn login(&self, user: &str, password: &str) -> String {
        let mut t = Talk::open(self.imap_port).await;
        let greeting = t.say(None, |_| true).await;
        assert!(greeting.first().is_some_and(|g| g.starts_with("* OK")), "{greeting:?}");
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let answer = t
            .say(Some(&format!("a LOGIN {} {}", quote(user), quote(password))), |l| {
                l.starts_with("a ") || l.starts_with("* BYE")
            })
            .await;
        let _ = t.write.write_all(b"b LOGOUT\r\n").await;
        answer.last().cloned().unwrap_or_else(|| "closed".into())
    }
}

/// A line-based conversation on a loopback connection of its own (see [`Dovecot::login`]).
pub(super) struct Talk {
    pub(super) lines: tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
    pub(super) write: tokio::net::tcp::OwnedWriteHalf,
}

impl Talk {
    pub(super) async fn open(port: u16) -> Talk {
        // Each from and to an address of its own in 127.0.0.0/8 (Dovecot listens on
        // [`LOOPBACKS`]): Dovecot slows an address down after a failed login, as it should,
        // which would only make the tests wait; and it takes a plain-text password only on a
        // connection to the address it came from.
        static NEXT: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);
        let host = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % LOOPBACKS + 1;
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(std::net::SocketAddr::from(([127, 0, 0, host], 0))).unwrap();
        let stream = socket.connect(std::net::SocketAddr::from(([127, 0, 0, host], port))).await.unwrap();
        let (read, write) = stream.into_split();
        Talk { lines: BufReader::new(read).lines(), write }
    }

    /// Sends `line` (when given) and reads until `done` says a line ends the answer: every line.
    pub(super) async fn say(&mut self, line: Option<&str>, done: impl Fn(&str) -> bool) -> Vec<String> {
        if let Some(line) = line {
            self.write.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
        }
        let mut got = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(l)) = self.lines.next_line().await {
                let end = done(&l);
                got.push(l);
                if end {
                    break;
                }
            }
        })
        .await
        .expect("an answer in 20 s");
        got
    }
}

/// The last line of an SMTP/LMTP answer has a space after its code.
pub(super) fn smtp_end(line: &str) -> bool {
    line.as_bytes().get(3) != Some(&b'-')
}

impl Dovecot {
    /// A message to `to` over LMTP, as Postfix hands it over: the answer to `RCPT TO`, and to
    /// the data when the recipient was accepted.
    pub(super) async fn deliver(&self, to: &str) -> (String, String) {
        self.deliver_lines(to, 1).await
    }

    /// As [`Dovecot::deliver`], the text `lines` times 4 kB.
    pub(super) async fn deliver_lines(&self, to: &str, lines: usize) -> (String, String) {
        let mut t = Talk::open(self.lmtp_port).await;
        t.say(None, smtp_end).await;
        t.say(Some("LHLO pec-manager.test"), smtp_end).await;
        t.say(Some("MAIL FROM:<mittente@example.it>"), smtp_end).await;
        let rcpt = t.say(Some(&format!("RCPT TO:<{to}>")), smtp_end).await.join("\n");
        if !rcpt.starts_with("250") {
            return (rcpt, String::new());
        }
        t.say(Some("DATA"), smtp_end).await;
        let body = format!(
            "From: mittente@example.it\r\nTo: {to}\r\nSubject: Prova\r\n\r\n{}\r\n.",
            vec!["Messaggio di prova. ".repeat(200); lines].join("\r\n")
        );
        let data = t.say(Some(&body), smtp_end).await.join("\n");
        t.say(Some("QUIT"), smtp_end).await;
        (rcpt, data)
    }

    /// Logs in and asks `GETQUOTAROOT INBOX`: every line of the answer.
    pub(super) async fn quota(&self, user: &str, password: &str) -> Vec<String> {
        let mut t = Talk::open(self.imap_port).await;
        t.say(None, |_| true).await;
        let login = t.say(Some(&format!("a LOGIN \"{user}\" \"{password}\"")), |l| l.starts_with("a ")).await;
        assert!(login.last().is_some_and(|l| l.starts_with("a OK")), "{login:?}");
        let quota = t.say(Some("b GETQUOTAROOT INBOX"), |l| l.starts_with("b ")).await;
        t.say(Some("c LOGOUT"), |l| l.starts_with("c ")).await;
        quota
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An IMAP session that has logged in, and waits.
pub(super) async fn open_session(dovecot: &Dovecot, user: &str, password: &str) -> Talk {
    let mut t = Talk::open(dovecot.imap_port).await;
    t.say(None, |_| true).await;
    let login = t.say(Some(&format!("a LOGIN \"{user}\" \"{password}\"")), |l| l.starts_with("a ")).await;
    assert!(login.last().is_some_and(|l| l.starts_with("a OK")), "{login:?}");
    t
}

/// How long until the server ends `session` (Dovecot's `* BYE`, or the connection closed).
pub(super) async fn cut_within(session: &mut Talk, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    tokio::time::timeout(limit, async {
        while let Ok(Some(line)) = session.lines.next_line().await {
            if line.starts_with("* BYE") {
                break;
            }
        }
    })
    .await
    .ok()
    .map(|()| started.elapsed())
}
