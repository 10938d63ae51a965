//! Hostile input, one test per finding of the attack on the first round: each runs against a
//! real `attest serve` process (two workers, its defaults) on a database of its own, sends
//! generated hostile requests, and asserts the answers and two bounds measured while they run:
//! the server's peak resident memory, and `/healthz` answering within 200 ms.
//!
//! The tests take turns (one server at a time), so the bounds measure one attack alone. Each
//! prints its seed; `HOSTILE_SEED=n` replays one.

#[allow(dead_code)]
#[path = "../faults/support.rs"]
mod support;

mod attacks;
mod rules;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use support::{Cluster, Scratch, Server};

/// Peak resident memory any hostile test may drive the server to.
pub const MAX_PEAK_RSS_MIB: u64 = 400;
/// Slowest `/healthz` answer allowed while the hostile requests run.
pub const MAX_HEALTHZ: Duration = Duration::from_millis(200);

struct Shared {
    cluster: Mutex<Cluster>,
    root: PathBuf,
}

static SHARED: OnceLock<Shared> = OnceLock::new();
/// One hostile server at a time: the bounds measure one attack, not several.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

extern "C" fn stop_cluster() {
    if let Some(shared) = SHARED.get() {
        let mut cluster = shared.cluster.lock().unwrap_or_else(|p| p.into_inner());
        cluster.stop();
        let _ = std::fs::remove_dir_all(&shared.root);
    }
}

fn shared() -> &'static Shared {
    SHARED.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("attest-hostile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let for_thread = root.clone();
        // Its own thread and runtime: the caller is inside a test's runtime.
        let cluster = std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(Cluster::start(&for_thread, false))
        })
        .join()
        .expect("starting the hostile tests' PostgreSQL cluster");
        // SAFETY: registering a plain extern "C" fn with no captured state.
        unsafe { libc::atexit(stop_cluster) };
        Shared { cluster: Mutex::new(cluster), root }
    })
}

/// A small deterministic generator (SplitMix64): inputs vary by seed, and a seed replays.
pub struct Rng(u64);

impl Rng {
    pub fn new(test: &str) -> Self {
        let seed = std::env::var("HOSTILE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        });
        println!("{test}: HOSTILE_SEED={seed}");
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `range`.
    pub fn between(&mut self, range: std::ops::Range<usize>) -> usize {
        range.start + (self.next_u64() as usize) % (range.end - range.start)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.between(0..items.len())]
    }

    /// `n` lower-case words of 2 to 9 letters.
    pub fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| {
                (0..self.between(2..10))
                    .map(|_| (b'a' + (self.next_u64() % 26) as u8) as char)
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A signed-in user of the hostile server.
pub struct Account {
    pub id: String,
    pub email: String,
    pub token: String,
}

/// `attest serve` on a database of its own, with an admin, an editor, a reviewer and a
/// submitter signed in, and a probe of `/healthz` running beside it.
pub struct Hostile {
    pub server: Server,
    pub client: Client,
    pub database_url: String,
    pub admin: Account,
    pub editor: Account,
    pub reviewer: Account,
    pub submitter: Account,
    _scratch: Scratch,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

pub const PASSWORD: &str = "a hostile test's long passphrase";

impl Hostile {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    pub async fn start_with(env: &[(&str, String)]) -> Self {
        let turn = TURN.lock().await;
        let shared = shared();
        let database = format!("hostile_{}", uuid::Uuid::now_v7().simple());
        let admin_url = shared.cluster.lock().unwrap().url("postgres");
        attest::db::create_database(&admin_url, &database, None).await.unwrap();
        let database_url = shared.cluster.lock().unwrap().url(&database);
        let scratch = Scratch::new("hostile");
        let mut all_env = vec![("DATABASE_URL", database_url.clone())];
        all_env.extend(env.iter().map(|(k, v)| (*k, v.clone())));
        let server = Server::start(&scratch.0, "server", &all_env).await;
        server.wait_ready(Duration::from_secs(120)).await;
        let token = support::sign_in(&server, &[("DATABASE_URL", database_url.clone())]).await;
        let client = Client::new();
        let me: Value = client
            .get(format!("{}/me", server.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let admin = Account { id: me["id"].as_str().unwrap().into(), email: support::EMAIL.into(), token };
        let mut hostile = Self {
            server,
            client,
            database_url,
            editor: Account { id: String::new(), email: String::new(), token: String::new() },
            reviewer: Account { id: String::new(), email: String::new(), token: String::new() },
            submitter: Account { id: String::new(), email: String::new(), token: String::new() },
            admin,
            _scratch: scratch,
            _turn: turn,
        };
        hostile.editor = hostile.add_account("editor").await;
        hostile.reviewer = hostile.add_account("reviewer").await;
        hostile.submitter = hostile.add_account("submitter").await;
        hostile
    }

    /// A user of `role`, created by the admin and signed in.
    pub async fn add_account(&self, role: &str) -> Account {
        self.add_named_account(role, role).await
    }

    pub async fn add_named_account(&self, role: &str, name: &str) -> Account {
        let email = format!("{name}@hostile.example");
        let created = self
            .send(
                &self.admin.token,
                Method::POST,
                "/users",
                Some(json!({"email": email, "display_name": role, "role": role, "password": PASSWORD})),
            )
            .await;
        let created = body(created, StatusCode::CREATED).await;
        let token = self.sign_in(&email, PASSWORD).await;
        assert_eq!(token.status(), StatusCode::OK);
        let token = token.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
        Account { id: created["id"].as_str().unwrap().into(), email, token }
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/auth/token"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.address)
    }

    pub async fn send(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self.client.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// POST as the submitter, expecting 201; the created record.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        self::body(
            self.send(&self.submitter.token, Method::POST, path, Some(body)).await,
            StatusCode::CREATED,
        )
        .await
    }

    pub async fn source(&self, content: &str) -> Value {
        self.create(
            "/sources",
            json!({"url": format!("https://hostile.example/{}", uuid::Uuid::now_v7()), "kind": "article", "content": content}),
        )
        .await
    }

    pub async fn speaker(&self, name: &str) -> Value {
        self.create("/speakers", json!({"name": name, "kind": "person"})).await
    }

    /// Runs `attack` while `/healthz` is asked every 20 ms and the server's resident memory
    /// is sampled; asserts both bounds, and returns what the attack returned. The probe runs on
    /// a thread of its own, so that the attack's hundreds of answers being read on the test's
    /// runtime do not delay it: its times are the server's.
    pub async fn under_watch<T>(&self, attack: impl Future<Output = T>) -> T {
        let pid = self.server.child.id();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        // The attack starts once the probe is about to ask: on a loaded machine the probe's
        // thread may start late, and a quick attack could end before it asked at all.
        let (ready, probing) = std::sync::mpsc::channel();
        let probe = {
            let stop = stop.clone();
            let url = self.url("/healthz");
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            std::thread::spawn(move || {
                runtime.block_on(async move {
                    let client = Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
                    let mut slowest = Duration::ZERO;
                    let mut probes = 0;
                    let mut peak = 0;
                    ready.send(()).unwrap();
                    loop {
                        // Past the bound, the server is stopped at once rather than let it take
                        // the machine's memory: the assertion below then fails.
                        peak = peak.max(peak_rss_mib(pid));
                        if peak > MAX_PEAK_RSS_MIB {
                            eprintln!("the server passed {MAX_PEAK_RSS_MIB} MiB ({peak} MiB): stopping it");
                            // SAFETY: kill(2) on the test's own child.
                            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                            break;
                        }
                        let started = Instant::now();
                        let answer = client.get(&url).send().await;
                        assert!(answer.is_ok_and(|a| a.status() == StatusCode::OK), "/healthz failed");
                        slowest = slowest.max(started.elapsed());
                        probes += 1;
                        if stop.load(std::sync::atomic::Ordering::Relaxed) {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    (slowest, probes, peak)
                })
            })
        };
        tokio::task::spawn_blocking(move || probing.recv().unwrap()).await.unwrap();
        let result = attack.await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (slowest, probes, peak_seen) =
            tokio::task::spawn_blocking(move || probe.join().unwrap()).await.unwrap();
        let peak = peak_seen.max(peak_rss_mib(pid));
        assert!(peak <= MAX_PEAK_RSS_MIB, "the server's peak resident memory passed {peak} MiB: stopped");
        println!("/healthz slowest of {probes}: {slowest:?}; server peak RSS {peak} MiB");
        assert!(slowest <= MAX_HEALTHZ, "/healthz took {slowest:?} while the attack ran");
        result
    }

    /// Runs `sql` straight on the database: set-up that the API would take thousands of
    /// requests for.
    pub async fn execute(&self, sql: &str) -> usize {
        use diesel_async::RunQueryDsl;
        let mut conn = attest::db::connect(&self.database_url).await.unwrap();
        attest::db::workspace::act_in_for_session(&mut conn, "default").await.unwrap();
        diesel::sql_query(sql).execute(&mut conn).await.unwrap()
    }

    /// Rows of `table` matching `condition`, read straight from the database.
    pub async fn count(&self, table: &str, condition: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = attest::db::connect(&self.database_url).await.unwrap();
        let count: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {table} WHERE {condition}"))
            .get_result(&mut conn)
            .await
            .unwrap();
        count.n
    }
}

/// The server's peak resident memory so far (VmHWM), in MiB; 0 once it has exited.
fn peak_rss_mib(pid: u32) -> u64 {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { return 0 };
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    kib / 1024
}

/// The JSON body of an answer with `status`.
pub async fn body(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// A problem+json answer with `status` (any of them); its document.
pub async fn problem(response: Response, statuses: &[StatusCode]) -> Value {
    let status = response.status();
    let retry_after = response.headers().contains_key("retry-after");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    let text = response.text().await.unwrap();
    assert!(statuses.contains(&status), "{status}: {}", &text[..text.len().min(500)]);
    assert!(content_type.starts_with("application/problem+json"), "{content_type}");
    if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
        assert!(retry_after, "{status} without Retry-After");
    }
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(document["status"], status.as_u16());
    document
}

pub fn id(record: &Value) -> &str {
    record["id"].as_str().unwrap()
}

pub fn etag(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}
