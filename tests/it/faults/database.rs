//! PostgreSQL stopped and started under a running server.

use super::*;

/// A PostgreSQL server of the test's own, which it may stop and start.
struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl PgCluster {
    /// `None` without PostgreSQL installed, unless PEC_REQUIRE_POSTGRES=1 (then a failure).
    fn create() -> Option<PgCluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql").ok().and_then(|d| {
            d.filter_map(Result::ok).map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).max()
        });
        let Some(bin) = bin else {
            assert!(
                std::env::var("PEC_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "PEC_REQUIRE_POSTGRES=1 but PostgreSQL is not installed"
            );
            return None;
        };
        let dir = scratch_dir("pg");
        // PostgreSQL refuses to run as root: as root, it runs as `postgres`.
        if is_root() {
            assert!(Command::new("chown").arg("postgres").arg(&dir).status().unwrap().success());
        }
        let cluster = PgCluster { dir, bin, port: free_port() };
        let data = cluster.dir.join("data");
        cluster.run("initdb", &["-D", path(&data), "-A", "trust", "-U", "postgres"]);
        cluster.start();
        Some(cluster)
    }

    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let out = if is_root() {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(exe).args(args).output()
        } else {
            Command::new(exe).args(args).output()
        }
        .unwrap();
        assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn start(&self) {
        let options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, path(&self.dir));
        let log = self.dir.join("server.log");
        self.run(
            "pg_ctl",
            &["-D", path(&self.dir.join("data")), "-l", path(&log), "-o", &options, "-w", "start"],
        );
    }

    fn stop(&self) {
        self.run("pg_ctl", &["-D", path(&self.dir.join("data")), "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", path(&self.dir.join("data")), "-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_stopped_under_a_running_server_gives_an_italian_503_and_the_server_recovers_alone() {
    let Some(pg) = PgCluster::create() else { return };
    let store = common::seeded_store(&pg.url()).await;
    let key = key(&store, "alfa.admin", "guasti", ApiKeyScope::Scrittura).await;
    store.close().await;
    let server = Server::start(&pg.url(), &[]).await;
    let cookie = server.login("alfa").await;
    assert_eq!(server.page("/recenti", &cookie).await.status, StatusCode::OK);

    pg.stop();
    // A page: a whole Italian page, 503 with Retry-After, soon.
    let asked = Instant::now();
    let r = server.page("/recenti", &cookie).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(asked.elapsed() < Duration::from_secs(10), "answered after {:?}", asked.elapsed());
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(r.headers["retry-after"], "5");
    assert!(
        r.body.contains("<html lang=\"it\">") && r.body.contains("Servizio momentaneamente non disponibile")
    );
    assert!(r.body.contains("il database non risponde. Nessuna modifica è stata salvata"), "{}", r.body);
    // The API: problem details, 503; an order asked now is not made.
    let r =
        server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("pgfermo", 2)))).await.unwrap();
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.json()["code"], "non_disponibile");

    pg.start();
    // The same server, the same session: working again within seconds, by itself.
    let back = Instant::now();
    loop {
        let r = server.page("/recenti", &cookie).await;
        if r.status == StatusCode::OK {
            assert!(r.body.contains("Attività recenti"));
            break;
        }
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
        assert!(back.elapsed() < Duration::from_secs(30), "not recovered in 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let store = Store::open(&pg.url()).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'pgfermo%'").await, 0);
    let r =
        server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("pgtornato", 2)))).await.unwrap();
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    store.close().await;
}
