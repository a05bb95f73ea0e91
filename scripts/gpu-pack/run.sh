#!/usr/bin/env bash
# The Node benchmark with the packed Node and Dawn: ./run.sh [--adapter gpu|llvmpipe|swiftshader|auto] [--quick]
# (default --adapter gpu). Results: dist/bench/results.json beside the bundle.
set -eu
. "$(dirname "$0")/env.sh"
if [ $# -eq 0 ]; then set -- --adapter gpu; fi
exec "$NODE" "$PACK/dist/bench/bench.mjs" --node-only "$@"
