// Every kernel and training-step case in headless Chromium on SwiftShader (Vulkan, core level, fallback adapter).
import { browserGpuSuite } from './browser/suite.ts';

browserGpuSuite('swiftshader', 2);
