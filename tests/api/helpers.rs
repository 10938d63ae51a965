//! The test harness: one cluster per run, one database per test, one server per test.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use attest::db::user::NewUser;
use attest::db::{self, local};
use attest::domain::kinds::Role;
use attest::domain::log::LogKey;
use attest::services::auth::jwt::KeyRing;
use attest::services::claimreview::Publisher;
use attest::services::log::SequencerSettings;
use attest::services::webhook_delivery::DeliverySettings;
use attest::services::webhooks::TargetPolicy;
use attest::startup::{self, HttpSettings};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const TEMPLATE: &str = "attest_template";
/// Where the test servers' ClaimReview documents say they are published, and by whom.
pub const PUBLIC_BASE_URL: &str = "https://facts.news.example";
pub const PUBLISHER: &str = "News Example Fact Check";
pub const PUBLISHER_LOGO: &str = "https://news.example/logo.png";
pub const MAX_BODY_BYTES: usize = 256 * 1024;

struct TestCluster {
    cluster: local::RunningCluster,
    root: PathBuf,
}

static CLUSTER: OnceLock<TestCluster> = OnceLock::new();

/// Stops the cluster and removes its files when the test binary exits.
extern "C" fn stop_cluster() {
    if let Some(test) = CLUSTER.get() {
        let _ = test.cluster.stop();
        let _ = std::fs::remove_dir_all(&test.root);
    }
}

fn cluster() -> &'static local::RunningCluster {
    &CLUSTER
        .get_or_init(|| {
            let root = std::env::temp_dir().join(format!("attest-test-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            let cluster = local::LocalCluster::new(&root, false)
                .and_then(local::LocalCluster::start)
                .expect("starting the test PostgreSQL cluster");
            let admin = cluster.url("postgres");
            let template = cluster.url(TEMPLATE);
            // Its own thread and runtime: the caller may be inside a test's runtime.
            std::thread::spawn(move || {
                tokio::runtime::Runtime::new().unwrap().block_on(async {
                    db::create_database(&admin, TEMPLATE, None).await.unwrap();
                    db::migrate(&template).await.unwrap();
                })
            })
            .join()
            .expect("migrating the template database");
            // SAFETY: registering a plain extern "C" fn with no captured state.
            unsafe { libc::atexit(stop_cluster) };
            TestCluster { cluster, root }
        })
        .cluster
}

/// A fresh database (a copy of the migrated template) with no server.
pub async fn fresh_database() -> String {
    let cluster = cluster();
    let name = format!("test_{}", Uuid::new_v4().simple());
    db::create_database(&cluster.url("postgres"), &name, Some(TEMPLATE))
        .await
        .expect("cloning the template database");
    cluster.url(&name)
}

/// A user of the test database, with a valid access token.
#[derive(Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub token: String,
}

/// The password of every test user.
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub client: Client,
    pub admin: TestUser,
    pub editor: TestUser,
    pub reviewer: TestUser,
    pub submitter: TestUser,
    /// The token the plain helpers (`get`, `post`, ...) send: the submitter's.
    token: String,
}

/// One argon2 hash of PASSWORD for the whole run: hashing is slow on purpose.
fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let params = argon2::Params::new(19 * 1024, 2, 1, None).unwrap();
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string()
    })
    .clone()
}

pub fn test_keys() -> KeyRing {
    KeyRing::parse(&format!("test={}", "5a".repeat(32))).unwrap()
}

/// The transparency log's key of every test server: one per run, as a deployment shares one.
pub fn test_log_key() -> LogKey {
    static KEY: OnceLock<LogKey> = OnceLock::new();
    KEY.get_or_init(|| LogKey::parse(&LogKey::generate("attest.test/log").unwrap()).unwrap()).clone()
}

/// A user with `role` in the workspace `slug` (the admin of the default workspace is also
/// the instance administrator).
pub async fn add_user_to(
    database_url: &str,
    keys: &KeyRing,
    slug: &str,
    role: Role,
    email: &str,
) -> TestUser {
    let mut conn = db::connect(database_url).await.unwrap();
    let new = NewUser {
        id: Uuid::now_v7(),
        email: email.to_owned(),
        display_name: format!("Test {role:?}"),
        password_hash: password_hash(),
        instance_admin: role == Role::Admin && slug == "default",
    };
    let user = attest::db::user::insert(&mut conn, new).await.unwrap();
    let workspace =
        attest::db::workspace::find_by_slug(&mut conn, slug).await.unwrap().expect("the workspace");
    attest::db::workspace::set_role(&mut conn, workspace.id, user.id, role).await.unwrap();
    TestUser {
        id: user.id,
        email: email.to_owned(),
        token: keys.issue(user.id, user.token_generation).unwrap(),
    }
}

async fn add_user(database_url: &str, keys: &KeyRing, role: Role) -> TestUser {
    let email = format!("{role:?}@news.example").to_lowercase();
    add_user_to(database_url, keys, "default", role, &email).await
}

/// Webhook delivery for tests: to the tests' own loopback receivers, retried within
/// milliseconds rather than seconds.
pub fn test_deliveries() -> DeliverySettings {
    DeliverySettings {
        targets: TargetPolicy { allow_private: true },
        timeout: Duration::from_secs(5),
        first_retry: Duration::from_millis(100),
        longest_retry: Duration::from_secs(1),
        poll: Duration::from_millis(100),
        ..DeliverySettings::default()
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::start(fresh_database().await, false, None, test_deliveries(), None).await
    }

    /// A server delivering webhooks as `deliveries` says.
    pub async fn spawn_delivering(deliveries: DeliverySettings) -> Self {
        Self::start(fresh_database().await, false, None, deliveries, None).await
    }

    /// A server with anonymous reading allowed.
    pub async fn spawn_public() -> Self {
        Self::start(fresh_database().await, true, None, test_deliveries(), None).await
    }

    /// A server on `database_url`, which may be unreachable on purpose (then it has no users).
    pub async fn spawn_on(database_url: String) -> Self {
        Self::start(database_url, false, None, test_deliveries(), None).await
    }

    /// A second server on `other`'s database, its users signing in to either.
    pub async fn spawn_beside(other: &TestApp) -> Self {
        Self::start(other.database_url.clone(), false, None, test_deliveries(), Some(other)).await
    }

    /// A server whose record cache listens on `listen_url` instead of its own database.
    pub async fn spawn_listening_on(listen_url: String) -> Self {
        Self::start(fresh_database().await, false, Some(listen_url), test_deliveries(), None).await
    }

    async fn start(
        database_url: String,
        public_read: bool,
        listen_url: Option<String>,
        deliveries: DeliverySettings,
        beside: Option<&TestApp>,
    ) -> Self {
        let database = db::DatabaseSettings {
            primary_url: database_url.clone(),
            replica_urls: Vec::new(),
            listen_url,
            pool_size: 4,
            wait_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(30),
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let settings = HttpSettings {
            workers: 1,
            max_body_bytes: MAX_BODY_BYTES,
            public_read,
            cors_origins: vec!["https://desk.example.org".into()],
            auth_cache_ttl: Duration::from_secs(1),
            // On, as `serve` runs by default: every test reads through it.
            record_cache_bytes: 8 << 20,
            trusted_proxies: Vec::new(),
            publisher: Publisher {
                base_url: PUBLIC_BASE_URL.into(),
                name: PUBLISHER.into(),
                logo_url: Some(PUBLISHER_LOGO.into()),
            },
            webhook_targets: deliveries.targets,
            webhooks: Some(deliveries),
            log: SequencerSettings {
                interval: Duration::from_millis(20),
                ..SequencerSettings::new(test_log_key())
            },
            log_sequencer: true,
        };
        let keys = test_keys();
        let server = startup::run(listener, &database, keys.clone(), &settings).unwrap();
        tokio::spawn(server);
        let reachable = db::connect(&database_url).await.is_ok();
        let user = async |role| {
            if reachable {
                add_user(&database_url, &keys, role).await
            } else {
                TestUser { id: Uuid::nil(), email: String::new(), token: keys.issue(Uuid::nil(), 1).unwrap() }
            }
        };
        let (admin, editor, reviewer, submitter) = match beside {
            Some(other) => {
                (other.admin.clone(), other.editor.clone(), other.reviewer.clone(), other.submitter.clone())
            }
            None => (
                user(Role::Admin).await,
                user(Role::Editor).await,
                user(Role::Reviewer).await,
                user(Role::Submitter).await,
            ),
        };
        Self {
            address,
            client: Client::new(),
            token: submitter.token.clone(),
            database_url,
            admin,
            editor,
            reviewer,
            submitter,
        }
    }

    /// A request with `token` as the bearer credential (none if `None`).
    pub fn request_as(&self, token: Option<&str>, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.address));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// A request as the submitter.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.request_as(Some(&self.token), method, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path).json(body).send().await.unwrap()
    }

    pub async fn patch(&self, path: &str, etag: &str, body: &Value) -> Response {
        self.request(Method::PATCH, path).header("if-match", etag).json(body).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str, etag: &str) -> Response {
        self.request(Method::DELETE, path).header("if-match", etag).send().await.unwrap()
    }

    /// POSTs and expects 201; returns the created record.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let response = self.post(path, &body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "POST {path} {body}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    pub async fn source(&self, content: &str) -> Value {
        self.create(
            "/sources",
            json!({"url": format!("https://news.example/{}", Uuid::now_v7()), "kind": "article",
                   "publisher": "Example Wire", "content": content}),
        )
        .await
    }

    pub async fn speaker(&self, name: &str) -> Value {
        self.create("/speakers", json!({"name": name, "kind": "person"})).await
    }

    /// Runs `statement` straight on the database, as another server or an operator would,
    /// as the owner of the tables, in the default workspace.
    pub async fn sql(&self, statement: &str) {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = db::connect(&self.database_url).await.unwrap();
        db::workspace::act_in_for_session(&mut conn, "default").await.unwrap();
        conn.batch_execute(statement).await.unwrap();
    }

    /// A claim of the submitter's, in a source of its own, as a read of it shows it (the
    /// create's answer says besides what was already fact-checked like it: `matches`).
    pub async fn claim(&self) -> Value {
        let source = self.source("More than 12,000 homes have lost power.").await;
        let mut claim = self
            .create(
                "/claims",
                json!({"source_id": id(&source), "statement": "More than 12,000 homes have lost power.",
                       "metric": "homes without power", "qualifier": "more_than", "value": "12000", "unit": "homes"}),
            )
            .await;
        claim.as_object_mut().and_then(|fields| fields.remove("matches"));
        claim
    }

    /// Changes the default workspace's settings as its admin; the workspace as it is then.
    pub async fn change_workspace(&self, settings: Value) -> Value {
        let current = json(
            self.request_as(Some(&self.admin.token), Method::GET, "/workspace").send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        let changed = self
            .request_as(Some(&self.admin.token), Method::PATCH, "/workspace")
            .header("if-match", etag(&current))
            .json(&settings)
            .send()
            .await
            .unwrap();
        json(changed, StatusCode::OK).await
    }

    /// Records the reviewer's `verified` verdict on a quote or claim (`collection` is
    /// `quotes` or `claims`); the record as it is then.
    pub async fn verified(&self, collection: &str, record: &Value) -> Value {
        let path = format!("/{collection}/{}", id(record));
        let current = json(self.get(&path).await, StatusCode::OK).await;
        let review = self
            .request_as(Some(&self.reviewer.token), Method::POST, &format!("{path}/reviews"))
            .header("if-match", etag(&current))
            .json(&json!({"status": "verified", "rating": {"value": 5}, "rationale": "On the record."}))
            .send()
            .await
            .unwrap();
        json(review, StatusCode::CREATED).await;
        json(self.get(&path).await, StatusCode::OK).await
    }

    /// Records the reviewer's `verified` verdict and has the editor publish it (the default
    /// workspace asks for no sign-off); the record as it is then.
    pub async fn published(&self, collection: &str, record: &Value) -> Value {
        self.verified(collection, record).await;
        let path = format!("/{collection}/{}", id(record));
        let published = self
            .request_as(Some(&self.editor.token), Method::POST, &format!("{path}/publish"))
            .json(&json!({"headline": "On the record", "summary": "The record bears it out.",
                          "url": format!("https://news.example/fact-checks/{}", id(record)), "language": "en"}))
            .send()
            .await
            .unwrap();
        json(published, StatusCode::CREATED).await;
        json(self.get(&path).await, StatusCode::OK).await
    }

    /// Rows in `table`, deleted or not, read straight from the database.
    /// Waits until the sequencer has integrated every event written so far; the size of the
    /// log's latest checkpoint then.
    pub async fn integrated(&self) -> i64 {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while self.count("log_pending").await > 0 {
            assert!(std::time::Instant::now() < deadline, "the log sequencer did not catch up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The checkpoint commits with the leaves it covers.
        self.count("log_leaves").await
    }

    /// As a superuser with the append-only trigger off: renames the speaker that the event of
    /// leaf `leaf_index` created, in the event itself.
    pub async fn forge_speaker_event(&self, leaf_index: u64) {
        let mut conn = db::connect(&self.database_url).await.unwrap();
        diesel_async::SimpleAsyncConnection::batch_execute(
            &mut conn,
            &format!(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
                 UPDATE audit_events SET after = jsonb_set(after, '{{name}}', '\"Forged\"')
                 WHERE seq = (SELECT event_seq FROM log_leaves WHERE leaf_index = {leaf_index});
                 ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;"
            ),
        )
        .await
        .unwrap();
    }

    pub async fn count(&self, table: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = db::connect(&self.database_url).await.unwrap();
        let count: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result(&mut conn)
            .await
            .unwrap();
        count.n
    }
}

/// Asserts a problem+json answer with `status`; returns the problem document.
/// A counter from `/metrics`.
pub async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics"))
}

pub async fn problem(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = response.text().await.unwrap();
    assert_eq!(actual, status, "body: {body}");
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["status"], status.as_u16(), "{problem}");
    assert!(problem["type"].as_str().unwrap().starts_with("urn:attest:problem:"));
    assert!(!problem["detail"].as_str().unwrap().is_empty());
    problem
}

/// Keeps a JSON-LD document the API emitted for `scripts/check_jsonld.py`, which `.ci/run`
/// runs on every document kept (target/tmp/jsonld) against the schema.org vocabulary.
pub fn keep_for_jsonld_check(name: &str, document: &Value) {
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("jsonld");
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::write(directory.join(format!("{name}.json")), serde_json::to_vec_pretty(document).unwrap())
        .unwrap();
}

/// A problem answer to `method`: for HEAD, the status and type of one with no body.
pub async fn problem_to(method: &Method, response: Response, status: StatusCode) {
    if *method == Method::HEAD {
        assert_eq!(response.status(), status, "HEAD {}", response.url());
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        assert!(response.bytes().await.unwrap().is_empty(), "HEAD answered with a body");
    } else {
        problem(response, status).await;
    }
}

/// The JSON Pointer of the first field error in a problem.
pub fn pointer(problem: &Value) -> &str {
    problem["errors"][0]["pointer"].as_str().unwrap_or_else(|| panic!("no field error in {problem}"))
}

pub async fn json(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(actual, status, "body: {body}");
    serde_json::from_str(&body).unwrap()
}

pub fn etag(record: &Value) -> String {
    format!("\"{}\"", record["version"])
}

pub fn id(record: &Value) -> &str {
    record["id"].as_str().unwrap()
}

#[derive(diesel::QueryableByName)]
struct PreparedStatement {
    #[diesel(sql_type = diesel::sql_types::Text)]
    statement: String,
}

/// The statements a connection holds prepared, but for the query that lists them.
pub async fn prepared_statements(conn: &mut diesel_async::AsyncPgConnection) -> Vec<String> {
    use diesel_async::RunQueryDsl;
    let rows: Vec<PreparedStatement> = diesel::sql_query(
        "SELECT statement FROM pg_prepared_statements \
          WHERE statement NOT LIKE '%pg_prepared_statements%' ORDER BY statement",
    )
    .load(conn)
    .await
    .unwrap();
    rows.into_iter().map(|row| row.statement).collect()
}
