// Dawn prints notices such as "maxDynamicUniformBuffersPerPipelineLayout artificially reduced…" from native code
// straight to file descriptor 2 whenever an adapter is created; no callback or toggle reaches them, and Node cannot
// redirect its own fd 2 safely. So the CLI runs itself once more as a child whose stderr passes through this filter,
// which drops exactly those lines and forwards everything else as it arrives (partial lines included, so a progress
// line ending in \r is not delayed). --verbose skips the relaunch and shows everything.
import { spawn } from 'node:child_process';

const NOISE = [
  /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/,
  /^error: XDG_RUNTIME_DIR is invalid or not set in the environment\.$/,
];
const PREFIXES = ['Warning: maxDynamic', 'error: XDG_RUNTIME_DIR'];
const CHILD_ENV = 'WGAE_QUIET_STDERR_CHILD';

export const isAdapterNoise = (line: string): boolean => NOISE.some((re) => re.test(line));

/** A streaming line filter: `push` returns what may be shown now, `end` what is left at the end of the stream. */
export class NoiseFilter {
  private held = ''; // the start of a line that may still turn out to be noise
  private midLine = false; // the start of the current line was already shown

  push(chunk: string): string {
    const text = this.held + chunk;
    this.held = '';
    let out = '';
    let at = 0;
    // A line ends at \n, or at \r where a progress line is redrawn.
    for (let end = text.slice(at).search(/[\r\n]/); end >= 0; end = text.slice(at).search(/[\r\n]/)) {
      const line = text.slice(at, at + end);
      if (this.midLine || !isAdapterNoise(line)) out += text.slice(at, at + end + 1);
      this.midLine = false;
      at += end + 1;
    }
    const partial = text.slice(at);
    if (!this.midLine && PREFIXES.some((p) => p.startsWith(partial) || partial.startsWith(p))) this.held = partial;
    else if (partial) {
      out += partial;
      this.midLine = true;
    }
    return out;
  }

  end(): string {
    const rest = this.held;
    this.held = '';
    return isAdapterNoise(rest) ? '' : rest;
  }
}

/**
 * Runs this same command as a child with filtered stderr and exits with its status; returns false (run normally) in
 * that child, or when `verbose`. The child has its own process group, so a terminal's Ctrl-C reaches only the parent,
 * which passes each SIGINT, SIGTERM and SIGHUP on exactly once (a second Ctrl-C stays a second one).
 */
export function relaunchWithQuietStderr(verbose: boolean): boolean {
  if (verbose || process.env[CHILD_ENV] === '1') return false;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'pipe'], env: { ...process.env, [CHILD_ENV]: '1' }, detached: true,
  });
  const filter = new NoiseFilter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => { const shown = filter.push(chunk); if (shown) process.stderr.write(shown); });
  const ended = new Promise<void>((done) => child.stderr.on('end', () => { process.stderr.write(filter.end()); done(); }));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => {
    console.error(`error: cannot start the training process: ${err.message}; run with --verbose to train in this process`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    void ended.then(() => {
      if (signal) {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      }
      process.exit(code ?? 1);
    });
  });
  return true;
}
