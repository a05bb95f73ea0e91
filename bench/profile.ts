// Where a training step's time goes: every dispatch of one step (tuned kernels, scratch buffers) timed with
// timestamp queries where the adapter has them (one pass per dispatch, in step order, median of 5 submits), else
// alone (about `budget.repSeconds` of back-to-back copies of that one dispatch per submit, so the submit and fence are
// a small part; median of `budget.reps`), with the least bytes each must move.
import type { Gpu } from '../src/gpu/device.ts';
import { dispatch, KernelCache, storageBuffer } from '../src/gpu/kernels.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { buildPlan, pad4, type Plan } from '../src/model/plan.ts';
import { kernelsFor, ScratchStep } from '../src/train/autotune.ts';
import { Recorder } from '../src/train/bind.ts';
import type { Dispatch } from '../src/train/graph.ts';
import { median, repeatDispatch, steadyTime, type DispatchBudget } from './stats.ts';
import { timePasses } from '../src/gpu/timing.ts';

export interface KernelRow { label: string; kernel: string; ms: number; bytes: number; flops: number }
export interface Profile { method: 'timestamps' | 'isolated'; dispatches: number; rows: KernelRow[]; totalMs: number }

const split = (label: string) => ({ name: label.slice(0, label.lastIndexOf('.')), kernel: label.slice(label.lastIndexOf('.') + 1) });

/** FLOPs of a dense dispatch (2·M·K·N), 0 for the rest. */
function flopsOf(plan: Plan, B: number, label: string): number {
  const { name, kernel } = split(label);
  const op = plan.ops.find((o) => o.name === name);
  return op?.kind === 'dense' && kernel.startsWith('dense') ? 2 * B * op.in * op.out : 0;
}

/** The least traffic a dispatch needs: each input read once, each output written once (f32 unless noted). */
export function bytesOf(plan: Plan, B: number, label: string): number {
  const { name, kernel } = split(label);
  const op = plan.ops.find((o) => o.name === name);
  const D = plan.inputDim, Z = plan.widths[plan.codeIndex], P = plan.paramFloats;
  const f = op && op.kind !== 'dense' ? op.f : 0;
  switch (kernel) {
    case 'denseForward': return op?.kind === 'dense' ? 4 * (B * op.in + op.in * op.out + op.out + B * op.out) : 0;
    case 'denseBackwardInput': return op?.kind === 'dense' ? 4 * (B * op.out + op.out * op.in + 2 * B * op.in) : 0;
    case 'denseBackwardWeight': return op?.kind === 'dense' ? 4 * (B * op.out + B * op.in + op.in * op.out + op.out) : 0;
    case 'batchNormForward': case 'dropoutForward': case 'activationForward': return 4 * 2 * B * f;
    case 'batchNormBackward': case 'dropoutBackward': case 'activationBackward': return 4 * 3 * B * f;
    case 'gatherBatch': return B * D + 4 * B * D; // u8 pixels in
    case 'reconLoss': return 4 * 3 * B * D;
    case 'sparsityForward': return 4 * B * Z;
    case 'sparsityBackward': return 4 * 3 * B * Z;
    case 'adamUpdate': return 4 * 7 * P;
    case 'sgdUpdate': return 4 * 5 * P;
    default: return 0;
  }
}

/** Median ms per dispatch, each in its own timestamped pass, the whole list in one submit per repeat. */
async function timestamped(device: GPUDevice, list: Dispatch[], repeats = 5): Promise<number[]> {
  const runs = await timePasses(device, list.map((d) => ({ label: d.label, record: (pass) => dispatch(pass, d.kernel, d.group, d.workgroups, 0) })), repeats);
  return list.map((_, i) => median(runs.slice(1).map((r) => r[i]))); // the first submit pays for first use
}

/** Profile one step of `cfg` with the tuned kernels (or `kernel`); `budget` paces the isolated timings. */
export async function profileStep(gpu: Gpu, cfg: TrainConfig, budget: DispatchBudget, kernel = 'auto'): Promise<Profile> {
  const { device } = gpu;
  const plan = buildPlan(cfg.model);
  const B = cfg.batch;
  const scratch = new ScratchStep(device, await kernelsFor(gpu, new KernelCache(gpu), cfg, kernel), plan, cfg, B);
  const images = storageBuffer(device, 'profile.images', B * pad4(plan.inputDim));
  const order = storageBuffer(device, 'profile.order', B * 4);
  try {
    const list = scratch.stepDispatches(images, order);
    const method = gpu.hasTimestamps ? 'timestamps' : 'isolated';
    let ms: number[] = [];
    if (method === 'timestamps') ms = await timestamped(device, list);
    else for (const d of list) ms.push((await steadyTime(device, repeatDispatch(device, d), budget)).seconds * 1000);
    const rows = list.map((d, i) => ({ label: d.label, kernel: split(d.label).kernel, ms: ms[i], bytes: bytesOf(plan, B, d.label), flops: flopsOf(plan, B, d.label) }));
    // Texture-fed kernels (tx) need their mirrors copied from the buffers: the copies of one step, timed together.
    const copies = new Recorder(device.createCommandEncoder(), 'profile.mirrors');
    copies.record(list);
    copies.end();
    if (copies.refreshed.length > 0) {
      const t = await steadyTime(device, (count) => {
        const encoder = device.createCommandEncoder({ label: 'profile.mirrorRefresh' });
        for (let i = 0; i < count; i++) for (const m of copies.refreshed) m.refresh(encoder);
        device.queue.submit([encoder.finish()]);
      }, budget);
      rows.push({ label: `Trainer.${copies.refreshed.length}xmirror.mirrorRefresh`, kernel: 'mirrorRefresh', ms: t.seconds * 1000,
        bytes: 2 * copies.refreshed.reduce((a, m) => a + m.buffer.size, 0), flops: 0 });
    }
    return { method, dispatches: list.length, rows, totalMs: rows.reduce((a, r) => a + r.ms, 0) };
  } finally {
    scratch.destroy();
    images.destroy();
    order.destroy();
  }
}

/** Rows summed by kernel (entry point), largest first. */
export function byKernel(p: Profile): { kernel: string; count: number; ms: number; bytes: number; flops: number }[] {
  const m = new Map<string, { kernel: string; count: number; ms: number; bytes: number; flops: number }>();
  for (const r of p.rows) {
    const e = m.get(r.kernel) ?? { kernel: r.kernel, count: 0, ms: 0, bytes: 0, flops: 0 };
    e.count++; e.ms += r.ms; e.bytes += r.bytes; e.flops += r.flops;
    m.set(r.kernel, e);
  }
  return [...m.values()].sort((a, b) => b.ms - a.ms);
}
