#!/usr/bin/env bash
# The prepared device check (see docs/performance.md): finds the GPU adapter (or says why not), runs every kernel and
# training-step test against the float64 reference on it, benchmarks matmuls and training steps, trains 10 epochs of
# 60,000 images, and, where python3 has PyTorch, runs bench/peers/torch_ae.py (CUDA throughput, float64 parity).
# ./check.sh [--adapter gpu|llvmpipe|swiftshader] [--quick] [--out DIR]   → DIR/results.json and DIR/check.log
set -u
ADAPTER=gpu QUICK= OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --adapter) ADAPTER=$2; shift 2 ;;
    --quick) QUICK=--quick; shift ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "check.sh: unknown argument $1 (use --adapter gpu|llvmpipe|swiftshader, --quick, --out DIR)" >&2; exit 64 ;;
  esac
done
. "$(dirname "$0")/env.sh"
OUT=${OUT:-$PACK/results/$(date -u +%Y%m%dT%H%M%SZ)-$ADAPTER}
mkdir -p "$OUT"
exec > >(tee "$OUT/check.log") 2>&1
t0=$(date +%s)
echo "== check.sh $ADAPTER ${QUICK:-full} on $(hostname) at $(date -u +%FT%TZ); results in $OUT"
echo "   $(uname -srm); $(ldd --version 2>&1 | head -1) (Dawn needs glibc ≥ 2.34); $(nproc) CPUs"
if [ "$ADAPTER" = gpu ]; then
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/   GPU: /'
  ls /dev/nvidia* /dev/dri/renderD* 2>/dev/null | tr '\n' ' ' | sed 's/^/   device files: /'; echo
  echo "   Vulkan ICDs: ${VK_ICD_FILENAMES:-$(ls /etc/vulkan/icd.d /usr/share/vulkan/icd.d 2>/dev/null | grep json | tr '\n' ' ')}"
fi

# Ours: kernels, matmuls, steps, 10 epochs. A limit keeps the whole check within 8 minutes on a lent machine.
timeout "${CHECK_NODE_SECONDS:-300}" "$NODE" "$PACK/dist/bench/gpu-check.mjs" --adapter "$ADAPTER" $QUICK --out "$OUT"
ours=$?
echo "== ours: exit $ours after $(( $(date +%s) - t0 )) s"

# PyTorch on CUDA, where python3 has it (the lent machines do).
torch_rc=skipped
if command -v python3 > /dev/null && python3 -c 'import torch' 2> /dev/null; then
  if [ -f "$OUT/parity.safetensors" ]; then
    batches=256,1024,4096; extra=
    [ -n "$QUICK" ] && batches=256 && extra=--no-compile
    timeout "${CHECK_TORCH_SECONDS:-150}" python3 "$PACK/peers/torch_ae.py" --dir "$OUT" --batches "$batches" $extra
    torch_rc=$?
  else
    echo "== torch: no parity.safetensors from our check, so torch_ae.py did not run"
  fi
else
  echo "== torch: python3 with PyTorch not found here: the PyTorch comparison is skipped"
fi

# One results file: ours, with torch.json and the exit codes folded in.
"$NODE" -e '
const fs = require("fs"); const [dir, ours, torchRc, secs] = process.argv.slice(1);
const r = fs.existsSync(dir + "/results.json") ? JSON.parse(fs.readFileSync(dir + "/results.json", "utf8")) : {};
r.torch = fs.existsSync(dir + "/torch.json") ? JSON.parse(fs.readFileSync(dir + "/torch.json", "utf8")) : { skipped: torchRc };
Object.assign(r, { exit_ours: Number(ours), exit_torch: torchRc, check_seconds: Number(secs) });
fs.writeFileSync(dir + "/results.json", JSON.stringify(r, null, 1));' "$OUT" "$ours" "$torch_rc" "$(( $(date +%s) - t0 ))"
echo "== done in $(( $(date +%s) - t0 )) s: $OUT/results.json, $OUT/check.log"
[ "$ours" = 0 ]
