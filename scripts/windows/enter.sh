#!/usr/bin/env bash
# Runs the official deno.exe under Wine 10 inside the cached trixie root filesystem, in the
# current terminal: `scripts/windows/enter.sh [options] -- <deno args>`. Exits with deno.exe's
# exit code, or 125 when the test bed itself fails.
#
#   scripts/windows/enter.sh --mount 'C:\site=/tmp/site' -- \
#     run --allow-net --allow-read 'C:\zhttp\main.ts' 'C:\site'
#
# Options:
#   --mount 'C:\name=/linux/dir'  show a Linux folder at a C:\ path (bind mount, read-write)
#   --repo DIR                    the folder shown copy-on-write at C:\zhttp (default: this repo)
#   --env NAME=VALUE              one more variable for deno.exe (Wine passes the environment on)
#   --cwd 'C:\path'               deno.exe's working folder (default C:\zhttp)
#   --run-dir DIR                 scratch folder for this run, made empty by the caller and
#                                 removed by it (default: a fresh one, removed on exit)
#   --exit-code-file FILE         write the exit code there when the run ends (for wine.ts)
#   --wait-for-file FILE          start only once FILE exists (wine.ts attaches its log first)
#   --owner-pid PID               end the run when process PID ends (wine.ts passes its own)
#
# Isolation: a private mount and PID namespace (unshare), the network shared so that
# 127.0.0.1 on Linux reaches deno.exe. The root filesystem and the WINEPREFIX are mounted
# copy-on-write (overlayfs) over the cache, so runs never change the cache and can run side
# by side. Every mount lives only in the namespace: it vanishes when the last process in it
# ends, whatever way it ends. The namespace's init writes its host PID and its parent's
# (unshare) to RUN_DIR/pids as "pid starttime" lines, so a caller can end it by PID.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/common.sh
source "$HERE/common.sh"

HARNESS_FAILURE=125
HOST_CA_BUNDLE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
CA_BUNDLE_IN_ROOT="/etc/ssl/host-ca-certificates.crt"

die() {
  printf 'enter: %s\n' "$*" >&2
  exit "$HARNESS_FAILURE"
}

# C:\a\b → a/b (relative to drive_c); refuses other drives and '..' so a mount cannot land
# outside the prefix.
drive_c_relative() {
  local path="$1"
  [[ $path =~ ^[Cc]:\\ ]] || die "'$path' is not a C:\\ path"
  path="${path:3}"
  path="${path//\\//}"
  path="${path%/}"
  [[ -n $path && ! $path =~ (^|/)\.\.(/|$) ]] || die "'$1' must name a folder below C:\\"
  printf '%s' "$path"
}

# "pid starttime" of the calling shell as the host sees it. /proc here is still the host's
# procfs (the namespace's own is mounted later, inside the root), so /proc/self shows host
# PIDs; the start time (field 22) guards a later kill against a reused PID.
host_pid_line() {
  local stat rest
  read -r stat </proc/self/stat
  rest="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $rest
  printf '%s %s\n%s %s\n' "${stat%% *}" "${20}" "$2" "$(start_time_of "$2")"
}

start_time_of() {
  local stat rest
  read -r stat <"/proc/$1/stat" || return 1
  rest="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $rest
  printf '%s' "${20}"
}

# Runs as PID 1 of the new PID namespace, in the new mount namespace, still outside the root.
in_namespace() {
  local run="$1" repo="$2" cwd="$3"
  shift 3
  local mounts=() envs=()
  while [[ $1 != -- ]]; do
    case "$1" in
      --mount) mounts+=("$2") ;;
      --env) envs+=("$2") ;;
    esac
    shift 2
  done
  shift

  host_pid_line >"$run/pids"
  # A Ctrl+C reaches every process in the terminal's foreground group; this shell must
  # outlive it to report deno.exe's exit code. A handler (unlike an ignore) is not inherited.
  trap ':' INT

  trap 'printf "enter: preparing the root failed (line %s)\n" "$LINENO" >&2; exit "$HARNESS_FAILURE"' ERR
  local root="$run/root" prefix_mount="$run/root$PREFIX_IN_ROOT"
  mkdir -p "$root" "$run/root.upper" "$run/root.work" "$run/prefix.upper" "$run/prefix.work" \
    "$run/repo.upper" "$run/repo.work"
  mount -t overlay overlay \
    -o "lowerdir=$ROOTFS,upperdir=$run/root.upper,workdir=$run/root.work" "$root"
  mount -t overlay overlay \
    -o "lowerdir=$PREFIX,upperdir=$run/prefix.upper,workdir=$run/prefix.work" "$prefix_mount"
  mount -t overlay overlay \
    -o "lowerdir=$repo,upperdir=$run/repo.upper,workdir=$run/repo.work" "$prefix_mount/drive_c/zhttp"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount --rbind /sys "$root/sys"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  # The host's resolver settings, so deno.exe can reach the npm registry for dependencies.
  local file
  for file in /etc/resolv.conf /etc/hosts; do
    touch "$root$file"
    mount --bind "$file" "$root$file"
  done
  # deno.exe trusts the CAs the host trusts: some hosts reach the npm registry only through a
  # TLS-inspecting proxy whose CA is in the host's bundle but not in deno.exe's built-in roots.
  local deno_cert=()
  if [[ -f $HOST_CA_BUNDLE ]]; then
    mkdir -p "$root${CA_BUNDLE_IN_ROOT%/*}"
    touch "$root$CA_BUNDLE_IN_ROOT"
    mount --bind -o ro "$HOST_CA_BUNDLE" "$root$CA_BUNDLE_IN_ROOT"
    deno_cert=("DENO_CERT=Z:${CA_BUNDLE_IN_ROOT//\//\\}")
  fi
  mkdir -p "$prefix_mount/drive_c/deno"
  mount --bind -o ro "$DENO_EXE_DIR" "$prefix_mount/drive_c/deno"
  mount --bind "$DENO_CACHE" "$prefix_mount/drive_c/deno-dir"
  local spec target
  for spec in "${mounts[@]}"; do
    target="$prefix_mount/drive_c/$(drive_c_relative "${spec%%=*}")"
    mkdir -p "$target"
    mount --bind "${spec#*=}" "$target"
  done

  trap - ERR
  local status=0
  # shellcheck disable=SC2016 # expanded by the inner sh
  chroot "$root" env -i \
    PATH=/usr/bin:/bin HOME=/root USER=root LANG=C.UTF-8 TERM="${TERM:-xterm}" \
    XDG_RUNTIME_DIR=/tmp WINEPREFIX="$PREFIX_IN_ROOT" WINEDEBUG=-all \
    WINEDLLOVERRIDES="mscoree,mshtml=" \
    DENO_DIR='C:\deno-dir' DENO_NO_UPDATE_CHECK=1 "${deno_cert[@]}" \
    "${envs[@]}" \
    sh -c 'cd "$1" && shift && exec wine "C:\\deno\\deno.exe" "$@"' \
    deno "$PREFIX_IN_ROOT/drive_c/$(drive_c_relative "$cwd")" "$@" || status=$?
  return "$status"
}

# True while PID is the process whose start time was recorded (not a later one reusing it).
is_same_process() {
  [[ "$(start_time_of "$1" 2>/dev/null)" == "$2" ]]
}

# Kills the processes listed as "pid starttime" lines in FILE that are still those processes.
# The first is the namespace's init, whose death ends every process in the namespace.
kill_recorded() {
  local pid start
  [[ -f $1 ]] || return 0
  while read -r pid start; do
    if is_same_process "$pid" "$start"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done <"$1"
}

# True while any process listed as "pid starttime" lines in FILE is still that process.
any_alive() {
  local pid start
  while read -r pid start; do
    if is_same_process "$pid" "$start"; then return 0; fi
  done <"$1"
  return 1
}

# Ends what an earlier run left behind when both its enter.sh and its caller were killed: its
# processes by PID, then its scratch folder. A run whose caller lives is left alone, even
# after deno.exe exited: the caller may still read the console log and the exit code.
sweep_stale_runs() {
  local dir
  for dir in "$CACHE/runs"/*/; do
    [[ -f $dir/owners ]] || continue
    if any_alive "$dir/owners"; then continue; fi
    kill_recorded "$dir/pids"
    rm -rf --one-file-system "$dir"
  done
}

# Runs in the background for --owner-pid: when the caller dies without closing the run (a
# killed test runner), the run ends too instead of serving forever.
watch_owner() {
  local owner="$1" start="$2" run_dir="$3"
  while is_same_process "$owner" "$start"; do sleep 1; done
  printf 'enter: the caller (PID %s) is gone; ending the run\n' "$owner" >&2
  kill_recorded "$run_dir/pids"
}

main() {
  if [[ ${1:-} == --in-namespace ]]; then
    shift
    in_namespace "$@"
    return
  fi
  trap on_exit EXIT
  local repo cwd='C:\zhttp' run_dir="" wait_for_file="" owner_pid="" pass=() problems=()
  repo="$(cd "$HERE/../.." && pwd)"
  # Problems are collected and reported after --wait-for-file, so that a caller whose log is
  # attached only then still sees them.
  while (($#)) && [[ $1 != -- ]]; do
    case "$1" in
      --mount)
        if [[ ${2:-} != [Cc]:\\*=/* ]]; then
          problems+=("--mount wants 'C:\\name=/linux/dir', got '${2:-}'")
        elif [[ ! -d ${2#*=} ]]; then
          problems+=("--mount: ${2#*=} is not a folder")
        fi
        pass+=(--mount "${2:-}")
        ;;
      --env)
        [[ ${2:-} == [A-Za-z_]*=* ]] || problems+=("--env wants NAME=VALUE, got '${2:-}'")
        pass+=(--env "${2:-}")
        ;;
      --repo) repo="${2:-}" ;;
      --cwd) cwd="${2:-}" ;;
      --run-dir) run_dir="${2:-}" ;;
      --exit-code-file) EXIT_CODE_FILE="${2:-}" ;;
      --wait-for-file) wait_for_file="${2:-}" ;;
      --owner-pid) owner_pid="${2:-}" ;;
      *) problems+=("unknown option '$1' (options come before --, deno's arguments after)") ;;
    esac
    shift $(($# < 2 ? $# : 2))
  done
  (($#)) || problems+=("usage: enter.sh [options] -- <deno args>")
  shift $(($# ? 1 : 0))

  if [[ -n $wait_for_file ]]; then
    local tries=0
    until [[ -e $wait_for_file ]]; do
      ((++tries < 500)) || die "$wait_for_file did not appear within 10 s"
      sleep 0.02
    done
  fi
  ((${#problems[@]} == 0)) || die "${problems[0]}"
  [[ $EUID -eq 0 ]] || die "must run as root (mounts and chroot need it)"
  [[ -d $repo ]] || die "--repo: '$repo' is not a folder"
  repo="$(realpath "$repo")"
  drive_c_relative "$cwd" >/dev/null
  local i
  for ((i = 0; i < ${#pass[@]}; i += 2)); do
    [[ ${pass[i]} != --mount ]] || drive_c_relative "${pass[i + 1]%%=*}" >/dev/null
  done
  local stage
  for stage in "$ROOTFS" "$DENO_EXE_DIR" "$PREFIX"; do
    [[ -f $stage/$MARKER ]] || die "the Windows test bed is not set up ($stage); run scripts/windows/setup.sh"
  done

  mkdir -p "$CACHE/runs"
  sweep_stale_runs
  if [[ -z $run_dir ]]; then
    run_dir="$(mktemp -d "$CACHE/runs/run.XXXXXX")"
    OWN_RUN_DIR="$run_dir"
  fi
  local owner_start=""
  if [[ -n $owner_pid ]]; then
    owner_start="$(start_time_of "$owner_pid")" || die "--owner-pid: no process $owner_pid"
  fi
  {
    printf '%s %s\n' "$$" "$(start_time_of $$)"
    if [[ -n $owner_pid ]]; then printf '%s %s\n' "$owner_pid" "$owner_start"; fi
  } >"$run_dir/owners"

  if [[ -n $owner_pid ]]; then
    # Started in the background, it ignores the Ctrl+C meant for deno.exe.
    watch_owner "$owner_pid" "$owner_start" "$run_dir" &
    WATCHER_PID=$!
  fi

  # See in_namespace's trap: this shell too must outlive a Ctrl+C.
  trap ':' INT
  local status=0
  unshare --mount --pid --fork --kill-child -- \
    "$HERE/enter.sh" --in-namespace "$run_dir" "$repo" "$cwd" "${pass[@]}" -- "$@" || status=$?
  exit "$status"
}

# Set by main; read by on_exit, which also runs when main dies early.
EXIT_CODE_FILE=""
OWN_RUN_DIR=""
WATCHER_PID=""

on_exit() {
  local status=$?
  if [[ -n $WATCHER_PID ]]; then kill "$WATCHER_PID" 2>/dev/null || true; fi
  if [[ -n $EXIT_CODE_FILE ]]; then
    echo "$status" >"$EXIT_CODE_FILE.tmp" && mv "$EXIT_CODE_FILE.tmp" "$EXIT_CODE_FILE"
  fi
  if [[ -n $OWN_RUN_DIR ]]; then rm -rf --one-file-system "$OWN_RUN_DIR"; fi
  exit "$status"
}

main "$@"
