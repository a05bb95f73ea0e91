// The page's run history: each model trained (config, URL hash, per-epoch metrics) kept in memory and in
// IndexedDB (platform API, no library), so earlier runs can be overlaid, compared, renamed, deleted and exported.
// Pure data plus the store; the table is runs-view.ts.
import type { TrainConfig } from '../model/config.ts';

/** The scalar fields of an epoch's metrics (arrays such as per-step records stay out). */
export type EpochRow = Record<string, number | null>;

export interface RunRecord {
  id: string;
  name: string;
  created: number; // ms since the epoch
  hash: string; // the URL hash that rebuilds this config
  cfg: TrainConfig;
  data: string; // what it trained on
  epochs: EpochRow[];
  samplesPerSec: number;
  shown: boolean; // overlaid on the curves
}

export function epochRow(m: object): EpochRow {
  const row: EpochRow = {};
  for (const [k, v] of Object.entries(m)) if (typeof v === 'number' || v === null) row[k] = v;
  return row;
}

/** Every epoch of a run as CSV: one header line, one line per epoch, the union of the fields in first-seen order. */
export function runCsv(r: RunRecord): string {
  const keys = [...new Set(r.epochs.flatMap((e) => Object.keys(e)))];
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  return [keys.join(','), ...r.epochs.map((e) => keys.map((k) => cell(e[k])).join(','))].join('\n') + '\n';
}

export function runJson(r: RunRecord): string {
  return JSON.stringify({ name: r.name, created: new Date(r.created).toISOString(), hash: r.hash, data: r.data, config: r.cfg,
    samples_per_s: r.samplesPerSec, epochs: r.epochs }, null, 2);
}

const DB = 'webgpu-autoencoder';
const STORE = 'runs';
const request = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });

/** Runs in IndexedDB; every operation degrades to memory only (with the reason kept) when the browser refuses. */
export class RunStore {
  private db: Promise<IDBDatabase | null>;
  problem: string | null = null;

  constructor() {
    this.db = new Promise<IDBDatabase | null>((resolve) => {
      try {
        const open = indexedDB.open(DB, 1);
        open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'id' });
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => { this.problem = String(open.error); resolve(null); };
      } catch (e) {
        this.problem = (e as Error).message;
        resolve(null);
      }
    });
  }

  async all(): Promise<RunRecord[]> {
    const db = await this.db;
    if (!db) return [];
    const list = await request(db.transaction(STORE).objectStore(STORE).getAll() as IDBRequest<RunRecord[]>);
    return list.sort((a, b) => a.created - b.created);
  }

  async put(r: RunRecord): Promise<void> {
    const db = await this.db;
    if (db) await request(db.transaction(STORE, 'readwrite').objectStore(STORE).put(structuredClone(r)));
  }

  async delete(id: string): Promise<void> {
    const db = await this.db;
    if (db) await request(db.transaction(STORE, 'readwrite').objectStore(STORE).delete(id));
  }
}
