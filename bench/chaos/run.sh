#!/usr/bin/env bash
# bench/chaos/run.sh [chaos options...]     e.g.  bench/chaos/run.sh --experiments runner-kill --runs 30
#
# THE chaos suite command. Starts (or reuses) the local services and base image, builds
# bench/Narwhal.Chaos in Release (into bench/.artifacts-chaos, apart from the solution's bin/obj and
# the benchmark's), runs the experiments and prints one table row per experiment plus every break of
# the promise. Runner output goes to bench/results/chaos/. What is measured: bench/README.md,
# "Chaos suite". Options: bench/chaos/run.sh --help.
#
# Environment:
#   CHAOS_NO_SERVICES    [0]   1 = do not run scripts/services.sh up / scripts/images.sh
#   CHAOS_TIMEOUT        [20m] hard stop for the suite process
#   NARWHAL_TEST_INSTANCE [narwhal-chaos] prefix of the instance names of the suite's stacks; the
#                               final cleanup removes containers and networks of those instances only
#   plus scripts/services.sh's knobs (NARWHAL_INSTANCE, NARWHAL_PORT_BASE, NARWHAL_DATA_DIR…), which pick the
#   services (and, for --real-rabbitmq-restart, the node and its Erlang cookie).
# Exit status: 0 promise kept in every experiment; 3 promise broken (violations listed);
#              1 an experiment could not run, an error or the timeout; 2 usage.

set -euo pipefail

CHAOS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(cd "$CHAOS_DIR/.." && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
cd "$REPO"

say() { printf '%s [chaos] %s\n' "$(date '+%H:%M:%S')" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

for arg in "$@"; do
  if [[ "$arg" == -h || "$arg" == --help ]]; then CHAOS_NO_SERVICES=1; fi
done

# shellcheck source=../lib.sh
source "$BENCH_DIR/lib.sh"
bench_dotnet

# --- services and image ----------------------------------------------------------
bench_services "${CHAOS_NO_SERVICES:-0}"
# services.sh's data folder (as services.sh computes it): the RabbitMQ node's home and Erlang cookie.
services_data="${NARWHAL_DATA_DIR:-$REPO/.narwhal-data/${NARWHAL_INSTANCE:-narwhal}}"
# …and its own Erlang port mapper, as services.sh computes it (for rabbitmqctl).
export NARWHAL_EPMD_PORT="${NARWHAL_EPMD_PORT:-$((${NARWHAL_PORT_BASE:-55400} + 5))}"

# --- build (Release, own artifacts folder; retried while another build holds files) ---
results="$BENCH_DIR/results/chaos"
mkdir -p "$results"
build_log="$results/build.log"
project="$BENCH_DIR/Narwhal.Chaos/Narwhal.Chaos.csproj"
artifacts="$BENCH_DIR/.artifacts-chaos"
bench_build "$project" "$artifacts" "$build_log"
dll="$artifacts/bin/Narwhal.Chaos/release/Narwhal.Chaos.dll"
[[ -f "$dll" ]] || die "build succeeded but $dll is missing"

# --- run -------------------------------------------------------------------------
export NARWHAL_TEST_INSTANCE="${NARWHAL_TEST_INSTANCE:-narwhal-chaos}"
# Experiment 7's own RabbitMQ cluster (bench/chaos/rabbit-cluster.sh): its scratch folder is named
# here so that, should the suite be killed before its own teardown, the trap below still shuts down
# the nodes and the cluster's epmd by the PIDs recorded there (never any other RabbitMQ or epmd).
export CHAOS_RABBIT_CLUSTER_SCRIPT="$CHAOS_DIR/rabbit-cluster.sh"
export CHAOS_RABBIT_CLUSTER_DIR="${TMPDIR:-/tmp}/narwhal-chaos-rabbit-$$"
trap 'bash "$CHAOS_RABBIT_CLUSTER_SCRIPT" down 2>/dev/null || true' EXIT
say "running (defaults: about 7 minutes on 2 cores, up to 12-15 when the machine is very busy)"
rc=0
timeout --foreground -k 30s "${CHAOS_TIMEOUT:-20m}" \
  dotnet "$dll" --log-dir "$results" --services-data "$services_data" "$@" </dev/null || rc=$?
if ((rc == 124)); then say "ERROR: the suite did not finish within ${CHAOS_TIMEOUT:-20m}"; rc=1; fi

# The suite removes what each of its stacks left. If it was killed first, remove the containers and
# networks of this suite's instances here: label org.narwhal.instance starting with the prefix above,
# never another instance's (other engineers' stacks share this engine). The Runner processes it
# started die with it (they are its children and are killed on its exit).
docker_host="${NARWHAL_DOCKER_HOST:-unix:///var/run/docker.sock}"
prefix="$NARWHAL_TEST_INSTANCE-"
mine() { grep -E "[[:space:]]${prefix//./\\.}[a-z0-9]+\$" | awk '{print $1}' || true; }
containers="$(DOCKER_HOST="$docker_host" docker ps -a --filter label=org.narwhal.instance \
  --format '{{.ID}} {{.Label "org.narwhal.instance"}}' 2>/dev/null | mine)"
networks="$(DOCKER_HOST="$docker_host" docker network ls --filter label=org.narwhal.instance \
  --format '{{.ID}} {{.Label "org.narwhal.instance"}}' 2>/dev/null | mine)"
if [[ -n "$containers" ]]; then
  say "removing containers the suite's stacks left: $(echo $containers)"
  # shellcheck disable=SC2086
  DOCKER_HOST="$docker_host" docker rm -f $containers >/dev/null || true
fi
if [[ -n "$networks" ]]; then
  say "removing networks the suite's stacks left: $(echo $networks)"
  # shellcheck disable=SC2086
  DOCKER_HOST="$docker_host" docker network rm $networks >/dev/null || true
fi
exit "$rc"
