#!/usr/bin/env bash
# Builds and runs the viewer. With no arguments it starts the embedded loopback
# region and logs in to it; pass `--help` to see the options.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
exec cargo run --release -p kestrel -- "$@"
