#!/usr/bin/env bash
# scripts/lint.sh — the style check: `dotnet format --verify-no-changes` over the whole solution
# (layout, code style and naming from .editorconfig). Fails, naming file and line, when anything
# would change; `scripts/lint.sh --fix` applies the changes instead. The analyzers (AnalysisLevel,
# warnings as errors) run in every build, so the build itself holds the rest.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$NARWHAL_REPO"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_UI_LANGUAGE=en

if ! command -v dotnet >/dev/null 2>&1; then
  for d in "${DOTNET_ROOT:-}" "${HOME:-/root}/.dotnet" /usr/share/dotnet /usr/lib/dotnet /opt/dotnet; do
    if [[ -n "$d" && -x "$d/dotnet" ]]; then export PATH="$d:$PATH"; break; fi
  done
fi
command -v dotnet >/dev/null 2>&1 || die "dotnet (the .NET 10 SDK) is not on PATH"

mode=(--verify-no-changes)
[[ "${1:-}" == --fix ]] && mode=()

# The solution, and the benchmark projects that live outside it.
targets=(Narwhal.sln bench/Narwhal.Bench/Narwhal.Bench.csproj bench/Narwhal.Chaos/Narwhal.Chaos.csproj)

t0=$SECONDS
for target in "${targets[@]}"; do
  log "dotnet format whitespace $target ${mode[*]}"
  dotnet format whitespace "$target" "${mode[@]}" \
    || die "layout in $target differs from .editorconfig (scripts/lint.sh --fix repairs it)"
  log "dotnet format style $target ${mode[*]}"
  dotnet format style "$target" --severity warn "${mode[@]}" \
    || die "code style in $target differs from .editorconfig (scripts/lint.sh --fix repairs most of it)"
done
log "style check passed ($((SECONDS - t0)) s)"
