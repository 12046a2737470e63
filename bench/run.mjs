#!/usr/bin/env node
// The benchmark runner: every measurement in a fresh process, one after another, so peers never
// share a heap, a thread pool or a JIT. dlab (each backend), TF.js wasm, jax-js and PyTorch (when
// /usr/bin/python3 or python3 can import torch) run the same workloads on the same MNIST bytes.
// Writes BENCHMARKS.md (machine, versions, command, min/median/max, dlab's ratio to each peer).
// A partial run (--quick or --only) prints its table instead, unless --out names a file: it
// must not replace the full table with a part of it.
//
//   node bench/run.mjs [--quick] [--json] [--only matmul,mlp-train,...] [--out BENCHMARKS.md]

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const quick = flag('--quick');
const json = flag('--json');
const only = option('--only', '').split(',').filter(Boolean);
const outOption = option('--out', null);
const out = outOption ? resolve(outOption) : quick || only.length > 0 ? null : join(root, 'BENCHMARKS.md');
const cores = cpus().length;

if (!existsSync(join(root, 'dist/index.js'))) {
  console.error('dlab is not built: run `npm run build` first (npm run bench does).');
  process.exit(1);
}

// ---- who takes part ----------------------------------------------------------------------------

function findPython() {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}
const python = findPython();
const hasPackage = (name) => existsSync(join(root, 'node_modules', name, 'package.json'));
const dlabBackends = JSON.parse(
  execFileSync(process.execPath, ['-e', 'import("./dist/index.js").then(t => console.log(JSON.stringify(t.listBackends())))'], { cwd: root, encoding: 'utf8' }),
);

/** Peers as (label, how to start one measurement). */
const peers = [
  ...dlabBackends.map((backend) => ({ id: `dlab-${backend}`, dlab: true, backend, run: (task) => node('dlab.mjs', { ...task, backend }) })),
  ...(hasPackage('@tensorflow/tfjs-backend-wasm') ? [{ id: 'tfjs-wasm', run: (task) => node('tfjs.mjs', task) }] : []),
  ...(hasPackage('@jax-js/jax') ? [{ id: 'jax-js', run: (task) => node('jax.mjs', task) }] : []),
  ...(python ? [{ id: 'pytorch', run: (task) => torch(task) }] : []),
];
const threaded = (peer) => peer.id === 'pytorch' || (peer.dlab && peer.backend !== 'js');

function node(script, task) {
  return measure(process.execPath, [join(root, 'bench/peers', script), JSON.stringify(task)], {}, task);
}

function torch(task) {
  // Debian's torch with OpenBLAS; the project's reference setting for comparisons.
  const env = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(task.threads ?? 2) };
  return measure(python, [join(root, 'bench/peers/torch_peer.py'), JSON.stringify(task)], env, task);
}

/**
 * A single-threaded measurement runs pinned to CPU 0 (taskset, where present): unpinned, the
 * scheduler moves it between the cores and one process in three measured ~20% slow.
 */
const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
const pinned = (task) => taskset !== undefined && task.threads === 1;

function measure(cmd, argv, env, task) {
  if (pinned(task)) [cmd, argv] = [taskset, ['-c', '0', cmd, ...argv]];
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 15 * 60_000, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    const stderr = (r.stderr ?? '').trim().split('\n');
    const message = stderr.filter((l) => /^\w*Error\b/.test(l.trim())).pop() ?? stderr.pop();
    return { error: message || r.error?.message || `exit ${r.status}` };
  }
  return JSON.parse(line);
}

// ---- what is measured --------------------------------------------------------------------------

const sizes = quick ? [256, 512] : [128, 256, 512, 1024];
// Slow peers train for a bounded number of steps; the epoch time is then an estimate (marked ~).
const trainSteps = (peer, model) => {
  if (quick) return model === 'lenet' ? 20 : 100;
  if (peer.id === 'jax-js' && model === 'lenet') return 8; // about 2 s a step here
  if (peer.id === 'dlab-js') return model === 'lenet' ? 30 : 200;
  return undefined; // a whole epoch, with test accuracy
};

// `dlab bench --only` takes the workloads listed in src/cli/commands/bench.ts: keep them in step.
const plan = [];
// The machine's speed drifts over seconds (a shared host), so each matmul figure pools the reps
// of several processes, run in rounds that interleave the peers: a slow spell hits all alike.
const matmulRounds = quick ? 1 : 3;
for (let round = 0; round < matmulRounds; round++) {
  for (const n of sizes) {
    for (const peer of peers) {
      if (peer.id === 'dlab-js' && n > 512) continue; // minutes per product: not informative
      plan.push({ workload: 'matmul', n, threads: 1, peer });
      if (threaded(peer) && cores > 1) plan.push({ workload: 'matmul', n, threads: cores, peer });
    }
  }
}
for (const model of ['mlp', 'lenet']) {
  for (const peer of peers) plan.push({ workload: `${model}-train`, steps: trainSteps(peer, model), peer });
  for (const peer of peers) plan.push({ workload: `${model}-infer`, reps: quick ? 3 : 7, peer });
}
for (const peer of peers) plan.push({ workload: 'dispatch', reps: quick ? 3 : 5, peer });
for (const peer of peers.filter((p) => p.dlab)) plan.push({ workload: 'mnist-data', reps: quick ? 1 : 3, peer });
/**
 * --quick stays under a minute by leaving out the slowest measurements, which it names: the js
 * reference beyond a small product and the MLP, and jax-js on LeNet (seconds per step or batch).
 */
const slowInQuick = (t) =>
  (t.peer.id === 'dlab-js' && !(t.workload === 'mlp-train' || (t.workload === 'matmul' && t.n <= 256))) ||
  (t.peer.id === 'jax-js' && t.workload.startsWith('lenet'));
const skipped = quick ? plan.filter(slowInQuick) : [];
if (skipped.length > 0) process.stderr.write(`--quick leaves out: ${skipped.map((t) => `${t.peer.id} ${t.workload}${t.n ? ` ${t.n}` : ''}`).join(', ')}\n`);
const selected = plan.filter((t) => !skipped.includes(t) && (only.length === 0 || only.includes(t.workload)));

// ---- run ---------------------------------------------------------------------------------------

const started = new Date();
const results = [];
for (const [i, { peer, ...task }] of selected.entries()) {
  const label = `${task.workload}${task.n ? ` ${task.n}` : ''}${task.threads ? ` x${task.threads}` : ''}`;
  process.stderr.write(`[${i + 1}/${selected.length}] ${peer.id.padEnd(10)} ${label} ... `);
  const t0 = performance.now();
  const result = peer.run(task);
  process.stderr.write(`${result.error ? `error: ${result.error}` : 'ok'} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  results.push({ peer: peer.id, ...result, id: peer.id, task }); // result.peer: the display name
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stats = (xs) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs) });

// ---- report ------------------------------------------------------------------------------------

function machine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const flags = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const simd = ['avx512f', 'avx2'].find((f) => flags.includes(` ${f}`)) ?? 'no AVX2';
  return `${cpu}, ${cores} cores (${simd}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

const versions = [...new Set(results.filter((r) => r.version).map((r) => `${r.peer.replace(/ \(.*\)$/, '')} ${r.version}`))];
const fmt = (x, digits = 1) => (x >= 100 ? x.toFixed(0) : x.toFixed(digits));
const isDlab = (r) => r.id.startsWith('dlab-');
/** dlab's measurements of the same workload (the ratio uses its fastest backend). */
const dlabRuns = (pred) => results.filter((r) => isDlab(r) && pred(r.task) && !r.error);

function ratioCells(value, pred, higherIsBetter, valueOf) {
  const mine = dlabRuns(pred).map(valueOf).filter(Number.isFinite);
  if (mine.length === 0 || !Number.isFinite(value)) return '';
  const top = higherIsBetter ? Math.max(...mine) : Math.min(...mine);
  const r = higherIsBetter ? top / value : value / top;
  return `${r.toFixed(2)}x`;
}

const lines = [];
lines.push('# Benchmarks', '');
lines.push(`Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on: ${machine()}.`);
lines.push(`Command: \`${['npm run bench --', ...args].join(' ').replace(/ --$/, '')}\` (each figure from its own process, run one after another).`);
lines.push(`Versions: ${versions.join(', ')}.`);
lines.push(
  'PyTorch runs with `OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=<threads>`. "dlab ÷ peer" is how many times faster dlab\'s best backend is than that peer (medians; above 1 means dlab is faster). "~" marks an epoch time estimated from a partial epoch (first step left out).',
  '',
);

const has = (workload) => results.some((r) => r.task.workload === workload);

/** The matmul results of all rounds, one entry per (n, peer, threads) with every rep pooled. */
function pooledMatmul() {
  const byKey = new Map();
  for (const r of results.filter((r) => r.task.workload === 'matmul')) {
    const key = `${r.task.n} ${r.id} ${r.task.threads}`;
    const entry = byKey.get(key) ?? { ...r, gflops: [], processes: 0, errors: [] };
    if (r.error) entry.errors.push(r.error);
    else { entry.gflops.push(...r.gflops); entry.processes++; }
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

if (has('matmul')) {
  lines.push(
    '## matmul (float32, n x n times n x n), GFLOP/s',
    '',
    `Each row pools the timed reps of ${matmulRounds} process${matmulRounds > 1 ? 'es' : ''}, run in rounds that interleave the peers${taskset ? '; one-thread rows ran pinned to CPU 0 (taskset)' : ''}. "dlab ÷ peer" compares dlab's wasm backend on the same number of threads.`,
    '',
    '| n | peer | threads | min | median | max | dlab ÷ peer |',
    '|---|---|---|---|---|---|---|',
  );
  const pooled = pooledMatmul();
  for (const r of pooled) {
    if (r.processes === 0) { lines.push(`| ${r.task.n} | ${r.id} | ${r.task.threads} | error: ${r.errors[0]} | | | |`); continue; }
    const s = stats(r.gflops);
    const mine = pooled.find((m) => m.id === 'dlab-wasm' && m.task.n === r.task.n && m.task.threads === r.task.threads && m.processes > 0);
    const ratio = isDlab(r) || !mine ? '' : `${(median(mine.gflops) / s.median).toFixed(2)}x`;
    lines.push(`| ${r.task.n} | ${r.peer} | ${r.task.threads} | ${fmt(s.min)} | ${fmt(s.median)} | ${fmt(s.max)} | ${ratio} |`);
  }
  lines.push('');
}

for (const model of ['mlp', 'lenet']) {
  const title = model === 'mlp' ? 'MNIST MLP 784-128-10' : 'LeNet-5 (ReLU, max-pool)';
  if (has(`${model}-train`)) lines.push(`## ${title}: training, SGD lr 0.1, batch 64, one epoch of 60,000 images`, '', '| peer | s/epoch | test accuracy | steps timed | peak RSS MiB | dlab ÷ peer |', '|---|---|---|---|---|---|');
  for (const r of results.filter((r) => r.task.workload === `${model}-train`)) {
    if (r.error) { lines.push(`| ${r.id} | cannot train: ${r.error} | | | | |`); continue; }
    const estimated = r.test_accuracy === undefined;
    const ratio = isDlab(r) ? '' : ratioCells(r.epoch_seconds, (t) => t.workload === `${model}-train`, false, (m) => m.epoch_seconds);
    lines.push(`| ${r.peer} | ${estimated ? '~' : ''}${fmt(r.epoch_seconds, 2)} | ${r.test_accuracy?.toFixed(4) ?? ''} | ${r.steps} | ${fmt(r.peak_rss_mib)} | ${ratio} |`);
  }
  if (has(`${model}-train`)) lines.push('');
  if (has(`${model}-infer`)) lines.push(`## ${title}: inference, batch 1000, images/s`, '', '| peer | min | median | max | peak RSS MiB | dlab ÷ peer |', '|---|---|---|---|---|---|');
  for (const r of results.filter((r) => r.task.workload === `${model}-infer`)) {
    if (r.error) { lines.push(`| ${r.id} | error: ${r.error} | | | | |`); continue; }
    const s = stats(r.images_per_s);
    const ratio = isDlab(r) ? '' : ratioCells(s.median, (t) => t.workload === `${model}-infer`, true, (m) => median(m.images_per_s));
    lines.push(`| ${r.peer} | ${fmt(s.min)} | ${fmt(s.median)} | ${fmt(s.max)} | ${fmt(r.peak_rss_mib)} | ${ratio} |`);
  }
  if (has(`${model}-infer`)) lines.push('');
}

if (has('dispatch')) {
  lines.push(
    '## Op dispatch: a + b on 8-element float32 tensors, microseconds per op',
    '',
    'The fixed cost of one small op (argument checks, shapes, the kernel call, the result). jax-js queues its ops asynchronously, so its figure is the cost to issue one.',
    '',
    '| peer | min | median | max | with autograd (median) | dlab ÷ peer |',
    '|---|---|---|---|---|---|',
  );
  for (const r of results.filter((r) => r.task.workload === 'dispatch')) {
    if (r.error) { lines.push(`| ${r.id} | error: ${r.error} | | | | |`); continue; }
    const s = stats(r.us_per_op);
    const graph = r.us_per_op_with_grad ? median(r.us_per_op_with_grad).toFixed(2) : '';
    const ratio = isDlab(r) ? '' : ratioCells(s.median, (t) => t.workload === 'dispatch', false, (m) => median(m.us_per_op));
    lines.push(`| ${r.peer} | ${s.min.toFixed(2)} | ${s.median.toFixed(2)} | ${s.max.toFixed(2)} | ${graph} | ${ratio} |`);
  }
  lines.push('');
}

if (has('mnist-data')) {
  lines.push('## Data: one MNIST epoch of data work (60,000 images, ToTensor + Normalize, shuffled DataLoader, batch 64)', '', '| backend | min s | median s | max s |', '|---|---|---|---|');
  for (const r of results.filter((r) => r.task.workload === 'mnist-data')) {
    if (r.error) { lines.push(`| ${r.id} | error: ${r.error} | | |`); continue; }
    const s = stats(r.times);
    lines.push(`| ${r.peer} | ${s.min.toFixed(3)} | ${s.median.toFixed(3)} | ${s.max.toFixed(3)} |`);
  }
  lines.push('');
}

if (out) {
  writeFileSync(out, `${lines.join('\n')}\n`);
  process.stderr.write(`wrote ${out}\n`);
} else if (!json) {
  process.stdout.write(`${lines.join('\n')}\n`);
}
if (json) console.log(JSON.stringify({ machine: machine(), started: started.toISOString(), quick, results }));
