#!/usr/bin/env bash
# scripts/quickstart.sh [up|down|status]
#
# Narwhal on one machine in one command (Debian/Ubuntu, as root, with the
# .NET 10 SDK), then one example run to prove it works.
#
#   up (default)  1. scripts/services.sh up   (Postgres, RabbitMQ, s3rver, Docker)
#                 2. scripts/images.sh        (local/busybox:1)
#                 3. dotnet build -c Release, once, of the three processes (a
#                    solution filter of Narwhal.sln: tests are not built, so a
#                    broken test never blocks the quick start); skipped when all
#                    three already run (`down` first to pick up code changes)
#                 4. starts the Api (:8080), Dispatcher (:8081) and one Runner
#                    (:8082, 2 slots) from the built DLLs, in the background
#                 5. waits for GET /health/ready of each (120 s)
#                 6. PUT /jobs/hello only when the job does not exist (a job you
#                    edited is left as you left it), POST /jobs/hello/runs,
#                    waits for the run (120 s) and prints its status and output
#                 Exit status 0 only when the example run succeeded.
#                 Idempotent: running processes are reused (health re-checked),
#                 the example runs again (a new run number).
#   down          stops the three processes (by PID); the services keep running
#                 (`scripts/services.sh down` stops those)
#   status        prints which of the three processes run; exit 0 when all do
#
# Files (data dir = NARWHAL_DATA_DIR, default <repo>/.narwhal-data/<instance>):
#   <data>/quickstart/{api,dispatcher,runner}.log   process output
#   <data>/quickstart/{api,dispatcher,runner}.pid   PID files
#   <data>/quickstart/admin-token                   admin token (mode 600), reused
#   <data>/quickstart/secrets-keys                  NARWHAL_SECRETS_KEYS (mode 600), reused
#   <data>/quickstart/build.log                     output of the last build
#   <data>/quickstart/processes.slnf                the solution filter it builds
#
# Environment (besides scripts/services.sh's knobs: NARWHAL_INSTANCE,
# NARWHAL_DATA_DIR, NARWHAL_PORT_BASE, ...):
#   NARWHAL_API_LISTEN         [http://127.0.0.1:8080]
#   NARWHAL_DISPATCHER_LISTEN  [http://127.0.0.1:8081]
#   NARWHAL_RUNNER_LISTEN      [http://127.0.0.1:8082]
#   NARWHAL_RUNNER_SLOTS       [2]
#   NARWHAL_ADMIN_TOKEN        [generated once, kept in <data>/quickstart/admin-token]
#   NARWHAL_SECRETS_KEYS       [k1:<random 32 bytes>, generated once, kept in <data>/quickstart/secrets-keys]
#   NARWHAL_SKIP_INSTALL       [0]  1 = never apt-get (jq is then optional)
# Every other NARWHAL_* variable exported in the environment reaches the processes
# (the connection settings excepted: they come from `scripts/services.sh env`).
# No file is read: .env is for compose.yaml. Processes already running keep the
# settings they started with (`down` first).

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$NARWHAL_REPO"

READY_TIMEOUT=120
RUN_TIMEOUT=120
PROCS=(api dispatcher runner)

INSTANCE="${NARWHAL_INSTANCE:-narwhal}"
if [[ ! "$INSTANCE" =~ ^[a-z0-9][a-z0-9_-]{0,39}$ ]]; then
  die "NARWHAL_INSTANCE='$INSTANCE' must be 1-40 characters of a-z, 0-9, '-' or '_', starting with a letter or digit"
fi
DATA="${NARWHAL_DATA_DIR:-$NARWHAL_REPO/.narwhal-data/$INSTANCE}"
[[ "$DATA" == /* ]] || DATA="$PWD/$DATA"
QS="$DATA/quickstart"
TOKEN_FILE="$QS/admin-token"
KEYS_FILE="$QS/secrets-keys"

export NARWHAL_API_LISTEN="${NARWHAL_API_LISTEN:-http://127.0.0.1:8080}"
export NARWHAL_DISPATCHER_LISTEN="${NARWHAL_DISPATCHER_LISTEN:-http://127.0.0.1:8081}"
export NARWHAL_RUNNER_LISTEN="${NARWHAL_RUNNER_LISTEN:-http://127.0.0.1:8082}"
export NARWHAL_RUNNER_SLOTS="${NARWHAL_RUNNER_SLOTS:-2}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_UI_LANGUAGE=en

# --- per-process facts ---------------------------------------------------------

dll_of() {
  case "$1" in
    api) echo "src/Api/bin/Release/net10.0/Narwhal.Api.dll" ;;
    dispatcher) echo "src/Dispatcher/bin/Release/net10.0/Narwhal.Dispatcher.dll" ;;
    runner) echo "src/Runner/bin/Release/net10.0/Narwhal.Runner.dll" ;;
  esac
}

listen_of() {
  local url
  case "$1" in
    api) url="$NARWHAL_API_LISTEN" ;;
    dispatcher) url="$NARWHAL_DISPATCHER_LISTEN" ;;
    runner) url="$NARWHAL_RUNNER_LISTEN" ;;
  esac
  echo "${url%%;*}" # Kestrel takes ';'-separated lists: the first one is ours
}

# base_url LISTEN_URL -> an address to reach it from this machine (wildcards -> loopback)
base_url() {
  local scheme="${1%%://*}" hostport="${1#*://}" host port
  hostport="${hostport%%/*}"
  if [[ "$hostport" =~ ^(.*):([0-9]+)$ ]]; then
    host="${BASH_REMATCH[1]}" port="${BASH_REMATCH[2]}"
  else
    host="$hostport" port=$([[ "$scheme" == https ]] && echo 443 || echo 80)
  fi
  case "$host" in 0.0.0.0 | '*' | + | localhost) host=127.0.0.1 ;; '[::]') host='[::1]' ;; esac
  echo "$scheme://$host:$port"
}

port_of() { local u; u="$(base_url "$(listen_of "$1")")"; echo "${u##*:}"; }

pid_of() { read_pid "$QS/$1.pid"; }

# A process is ours when the PID file's process still runs our DLL (guards against PID reuse).
proc_running() {
  local pid
  pid="$(pid_of "$1")"
  [[ -n "$pid" ]] && pid_alive "$pid" "$(basename "$(dll_of "$1")")"
}

proc_ready() { curl -sf --max-time 3 -o /dev/null "$(base_url "$(listen_of "$1")")/health/ready"; }

# --- helpers -----------------------------------------------------------------------

find_dotnet() {
  command -v dotnet >/dev/null 2>&1 && return 0
  local d
  for d in "${DOTNET_ROOT:-}" "${HOME:-/root}/.dotnet" /usr/share/dotnet /usr/lib/dotnet /opt/dotnet; do
    if [[ -n "$d" && -x "$d/dotnet" ]]; then export PATH="$d:$PATH"; return 0; fi
  done
  die "dotnet (the .NET 10 SDK) is not on PATH: install it first (https://learn.microsoft.com/dotnet/core/install/linux)"
}

# jq when it is there (installed through apt when missing and allowed); else a
# small grep over System.Text.Json's compact output, enough for flat fields.
ensure_jq() {
  command -v jq >/dev/null 2>&1 && return 0
  if [[ "${NARWHAL_SKIP_INSTALL:-0}" != 1 && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt_install jq || true
  fi
  command -v jq >/dev/null 2>&1 || warn "jq is not installed; parsing JSON with grep"
}

# json_field FILE NAME -> the top-level field NAME of the JSON in FILE, raw ('' if absent/null)
json_field() {
  if command -v jq >/dev/null 2>&1; then
    jq -r --arg f "$2" '.[$f] // empty | tostring' "$1"
  else
    { grep -oE "\"$2\":(\"[^\"]*\"|[^,}]*)" "$1" || true; } | head -n 1 | sed -E "s/^\"$2\"://; s/^\"(.*)\"$/\\1/; s/^null$//"
  fi
}

new_token() {
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex 24
  else
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
  fi
}

# An AES-256 key ring for job secrets: one key, id k1, 32 random bytes in base64.
new_secrets_keys() {
  if command -v openssl >/dev/null 2>&1; then
    printf 'k1:%s' "$(openssl rand -base64 32)"
  else
    printf 'k1:%s' "$(head -c 32 /dev/urandom | base64 -w 0)"
  fi
}

# HTTP to the Api: http METHOD PATH [curl args...] -> sets HTTP_CODE, body in $BODY
http() {
  local method="$1" path="$2"
  shift 2
  HTTP_CODE="$(curl -sS --max-time 30 -o "$BODY" -w '%{http_code}' -X "$method" \
    -H "Authorization: Bearer $TOKEN" -H 'Accept: application/json' "$@" "$API$path")" || HTTP_CODE=000
}

http_or_die() {
  local want="$1" what="$2"
  shift 2
  http "$@"
  if [[ " $want " != *" $HTTP_CODE "* ]]; then
    echo "--- response ($HTTP_CODE) ---" >&2
    cat "$BODY" >&2 2>/dev/null || true
    echo >&2
    tail_log "$QS/api.log" 30
    die "$what failed: $1 $2 answered HTTP $HTTP_CODE (expected $want)"
  fi
}

# spawn NAME : starts the built DLL of NAME in its own session, detached from
# our stdio, and records the PID of the dotnet process. Settings travel in the
# environment (VAR=value spawn NAME), never on a command line that ps shows.
spawn() {
  local name="$1" pidfile="$QS/$1.pid" logfile="$QS/$1.log"
  rm -f "$pidfile"
  printf '\n===== %s starting %s (quickstart) =====\n' "$(date '+%F %T')" "$name" >>"$logfile"
  # shellcheck disable=SC2016  # $$ and $@ are for the inner sh
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" dotnet "$(dll_of "$name")" \
    </dev/null >>"$logfile" 2>&1 8>&- &
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.05
  done
  die "$name: no PID written to $pidfile"
}

start_proc() {
  local name="$1" port
  port="$(port_of "$name")"
  if port_in_use "$port"; then
    die "$name: port $port is already in use by another program (not this quickstart's $name). Free it or set $(listen_var "$name")."
  fi
  [[ -f "$(dll_of "$name")" ]] || die "$name: $(dll_of "$name") is missing (did the build fail? see $QS/build.log)"
  case "$name" in
    api) NARWHAL_ADMIN_TOKEN="$TOKEN" spawn api ;;
    dispatcher) spawn dispatcher ;;
    runner) NARWHAL_RUNNER_WORK_DIR="${NARWHAL_RUNNER_WORK_DIR:-$QS/runner-work}" spawn runner ;;
  esac
  log "$name: started (pid $(pid_of "$name"), $(listen_of "$name"), log $QS/$name.log)"
}

listen_var() {
  case "$1" in
    api) echo NARWHAL_API_LISTEN ;;
    dispatcher) echo NARWHAL_DISPATCHER_LISTEN ;;
    runner) echo NARWHAL_RUNNER_LISTEN ;;
  esac
}

stop_proc() {
  local name="$1" pid grace=20
  # The Runner lets running jobs finish (NARWHAL_RUNNER_SHUTDOWN_GRACE, 60 s) before it stops them.
  [[ "$name" == runner ]] && grace=120
  if proc_running "$name"; then
    pid="$(pid_of "$name")"
    log "$name: stopping (pid $pid)"
    stop_pid "$pid" "$name" "$grace"
  else
    log "$name: not running"
  fi
  rm -f "$QS/$name.pid"
}

build() {
  local attempt slnf="$QS/processes.slnf"
  # One build of the three processes (and Core, Contracts): Narwhal.sln without the tests.
  cat >"$slnf" <<EOF
{
  "solution": {
    "path": "$NARWHAL_REPO/Narwhal.sln",
    "projects": [
      "src/Api/Narwhal.Api.csproj",
      "src/Dispatcher/Narwhal.Dispatcher.csproj",
      "src/Runner/Narwhal.Runner.csproj"
    ]
  }
}
EOF
  for attempt in 1 2 3; do
    log "dotnet build -c Release: Api, Dispatcher, Runner (log $QS/build.log)"
    # stdio to a file: build servers that outlive the build must not hold our stdout.
    if dotnet build "$slnf" -c Release -nologo -v q -clp:NoSummary </dev/null >"$QS/build.log" 2>&1 8>&-; then
      return 0
    fi
    # Another build of the same tree (a developer's IDE, tests) may hold output files.
    if ((attempt < 3)) && grep -qiE 'could not copy|being used by another process|MSB3026|MSB3027' "$QS/build.log"; then
      warn "build output files are locked by another build; retrying in 20 s"
      sleep 20
      continue
    fi
    tail_log "$QS/build.log" 40
    die "dotnet build failed"
  done
}

# --- commands ----------------------------------------------------------------------

cmd_up() {
  local t0=$SECONDS name
  find_dotnet
  dotnet --list-sdks 2>/dev/null | grep -q '^10\.' || die "the .NET 10 SDK is required (dotnet --list-sdks shows none)"
  command -v curl >/dev/null 2>&1 || { [[ "${NARWHAL_SKIP_INSTALL:-0}" == 1 ]] || apt_install curl; }

  # services.sh and images.sh may spawn long-lived daemons: they must not inherit our lock (fd 8).
  "$NARWHAL_REPO/scripts/services.sh" up 8>&-
  "$NARWHAL_REPO/scripts/images.sh" 8>&-
  eval "$("$NARWHAL_REPO/scripts/services.sh" env 8>&-)"
  ensure_jq

  mkdir -p "$QS"
  chmod 700 "$QS"

  # Admin token: the environment's, else the saved one, else a new one.
  local saved=""
  [[ -s "$TOKEN_FILE" ]] && saved="$(tr -d ' \n' <"$TOKEN_FILE")"
  TOKEN="${NARWHAL_ADMIN_TOKEN:-${saved:-$(new_token)}}"
  ((${#TOKEN} >= 20)) || die "NARWHAL_ADMIN_TOKEN must be at least 20 characters"
  if [[ "$TOKEN" != "$saved" ]]; then
    (umask 077 && printf '%s\n' "$TOKEN" >"$TOKEN_FILE")
    if [[ -n "$saved" ]] && proc_running api; then
      log "api: the admin token changed; restarting the Api so that it takes the new one"
      stop_proc api
    fi
  fi

  # Key ring for job secrets: the environment's, else the saved one, else a new one.
  # Losing it makes stored secrets unreadable, so it is kept next to the data.
  if [[ -z "${NARWHAL_SECRETS_KEYS:-}" ]]; then
    [[ -s "$KEYS_FILE" ]] || (umask 077 && new_secrets_keys >"$KEYS_FILE" && echo >>"$KEYS_FILE")
    NARWHAL_SECRETS_KEYS="$(tr -d ' \n' <"$KEYS_FILE")"
  fi
  export NARWHAL_SECRETS_KEYS

  local missing=()
  for name in "${PROCS[@]}"; do proc_running "$name" || missing+=("$name"); done
  if ((${#missing[@]} == 0)); then
    log "api, dispatcher and runner already run; reusing them (not rebuilding: 'scripts/quickstart.sh down' first to pick up code changes)"
  else
    # Before building: the port of each process to start must be free, so a
    # collision fails fast and leaves nothing half up.
    local busy=()
    for name in "${missing[@]}"; do
      port_in_use "$(port_of "$name")" && busy+=("$name: port $(port_of "$name") ($(listen_var "$name"))")
    done
    if ((${#busy[@]} > 0)); then
      printf '  in use by another program: %s\n' "${busy[@]}" >&2
      die "cannot start ${missing[*]}: ports taken. Stop that program or choose other addresses (NARWHAL_*_LISTEN)."
    fi
    build
    for name in "${PROCS[@]}"; do
      if proc_running "$name"; then
        log "$name: already running (pid $(pid_of "$name")); reusing it"
      else
        start_proc "$name"
      fi
    done
  fi

  # Readiness of all three, one deadline.
  local deadline=$((SECONDS + READY_TIMEOUT)) pending=("${PROCS[@]}") still
  log "waiting for /health/ready of ${pending[*]} (up to ${READY_TIMEOUT} s)"
  while ((${#pending[@]} > 0)); do
    still=()
    for name in "${pending[@]}"; do
      if ! proc_running "$name"; then
        tail_log "$QS/$name.log" 40
        die "$name exited during start-up (log above: $QS/$name.log)"
      fi
      if proc_ready "$name"; then
        log "$name: ready at $(base_url "$(listen_of "$name")")"
      else
        still+=("$name")
      fi
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      for name in "${pending[@]}"; do
        curl -s --max-time 3 "$(base_url "$(listen_of "$name")")/health/ready" >&2 || true
        echo >&2
        tail_log "$QS/$name.log" 40
      done
      die "not ready within ${READY_TIMEOUT} s: ${pending[*]}"
    fi
    sleep 0.5
  done

  local status=0
  run_example || status=$?

  local token_display="$TOKEN_FILE"
  [[ "$token_display" == "$NARWHAL_REPO"/* ]] && token_display="${token_display#"$NARWHAL_REPO"/}"
  cat <<EOF

Narwhal is running (instance $INSTANCE, $((SECONDS - t0)) s):
  API          $API   (OpenAPI reference: $API/docs)
  Web UI       $API/ui   (sign in with the admin token)
  Admin token  $TOKEN
               (saved in $token_display)
  Dispatcher   $(base_url "$(listen_of dispatcher)")/health/ready
  Runner       $(base_url "$(listen_of runner)")/health/ready ($NARWHAL_RUNNER_SLOTS slots)
  Logs         $QS/{api,dispatcher,runner}.log

Try (the CLI takes the token on stdin, never as an argument a process list would show):
  dotnet run --project src/Cli -- login --url $API < $token_display
  dotnet run --project src/Cli -- run hello --follow
  curl -H "Authorization: Bearer \$(cat $token_display)" $API/runs
  curl -X POST -H "Authorization: Bearer \$(cat $token_display)" $API/jobs/hello/runs

Stop:
  scripts/quickstart.sh down    # the Api, Dispatcher and Runner
  scripts/services.sh down      # Postgres, RabbitMQ, s3rver (and dockerd, if services.sh started it)
EOF
  return "$status"
}

create_example_job() {
  log "PUT /jobs/hello (freestyle, local/busybox:1)"
  # The $NARWHAL_... in the script are for the job's shell, not this one.
  http_or_die "200 201" "creating job 'hello'" PUT /jobs/hello -H 'Content-Type: application/json' --data-binary @- <<'JSON'
{
  "type": "freestyle",
  "description": "The quick start's example (scripts/quickstart.sh)",
  "image": "local/busybox:1",
  "script": [
    "echo Hello from Narwhal",
    "uname -a",
    "echo run $NARWHAL_RUN_NUMBER of $NARWHAL_JOB"
  ]
}
JSON
}

run_example() {
  API="$(base_url "$(listen_of api)")"
  BODY="$(mktemp "${TMPDIR:-/tmp}/narwhal-quickstart.XXXXXX")"
  # shellcheck disable=SC2064  # expand now: BODY is fixed
  trap "rm -f '$BODY'" EXIT

  # Created once: a second quick start must not undo the user's edits of the example.
  http GET /jobs/hello
  case "$HTTP_CODE" in
    200) log "job 'hello' exists; leaving it as it is (DELETE /jobs/hello to get the original back)" ;;
    404) create_example_job ;;
    *) http_or_die "200" "reading job 'hello'" GET /jobs/hello ;;
  esac

  log "POST /jobs/hello/runs"
  http_or_die "201" "triggering job 'hello'" POST /jobs/hello/runs -H 'Content-Type: application/json' --data-binary '{}'
  local id number status="" reason exit_code
  id="$(json_field "$BODY" id)"
  number="$(json_field "$BODY" number)"
  [[ "$id" =~ ^[0-9a-f-]{36}$ ]] || { cat "$BODY" >&2; die "no run id in the answer to POST /jobs/hello/runs"; }
  log "run #$number ($id) queued; waiting for it to finish (up to ${RUN_TIMEOUT} s)"

  local deadline=$((SECONDS + RUN_TIMEOUT)) last=""
  while :; do
    http_or_die "200" "reading run $id" GET "/runs/$id"
    status="$(json_field "$BODY" status)"
    if [[ "$status" != "$last" ]]; then log "run #$number: $status"; last="$status"; fi
    [[ "$status" == queued || "$status" == running ]] || break
    if ((SECONDS >= deadline)); then
      tail_log "$QS/runner.log" 30
      echo "run #$number ($id) of job hello: still $status after ${RUN_TIMEOUT} s"
      return 1
    fi
    sleep 0.5
  done
  reason="$(json_field "$BODY" statusReason)"
  exit_code="$(json_field "$BODY" exitCode)"

  echo
  echo "run #$number ($id) of job hello: $status${exit_code:+ (exit code $exit_code)}${reason:+ - $reason}"
  http GET "/runs/$id/results/console"
  if [[ "$HTTP_CODE" == 200 ]]; then
    echo "----- console (GET /runs/$id/results/console) -----"
    cat "$BODY"
    [[ -z "$(tail -c 1 "$BODY")" ]] || echo
    echo "----- end of console -----"
  else
    echo "(no console output: HTTP $HTTP_CODE $(json_field "$BODY" detail))"
  fi
  if [[ "$status" != succeeded ]]; then
    tail_log "$QS/runner.log" 30
    return 1
  fi
  return 0
}

cmd_down() {
  local name
  if [[ ! -d "$QS" ]]; then
    log "nothing to stop ($QS does not exist)"
    return 0
  fi
  # Runner first: it stops taking runs; then the Dispatcher and the Api.
  for name in runner dispatcher api; do stop_proc "$name"; done
  log "stopped (services still run: scripts/services.sh down stops them)"
}

cmd_status() {
  local name all=0 state
  for name in "${PROCS[@]}"; do
    if proc_running "$name"; then
      if proc_ready "$name"; then state="ready"; else state="running, not ready"; all=1; fi
      printf '%-10s %-18s pid %-8s %s\n' "$name" "$state" "$(pid_of "$name")" "$(base_url "$(listen_of "$name")")"
    else
      printf '%-10s stopped\n' "$name"
      all=1
    fi
  done
  return "$all"
}

usage() {
  sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# One up/down at a time per instance (fd 8, closed for every long-lived child).
lock() {
  mkdir -p "$QS"
  exec 8>"$QS/.lock"
  flock -w 300 8 || die "another scripts/quickstart.sh holds $QS/.lock for more than 5 minutes"
}

case "${1:-up}" in
  up) lock; cmd_up ;;
  down) if [[ -d "$QS" ]]; then lock; fi; cmd_down ;;
  status) cmd_status ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
