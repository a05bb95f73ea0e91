// The CLI's matmul tuning store: a JSON file in the user's cache directory ($XDG_CACHE_HOME, else ~/.cache), so the
// same command on the same machine picks the same kernels every time (src/train/autotune.ts). Written to a temp file
// and renamed, so a killed run never leaves half a file; an unreadable file is simply tuned over.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TuningStore } from '../train/autotune.ts';

export function tuningCachePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'webgpu-autoencoder', 'matmul-tuning.json');
}

export function fileTuningStore(path = tuningCachePath()): TuningStore {
  return {
    where: path,
    read: () => {
      try { return readFileSync(path, 'utf8'); } catch { return null; }
    },
    write: (text) => {
      try {
        mkdirSync(dirname(path), { recursive: true });
        const temp = `${path}.${process.pid}.tmp`;
        writeFileSync(temp, text);
        renameSync(temp, path);
      } catch {
        // a read-only home: the run is still correct, only the next one tunes again
      }
    },
  };
}
