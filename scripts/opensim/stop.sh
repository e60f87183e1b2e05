#!/usr/bin/env bash
# Stop the region started by start.sh: "quit" on its console, then SIGTERM, then SIGKILL.
#
#   scripts/opensim/stop.sh [--name NAME]      (default: manual)
#
# Its directory stays (logs in opensim.out and bin/OpenSim.log) until the next start of NAME.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
NAME=manual
while [ $# -gt 0 ]; do
  case $1 in
    --name) NAME=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
INST=$(instance_dir "$NAME")
PID=$(cat "$INST/opensim.pid" 2>/dev/null || true)
if alive "$PID"; then
  log "stopping region $NAME (pid $PID)"
  [ -p "$INST/console.fifo" ] && timeout 5 bash -c 'echo quit > "$1"' _ "$INST/console.fifo" 2>/dev/null
  for i in $(seq 1 60); do
    alive "$PID" || break
    [ $(( i % 10 )) = 0 ] && log "waiting for OpenSim to quit, $i s"
    sleep 1
  done
  if alive "$PID"; then log "no exit after quit: SIGTERM"; kill "$PID" 2>/dev/null; sleep 5; fi
  if alive "$PID"; then log "SIGKILL"; kill -9 "$PID" 2>/dev/null; fi
  log "region $NAME stopped"
else
  log "region $NAME is not running"
fi
for f in holder watchdog; do
  p=$(cat "$INST/$f.pid" 2>/dev/null || true)
  # The watchdog runs this script itself when its owner ends: it is not killed from here.
  if [ -n "$p" ] && [ "$p" != "$$" ] && alive "$p"; then kill "$p" 2>/dev/null; fi
done
rm -f "$INST/opensim.pid" "$INST/holder.pid" "$INST/watchdog.pid"
exit 0
