// The edge of the file system (issue 14, items 1 and 2): outputs are checked before training and never destroy a
// device, a directory, a link or another file; inputs are regular files read with a cap on the bytes actually read,
// and a FIFO, a device or a directory is refused at once with the file named. Runs as root, so nothing here relies on
// permissions.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { dataInputPaths, loadIdxDir } from '../src/data/node.ts';
import { IDX_IMAGES_MAGIC } from '../src/data/idx.ts';
import { readFileLimited } from '../src/io/files.ts';
import { checkOutputs, writeCheckpointSafely, writeOutput, writeOutputs } from '../src/io/outputs.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'wgae-hostile-'));
const fifo = (path: string) => { execFileSync('mkfifo', [path]); return path; };
const out = (flag: string, path: string, mayReplace?: string[]) => ({ flag, path, mayReplace });
/** Resolves with the outcome, failing the test if it takes longer than `ms` (a hang). */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`hung for ${ms} ms`)), ms); });
  try { return await Promise.race([p, hang]); } finally { clearTimeout(timer); }
}

describe('outputs are checked before training (item 1)', () => {
  test('/dev/null is written in place and stays a device; other devices, FIFOs and directories are refused', async () => {
    const dir = fresh();
    const checked = checkOutputs([out('--metrics', '/dev/null')], []).get('--metrics')!;
    assert.equal(checked.direct, true);
    await writeOutput(checked, '{"epochs": []}');
    assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still a device');
    assert.throws(() => checkOutputs([out('--save', '/dev/zero')], []), /--save \/dev\/zero: is a character device; .*\/dev\/null to discard/);
    assert.throws(() => checkOutputs([out('--save', dir)], []), new RegExp(`--save ${dir}: is a directory; give a file name, e.g. ${dir}/out.safetensors`));
    assert.throws(() => checkOutputs([out('--metrics', fifo(join(dir, 'p')))], []), /is a FIFO \(named pipe\); a FIFO blocks until a reader/);
    assert.throws(() => checkOutputs([out('--save', `${dir}/`)], []), /names a directory/);
    assert.throws(() => checkOutputs([out('--recon', join(dir, 'no', 'such', 'r.png'))], []), /the directory .*no\/such does not exist; create it first/);
    // Our own stdout (a terminal, pipe, socket or file) is written through the stream, never renamed over.
    const stdout = checkOutputs([out('--metrics', '/dev/stdout')], []).get('--metrics')!;
    assert.deepEqual([stdout.direct, stdout.stream], [true, 1]);
    assert.ok(lstatSync('/dev/stdout').isSymbolicLink());
  });

  test('every problem is listed at once, and two outputs or an output and an input may not be one file', () => {
    const dir = fresh();
    const ck = join(dir, 'model.safetensors');
    writeFileSync(ck, 'x');
    symlinkSync(ck, join(dir, 'alias'));
    assert.throws(() => checkOutputs([out('--save', join(dir, 'm')), out('--metrics', join(dir, 'm'))], []), /--save and --metrics are the same file/);
    assert.throws(() => checkOutputs([out('--save', ck), out('--metrics', join(dir, 'alias'))], []), /--save and --metrics are the same file/);
    assert.throws(() => checkOutputs([out('--metrics', ck)], [{ flag: '--init', path: ck }]), /--metrics .* is also the input of --init; writing it would destroy that input/);
    assert.throws(() => checkOutputs([out('--save', ck)], [{ flag: '--init', path: join(dir, 'alias') }]), /is also the input of --init/);
    const data = dataInputPaths('default');
    assert.equal(data.length, 4, 'the four embedded IDX files');
    assert.throws(() => checkOutputs([out('--metrics', data[0])], data.map((path) => ({ flag: '--data', path }))), /is also the input of --data/);
    const ok = checkOutputs([out('--save', ck, ['--resume'])], [{ flag: '--resume', path: ck }]);
    assert.equal(ok.get('--save')!.direct, false, '--save may replace the checkpoint it resumes, atomically');
    const both = (): void => void checkOutputs([out('--save', '/dev/zero'), out('--metrics', dir)], []);
    assert.throws(both, (e: Error) => e.message.split('\n').length === 3, 'one line per problem');
  });

  test('a symbolic link is written through: the link stays, its target is replaced; a dangling link is refused', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'run3.safetensors'), 'old');
    symlinkSync('run3.safetensors', join(dir, 'latest'));
    const checked = checkOutputs([out('--save', join(dir, 'latest'))], []).get('--save')!;
    await writeOutput(checked, 'new');
    assert.ok(lstatSync(join(dir, 'latest')).isSymbolicLink(), 'still a link');
    assert.equal(readlinkSync(join(dir, 'latest')), 'run3.safetensors');
    assert.equal(readFileSync(join(dir, 'run3.safetensors'), 'utf8'), 'new');
    symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
    assert.throws(() => checkOutputs([out('--save', join(dir, 'dangling'))], []), /symbolic link to a file that does not exist/);
    symlinkSync('/dev/zero', join(dir, 'zero'));
    assert.throws(() => checkOutputs([out('--save', join(dir, 'zero'))], []), /is a character device/);
  });

  test('the checkpoint is written first, a failing picture does not stop it, and a failing checkpoint is rescued', async () => {
    const dir = fresh();
    const outs = checkOutputs([out('--save', join(dir, 'm.safetensors')), out('--recon', join(dir, 'r.png'))], []);
    const lines: string[] = [];
    const order: string[] = [];
    const failures = await writeOutputs([
      { out: outs.get('--recon')!, produce: () => { order.push('recon'); throw new Error('the GPU went away'); } },
      { out: outs.get('--save')!, produce: () => { order.push('save'); return new Uint8Array([1, 2, 3]); }, checkpoint: true },
    ], (l) => lines.push(l));
    assert.deepEqual(order, ['save', 'recon']);
    assert.deepEqual([...readFileSync(join(dir, 'm.safetensors'))], [1, 2, 3]);
    assert.deepEqual(failures, [`--recon ${join(dir, 'r.png')}: the GPU went away`]);
    // A directory appears where the checkpoint goes while training: the model is saved beside it instead.
    mkdirSync(join(dir, 'm2'));
    const late = { flag: '--save', path: join(dir, 'm2'), target: join(dir, 'm2'), direct: false };
    const where = await writeCheckpointSafely(late, new Uint8Array([9]), (l) => lines.push(l));
    assert.match(where, /m2\.rescued-\d+-\d+\.safetensors$/);
    assert.deepEqual([...readFileSync(where)], [9]);
    assert.match(lines.at(-1)!, /cannot write --save .*m2: it became a directory during the run; nothing was replaced; the model was saved to .*rescued/);
    assert.ok(statSync(join(dir, 'm2')).isDirectory(), 'the directory is untouched');
  });
});

describe('inputs are regular files read with a counted cap (item 2)', () => {
  test('a FIFO, /dev/zero, a link to /dev/zero and a directory are refused at once, naming the file', async () => {
    const dir = fresh();
    symlinkSync('/dev/zero', join(dir, 'zero.safetensors'));
    symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
    symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
    const cases: [string, RegExp][] = [
      [join(dir, 'loop-a'), /--init .*loop-a is a symbolic link loop; give the real file/],
      [fifo(join(dir, 'p.safetensors')), /--init .*p\.safetensors is a FIFO \(named pipe\), not a regular file; give a regular file/],
      ['/dev/zero', /--init \/dev\/zero is a character device, not a regular file/],
      [join(dir, 'zero.safetensors'), /zero\.safetensors is a character device/],
      [dir, /is a directory, not a regular file; give the file inside it/],
      [join(dir, 'missing'), /--init .*missing does not exist; check the path/],
      [join(dir, 'missing', 'x'), /does not exist; check the path/],
    ];
    for (const [path, re] of cases) await assert.rejects(within(2000, readFileLimited(path, 1 << 20, '--init')), re, path);
  });

  test('the cap counts bytes read, the size from stat is not trusted', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'big'), new Uint8Array(5000));
    await assert.rejects(readFileLimited(join(dir, 'big'), 4999, '--resume'), /--resume .*big is 5000 bytes, above the limit of 4999/);
    assert.equal((await readFileLimited(join(dir, 'big'), 5000, '--resume')).length, 5000);
    // /proc files report size 0 but hold data: the bytes read are what counts against the cap.
    await assert.rejects(readFileLimited('/proc/self/status', 10, 'x'), /grew past the limit of 10 bytes while being read/);
    const status = await readFileLimited('/proc/self/status', 1 << 20, 'x');
    assert.ok(status.length > 100 && status.byteLength === status.buffer.byteLength, 'exact-size buffer');
    assert.equal((await readFileLimited(join(dir, 'empty'), 1, 'x').catch(() => null)), null);
    writeFileSync(join(dir, 'empty'), '');
    assert.equal((await readFileLimited(join(dir, 'empty'), 1, 'x')).length, 0);
  });

  test('a data directory holding a FIFO, a device link or a directory is refused without hanging', async () => {
    const header = new Uint8Array(16);
    new DataView(header.buffer).setUint32(0, IDX_IMAGES_MAGIC, false);
    const dataDir = (train: (path: string) => void) => {
      const dir = fresh();
      for (const name of ['t10k-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) writeFileSync(join(dir, name), gzipSync(header));
      train(join(dir, 'train-images-idx3-ubyte'));
      return dir;
    };
    const cases: [string, RegExp][] = [
      [dataDir((p) => fifo(p)), /data file .*train-images-idx3-ubyte is a FIFO/],
      [dataDir((p) => symlinkSync('/dev/zero', p)), /train-images-idx3-ubyte is a character device/],
      [dataDir((p) => mkdirSync(p)), /train-images-idx3-ubyte is a directory/],
    ];
    for (const [dir, re] of cases) await assert.rejects(within(2000, loadIdxDir(dir)), re);
    const dir = fresh();
    await assert.rejects(within(2000, loadIdxDir(fifo(join(dir, 'fifo')))), /data directory .*fifo cannot be read \(it is a FIFO \(named pipe\)\); pass 'default' or a directory/);
    writeFileSync(join(dir, 'file'), 'x');
    await assert.rejects(loadIdxDir(join(dir, 'file')), /data directory .*file cannot be read \(it is a file, not a directory\)/);
  });
});
