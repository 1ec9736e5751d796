#!/usr/bin/env bash
# scripts/images.sh [--force]
#
# Makes the local base images Narwhal's tests and local runs use, without any
# registry (none is reachable here): `docker import` of a root filesystem built
# on this machine.
#
#   local/busybox:1   Debian's busybox-static with a symlink for every applet,
#                     /tmp (1777), /etc/passwd + /etc/group (root, nobody 65534).
#                     CMD ["/bin/sh"], label org.narwhal.base=true. Built in < 1 s.
#
# Idempotent: an image that already exists is left alone (--force rebuilds it).
# Needs a Docker engine that answers (scripts/services.sh up starts one).
#
# Environment:
#   NARWHAL_DOCKER_HOST    [unix:///var/run/docker.sock]  engine to talk to
#   NARWHAL_SKIP_INSTALL   [0]  1 = never apt-get install busybox-static / docker.io

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

FORCE=0
case "${1:-}" in
  "") ;;
  --force) FORCE=1 ;;
  *) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

BUSYBOX_IMAGE=local/busybox:1
# Bumped whenever the recipe below changes: an image with another (or no)
# recipe label, e.g. one imported by hand, is rebuilt.
BUSYBOX_RECIPE=busybox-static-1
export DOCKER_HOST="${NARWHAL_DOCKER_HOST:-unix:///var/run/docker.sock}"

if [[ "${NARWHAL_SKIP_INSTALL:-0}" != 1 ]]; then
  missing=()
  pkg_installed busybox-static || missing+=(busybox-static)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  apt_install "${missing[@]}"
fi
command -v docker >/dev/null 2>&1 || die "the docker CLI is missing (apt-get install docker.io)"

sock="${DOCKER_HOST#unix://}"
if [[ "$(curl -s --max-time 5 --unix-socket "$sock" http://x/_ping 2>/dev/null)" != OK ]]; then
  die "no Docker engine answers on $DOCKER_HOST: run scripts/services.sh up first"
fi

# Several checkouts may run this at once: one at a time per machine.
lockfile=/run/narwhal/images.lock
mkdir -p /run/narwhal 2>/dev/null && touch "$lockfile" 2>/dev/null || lockfile="${TMPDIR:-/tmp}/narwhal-images.lock"
exec 8>"$lockfile"
flock -w 300 8 || die "another images.sh holds the images lock for more than 5 minutes"

image_recipe() { docker image inspect --format '{{ index .Config.Labels "org.narwhal.recipe" }}' "$1" 2>/dev/null || true; }

busybox_binary() {
  local f
  f="$(dpkg -L busybox-static 2>/dev/null | grep -m 1 -E '/bin/busybox$' || true)"
  if [[ -n "$f" && -x "$f" ]]; then echo "$f"; return 0; fi
  for f in /bin/busybox /usr/bin/busybox; do
    if [[ -x "$f" ]]; then echo "$f"; return 0; fi
  done
  return 1
}

build_busybox() {
  local bb
  bb="$(busybox_binary)" || die "busybox binary not found (apt-get install busybox-static)"
  if ldd "$bb" >/dev/null 2>&1; then
    die "$bb is dynamically linked; the image needs busybox-static (apt-get install busybox-static)"
  fi
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/narwhal-busybox.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  local root="$tmp/rootfs"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,root,home,var/tmp,tmp,dev,proc,sys,run}
  install -m 755 "$bb" "$root/bin/busybox"

  # Every applet as /bin/<applet>; also at its usual path (usr/bin/env, sbin/...)
  # so scripts with '#!/usr/bin/env sh' work.
  local applet path n=0
  while IFS= read -r applet; do
    [[ -n "$applet" && "$applet" != busybox ]] || continue
    ln -s busybox "$root/bin/$applet"
    n=$((n + 1))
  done < <("$bb" --list)
  while IFS= read -r path; do
    [[ -n "$path" ]] || continue
    [[ -e "$root/$path" || -L "$root/$path" ]] && continue
    mkdir -p "$root/$(dirname "$path")"
    ln -s /bin/busybox "$root/$path"
  done < <("$bb" --list-full 2>/dev/null || true)

  chmod 1777 "$root/tmp" "$root/var/tmp"
  chmod 700 "$root/root"
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
EOF
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"

  local version
  version="$("$bb" 2>&1 | head -n 1 | awk '{print $2}' || true)"
  log "importing $BUSYBOX_IMAGE (busybox ${version:-?}, $n applets)"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
    docker import \
      -c 'CMD ["/bin/sh"]' \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'LABEL org.narwhal.base=true' \
      -c "LABEL org.narwhal.recipe=$BUSYBOX_RECIPE" \
      -c "LABEL org.narwhal.busybox.version=${version:-unknown}" \
      -m "narwhal scripts/images.sh: busybox-static rootfs" \
      - "$BUSYBOX_IMAGE" >/dev/null
}

verify_busybox() {
  local out
  if ! out="$(docker run --rm "$BUSYBOX_IMAGE" sh -c 'echo ok; ls /bin | head' 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "$BUSYBOX_IMAGE does not run"
  fi
  [[ "$(printf '%s\n' "$out" | head -n 1)" == ok ]] || { printf '%s\n' "$out" >&2; die "$BUSYBOX_IMAGE: unexpected output"; }
  log "$BUSYBOX_IMAGE verified: $(printf '%s' "$out" | tail -n +2 | tr '\n' ' ')"
}

recipe="$(image_recipe "$BUSYBOX_IMAGE")"
if ((FORCE == 0)) && [[ "$recipe" == "$BUSYBOX_RECIPE" ]]; then
  log "$BUSYBOX_IMAGE exists; skipping (use --force to rebuild)"
else
  if docker image inspect "$BUSYBOX_IMAGE" >/dev/null 2>&1 && ((FORCE == 0)); then
    log "$BUSYBOX_IMAGE exists but was not made by this recipe (recipe label '${recipe:-none}'); rebuilding"
  fi
  build_busybox
  verify_busybox
fi
