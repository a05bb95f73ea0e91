// Child process for tests/atomic-write.test.ts: writes a large file through writeFileAtomic so the test can kill
// it part-way. Prints "writing <temp dir>" once the write has started.
import { writeFileAtomic } from '../../src/io/files.ts';

const [path, megabytes] = process.argv.slice(2);
const data = new Uint8Array(Number(megabytes) * 2 ** 20).fill(0x5a);
console.log('writing');
await writeFileAtomic(path, data);
console.log('done');
