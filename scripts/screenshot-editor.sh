#!/usr/bin/env bash
# Takes the README's screenshot of the editor over the embedded region: the
# viewer runs in a window on a virtual X display (Xvfb, software Vulkan) with
# the editor open; the display is dumped with xwd once the panels have
# filled, and converted to PNG.
#
#   scripts/screenshot-editor.sh [OUT.png] [extra kestrel args…]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/img/kestrel-editor.png}"
shift || true
scripts/deps.sh
# Debian's python3 (where python3-pil goes), even when another python3 is first on PATH.
py=/usr/bin/python3
if ! command -v xwd >/dev/null || ! "$py" -c 'import PIL' 2>/dev/null; then
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -q
    $sudo_cmd apt-get install -y --no-install-recommends x11-apps python3-pil
fi
cargo build --release --bin kestrel
export DISPLAY=:77
Xvfb "$DISPLAY" -screen 0 1280x960x24 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
cfg="$(mktemp -d)"
KESTREL_CONFIG_DIR="$cfg" target/release/kestrel --editor --width 1280 --height 960 "$@" &
viewer=$!
# Long enough to log in, receive the region and fill the panels' plots.
sleep "${SCREENSHOT_AFTER_S:-12}"
xwd -root -silent > "$cfg/screen.xwd"
kill "$viewer" 2>/dev/null || true
"$py" scripts/xwd_to_png.py "$cfg/screen.xwd" "$out"
echo "wrote $out"
