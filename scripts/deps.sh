#!/usr/bin/env bash
# Installs what Kestrel needs on a Debian machine, only where it is missing:
# a C compiler (the linker rustc calls, and ring's TLS code),
# the Rust components, Mesa's software Vulkan (lavapipe) and the Vulkan loader,
# Xvfb for window tests, and the X11/xkb libraries winit loads at run time.
set -euo pipefail

apt_packages=(
  gcc libc6-dev pkg-config
  libvulkan1 mesa-vulkan-drivers
  xvfb xauth
  libx11-6 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon0 libxkbcommon-x11-0
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "deps: missing Debian packages, and no sudo to install them; as root run:" >&2
      echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
    sudo_cmd="sudo"
  fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "deps: cargo not found; install rustup first: https://rustup.rs" >&2
  exit 1
fi
for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done
