#!/usr/bin/env bash
# Send one command to a running region's console and show what it printed for the next seconds.
#
#   scripts/opensim/console.sh [--name NAME] [--wait SECONDS] COMMAND...
#
# e.g. scripts/opensim/console.sh --name manual show users
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
NAME=manual WAIT=2
while [ $# -gt 0 ]; do
  case $1 in
    --name) NAME=$2; shift 2 ;;
    --wait) WAIT=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || die "no command given"
INST=$(instance_dir "$NAME")
off=$(stat -c %s "$INST/opensim.out")
console_send "$INST" "$*"
sleep "$WAIT"
tail -c +"$((off + 1))" "$INST/opensim.out"
