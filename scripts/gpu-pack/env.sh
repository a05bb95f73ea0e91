# Sourced by check.sh and run.sh in the GPU pack: unpacks the compressed Node and Dawn binaries once, puts the
# packed Vulkan loader first on the library path, and makes the NVIDIA Vulkan driver visible to it when the
# container has the driver's library but no ICD file (containers started without the "graphics" capability).
PACK=$(cd "$(dirname "$0")" && pwd)
NODE=$PACK/node/bin/node
DAWN=$PACK/node_modules/webgpu/dist/linux-x64/dawn.node
for f in "$NODE" "$DAWN"; do
  if [ ! -f "$f" ]; then
    # gzip is on nearly every Linux; python3's gzip module stands in where it is not.
    { gunzip -c "$f.gz" 2> /dev/null || python3 -c 'import gzip, shutil, sys; shutil.copyfileobj(gzip.open(sys.argv[1]), sys.stdout.buffer)' "$f.gz"; } \
      > "$f.tmp" && mv "$f.tmp" "$f" || { echo "cannot unpack $f.gz (is $PACK writable?)" >&2; exit 3; }
  fi
done
chmod +x "$NODE"
export LD_LIBRARY_PATH="$PACK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# Vulkan ICDs: the loader reads *.json from these folders; VK_ICD_FILENAMES overrides them.
icd_dirs="/etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d"
nvidia_icd=$(ls $icd_dirs 2>/dev/null | grep -i nvidia | head -1)
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -z "$nvidia_icd" ] && { [ -e /dev/nvidiactl ] || command -v nvidia-smi > /dev/null; }; then
  lib=$( (ldconfig -p 2>/dev/null | grep -o '/[^ ]*libGLX_nvidia\.so\.0$'; \
    ls /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 /usr/local/nvidia/lib64/libGLX_nvidia.so.0 2>/dev/null) | head -1)
  if [ -n "$lib" ]; then
    mkdir -p "$PACK/icd"
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$lib" > "$PACK/icd/nvidia_icd.json"
    export VK_ICD_FILENAMES="$PACK/icd/nvidia_icd.json"
    echo "env: no NVIDIA Vulkan ICD file; using the driver's $lib through $VK_ICD_FILENAMES"
  else
    echo "env: this machine has an NVIDIA GPU but no NVIDIA Vulkan driver (no ICD file in $icd_dirs, no libGLX_nvidia.so.0):"
    echo "     Dawn reaches GPUs through Vulkan, so WebGPU will see no GPU. In a container, start it with"
    echo "     NVIDIA_DRIVER_CAPABILITIES=all (or including graphics); now: '${NVIDIA_DRIVER_CAPABILITIES:-unset}'."
  fi
fi
