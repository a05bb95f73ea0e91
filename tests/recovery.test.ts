// Reliability of a run (Node/Dawn, llvmpipe): a checkpoint resumes bit for bit, an injected divergence rolls back
// and recovers (or stops with a report once the rollbacks are spent), and a destroyed device is replaced mid-run
// with the run continuing exactly where its last good state was.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { loadData } from '../src/data/node.ts';
import type { DataSplit } from '../src/data/dataset.ts';
import { defaultTrainConfig, seedModel, type TrainConfig } from '../src/model/config.ts';
import { Trainer, limitsFor, type EpochMetrics } from '../src/train/trainer.ts';
import { checkpointState, decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint.ts';
import { DivergenceError } from '../src/train/guard.ts';
import { Run, type RunHooks } from '../src/train/run.ts';
import type { TrainState } from '../src/train/state.ts';

const cfg: TrainConfig = { ...defaultTrainConfig(seedModel(64, 16)), epochs: 3 };
cfg.schedule = { ...cfg.schedule, T: 3 };

describe('reliability of a training run (Node/Dawn, llvmpipe)', () => {
  let data: DataSplit;
  before(async () => { data = await loadData('default'); });

  /** Hooks that count acquisitions, keep log lines and let a test wrap every trainer it builds. */
  function hooks(wrap: (t: Trainer) => void = () => {}, c: TrainConfig = cfg) {
    const lines: string[] = [];
    let acquired = 0;
    const h: RunHooks = {
      acquire: async (): Promise<Gpu> => { acquired++; return acquireNodeGpu('llvmpipe', limitsFor(c, data)); },
      built: wrap,
      log: (l: string) => lines.push(l),
    };
    return { h, lines, acquisitions: () => acquired, cfg: c };
  }

  const start = (k: ReturnType<typeof hooks>, options: { maxRollbacks?: number } = {}, from?: TrainState) =>
    Run.start({ hooks: k.h, cfg: k.cfg, data, kernel: 'rb8x8', from, options });

  async function train(run: Run, epochs: number): Promise<EpochMetrics[]> {
    const out: EpochMetrics[] = [];
    while (run.trainer.epoch < epochs) out.push((await run.epoch()).metrics);
    return out;
  }

  const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const stepLosses = (ms: EpochMetrics[]) => ms.flatMap((m) => m.steps.map((s) => s.loss));

  let reference: { epochs: EpochMetrics[]; params: Float32Array; m: Float32Array; state: Float32Array };
  test('uninterrupted reference run', async () => {
    const run = await start(hooks());
    const epochs = await train(run, 3);
    reference = { epochs, params: run.good.params, m: run.good.m, state: run.good.state };
    run.release();
    assert.ok(epochs[2].loss < epochs[0].loss);
  });

  test('stopped after epoch 1, saved, decoded and resumed: bit-identical losses and weights', async () => {
    const first = await start(hooks());
    await train(first, 1);
    const file = await encodeCheckpoint(first.trainer.plan, cfg, first.good, data.sha256);
    first.release();
    const ck = await decodeCheckpoint(file, first.trainer.plan, 'resume.safetensors', { full: true });
    assert.deepEqual(ck.meta.rng, { kind: 'pcg-counter', seed: 0, step: 32, shuffle_epoch: 1 });
    const resumed = await start(hooks(), {}, checkpointState(ck, first.trainer.stepsPerEpoch));
    assert.equal(resumed.history.length, 1, 'the history travels in the checkpoint');
    const rest = await train(resumed, 3);
    resumed.release();
    assert.equal(rest.length, 2);
    assert.deepEqual(stepLosses(rest), stepLosses(reference.epochs.slice(1)), 'every step loss of epochs 2-3 is bit-identical');
    assert.deepEqual(rest.map((m) => m.test_mse), reference.epochs.slice(1).map((m) => m.test_mse));
    assert.ok(bits(resumed.good.params).equals(bits(reference.params)), 'weights bit-identical');
    assert.ok(bits(resumed.good.m).equals(bits(reference.m)), 'Adam moments bit-identical');
    assert.ok(bits(resumed.good.state).equals(bits(reference.state)), 'running statistics bit-identical');
  });

  test('an absurd learning rate injected into epoch 2 is detected, rolled back with the rate halved, and training recovers', async () => {
    let inject = true;
    const k = hooks((t) => {
      const scheduled = t.lrAt.bind(t);
      t.lrAt = (epoch, step) => (inject && epoch === 1 ? 1e30 : scheduled(epoch, step));
    });
    const { lines } = k;
    const run = await start({ ...k, h: { ...k.h, log: (l) => { inject = false; k.h.log(l); } } });
    const epochs = await train(run, 3);
    run.release();
    assert.equal(run.divergences.length, 1, lines.join('\n'));
    assert.match(run.divergences[0], /^epoch 2: ([1-9]\d*) of 32 steps had a non-finite loss, first at step \d+/, 'the GPU counter saw it');
    assert.match(lines[0], /divergence in epoch 2: .*rolled back to the end of epoch 1 \(step 32\), learning rate halved \(×0\.5 of the schedule\), rollback 1 of 3/);
    console.log(`    divergence log: ${lines[0]}`);
    assert.equal(epochs.length, 3);
    assert.ok(epochs.every((m) => Number.isFinite(m.loss) && m.nonfinite_steps === 0));
    assert.equal(run.trainer.lrScale, 0.5);
    assert.ok(Math.abs(epochs[1].steps[0].lr - 0.5 * 1e-3 * 0.5 * (1 + Math.cos(Math.PI / 3))) < 1e-9, 'epoch 2 re-ran at half the scheduled rate');
    assert.deepEqual(stepLosses(epochs.slice(0, 1)), stepLosses(reference.epochs.slice(0, 1)), 'epoch 1 untouched');
    assert.ok(epochs[2].test_mse < epochs[0].test_mse, `test MSE still falls: ${epochs.map((m) => m.test_mse)}`);
  });

  test('a persistently absurd learning rate stops the run after the allowed rollbacks, with a report (TerminateOnNaN)', async () => {
    const bad = { ...cfg, optimizer: { ...cfg.optimizer, lr: 1e30 } };
    const k = hooks(() => {}, bad);
    const { lines } = k;
    const run = await start(k, { maxRollbacks: 2 });
    const err = await train(run, 3).catch((e: unknown) => e);
    run.release();
    assert.ok(err instanceof DivergenceError, String(err));
    assert.equal(err.report.length, 3);
    assert.equal(lines.length, 2);
    assert.match(err.message, /training stopped: the loss diverged 3 times \(allowed rollbacks: 2\)[\s\S]*epoch 1: [\s\S]*last good state is after epoch 0 \(step 0\)\. To go on from it, run again with --init <the --save file> and (a lower --lr|--lr [0-9.e+-]+ \(a tenth of [0-9.e+-]+\))/);
  });

  test('a device destroyed mid-epoch is replaced; the run resumes from the last snapshot and ends bit-identical', async () => {
    const k = hooks();
    const { lines, acquisitions } = k;
    const run = await start(k);
    await train(run, 1);
    const doomed = run.gpu.device;
    setTimeout(() => doomed.destroy(), 100); // part-way through epoch 2 (≈ 300 ms an epoch here)
    const rest = await train(run, 3);
    run.release();
    assert.equal(acquisitions(), 2, lines.join('\n'));
    assert.match(lines[0], /^GPU device lost \(destroyed: .*\): re-acquired llvmpipe.* rebuilt the trainer and resumed from the end of epoch 1 \(step 32\)/);
    console.log(`    device-loss log: ${lines[0]}`);
    assert.deepEqual(stepLosses(rest), stepLosses(reference.epochs.slice(1)), 'epochs 2-3 bit-identical to the uninterrupted run');
    assert.ok(bits(run.good.params).equals(bits(reference.params)));
  });

  test('an uncaptured GPU error mid-run rebuilds on a fresh device', async () => {
    const k = hooks();
    const { lines, acquisitions } = k;
    const run = await start(k);
    await train(run, 1);
    // A validation error outside any error scope: MAP_READ cannot be combined with STORAGE.
    run.gpu.device.createBuffer({ label: 'test.invalid', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    const rest = await train(run, 2);
    run.release();
    assert.equal(acquisitions(), 2, lines.join('\n'));
    assert.match(lines[0], /^GPU error \(.*\): re-acquired .* resumed from the end of epoch 1/);
    assert.deepEqual(stepLosses(rest), stepLosses(reference.epochs.slice(1, 2)));
  });
});
