# Shared by scripts/opensim/*.sh (sourced, not run).
#
# Where things live (all under the cargo target directory, ignored by git):
#   $KESTREL_OPENSIM_CACHE/<key>/src    the unpacked and built OpenSimulator tree (key: the archive's hash)
#   $KESTREL_OPENSIM_CACHE/<key>/built  stamp written once the build succeeded
#   $KESTREL_OPENSIM_CACHE/runs/<name>  one running region: its own copy of bin/ (hard links),
#                                      its configuration, fresh databases, console fifo and logs

KESTREL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The source archive: the environment variable, else the shared copy beside the repository.
ARCHIVE=${KESTREL_OPENSIM_ARCHIVE:-$KESTREL_ROOT/../shared/opensim/opensim-0.9.2.2.tar.xz}
CACHE=${KESTREL_OPENSIM_CACHE:-$KESTREL_ROOT/target/opensim}
# Bumped when the way the tree is patched or built changes, so old caches are not reused.
RECIPE=1

log() { echo "[opensim] $*" >&2; }
die() { echo "[opensim] error: $*" >&2; exit 1; }

# The build directory for $ARCHIVE (computed once per script run).
build_key() {
  [ -f "$ARCHIVE" ] || die "no OpenSim source archive at $ARCHIVE (set KESTREL_OPENSIM_ARCHIVE)"
  local sum
  sum=$(sha256sum "$ARCHIVE" | cut -c1-16)
  echo "$sum-r$RECIPE"
}

# Is process $1 alive (and not a zombie)?
alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" != Z ]
}

# The directory of the running region called $1.
instance_dir() { echo "$CACHE/runs/$1"; }

# Sends one console command to the region in $1 (an instance directory).
console_send() {
  local inst=$1; shift
  [ -p "$inst/console.fifo" ] || die "no console fifo in $inst (is the region running?)"
  timeout 10 bash -c 'printf "%s\n" "$1" > "$2"' _ "$*" "$inst/console.fifo" \
    || die "the console of $inst did not take: $*"
}

# Sends a console command and waits (up to $3 s) for console output after it matching the
# extended regex $2; prints the first matching line.
console_ask() {
  local inst=$1 cmd=$2 pattern=$3 wait=${4:-60} out off line deadline
  out=$inst/opensim.out
  off=$(stat -c %s "$out")
  console_send "$inst" "$cmd"
  deadline=$(( $(date +%s) + wait ))
  while :; do
    line=$(tail -c +"$((off + 1))" "$out" | tr -d '\r' | grep -a -m1 -E "$pattern" || true)
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

# A port free for both TCP and UDP on 127.0.0.1 (OpenSim serves HTTP and the circuit on it).
free_port() {
  local p used
  used=$(ss -Htuan 2>/dev/null | awk '{print $5}' | sed 's/.*://' | sort -u)
  for p in $(shuf -i 20000-40000 -n 200); do
    grep -qx "$p" <<<"$used" || { echo "$p"; return 0; }
  done
  die "no free port found"
}
