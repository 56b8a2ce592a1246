//! The mail platform (issue 24): the configuration with which Dovecot 2.3 reads the platform's
//! accounts from the view `mail_accounts` (migrations `*_mail_platform.sql`) — nothing is
//! copied, so a suspension, a revocation or an expiry date in the past is seen at the next
//! login. `pec-manager mail-config dovecot` writes it; the tests run a real Dovecot with it.

use std::path::PathBuf;

/// Where the mail server finds the platform's database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailDatabase {
    /// The SQLite file, which Dovecot opens itself.
    Sqlite(PathBuf),
    /// PostgreSQL, as the mail servers' own role, which may read only `mail_accounts`
    /// (`grant_sql`).
    Postgres(PgTarget),
}

/// A PostgreSQL database and the role that reaches it, in parts: Dovecot and Postfix each take
/// them in their own syntax, and neither then has a URL with the password in it to print when
/// a connection fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub dbname: String,
}

impl PgTarget {
    fn parse(text: &str) -> Result<Self, String> {
        let refused = |what: &str| {
            format!("URL di PostgreSQL non valido ({what}): {}", crate::store::redacted_url(text))
        };
        let url = url::Url::parse(text).map_err(|_| refused("forma"))?;
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8().map(|s| s.into_owned());
        let user = decode(url.username()).map_err(|_| refused("utente"))?;
        let password = decode(url.password().unwrap_or_default()).map_err(|_| refused("password"))?;
        let dbname = decode(url.path().trim_start_matches('/')).map_err(|_| refused("database"))?;
        let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_string();
        let target = PgTarget { host, port: url.port().unwrap_or(5432), user, password, dbname };
        // Each part becomes a line of a configuration file: no line breaks, and none empty.
        for (what, part) in [("host", &target.host), ("utente", &target.user), ("database", &target.dbname)] {
            if part.is_empty() {
                return Err(refused(what));
            }
        }
        let parts = [&target.host, &target.user, &target.password, &target.dbname];
        if parts.iter().any(|p| p.chars().any(char::is_control)) {
            return Err(refused("caratteri di controllo"));
        }
        Ok(target)
    }

    /// libpq's `key=value` form for Dovecot, each value quoted.
    fn conninfo(&self) -> String {
        let quote = |v: &str| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"));
        format!(
            "host={} port={} dbname={} user={} password={}",
            quote(&self.host),
            self.port,
            quote(&self.dbname),
            quote(&self.user),
            quote(&self.password)
        )
    }

    /// Postfix's pgsql table parameters.
    fn postfix(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        format!(
            "hosts = inet:{host}:{}\nuser = {}\npassword = {}\ndbname = {}",
            self.port, self.user, self.password, self.dbname
        )
    }
}

impl MailDatabase {
    /// From a `DATABASE_URL` as the platform takes it.
    pub fn from_url(url: &str) -> Result<Self, String> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//").split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err("un database SQLite in memoria non è leggibile dal server di posta".into());
            }
            // The path becomes a line of Dovecot's and Postfix's configuration.
            if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(
                    "il percorso del database SQLite non può contenere spazi o caratteri di controllo".into(),
                );
            }
            let path = std::path::absolute(path).map_err(|e| format!("percorso del database: {e}"))?;
            Ok(Self::Sqlite(path))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(PgTarget::parse(url)?))
        } else {
            Err(format!("URL del database non supportato: {}", crate::store::redacted_url(url)))
        }
    }
}

/// What `mail-config dovecot` is told.
#[derive(Clone, Debug)]
pub struct DovecotSetup {
    /// Dovecot's own folder: its configuration, sockets, state, log and the mail itself.
    pub dir: PathBuf,
    /// The addresses Dovecot listens on, separated by spaces.
    pub listen: String,
    pub imap_port: u16,
    pub lmtp_port: u16,
    /// doveadm's HTTP API, through which the platform pushes its jobs (kick, purge, recalc).
    pub doveadm_port: u16,
    /// Its `doveadm_api_key` (the platform's `PEC_DOVEADM_API_KEY`).
    pub api_key: String,
    pub database: MailDatabase,
    /// The system user that owns the mail on disk.
    pub mail_user: String,
    /// The user Dovecot's dict process runs as, which writes the used space into `mail_usage`:
    /// on SQLite the database file's owner (it writes that file), on PostgreSQL the mail user.
    /// It owns the dict's configuration file, which holds the role's password.
    pub dict_user: String,
}

impl DovecotSetup {
    /// Every value goes into a configuration file line or a command: an address that is not
    /// one, a user name that is not one, or a folder with blanks or control characters would
    /// write lines of its own into Dovecot's or Postfix's configuration.
    pub fn check(&self) -> Result<(), String> {
        let addresses: Vec<&str> = self.listen.split_whitespace().collect();
        if addresses.is_empty() || addresses.iter().any(|a| a.parse::<std::net::IpAddr>().is_err()) {
            return Err("--indirizzo: uno o più indirizzi IP separati da spazi".into());
        }
        let name_ok = |n: &str| {
            n.len() <= 32
                && n.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        };
        if !name_ok(&self.mail_user) {
            return Err("--utente-posta: un nome di utente di sistema (a-z, 0-9, _ e -)".into());
        }
        if !name_ok(&self.dict_user) {
            return Err("l'utente proprietario del database SQLite non è un nome di utente di sistema".into());
        }
        if self.api_key.len() < 16 || !self.api_key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("la chiave dell'API di doveadm: almeno 16 lettere o cifre".into());
        }
        let dir = self.dir.to_string_lossy();
        if dir.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("--cartella: un percorso senza spazi né caratteri di controllo".into());
        }
        Ok(())
    }
}

/// The usual name of the mail servers' PostgreSQL role.
pub const MAIL_ROLE: &str = "pec_mail";

/// Dovecot's user lookup. `%u` is the login as typed: Dovecot escapes it for the SQL driver (and
/// refuses characters outside `auth_username_chars` before asking), and it is compared
/// lower-cased, as addresses are stored. Who receives is the view's rule; doveadm (`%s`, the
/// service) also finds a mailbox that no longer receives, whose mail the platform's purge job
/// removes. The password lookup is [`passdb_auth_file`]'s.
fn sql_queries(database: &MailDatabase) -> String {
    let user = match database {
        MailDatabase::Sqlite(_) => {
            "SELECT login AS user, quota_rule FROM mail_accounts \
             WHERE login = lower('%u') AND (may_receive = 1 OR '%s' = 'doveadm')"
        }
        // The same, through a function that keeps its plan (migration *_mail_jobs.sql).
        MailDatabase::Postgres(_) => "SELECT login AS user, quota_rule FROM mail_user(lower('%u'), '%s')",
    };
    format!(
        "user_query = {user}\n\
         iterate_query = SELECT login AS user FROM mail_accounts WHERE may_receive = 1\n"
    )
}

/// The view Dovecot's password lookup reads (migration *_mail_passdb.sql): a login that may log
/// in, and as one JSON object its password and the mailbox it opens (an additional user's login
/// opens the holder's mailbox: the lookup answers that as the user). Its two columns.
pub const PASSDB_VIEW: &str = "mail_passdb";
const PASSDB_KEY: &str = "login";
const PASSDB_VALUE: &str = "fields";

/// The statement Dovecot's dict process sends for a password lookup of `login` (already
/// lower-cased and quoted), as its dict-sql driver writes it from [`passdb_dict_file`]'s map:
/// what the benchmark times.
pub fn passdb_lookup_sql(quoted_login: &str) -> String {
    format!("SELECT {PASSDB_VALUE} FROM {PASSDB_VIEW} WHERE {PASSDB_KEY} = {quoted_login}")
}

/// Dovecot's dict service for the platform's database. PostgreSQL's driver is asynchronous: one
/// `dict-async` process serves every client over a few connections, where the `dict` service
/// (one process, so connections, per client) ran PostgreSQL out of connections under 50
/// parallel logins. SQLite's driver blocks, so each client keeps a `dict` process of its own.
fn dict_service(setup: &DovecotSetup) -> &'static str {
    match setup.database {
        MailDatabase::Sqlite(_) => "dict",
        MailDatabase::Postgres(_) => "dict-async",
    }
}

/// The password lookup's passdb: through Dovecot's dict process. Dovecot counts a dict passdb
/// as blocking, so it verifies each password (argon2, the costly part of a login) in its
/// auth-worker processes, one per core; an SQL passdb on an asynchronous driver (pgsql) is
/// verified in its single auth process, one core for every login.
fn passdb_auth_file(setup: &DovecotSetup) -> String {
    format!(
        "# Written by `pec-manager mail-config dovecot`: Dovecot's password lookup, from the\n\
         # platform's view mail_passdb through the dict process ({DICT_PASSDB}). The\n\
         # login is compared lower-cased, as addresses are stored.\n\
         uri = proxy:{}:passdb\n\
         key passdb {{\n  key = passdb/%Lu\n  format = json\n}}\n\
         passdb_objects = passdb\n\
         iterate_disable = yes\n",
        dict_service(setup)
    )
}

/// The dict process's map for the password lookup: the view, read-only.
fn passdb_dict_file(setup: &DovecotSetup) -> String {
    let (_, connect) = driver_and_connect(setup);
    format!(
        "# Written by `pec-manager mail-config dovecot`: each login that may log in, its password and\n\
         # the mailbox it opens (docs/DOMAIN.md, \"The mail platform\"), read-only.\n\
         connect = {connect}\n\
         map {{\n  pattern = shared/passdb/${PASSDB_KEY}\n  table = {PASSDB_VIEW}\n  value_field = {PASSDB_VALUE}\n  \
         fields {{\n    {PASSDB_KEY} = ${PASSDB_KEY}\n  }}\n}}\n"
    )
}

/// Dovecot's SQL driver for the platform's database, and how it connects.
fn driver_and_connect(setup: &DovecotSetup) -> (&'static str, String) {
    match &setup.database {
        MailDatabase::Sqlite(path) => ("sqlite", path.display().to_string()),
        MailDatabase::Postgres(target) => ("pgsql", target.conninfo()),
    }
}

/// quota_clone's dictionary: each mailbox's used bytes and message count, into `mail_usage`.
fn dict_file(setup: &DovecotSetup) -> String {
    let (_, connect) = driver_and_connect(setup);
    let map = |key: &str, field: &str| {
        format!(
            "map {{\n  pattern = priv/quota/{key}\n  table = mail_usage\n  username_field = login\n  value_field = {field}\n}}\n"
        )
    };
    format!(
        "# Written by `pec-manager mail-config dovecot`: quota_clone writes each mailbox's used\n\
         # space into the platform's table mail_usage (\"Spazio disco (usato …)\").\n\
         connect = {connect}\n\
         {}{}",
        map("storage", "bytes"),
        map("messages", "messages")
    )
}

fn sql_file(setup: &DovecotSetup) -> String {
    let (driver, connect) = driver_and_connect(setup);
    format!(
        "# Written by `pec-manager mail-config dovecot`: Dovecot's accounts are the platform's\n\
         # view mail_accounts (docs/DOMAIN.md, \"The mail platform\").\n\
         driver = {driver}\n\
         connect = {connect}\n\
         {}",
        sql_queries(&setup.database)
    )
}

fn dovecot_conf(setup: &DovecotSetup) -> String {
    let dir = setup.dir.display();
    let (listen, imap, lmtp, user) = (&setup.listen, setup.imap_port, setup.lmtp_port, &setup.mail_user);
    let (doveadm, api_key) = (setup.doveadm_port, &setup.api_key);
    let doveadm_address = listen.split_whitespace().next().unwrap_or("127.0.0.1");
    let (driver, _) = driver_and_connect(setup);
    let (dict_user, dict) = (&setup.dict_user, dict_service(setup));
    format!(
        r#"# Written by `pec-manager mail-config dovecot` for Dovecot 2.3: the mailboxes of pec-manager,
# read from its database (dovecot-dict-*.conf.ext, dovecot-sql.conf.ext), nothing copied. Start with
#   dovecot -F -c {dir}/dovecot.conf
# IMAP on {listen}:{imap}, LMTP (delivery from Postfix) on {listen}:{lmtp}, doveadm's HTTP API
# (the platform's jobs: PEC_DOVEADM_URL=http://{doveadm_address}:{doveadm}/doveadm/v1) on
# {doveadm_address}:{doveadm}.
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap lmtp
listen = {listen}
# Plain-text logins only over loopback or TLS (Dovecot counts loopback as secured); put a
# certificate here (ssl = required, ssl_cert, ssl_key) for clients elsewhere.
ssl = no
disable_plaintext_auth = yes
auth_mechanisms = plain login
# The login is the mailbox address; what else may appear in one is refused before any lookup.
auth_username_chars = abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567890.-_@+
auth_failure_delay = 2 secs
mail_location = maildir:{dir}/mail/%d/%n
mail_uid = {user}
mail_gid = {user}
first_valid_uid = 1
mail_plugins = $mail_plugins quota quota_clone
# The platform's PEC_DOVEADM_API_KEY; whoever holds it may do anything to the mailboxes.
doveadm_api_key = {api_key}

service imap-login {{
  inet_listener imap {{
    address = {listen}
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
  # A login process serves up to 100 connections before a fresh one replaces it, rather than
  # one (Dovecot's default): a login then costs no new process, and an exploited process still
  # sees few connections. Two wait ready.
  service_count = 100
  process_min_avail = 2
}}
service lmtp {{
  inet_listener lmtp {{
    address = {listen}
    port = {lmtp}
  }}
}}
service doveadm {{
  inet_listener http {{
    address = {doveadm_address}
    port = {doveadm}
  }}
}}
# doveadm's commands run as the mail user; kick asks anvil who is connected.
service anvil {{
  unix_listener anvil {{
    user = {user}
    mode = 0600
  }}
}}
service {dict} {{
  user = {dict_user}
  unix_listener {dict} {{
    user = {user}
    mode = 0600
  }}
}}
dict {{
  usage = {driver}:{dir}/{DICT_USAGE}
  passdb = {driver}:{dir}/{DICT_PASSDB}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}

# Passwords through the dict process (dovecot-dict-auth.conf.ext): verified in the auth-workers.
passdb {{
  driver = dict
  args = {dir}/dovecot-dict-auth.conf.ext
}}
userdb {{
  driver = sql
  args = {dir}/dovecot-sql.conf.ext
}}

protocol imap {{
  mail_plugins = $mail_plugins imap_quota
}}
# An IMAP process serves one connection at a time and up to 100 in turn before a fresh one
# replaces it, instead of one: starting it cost about 7 ms of CPU, a third of what a login cost
# beside argon2. Every mailbox is the same system user here (mail_uid), so a process per
# connection separated nothing the operating system enforces.
service imap {{
  service_count = 100
}}
# Processes serving many connections each may all hold one to the auth service: Dovecot counts
# up to 1,324 with these limits.
service auth {{
  client_limit = 2000
}}
protocol lmtp {{
  postmaster_address = postmaster@localhost
}}
# A certified mailbox is its exact address: no "+detail" delivered to it (an additional user's
# login, local+uN@domain, receives nothing), as Postfix's maps say.
recipient_delimiter =
plugin {{
  # The limit is the mailbox's disk space (quota_rule of the view).
  quota = count:User quota
  quota_vsizes = yes
  # Each mailbox's used space, into the platform's table mail_usage.
  quota_clone_dict = proxy:{dict}:usage
}}
"#
    )
}

/// A Postfix lookup table on the view: `query` with Postfix's `%s` (the key, SQL-quoted by
/// Postfix).
fn postfix_map(setup: &DovecotSetup, what: &str, query: &str) -> String {
    let source = match &setup.database {
        MailDatabase::Sqlite(path) => format!("dbpath = {}", path.display()),
        MailDatabase::Postgres(target) => target.postfix(),
    };
    format!(
        "# Written by `pec-manager mail-config dovecot`: {what}, from the platform's view\n\
         # mail_accounts.\n\
         {source}\n\
         query = {query}\n"
    )
}

/// The lookup type Postfix uses for the platform's database.
fn postfix_type(setup: &DovecotSetup) -> &'static str {
    match setup.database {
        MailDatabase::Sqlite(_) => "sqlite",
        MailDatabase::Postgres(_) => "pgsql",
    }
}

/// What to add to Postfix's `main.cf`: the platform's domains and mailboxes are Postfix's
/// virtual mailboxes, delivered over LMTP to this Dovecot.
fn postfix_main(setup: &DovecotSetup) -> String {
    let (dir, kind) = (setup.dir.display(), postfix_type(setup));
    let lmtp = setup.listen.split_whitespace().next().unwrap_or("127.0.0.1");
    format!(
        "# Written by `pec-manager mail-config dovecot`: add to Postfix's main.cf (postconf -e, or\n\
         # by hand). Mail for the platform's mailboxes goes over LMTP to its Dovecot; an address\n\
         # that may not receive (revoked, past the grace period, unknown) is refused at RCPT.\n\
         # The maps may hold the mail role's password: chgrp postfix {dir}/postfix-*.cf\n\
         virtual_mailbox_domains = {kind}:{dir}/postfix-domains.cf\n\
         virtual_mailbox_maps = {kind}:{dir}/postfix-mailboxes.cf\n\
         virtual_transport = lmtp:inet:{lmtp}:{port}\n",
        port = setup.lmtp_port
    )
}

/// The dict process's files: quota_clone's used space, and the password lookup.
const DICT_USAGE: &str = "dovecot-dict-sql.conf.ext";
const DICT_PASSDB: &str = "dovecot-dict-passdb.conf.ext";

/// The files of a Dovecot that serves the platform's mailboxes, and of the Postfix that
/// delivers to it: (name in `setup.dir`, text).
pub fn dovecot_files(setup: &DovecotSetup) -> Vec<(&'static str, String)> {
    vec![
        ("dovecot.conf", dovecot_conf(setup)),
        ("dovecot-sql.conf.ext", sql_file(setup)),
        (DICT_USAGE, dict_file(setup)),
        ("dovecot-dict-auth.conf.ext", passdb_auth_file(setup)),
        (DICT_PASSDB, passdb_dict_file(setup)),
        (PLATFORM_ENV, platform_env(setup)),
        ("postfix-main.cf", postfix_main(setup)),
        (
            "postfix-mailboxes.cf",
            postfix_map(
                setup,
                "the mailboxes that may receive",
                "SELECT login FROM mail_accounts WHERE login = lower('%s') AND may_receive = 1",
            ),
        ),
        (
            "postfix-domains.cf",
            postfix_map(
                setup,
                "the domains with a mailbox that may receive",
                "SELECT domain FROM mail_accounts WHERE domain = lower('%s') AND may_receive = 1 LIMIT 1",
            ),
        ),
    ]
}

/// The SQL an administrator runs once on PostgreSQL for the mail servers' role: it may read
/// `mail_accounts` and `mail_passdb` and write the used space into `mail_usage`, nothing else
/// (the views read the tables with their owner's rights).
pub fn grant_sql(database: &str, role: &str) -> String {
    // The database's name is an identifier in double quotes: a quote inside it is doubled.
    let database = database.replace('"', "\"\"");
    format!(
        "-- The mail servers' role: it reads the views mail_accounts and mail_passdb and writes mail_usage.\n\
         CREATE ROLE {role} LOGIN PASSWORD 'choose-a-password';\n\
         REVOKE ALL ON DATABASE \"{database}\" FROM PUBLIC;\n\
         GRANT CONNECT ON DATABASE \"{database}\" TO {role};\n\
         REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n\
         GRANT USAGE ON SCHEMA public TO {role};\n\
         GRANT SELECT ON mail_accounts, mail_passdb TO {role};\n\
         GRANT SELECT, INSERT, UPDATE, DELETE ON mail_usage TO {role};\n"
    )
}

/// What the platform is told of this Dovecot: `pec-manager.env`, to load before starting it.
fn platform_env(setup: &DovecotSetup) -> String {
    let address = setup.listen.split_whitespace().next().unwrap_or("127.0.0.1");
    let host = if address.contains(':') { format!("[{address}]") } else { address.to_string() };
    format!(
        "# Written by `pec-manager mail-config dovecot`: the platform's settings for this Dovecot\n\
         # (load them into the environment of every pec-manager server process).\n\
         PEC_MAIL_PLATFORM=dovecot\n\
         PEC_DOVEADM_URL=http://{host}:{}/doveadm/v1\n\
         PEC_DOVEADM_API_KEY={}\n",
        setup.doveadm_port, setup.api_key
    )
}

/// The file in a Dovecot folder that tells the platform how to reach it.
pub const PLATFORM_ENV: &str = "pec-manager.env";

/// The doveadm API key of the folder `dir`: the one written there before (the platform already
/// has it), else a new random one.
pub fn api_key_for(dir: &std::path::Path) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    let kept = std::fs::read_to_string(dir.join(PLATFORM_ENV)).ok().and_then(|text| {
        text.lines().find_map(|l| l.strip_prefix("PEC_DOVEADM_API_KEY=").map(|k| k.trim().to_string()))
    });
    kept.filter(|k| k.len() >= 16 && k.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| Alphanumeric.sample_string(&mut rand::rng(), 40))
}

/// The system user owning the SQLite file, which Dovecot's dict process must run as to write
/// the used space into it.
pub fn sqlite_owner(path: &std::path::Path) -> Result<String, String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata(path)
        .map_err(|e| {
            format!("database SQLite {}: {e} (avviare prima il server, che lo crea)", path.display())
        })?
        .uid();
    let out = std::process::Command::new("id")
        .args(["-nu", &uid.to_string()])
        .output()
        .map_err(|e| format!("id -nu {uid}: {e}"))?;
    let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || name.is_empty() {
        return Err(format!("nessun utente di sistema con uid {uid}, proprietario di {}", path.display()));
    }
    Ok(name)
}

/// Writes [`dovecot_files`] into `setup.dir` (made if missing, with the folders Dovecot needs);
/// the files that may hold the role's password readable by their owner only; the mail
/// folder given to the mail user (`chown`, when run as root).
pub fn write_dovecot(setup: &DovecotSetup) -> std::io::Result<Vec<PathBuf>> {
    use std::os::unix::fs::PermissionsExt;
    setup.check().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    for sub in ["run", "state", "mail"] {
        std::fs::create_dir_all(setup.dir.join(sub))?;
    }
    let mail = setup.dir.join("mail");
    let owned =
        std::process::Command::new("chown").arg(format!("{0}:{0}", setup.mail_user)).arg(&mail).status()?;
    if !owned.success() {
        return Err(std::io::Error::other(format!("chown {} {}: {owned}", setup.mail_user, mail.display())));
    }
    let mut written = Vec::new();
    for (name, text) in dovecot_files(setup) {
        let path = setup.dir.join(name);
        std::fs::write(&path, text)?;
        // These may hold the mail role's password: Dovecot reads its own as root (or as the
        // user it runs as); Postfix's
        // daemons read the maps through their group (`chgrp postfix`, as postfix-main.cf says).
        // dovecot.conf and pec-manager.env hold doveadm's API key.
        if name.ends_with(".ext") || name == "dovecot.conf" || name == PLATFORM_ENV {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        } else if name.starts_with("postfix-") && name != "postfix-main.cf" {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640))?;
        }
        written.push(path);
    }
    // Read by the dict process, which runs as its own user.
    for name in [DICT_USAGE, DICT_PASSDB] {
        let dict = setup.dir.join(name);
        let owned = std::process::Command::new("chown").arg(&setup.dict_user).arg(&dict).status()?;
        if !owned.success() {
            return Err(std::io::Error::other(format!(
                "chown {} {}: {owned}",
                setup.dict_user,
                dict.display()
            )));
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_become_what_dovecot_reads() {
        assert!(matches!(
            MailDatabase::from_url("sqlite:///var/lib/pec/pec.db?mode=rwc"),
            Ok(MailDatabase::Sqlite(p)) if p == std::path::Path::new("/var/lib/pec/pec.db")
        ));
        assert!(MailDatabase::from_url("sqlite::memory:").is_err());
        assert!(MailDatabase::from_url("sqlite:///srv/pec.db\nconnect = altro").is_err());
        let Ok(MailDatabase::Postgres(target)) =
            MailDatabase::from_url("postgres://pec_mail:a%20b'c@db:5433/pec?sslmode=require")
        else {
            panic!("a PostgreSQL URL")
        };
        assert_eq!(
            target,
            PgTarget {
                host: "db".into(),
                port: 5433,
                user: "pec_mail".into(),
                password: "a b'c".into(),
                dbname: "pec".into()
            }
        );
        assert_eq!(target.conninfo(), "host='db' port=5433 dbname='pec' user='pec_mail' password='a b\\'c'");
        assert!(target.postfix().starts_with("hosts = inet:db:5433\nuser = pec_mail\n"));
        for bad in ["postgres://db/pec", "postgres://u@db/", "postgres://u:a%0Ab@db/pec"] {
            assert!(MailDatabase::from_url(bad).is_err(), "{bad}");
        }
        let refused = MailDatabase::from_url("mysql://root:segreta@db/pec").unwrap_err();
        assert!(!refused.contains("segreta"), "{refused}");
    }

    #[test]
    fn the_lookups_read_only_the_views_with_the_login_escaped_by_dovecot() {
        let setup = DovecotSetup {
            dir: "/srv/dovecot".into(),
            listen: "127.0.0.1".into(),
            imap_port: 1143,
            lmtp_port: 1024,
            doveadm_port: 8080,
            api_key: "a".repeat(40),
            database: MailDatabase::Sqlite("/srv/pec.db".into()),
            mail_user: "dovecot".into(),
            dict_user: "pec".into(),
        };
        let files = dovecot_files(&setup);
        let file = |name: &str| &files.iter().find(|(n, _)| *n == name).unwrap().1;
        assert!(file("dovecot-sql.conf.ext").contains("driver = sqlite\nconnect = /srv/pec.db\n"));
        let queries: Vec<&str> =
            files.iter().flat_map(|(_, text)| text.lines()).filter(|l| l.contains("query =")).collect();
        assert_eq!(queries.len(), 4, "Dovecot's two, Postfix's two");
        for line in queries {
            assert!(line.contains("FROM mail_accounts WHERE"), "{line}");
            assert!(!line.contains("mailboxes"), "{line}");
        }
        // Passwords through the dict process, from the view mail_passdb only, the login
        // lower-cased: a passdb Dovecot verifies in its auth-workers.
        assert!(file("dovecot.conf").contains("passdb {\n  driver = dict\n"));
        assert!(file("dovecot.conf").contains("passdb = sqlite:/srv/dovecot/dovecot-dict-passdb.conf.ext"));
        assert!(file("dovecot-dict-auth.conf.ext").contains("uri = proxy:dict:passdb\n"));
        assert!(file("dovecot-dict-auth.conf.ext").contains("key = passdb/%Lu\n"));
        let passdb = file(DICT_PASSDB);
        assert!(passdb.contains("connect = /srv/pec.db\n") && passdb.contains("table = mail_passdb\n"));
        assert!(!files.iter().any(|(_, text)| text.contains("password_query")));
        assert!(file("dovecot.conf").contains("port = 1143"));
        // On PostgreSQL, through the functions that keep their plans.
        let pg = DovecotSetup {
            database: MailDatabase::from_url("postgres://pec_mail:x@db/pec").unwrap(),
            ..setup.clone()
        };
        let pg_sql = dovecot_files(&pg).into_iter().find(|(n, _)| *n == "dovecot-sql.conf.ext").unwrap().1;
        assert!(pg_sql.contains("FROM mail_user(lower('%u'), '%s')"));
        // PostgreSQL's lookups and writes go through one dict-async process, over few connections.
        let pg_files = dovecot_files(&pg);
        let pg_file = |name: &str| pg_files.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        assert!(pg_file("dovecot-dict-auth.conf.ext").contains("uri = proxy:dict-async:passdb\n"));
        assert!(pg_file("dovecot.conf")
            .contains("service dict-async {\n  user = pec\n  unix_listener dict-async {"));
        assert!(pg_file("dovecot.conf").contains("quota_clone_dict = proxy:dict-async:usage\n"));
        assert_eq!(setup.check(), Ok(()));
        for bad in [
            DovecotSetup { listen: "127.0.0.1\nauth_mechanisms = anonymous".into(), ..setup.clone() },
            DovecotSetup { listen: String::new(), ..setup.clone() },
            DovecotSetup { mail_user: "root:root /".into(), ..setup.clone() },
            DovecotSetup { dir: "/srv/a b".into(), ..setup.clone() },
            DovecotSetup { api_key: "corta".into(), ..setup.clone() },
            DovecotSetup {
                api_key: format!("{}\nauth_mechanisms = anonymous", "a".repeat(20)),
                ..setup.clone()
            },
            DovecotSetup { dict_user: "root\n".into(), ..setup.clone() },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
        assert!(grant_sql("pe\"c", MAIL_ROLE).contains("DATABASE \"pe\"\"c\""));
        assert!(file("postfix-main.cf").contains("virtual_transport = lmtp:inet:127.0.0.1:1024"));
        assert!(file("postfix-mailboxes.cf").contains("dbpath = /srv/pec.db"));
        // quota_clone writes the used space into mail_usage, through the dict process running as
        // the SQLite file's owner; the platform reaches doveadm with the key written for it.
        assert!(file("dovecot-dict-sql.conf.ext").contains("connect = /srv/pec.db\n"));
        assert!(file("dovecot-dict-sql.conf.ext").contains("table = mail_usage"));
        assert!(file("dovecot.conf").contains("usage = sqlite:/srv/dovecot/dovecot-dict-sql.conf.ext"));
        assert!(file("dovecot.conf").contains("service dict {\n  user = pec\n"));
        assert!(file(PLATFORM_ENV).contains("PEC_DOVEADM_URL=http://127.0.0.1:8080/doveadm/v1\n"));
        assert!(file(PLATFORM_ENV).contains(&format!("PEC_DOVEADM_API_KEY={}\n", "a".repeat(40))));
    }
}
