// The built page end to end in headless Chromium on llvmpipe (Dawn's OpenGL ES backend, compatibility level).
import { appSuite } from './support/app-cases.ts';

appSuite('llvmpipe', {
  hash: 'preset=seed&batch=128',
  subset: { train: 4000, test: 500 },
  adapterText: /llvmpipe.* · compatibility feature level · not a fallback adapter · timestamp queries no/,
  timestamps: false,
  epochTimeout: 10_000,
});
