// The page's data: the embedded digits (bundled by Vite, fetched file by file) or four IDX files the user drops or
// picks, matched to their roles by name and validated by the IDX reader (magic, sizes, image/label counts).
import { IDX_FILE_NAMES, splitFromIdxFiles, type DataSplit, type IdxRole, type NamedBytes } from '../data/dataset.ts';

const digitUrls = import.meta.glob('../../data/digits/*.gz', { query: '?url', import: 'default', eager: true }) as Record<string, string>;

export const DIGITS_NAME = 'digits';
export const UPLOADED_NAME = 'uploaded IDX files';

export async function loadDigits(): Promise<DataSplit> {
  const files = {} as Record<IdxRole, NamedBytes>;
  for (const role of Object.keys(IDX_FILE_NAMES) as IdxRole[]) {
    const name = `${IDX_FILE_NAMES[role]}.gz`;
    const url = Object.entries(digitUrls).find(([path]) => path.endsWith(`/${name}`))?.[1];
    if (!url) throw new Error(`the page was built without data/digits/${name}`);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`fetching ${url} failed: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    // A server may send .gz files with Content-Encoding: gzip, and then fetch hands over the decoded bytes.
    files[role] = { name: bytes[0] === 0x1f && bytes[1] === 0x8b ? name : IDX_FILE_NAMES[role], bytes };
  }
  return splitFromIdxFiles(DIGITS_NAME, files);
}

/** The role a file name plays: train/t10k (or test) and images (idx3)/labels (idx1), e.g. `train-images-idx3-ubyte.gz`. */
export function roleOf(name: string): IdxRole | null {
  const n = name.toLowerCase();
  const split = /t10k|test/.test(n) ? 'test' : /train/.test(n) ? 'train' : null;
  const kind = /images|idx3/.test(n) ? 'Images' : /labels|idx1/.test(n) ? 'Labels' : null;
  return split && kind ? (`${split}${kind}` as IdxRole) : null;
}

/** A split from exactly four files, one per role; errors name what is missing, doubled or unrecognised. */
export async function splitFromFiles(files: File[]): Promise<DataSplit> {
  const byRole = new Map<IdxRole, File>();
  const problems: string[] = [];
  for (const f of files) {
    const role = roleOf(f.name);
    if (!role) { problems.push(`"${f.name}" is not recognisably one of ${Object.values(IDX_FILE_NAMES).join(', ')} (optionally .gz)`); continue; }
    if (byRole.has(role)) problems.push(`two files for ${IDX_FILE_NAMES[role]}: "${byRole.get(role)!.name}" and "${f.name}"`);
    byRole.set(role, f);
  }
  for (const role of Object.keys(IDX_FILE_NAMES) as IdxRole[]) {
    if (!byRole.has(role)) problems.push(`missing ${IDX_FILE_NAMES[role]}[.gz]`);
  }
  if (problems.length > 0) throw new Error(`IDX files: ${problems.join('; ')}. Drop all four files of an MNIST-format set together.`);
  const named = {} as Record<IdxRole, NamedBytes>;
  for (const [role, f] of byRole) named[role] = { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
  return splitFromIdxFiles(UPLOADED_NAME, named);
}

export function describeData(d: DataSplit): string {
  return `${d.name}: ${d.train.count.toLocaleString('en')} train / ${d.test.count.toLocaleString('en')} test, ${d.train.rows}×${d.train.cols}`;
}
