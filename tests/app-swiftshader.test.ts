// The built page end to end in headless Chromium on SwiftShader (Dawn's Vulkan backend, core level, the fallback
// adapter): a smaller model and data set keep its epochs short on this CPU adapter, and 30 epochs keep the run going
// through the cases that change it mid-run (at 10 it could finish before them once steps got faster).
import { appSuite } from './support/app-cases.ts';

appSuite('swiftshader', {
  hash: 'preset=seed&hidden=128&batch=64&epochs=30',
  subset: { train: 1000, test: 200 },
  adapterText: /SwiftShader.* · core feature level · software fallback adapter · timestamp queries yes/i,
  timestamps: true,
  epochTimeout: 20_000,
});
