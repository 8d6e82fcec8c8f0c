#!/usr/bin/env bash
# Builds the Windows test bed once and caches it: a Debian trixie root filesystem with Wine 10,
# the official deno.exe, and an initialised WINEPREFIX. Idempotent: a second run only checks
# the markers. Every stage builds into a ".partial" folder and renames it when complete, so a
# half-built stage is never mistaken for a finished one; the next run rebuilds it.
#
# Why trixie: Debian 12's Wine 8 cannot run Deno (no ProcessPrng; V8 cannot reserve memory).
#
# Usage: sudo scripts/windows/setup.sh        (root: debootstrap, chroot and mounts need it)
# Env:   ZHTTP_WINE_CACHE  cache folder (default /var/tmp/zhttp-wine)
#        ZHTTP_WINE_MIRROR Debian mirror (default: the first Debian URI in /etc/apt/sources.list*)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/common.sh
source "$HERE/common.sh"

DEBIAN_SUITE="trixie"
WINE_PACKAGES=(wine wine64)
# deno.exe comes from the npm package that `npm install deno` itself uses on Windows; the
# integrity is pinned so that a changed tarball fails loudly instead of being run.
DENO_NPM_PACKAGE="@deno/win32-x64@${DENO_VERSION}"
DENO_NPM_INTEGRITY="sha512-qRGnmVz/Ea6UWPht/S3xFRK17UZ/ls38DSVfgGB17fpASLxPkksqzWUI/BzL9YYoOknYzfc94mySGyInZu/JXw=="

log() { printf 'setup: %s\n' "$*"; }
die() {
  printf 'setup: %s\n' "$*" >&2
  exit 1
}
elapsed() { printf '%ss' "$((SECONDS - $1))"; }

[[ $EUID -eq 0 ]] || die "must run as root (debootstrap, chroot and mounts need it)"

# The first Debian archive URI the host's apt uses, skipping the security archive.
find_debian_mirror() {
  local files=() file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $file ]] && files+=("$file")
  done
  ((${#files[@]})) || return 1
  grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[a-z]+://[^[:space:]]+' "${files[@]}" |
    grep -oE '[a-z]+://[^[:space:]]+' | sed 's:/*$::' | grep -E '/debian$' | head -n 1
}

# One HTTP GET of the suite's Release file: proves the mirror answers before debootstrap
# spends minutes failing.
check_mirror() {
  local url="$1/dists/$DEBIAN_SUITE/Release"
  if command -v curl >/dev/null; then
    curl -fsS --max-time 20 -o /dev/null "$url" 2>/dev/null
  else
    /usr/lib/apt/apt-helper -o Acquire::http::Timeout=20 download-file "$url" /dev/null >/dev/null 2>&1
  fi
}

ensure_host_packages() {
  local missing=() cmd pkg
  for cmd in debootstrap:debootstrap tmux:tmux unshare:util-linux; do
    command -v "${cmd%%:*}" >/dev/null || missing+=("${cmd#*:}")
  done
  command -v npm >/dev/null || die "npm is missing: it is needed to fetch deno.exe from the npm registry"
  ((${#missing[@]})) || return 0
  log "installing host packages: ${missing[*]}"
  apt-get update -qq || die "apt-get update failed: the host's Debian mirror cannot be reached"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
  for pkg in "${missing[@]}"; do log "installed $pkg"; done
}

# Removes a stage folder (a half-built one, or one being rebuilt). Refuses if anything is
# still mounted below it (rm -rf would then reach into the host's /dev or /proc).
remove_partial() {
  local dir="$1"
  [[ -e $dir ]] || return 0
  if mounted_below "$dir"; then
    die "$dir still has mounts below it; unmount them first (see /proc/mounts)"
  fi
  rm -rf --one-file-system "$dir"
}

build_rootfs() {
  local partial="$ROOTFS.partial" started=$SECONDS mirror
  mirror="${ZHTTP_WINE_MIRROR:-$(find_debian_mirror || true)}"
  [[ -n $mirror ]] || die "no Debian mirror found in /etc/apt/sources.list*; set ZHTTP_WINE_MIRROR"
  check_mirror "$mirror" ||
    die "cannot reach the Debian mirror $mirror (GET dists/$DEBIAN_SUITE/Release failed); the trixie root filesystem cannot be built"
  remove_partial "$partial"
  remove_partial "$ROOTFS"
  log "debootstrap $DEBIAN_SUITE from $mirror (a few minutes)"
  # In a private mount namespace, so the /proc and /sys that debootstrap mounts inside the
  # target cannot outlive an interrupted run on the host.
  unshare --mount --fork -- debootstrap --variant=minbase "$DEBIAN_SUITE" "$partial" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $CACHE/debootstrap.log"
  log "debootstrap done in $(elapsed "$started")"

  local wine_started=$SECONDS
  log "installing ${WINE_PACKAGES[*]} inside the root filesystem"
  # apt inside the chroot needs /proc and /dev; a private mount namespace takes them away
  # again when the command ends, even if it fails.
  # shellcheck disable=SC2016 # expanded by the inner bash
  unshare --mount --fork -- bash -euc '
    root="$1"; shift
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
      sh -ec "apt-get update -qq && apt-get install -y -qq --no-install-recommends $* && apt-get clean"
  ' wine-install "$partial" "${WINE_PACKAGES[@]}" >"$CACHE/wine-install.log" 2>&1 ||
    die "installing Wine inside the root filesystem failed; see $CACHE/wine-install.log"
  local wine_version
  # shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
  wine_version="wine64 $(chroot "$partial" dpkg-query -W -f '${Version}' wine64)" ||
    die "wine64 is not installed inside the root filesystem; see $CACHE/wine-install.log"
  log "installed $wine_version in $(elapsed "$wine_started")"
  mkdir -p "$partial$PREFIX_IN_ROOT"
  echo "$DEBIAN_SUITE $wine_version" >"$partial/$MARKER"
  mv "$partial" "$ROOTFS"
}

fetch_deno() {
  local partial="$DENO_EXE_DIR.partial" started=$SECONDS
  remove_partial "$partial"
  remove_partial "$DENO_EXE_DIR"
  mkdir -p "$partial"
  log "npm pack $DENO_NPM_PACKAGE"
  local integrity
  integrity="$(cd "$partial" && npm pack --silent --json "$DENO_NPM_PACKAGE" 2>"$partial/npm.log" |
    sed -n 's/^ *"integrity": *"\([^"]*\)".*/\1/p')" ||
    die "npm pack $DENO_NPM_PACKAGE failed; see $partial/npm.log"
  [[ $integrity == "$DENO_NPM_INTEGRITY" ]] ||
    die "npm pack $DENO_NPM_PACKAGE: integrity '$integrity' is not the pinned one"
  tar -xzf "$partial"/deno-win32-x64-*.tgz -C "$partial" package/deno.exe
  mv "$partial/package/deno.exe" "$partial/deno.exe"
  rm -rf "$partial/package" "$partial"/*.tgz "$partial/npm.log"
  [[ "$(head -c 2 "$partial/deno.exe")" == "MZ" ]] || die "$DENO_NPM_PACKAGE: deno.exe is not a Windows executable"
  echo "$DENO_NPM_PACKAGE $DENO_NPM_INTEGRITY" >"$partial/$MARKER"
  mv "$partial" "$DENO_EXE_DIR"
  log "deno.exe $DENO_VERSION fetched in $(elapsed "$started")"
}

init_prefix() {
  local partial="$PREFIX.partial" started=$SECONDS
  remove_partial "$partial"
  remove_partial "$PREFIX"
  mkdir -p "$partial"
  log "wineboot --init (a fresh WINEPREFIX)"
  # The prefix lives outside the root filesystem so either can be rebuilt alone; runs mount
  # it copy-on-write at $PREFIX_IN_ROOT. mscoree and mshtml are disabled so that wineboot does
  # not look for Mono and Gecko (no internet, no display for the prompt).
  # shellcheck disable=SC2016 # expanded by the inner bash
  unshare --mount --pid --fork --kill-child -- bash -euc '
    root="$1" prefix="$2" target="$3"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/tmp"
    mount --bind "$prefix" "$root$target"
    chroot "$root" env -i PATH=/usr/bin:/bin HOME=/root WINEPREFIX="$target" WINEDEBUG=-all \
      WINEDLLOVERRIDES="mscoree,mshtml=" sh -ec "wine wineboot --init && wineserver --wait"
  ' wineboot "$ROOTFS" "$partial" "$PREFIX_IN_ROOT" >"$CACHE/wineboot.log" 2>&1 ||
    die "wineboot --init failed; see $CACHE/wineboot.log"
  [[ -f $partial/system.reg ]] || die "wineboot --init left no system.reg; see $CACHE/wineboot.log"
  mkdir -p "$partial/drive_c/zhttp" "$partial/drive_c/deno-dir"
  # Records the Wine that made it: a rebuilt root filesystem brings a fresh prefix along.
  cp "$ROOTFS/$MARKER" "$partial/$MARKER"
  mv "$partial" "$PREFIX"
  log "WINEPREFIX initialised in $(elapsed "$started") ($(du -sh "$PREFIX" | cut -f1))"
}

main() {
  local started=$SECONDS
  mkdir -p "$CACHE"
  exec 9>"$CACHE/setup.lock"
  flock -n 9 || {
    log "another setup is running; waiting for it"
    flock 9
  }
  ensure_host_packages
  if [[ -f $ROOTFS/$MARKER ]]; then
    log "root filesystem: cached ($(cat "$ROOTFS/$MARKER"))"
  else
    build_rootfs
  fi
  if [[ -f $DENO_EXE_DIR/$MARKER ]]; then log "deno.exe $DENO_VERSION: cached"; else fetch_deno; fi
  if [[ -f $PREFIX/$MARKER ]] && cmp -s "$PREFIX/$MARKER" "$ROOTFS/$MARKER"; then
    log "WINEPREFIX: cached"
  else
    init_prefix
  fi
  mkdir -p "$DENO_CACHE"
  log "ready in $(elapsed "$started") (cache: $CACHE)"
}

main "$@"
