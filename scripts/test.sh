#!/usr/bin/env bash
# Runs every test of the workspace: unit, property, integration, fault-injection,
# rendering (on Mesa's lavapipe) and window tests (under Xvfb). Benchmarks and
# examples are built and run once in test mode so they cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
export CARGO_TERM_COLOR=never
# Window tests need a display; give them a virtual one. --all-features turns
# on `alloc-stats` (tests/frame_alloc.rs counts allocations per frame).
exec xvfb-run -a -s "-screen 0 1280x800x24" cargo test --workspace --all-targets --all-features "$@"
