// Headless Chromium (Debian's full browser in new headless mode) driven by Playwright against a Vite dev server (or
// the built page under `vite preview`) on 127.0.0.1, on a chosen software WebGPU adapter. Shared by the browser GPU
// tests, benchmarks and end-to-end tests.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import type { FeatureLevel } from '../../src/gpu/device.ts';

export type BrowserAdapter = 'llvmpipe' | 'swiftshader';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What `navigator.gpu.requestAdapter` gives inside the page. */
export interface ProbedAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  core: boolean; // has 'core-features-and-limits'
}

export interface AdapterSetup {
  featureLevel: FeatureLevel; // what pages should request (`?level=` on the test page)
  args: string[];
  name: RegExp; // matched against vendor / architecture / device / description
  fallback: boolean; // expected GPUAdapterInfo.isFallbackAdapter
}

/** One line naming the adapter, as the page's AdapterDescription would (plus its kind). */
export const adapterName = (a: ProbedAdapter) =>
  [a.vendor, a.architecture, a.device, a.description].filter((s) => s.length > 0).join(' / ') +
  `${a.isFallbackAdapter ? ' (fallback)' : ''}${a.core ? ' (core)' : ' (compatibility)'}`;

// Without WebGPU developer features Chromium blanks GPUAdapterInfo for the GL adapter (every field empty); with
// them the description names the driver ("ANGLE (Mesa/X.org, llvmpipe (LLVM 15…)…)"), which is what we check.
const COMMON_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-quic', '--no-first-run', '--enable-webgpu-developer-features'];

export const BROWSER_ADAPTERS: Record<BrowserAdapter, AdapterSetup> = {
  // Dawn's OpenGL ES backend on ANGLE over Mesa EGL: compatibility feature level only.
  llvmpipe: {
    featureLevel: 'compatibility',
    args: ['--enable-unsafe-webgpu', '--use-webgpu-adapter=opengles', '--use-angle=gl-egl'],
    name: /llvmpipe/i,
    fallback: false,
  },
  // Dawn's Vulkan backend on the SwiftShader ICD that Chromium ships: the core-level fallback adapter.
  swiftshader: { featureLevel: 'core', args: ['--enable-unsafe-webgpu'], name: /swiftshader/i, fallback: true },
};

function isExpected(setup: AdapterSetup, a: ProbedAdapter): boolean {
  return setup.name.test(adapterName(a)) && a.isFallbackAdapter === setup.fallback && a.core === (setup.featureLevel === 'core');
}

export interface BrowserPage {
  page: Page;
  browser: Browser;
  baseUrl: string;
  url: string;
  adapter: ProbedAdapter;
  problems: string[]; // console errors, uncaught page errors and crashes, in order
  close(): Promise<void>;
}

/** Vite dev server for the repository on 127.0.0.1 and a free port; returns it with its base URL. */
export async function startDevServer(): Promise<{ server: ViteDevServer; baseUrl: string }> {
  const server = await createServer({
    configFile: `${ROOT}vite.config.ts`,
    root: ROOT,
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false, watch: null },
  });
  await server.listen();
  const { port } = server.httpServer!.address() as AddressInfo;
  return { server, baseUrl: `http://127.0.0.1:${port}` };
}

/** `vite build` into a temporary directory, served by `vite preview` on 127.0.0.1 and a free port; close() also
 * removes the build. */
export async function startPreviewServer(): Promise<{ server: { close(): Promise<void> }; baseUrl: string }> {
  const outDir = mkdtempSync(join(tmpdir(), 'webgpu-autoencoder-build-'));
  const common = { configFile: `${ROOT}vite.config.ts`, root: ROOT, logLevel: 'warn' as const, clearScreen: false, build: { outDir, emptyOutDir: true } };
  let server: PreviewServer | undefined;
  try {
    await build(common);
    server = await preview({ ...common, preview: { host: '127.0.0.1', port: 0, strictPort: true } });
  } catch (e) {
    rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
  const { port } = server.httpServer.address() as AddressInfo;
  const preview_ = server;
  return {
    server: { close: async () => { await preview_.close(); rmSync(outDir, { recursive: true, force: true }); } },
    baseUrl: `http://127.0.0.1:${port}`,
  };
}

async function launchChromium(adapter: BrowserAdapter): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Browser tests need Debian's Chromium at ${CHROMIUM_PATH}: apt-get update && apt-get install -y chromium`);
  }
  // headless: true makes Playwright pass --headless, which the full browser (unlike chromium-headless-shell)
  // runs as new headless, WebGPU included; Playwright also gives it a fresh temporary --user-data-dir.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...COMMON_ARGS, ...BROWSER_ADAPTERS[adapter].args] });
}

async function probeAdapter(page: Page, featureLevel: FeatureLevel): Promise<ProbedAdapter | string> {
  return page.evaluate(async (level) => {
    if (!('gpu' in navigator) || !navigator.gpu) return 'navigator.gpu is undefined';
    const a = await navigator.gpu.requestAdapter({ featureLevel: level });
    if (!a) return `requestAdapter({ featureLevel: '${level}' }) returned null`;
    const { vendor, architecture, device, description, isFallbackAdapter } = a.info;
    return { vendor, architecture, device, description, isFallbackAdapter: isFallbackAdapter ?? false,
      core: a.features.has('core-features-and-limits') };
  }, featureLevel);
}

/**
 * Open `path` (relative to the repository root, e.g. '/tests/browser/index.html?level=core') in headless Chromium on
 * `adapter`, from the dev server or from the built page (`served: 'preview'`). Throws, never skips, when the page
 * gets no WebGPU adapter or a different one than asked for.
 */
export async function openBrowserPage(adapter: BrowserAdapter, path: string, served: 'dev' | 'preview' = 'dev'): Promise<BrowserPage> {
  const setup = BROWSER_ADAPTERS[adapter];
  const { server, baseUrl } = served === 'dev' ? await startDevServer() : await startPreviewServer();
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server.close();
  };
  try {
    browser = await launchChromium(adapter);
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('crash', () => problems.push('page crashed'));
    const url = `${baseUrl}${path.startsWith('/') ? '' : '/'}${path}`;
    await page.goto(url, { waitUntil: 'load' });
    const probed = await probeAdapter(page, setup.featureLevel);
    if (typeof probed === 'string') {
      throw new Error(`Headless Chromium (${CHROMIUM_PATH}, ${setup.args.join(' ')}) has no WebGPU adapter for ${adapter}: ` +
        `${probed}.${problems.length ? `\n  ${problems.join('\n  ')}` : ''}\n` +
        'Install the drivers: apt-get install -y chromium mesa-vulkan-drivers libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri');
    }
    if (!isExpected(setup, probed)) throw new Error(`Asked Chromium for ${adapter} but it gave "${adapterName(probed)}"`);
    return { page, browser, baseUrl, url, adapter: probed, problems, close };
  } catch (e) {
    await close();
    throw e;
  }
}
