#!/usr/bin/env bash
# scripts/services.sh up|down|env|status|install
#
# Runs the services Narwhal needs on this machine as plain background
# processes (no systemd, no containers): Postgres, RabbitMQ (+ management
# plugin), the Docker engine (only if none answers) and s3rver (S3 API).
# Each instance keeps its data, logs and PID files under its own data folder,
# so several instances (a developer's stack, CI) run side by side.
#
#   up       install what is missing, start what is not running (idempotent:
#            running services are detected by PID file + liveness check and
#            reused), create the database "narwhal" if missing
#   down     stop what this instance started (by PID); data is kept
#   env      print `export NARWHAL_...=...` lines for `eval "$(scripts/services.sh env)"`
#            (only those lines on stdout; nothing is started)
#   status   print which services run; exit 0 when all run, 3 otherwise
#   install  only install missing packages (apt-get; chromium for the UI tests) and tools/ (npm ci)
#
# Environment knobs (defaults in brackets):
#   NARWHAL_INSTANCE              [narwhal]  instance name: a-z 0-9 - _ (max 40),
#                                            names the data folder and the RabbitMQ node
#                                            (narwhal-<instance>@localhost)
#   NARWHAL_DATA_DIR              [<repo>/.narwhal-data/<instance>]  data, logs, PID files
#   NARWHAL_PORT_BASE             [55400]    first of six consecutive loopback ports:
#   NARWHAL_PG_PORT               [base+0]   Postgres
#   NARWHAL_AMQP_PORT             [base+1]   RabbitMQ AMQP
#   NARWHAL_AMQP_MANAGEMENT_PORT  [base+2]   RabbitMQ management HTTP API (guest/guest)
#   NARWHAL_AMQP_DIST_PORT        [base+3]   Erlang distribution port of the RabbitMQ node
#   NARWHAL_S3_PORT               [base+4]   s3rver (keys S3RVER/S3RVER)
#   NARWHAL_EPMD_PORT             [base+5]   this instance's own Erlang port mapper (epmd),
#                                            so instances never share (or kill) one epmd
#   NARWHAL_PG_FAST               [0]        1 = start Postgres with fsync=off and
#                                            synchronous_commit=off (tests only; applies
#                                            when Postgres is started, not to a running one)
#   NARWHAL_DOCKER_HOST           [unix:///var/run/docker.sock]  engine to use; dockerd is
#                                            started only when the default socket does not answer
#   NARWHAL_DOCKER_ADDRESS_POOL   [10.213.0.0/16]  where a dockerd started here takes its networks'
#                                            subnets (/24 each: 256 networks, one per running run)
#   NARWHAL_SKIP_INSTALL          [0]        1 = never run apt-get/npm (fail if something is missing)
#
# Everything listens on 127.0.0.1 only. Logs: <data>/log/ (Postgres: <data>/postgres/server.log).
# To wipe an instance: `scripts/services.sh down && rm -rf <data dir>` (when <data dir>/postgres
# is a symlink, because user postgres could not reach <data dir>, remove its target too).

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/rabbitmq.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/rabbitmq.sh"

# --- configuration ----------------------------------------------------------

INSTANCE="${NARWHAL_INSTANCE:-narwhal}"
if [[ ! "$INSTANCE" =~ ^[a-z0-9][a-z0-9_-]{0,39}$ ]]; then
  die "NARWHAL_INSTANCE='$INSTANCE' must be 1-40 characters of a-z, 0-9, '-' or '_', starting with a letter or digit"
fi

DATA="${NARWHAL_DATA_DIR:-$NARWHAL_REPO/.narwhal-data/$INSTANCE}"
[[ "$DATA" == /* ]] || DATA="$PWD/$DATA"

BASE="${NARWHAL_PORT_BASE:-55400}"
{ [[ "$BASE" =~ ^[0-9]+$ ]] && ((BASE > 0 && BASE + 5 <= 65535)); } || die "NARWHAL_PORT_BASE='$BASE' is not a usable port number"
PG_PORT="${NARWHAL_PG_PORT:-$((BASE + 0))}"
AMQP_PORT="${NARWHAL_AMQP_PORT:-$((BASE + 1))}"
MGMT_PORT="${NARWHAL_AMQP_MANAGEMENT_PORT:-$((BASE + 2))}"
DIST_PORT="${NARWHAL_AMQP_DIST_PORT:-$((BASE + 3))}"
S3_PORT="${NARWHAL_S3_PORT:-$((BASE + 4))}"
EPMD_PORT="${NARWHAL_EPMD_PORT:-$((BASE + 5))}"
for _p in PG_PORT AMQP_PORT MGMT_PORT DIST_PORT S3_PORT EPMD_PORT; do
  { [[ "${!_p}" =~ ^[0-9]+$ ]] && ((${!_p} > 0 && ${!_p} <= 65535)); } || die "$_p='${!_p}' is not a valid port"
done

PG_FAST="${NARWHAL_PG_FAST:-0}"

DEFAULT_DOCKER_SOCK=/var/run/docker.sock
DOCKER_HOST_URL="${NARWHAL_DOCKER_HOST:-unix://$DEFAULT_DOCKER_SOCK}"
DOCKER_SOCK="${DOCKER_HOST_URL#unix://}"

RUN="$DATA/run"
LOGS="$DATA/log"
RMQ="$DATA/rabbitmq"
S3DIR="$DATA/s3"
RMQ_NODE="narwhal-$INSTANCE@localhost"
S3RVER_JS="$NARWHAL_REPO/tools/node_modules/s3rver/bin/s3rver.js"
DOCKER_USERS_DIR=/run/narwhal/docker-users   # machine-wide: which instances use a dockerd we started

# --- helpers ----------------------------------------------------------------

# spawn PIDFILE LOGFILE CMD... : starts CMD in its own session, detached from
# our stdio, and writes its real PID (the exec'ed process) to PIDFILE.
spawn() {
  local pidfile="$1" logfile="$2"
  shift 2
  rm -f "$pidfile"
  # fd 9 (the instance lock) must not leak into long-running children.
  # shellcheck disable=SC2016  # $$ and $@ are for the inner sh
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.05
  done
  die "could not start $1 (no PID written to $pidfile)"
}

lock_instance() {
  mkdir -p "$RUN"
  exec 9>"$RUN/.lock"
  if ! flock -w 600 9; then die "another services.sh holds $RUN/.lock for more than 10 minutes"; fi
}

port_free_or_die() {
  local port="$1" what="$2" knob="$3"
  if port_in_use "$port"; then
    die "$what: port $port on 127.0.0.1 is already in use by another process (not this instance's $what). Choose other ports with NARWHAL_PORT_BASE or $knob."
  fi
}

# --- Postgres ---------------------------------------------------------------

pg_data_dir() {
  # Postgres runs as user 'postgres', which must be able to reach its data
  # folder. When the data folder sits under a directory that user cannot
  # traverse (e.g. a clone under /root), the cluster lives under
  # /var/lib/narwhal instead and <data>/postgres is a symlink to it.
  local link="$DATA/postgres"
  if [[ -L "$link" ]]; then readlink -f "$link"; return 0; fi
  if [[ -d "$link" ]]; then echo "$link"; return 0; fi
  if runuser -u postgres -- test -x "$DATA" 2>/dev/null; then
    echo "$link"
  else
    echo "/var/lib/narwhal/pg-$INSTANCE-$(printf '%s' "$DATA" | cksum | cut -d' ' -f1)"
  fi
}

pg_pid() {
  local pgdata
  pgdata="$(pg_data_dir)"
  [[ -f "$pgdata/postmaster.pid" ]] || return 0
  read_pid "$pgdata/postmaster.pid"
}

pg_running() {
  local pid
  pid="$(pg_pid)"
  [[ -n "$pid" ]] && pid_alive "$pid" postgres
}

pg_bin() {
  local pgdata ver=""
  pgdata="$(pg_data_dir)"
  [[ -f "$pgdata/PG_VERSION" ]] && ver="$(cat "$pgdata/PG_VERSION")"
  local bin
  bin="$(pg_bin_dir "$ver")"
  [[ -n "$bin" ]] || die "no Postgres server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
  if [[ -n "$ver" && "$bin" != "/usr/lib/postgresql/$ver/bin" ]]; then
    die "the Postgres data in $pgdata is version $ver but only $bin is installed (apt-get install postgresql-$ver)"
  fi
  echo "$bin"
}

pg_ready() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -t 2; }

pg_psql() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }

pg_up() {
  local pgdata
  pgdata="$(pg_data_dir)"
  PGBIN="$(pg_bin)"
  if pg_running; then
    if wait_until 30 "postgres" pg_ready; then
      log "postgres: already running (pid $(pg_pid), port $PG_PORT)"
      if [[ "$PG_FAST" == 1 ]] && [[ "$(pg_psql -d postgres -tAc 'SHOW fsync' 2>/dev/null)" == on ]]; then
        warn "postgres: NARWHAL_PG_FAST=1 but the running server is durable (fsync=on); 'down' then 'up' to switch"
      fi
    else
      tail_log "$pgdata/server.log"
      die "postgres: pid $(pg_pid) runs but does not answer on 127.0.0.1:$PG_PORT (was it started with another port?)"
    fi
  else
    port_free_or_die "$PG_PORT" postgres NARWHAL_PG_PORT
    if [[ ! -f "$pgdata/PG_VERSION" ]]; then
      log "postgres: initdb in $pgdata"
      if [[ "$pgdata" != "$DATA/postgres" ]]; then
        warn "postgres: user 'postgres' cannot reach $DATA; the cluster lives in $pgdata (symlinked from $DATA/postgres)"
      fi
      local tmp="$pgdata.initdb-tmp"
      rm -rf "$tmp"
      mkdir -p "$(dirname "$pgdata")"
      install -d -o postgres -g postgres -m 700 "$tmp"
      if ! runuser -u postgres -- "$PGBIN/initdb" -D "$tmp" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        </dev/null >"$LOGS/initdb.log" 2>&1; then
        tail_log "$LOGS/initdb.log"
        die "postgres: initdb failed"
      fi
      rm -rf "$pgdata" 2>/dev/null || true
      mv "$tmp" "$pgdata"
      [[ "$pgdata" == "$DATA/postgres" ]] || ln -sfn "$pgdata" "$DATA/postgres"
    fi
    # Unix socket inside the cluster folder (path limit ~107 bytes; else TCP only).
    local sockdir="$pgdata"
    if ((${#sockdir} + 20 > 100)); then
      warn "postgres: data path too long for a unix socket; TCP only"
      sockdir=""
    fi
    local opts="-p $PG_PORT -c listen_addresses=127.0.0.1 -c max_connections=200 -c unix_socket_directories='$sockdir'"
    if [[ "$PG_FAST" == 1 ]]; then
      opts+=" -c fsync=off -c synchronous_commit=off"
      log "postgres: starting on 127.0.0.1:$PG_PORT (NARWHAL_PG_FAST=1: fsync=off, synchronous_commit=off)"
    else
      log "postgres: starting on 127.0.0.1:$PG_PORT (durable)"
    fi
    if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 -o "$opts" start \
      </dev/null >>"$LOGS/pg_ctl.log" 2>&1 9>&-; then
      tail_log "$LOGS/pg_ctl.log" 10
      tail_log "$pgdata/server.log"
      die "postgres: did not start within 60 s"
    fi
    if ! wait_until 30 postgres pg_ready; then
      tail_log "$pgdata/server.log"
      die "postgres: started but does not answer on 127.0.0.1:$PG_PORT within 30 s"
    fi
    log "postgres: ready (pid $(pg_pid))"
  fi
  if [[ "$(pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'narwhal'")" != 1 ]]; then
    log "postgres: creating database narwhal"
    pg_psql -d postgres -c 'CREATE DATABASE narwhal' >/dev/null
  fi
}

pg_down() {
  local pgdata pid
  pgdata="$(pg_data_dir)"
  pid="$(pg_pid)"
  if [[ -z "$pid" ]] || ! pid_alive "$pid" postgres; then
    log "postgres: not running"
    return 0
  fi
  PGBIN="$(pg_bin)"
  log "postgres: stopping (pid $pid)"
  if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pgdata" -m fast -w -t 60 stop </dev/null >>"$LOGS/pg_ctl.log" 2>&1; then
    warn "postgres: pg_ctl stop failed; signalling pid $pid"
    kill -INT "$pid" 2>/dev/null || true
    stop_pid "$pid" postgres 30
  fi
}

# --- RabbitMQ (+ its own epmd) ---------------------------------------------

rmq_env() {
  export HOME="$RMQ"
  rabbit_node_env "$RMQ_NODE" "$AMQP_PORT" "$DIST_PORT" "$EPMD_PORT" "$RMQ" "$RUN/rabbitmq.pid"
}

rmqctl() { (rmq_env && rabbitmqctl "$@"); }

epmd_running() {
  local pid
  pid="$(read_pid "$RUN/epmd.pid")"
  [[ -n "$pid" ]] && pid_alive "$pid" epmd
}

epmd_up() {
  if epmd_running; then return 0; fi
  if port_in_use "$EPMD_PORT"; then
    warn "epmd: port $EPMD_PORT already answers (not started by this instance); reusing it"
    rm -f "$RUN/epmd.pid"
    return 0
  fi
  local epmd_bin
  # shellcheck disable=SC2012
  epmd_bin="$(command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -n 1 || true)"
  [[ -n "$epmd_bin" && -x "$epmd_bin" ]] || die "epmd not found (it comes with rabbitmq-server's Erlang)"
  log "epmd: starting on 127.0.0.1:$EPMD_PORT"
  spawn "$RUN/epmd.pid" "$LOGS/epmd.log" "$epmd_bin" -port "$EPMD_PORT" -address 127.0.0.1
  if ! wait_until 10 epmd port_in_use "$EPMD_PORT"; then
    tail_log "$LOGS/epmd.log"
    die "epmd: did not listen on 127.0.0.1:$EPMD_PORT within 10 s"
  fi
}

epmd_down() {
  local pid
  pid="$(read_pid "$RUN/epmd.pid")"
  if [[ -n "$pid" ]] && pid_alive "$pid" epmd; then
    log "epmd: stopping (pid $pid)"
    stop_pid "$pid" epmd 10
  fi
  rm -f "$RUN/epmd.pid"
}

rmq_pid() { read_pid "$RUN/rabbitmq.pid"; }

rmq_running() {
  local pid
  pid="$(rmq_pid)"
  [[ -n "$pid" ]] && pid_alive "$pid" beam
}

mgmt_ready() { curl -sf --max-time 5 -u guest:guest "http://127.0.0.1:$MGMT_PORT/api/overview" -o /dev/null; }

rmq_write_config() {
  mkdir -p "$RMQ/mnesia" "$RMQ/log"
  printf '[rabbitmq_management].\n' >"$RMQ/enabled_plugins"
  cat >"$RMQ/rabbitmq.conf" <<EOF
# generated by scripts/services.sh (instance $INSTANCE); rewritten on every start
management.tcp.ip = 127.0.0.1
management.tcp.port = $MGMT_PORT
loopback_users.guest = true
EOF
  : >"$RMQ/rabbitmq-env.conf"
  if [[ ! -s "$RMQ/.erlang.cookie" ]]; then
    (umask 077 && head -c 64 /dev/urandom | od -An -tx1 | tr -dc 'a-f0-9' | head -c 32 >"$RMQ/.erlang.cookie")
    chmod 400 "$RMQ/.erlang.cookie"
  fi
}

rmq_up() {
  if rmq_running; then
    if mgmt_ready; then
      log "rabbitmq: already running (node $RMQ_NODE, pid $(rmq_pid), amqp $AMQP_PORT, management $MGMT_PORT)"
      return 0
    fi
    log "rabbitmq: pid $(rmq_pid) runs but management API does not answer yet; waiting"
  else
    port_free_or_die "$AMQP_PORT" "rabbitmq (amqp)" NARWHAL_AMQP_PORT
    port_free_or_die "$MGMT_PORT" "rabbitmq (management)" NARWHAL_AMQP_MANAGEMENT_PORT
    port_free_or_die "$DIST_PORT" "rabbitmq (erlang distribution)" NARWHAL_AMQP_DIST_PORT
    epmd_up
    rmq_write_config
    rm -f "$RUN/rabbitmq.pid"
    log "rabbitmq: starting node $RMQ_NODE (amqp $AMQP_PORT, management $MGMT_PORT, dist $DIST_PORT, epmd $EPMD_PORT)"
    (rmq_env && spawn "$RUN/rabbitmq-server.pid" "$LOGS/rabbitmq.console.log" rabbitmq-server)
  fi
  epmd_up
  local t0=$SECONDS
  if ! rmqctl wait --timeout 120 "$RUN/rabbitmq.pid" </dev/null >>"$LOGS/rabbitmqctl.log" 2>&1; then
    tail_log "$LOGS/rabbitmqctl.log" 15
    tail_log "$LOGS/rabbitmq.console.log"
    tail_log "$RMQ/log/$RMQ_NODE.log"
    die "rabbitmq: node $RMQ_NODE did not start within 120 s"
  fi
  if ! wait_until 60 "management API" mgmt_ready; then
    tail_log "$RMQ/log/$RMQ_NODE.log"
    die "rabbitmq: node runs but the management API on 127.0.0.1:$MGMT_PORT does not answer within 60 s"
  fi
  log "rabbitmq: ready (pid $(rmq_pid), $((SECONDS - t0)) s)"
}

rmq_down() {
  local pid wrapper
  pid="$(rmq_pid)"
  wrapper="$(read_pid "$RUN/rabbitmq-server.pid")"
  if [[ -n "$pid" ]] && pid_alive "$pid" beam; then
    log "rabbitmq: stopping node $RMQ_NODE (pid $pid)"
    if ! rmqctl shutdown --timeout 60 </dev/null >>"$LOGS/rabbitmqctl.log" 2>&1; then
      warn "rabbitmq: 'rabbitmqctl shutdown' failed; signalling pid $pid"
    fi
    stop_pid "$pid" rabbitmq 30
  else
    log "rabbitmq: not running"
  fi
  if [[ -n "$wrapper" ]] && pid_alive "$wrapper" rabbitmq-server; then
    stop_pid "$wrapper" rabbitmq-server 10
  fi
  rm -f "$RUN/rabbitmq.pid" "$RUN/rabbitmq-server.pid"
  epmd_down
}

# --- s3rver ------------------------------------------------------------------

s3_pid() { read_pid "$RUN/s3rver.pid"; }

s3_running() {
  local pid
  pid="$(s3_pid)"
  [[ -n "$pid" ]] && pid_alive "$pid" s3rver
}

s3_ready() {
  local code
  code="$(curl -s --max-time 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3_PORT/" || true)"
  [[ "$code" =~ ^[2-4][0-9][0-9]$ ]]
}

s3_up() {
  if s3_running && s3_ready; then
    log "s3rver: already running (pid $(s3_pid), port $S3_PORT)"
    return 0
  fi
  if ! s3_running; then
    port_free_or_die "$S3_PORT" s3rver NARWHAL_S3_PORT
    [[ -f "$S3RVER_JS" ]] || die "s3rver is not installed ($S3RVER_JS missing): run 'scripts/services.sh install'"
    command -v node >/dev/null 2>&1 || die "node is missing (apt-get install nodejs)"
    mkdir -p "$S3DIR"
    log "s3rver: starting on 127.0.0.1:$S3_PORT"
    # s3rver signs listing continuation tokens with DES, which Node 20's OpenSSL 3 only has in its legacy provider.
    spawn "$RUN/s3rver.pid" "$LOGS/s3rver.log" node --openssl-legacy-provider "$S3RVER_JS" -d "$S3DIR" -a 127.0.0.1 -p "$S3_PORT"
  fi
  if ! wait_until 30 s3rver s3_ready; then
    tail_log "$LOGS/s3rver.log"
    die "s3rver: does not answer on 127.0.0.1:$S3_PORT within 30 s"
  fi
  log "s3rver: ready (pid $(s3_pid))"
}

s3_down() {
  local pid
  pid="$(s3_pid)"
  if [[ -n "$pid" ]] && pid_alive "$pid" s3rver; then
    log "s3rver: stopping (pid $pid)"
    stop_pid "$pid" s3rver 10
  else
    log "s3rver: not running"
  fi
  rm -f "$RUN/s3rver.pid"
}

# --- Docker engine -----------------------------------------------------------

docker_ping() {
  [[ -S "$DOCKER_SOCK" ]] || return 1
  [[ "$(curl -s --max-time 3 --unix-socket "$DOCKER_SOCK" http://x/_ping 2>/dev/null)" == OK ]]
}

dockerd_ours() {
  local pid
  pid="$(read_pid "$RUN/dockerd.pid")"
  [[ -n "$pid" ]] && pid_alive "$pid" dockerd
}

docker_user_file() { echo "$DOCKER_USERS_DIR/$(printf '%s' "$DATA" | cksum | cut -d' ' -f1)"; }

docker_register_use() {
  mkdir -p "$DOCKER_USERS_DIR" 2>/dev/null || return 0
  printf '%s\n' "$DATA" >"$(docker_user_file)" 2>/dev/null || true
}

# Other instances whose stack runs and which use the dockerd we started.
docker_other_users() {
  local f dir pid
  [[ -d "$DOCKER_USERS_DIR" ]] || return 0
  for f in "$DOCKER_USERS_DIR"/*; do
    [[ -f "$f" && "$f" != "$(docker_user_file)" ]] || continue
    dir="$(head -n 1 "$f")"
    pid="$(read_pid "$dir/run/s3rver.pid")"
    if [[ -n "$pid" ]] && pid_alive "$pid" s3rver; then echo "$dir"; continue; fi
    pid="$(read_pid "$dir/run/rabbitmq.pid")"
    if [[ -n "$pid" ]] && pid_alive "$pid" beam; then echo "$dir"; continue; fi
    rm -f "$f"
  done
}

docker_up() {
  if docker_ping; then
    if dockerd_ours; then
      log "docker: already running (started by this instance, pid $(read_pid "$RUN/dockerd.pid"))"
    else
      log "docker: engine answers on $DOCKER_SOCK (not started by this instance; left alone)"
    fi
    docker_register_use
    return 0
  fi
  if [[ "$DOCKER_SOCK" != "$DEFAULT_DOCKER_SOCK" ]]; then
    die "docker: NARWHAL_DOCKER_HOST=$DOCKER_HOST_URL does not answer (dockerd is only started for $DEFAULT_DOCKER_SOCK)"
  fi
  if ! dockerd_ours; then
    local other
    other="$(read_pid /var/run/docker.pid)"
    if [[ -n "$other" ]] && pid_alive "$other" dockerd; then
      log "docker: a dockerd (pid $other, not ours) exists but does not answer yet; waiting"
      if wait_until 30 docker docker_ping; then docker_register_use; return 0; fi
      die "docker: dockerd pid $other (not started by this instance) does not answer on $DOCKER_SOCK"
    fi
    command -v dockerd >/dev/null 2>&1 || die "dockerd is missing (apt-get install docker.io)"
    log "docker: starting dockerd (log $LOGS/dockerd.log)"
    # Every Narwhal run gets a network of its own; the engine's built-in address pools hold only
    # about 30 networks. One /16 cut into /24s gives 256, for parallel test stacks and big Runners.
    spawn "$RUN/dockerd.pid" "$LOGS/dockerd.log" dockerd --default-address-pool "base=${NARWHAL_DOCKER_ADDRESS_POOL:-10.213.0.0/16},size=24"
  fi
  if ! wait_until 30 docker docker_ping; then
    tail_log "$LOGS/dockerd.log"
    die "docker: dockerd did not answer on $DOCKER_SOCK within 30 s"
  fi
  docker_register_use
  log "docker: ready (pid $(read_pid "$RUN/dockerd.pid"), started by this instance)"
}

docker_down() {
  rm -f "$(docker_user_file)" 2>/dev/null || true
  if ! dockerd_ours; then
    rm -f "$RUN/dockerd.pid"
    log "docker: not started by this instance; left alone"
    return 0
  fi
  local others
  others="$(docker_other_users)"
  if [[ -n "$others" ]]; then
    warn "docker: dockerd (pid $(read_pid "$RUN/dockerd.pid")) was started by this instance but is still used by: $(echo "$others" | tr '\n' ' ')- leaving it running"
    rm -f "$RUN/dockerd.pid"
    return 0
  fi
  local pid
  pid="$(read_pid "$RUN/dockerd.pid")"
  log "docker: stopping dockerd (pid $pid)"
  stop_pid "$pid" dockerd 30
  rm -f "$RUN/dockerd.pid"
}

# --- commands ----------------------------------------------------------------

# Before starting anything: every port of a service this instance does not
# run yet must be free, so a collision fails fast and leaves nothing half up.
preflight_ports() {
  local busy=()
  if ! pg_running; then port_in_use "$PG_PORT" && busy+=("postgres $PG_PORT (NARWHAL_PG_PORT)"); fi
  if ! rmq_running; then
    port_in_use "$AMQP_PORT" && busy+=("amqp $AMQP_PORT (NARWHAL_AMQP_PORT)")
    port_in_use "$MGMT_PORT" && busy+=("rabbitmq management $MGMT_PORT (NARWHAL_AMQP_MANAGEMENT_PORT)")
    port_in_use "$DIST_PORT" && busy+=("erlang distribution $DIST_PORT (NARWHAL_AMQP_DIST_PORT)")
  fi
  if ! s3_running; then port_in_use "$S3_PORT" && busy+=("s3rver $S3_PORT (NARWHAL_S3_PORT)"); fi
  if ((${#busy[@]} > 0)); then
    local b
    for b in "${busy[@]}"; do printf '  port in use by another process: %s\n' "$b" >&2; done
    die "instance '$INSTANCE' cannot start: ports taken (another instance or program). Pick other ports with NARWHAL_PORT_BASE (now $BASE) or the per-service knobs."
  fi
  return 0
}

cmd_env() {
  cat <<EOF
export NARWHAL_INSTANCE=$INSTANCE
export NARWHAL_POSTGRES='Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=narwhal'
export NARWHAL_RABBITMQ='amqp://guest:guest@127.0.0.1:$AMQP_PORT/'
export NARWHAL_RABBITMQ_MANAGEMENT='http://guest:guest@127.0.0.1:$MGMT_PORT/'
export NARWHAL_S3_URL='http://127.0.0.1:$S3_PORT'
export NARWHAL_S3_ACCESS_KEY=S3RVER
export NARWHAL_S3_SECRET_KEY=S3RVER
export NARWHAL_S3_CHUNKED_ENCODING=false
export NARWHAL_DOCKER_HOST='$DOCKER_HOST_URL'
EOF
}

cmd_install() {
  if [[ "${NARWHAL_SKIP_INSTALL:-0}" == 1 ]]; then return 0; fi
  ensure_prereqs
  ensure_chromium
}

# ensure_chromium : Debian's chromium, which the web UI tests (tests/Narwhal.Ui.Tests) drive through
# Playwright at /usr/bin/chromium. Playwright's own browser download is never used (it cannot reach
# its CDN here); the tests fail with a clear message when this is missing.
ensure_chromium() {
  [[ -x /usr/bin/chromium ]] || apt_install chromium
}

cmd_up() {
  local t0=$SECONDS
  cmd_install
  mkdir -p "$DATA" "$RUN" "$LOGS"
  chmod 755 "$DATA"
  lock_instance
  log "instance '$INSTANCE': data $DATA, ports pg $PG_PORT amqp $AMQP_PORT mgmt $MGMT_PORT dist $DIST_PORT s3 $S3_PORT epmd $EPMD_PORT"
  preflight_ports
  docker_up
  pg_up
  s3_up
  rmq_up
  log "instance '$INSTANCE' is up ($((SECONDS - t0)) s). Use: eval \"\$(scripts/services.sh env)\""
}

cmd_down() {
  if [[ ! -d "$RUN" ]]; then
    log "instance '$INSTANCE': nothing to stop ($RUN does not exist)"
    return 0
  fi
  mkdir -p "$LOGS"
  lock_instance
  local rc=0
  rmq_down || rc=1
  s3_down || rc=1
  pg_down || rc=1
  docker_down || rc=1
  log "instance '$INSTANCE' is down"
  return $rc
}

cmd_status() {
  local all=0 pid
  echo "instance $INSTANCE (data $DATA)"
  if [[ -d "$DATA" ]] && pg_running; then
    PGBIN="$(pg_bin)"
    if pg_ready; then echo "postgres  running   pid $(pg_pid)  127.0.0.1:$PG_PORT"; else echo "postgres  starting/unresponsive  pid $(pg_pid)  127.0.0.1:$PG_PORT"; all=1; fi
  else
    echo "postgres  stopped"; all=1
  fi
  if rmq_running; then
    if mgmt_ready; then echo "rabbitmq  running   pid $(rmq_pid)  amqp 127.0.0.1:$AMQP_PORT  management http://127.0.0.1:$MGMT_PORT/  node $RMQ_NODE"
    else echo "rabbitmq  starting/unresponsive  pid $(rmq_pid)  node $RMQ_NODE"; all=1; fi
  else
    echo "rabbitmq  stopped"; all=1
  fi
  if epmd_running; then echo "epmd      running   pid $(read_pid "$RUN/epmd.pid")  127.0.0.1:$EPMD_PORT"
  elif port_in_use "$EPMD_PORT"; then echo "epmd      running   (not started by this instance)  127.0.0.1:$EPMD_PORT"
  else echo "epmd      stopped"; fi
  if s3_running; then
    if s3_ready; then echo "s3rver    running   pid $(s3_pid)  http://127.0.0.1:$S3_PORT"; else echo "s3rver    unresponsive  pid $(s3_pid)"; all=1; fi
  else
    echo "s3rver    stopped"; all=1
  fi
  if docker_ping; then
    if dockerd_ours; then pid="$(read_pid "$RUN/dockerd.pid")"; echo "docker    running   pid $pid (started by this instance)  $DOCKER_HOST_URL"
    else echo "docker    running   (not started by this instance)  $DOCKER_HOST_URL"; fi
  else
    echo "docker    not answering on $DOCKER_SOCK"; all=1
  fi
  return $((all == 0 ? 0 : 3))
}

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  env) cmd_env ;;
  status) cmd_status ;;
  install) cmd_install ;;
  *) usage ;;
esac
