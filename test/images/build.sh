#!/usr/bin/env bash
# Builds the Docker images Skiff's tests run, with no registry: `docker import` of a rootfs made
# from the host's statically linked busybox (Debian's busybox-static, installed by
# .ci/setup-machine). CI runs it after `npm install`, before `npm test`; run it again any time.
#
# Images (see README.md beside this file):
#   skiff-test/busybox:1  busybox with every applet linked in /bin, /sbin, /usr/bin, /usr/sbin;
#                         Cmd ["sh"]; /www/index.html for `httpd -f -p 80 -h /www`.
#   skiff-test/httpd:1    the same rootfs; Cmd runs `httpd -f -p 80 -h /www` (a web server pod).
#
# Idempotent and fast: every image carries the label io.skiff.test.inputs = hash of this script
# and the busybox binary; an image whose label matches is left alone (~0.1 s), otherwise it is
# rebuilt (~1 s). We do not tag `busybox:latest` by default: on a developer's machine that would
# shadow the real busybox image with a different version (Debian's is 1.35, not 1.36); set
# SKIFF_TEST_ALIAS_BUSYBOX=1 to add that alias anyway (e.g. for ad-hoc `kubectl run --image=busybox`).
set -euo pipefail

log() { printf '[test-images] %s\n' "$*"; }
die() { printf '[test-images] error: %s\n' "$*" >&2; exit 1; }

BUSYBOX="${BUSYBOX:-/bin/busybox}"
[ -x "$BUSYBOX" ] || BUSYBOX="$(command -v busybox || true)"
[ -n "$BUSYBOX" ] && [ -x "$BUSYBOX" ] || die "busybox not found; install busybox-static (.ci/setup-machine)"
command -v docker >/dev/null 2>&1 || die "docker CLI not found (.ci/setup-machine installs it)"
docker info >/dev/null 2>&1 || die "cannot reach the Docker daemon"

# A dynamically linked busybox would fail inside the image (no libc there): refuse it. An ELF
# is dynamic iff it has a PT_INTERP (type 3) program header; read the headers with od only.
is_static_elf() {
  local f="$1" phoff phentsize phnum i type
  [ "$(od -An -c -N4 "$f" | tr -d ' ')" = '177ELF' ] || return 1
  phoff=$(od -An -tu8 -j32 -N8 "$f" | tr -d ' ')
  phentsize=$(od -An -tu2 -j54 -N2 "$f" | tr -d ' ')
  phnum=$(od -An -tu2 -j56 -N2 "$f" | tr -d ' ')
  for ((i = 0; i < phnum; i++)); do
    type=$(od -An -tu4 -j$((phoff + i * phentsize)) -N4 "$f" | tr -d ' ')
    [ "$type" = 3 ] && return 1
  done
  return 0
}
is_static_elf "$BUSYBOX" || die "$BUSYBOX is not a static ELF; install busybox-static"

SCRIPT="${BASH_SOURCE[0]}"
INPUTS="$( { sha256sum "$SCRIPT" "$BUSYBOX" | cut -d' ' -f1; } | sha256sum | cut -c1-16)"
LABEL=io.skiff.test.inputs

current() { docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null || true; }

# Images to build: "tag|Cmd JSON"
IMAGES=(
  'skiff-test/busybox:1|["sh"]'
  'skiff-test/httpd:1|["httpd","-f","-p","80","-h","/www"]'
)

todo=()
for spec in "${IMAGES[@]}"; do
  tag="${spec%%|*}"
  if [ "$(current "$tag")" = "$INPUTS" ]; then
    log "$tag is up to date ($INPUTS)"
  else
    todo+=("$spec")
  fi
done

if [ ${#todo[@]} -gt 0 ]; then
  root="$(mktemp -d)"
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,www,root,home,var/log,var/run,proc,sys,dev}
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX" "$root/bin/busybox"
  chmod 0755 "$root/bin/busybox"
  # Every applet at its usual path, as a symlink to /bin/busybox.
  while read -r applet; do
    [ -n "$applet" ] && [ "$applet" != bin/busybox ] || continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
  done < <("$BUSYBOX" --list-full)
  # Users for runAsUser tests and for tools that look names up (id, ls -l, whoami).
  printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  printf '<html><body><h1>skiff-test</h1></body></html>\n' >"$root/www/index.html"
  printf 'skiff-test busybox %s\n' "$INPUTS" >"$root/etc/skiff-test-release"

  tarball="$(mktemp)"
  trap 'rm -rf "$root" "$tarball"' EXIT
  tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$tarball" .

  for spec in "${todo[@]}"; do
    tag="${spec%%|*}"
    cmd="${spec#*|}"
    old_id="$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)"
    docker import \
      --change "CMD $cmd" \
      --change 'ENV PATH=/bin:/usr/bin:/sbin:/usr/sbin' \
      --change "LABEL $LABEL=$INPUTS" \
      --change 'LABEL org.opencontainers.image.source=skiff/test/images' \
      --message "skiff test image $INPUTS" \
      "$tarball" "$tag" >/dev/null
    log "built $tag ($INPUTS)"
    # Drop the previous build if nothing else names or uses it (no dangling images pile up).
    [ -z "$old_id" ] || docker image rm "$old_id" >/dev/null 2>&1 || true
  done
fi

if [ "${SKIFF_TEST_ALIAS_BUSYBOX:-}" = 1 ]; then
  docker tag skiff-test/busybox:1 busybox:latest
  log "tagged busybox:latest -> skiff-test/busybox:1"
fi

# Smoke check: the image runs and has its applets.
out="$(docker run --rm --network none skiff-test/busybox:1 sh -c 'echo ok $(ls /bin | wc -l)')"
case "$out" in ok\ *) ;; *) die "smoke run of skiff-test/busybox:1 failed: $out" ;; esac
