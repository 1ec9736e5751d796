#!/usr/bin/env bash
# scripts/build-cli.sh [RID...]
#
# Packages the narwhal CLI (src/Cli) two ways, into dist/ (or $NARWHAL_DIST):
#   dist/narwhal-<rid>          a self-contained single file for each runtime id
#                               (default: this machine's, e.g. linux-x64); needs no
#                               .NET on the target machine. Compressed, not trimmed
#                               (System.Text.Json and YamlDotNet use reflection).
#   dist/Narwhal.Cli.<ver>.nupkg  the .NET tool:
#       dotnet tool install --global Narwhal.Cli --add-source dist
#       dotnet tool install --tool-path ~/.local/bin Narwhal.Cli --add-source dist
#
# Examples:
#   scripts/build-cli.sh                       # this machine's RID
#   scripts/build-cli.sh linux-x64 linux-arm64 osx-arm64 win-x64
#
# Environment:
#   NARWHAL_DIST         [<repo>/dist]  output directory
#   NARWHAL_CLI_VERSION  [1.0.0]        package and binary version

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

case "${1:-}" in
  -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${NARWHAL_DIST:-$repo/dist}"
version="${NARWHAL_CLI_VERSION:-1.0.0}"
project="$repo/src/Cli/Narwhal.Cli.csproj"
mkdir -p "$dist"
# A private artifacts path: this never touches src/Cli/bin or obj, so it can run beside a build or a test run.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rids=("$@")
if [ ${#rids[@]} -eq 0 ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) echo "build-cli: unknown machine $(uname -m); pass a RID" >&2; exit 2 ;;
  esac
  case "$(uname -s)" in
    Linux) rids=("linux-$arch") ;;
    Darwin) rids=("osx-$arch") ;;
    *) echo "build-cli: unknown OS $(uname -s); pass a RID" >&2; exit 2 ;;
  esac
fi

for rid in "${rids[@]}"; do
  out="$(mktemp -d)"
  echo "build-cli: self-contained single file for $rid"
  dotnet publish "$project" -c Release -r "$rid" --self-contained --artifacts-path "$work" \
    -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:DebugType=none \
    -p:Version="$version" -o "$out" --nologo -v quiet
  exe=narwhal
  case "$rid" in win-*) exe=narwhal.exe ;; esac
  target="$dist/narwhal-$rid"
  case "$rid" in win-*) target="$target.exe" ;; esac
  mv "$out/$exe" "$target"
  rm -rf "$out"
  echo "build-cli:   $target ($(du -h "$target" | cut -f1))"
done

echo "build-cli: .NET tool package"
dotnet pack "$project" -c Release -p:Version="$version" --artifacts-path "$work" -o "$dist" --nologo -v quiet
echo "build-cli:   $dist/Narwhal.Cli.$version.nupkg"
