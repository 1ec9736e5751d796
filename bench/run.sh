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
#   BENCH_TIMEOUT       [20m] hard stop for the benchmark process (it also has its own --deadline-minutes)
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

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_CLI_UI_LANGUAGE=en NUGET_XMLDOC_MODE=skip
if ! command -v dotnet >/dev/null 2>&1; then
  for d in "${DOTNET_ROOT:-}" "${HOME:-/root}/.dotnet" /usr/share/dotnet /usr/lib/dotnet /opt/dotnet; do
    if [[ -n "$d" && -x "$d/dotnet" ]]; then export PATH="$d:$PATH"; break; fi
  done
fi
command -v dotnet >/dev/null 2>&1 || die "dotnet (the .NET 10 SDK) is not on PATH"

# --- services and image ----------------------------------------------------------
if [[ "${BENCH_NO_SERVICES:-0}" != 1 ]]; then
  say "services: up"
  "$REPO/scripts/services.sh" up </dev/null || die "scripts/services.sh up failed"
  say "images"
  "$REPO/scripts/images.sh" </dev/null || die "scripts/images.sh failed"
fi
env_lines="$("$REPO/scripts/services.sh" env)" || die "scripts/services.sh env failed"
eval "$env_lines"

# --- build (Release, own artifacts folder; retried while another build holds files) ---
mkdir -p "$BENCH_DIR/results"
build_log="$BENCH_DIR/results/build.log"
project="$BENCH_DIR/Narwhal.Bench/Narwhal.Bench.csproj"
artifacts="$BENCH_DIR/.artifacts"
say "dotnet build $(realpath --relative-to="$REPO" "$project") -c Release (log: $(realpath --relative-to="$REPO" "$build_log"))"
attempt=1
until dotnet build "$project" -c Release -nologo --artifacts-path "$artifacts" </dev/null >"$build_log" 2>&1; do
  if ((attempt < 6)) && grep -qiE 'could not copy|being used by another process|cannot access the file|MSB3026|MSB3027|MSB3021' "$build_log"; then
    say "build hit a file lock (another build is running?); retrying in 20 s ($attempt/5)"
    attempt=$((attempt + 1))
    sleep 20
    continue
  fi
  grep -E 'error|Error' "$build_log" | sort -u | head -n 40 >&2 || true
  die "build failed; see $build_log"
done
dll="$artifacts/bin/Narwhal.Bench/release/Narwhal.Bench.dll"
[[ -f "$dll" ]] || die "build succeeded but $dll is missing"

# --- run -------------------------------------------------------------------------
commit="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$REPO" status --porcelain 2>/dev/null | head -n 1)" ]]; then commit="$commit+uncommitted-changes"; fi
export BENCH_GIT_COMMIT="$commit"
export NARWHAL_TEST_INSTANCE="${NARWHAL_TEST_INSTANCE:-narwhal-bench}"

say "running (defaults take about 3-4 minutes)"
rc=0
timeout --foreground -k 30s "${BENCH_TIMEOUT:-20m}" \
  dotnet "$dll" --out "$BENCH_DIR/results/latest.json" "$@" </dev/null || rc=$?
if ((rc == 124)); then say "ERROR: the benchmark did not finish within ${BENCH_TIMEOUT:-20m}"; fi
exit "$rc"
