// Every kernel and training-step case in headless Chromium on llvmpipe (Dawn's OpenGL ES backend, compatibility).
import { browserGpuSuite } from './browser/suite.ts';

browserGpuSuite('llvmpipe', 3);
