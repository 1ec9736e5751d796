#!/usr/bin/env bash
# bench/chaos/rabbit-cluster.sh up|down|kill N|start N|vhost NAME
#
# The chaos suite's own three-node RabbitMQ cluster (experiment 7, rabbit-cluster): Debian's
# rabbitmq-server as plain processes, nodes chaos1@localhost…chaos3@localhost, each with its data
# folders under CHAOS_RABBIT_CLUSTER_DIR, all three sharing one Erlang cookie and ONE Erlang port
# mapper of their own (never the shared services' epmd: nothing here touches a process it did not
# start, and every stop is by a PID recorded under that folder).
#
#   up          start epmd and the three nodes, join 2 and 3 to 1 (idempotent only from nothing)
#   down        rabbitmqctl shutdown per node, then SIGKILL of any recorded PID still alive, epmd
#               by its PID, and the folder removed; safe to call twice or after a failed up
#   kill N      SIGKILL of node N's Erlang VM (beam), the fault itself
#   start N     start node N again (it rejoins the cluster from its own data) and wait until it runs
#   vhost NAME  create vhost NAME on the cluster, guest allowed everything in it
#   members VHOST QUEUE   the members (replicas) of quorum queue QUEUE, one node name a line
#
# Environment:
#   CHAOS_RABBIT_CLUSTER_DIR  (required) the scratch folder; `down` removes it
#   CHAOS_RABBIT_EPMD_PORT    [57369] the cluster's epmd (the main stack uses 55405, CI 56405)
#   CHAOS_RABBIT_AMQP_BASE    [57372] node N listens for AMQP on base+N-1 (57372-57374), loopback only
#   CHAOS_RABBIT_DIST_BASE    [57376] node N's Erlang distribution port: base+N-1 (57376-57378)

set -euo pipefail

DIR="${CHAOS_RABBIT_CLUSTER_DIR:?CHAOS_RABBIT_CLUSTER_DIR must name the scratch folder of the cluster}"
EPMD_PORT="${CHAOS_RABBIT_EPMD_PORT:-57369}"
AMQP_BASE="${CHAOS_RABBIT_AMQP_BASE:-57372}"
DIST_BASE="${CHAOS_RABBIT_DIST_BASE:-57376}"
HOME_DIR="$DIR/home"

# shellcheck source=../../scripts/lib/rabbitmq.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/rabbitmq.sh"

say() { printf '%s [rabbit-cluster] %s\n' "$(date '+%H:%M:%S')" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

node_name() { echo "chaos$1@localhost"; }
read_pid() { [[ -s "$1" ]] && tr -dc '0-9' <"$1" || true; }
alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }
port_in_use() { ss -ltnH "( sport = :$1 )" 2>/dev/null | grep -q .; }

# The environment of node N (and of every rabbitmqctl aimed at it): as scripts/services.sh's rmq_env,
# with this cluster's names, ports and folders. One HOME for the three: one .erlang.cookie.
node_env() {
  local n="$1" d="$DIR/node$1"
  export HOME="$HOME_DIR"
  rabbit_node_env "$(node_name "$n")" $((AMQP_BASE + n - 1)) $((DIST_BASE + n - 1)) "$EPMD_PORT" "$d" "$d/rabbitmq.pid"
}

ctl() {
  local n="$1"
  shift
  (node_env "$n" && rabbitmqctl -n "$(node_name "$n")" "$@" </dev/null)
}

# setsid: the node is not in the suite's process group (a Ctrl-C of the suite must not kill it before
# `down` shuts it down in order); its wrapper's PID is recorded.
spawn_node() {
  local n="$1" d="$DIR/node$1"
  rm -f "$d/rabbitmq.pid" "$d/wrapper.pid"
  # shellcheck disable=SC2016  # $$ and $@ are for the inner sh
  # The redirections are the subshell's, not only the server's: whatever of it lingers must not hold
  # the caller's stdout/stderr open (the suite reads them to their end).
  (node_env "$n" && exec setsid sh -c 'echo $$ >"$0"; exec "$@"' "$d/wrapper.pid" rabbitmq-server) </dev/null >>"$d/console.log" 2>&1 &
}

wait_node() {
  local n="$1" d="$DIR/node$1"
  local i
  for ((i = 0; i < 100; i++)); do [[ -s "$d/wrapper.pid" ]] && break; sleep 0.05; done
  if ! ctl "$n" wait --timeout 120 "$d/rabbitmq.pid" >>"$d/ctl.log" 2>&1; then
    tail -n 20 "$d/console.log" >&2 || true
    die "node $(node_name "$n") did not start within 120 s (logs: $d)"
  fi
}

up() {
  [[ -e "$DIR/epmd.pid" ]] && die "$DIR already holds a cluster: down first"
  for p in "$EPMD_PORT" "$AMQP_BASE" $((AMQP_BASE + 1)) $((AMQP_BASE + 2)) "$DIST_BASE" $((DIST_BASE + 1)) $((DIST_BASE + 2)); do
    port_in_use "$p" && die "port $p is in use (set CHAOS_RABBIT_* ports)"
  done
  mkdir -p "$HOME_DIR"
  (umask 077 && head -c 64 /dev/urandom | od -An -tx1 | tr -dc 'a-f0-9' | head -c 32 >"$HOME_DIR/.erlang.cookie")
  chmod 400 "$HOME_DIR/.erlang.cookie"
  local n
  for n in 1 2 3; do
    mkdir -p "$DIR/node$n/mnesia" "$DIR/node$n/log"
    printf '[].\n' >"$DIR/node$n/enabled_plugins"
    printf 'loopback_users.guest = true\nlisteners.tcp.default = 127.0.0.1:%s\n' $((AMQP_BASE + n - 1)) >"$DIR/node$n/rabbitmq.conf"
    : >"$DIR/node$n/rabbitmq-env.conf"
  done
  local epmd_bin
  epmd_bin="$(command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -n 1)"
  # shellcheck disable=SC2016
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$DIR/epmd.pid" "$epmd_bin" -port "$EPMD_PORT" -address 127.0.0.1 </dev/null >>"$DIR/epmd.log" 2>&1 &
  local i
  for ((i = 0; i < 200; i++)); do port_in_use "$EPMD_PORT" && break; sleep 0.05; done
  port_in_use "$EPMD_PORT" || die "epmd did not listen on 127.0.0.1:$EPMD_PORT"
  say "epmd on $EPMD_PORT (pid $(read_pid "$DIR/epmd.pid")); starting chaos1..3@localhost (amqp $AMQP_BASE-$((AMQP_BASE + 2)))"
  # All three at once: the machine's 2 cores are the limit either way, and in parallel the wait is the slowest node's.
  for n in 1 2 3; do spawn_node "$n"; done
  for n in 1 2 3; do wait_node "$n"; done
  for n in 2 3; do
    ctl "$n" stop_app >>"$DIR/node$n/ctl.log" 2>&1
    ctl "$n" join_cluster "$(node_name 1)" >>"$DIR/node$n/ctl.log" 2>&1 || die "$(node_name "$n") could not join $(node_name 1) (see $DIR/node$n/ctl.log)"
    ctl "$n" start_app >>"$DIR/node$n/ctl.log" 2>&1
  done
  local running
  running="$(ctl 1 cluster_status --formatter json 2>/dev/null | grep -o '"running_nodes":\[[^]]*\]' || true)"
  [[ "$running" == *chaos1@* && "$running" == *chaos2@* && "$running" == *chaos3@* ]] || die "cluster not formed: $running"
  say "cluster formed: $running"
}

down() {
  [[ -d "$DIR" ]] || return 0
  local n pid
  for n in 1 2 3; do
    pid="$(read_pid "$DIR/node$n/rabbitmq.pid")"
    if alive "$pid"; then ctl "$n" shutdown --timeout 60 >>"$DIR/node$n/ctl.log" 2>&1 || say "shutdown of $(node_name "$n") failed; SIGKILL of pid $pid"; fi
  done
  for n in 1 2 3; do
    for pid in "$(read_pid "$DIR/node$n/rabbitmq.pid")" "$(read_pid "$DIR/node$n/wrapper.pid")"; do
      alive "$pid" && kill -9 "$pid" 2>/dev/null || true
    done
  done
  pid="$(read_pid "$DIR/epmd.pid")"
  alive "$pid" && kill "$pid" 2>/dev/null || true
  # rabbitmq-server leaves its own helpers (erl_child_setup, inet_gethost) to die with the VM; epmd may take a moment.
  for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  rm -rf "$DIR"
  say "cluster down, $DIR removed"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  kill)
    [[ "${2:-}" =~ ^[123]$ ]] || die "kill N: N is 1, 2 or 3"
    pid="$(read_pid "$DIR/node$2/rabbitmq.pid")"
    alive "$pid" || die "node $2 is not running"
    kill -9 "$pid"
    say "SIGKILL of $(node_name "$2") (beam pid $pid)"
    ;;
  start)
    [[ "${2:-}" =~ ^[123]$ ]] || die "start N: N is 1, 2 or 3"
    spawn_node "$2"
    wait_node "$2"
    say "$(node_name "$2") running again"
    ;;
  vhost)
    [[ -n "${2:-}" ]] || die "vhost NAME"
    ctl 1 add_vhost "$2" >/dev/null
    ctl 1 set_permissions -p "$2" guest '.*' '.*' '.*' >/dev/null
    ;;
  members)
    [[ -n "${2:-}" && -n "${3:-}" ]] || die "members VHOST QUEUE"
    ctl 1 list_queues -p "$2" --quiet --no-table-headers name members |
      awk -F'\t' -v q="$3" '$1 == q { print $2 }' | grep -o 'chaos[0-9]@localhost' || true
    ;;
  *) die "usage: $0 up|down|kill N|start N|vhost NAME|members VHOST QUEUE" ;;
esac
