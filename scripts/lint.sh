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

t0=$SECONDS
log "dotnet format whitespace ${mode[*]}"
dotnet format whitespace Narwhal.sln "${mode[@]}" || die "layout differs from .editorconfig (scripts/lint.sh --fix repairs it)"
log "dotnet format style ${mode[*]}"
dotnet format style Narwhal.sln --severity warn "${mode[@]}" || die "code style differs from .editorconfig (scripts/lint.sh --fix repairs most of it)"
log "style check passed ($((SECONDS - t0)) s)"
