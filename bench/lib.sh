# bench/lib.sh: what bench/run.sh and bench/chaos/run.sh share. Sourced, not run.
# Expects REPO (the repository root) and the functions say/die from the sourcing script.

# The .NET SDK on PATH, quiet and in English.
bench_dotnet() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  export DOTNET_CLI_UI_LANGUAGE=en NUGET_XMLDOC_MODE=skip
  if ! command -v dotnet >/dev/null 2>&1; then
    for d in "${DOTNET_ROOT:-}" "${HOME:-/root}/.dotnet" /usr/share/dotnet /usr/lib/dotnet /opt/dotnet; do
      if [[ -n "$d" && -x "$d/dotnet" ]]; then export PATH="$d:$PATH"; break; fi
    done
  fi
  command -v dotnet >/dev/null 2>&1 || die "dotnet (the .NET 10 SDK) is not on PATH"
}

# bench_services SKIP: unless SKIP is 1, services.sh up and images.sh; then the services' environment.
bench_services() {
  if [[ "${1:-0}" != 1 ]]; then
    say "services: up"
    "$REPO/scripts/services.sh" up </dev/null || die "scripts/services.sh up failed"
    say "images"
    "$REPO/scripts/images.sh" </dev/null || die "scripts/images.sh failed"
  fi
  local env_lines
  env_lines="$("$REPO/scripts/services.sh" env)" || die "scripts/services.sh env failed"
  eval "$env_lines"
}

# bench_build PROJECT ARTIFACTS LOG: dotnet build -c Release into its own artifacts folder (apart from the
# solution's bin/obj), retried while another build holds a file lock.
bench_build() {
  local project="$1" artifacts="$2" build_log="$3" attempt=1
  say "dotnet build $(realpath --relative-to="$REPO" "$project") -c Release (log: $(realpath --relative-to="$REPO" "$build_log"))"
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
}
