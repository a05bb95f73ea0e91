// Drag-and-drop onto the whole page: a .safetensors file loads as a checkpoint, anything else as IDX data files.

export function installDropzone(onCheckpoint: (f: File) => void, onIdx: (files: File[]) => void): void {
  const body = document.body;
  let depth = 0; // dragenter/dragleave fire for every child element crossed
  const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
  body.addEventListener('dragenter', (e) => { if (hasFiles(e)) { depth++; body.classList.add('dragging'); } });
  body.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; body.classList.remove('dragging'); } });
  body.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
  body.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    body.classList.remove('dragging');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length === 0) return;
    const checkpoint = files.find((f) => f.name.toLowerCase().endsWith('.safetensors'));
    if (checkpoint) onCheckpoint(checkpoint);
    else onIdx(files);
  });
}
