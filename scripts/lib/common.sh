# shellcheck shell=bash
# Shared helpers for scripts/*.sh. Source it; it defines functions and a few
# variables only (no side effects besides that).
#
#   NARWHAL_REPO   absolute path of the repository root
#   log / warn / die   timestamped diagnostics on stderr

NARWHAL_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

_narwhal_prog="$(basename "${0:-narwhal}")"

log()  { printf '%s [%s] %s\n' "$(date '+%H:%M:%S')" "$_narwhal_prog" "$*" >&2; }
warn() { printf '%s [%s] WARNING: %s\n' "$(date '+%H:%M:%S')" "$_narwhal_prog" "$*" >&2; }
die()  { printf '%s [%s] ERROR: %s\n' "$(date '+%H:%M:%S')" "$_narwhal_prog" "$*" >&2; exit 1; }

# Print the last lines of a log file to stderr (for failure messages).
tail_log() {
  local file="$1" lines="${2:-40}"
  if [[ -f "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2 || true
    printf -- '----- end of %s -----\n' "$file" >&2
  else
    printf -- '(no log file at %s)\n' "$file" >&2
  fi
}

# pid_alive PID [CMDLINE_SUBSTRING]
# True when PID exists (and is not a zombie) and, if given, its command line
# contains CMDLINE_SUBSTRING (guards against PID reuse after a reboot).
pid_alive() {
  local pid="$1" want="${2:-}"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -d "/proc/$pid" ]] || return 1
  local state
  state="$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
  [[ "$state" != "Z" && -n "$state" ]] || return 1
  if [[ -n "$want" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$want" || return 1
  fi
  return 0
}

# read_pid FILE -> prints the first line of FILE (a PID) or nothing.
read_pid() {
  [[ -f "$1" ]] || return 0
  head -n 1 "$1" 2>/dev/null | tr -dc '0-9'
}

# port_in_use PORT -> true when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_until SECONDS DESCRIPTION COMMAND... : polls COMMAND every 0.25 s
# (DESCRIPTION only documents the call site).
wait_until() {
  local deadline=$((SECONDS + $1))
  shift 2
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  "$@" >/dev/null 2>&1
}

# stop_pid PID NAME [SECONDS]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pid="$1" name="$2" grace="${3:-20}"
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while ((SECONDS < deadline)) && pid_alive "$pid"; do sleep 0.2; done
  if pid_alive "$pid"; then
    warn "$name (pid $pid) did not stop within ${grace}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
}

# --- installing ------------------------------------------------------------

_narwhal_apt_updated=0

# apt_install PKG... : installs the given Debian packages (non-interactive),
# running 'apt-get update' once first. Services are not auto-started by the
# packages' maintainer scripts (a temporary policy-rc.d says no).
apt_install() {
  (($# > 0)) || return 0
  command -v apt-get >/dev/null 2>&1 || die "missing packages ($*) and no apt-get on this machine: install them by hand"
  [[ "$(id -u)" == 0 ]] || die "missing packages ($*): run as root (or install them by hand)"
  local own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, written by narwhal scripts/lib/common.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local rc=0
  if ((_narwhal_apt_updated == 0)); then
    log "apt-get update"
    apt-get update -q </dev/null >&2 || rc=$?
    _narwhal_apt_updated=1
  fi
  if ((rc == 0)); then
    log "apt-get install $*"
    apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" </dev/null >&2 || rc=$?
  fi
  if ((own_policy)); then rm -f /usr/sbin/policy-rc.d; fi
  ((rc == 0)) || die "apt-get failed (exit $rc) installing: $*"
}

# pkg_installed PKG -> true when the Debian package is installed.
pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Newest Debian Postgres bin dir (/usr/lib/postgresql/N/bin), or nothing.
pg_bin_dir() {
  local want="${1:-}" d
  if [[ -n "$want" && -x "/usr/lib/postgresql/$want/bin/postgres" ]]; then
    echo "/usr/lib/postgresql/$want/bin"
    return 0
  fi
  # shellcheck disable=SC2012
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -V -r); do
    if [[ -x "$d/postgres" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
      echo "$d"
      return 0
    fi
  done
  return 0
}

# ensure_prereqs : installs whatever the local stack needs and is missing.
ensure_prereqs() {
  local -a pkgs=()
  [[ -n "$(pg_bin_dir "")" ]] || pkgs+=(postgresql)
  [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || pkgs+=(rabbitmq-server)
  command -v dockerd >/dev/null 2>&1 || pkgs+=(docker.io)
  command -v docker >/dev/null 2>&1 || pkgs+=(docker.io)
  pkg_installed busybox-static || pkgs+=(busybox-static)
  command -v git >/dev/null 2>&1 || pkgs+=(git)
  command -v curl >/dev/null 2>&1 || pkgs+=(curl)
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
  command -v runuser >/dev/null 2>&1 || pkgs+=(util-linux)
  command -v flock >/dev/null 2>&1 || pkgs+=(util-linux)
  [[ -e /etc/ssl/certs/ca-certificates.crt ]] || pkgs+=(ca-certificates)
  if ((${#pkgs[@]} > 0)); then
    # de-duplicate, keep order
    local -A seen=()
    local -a uniq=()
    local p
    for p in "${pkgs[@]}"; do
      [[ -n "${seen[$p]:-}" ]] && continue
      seen[$p]=1
      uniq+=("$p")
    done
    apt_install "${uniq[@]}"
  fi
  ensure_s3rver
}

# ensure_s3rver : npm-installs tools/ (s3rver) from tools/package-lock.json.
ensure_s3rver() {
  local tools="$NARWHAL_REPO/tools"
  local entry="$tools/node_modules/s3rver/bin/s3rver.js"
  local stamp="$tools/node_modules/.package-lock.json"
  if [[ -f "$entry" && -f "$stamp" && ! "$tools/package-lock.json" -nt "$stamp" ]]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || die "npm is missing (apt-get install npm)"
  log "npm ci --prefix tools (s3rver)"
  if ! (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error </dev/null >&2); then
    die "npm ci in $tools failed"
  fi
  [[ -f "$entry" ]] || die "npm ci finished but $entry is missing"
}
