#!/usr/bin/env bash
# scripts/test.sh [dotnet test args...]      e.g.  scripts/test.sh --filter "FullyQualifiedName~Runner"
#
# THE test command. Starts (or reuses) the local services and base images,
# builds Narwhal.sln in Release, runs every test project with a TRX logger,
# and ends with exactly one summary line, summed over all TRX files:
#
#   tests: N passed, N failed, N skipped
#
# Exit status: 0 only when the build succeeded, dotnet test succeeded, no
# test failed and at least one test ran; non-zero otherwise.
#
# Environment (besides scripts/services.sh's knobs, which pick the stack):
#   NARWHAL_TEST_INSTANCE   [narwhal-test]  prefix tests use for their own instance names
#   NARWHAL_TEST_RESULTS    [<repo>/TestResults/<timestamp>]  where the TRX files go
#   NARWHAL_TEST_NO_SERVICES [0]  1 = do not run services.sh up / images.sh (use what runs)
#   NARWHAL_TEST_SOLUTION   [<repo>/Narwhal.sln]  solution (or project) to build and test
#   NARWHAL_PG_FAST         [1 here]  Postgres without fsync when this script starts it
# Works non-interactively (CI=true, no stdin, no tty).

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/trx.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/trx.sh"
cd "$NARWHAL_REPO"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_CLI_UI_LANGUAGE=en NUGET_XMLDOC_MODE=skip
export NARWHAL_PG_FAST="${NARWHAL_PG_FAST:-1}"
export NARWHAL_TEST_INSTANCE="${NARWHAL_TEST_INSTANCE:-narwhal-test}"

if ! command -v dotnet >/dev/null 2>&1; then
  for d in "${DOTNET_ROOT:-}" "${HOME:-/root}/.dotnet" /usr/share/dotnet /usr/lib/dotnet /opt/dotnet; do
    if [[ -n "$d" && -x "$d/dotnet" ]]; then export PATH="$d:$PATH"; break; fi
  done
fi
command -v dotnet >/dev/null 2>&1 || die "dotnet (the .NET 10 SDK) is not on PATH"

# In CI, leave no MSBuild/compiler server behind (it would outlive the run).
build_server_args=()
if [[ -n "${CI:-}" && "${CI:-}" != false ]]; then
  build_server_args=(--disable-build-servers)
  export MSBUILDDISABLENODEREUSE=1
fi

solution="${NARWHAL_TEST_SOLUTION:-$NARWHAL_REPO/Narwhal.sln}"
[[ -e "$solution" ]] || die "solution $solution not found"

t_start=$SECONDS

# --- services and images -------------------------------------------------------
if [[ "${NARWHAL_TEST_NO_SERVICES:-0}" != 1 ]]; then
  log "services: up (instance ${NARWHAL_INSTANCE:-narwhal})"
  "$NARWHAL_REPO/scripts/services.sh" up </dev/null || die "services.sh up failed"
  log "images"
  "$NARWHAL_REPO/scripts/images.sh" </dev/null || die "images.sh failed"
fi
env_lines="$("$NARWHAL_REPO/scripts/services.sh" env)" || die "services.sh env failed"
eval "$env_lines"

# --- build -------------------------------------------------------------------
log "dotnet build $(basename "$solution") -c Release"
if ! dotnet build "$solution" -c Release -nologo "${build_server_args[@]}" </dev/null; then
  echo "build failed"
  exit 1
fi

# --- test --------------------------------------------------------------------
results="${NARWHAL_TEST_RESULTS:-$NARWHAL_REPO/TestResults/$(date '+%Y%m%d-%H%M%S')-$$}"
[[ "$results" == /* ]] || results="$NARWHAL_REPO/$results"
mkdir -p "$results"
log "dotnet test (results in $results)"
test_rc=0
dotnet test "$solution" -c Release --no-build \
  --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@" </dev/null || test_rc=$?

# --- summary over every TRX file (see scripts/lib/trx.sh) ----------------------
read -r passed failed skipped trx_count < <(trx_counts "$results")

log "$trx_count TRX file(s) in $results; dotnet test exit code $test_rc; $((SECONDS - t_start)) s in all"
rc=0
if ((test_rc != 0)); then
  log "dotnet test failed (exit $test_rc)"
  rc=1
fi
if ((failed > 0)); then rc=1; fi
if ((passed + failed == 0)); then
  log "no test ran"
  rc=1
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $rc
