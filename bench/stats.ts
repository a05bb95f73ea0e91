// Small timing helpers shared by the benchmarks: medians and a queue fence.

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Seconds taken by `work` (which submits) plus the wait for the queue to drain. */
export async function timeSubmitted(device: GPUDevice, work: () => void | Promise<void>): Promise<number> {
  await device.queue.onSubmittedWorkDone(); // start from an empty queue
  const t0 = performance.now();
  await work();
  await device.queue.onSubmittedWorkDone();
  return (performance.now() - t0) / 1000;
}
