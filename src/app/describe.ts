// Short texts about a config for the page: the layer stack with its objective, and the linear widths alone.
import { describeModel } from '../model/describe.ts';
import type { LayerSpec, ModelConfig, TrainConfig } from '../model/config.ts';

function layerText(l: LayerSpec): string {
  switch (l.kind) {
    case 'linear': return `linear ${l.units}`;
    case 'activation': return l.alpha !== undefined ? `${l.fn}(${l.alpha})` : l.fn;
    case 'batchnorm': return 'batchnorm';
    case 'dropout': return `dropout ${l.p}`;
  }
}

/** "784-256-64-256-784": input and every linear layer's width. */
export function widthsText(m: ModelConfig): string {
  return [m.inputDim, ...[...m.encoder, ...m.decoder].flatMap((l) => (l.kind === 'linear' ? [l.units] : []))].join('-');
}

/** "encoder linear 256 · leaky_relu(0.1) · … | decoder … | mse + kl β=0.001 ρ=0.05" (the objective as the CLI says it). */
export function modelSummary(cfg: TrainConfig): string {
  const half = (list: LayerSpec[]) => list.map(layerText).join(' · ');
  const objective = describeModel(cfg).split(' | ')[1] ?? cfg.loss;
  return `encoder ${half(cfg.model.encoder)} | decoder ${half(cfg.model.decoder)} | ${objective}`;
}
