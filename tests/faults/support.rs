//! Processes for the fault tests: a PostgreSQL cluster that can be stopped, killed and
//! restarted, and `attest serve` as a child process.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use attest::db::local::{self, LocalCluster, RunningCluster};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// The signing key every server of a test shares, so a token works on each of them.
pub const JWT_KEYS: &str = "faults=6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b";
pub const EMAIL: &str = "ops@news.example";
pub const PASSWORD: &str = "an operator's long passphrase";

/// A throwaway directory under the system temp dir, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(label: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("attest-{label}-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A PostgreSQL cluster the test controls.
pub struct Cluster {
    root: PathBuf,
    durable: bool,
    running: Option<RunningCluster>,
}

impl Cluster {
    /// initdb and start under `root`, with the `attest` database created.
    pub async fn start(root: &Path, durable: bool) -> Self {
        let mut cluster = Self { root: root.to_owned(), durable, running: None };
        cluster.restart();
        attest::db::create_database(&cluster.url("postgres"), local::DATABASE, None).await.unwrap();
        cluster
    }

    /// Starts a stopped (or crashed) cluster again.
    pub fn restart(&mut self) {
        assert!(self.running.is_none(), "the cluster is already running");
        let cluster = LocalCluster::new(&self.root, self.durable).unwrap();
        self.running = Some(cluster.start().unwrap());
    }

    /// `pg_ctl stop -m fast`: sessions are ended, then a clean shutdown.
    pub fn stop(&mut self) {
        self.running.take().expect("the cluster is running").stop().unwrap();
    }

    /// SIGKILL to the postmaster and every backend at once: a crash, not a shutdown.
    pub fn kill(&mut self) {
        let running = self.running.take().expect("the cluster is running");
        let pid_file = std::fs::read_to_string(running.data_dir().join("postmaster.pid")).unwrap();
        let postmaster: i32 = pid_file.lines().next().unwrap().trim().parse().unwrap();
        let mut pids = vec![postmaster];
        pids.extend(children_of(postmaster));
        for pid in &pids {
            // SAFETY: kill(2) with a pid we read from the cluster's own pid file.
            unsafe { libc::kill(*pid, libc::SIGKILL) };
        }
        // The handle must not try a clean stop of what is already dead.
        running.abandon();
        let deadline = Instant::now() + Duration::from_secs(10);
        while pids.iter().any(|pid| Path::new(&format!("/proc/{pid}")).exists()) {
            assert!(Instant::now() < deadline, "postgres processes outlived SIGKILL");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self, database: &str) -> String {
        self.running.as_ref().expect("the cluster is running").url(database)
    }

    /// The `attest` database's URL, known even while the cluster is down.
    pub fn database_url(&self) -> String {
        let host = self.root.join("pgdata").display().to_string();
        format!("host='{host}' port=5432 user={} dbname='{}'", local::SUPERUSER, local::DATABASE)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.join("pgdata")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop();
        }
    }
}

/// The processes whose parent is `parent` (from /proc/<pid>/stat).
fn children_of(parent: i32) -> Vec<i32> {
    let entries = std::fs::read_dir("/proc").unwrap().flatten();
    entries
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // "pid (comm) state ppid ...": comm may hold spaces, so split after its ')'.
            let ppid: i32 = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent).then_some(pid)
        })
        .collect()
}

/// `attest serve` as a child process on a free loopback port.
pub struct Server {
    pub address: String,
    pub child: Child,
    pub log: PathBuf,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn attest() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_attest"));
    command.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
    command.env("ATTEST_LOG", "warn").env("ATTEST_JWT_KEYS", JWT_KEYS);
    command
}

impl Server {
    /// Starts the server with `env` (on top of a free port, the shared key and a data
    /// directory under `scratch`) and waits until it answers /healthz.
    pub async fn start(scratch: &Path, name: &str, env: &[(&str, String)]) -> Self {
        let port = free_port();
        let log = scratch.join(format!("{name}.log"));
        let mut command = attest();
        command.arg("serve").env("ATTEST_BIND", format!("127.0.0.1:{port}"));
        command.env("ATTEST_DATA_DIR", scratch.join(name)).env("ATTEST_WORKERS", "2");
        for (key, value) in env {
            command.env(key, value);
        }
        let file = std::fs::File::create(&log).unwrap();
        command.stdout(Stdio::null()).stderr(file);
        let child = command.spawn().unwrap();
        let mut server = Self { address: format!("http://127.0.0.1:{port}"), child, log };
        let client = Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if client.get(format!("{}/healthz", server.address)).send().await.is_ok() {
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("attest serve exited with {status}: {}", server.log_text());
            }
            assert!(Instant::now() < deadline, "attest serve did not answer: {}", server.log_text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    /// Waits until /readyz says ready; returns how long that took.
    pub async fn wait_ready(&self, within: Duration) -> Duration {
        let started = Instant::now();
        let client = Client::new();
        loop {
            let ready = client.get(format!("{}/readyz", self.address)).send().await;
            if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
                return started.elapsed();
            }
            assert!(started.elapsed() < within, "not ready within {within:?}: {}", self.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    /// SIGTERM first: a server on its embedded cluster stops that PostgreSQL as it exits, where
    /// SIGKILL would leave it running. SIGKILL only if it has not exited within 30 seconds.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.signal(libc::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(30);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates the operator account with `attest user add` against `database_url` (or the
/// embedded cluster of `data_dir`), then signs in through `server` and returns the token.
pub async fn sign_in(server: &Server, database: &[(&str, String)]) -> String {
    let mut command = attest();
    command.args(["user", "add", "--email", EMAIL, "--name", "Ops", "--role", "admin", "--password-stdin"]);
    for (key, value) in database {
        command.env(key, value);
    }
    let mut child =
        command.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "user add failed: {}", String::from_utf8_lossy(&output.stderr));
    let response = Client::new()
        .post(format!("{}/auth/token", server.address))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
}

/// A source body that is valid and distinct for `n`.
pub fn source(n: usize) -> Value {
    json!({
        "url": format!("https://faults.example/{n}"),
        "kind": "article",
        "retrieved_at": "2026-11-25T12:00:00Z",
        "title": format!("Fault test article {n}"),
    })
}

/// How one request was answered, for the tallies the tests print and check.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: Option<u16>,
    pub problem_json: bool,
    pub retry_after: bool,
    pub took: Duration,
    pub error: Option<String>,
}

impl Answer {
    pub async fn of(started: Instant, result: reqwest::Result<reqwest::Response>) -> Self {
        match result {
            Ok(response) => {
                let header = |name: &str| {
                    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
                };
                let problem_json =
                    header("content-type").is_some_and(|t| t.starts_with("application/problem+json"));
                let retry_after = header("retry-after").is_some();
                let status = response.status().as_u16();
                // Read the body, so the time counts the whole answer.
                let _ = response.bytes().await;
                Self { status: Some(status), problem_json, retry_after, took: started.elapsed(), error: None }
            }
            Err(error) => Self {
                status: None,
                problem_json: false,
                retry_after: false,
                took: started.elapsed(),
                error: Some(error.to_string()),
            },
        }
    }
}

/// "201: 12, 503: 40" — answers counted by status.
pub fn tally(answers: &[Answer]) -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for answer in answers {
        let key = answer.status.map_or_else(|| "no answer".to_owned(), |s| s.to_string());
        *counts.entry(key).or_default() += 1;
    }
    counts.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
}
