// Random parameters for reference tests: every tensor perturbed away from its init so that no gradient vanishes
// by symmetry (weights ~ N(0, 1.5/√fan-in), BatchNorm γ ~ N(1, 0.2), biases ~ N(0, 0.2), plausible running stats).
import type { ModelConfig } from '../../src/model/config.ts';
import type { TestRandom } from '../../src/ref/check.ts';
import { refParamShapes, type ParamMap } from '../../src/ref/model.ts';

export function randomParams(model: ModelConfig, g: TestRandom): ParamMap {
  const params: ParamMap = new Map();
  for (const [name, shape] of refParamShapes(model)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length === 2 ? shape[1] : 1;
    if (name.endsWith('running_var')) params.set(name, g.uniform(n, 0.5, 2));
    else if (name.endsWith('running_mean')) params.set(name, g.normal(n, 0, 0.3));
    else if (shape.length === 2) params.set(name, g.normal(n, 0, 1.5 / Math.sqrt(fanIn)));
    else if (name.endsWith('weight')) params.set(name, g.normal(n, 1, 0.2));
    else params.set(name, g.normal(n, 0, 0.2));
  }
  return params;
}
