#!/usr/bin/env bash
# Remake docs/img/opensim-region.png: a real OpenSimulator region (scripts/opensim/start.sh)
# holding the test suite's content (the same xml2 file tests/opensim_region.rs loads), rendered
# by the viewer headless (offscreen; Mesa's lavapipe where there is no GPU).
#
#   scripts/opensim/screenshot.sh [OUT.png]
#
# Environment: those of setup.sh (KESTREL_OPENSIM_ARCHIVE, ...).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
cd "$KESTREL_ROOT"
OUT=${1:-docs/img/opensim-region.png}
NAME=screenshot
PORT=$(free_port)

log "building the viewer and the content generator"
cargo build --bin kestrel
cargo test --test opensim_region --no-run

INST=$("$HERE/start.sh" --name "$NAME" --port "$PORT" --owner $$)
trap '"$HERE/stop.sh" --name "$NAME"' EXIT

log "writing the test content"
KESTREL_OPENSIM_XML2="$INST/content.xml" \
  cargo test -q --test opensim_region the_content_file_holds_every_prim_once -- --exact >&2
OBJECTS=$(grep -o '<SceneObjectGroup>' "$INST/content.xml" | wc -l)
"$HERE/load.sh" --name "$NAME" --expect "$OBJECTS" "$INST/content.xml" > /dev/null

log "rendering 60 frames at 1280x720 into $OUT"
cfg=$(mktemp -d)
KESTREL_CONFIG_DIR="$cfg" target/debug/kestrel --headless \
  --login-uri "http://127.0.0.1:$PORT/" --first Test --last User --password kestrel \
  --frames 60 --screenshot "$OUT" --width 1280 --height 720
rm -rf "$cfg"
log "wrote $OUT"
