// Byte helpers shared by the platform-neutral readers and the Node file reader.

/** The chunks, in order, as one array of `total` bytes. */
export function concatBytes(chunks: Uint8Array[], total = chunks.reduce((n, c) => n + c.length, 0)): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
