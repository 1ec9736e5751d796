#!/usr/bin/env bash
# bench/run.sh [Narwhal.Bench options...]     e.g.  bench/run.sh --triggers 5000 --runs 100
#
# THE benchmark command. Starts (or reuses) the local services and base image,
# builds bench/Narwhal.Bench in Release (into bench/.artifacts, apart from the
# solution's bin/obj), runs it and prints the figures; the JSON goes to
# bench/results/latest.json (the build log to bench/results/build.log).
# What is measured: bench/README.md. Options: bench/run.sh --help.
#
# Environment:
#   BENCH_NO_SERVICES   [0]  1 = do not run scripts/services.sh up / scripts/images.sh
#   BENCH_TIMEOUT       [40m] hard stop for the benchmark process (it also has its own --deadline-minutes, 30)
#   NARWHAL_PG_FAST     [0]  passed to services.sh: 1 starts Postgres with fsync=off and
#                            synchronous_commit=off, but only when services.sh starts it;
#                            the benchmark prints what the running server actually uses.
#   plus scripts/services.sh's knobs (NARWHAL_INSTANCE, NARWHAL_PORT_BASE, …), which pick the services.
# Exit status: 0 all figures measured; 3 measured but some requests/runs failed; 1 error; 2 usage.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
cd "$REPO"

say() { printf '%s [bench] %s\n' "$(date '+%H:%M:%S')" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

for arg in "$@"; do
  if [[ "$arg" == -h || "$arg" == --help ]]; then BENCH_NO_SERVICES=1; fi
done

# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
bench_dotnet

# --- services and image ----------------------------------------------------------
bench_services "${BENCH_NO_SERVICES:-0}"

# --- build (Release, own artifacts folder; retried while another build holds files) ---
mkdir -p "$BENCH_DIR/results"
build_log="$BENCH_DIR/results/build.log"
project="$BENCH_DIR/Narwhal.Bench/Narwhal.Bench.csproj"
artifacts="$BENCH_DIR/.artifacts"
bench_build "$project" "$artifacts" "$build_log"
dll="$artifacts/bin/Narwhal.Bench/release/Narwhal.Bench.dll"
[[ -f "$dll" ]] || die "build succeeded but $dll is missing"
# Phase logs.rss runs the Runner as a process of its own: the Release build of src/Runner made by the
# build above (a referenced project gets its own output folder under bench/.artifacts, so this never
# writes into src/Runner/bin while a test build of the solution may be running).
runner_dll="$artifacts/bin/Narwhal.Runner/release/Narwhal.Runner.dll"
[[ -f "$runner_dll" ]] || die "build succeeded but $runner_dll is missing"
export BENCH_RUNNER_DLL="$runner_dll"
export BENCH_RUNNER_PIDFILE="$BENCH_DIR/results/.runner.pid"

# --- run -------------------------------------------------------------------------
commit="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$REPO" status --porcelain 2>/dev/null | head -n 1)" ]]; then commit="$commit+uncommitted-changes"; fi
export BENCH_GIT_COMMIT="$commit"
export NARWHAL_TEST_INSTANCE="${NARWHAL_TEST_INSTANCE:-narwhal-bench}"

say "running (all phases with default options take about 6-8 minutes on 2 cores, plus the fleet phase)"
rc=0
timeout --foreground -k 30s "${BENCH_TIMEOUT:-40m}" \
  dotnet "$dll" --out "$BENCH_DIR/results/latest.json" "$@" </dev/null || rc=$?
if ((rc == 124)); then say "ERROR: the benchmark did not finish within ${BENCH_TIMEOUT:-40m}"; fi

# The benchmark stops its Runner processes itself. If it was killed first, their pid files are still
# there (results/.runner.pid, .runner-fleet-<n>.pid: "<pid> <stack instance>"): stop those processes
# and remove the containers of those instances.
shopt -s nullglob
for pidfile in "$BENCH_DIR"/results/.runner*.pid; do
  runner_pid="" runner_instance=""
  read -r runner_pid runner_instance _ <"$pidfile" || true
  if [[ "${runner_pid:-}" =~ ^[0-9]+$ ]] && grep -qa 'Narwhal.Runner.dll' "/proc/$runner_pid/cmdline" 2>/dev/null; then
    say "stopping the benchmark's Runner process $runner_pid, left running (SIGTERM)"
    kill -TERM "$runner_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$runner_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$runner_pid" 2>/dev/null || true
  fi
  if [[ "${runner_instance:-}" =~ ^[a-z0-9][a-z0-9_-]*$ ]]; then
    leftovers="$(DOCKER_HOST="${NARWHAL_DOCKER_HOST:-unix:///var/run/docker.sock}" docker ps -aq --filter "label=org.narwhal.instance=$runner_instance" 2>/dev/null || true)"
    if [[ -n "$leftovers" ]]; then
      say "removing containers left by instance $runner_instance: $(echo $leftovers)"
      # shellcheck disable=SC2086
      DOCKER_HOST="${NARWHAL_DOCKER_HOST:-unix:///var/run/docker.sock}" docker rm -f $leftovers >/dev/null || true
    fi
  fi
  rm -f "$pidfile"
done
exit "$rc"
