// Vite: the app page and the in-browser GPU test page, served and previewed on 127.0.0.1 only (WebGPU needs a
// secure context, and loopback is one). WGSL comes in through `?raw` imports from shaders/.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  build: {
    target: 'es2022',
    rolldownOptions: {
      input: {
        app: resolve(root, 'index.html'),
        gpuTests: resolve(root, 'tests/browser/index.html'),
      },
    },
  },
});
