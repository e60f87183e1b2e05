#!/usr/bin/env bash
# Start a standalone OpenSimulator region on 127.0.0.1 with fresh databases; returns once logins
# are enabled and the avatar "Test User" (password "kestrel", the estate owner) exists.
# Prints the region's directory (console fifo, output, logs) on stdout.
#
#   scripts/opensim/start.sh [--name NAME] [--port PORT] [--region "REGION NAME"] [--owner PID]
#
#   --name    the run's name: its directory is target/opensim/runs/NAME (default: manual)
#   --port    HTTP (login, capabilities) and UDP (circuit) port (default: 9000)
#   --region  the region's name (default: Kestrel Test)
#   --owner   stop the region when process PID ends (the test binary that started it)
#
# Environment: those of setup.sh (which runs first: the build is cached), and
#   KESTREL_OPENSIM_WAIT  longest wait for start-up, seconds (default 600)
#
# Console: scripts/opensim/console.sh --name NAME "show users"; stop: scripts/opensim/stop.sh --name NAME
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

NAME=manual PORT=9000 REGION="Kestrel Test" OWNER=
while [ $# -gt 0 ]; do
  case $1 in
    --name) NAME=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --region) REGION=$2; shift 2 ;;
    --owner) OWNER=$2; shift 2 ;;
    *) die "unknown argument $1 (see the comment at the top of $0)" ;;
  esac
done
[[ $NAME =~ ^[A-Za-z0-9_.-]+$ ]] || die "--name: letters, digits, _ . - only"
[[ $PORT =~ ^[0-9]+$ ]] || die "--port: a number"
WAIT=${KESTREL_OPENSIM_WAIT:-600}

BIN=$("$HERE/setup.sh")
INST=$(instance_dir "$NAME")

# A region left running under this name is stopped; its directory (and databases) go.
if [ -f "$INST/opensim.pid" ]; then "$HERE/stop.sh" --name "$NAME" || true; fi
rm -rf "$INST"
mkdir -p "$INST"
log "region $NAME: $INST"

# Its own bin/: hard links to the build (cheap), so databases, logs and configuration written
# there are this run's alone. Files written below are new files, never the build's.
cp -al "$BIN" "$INST/bin" 2>/dev/null || cp -a "$BIN" "$INST/bin"
rm -f "$INST"/bin/*.db "$INST/bin/OpenSim.ini" "$INST/bin/config-include/StandaloneCommon.ini"
rm -rf "$INST/bin/Regions"
mkdir -p "$INST/bin/Regions"
cp "$INST/bin/config-include/StandaloneCommon.ini.example" "$INST/bin/config-include/StandaloneCommon.ini"
OWNER_UUID=$(cat /proc/sys/kernel/random/uuid)

# Only what differs from OpenSimDefaults.ini.
cat > "$INST/bin/OpenSim.ini" <<INI
; Written by scripts/opensim/start.sh for the Kestrel test suite: a standalone region on loopback.
[Const]
    BaseHostname = "127.0.0.1"
    BaseURL = http://\${Const|BaseHostname}
    PublicPort = "$PORT"
    PrivURL = \${Const|BaseURL}
    PrivatePort = "$PORT"
[Permissions]
    automatic_gods = false
    implicit_gods = false
    allow_grid_gods = true
[Estates]
    DefaultEstateName = Kestrel Estate
    DefaultEstateOwnerName = Test User
    DefaultEstateOwnerUUID = $OWNER_UUID
    DefaultEstateOwnerEMail = test@example.invalid
    DefaultEstateOwnerPassword = kestrel
[Network]
    http_listener_port = $PORT
    ExternalHostNameForLSL = \${Const|BaseHostname}
    shard = "OpenSim"
[ClientStack.LindenCaps]
    Cap_GetTexture = "localhost"
    Cap_GetMesh = "localhost"
    Cap_AvatarPickerSearch = "localhost"
    Cap_GetDisplayNames = "localhost"
[XEngine]
    AppDomainLoading = false
[OSSL]
    Include-osslDefaultEnable = "config-include/osslDefaultEnable.ini"
[Architecture]
    Include-Architecture = "config-include/Standalone.ini"
INI

cat > "$INST/bin/Regions/Regions.ini" <<INI
[$REGION]
RegionUUID = $(cat /proc/sys/kernel/random/uuid)
Location = 1000,1000
InternalAddress = 127.0.0.1
InternalPort = $PORT
AllowAlternatePorts = False
ExternalHostName = 127.0.0.1
SizeX = 256
SizeY = 256
INI

# The console reads a fifo; a holder keeps it open for writing so the console never sees EOF.
mkfifo "$INST/console.fifo"
setsid sleep infinity > "$INST/console.fifo" 2>/dev/null < /dev/null &
echo $! > "$INST/holder.pid"
(
  cd "$INST/bin"
  ulimit -s 1048576 2>/dev/null || true
  exec setsid mono --desktop OpenSim.exe -console=basic < "$INST/console.fifo" > "$INST/opensim.out" 2>&1
) &
PID=$!
echo "$PID" > "$INST/opensim.pid"
echo "$PORT" > "$INST/port"
log "OpenSim pid $PID on 127.0.0.1:$PORT; console output $INST/opensim.out"

# The owner's watchdog: when the process that asked for this region ends (normally, by a panic,
# or killed), the region is stopped too.
if [ -n "$OWNER" ]; then
  setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2/stop.sh" --name "$3"' \
    _ "$OWNER" "$HERE" "$NAME" < /dev/null >> "$INST/watchdog.log" 2>&1 &
  echo $! > "$INST/watchdog.pid"
fi

started=$(date +%s)
next=$(( started + 10 ))
until grep -aq "LOGINS ENABLED" "$INST/opensim.out" 2>/dev/null; do
  now=$(date +%s)
  if ! alive "$PID"; then
    tail -30 "$INST/opensim.out" >&2
    die "OpenSim exited during start-up (output above, full log $INST/bin/OpenSim.log)"
  fi
  if [ "$now" -ge $(( started + WAIT )) ]; then
    tail -30 "$INST/opensim.out" >&2
    "$HERE/stop.sh" --name "$NAME" || true
    die "no LOGINS ENABLED after $WAIT s"
  fi
  if [ "$now" -ge "$next" ]; then
    last=$(tr -d '\r' < "$INST/opensim.out" | grep -a '\[' | tail -1 | cut -c1-120)
    log "starting, $(( now - started )) s: ${last:-no output yet}"
    next=$(( now + 10 ))
  fi
  sleep 1
done
log "LOGINS ENABLED after $(( $(date +%s) - started )) s"

# The estate owner made at first start is the test avatar; make sure it exists.
if ! console_ask "$INST" "show account Test User" "Name: +Test User|No user named" 60 | grep -q "Name:"; then
  log "creating Test User"
  console_send "$INST" "create user Test User kestrel test@example.invalid $(cat /proc/sys/kernel/random/uuid) default"
  console_ask "$INST" "show account Test User" "Name: +Test User" 60 > /dev/null \
    || die "could not create the avatar Test User"
fi
log "ready in $(( $(date +%s) - started )) s: login http://127.0.0.1:$PORT/ as Test User / kestrel"
echo "$INST"
