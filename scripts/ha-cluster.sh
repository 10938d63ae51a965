#!/usr/bin/env bash
# ha-cluster.sh: a local three-node pg_auto_failover cluster on loopback, for
# failover tests and for trying Attest against a highly available PostgreSQL.
#
#   monitor  127.0.0.1:6000  pg_auto_failover monitor (decides who is primary)
#   node1    127.0.0.1:6001  PostgreSQL + pg_autoctl keeper
#   node2    127.0.0.1:6002  PostgreSQL + pg_autoctl keeper
#
# node1 and node2 replicate synchronously: replication-quorum is true on both
# and the primary runs with synchronous_standby_names = 'ANY 1 (...)', so a
# COMMIT is acknowledged only once the standby has the WAL. (With only two
# data nodes the formation's number_sync_standbys must stay 0, which the
# monitor turns into "ANY 1"; 1 is rejected until there are two standbys.)
# When the standby is gone the primary goes to wait_primary and stops waiting
# for it: pg_auto_failover keeps the service available on one node.
#
# Usage: scripts/ha-cluster.sh [-d BASE_DIR] COMMAND [ARGS]
#   start           create (first time) or start the cluster, wait for
#                   primary+secondary, print DATABASE_URL on the last line
#   stop            stop both nodes (standby first), then the monitor
#   destroy         stop, then remove BASE_DIR
#   status          show node states, services, synchronous replication
#   primary         print "<node> <port>" of the node that takes writes now
#   kill-primary    simulate a dead machine: kill -9 the primary's pg_autoctl
#                   processes, then its postmaster; print "<node> <port>"
#   rejoin NODE     start NODE (node1|node2|port) again; it comes back as
#                   standby (pg_rewind or a new base backup), wait for health
#   url             print the multi-host DATABASE_URL
#
# Environment (all optional):
#   ATTEST_HA_DIR         base directory (default /tmp/attest-ha; -d wins)
#   ATTEST_HA_MONITOR_PORT / ATTEST_HA_NODE1_PORT / ATTEST_HA_NODE2_PORT
#                         ports (default 6000 / 6001 / 6002)
#   ATTEST_HA_DB          application database (default attest)
#   ATTEST_HA_WAIT        seconds to wait for the cluster to be healthy (120)
#   PG_MAJOR              PostgreSQL major version (default 15)
#
# Everything (data, logs, pg_autoctl config/state/pid files) lives under the
# base directory, so several clusters can coexist given distinct dirs+ports.
# Authentication is trust on loopback only (initdb's default pg_hba.conf, left
# untouched with --skip-pg-hba) and TLS is off: a local test cluster only.
# As root, pg_autoctl and PostgreSQL run as the postgres account; as another
# user they run as that user, who must be able to write /var/run/postgresql
# (PostgreSQL's unix socket directory on Debian), e.g. the postgres user.
#
# Detect the state programmatically with SQL on the monitor:
#   psql -At 'postgresql://postgres@127.0.0.1:6000/pg_auto_failover' -c \
#     "SELECT nodename, nodeport, reportedstate, goalstate FROM pgautofailover.node"
# Healthy = one row primary/primary and one secondary/secondary.

set -euo pipefail

# ---------------------------------------------------------------- settings --
BASE=${ATTEST_HA_DIR:-/tmp/attest-ha}
if [[ ${1:-} == -d || ${1:-} == --dir ]]; then
    BASE=${2:?missing directory after $1}
    shift 2
fi
BASE=$(realpath -m -- "$BASE")
CMD=${1:-help}
shift || true

HOST=127.0.0.1
MONITOR_PORT=${ATTEST_HA_MONITOR_PORT:-6000}
NODE1_PORT=${ATTEST_HA_NODE1_PORT:-6001}
NODE2_PORT=${ATTEST_HA_NODE2_PORT:-6002}
DBNAME=${ATTEST_HA_DB:-attest}
WAIT_SECS=${ATTEST_HA_WAIT:-120}
PG_MAJOR=${PG_MAJOR:-15}
PG_BINDIR=/usr/lib/postgresql/$PG_MAJOR/bin
NODES=(node1 node2)

# Fast failover for a local test (defaults in parentheses). The monitor
# promotes the standby once the primary fails its health checks and has not
# reported for node_considered_unhealthy_timeout, then waits
# primary_demote_timeout for the old primary to have stopped taking writes.
# A keeper that is alive but cut off from both the monitor and the standby
# demotes its primary after network_partition_timeout, which must stay below
# primary_demote_timeout so that two primaries never take writes at once.
MONITOR_GUCS=(
    "pgautofailover.health_check_period = 1000"                # ms (5000)
    "pgautofailover.health_check_timeout = 1000"               # ms (5000)
    "pgautofailover.health_check_max_retries = 1"              # (2)
    "pgautofailover.health_check_retry_delay = 500"            # ms (2000)
    "pgautofailover.node_considered_unhealthy_timeout = 3000"  # ms (20000)
    "pgautofailover.primary_demote_timeout = 5000"             # ms (30000)
)
KEEPER_SETTINGS=(
    "timeout.network_partition_timeout 3"                      # s (20)
)

MONITOR_PGDATA=$BASE/monitor
MONITOR_URI="postgres://autoctl_node@$HOST:$MONITOR_PORT/pg_auto_failover?sslmode=disable"
MONITOR_SQL_URI="postgresql://postgres@$HOST:$MONITOR_PORT/pg_auto_failover?sslmode=disable&connect_timeout=3"
DATABASE_URL="postgresql://postgres@$HOST:$NODE1_PORT,$HOST:$NODE2_PORT/$DBNAME?target_session_attrs=read-write"
MARKER=$BASE/.attest-ha-cluster

log() { printf '%s ha-cluster: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

node_port() {
    case $1 in
        monitor) echo "$MONITOR_PORT" ;;
        node1) echo "$NODE1_PORT" ;;
        node2) echo "$NODE2_PORT" ;;
        *) die "unknown node '$1'" ;;
    esac
}

# ---------------------------------------------------- running as postgres --
# PostgreSQL refuses to run as root, so as root every pg_autoctl command runs
# as the postgres system account. HOME and XDG dirs point into the base dir:
# pg_autoctl keeps its config in $XDG_CONFIG_HOME/pg_autoctl/<pgdata>/, its
# state in $XDG_DATA_HOME/... and its pid file in $XDG_RUNTIME_DIR/..., so
# nothing lands in /var/lib/postgresql. Stray PG* variables are dropped since
# pg_autoctl takes them as defaults.
PG_ENV=(env -u PGHOST -u PGPORT -u PGDATA -u PGUSER -u PGDATABASE -u PGPASSWORD
    -u PG_AUTOCTL_MONITOR
    HOME="$BASE/home" XDG_CONFIG_HOME="$BASE/config"
    XDG_DATA_HOME="$BASE/share" XDG_RUNTIME_DIR="$BASE/run"
    PG_CONFIG="$PG_BINDIR/pg_config" PATH="$PG_BINDIR:$PATH")
if [[ $EUID -eq 0 ]]; then
    AS_PG=(runuser -u postgres -- "${PG_ENV[@]}")
else
    AS_PG=("${PG_ENV[@]}")
fi
autoctl() { "${AS_PG[@]}" pg_autoctl "$@"; }

# SQL against the monitor, as the postgres superuser over loopback (trust).
monitor_sql() { "$PG_BINDIR/psql" -X -q -At -F ' ' "$MONITOR_SQL_URI" -c "$1"; }

# ------------------------------------------------------------------ setup --
ensure_installed() {
    local control
    control="$("$PG_BINDIR/pg_config" --sharedir)/extension/pgautofailover.control"
    if command -v pg_autoctl >/dev/null && [[ -f $control ]]; then return; fi
    [[ $EUID -eq 0 ]] || die "pg_auto_failover missing: apt-get install postgresql-$PG_MAJOR-auto-failover (as root)"
    log "installing postgresql-$PG_MAJOR-auto-failover"
    { apt-get update && apt-get install -y "postgresql-$PG_MAJOR-auto-failover"; } >&2
}

prepare_dirs() {
    mkdir -p "$BASE"/{home,config,share,run,logs}
    chmod 700 "$BASE/run"
    touch "$MARKER"
    if [[ $EUID -eq 0 ]]; then
        chown postgres:postgres "$BASE" "$BASE"/{home,config,share,run,logs}
        # PostgreSQL's default unix socket directory (may vanish on reboot).
        install -d -o postgres -g postgres -m 2775 /var/run/postgresql
        runuser -u postgres -- test -w "$BASE" ||
            die "postgres cannot write $BASE (is a parent directory private?)"
    fi
}

# ------------------------------------------------------ process handling --
pid_alive() { # a live (not zombie) process
    local state
    [[ -n ${1:-} && -r /proc/$1/stat ]] || return 1
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ $state != Z ]]
}
autoctl_pidfile() { echo "$BASE/run/pg_autoctl$BASE/$1/pg_autoctl.pid"; }
autoctl_pid() { local f; f=$(autoctl_pidfile "$1"); [[ -r $f ]] && head -1 "$f"; }
postmaster_pid() { [[ -r $BASE/$1/postmaster.pid ]] && head -1 "$BASE/$1/postmaster.pid"; }
service_running() { pid_alive "$(autoctl_pid "$1" || true)"; }
port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Pid files left by a killed node name processes that are gone or, where
# PID 1 does not reap orphans, zombies (to which kill -0 still answers yes,
# so postgres and pg_autoctl would refuse to start): remove those.
clean_stale_pidfiles() {
    local f pid
    for f in "$(autoctl_pidfile "$1")" "$BASE/$1/postmaster.pid"; do
        [[ -f $f ]] || continue
        pid=$(head -1 "$f")
        if ! pid_alive "$pid"; then rm -f -- "$f"; fi
    done
}

# Start "pg_autoctl run" for one node in the background, in its own session
# (setsid) so that it outlives this script and a Ctrl-C.
start_service() {
    local node=$1
    if service_running "$node"; then
        log "$node: pg_autoctl already running (pid $(autoctl_pid "$node"))"
        return
    fi
    clean_stale_pidfiles "$node"
    port_in_use "$(node_port "$node")" &&
        die "port $(node_port "$node") is in use by another process (set ATTEST_HA_*_PORT)"
    log "$node: starting pg_autoctl run (log: $BASE/logs/$node.log)"
    setsid "${AS_PG[@]}" pg_autoctl run --pgdata "$BASE/$node" \
        >>"$BASE/logs/$node.log" 2>&1 </dev/null &
    disown
}

# Run a pg_autoctl create command with its output in the node's log.
create_logged() {
    local node=$1; shift
    log "$node: pg_autoctl create $1 (log: $BASE/logs/$node.log)"
    if ! autoctl create "$@" >>"$BASE/logs/$node.log" 2>&1 </dev/null; then
        tail -n 20 "$BASE/logs/$node.log" >&2
        die "$node: creation failed; see $BASE/logs/$node.log (then: $0 destroy)"
    fi
}

# ------------------------------------------------------------------- waits --
wait_for() { # wait_for DESCRIPTION COMMAND...: poll each 0.5 s up to WAIT_SECS
    local what=$1; shift
    local deadline=$((SECONDS + WAIT_SECS))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "timed out after ${WAIT_SECS}s waiting for $what"
        sleep 0.5
    done
}
monitor_ready() { monitor_sql "SELECT 1 FROM pgautofailover.formation LIMIT 1" | grep -q 1; }
node_state_is() { # node_state_is NODE STATE...: reported state among STATE...
    local node=$1 s; shift
    s=$(monitor_sql "SELECT reportedstate FROM pgautofailover.node WHERE nodename = '$node'")
    for want in "$@"; do [[ $s == "$want" ]] && return 0; done
    return 1
}
# Healthy: exactly one primary and one secondary, each at its goal state,
# reporting to the monitor (not just stale rows from before a restart), and
# the primary streaming to a synchronous standby.
cluster_healthy() {
    [[ $(monitor_sql "SELECT count(*) FILTER (WHERE reportedstate = 'primary'
                                               AND goalstate = 'primary'),
                             count(*) FILTER (WHERE reportedstate = 'secondary'
                                               AND goalstate = 'secondary'),
                             count(*) FILTER (WHERE reportedpgisrunning AND health = 1
                                               AND reporttime > now() - interval '5 s')
                      FROM pgautofailover.node") == "1 1 2" ]] &&
        [[ $("$PG_BINDIR/psql" -X -q -At "$DATABASE_URL&connect_timeout=2" -c \
            "SELECT count(*) FROM pg_stat_replication
             WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')") == 1 ]]
}
# Every node whose pg_autoctl is not running is known to the monitor as
# down (health check failed). See the restart notes in cmd_start.
stopped_nodes_marked_down() {
    local node
    for node in "${NODES[@]}"; do
        service_running "$node" && continue
        [[ $(monitor_sql "SELECT health FROM pgautofailover.node WHERE nodename = '$node'") != 1 ]] || return 1
    done
}
node_reported_running() { # NODE SINCE: a report newer than SINCE, postgres up
    [[ $(monitor_sql "SELECT reportedpgisrunning AND reporttime > '$2'
                      FROM pgautofailover.node WHERE nodename = '$1'") == t ]]
}
# The node that takes writes now (primary, or wait_primary while alone).
current_primary() {
    monitor_sql "SELECT nodename, nodeport FROM pgautofailover.node
                 WHERE reportedstate IN ('single', 'wait_primary', 'primary', 'join_primary', 'apply_settings')
                   AND goalstate IN ('single', 'wait_primary', 'primary', 'join_primary', 'apply_settings')
                 ORDER BY nodeid LIMIT 1"
}

# --------------------------------------------------------------- commands --
write_monitor_tuning() {
    local conf=$MONITOR_PGDATA/attest-ha.conf
    {
        echo "# Written by scripts/ha-cluster.sh on each start: fast failover for local tests."
        printf '%s\n' "${MONITOR_GUCS[@]}"
    } >"$conf"
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$conf"
    grep -q "attest-ha.conf" "$MONITOR_PGDATA/postgresql.conf" ||
        echo "include_if_exists = 'attest-ha.conf'" >>"$MONITOR_PGDATA/postgresql.conf"
}

apply_keeper_settings() {
    local node=$1 kv
    for kv in "${KEEPER_SETTINGS[@]}"; do
        # shellcheck disable=SC2086 # "key value" splits on purpose
        autoctl config set --pgdata "$BASE/$node" $kv >/dev/null
    done
}

create_node() {
    local node=$1
    create_logged "$node" postgres --pgdata "$BASE/$node" --pgctl "$PG_BINDIR/pg_ctl" \
        --pgport "$(node_port "$node")" --hostname "$HOST" --listen "$HOST" \
        --name "$node" --dbname "$DBNAME" --monitor "$MONITOR_URI" \
        --skip-pg-hba --no-ssl --replication-quorum true --candidate-priority 50
    touch "$BASE/.$node.created"
}

cmd_start() {
    local t0=$SECONDS node
    ensure_installed
    prepare_dirs

    # 1. The monitor.
    if [[ ! -f $BASE/.monitor.created ]]; then
        [[ -e $MONITOR_PGDATA ]] && die "$MONITOR_PGDATA exists from a failed start: $0 destroy"
        create_logged monitor monitor --pgdata "$MONITOR_PGDATA" --pgctl "$PG_BINDIR/pg_ctl" \
            --pgport "$MONITOR_PORT" --hostname "$HOST" --skip-pg-hba --no-ssl
        # The monitor has no --listen option; it would listen on '*'.
        autoctl config set --pgdata "$MONITOR_PGDATA" postgresql.listen_addresses "$HOST" >/dev/null
        touch "$BASE/.monitor.created"
    fi
    write_monitor_tuning
    start_service monitor
    wait_for "the monitor" monitor_ready

    # 2. The data nodes.
    local fresh=0 first since order
    for node in "${NODES[@]}"; do [[ -f $BASE/.$node.created ]] || fresh=1; done
    if ((fresh)); then
        # First run: node1 is created alone and becomes primary ("single");
        # node2 is then created from a base backup of it.
        for node in "${NODES[@]}"; do
            if [[ ! -f $BASE/.$node.created ]]; then
                [[ -e $BASE/$node ]] && die "$BASE/$node exists from a failed start: $0 destroy"
                create_node "$node"
            fi
            apply_keeper_settings "$node"
            start_service "$node"
            wait_for "$node to run" node_state_is "$node" single wait_primary primary secondary
        done
    else
        # Restart. A keeper's first report, sent before its postgres is up,
        # says "not running", which the monitor treats as a failed primary at
        # once (no grace period). From the rows left by the last run the
        # stopped standby still looks healthy, so it would be chosen for a
        # needless failover. Hence: wait until the monitor's health checks
        # mark stopped nodes down, start the last primary alone until it
        # reports postgres running, then start the other node.
        wait_for "the monitor to see stopped nodes as down" stopped_nodes_marked_down
        first=$(current_primary | awk '{print $1}')
        order=("${NODES[@]}")
        [[ $first == node2 ]] && order=(node2 node1)
        for node in "${order[@]}"; do
            apply_keeper_settings "$node"
            since=$(monitor_sql "SELECT now()")
            start_service "$node"
            if [[ $node == "$first" ]]; then
                wait_for "$node to report postgres running" node_reported_running "$node" "$since"
            fi
        done
    fi

    wait_for "one primary and one secondary" cluster_healthy
    log "cluster healthy after $((SECONDS - t0))s; primary: $(current_primary)"
    echo "$DATABASE_URL"
}

stop_one() {
    local node=$1 deadline
    service_running "$node" || return 0
    log "$node: stopping"
    autoctl stop --pgdata "$BASE/$node" >/dev/null 2>&1 || true
    deadline=$((SECONDS + 60))
    while service_running "$node" && ((SECONDS < deadline)); do sleep 0.5; done
    if service_running "$node"; then
        log "$node: still running, immediate stop"
        autoctl stop --immediate --pgdata "$BASE/$node" >/dev/null 2>&1 || true
        sleep 2
    fi
}

cmd_stop() {
    local primary node
    # Standby first, then the primary, then the monitor: stopping the primary
    # first would let the monitor fail over to the standby meanwhile.
    primary=$(current_primary 2>/dev/null | awk '{print $1}' || true)
    for node in "${NODES[@]}"; do [[ $node == "$primary" ]] || stop_one "$node"; done
    [[ -n $primary ]] && stop_one "$primary"
    stop_one monitor
}

cmd_destroy() {
    local node pid
    [[ -d $BASE ]] || { log "nothing at $BASE"; return; }
    [[ -f $MARKER ]] || die "$BASE was not made by this script; not removing it"
    cmd_stop || true
    # Anything left (e.g. a stop that failed): kill it by its pid files.
    for node in monitor "${NODES[@]}"; do
        for pid in "$(autoctl_pid "$node" || true)" "$(postmaster_pid "$node" || true)"; do
            if pid_alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
        done
    done
    rm -rf -- "$BASE"
    log "removed $BASE"
}

cmd_status() {
    local node pid pm
    for node in monitor "${NODES[@]}"; do
        pid=$(autoctl_pid "$node" || true)
        pm=$(postmaster_pid "$node" || true)
        printf '%-8s port %-5s pg_autoctl %-12s postmaster %s\n' "$node" "$(node_port "$node")" \
            "$(pid_alive "$pid" && echo "pid $pid" || echo down)" \
            "$(pid_alive "$pm" && echo "pid $pm" || echo down)"
    done
    echo
    autoctl show state --pgdata "$MONITOR_PGDATA" 2>/dev/null || { echo "monitor unreachable"; return 1; }
    echo
    "$PG_BINDIR/psql" -X -q "$DATABASE_URL&connect_timeout=3" \
        -c "SELECT inet_server_port() AS primary_port, current_setting('synchronous_standby_names') AS synchronous_standby_names" \
        -c "SELECT application_name, state, sync_state FROM pg_stat_replication" 2>/dev/null ||
        echo "no writable primary reachable"
}

cmd_primary() {
    local p
    p=$(current_primary) || die "monitor unreachable"
    [[ -n $p ]] || die "no primary right now (failover in progress?)"
    echo "$p"
}

cmd_kill_primary() {
    local node port sup pids pm
    read -r node port < <(cmd_primary) || true
    [[ -n ${node:-} ]] || die "no primary to kill"
    sup=$(autoctl_pid "$node" || true)
    pid_alive "$sup" || die "$node: pg_autoctl is not running"
    # The keeper would restart a killed postgres at once, so kill pg_autoctl
    # first (the supervisor and its children: keeper, postgres controller),
    # then the postmaster; its backends exit on postmaster death.
    pids="$sup $(ps -o pid= --ppid "$sup" | tr '\n' ' ')"
    pm=$(postmaster_pid "$node" || true)
    # shellcheck disable=SC2086 # a list of pids
    kill -9 $pids 2>/dev/null || true
    if [[ -n $pm ]]; then kill -9 "$pm" 2>/dev/null || true; fi
    log "killed $node ($HOST:$port): pg_autoctl pids $pids, postmaster ${pm:-?} at $(date +%T.%3N)"
    echo "$node $port"
}

cmd_rejoin() {
    local node=${1:?usage: $0 rejoin node1|node2}
    [[ $node == "$NODE1_PORT" ]] && node=node1
    [[ $node == "$NODE2_PORT" ]] && node=node2
    [[ $node == node1 || $node == node2 ]] || die "unknown node '$node'"
    local t0=$SECONDS
    service_running monitor || die "monitor is not running: $0 start"
    clean_stale_pidfiles "$node"
    apply_keeper_settings "$node"
    start_service "$node"
    wait_for "$node to rejoin" cluster_healthy
    log "$node rejoined after $((SECONDS - t0))s; primary: $(current_primary)"
    autoctl show state --pgdata "$MONITOR_PGDATA"
}

case $CMD in
    start) cmd_start ;;
    stop) cmd_stop ;;
    destroy) cmd_destroy ;;
    status) cmd_status ;;
    primary) cmd_primary ;;
    kill-primary) cmd_kill_primary ;;
    rejoin) cmd_rejoin "$@" ;;
    url) echo "$DATABASE_URL" ;;
    help | -h | --help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$CMD' (try: $0 help)" ;;
esac
