// `npm run make-data -- planted --out DIR [--dim 64 --features 128 --train 40000 --test 4000 --active 4 --skew 0.5
// --noise 0.01 --seed 0]`: writes DIR/train.npy, DIR/test.npy and the true DIR/dictionary.npy (src/sae/planted.ts).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeNpy } from '../src/data/npy.ts';
import { writeFileAtomic } from '../src/io/files.ts';
import { DEFAULT_PLANTED, plantedData, type PlantedOptions } from '../src/sae/planted.ts';

const USAGE = `usage: npm run make-data -- planted --out DIR [${Object.entries(DEFAULT_PLANTED).map(([k, v]) => `--${k} ${v}`).join(' ')}]`;

function parse(argv: string[]): { out: string; options: PlantedOptions } {
  if (argv[0] !== 'planted') throw new Error(`the only generator is "planted"\n${USAGE}`);
  const options = { ...DEFAULT_PLANTED };
  let out: string | null = null;
  for (let i = 1; i < argv.length; i += 2) {
    const flag = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (!argv[i].startsWith('--') || value === undefined) throw new Error(`${argv[i]}: expected --flag value\n${USAGE}`);
    if (flag === 'out') { out = value; continue; }
    if (!(flag in options)) throw new Error(`unknown flag --${flag}\n${USAGE}`);
    const v = Number(value);
    if (!Number.isFinite(v)) throw new Error(`--${flag} needs a number, got ${JSON.stringify(value)}`);
    (options as Record<string, number>)[flag] = v;
  }
  if (!out) throw new Error(`--out DIR is required\n${USAGE}`);
  return { out: resolve(out), options };
}

async function main(): Promise<void> {
  const { out, options } = parse(process.argv.slice(2));
  const data = plantedData(options);
  mkdirSync(out, { recursive: true });
  for (const [name, m] of Object.entries(data)) await writeFileAtomic(join(out, `${name}.npy`), writeNpy(m));
  console.log(`wrote ${out}/{train,test,dictionary}.npy: ${options.train}/${options.test} vectors of ${options.dim} dims, ` +
    `${options.features} true features, ${options.active} active on average`);
}

main().catch((e: unknown) => {
  console.error(`make-data: ${(e as Error).message}`);
  process.exit(1);
});
