//! Deliveries in PostgreSQL: `--deliveries postgresql://user@host/db?table=T`
//! (or `?query=SELECT …`). The count runs in the database — the query of
//! `warehouse`, streamed back with `COPY … TO STDOUT` — so no raw row
//! crosses the wire; only the orders of complaints that need their delivery
//! are looked up. The password comes from the URL, `PGPASSWORD` or
//! `~/.pgpass` (`PGPASSFILE`) and is never shown.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, anyhow};
use postgres::error::SqlState;
use postgres::types::Type;
use postgres::{CancelToken, Client, Config, NoTls};
use std::time::Duration;

use super::tls::{Rustls, SslMode, TlsRequest};
use super::warehouse::{DeliveriesQuery, Dialect, Relation};
use crate::guard::{Deadline, HookGuard};

/// A connected PostgreSQL source of deliveries.
pub struct Postgres {
    client: Mutex<Client>,
    /// The URL without its password, for messages and the ledger.
    pub shown: String,
    pub relation: Relation,
    /// The source's columns and their types.
    pub columns: Vec<(String, Type)>,
    /// `--db-timeout`.
    timeout: Option<Duration>,
    cancel_token: CancelToken,
    mode: SslMode,
    connector: Rustls,
    /// Cancels the running query if the run is cut short (Ctrl-C, the
    /// memory limit).
    _cancel: HookGuard,
}

/// Connect as `sslmode` asks (libpq's meaning, [`super::tls`]).
fn open(config: &mut Config, mode: SslMode, tls: &Rustls) -> std::result::Result<Client, postgres::Error> {
    use postgres::config::SslMode as Driver;
    let plain = |config: &mut Config| config.ssl_mode(Driver::Disable).connect(NoTls);
    match mode {
        SslMode::Disable => plain(config),
        // Plain text first; TLS only when the server insists.
        SslMode::Allow => match plain(config) {
            Err(e) if e.code() == Some(&SqlState::INVALID_AUTHORIZATION_SPECIFICATION) => {
                config.ssl_mode(Driver::Require).connect(tls.clone())
            }
            other => other,
        },
        SslMode::Prefer => config.ssl_mode(Driver::Prefer).connect(tls.clone()),
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            config.ssl_mode(Driver::Require).connect(tls.clone())
        }
    }
}

/// Ask the server to cancel the running query, over TLS where the
/// session may be; best effort (the run is leaving either way).
fn cancel_query(token: &CancelToken, mode: SslMode, tls: &Rustls) {
    let sent = match mode {
        SslMode::Disable => token.cancel_query(NoTls),
        _ => token.cancel_query(tls.clone()),
    };
    if let Err(e) = sent {
        eprintln!("complaint-rate: could not cancel the query in the database: {e}");
    }
}

/// Whether `--deliveries` names a PostgreSQL database.
pub fn is_url(given: &Path) -> bool {
    let text = given.to_string_lossy();
    text.starts_with("postgresql://") || text.starts_with("postgres://")
}

/// `%2F` → `/`.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A `--deliveries postgresql://…` URL taken apart.
struct Url {
    /// What the driver parses: no password, no TLS settings, no source.
    driver: String,
    password: Option<String>,
    relation: Relation,
    /// For messages and the outputs: no password.
    shown: String,
    /// `sslmode` and `sslrootcert`, which the driver does not know as libpq does.
    sslmode: Option<String>,
    sslrootcert: Option<String>,
}

/// The URL split into what the driver takes, the source (`table` or
/// `query`) and the TLS settings; the password, if any, taken out.
fn split_url(url: &str) -> Result<Url> {
    let (base, params) = url.split_once('?').unwrap_or((url, ""));
    let mut relation = None;
    let mut kept = Vec::new();
    let (mut sslmode, mut sslrootcert) = (None, None);
    for pair in params.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "table" => relation = Some(Relation::Table(percent_decode(value))),
            "query" => relation = Some(Relation::Query(percent_decode(value))),
            "sslmode" => sslmode = Some(percent_decode(value)),
            "sslrootcert" => sslrootcert = Some(percent_decode(value)),
            _ => kept.push(pair.to_string()),
        }
    }
    let relation = relation.with_context(|| {
        format!(
            "{}: name the deliveries in the URL: ?table=NAME (or ?query=SELECT …)",
            shown_without_password(url)
        )
    })?;
    // user:password@ → user@, the password kept apart.
    let (scheme, rest) = base.split_once("://").expect("checked by is_url");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, host) = authority.rsplit_once('@').map(|(u, h)| (Some(u), h)).unwrap_or((None, authority));
    let (user, password) = match userinfo {
        Some(info) => match info.split_once(':') {
            Some((u, p)) => (Some(u), Some(percent_decode(p))),
            None => (Some(info), None),
        },
        None => (None, None),
    };
    let authority = match user {
        Some(u) => format!("{u}@{host}"),
        None => host.to_string(),
    };
    let mut driver = format!("{scheme}://{authority}/{path}");
    if !kept.is_empty() {
        driver.push('?');
        driver.push_str(&kept.join("&"));
    }
    let shown = format!(
        "{driver}{}{}",
        if kept.is_empty() { "?" } else { "&" },
        match &relation {
            Relation::Table(t) => format!("table={t}"),
            Relation::Query(_) => "query=…".into(),
        }
    );
    Ok(Url { driver, password, relation, shown, sslmode, sslrootcert })
}

fn shown_without_password(url: &str) -> String {
    match url
        .split_once("://")
        .and_then(|(s, rest)| rest.split_once('@').map(|(info, after)| (s, info, after)))
    {
        Some((scheme, info, after)) => {
            let user = info.split_once(':').map(|(u, _)| u).unwrap_or(info);
            format!("{scheme}://{user}@{after}")
        }
        None => url.to_string(),
    }
}

/// The password for (host, port, db, user) in a pgpass file.
fn pgpass_password(file: &Path, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        // Fields split at unescaped ':'; `\:` and `\\` are escapes.
        let mut fields = vec![String::new()];
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => fields.last_mut().expect("one").extend(chars.next()),
                ':' => fields.push(String::new()),
                c => fields.last_mut().expect("one").push(c),
            }
        }
        if fields.len() != 5 {
            continue;
        }
        let fits = |field: &str, value: &str| field == "*" || field == value;
        if fits(&fields[0], host)
            && fits(&fields[1], &port.to_string())
            && fits(&fields[2], db)
            && fits(&fields[3], user)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

/// A driver error as a sentence naming the host and the source, never the
/// password, with what to do.
fn explain(error: postgres::Error, shown: &str, relation: &Relation) -> anyhow::Error {
    let what = match relation {
        Relation::Table(t) => format!("table {t}"),
        Relation::Query(_) => "the query".into(),
    };
    let message = error.as_db_error().map(|e| e.message().to_string()).unwrap_or_else(|| {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    });
    if let Some(tls) = super::tls::explain_failure(&message) {
        return anyhow!("{shown}: {tls}");
    }
    let advice = match error.code() {
        Some(c) if *c == SqlState::QUERY_CANCELED => {
            "the count ran longer than --db-timeout and was cancelled in the database; raise --db-timeout, or \
             count fewer days (--from/--to)"
                .to_string()
        }
        Some(c) if *c == SqlState::READ_ONLY_SQL_TRANSACTION => {
            "the deliveries are read in a read-only transaction, and the query tried to write".to_string()
        }
        Some(c) if *c == SqlState::UNDEFINED_TABLE => format!("{what} does not exist; check ?table= (schema.table)"),
        Some(c) if *c == SqlState::UNDEFINED_COLUMN => {
            "a column named by --col, --by or --where is not in the deliveries".to_string()
        }
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => format!("permission denied on {what}; ask for SELECT on it"),
        Some(c) if *c == SqlState::INVALID_PASSWORD || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            "the server refused the login; set PGPASSWORD or a ~/.pgpass line for this host, port, database and user"
                .to_string()
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => "the database does not exist".to_string(),
        _ if message.contains("refused") || message.contains("No such file") => {
            "is the server running, on this host and port?".to_string()
        }
        _ if message.contains("timed out") || message.contains("timeout") => {
            "no answer in time (connect_timeout= in the URL; 30 s unless set)".to_string()
        }
        _ => "see the server's message".to_string(),
    };
    anyhow!("{shown}: {message} — {advice}")
}

/// How long to wait for the server to answer at all, unless the URL's
/// `connect_timeout` or `PGCONNECT_TIMEOUT` says otherwise.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// After `--db-timeout`, how long the server has to cancel the query
/// before the run gives up on it.
const CANCEL_GRACE: Duration = Duration::from_secs(10);

impl Postgres {
    /// Connect (TLS as `sslmode` says, within the connect timeout), open a
    /// read-only session with the statement timeout, and read the source's
    /// columns (no row is read).
    pub fn connect(given: &Path, timeout: Option<Duration>) -> Result<Postgres> {
        let url = split_url(&given.to_string_lossy())?;
        let (shown, relation) = (url.shown.clone(), url.relation.clone());
        let mut config: Config =
            url.driver.parse().map_err(|e| anyhow!("{shown}: not a PostgreSQL URL: {e}"))?;
        let tls = TlsRequest::new(url.sslmode.as_deref(), url.sslrootcert.as_deref())
            .map_err(|e| anyhow!("{shown}: {e}"))?;
        let user = config
            .get_user()
            .map(str::to_string)
            .or_else(|| std::env::var("PGUSER").ok())
            .or_else(|| std::env::var("USER").ok());
        if config.get_user().is_none()
            && let Some(u) = &user
        {
            config.user(u);
        }
        let password = url
            .password
            .or_else(|| std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()))
            .or_else(|| {
                let file = std::env::var_os("PGPASSFILE")
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass")))?;
                let host = match config.get_hosts().first() {
                    Some(postgres::config::Host::Tcp(h)) => h.clone(),
                    _ => "localhost".into(),
                };
                let port = config.get_ports().first().copied().unwrap_or(5432);
                let db = config.get_dbname().map(str::to_string).or_else(|| user.clone()).unwrap_or_default();
                pgpass_password(&file, &host, port, &db, user.as_deref().unwrap_or(""))
            });
        if let Some(p) = password {
            config.password(p);
        }
        if config.get_connect_timeout().is_none() {
            let seconds = std::env::var("PGCONNECT_TIMEOUT").ok().and_then(|s| s.trim().parse::<u64>().ok());
            config.connect_timeout(seconds.map(Duration::from_secs).unwrap_or(CONNECT_TIMEOUT));
        }
        // The driver's timeout covers the socket; a server that accepts the
        // connection and never answers is caught here.
        let patience = config.get_connect_timeout().copied().unwrap_or(CONNECT_TIMEOUT);
        let waiting = Deadline::start(
            patience + Duration::from_secs(2),
            format!("{shown}: the server did not answer within {} s (connect_timeout)", patience.as_secs()),
            || {},
        );
        let connector = tls.connector().map_err(|e| anyhow!("{shown}: {e}"))?;
        // A Unix socket never uses TLS, as in libpq.
        let socket_only = config.get_hosts().iter().all(|h| !matches!(h, postgres::config::Host::Tcp(_)));
        let mode = if socket_only { SslMode::Disable } else { tls.mode };
        let mut client = open(&mut config, mode, &connector).map_err(|e| explain(e, &shown, &relation))?;
        drop(waiting);
        let cancel_token = client.cancel_token();
        let _cancel = {
            let (token, connector) = (cancel_token.clone(), connector.clone());
            crate::guard::on_abort(Box::new(move || cancel_query(&token, mode, &connector)))
        };
        let limit = timeout
            .map(|t| format!(" SET statement_timeout = {};", t.as_millis().max(1)))
            .unwrap_or_default();
        client
            .batch_execute(&format!("SET default_transaction_read_only = on;{limit}"))
            .map_err(|e| explain(e, &shown, &relation))?;
        let source = Dialect::Postgres.relation_sql(&relation);
        let statement = client
            .prepare(&format!("SELECT * FROM {source} AS src LIMIT 0"))
            .map_err(|e| explain(e, &shown, &relation))?;
        let columns = statement.columns().iter().map(|c| (c.name().to_string(), c.type_().clone())).collect();
        Ok(Postgres {
            client: Mutex::new(client),
            shown,
            relation,
            columns,
            timeout,
            cancel_token,
            mode,
            connector,
            _cancel,
        })
    }

    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.0.clone()).collect()
    }

    /// Whether a column holds times with a zone (converted to `--tz`).
    pub fn zoned(&self, column: &str) -> bool {
        self.columns.iter().any(|(name, t)| name == column && *t == Type::TIMESTAMPTZ)
    }

    /// Whether a column is a date or a timestamp (the count needs one).
    pub fn is_time(&self, column: &str) -> bool {
        self.columns
            .iter()
            .any(|(name, t)| name == column && [Type::DATE, Type::TIMESTAMP, Type::TIMESTAMPTZ].contains(t))
    }

    /// Run a query built for this source and read its CSV result. Under
    /// `--db-timeout` the server cancels it; should the server not answer
    /// either, the run gives up a little later.
    pub fn copy_csv(&self, sql: &str) -> Result<Vec<csv::StringRecord>> {
        let _deadline = self.timeout.map(|t| {
            let (token, mode, connector) = (self.cancel_token.clone(), self.mode, self.connector.clone());
            Deadline::start(
                t + CANCEL_GRACE,
                format!(
                    "{}: the count ran past --db-timeout ({} s) and the server did not stop it",
                    self.shown,
                    t.as_secs()
                ),
                move || cancel_query(&token, mode, &connector),
            )
        });
        let mut client = self.client.lock().expect("one thread");
        let query = sql.trim().trim_end_matches(';');
        let mut reader = client
            .copy_out(&format!("COPY ({query}) TO STDOUT WITH (FORMAT csv)"))
            .map_err(|e| explain(e, &self.shown, &self.relation))?;
        let mut text = Vec::new();
        if let Err(e) = reader.read_to_end(&mut text) {
            // The server's own error (a timeout, a write refused) arrives
            // inside the stream's.
            return Err(match e.into_inner().map(|inner| inner.downcast::<postgres::Error>()) {
                Some(Ok(db)) => explain(*db, &self.shown, &self.relation),
                Some(Err(other)) => anyhow!("{}: the result broke off: {other}", self.shown),
                None => anyhow!("{}: the result broke off", self.shown),
            });
        }
        let mut csv = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_slice());
        csv.records().map(|r| r.map_err(anyhow::Error::new)).collect()
    }

    /// The ledger-aware count: per (dropped-by filter, day, segments) the
    /// rows and the deliveries they stand for.
    pub fn counts(&self, query: &DeliveriesQuery) -> Result<Vec<csv::StringRecord>> {
        self.copy_csv(&query.ledger_sql(Dialect::Postgres))
    }

    /// Per order id (of `orders`): the order, the delivery's date, its
    /// segments and customer — in chunks, as literals.
    pub fn orders(
        &self,
        query: &DeliveriesQuery,
        order: &str,
        customer: Option<&str>,
        orders: &[String],
    ) -> Result<Vec<csv::StringRecord>> {
        let mut out = Vec::new();
        for chunk in orders.chunks(10_000) {
            out.extend(self.copy_csv(&query.orders_sql(Dialect::Postgres, order, customer, chunk))?);
        }
        Ok(out)
    }
}

/// Deliveries per customer on the counted days, for the chance baseline:
/// (customer, deliveries) as the database groups them.
pub fn per_customer(pg: &Postgres, query: &DeliveriesQuery, customer: &str) -> Result<Vec<(String, u64)>> {
    let records = pg.copy_csv(&query.per_customer_sql(Dialect::Postgres, customer))?;
    Ok(records.iter().filter_map(|r| Some((r.get(0)?.to_string(), r.get(1)?.parse::<u64>().ok()?))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_keeps_the_password_apart() {
        let url = split_url(
            "postgresql://ann:s%3Ecret@db.example:5433/shop?table=sales.deliveries&sslmode=verify-full\
             &sslrootcert=%2Fetc%2Fca.pem&connect_timeout=5",
        )
        .unwrap();
        assert_eq!(url.driver, "postgresql://ann@db.example:5433/shop?connect_timeout=5");
        assert_eq!(url.password.as_deref(), Some("s>cret"));
        assert_eq!(url.relation, Relation::Table("sales.deliveries".into()));
        assert_eq!(
            (url.sslmode.as_deref(), url.sslrootcert.as_deref()),
            (Some("verify-full"), Some("/etc/ca.pem"))
        );
        assert!(!url.shown.contains("cret"), "{}", url.shown);
        let url = split_url("postgresql://ann@/shop?host=%2Ftmp&query=SELECT+*+FROM+t").unwrap();
        assert_eq!(url.relation, Relation::Query("SELECT * FROM t".into()));
        assert!(split_url("postgresql://ann@h/db").err().unwrap().to_string().contains("?table="));
    }

    #[test]
    fn pgpass_lines_match_with_wildcards_and_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(&file, "# comment\nother:5432:*:ann:no\nlocalhost:*:shop:ann:pa\\:ss\n").unwrap();
        assert_eq!(pgpass_password(&file, "localhost", 5433, "shop", "ann").as_deref(), Some("pa:ss"));
        assert_eq!(pgpass_password(&file, "localhost", 5433, "other", "ann"), None);
    }
}
