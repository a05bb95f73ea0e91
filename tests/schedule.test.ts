// Learning-rate schedules: cosine per epoch (the seed's formula), per step, and linear warm-up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTrainConfig } from '../src/model/config.ts';
import { learningRate } from '../src/train/schedule.ts';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('cosine per epoch: η_t = η0 (1 + cos(π t / T)) / 2 with t the epoch index', () => {
  const cfg = defaultTrainConfig();
  for (let t = 0; t < 10; t++) {
    for (const s of [0, 5, 31]) close(learningRate(cfg, t, s, 32), 1e-3 * (1 + Math.cos((Math.PI * t) / 10)) / 2);
  }
  close(learningRate(cfg, 10, 0, 32), 0);
  close(learningRate(cfg, 12, 0, 32), 0); // past T the rate stays at the floor
});

test('cosine per step uses fractional epochs', () => {
  const cfg = defaultTrainConfig();
  cfg.schedule.perStep = true;
  close(learningRate(cfg, 2, 16, 32), 1e-3 * (1 + Math.cos((Math.PI * 2.5) / 10)) / 2);
});

test('linear warm-up scales the cosine rate up over the first epochs', () => {
  const cfg = defaultTrainConfig();
  cfg.schedule.warmupEpochs = 2;
  close(learningRate(cfg, 0, 0, 32), (1e-3 * (1 + Math.cos(0)) / 2) / 3);
  close(learningRate(cfg, 1, 0, 32), ((1e-3 * (1 + Math.cos(Math.PI / 10))) / 2) * (2 / 3));
  close(learningRate(cfg, 2, 0, 32), (1e-3 * (1 + Math.cos((Math.PI * 2) / 10))) / 2);
  cfg.schedule.perStep = true;
  close(learningRate(cfg, 0, 0, 10), ((1e-3 * (1 + Math.cos(0))) / 2) / 20);
  assert.ok(learningRate(cfg, 1, 9, 10) < learningRate(cfg, 2, 0, 10) * 1.01);
});
