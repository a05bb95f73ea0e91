// Kernel checks on llvmpipe through Dawn's OpenGL ES backend (compatibility feature level).
import { kernelSuite } from './support/kernels-suite.ts';

kernelSuite('llvmpipe', 3);
