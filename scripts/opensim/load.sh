#!/usr/bin/env bash
# Load a SceneObjectGroup XML file ("xml2": <scene><SceneObjectGroup>...</scene>) into a running
# region and wait until the region lists the objects; prints how many objects it has.
#
#   scripts/opensim/load.sh [--name NAME] [--expect OBJECTS] FILE
#
#   --expect  the number of objects (link sets) the region must list once loaded; without it,
#             waits until the count stops changing
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
NAME=manual EXPECT=
while [ $# -gt 0 ]; do
  case $1 in
    --name) NAME=$2; shift 2 ;;
    --expect) EXPECT=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# = 1 ] || die "usage: load.sh [--name NAME] [--expect OBJECTS] FILE"
FILE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -f "$FILE" ] || die "no file $FILE"
INST=$(instance_dir "$NAME")
alive "$(cat "$INST/opensim.pid" 2>/dev/null)" || die "region $NAME is not running"

count() {
  console_ask "$INST" "show object name --regex .*" "[0-9]+ object\(s\) found" 300 \
    | sed -E 's/.*[^0-9]([0-9]+) object\(s\) found.*/\1/; s/^([0-9]+) object.*/\1/'
}

log "load xml2 $FILE into $NAME"
console_send "$INST" "load xml2 $FILE"
started=$(date +%s) last=-1 same=0
while :; do
  # The console runs one command at a time: this answer comes after the load has finished.
  n=$(count) || die "the region did not answer 'show object name' (see $INST/opensim.out)"
  log "region lists $n objects after $(( $(date +%s) - started )) s"
  if [ -n "$EXPECT" ]; then
    [ "$n" = "$EXPECT" ] && break
    [ "$n" -gt "$EXPECT" ] && die "the region lists $n objects, more than the $EXPECT expected"
  else
    if [ "$n" = "$last" ]; then same=$((same + 1)); else same=0; fi
    [ "$same" -ge 2 ] && break
  fi
  [ $(( $(date +%s) - started )) -lt 300 ] || die "objects still missing after 300 s"
  last=$n
  sleep 2
done
if grep -aq "Deserialization of xml failed" "$INST/opensim.out"; then
  die "OpenSim could not read some of $FILE (see $INST/opensim.out)"
fi
echo "$n"
