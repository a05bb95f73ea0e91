// The latent view's PCA off the page's main thread: a module worker that projects the test codes it is sent and
// posts the projection back (its coordinates transferred, not copied).
import { pca } from '../viz/pca.ts';

export interface PcaRequest { id: number; codes: Float32Array; count: number; z: number; stride: number }

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<PcaRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};
scope.onmessage = (e) => {
  const { id, codes, count, z, stride } = e.data;
  try {
    const proj = pca(codes, count, z, stride);
    scope.postMessage({ id, proj }, [proj.xy.buffer]);
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) }, []);
  }
};
