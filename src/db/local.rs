//! The managed local PostgreSQL cluster: `attest serve` without `DATABASE_URL` owns one
//! under its data directory, and the test suite starts one per run with the same code.
//!
//! The cluster listens only on a Unix socket inside its data directory (mode 0700, so only
//! its owner and root can connect) and never on TCP. PostgreSQL refuses to run as root, so
//! when we are root its processes run as the unprivileged `postgres` account.

use std::ffi::OsStr;
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use anyhow::{Context, bail};
use nix::unistd::{Uid, User};

/// The cluster's superuser; the server connects as it over the private socket.
pub const SUPERUSER: &str = "attest";
/// The database `attest serve` uses inside its own cluster.
pub const DATABASE: &str = "attest";
const PORT: u16 = 5432;
/// Longest Unix socket path the kernel accepts (sun_path is 108 bytes with its NUL).
const MAX_SOCKET_PATH: usize = 107;

pub struct LocalCluster {
    pgdata: PathBuf,
    bindir: PathBuf,
    run_as: Option<User>,
    durable: bool,
}

impl LocalCluster {
    /// A cluster under `root` (created if missing). `durable: false` turns off fsync for
    /// throwaway test clusters; a server's cluster is always durable.
    pub fn new(root: &Path, durable: bool) -> anyhow::Result<Self> {
        std::fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
        let root = root.canonicalize()?;
        let run_as = if Uid::effective().is_root() {
            let user = User::from_name("postgres")?.context(
                "running as root, and PostgreSQL refuses root: the unprivileged `postgres` account is needed but does not exist",
            )?;
            check_reachable(&root, &user)?;
            // The postgres account must be able to enter our directory to reach its own.
            std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o711))?;
            Some(user)
        } else {
            None
        };
        let cluster = Self { pgdata: root.join("pgdata"), bindir: find_bindir()?, run_as, durable };
        let socket = cluster.pgdata.join(format!(".s.PGSQL.{PORT}"));
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            bail!(
                "the data directory path is too long for a Unix socket ({}); choose a shorter --data-dir",
                socket.display()
            );
        }
        Ok(cluster)
    }

    fn is_running(&self) -> anyhow::Result<bool> {
        Ok(self.pgdata.join("postmaster.pid").exists() && self.pg_ctl(["status"])?.status.success())
    }

    /// For one-off commands (`attest user add`, `attest migrate`): use the cluster a running
    /// `attest serve` owns, or start it for the command's duration.
    pub fn start_or_attach(self) -> anyhow::Result<RunningCluster> {
        if self.pgdata.join("PG_VERSION").exists() && self.is_running()? {
            return Ok(RunningCluster { cluster: self, stopped: Mutex::new(true), _owner: None });
        }
        self.start()
    }

    /// The lock that says a live process owns this cluster: held for the owner's life, and
    /// released by the kernel when the owner dies, however it dies.
    fn lock_owner(&self) -> anyhow::Result<std::fs::File> {
        let path = self.pgdata.with_file_name("attest.lock");
        let file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another `attest serve` is using {}; stop it first",
                self.pgdata.parent().unwrap_or(&self.pgdata).display()
            ),
            Err(std::fs::TryLockError::Error(error)) => Err(error).context("locking the data directory"),
        }
    }

    /// initdb on first use, then start the server and wait until it accepts connections.
    /// A server left running by an owner that died (killed, or out of memory) is this data
    /// directory's own: it is stopped first, then started afresh.
    pub fn start(self) -> anyhow::Result<RunningCluster> {
        let owner = self.lock_owner()?;
        if !self.pgdata.join("PG_VERSION").exists() {
            self.init()?;
        }
        self.write_settings()?;
        if self.is_running()? {
            tracing::warn!(data_dir = %self.pgdata.display(), "stopping the PostgreSQL left running by an owner that died");
            let fast = self.pg_ctl(["stop", "-m", "fast", "-w", "-t", "30"])?;
            if !fast.status.success() {
                let immediate = self.pg_ctl(["stop", "-m", "immediate", "-w", "-t", "30"])?;
                if !immediate.status.success() {
                    bail!(
                        "the PostgreSQL left running on {} would not stop: {}",
                        self.pgdata.display(),
                        String::from_utf8_lossy(&immediate.stderr)
                    );
                }
            }
        }
        let log = self.pgdata.join("postgres.log");
        let started = self.pg_ctl([
            OsStr::new("start"),
            OsStr::new("-w"),
            OsStr::new("-t"),
            OsStr::new("120"),
            OsStr::new("-l"),
            log.as_os_str(),
        ])?;
        if !started.status.success() {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(20).collect();
            bail!(
                "PostgreSQL did not start: {}{}\n{}",
                String::from_utf8_lossy(&started.stdout),
                String::from_utf8_lossy(&started.stderr),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        tracing::info!(data_dir = %self.pgdata.display(), "local PostgreSQL started");
        Ok(RunningCluster { cluster: self, stopped: Mutex::new(false), _owner: Some(owner) })
    }

    fn init(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.pgdata)?;
        std::fs::set_permissions(&self.pgdata, std::fs::Permissions::from_mode(0o700))?;
        if let Some(user) = &self.run_as {
            chown(&self.pgdata, Some(user.uid.as_raw()), Some(user.gid.as_raw()))?;
        }
        let output = self
            .command("initdb")
            .arg("--pgdata")
            .arg(&self.pgdata)
            .args(["--username", SUPERUSER, "--auth", "trust", "--encoding", "UTF8"])
            .args(["--locale", "C.UTF-8", "--no-instructions"])
            .output()
            .context("running initdb")?;
        if !output.status.success() {
            bail!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let conf = self.pgdata.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)?;
        text.push_str("\n# Written by attest: settings that follow the data directory.\ninclude_if_exists = 'attest.conf'\n");
        std::fs::write(&conf, text)?;
        Ok(())
    }

    /// Settings rewritten at every start, so a moved data directory keeps working.
    fn write_settings(&self) -> anyhow::Result<()> {
        let socket_dir = self.pgdata.to_str().context("the data directory path is not UTF-8")?;
        let mut settings = format!(
            "listen_addresses = ''\nunix_socket_directories = '{}'\nunix_socket_permissions = 0700\nport = {PORT}\nmax_connections = 200\n",
            socket_dir.replace('\'', "''")
        );
        settings.push_str(&format!("shared_buffers = {}MB\n", shared_buffers_mib(cluster_memory())));
        if !self.durable {
            // Throwaway test clusters only: a lost test database is recreated on the next run.
            settings.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        let path = self.pgdata.join("attest.conf");
        std::fs::write(&path, settings)?;
        if let Some(user) = &self.run_as {
            chown(&path, Some(user.uid.as_raw()), Some(user.gid.as_raw()))?;
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bindir.join(program));
        command.current_dir(self.pgdata.parent().unwrap_or(&self.pgdata));
        // Its own process group: a Ctrl-C meant for the server must not reach PostgreSQL,
        // which the server stops itself once in-flight requests are done.
        command.process_group(0);
        command.env_remove("PGDATA").env("LC_ALL", "C.UTF-8");
        if let Some(user) = &self.run_as {
            command.uid(user.uid.as_raw()).gid(user.gid.as_raw());
            command.env("HOME", &user.dir).env("USER", &user.name);
        }
        command
    }

    fn pg_ctl<I, S>(&self, args: I) -> anyhow::Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command("pg_ctl").arg("-D").arg(&self.pgdata).args(args).output().context("running pg_ctl")
    }
}

/// A started cluster; it is stopped when dropped (or by `stop`), unless it was only
/// attached to.
pub struct RunningCluster {
    cluster: LocalCluster,
    stopped: Mutex<bool>,
    /// The owner's lock (`LocalCluster::lock_owner`); none when attached to another's cluster.
    _owner: Option<std::fs::File>,
}

impl RunningCluster {
    /// A libpq-style connection string for `database` over the private socket.
    pub fn url(&self, database: &str) -> String {
        let host = self.cluster.pgdata.display().to_string();
        format!(
            "host='{}' port={PORT} user={SUPERUSER} dbname='{}'",
            host.replace('\\', "\\\\").replace('\'', "\\'"),
            database.replace('\\', "\\\\").replace('\'', "\\'")
        )
    }

    pub fn data_dir(&self) -> &Path {
        &self.cluster.pgdata
    }

    /// Lets go of a cluster whose processes are already gone (killed), without stopping it.
    pub fn abandon(self) {
        *self.stopped.lock().unwrap_or_else(|poison| poison.into_inner()) = true;
    }

    /// Fast shutdown: open sessions are ended, then the cluster stops cleanly. Idempotent.
    pub fn stop(&self) -> anyhow::Result<()> {
        let mut stopped = self.stopped.lock().unwrap_or_else(|poison| poison.into_inner());
        if *stopped {
            return Ok(());
        }
        let output = self.cluster.pg_ctl(["stop", "-m", "fast", "-w", "-t", "60"])?;
        *stopped = true;
        if !output.status.success() {
            bail!("pg_ctl stop failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        tracing::info!("local PostgreSQL stopped");
        Ok(())
    }
}

impl Drop for RunningCluster {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            tracing::error!(%error, "stopping the local PostgreSQL");
        }
    }
}

/// The memory the cluster may use: the machine's, or its cgroup's limit (a container's) if lower.
fn cluster_memory() -> u64 {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    system.cgroup_limits().map_or(system.total_memory(), |limits| limits.total_memory)
}

/// PostgreSQL's own default, 128 MB, fits any machine but holds little of a large
/// database: a million quotes' searches then read most pages through the kernel. A quarter
/// of memory is PostgreSQL's documented starting point for a database server; capped, as
/// the cluster shares the machine with the server and the kernel's file cache. An operator's
/// `ALTER SYSTEM SET shared_buffers` still wins: postgresql.auto.conf is read last.
fn shared_buffers_mib(memory_bytes: u64) -> u64 {
    (memory_bytes / 4 / (1 << 20)).clamp(128, 8192)
}

/// `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin.
pub fn find_bindir() -> anyhow::Result<PathBuf> {
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if dir.join("initdb").exists() {
            return Ok(dir);
        }
    }
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    candidates.sort();
    candidates
        .pop()
        .map(|(_, bin)| bin)
        .context("PostgreSQL server binaries not found (no pg_config, nothing in /usr/lib/postgresql/*/bin); install postgresql, or set DATABASE_URL")
}

/// The postgres account must be able to walk down to `dir`: every ancestor must be
/// searchable by others (or owned by that account).
fn check_reachable(dir: &Path, user: &User) -> anyhow::Result<()> {
    for ancestor in dir.ancestors().skip(1) {
        let metadata = std::fs::metadata(ancestor)?;
        let mode = metadata.permissions().mode();
        let owned = std::os::unix::fs::MetadataExt::uid(&metadata) == user.uid.as_raw();
        if mode & 0o001 == 0 && !(owned && mode & 0o100 != 0) {
            bail!(
                "the `postgres` account cannot reach {} ({} is mode {:o}); choose a --data-dir it can reach, e.g. under /var/lib or /tmp",
                dir.display(),
                ancestor.display(),
                mode & 0o777
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::shared_buffers_mib;

    const GIB: u64 = 1 << 30;

    #[test]
    fn shared_buffers_are_a_quarter_of_memory_within_bounds() {
        assert_eq!(shared_buffers_mib(24 * GIB), 6144);
        assert_eq!(shared_buffers_mib(4 * GIB), 1024);
        // A small machine (or memory unknown: 0) keeps PostgreSQL's default.
        assert_eq!(shared_buffers_mib(GIB / 4), 128);
        assert_eq!(shared_buffers_mib(0), 128);
        // A large one does not hand the cluster most of the file cache's room.
        assert_eq!(shared_buffers_mib(1024 * GIB), 8192);
    }
}
