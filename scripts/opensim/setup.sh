#!/usr/bin/env bash
# Build OpenSimulator from its source archive, once per archive; prints the built bin/ directory.
#
#   scripts/opensim/setup.sh
#
# Environment:
#   KESTREL_OPENSIM_ARCHIVE  the source archive (opensim-0.9.2.2.tar.xz); see lib.sh for the default
#   KESTREL_OPENSIM_CACHE    where builds are kept (default: target/opensim)
#   KESTREL_OPENSIM_REBUILD=1  build again even when a finished build is cached
#
# Needs mono's xbuild and mcs (Debian: mono-complete, mono-xbuild); installs them with apt
# when missing (through sudo when not root). A cold build takes 2-4 minutes on two cores.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

KEY=$(build_key)
DIR=$CACHE/$KEY
SRC=$DIR/src
mkdir -p "$DIR"

# One build at a time per archive (a test run and screenshot.sh may start together).
exec 9>"$DIR/setup.lock"
if ! flock -n 9; then
  log "another setup holds $DIR/setup.lock; waiting"
  flock 9
fi

if [ -f "$DIR/built" ] && [ -f "$SRC/bin/OpenSim.exe" ] && [ "${KESTREL_OPENSIM_REBUILD:-0}" != 1 ]; then
  log "cached build $KEY ($(cat "$DIR/built"))"
  echo "$SRC/bin"
  exit 0
fi

# 1. mono ----------------------------------------------------------------------------------------
if ! command -v mono >/dev/null || ! command -v xbuild >/dev/null || ! command -v mcs >/dev/null; then
  log "installing mono (apt-get install mono-complete mono-xbuild)"
  SUDO=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "mono is missing and neither root nor sudo is available to install it"
    SUDO=sudo
  fi
  $SUDO apt-get update -q >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q mono-complete mono-xbuild >&2 \
    || die "apt-get install mono-complete mono-xbuild failed"
fi
log "$(mono --version | head -1)"

# 2. unpack --------------------------------------------------------------------------------------
rm -rf "$SRC" "$DIR/built"
mkdir -p "$SRC"
log "unpacking $ARCHIVE into $SRC"
tar -xJf "$ARCHIVE" -C "$SRC" --strip-components=1 || die "could not unpack $ARCHIVE"
[ -f "$SRC/prebuild.xml" ] || die "$ARCHIVE does not look like an OpenSimulator source tree (no prebuild.xml)"
cd "$SRC"
VERSION=$(sed -n 's/.*VersionNumber = "\([^"]*\)".*/\1/p' OpenSim/Framework/VersionInfo.cs | head -1)
log "OpenSimulator $VERSION"

# mcs 6.8 (Debian 12) crashes compiling an `out` variable declared inside a while condition in
# UuidGatherer.cs; declare it before the loop instead. The only change made to the source.
UG=OpenSim/Region/Framework/Scenes/UuidGatherer.cs
perl -0pi -e 's/while \(\(next = getxmlNode\(data, out osUTF8Slice header\)\) > 0\)/osUTF8Slice header;\n            while ((next = getxmlNode(data, out header)) > 0)/' "$UG"
if grep -q 'out osUTF8Slice header' "$UG"; then die "could not apply the mcs workaround to $UG"; fi

# 3. build ---------------------------------------------------------------------------------------
log "prebuild (log: $SRC/prebuild.log)"
bash ./runprebuild.sh > prebuild.log 2>&1 || { tail -20 prebuild.log >&2; die "prebuild failed"; }
log "xbuild Release (log: $SRC/build.log); progress every 30 s"
start=$(date +%s)
xbuild /p:Configuration=Release /p:LangVersion=experimental OpenSim.sln > build.log 2>&1 &
XB=$!
while alive "$XB"; do
  for _ in $(seq 1 30); do alive "$XB" || break; sleep 1; done
  alive "$XB" || break
  projects=$(grep -c 'Done building project' build.log || true)
  log "xbuild running, $(( $(date +%s) - start )) s, $projects projects done"
done
if ! wait "$XB"; then
  grep -E 'error|Compiler crashed' build.log | sort -u | head -30 >&2
  die "xbuild failed (see $SRC/build.log)"
fi
[ -f bin/OpenSim.exe ] || die "xbuild finished but bin/OpenSim.exe is missing"
secs=$(( $(date +%s) - start ))
log "build ok in $secs s"
echo "OpenSimulator $VERSION built $(date -u +%FT%TZ) in $secs s" > "$DIR/built"
echo "$SRC/bin"
