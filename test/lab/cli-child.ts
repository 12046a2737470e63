// The built CLI (dist/cli/main.js) in a child process, for tests that act on it while it runs:
// read what it prints, wait for a line, signal it.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stderr matches `re` (rejects if the process exits first). */
  waitFor(re: RegExp): Promise<RegExpExecArray>;
}

/** `dlab ...args` in a child process with this environment. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, [main, ...args], { env });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(stderr);
        if (m) {
          proc.stderr.off('data', check);
          resolve(m);
        }
      };
      proc.stderr.on('data', check);
      check();
      void exited.then(() => setImmediate(() => reject(new Error(`exited before ${re}:\n${stderr}`))));
    });
  return { proc, exited, waitFor, get stdout() { return stdout; }, get stderr() { return stderr; } };
}

/** Wait until `done()` holds: for a condition another process brings about (polled; fails after 120 s). */
export async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
