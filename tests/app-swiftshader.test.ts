// The built page end to end in headless Chromium on SwiftShader (Dawn's Vulkan backend, core level, the fallback
// adapter): a smaller model and data set keep its epochs short on this CPU adapter.
import { appSuite } from './support/app-cases.ts';

appSuite('swiftshader', {
  hash: 'preset=seed&hidden=128&batch=64',
  subset: { train: 1000, test: 200 },
  adapterText: /SwiftShader.* · core feature level · software fallback adapter · timestamp queries yes/i,
  timestamps: true,
  epochTimeout: 20_000,
});
