# Shared by setup.sh and enter.sh: where the cached test bed lives and what marks it complete.
# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this

# The Deno version zhttp pins (.ci/run installs the same on Linux).
DENO_VERSION="2.9.6"

CACHE="${ZHTTP_WINE_CACHE:-/var/tmp/zhttp-wine}"
ROOTFS="$CACHE/rootfs"
DENO_EXE_DIR="$CACHE/deno-$DENO_VERSION"
PREFIX="$CACHE/prefix"
# Deno's own cache (npm packages, compiled modules) for deno.exe, kept between runs.
DENO_CACHE="$CACHE/deno-dir"
# Written last into each stage's folder; a folder without it is half-built.
MARKER=".zhttp-complete"
# Where runs mount the WINEPREFIX inside the root filesystem.
PREFIX_IN_ROOT="/wineprefix"

# True when some mount point lies at or below the given folder.
mounted_below() {
  local dir
  dir="$(realpath -m "$1")"
  awk -v dir="$dir" '$2 == dir || index($2, dir "/") == 1 { found = 1 } END { exit !found }' /proc/mounts
}
