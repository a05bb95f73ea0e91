#!/usr/bin/env bash
# Installs everything webgpu-autoencoder needs on Debian 12 / Ubuntu: Chromium (tests, and its SwiftShader
# Vulkan driver), Mesa's llvmpipe through EGL/GLES (the fast CPU WebGPU adapter), Fashion-MNIST, then npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
PACKAGES="chromium mesa-vulkan-drivers libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri dataset-fashion-mnist"
if ! dpkg -s $PACKAGES >/dev/null 2>&1; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $PACKAGES
fi
npm ci --no-audit --no-fund
