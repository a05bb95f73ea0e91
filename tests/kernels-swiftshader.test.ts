// Kernel checks on SwiftShader through Dawn's Vulkan backend (core feature level).
import { kernelSuite } from './support/kernels-suite.ts';

kernelSuite('swiftshader', 2);
