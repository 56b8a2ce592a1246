//! A full or read-only disk under SQLite.

use super::*;

/// A small file system of the test's own (tmpfs, mounted as root), to fill up.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> SmallDisk {
        let dir = scratch_dir("disk");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the disk-full test mounts a small tmpfs and needs root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { dir }
    }

    /// Fills the free space with a file; answers its path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.dir.join("riempitivo");
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
        filler
    }

    /// Remounts it read-only (nothing may have a file open for writing on it).
    fn read_only(&self) {
        let out = Command::new("mount").args(["-o", "remount,ro"]).arg(&self.dir).output().unwrap();
        assert!(out.status.success(), "remount read-only: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_or_read_only_disk_under_sqlite_refuses_writes_whole_with_a_clear_message() {
    let disk = SmallDisk::mount(16);
    let url = format!("sqlite://{}/pec.db?mode=rwc", disk.dir.display());
    let store = common::seeded_store(&url).await;
    let key = key(&store, "alfa.admin", "guasti", ApiKeyScope::Scrittura).await;
    let server = Server::start(&url, &[]).await;
    let cookie = server.login("alfa").await;

    let filler = disk.fill();
    let r =
        server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("pieno", 2000)))).await.unwrap();
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.json()["code"], "non_disponibile");
    assert!(
        r.json()["detail"].as_str().unwrap().contains("lo spazio su disco del server è esaurito"),
        "{}",
        r.body
    );
    // Pages still answer: whole, or the Italian 503 page.
    let r = server.page("/recenti", &cookie).await;
    assert!(r.status == StatusCode::OK || r.body.contains("spazio su disco"), "{} {}", r.status, r.body);
    // Nothing half-written.
    assert_eq!(count(&store, "SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'pieno%'").await, 0);

    // Space again: the same order goes through, whole.
    std::fs::remove_file(filler).unwrap();
    let r =
        server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("pieno", 2000)))).await.unwrap();
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(count(&store, "SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'pieno%'").await, 2000);
    assert_sound(&store).await;

    // The file system turns read-only (as after a disk error, here while the server is
    // stopped): the server refuses to start and says why; nothing changes.
    drop(server);
    store.close().await;
    disk.read_only();
    let out = Command::new(env!("CARGO_BIN_EXE_pec-manager"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port()))
        .env("LEPTOS_OUTPUT_NAME", "pec-manager")
        .env("PEC_DEMO_DATA", "0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pec.db non è scrivibile (file system in sola lettura"), "{err}");
}
