// GPU time of recorded work from timestamp queries: each piece gets its own compute pass with beginning and end
// timestamps; all are resolved into one buffer and mapped once per repeat. Needs the 'timestamp-query' feature.

export interface TimedWork {
  label: string;
  record(pass: GPUComputePassEncoder): void;
}

const MAX_QUERIES = 4096; // the WebGPU cap on a query set's count

/** Milliseconds of GPU time per work item, one array per repeat (each repeat is one submit). */
export async function timePasses(device: GPUDevice, work: TimedWork[], repeats = 3): Promise<number[][]> {
  if (!device.features.has('timestamp-query')) throw new Error("timing needs the 'timestamp-query' feature, which this device lacks");
  const count = work.length * 2;
  if (count > MAX_QUERIES) throw new Error(`timing ${work.length} passes needs ${count} timestamps; a query set holds at most ${MAX_QUERIES}`);
  const querySet = device.createQuerySet({ label: 'timePasses.queries', type: 'timestamp', count });
  const resolve = device.createBuffer({ label: 'timePasses.resolve', size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ label: 'timePasses.staging', size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const runs: number[][] = [];
  try {
    for (let r = 0; r < repeats; r++) {
      const encoder = device.createCommandEncoder({ label: 'timePasses' });
      work.forEach((w, i) => {
        const pass = encoder.beginComputePass({ label: `timed ${w.label}`,
          timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
        w.record(pass);
        pass.end();
      });
      encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, staging, 0, count * 8);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const ns = new BigInt64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      // Timestamps may be quantised or, across a pass boundary, out of order: clamp negative spans to 0.
      runs.push(work.map((_, i) => Math.max(0, Number(ns[2 * i + 1] - ns[2 * i])) / 1e6));
    }
  } finally {
    querySet.destroy();
    resolve.destroy();
    staging.destroy();
  }
  return runs;
}

/** Element-wise median over repeats. */
export function medianRuns(runs: number[][]): number[] {
  return runs[0].map((_, i) => {
    const v = runs.map((r) => r[i]).sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  });
}
