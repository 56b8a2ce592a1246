//! The command line: `check-csv` reports per row with the site's rules, offline; `mail-config`
//! writes a mail server's configuration.

use std::process::Command;

fn check_csv(path: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pec-manager"))
        .args(["check-csv"])
        .arg(path)
        .args(["--domini", "legalmail.it,testcert.legalmail.it"])
        .env("RUST_LOG", "error")
        .output()
        .expect("run pec-manager")
}

#[test]
fn check_csv_reports_the_seed_files_errors_and_fails() {
    let out = check_csv(std::path::Path::new("tests/data/seed.csv"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("9 righe di caselle (UTF-8"), "{stdout}");
    assert!(stdout.contains("Riga 2: riga di esempio del modello, ignorata"), "{stdout}");
    assert!(
        stdout.contains(
            "Riga 3 (Nuova_da_csv_1@testcert.legalmail.it): Codice fiscale: Codice fiscale non valido"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("0 righe valide, 9 con errori"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("9 righe con errori"));
}

#[test]
fn check_csv_accepts_a_good_file_and_refuses_a_bad_one() {
    let dir = std::env::temp_dir().join(format!("pec-cli-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("buono.csv");
    std::fs::write(&good, "Email gestione password,Nome casella\nuno@example.it,uno@legalmail.it\n").unwrap();
    let out = check_csv(&good);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 righe valide, 0 con errori"));

    let binary = dir.join("immagine.csv");
    std::fs::write(&binary, b"\x89PNG\r\n\x1a\n\x00\x00").unwrap();
    let out = check_csv(&binary);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("il contenuto non è testo"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// With hashed file names on, the server refuses to start without the list of names beside it
/// (every page would otherwise fail), and says how to fix it.
#[test]
fn serve_refuses_to_start_without_the_hash_list() {
    let out = Command::new(env!("CARGO_BIN_EXE_pec-manager"))
        .arg("serve")
        .env("LEPTOS_HASH_FILES", "true")
        .env("LEPTOS_HASH_FILE_NAME", "no-such-hash-list.txt")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .expect("run the binary");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-hash-list.txt") && err.contains("make build"), "{err}");
}

#[test]
fn import_disk_usage_records_a_good_file_and_refuses_a_bad_one_whole() {
    let dir = std::env::temp_dir().join(format!("pec-cli-disk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/cli.db?mode=rwc", dir.display());
    let run = |file: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_pec-manager"))
            .arg("import-disk-usage")
            .arg(file)
            .env("DATABASE_URL", &db)
            .env("RUST_LOG", "error")
            .output()
            .expect("run pec-manager")
    };
    let good = dir.join("uso.csv");
    std::fs::write(&good, "Userid;Spazio usato (MB)\r\nZZZ00001;512\r\n").unwrap();
    let out = run(&good);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("registrato per 0 caselle") && stdout.contains("Userid sconosciuti (1): ZZZ00001")
    );
    let bad = dir.join("rotto.csv");
    std::fs::write(&bad, "Userid;Spazio usato (MB)\r\nZZZ00001;molto\r\n").unwrap();
    let out = run(&bad);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Riga 2: spazio usato non valido"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mail_config_writes_dovecot_s_files_and_the_mail_role_s_sql() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("pec-cli-mail-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |url: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pec-manager"))
            .args(args)
            .env("PEC_MAIL_DATABASE_URL", url)
            .env("RUST_LOG", "error")
            .output()
            .expect("run pec-manager")
    };
    let target = dir.to_str().unwrap();
    // The mail folder goes to the user running the test (Dovecot's own user may be missing).
    let id = Command::new("id").arg("-un").output().unwrap();
    let me = String::from_utf8_lossy(&id.stdout).trim().to_string();
    let run = |url: &str, args: &[&str]| run(url, &[args, &["--utente-posta", &me]].concat());
    // On SQLite the file must exist: Dovecot's dict process runs as its owner.
    let db = std::env::temp_dir().join(format!("pec-cli-mail-{}.db", std::process::id()));
    let sqlite = format!("sqlite://{}?mode=rwc", db.display());
    let out = run(&sqlite, &["mail-config", "dovecot", "--cartella", target]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("avviare prima il server"), "no database file yet");
    std::fs::write(&db, b"").unwrap();
    let out = run(&sqlite, &["mail-config", "dovecot", "--cartella", target]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sql = std::fs::read_to_string(dir.join("dovecot-sql.conf.ext")).unwrap();
    assert!(sql.contains(&format!("driver = sqlite\nconnect = {}\n", db.display())), "{sql}");
    let conf = std::fs::read_to_string(dir.join("dovecot.conf")).unwrap();
    assert!(conf.contains("port = 1143") && conf.contains(&format!("service dict {{\n  user = {me}\n")));
    // The platform's side: how to reach doveadm, with a key that a second run keeps.
    let env = std::fs::read_to_string(dir.join("pec-manager.env")).unwrap();
    assert!(env.contains("PEC_MAIL_PLATFORM=dovecot\nPEC_DOVEADM_URL=http://127.0.0.1:8080/doveadm/v1\n"));
    let key = env.lines().find_map(|l| l.strip_prefix("PEC_DOVEADM_API_KEY=")).unwrap().to_string();
    assert!(key.len() >= 32 && conf.contains(&format!("doveadm_api_key = {key}\n")));
    let mode = |name: &str| std::fs::metadata(dir.join(name)).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode("pec-manager.env"), mode("dovecot.conf")), (0o600, 0o600), "they hold the key");
    assert!(run(&sqlite, &["mail-config", "dovecot", "--cartella", target]).status.success());
    assert!(std::fs::read_to_string(dir.join("pec-manager.env")).unwrap().contains(&key));
    let _ = std::fs::remove_file(&db);
    // PostgreSQL: the role's SQL is printed; its password stays in the file, not on the screen.
    let out =
        run("postgres://pec_mail:segreta@db.example/pec", &["mail-config", "dovecot", "--cartella", target]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("GRANT SELECT ON mail_accounts, mail_passdb TO pec_mail"), "{stdout}");
    assert!(stdout.contains("GRANT SELECT, INSERT, UPDATE, DELETE ON mail_usage TO pec_mail"), "{stdout}");
    assert!(!stdout.contains("segreta"));
    // What it does not know is refused with its reason.
    let out = run("sqlite:///srv/pec.db", &["mail-config", "postfix", "--cartella", target]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("è supportato solo dovecot"));
    let out =
        run("sqlite:///srv/pec.db", &["mail-config", "dovecot", "--cartella", target, "--porta-imap", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--porta-imap: una porta da 1 a 65535"));
    let _ = std::fs::remove_dir_all(&dir);
}
