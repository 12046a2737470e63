// Intra-op threads for the wasm kernels, as torch.set_num_threads / get_num_threads.
// Workers start lazily, the first time a kernel is big enough to split, and never keep a Node
// process alive (unref). Until they have started (their ready word is set) the main thread
// runs the work alone. One job: write the job block and reset the chunk counter, bump the
// generation word and notify; claim chunks here too; then close the job (no thread may enter
// it any more) and wait (Atomics.wait) only for the threads still inside. A worker the OS has
// not scheduled yet therefore never delays the result.

import { platform } from '#wasm-platform';
import type { WorkerHandle } from './platform.js';
import { CLOSED, CTL, JOB_PTR, MAX_THREADS, SCRATCH_BASE, type Runtime } from './runtime.js';
import { SPIN_ITERATIONS, workerSource } from './worker-source.js';

let requested: number | null = null;

function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_THREADS, platform.cpuCount() ?? 1));
}

/** torch.get_num_threads: threads a large kernel may use (default: the number of cores). */
export function getNumThreads(): number {
  return requested ?? (requested = defaultThreads());
}

/** torch.set_num_threads. */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('set_num_threads expects a positive integer');
  requested = Math.min(n, MAX_THREADS);
}

function spawn(rt: Runtime, id: number): WorkerHandle | null {
  return platform.startWorker(workerSource, { module: rt.module, memory: rt.memory, id, scratchBytes: rt.scratchBytes });
}

const workers: (WorkerHandle | null)[] = [];

/** Threads ready to run a job now, at most `want`; starts missing workers (they join later). */
function readyThreads(rt: Runtime, want: number): number {
  const ctl = rt.i32;
  for (let id = 1; id < want; id++) {
    if (workers[id] === undefined) workers[id] = spawn(rt, id);
  }
  let n = 1;
  while (n < want && Atomics.load(ctl, CTL.ready + n) === 1) n++;
  return n;
}

/**
 * Run the job in the job block on up to plannedThreads() threads (one if `parallel` is false),
 * after setChunks has been told how many pieces to cut it into. Returns the threads offered.
 */
export function runJob(rt: Runtime, parallel: boolean, setChunks: (chunks: number) => void): number {
  const want = parallel ? plannedThreads(rt) : 1;
  const threads = want > 1 ? readyThreads(rt, want) : 1;
  const ctl = rt.i32;
  ctl[CTL.next] = 0;
  if (threads === 1) {
    setChunks(1);
    rt.exports.runJob(JOB_PTR, CTL.next * 4, SCRATCH_BASE);
    return 1;
  }
  // Two chunks per thread: a late thread leaves at most half a share to the others.
  setChunks(2 * threads);
  // Everything a worker reads is written before the state word opens the job to it.
  Atomics.store(ctl, CTL.error, 0);
  Atomics.store(ctl, CTL.active, threads);
  Atomics.store(ctl, CTL.state, 0);
  Atomics.add(ctl, CTL.gen, 1);
  Atomics.notify(ctl, CTL.gen);
  rt.exports.runJob(JOB_PTR, CTL.next * 4, SCRATCH_BASE);
  let s = Atomics.or(ctl, CTL.state, CLOSED) | CLOSED;
  let spins = 0;
  while ((s = Atomics.load(ctl, CTL.state)) !== CLOSED) {
    if (++spins > SPIN_ITERATIONS) Atomics.wait(ctl, CTL.state, s, 1000);
  }
  if (Atomics.load(ctl, CTL.error) !== 0) throw new Error('wasm kernel failed in a worker thread');
  return threads;
}

// Atomics.waitAsync is ES2024 (Node 16+, current browsers); the ES2022 lib lacks its type.
type WaitAsync = (a: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };

/**
 * Resolves once every worker started so far has instantiated the kernels and set its ready
 * word (it notifies that word), so a test can await the pool instead of polling it.
 */
export async function workersReady(rt: Runtime): Promise<void> {
  const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  if (!waitAsync) throw new Error('workersReady needs Atomics.waitAsync, which this engine lacks');
  const starting: { worker: WorkerHandle; ready: Promise<string> }[] = [];
  for (let id = 1; id < workers.length; id++) {
    const wait = workers[id] ? waitAsync(rt.i32, CTL.ready + id, 0) : null;
    if (wait?.async) starting.push({ worker: workers[id]!, ready: wait.value as Promise<string> });
  }
  // An unref'd worker would let Node's event loop end before its ready word changes.
  for (const s of starting) s.worker.ref?.();
  try {
    await Promise.all(starting.map((s) => s.ready));
  } finally {
    for (const s of starting) s.worker.unref?.();
  }
}

/** @internal For tests: workers started and ready, and how many times a worker joined a job. */
export function threadStats(rt: Runtime): { ready: number; joined: number } {
  const ctl = rt.i32;
  let ready = 0;
  for (let id = 1; id < workers.length; id++) if (Atomics.load(ctl, CTL.ready + id) === 1) ready++;
  return { ready, joined: Atomics.load(ctl, CTL.joined) };
}

/** While set, the thread count jobs use, whatever setNumThreads says meanwhile (see pinThreads). */
let pinned: number | null = null;

/**
 * Hold the thread count (and so the operand base past every thread's scratch) where it is, or
 * release it (null): a backward pass keeps results past the base, where a thread added
 * meanwhile would put its scratch.
 */
export function pinThreads(rt: Runtime | null): void {
  pinned = rt ? plannedThreads(rt) : null;
}

/** Scratch areas the next job may need: one per thread it could use. */
export function plannedThreads(rt: Runtime): number {
  return rt.shared ? (pinned ?? getNumThreads()) : 1;
}

/** Byte address (64-aligned) where a call's operands start: after every thread's scratch. */
export function operandBase(rt: Runtime): number {
  return Math.ceil((SCRATCH_BASE + plannedThreads(rt) * rt.scratchBytes) / 64) * 64;
}
