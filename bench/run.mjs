#!/usr/bin/env node
// The benchmark runner: every measurement in a fresh process, one after another, so peers never
// share a heap, a thread pool or a JIT. dlab (each backend), TF.js wasm, jax-js and PyTorch (when
// /usr/bin/python3 or python3 can import torch) run the same workloads on the same MNIST bytes.
// Writes BENCHMARKS.md (machine, versions, command, min/median/max, dlab's ratio to each peer,
// and each dlab backend's ratio to PyTorch). A partial run (--quick, --only or --peers) prints its
// table instead, unless --out names a file: it must not replace the full table with a part of it.
// PyTorch runs with the OpenBLAS kernels its CPU calls for (bench/blas.mjs), or is marked not
// comparable. --profile prints a training step's time by backend kernel instead (MLP, LeNet).
// Where the npm package `webgpu` (Dawn) finds an adapter, dlab-webgpu runs matmul and the models
// on it; its rows name the adapter and mark a software one (SwiftShader), whose speed is the CPU's.
//
//   node bench/run.mjs [--quick] [--json] [--only matmul,mlp-train,...] [--peers dlab-wasm,pytorch,...]
//                      [--profile] [--out BENCHMARKS.md]

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuFeatures, decidingFeature, openblasCoreFor, parseOpenblasCore, torchComparability } from './blas.mjs';
import { gpuEnv } from './gpu-env.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const quick = flag('--quick');
const json = flag('--json');
const profile = flag('--profile'); // the same as --only profile
const only = profile ? ['profile'] : option('--only', '').split(',').filter(Boolean);
const peerFilter = option('--peers', '').split(',').filter(Boolean);
const outOption = option('--out', null);
const partial = quick || only.length > 0 || peerFilter.length > 0 || profile;
const out = outOption ? resolve(outOption) : partial ? null : join(root, 'BENCHMARKS.md');
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

/** Peers as (label, how to start one measurement): every backend dlab registers, then the others. */
const allPeers = [
  ...dlabBackends.map((backend) => ({ id: `dlab-${backend}`, dlab: true, backend, run: (task) => node('dlab.mjs', { ...task, backend }) })),
  ...(hasPackage('webgpu') ? [{ id: 'dlab-webgpu', dlab: true, device: 'webgpu', run: (task) => gpuNode('dlab.mjs', { ...task, device: 'webgpu' }) }] : []),
  ...(hasPackage('@tensorflow/tfjs-backend-wasm') ? [{ id: 'tfjs-wasm', run: (task) => node('tfjs.mjs', task) }] : []),
  ...(hasPackage('@jax-js/jax') ? [{ id: 'jax-js', run: (task) => node('jax.mjs', task) }] : []),
  ...(python ? [{ id: 'pytorch', run: (task) => torch(task) }] : []),
];
const unknownPeers = peerFilter.filter((id) => !allPeers.some((p) => p.id === id));
if (unknownPeers.length > 0) {
  console.error(`--peers: no peer ${unknownPeers.join(', ')} here (available: ${allPeers.map((p) => p.id).join(', ')})`);
  process.exit(1);
}
// --quick takes the GPU only when --peers names it: starting one and compiling its kernels costs seconds.
const requested = allPeers.filter((p) => (peerFilter.length === 0 ? !(quick && p.device) : peerFilter.includes(p.id)));
// js is dlab's one-thread reference; every other CPU backend takes setNumThreads (a GPU has no such setting).
const threaded = (peer) => peer.id === 'pytorch' || (peer.dlab && !peer.device && peer.backend !== 'js');

function node(script, task) {
  return measure(process.execPath, [join(root, 'bench/peers', script), JSON.stringify(task)], {}, task);
}

// ---- a fair PyTorch (see bench/blas.mjs) -------------------------------------------------------

const cpu = cpuFeatures();
const userCoretype = process.env.OPENBLAS_CORETYPE?.trim() || null;
const chosenCore = userCoretype ? null : openblasCoreFor(cpu);
// OPENBLAS_VERBOSE=2: OpenBLAS prints "Core: <name>" as it loads, which names the kernels it runs.
const torchEnv = { OPENBLAS_VERBOSE: '2', ...(chosenCore ? { OPENBLAS_CORETYPE: chosenCore } : {}) };
const coretypeNote = userCoretype
  ? `OPENBLAS_CORETYPE=${userCoretype} as given`
  : chosenCore
    ? `OPENBLAS_CORETYPE=${chosenCore}, set by the bench from the CPU's ${decidingFeature(cpu)} flag (${cpu.source}) as OpenBLAS 0.3.21 maps it`
    : 'OPENBLAS_CORETYPE not set (no CPU features to go by)';

function torch(task) {
  // Threads: a matmul is OpenBLAS's alone, so it gets them all; the models run OpenMP threads in
  // PyTorch's own kernels and one OpenBLAS thread (OpenBLAS threads on top oversubscribe the cores).
  const threads = String(task.threads ?? cores);
  const env = { ...torchEnv, OPENBLAS_NUM_THREADS: task.workload === 'matmul' ? threads : '1', OMP_NUM_THREADS: threads };
  const r = measure(python, [join(root, 'bench/peers/torch_peer.py'), JSON.stringify(task)], env, task);
  if (r.error) return r;
  const core = parseOpenblasCore(r.stderr) ?? r.openblas_corename ?? null;
  const fair = torchComparability({ blas: r.blas ?? null, core, cpu });
  const { stderr: _stderr, ...result } = r;
  const name = r.blas === 'OpenBLAS' && core ? `PyTorch (OpenBLAS ${core})` : r.peer;
  return { ...result, peer: name, openblas_core: core, comparable: fair.comparable, ...(fair.reason ? { not_comparable: fair.reason } : {}) };
}

/** What PyTorch loads, before anything is timed: said at once, so a mis-set run can be stopped. */
function probeTorch() {
  if (!peers.some((p) => p.id === 'pytorch')) return null;
  const r = torch({ workload: 'probe' });
  if (r.error) {
    process.stderr.write(`PyTorch: ${r.error}\n`);
    return null;
  }
  const blas = r.blas === 'OpenBLAS' ? `${r.blas_config?.split(' ').slice(0, 2).join(' ') ?? 'OpenBLAS'}, core ${r.openblas_core ?? 'not named'}` : (r.blas ?? 'BLAS unknown');
  process.stderr.write(`PyTorch ${r.version}: ${blas} (${coretypeNote})\n`);
  if (!r.comparable) process.stderr.write(`PyTorch's figures are NOT comparable: ${r.not_comparable}. Its rows are marked and get no ratio.\n`);
  return r;
}

/**
 * A single-threaded measurement runs pinned to CPU 0 (taskset, where present): unpinned, the
 * scheduler moves it between the cores and one process in three measured ~20% slow.
 */
const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
const pinned = (task) => taskset !== undefined && task.threads === 1;

/** One measurement in a fresh process: its one JSON line, with its stderr (where OpenBLAS talks). */
function measure(cmd, argv, env, task) {
  if (pinned(task)) [cmd, argv] = [taskset, ['-c', '0', cmd, ...argv]];
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 15 * 60_000, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    const stderr = (r.stderr ?? '').trim().split('\n');
    const message = stderr.filter((l) => /^\w*Error\b/.test(l.trim())).pop() ?? stderr.pop();
    return { error: message || r.error?.message || `exit ${r.status}` };
  }
  return { ...JSON.parse(line), stderr: r.stderr ?? '' };
}

// ---- the GPU (dlab-webgpu) ---------------------------------------------------------------------

const gpuEnvironment = requested.some((p) => p.device) ? await gpuEnv() : null;
function gpuNode(script, task) {
  return measure(process.execPath, [join(root, 'bench/peers', script), JSON.stringify(task)], gpuEnvironment, task);
}
/** The adapter dlab-webgpu would run on, asked once before anything is timed; without one the peer sits out. */
const gpuProbe = gpuEnvironment ? requested.find((p) => p.device).run({ workload: 'probe' }) : null;
if (gpuProbe?.error) process.stderr.write(`dlab-webgpu left out: ${gpuProbe.error}\n`);
else if (gpuProbe) process.stderr.write(`WebGPU adapter: ${gpuProbe.adapter}\n`);
const peers = requested.filter((p) => !p.device || (gpuProbe && !gpuProbe.error));

// ---- what is measured --------------------------------------------------------------------------

const sizes = quick ? [256, 512] : [128, 256, 512, 1024];
// Slow peers train for a bounded number of steps; the epoch time is then an estimate (marked ~).
const trainSteps = (peer, model) => {
  // A software adapter (a CPU emulating a GPU) trains at a few steps a second: a part of an epoch says as much.
  if (peer.device && gpuProbe?.software_adapter) return model === 'lenet' ? (quick ? 4 : 10) : (quick ? 20 : 50);
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
      if (peer.device) {
        // A software adapter multiplies at about 0.1 GFLOP/s: one round, up to n = 512 (256 in --quick), shows it.
        if (!gpuProbe.software_adapter || (round === 0 && n <= (quick ? 256 : 512))) plan.push({ workload: 'matmul', n, peer });
        continue;
      }
      plan.push({ workload: 'matmul', n, threads: 1, peer });
      if (threaded(peer) && cores > 1) plan.push({ workload: 'matmul', n, threads: cores, peer });
    }
  }
}
/**
 * LeNet on a software adapter: a training step took 45 s and an inference of 1000 images 4 min on
 * SwiftShader here (2 busy cores), so its rows would hold the bench for most of an hour.
 */
const softwareLenet = (peer, model) => peer.device && gpuProbe.software_adapter && model === 'lenet';
/**
 * A whole epoch is one figure per process, and the same process's epoch varied by a fifth between
 * runs here (PyTorch's MLP epoch 0.47-0.62 s): each peer that trains a whole epoch runs it in
 * several processes, in rounds that interleave the peers, and its row gives their median.
 */
const trainRounds = quick ? 1 : 3;
for (const model of ['mlp', 'lenet']) {
  const modelPeers = peers.filter((p) => !softwareLenet(p, model));
  for (let round = 0; round < trainRounds; round++) {
    for (const peer of modelPeers) {
      const steps = trainSteps(peer, model);
      if (round === 0 || steps === undefined) plan.push({ workload: `${model}-train`, steps, peer });
    }
  }
  for (const peer of modelPeers) plan.push({ workload: `${model}-infer`, reps: quick ? 3 : 7, peer });
}
const gpuLeftOut = peers.some((p) => softwareLenet(p, 'lenet')) && (only.length === 0 || only.some((w) => w.startsWith('lenet')))
  ? 'dlab-webgpu leaves out LeNet on a software adapter (minutes per step or batch)'
  : null;
if (gpuLeftOut) process.stderr.write(`${gpuLeftOut}\n`);
// The CPU-side measurements (op dispatch, data work, a step by kernel) leave the GPU out.
const cpuPeers = peers.filter((p) => !p.device);
for (const peer of cpuPeers) plan.push({ workload: 'dispatch', reps: quick ? 3 : 5, peer });
for (const peer of cpuPeers.filter((p) => p.dlab)) plan.push({ workload: 'mnist-data', reps: quick ? 1 : 3, peer });
// A training step of each model by backend kernel, on each dlab CPU backend.
for (const model of ['mlp', 'lenet']) {
  for (const peer of cpuPeers.filter((p) => p.dlab)) plan.push({ workload: 'profile', model, peer, ...(quick ? { steps: model === 'lenet' ? 10 : 50 } : {}) });
}
/**
 * --quick stays under a minute by leaving out the slowest measurements, which it names: the js
 * reference beyond a small product and the MLP, and jax-js on LeNet (seconds per step or batch).
 */
const slowInQuick = (t) =>
  (t.peer.id === 'dlab-js' && !(t.workload === 'mlp-train' || t.workload === 'profile' || (t.workload === 'matmul' && t.n <= 256))) ||
  (t.peer.id === 'jax-js' && t.workload.startsWith('lenet'));
const skipped = quick ? plan.filter(slowInQuick) : [];
if (skipped.length > 0) process.stderr.write(`--quick leaves out: ${skipped.map((t) => `${t.peer.id} ${t.workload}${t.n ? ` ${t.n}` : ''}`).join(', ')}\n`);
const selected = plan.filter((t) => !skipped.includes(t) && (only.length === 0 || only.includes(t.workload)));

// ---- run ---------------------------------------------------------------------------------------

const started = new Date();
const loadAtStart = loadavg();
const torchProbe = selected.some((t) => t.peer.id === 'pytorch') ? probeTorch() : null;
const results = [];
for (const [i, { peer, ...task }] of selected.entries()) {
  const label = `${task.workload}${task.n ? ` ${task.n}` : ''}${task.model ? ` ${task.model}` : ''}${task.threads ? ` x${task.threads}` : ''}`;
  process.stderr.write(`[${i + 1}/${selected.length}] ${peer.id.padEnd(10)} ${label} ... `);
  const t0 = performance.now();
  const { stderr: _stderr, ...result } = peer.run(task);
  process.stderr.write(`${result.error ? `error: ${result.error}` : 'ok'} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  results.push({ peer: peer.id, ...result, id: peer.id, task }); // result.peer: the display name
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stats = (xs) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs) });

/**
 * One row per peer and training workload: its rounds' epochs pooled (the median, and every
 * epoch in `epochs`); the peak RSS is the largest. The same seed trains the same model in each
 * process, so a test accuracy that differs between them is shown, not hidden.
 */
function poolTrainingRounds(all) {
  const pooled = [];
  for (const r of all) {
    if (!r.task.workload.endsWith('-train')) { pooled.push(r); continue; }
    if (pooled.some((p) => p.id === r.id && p.task.workload === r.task.workload)) continue;
    const runs = all.filter((q) => q.id === r.id && q.task.workload === r.task.workload);
    const failed = runs.find((q) => q.error);
    if (failed) { pooled.push(failed); continue; }
    const epochs = runs.map((q) => q.epoch_seconds);
    const accuracies = [...new Set(runs.map((q) => q.test_accuracy).filter((a) => a !== undefined))];
    pooled.push({ ...r, epoch_seconds: median(epochs), epochs, peak_rss_mib: Math.max(...runs.map((q) => q.peak_rss_mib)), accuracies });
  }
  return pooled;
}
results.splice(0, results.length, ...poolTrainingRounds(results));

// ---- report ------------------------------------------------------------------------------------

function machine() {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  const simd = cpu ? ['avx512_bf16', 'avx512f', 'avx2', 'avx'].filter((f) => cpu.flags.has(f)).slice(0, 2).join(', ') || 'no AVX' : 'features unknown';
  return `${model}, ${cores} cores (${simd}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

const versions = [...new Set(results.filter((r) => r.version).map((r) => `${r.peer.replace(/ \(.*\)$/, '')} ${r.version}`))];
const fmt = (x, digits = 1) => (x >= 100 ? x.toFixed(0) : x.toFixed(digits));
const isDlab = (r) => r.id.startsWith('dlab-');
/** dlab's CPU measurements of the same workload (the ratio uses its fastest CPU backend: the peers run on the CPU). */
const dlabRuns = (pred) => results.filter((r) => isDlab(r) && !r.task.device && pred(r.task) && !r.error);
/** What a GPU row shows in its "÷ PyTorch" cell instead of a ratio: a software adapter's speed is the CPU's. */
const SOFTWARE = 'software adapter';
const NOT_COMPARABLE = 'not comparable';
const notComparable = (r) => r.id === 'pytorch' && r.comparable === false;

/** "How many times faster dlab is": mine over theirs for a rate, theirs over mine for a time. */
const speedRatio = (mine, theirs, higherIsBetter) => `${(higherIsBetter ? mine / theirs : theirs / mine).toFixed(2)}x`;

/** dlab's best backend against a peer's `value` (the "dlab ÷ peer" column of a peer's row). */
function ratioCells(value, pred, higherIsBetter, valueOf, r) {
  if (r && notComparable(r)) return NOT_COMPARABLE;
  const mine = dlabRuns(pred).map(valueOf).filter(Number.isFinite);
  if (mine.length === 0 || !Number.isFinite(value)) return '';
  return speedRatio(higherIsBetter ? Math.max(...mine) : Math.min(...mine), value, higherIsBetter);
}

/** A dlab backend's `value` against PyTorch's on the same workload (the "÷ PyTorch" column of a dlab row). */
function torchCell(value, pred, higherIsBetter, valueOf, r) {
  if (r?.software_adapter) return SOFTWARE;
  const theirs = results.find((r) => r.id === 'pytorch' && pred(r.task) && !r.error);
  if (!theirs || !Number.isFinite(value)) return '';
  if (notComparable(theirs)) return NOT_COMPARABLE;
  const v = valueOf(theirs);
  return Number.isFinite(v) ? speedRatio(value, v, higherIsBetter) : '';
}

const lines = [];
lines.push('# Benchmarks', '');
lines.push(`Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on: ${machine()}.`);
// A shared machine's other work shows in every figure: the load average says how much there was.
const load = (l) => l.map((x) => x.toFixed(1)).join(' / ');
lines.push(`Load average (1 / 5 / 15 min) at the start: ${load(loadAtStart)}, at the end: ${load(loadavg())}${loadAtStart[0] > cores * 0.5 ? ` (other work on these ${cores} cores: figures are noisy)` : ''}.`);
lines.push(`Command: \`${['npm run bench --', ...args].join(' ').replace(/ --$/, '')}\` (each figure from its own process, run one after another).`);
lines.push(`Versions: ${versions.join(', ')}.`);
const torchRun = results.find((r) => r.id === 'pytorch' && !r.error) ?? (torchProbe?.error ? null : torchProbe);
const gpuRun = results.find((r) => r.adapter);
if (gpuRun) {
  lines.push(`dlab-webgpu ran on the WebGPU adapter ${gpuRun.adapter} (Dawn, npm \`webgpu\`${gpuEnvironment?.VK_ICD_FILENAMES ? `, Vulkan driver ${gpuEnvironment.VK_ICD_FILENAMES}` : ''}); each timed region ends by awaiting the GPU (a loss read or \`torch.webgpu.synchronize()\`).${gpuRun.software_adapter ? ` **A software adapter**: its figures are the CPU emulating a GPU and get no ratio; matmul up to n = ${quick ? 256 : 512}, one process${gpuLeftOut ? `; ${gpuLeftOut}` : ''}.` : ' Its ÷ PyTorch cells compare the GPU with PyTorch on the CPU.'}`);
}
if (torchRun) {
  const blas = torchRun.blas === 'OpenBLAS' ? `${torchRun.blas_config?.split(' ').slice(0, 2).join(' ') ?? 'OpenBLAS'} (${torchRun.blas_path ?? 'path unknown'})` : (torchRun.blas ?? 'an unknown BLAS');
  const core = torchRun.blas === 'OpenBLAS' ? `, **OpenBLAS core: ${torchRun.openblas_core ?? 'not named'}** (${coretypeNote}; the core is the one OpenBLAS itself reported with OPENBLAS_VERBOSE=2)` : '';
  lines.push(`PyTorch ${torchRun.version} calls ${blas}${core}, with \`OMP_NUM_THREADS=<threads>\` and \`OPENBLAS_NUM_THREADS=<threads>\` for a matmul, \`1\` for the models (OpenBLAS threads beside OpenMP's oversubscribe the cores).`);
  if (torchRun.comparable === false) lines.push('', `**PyTorch's figures are not comparable here: ${torchRun.not_comparable}.** Its rows are shown for the record, with no ratio.`);
  lines.push('');
}
lines.push(
  '"dlab ÷ peer" (a peer\'s row) is how many times faster dlab\'s best backend is than that peer; "÷ PyTorch" (a dlab backend\'s row) is how many times faster that backend is than PyTorch on the same workload (medians; above 1 means dlab is faster). "~" marks an epoch time estimated from a partial epoch (first step left out).',
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
    `Each row pools the timed reps of ${matmulRounds} process${matmulRounds > 1 ? 'es' : ''}, run in rounds that interleave the peers${taskset ? '; one-thread rows ran pinned to CPU 0 (taskset)' : ''}. Both ratios compare the same n on the same number of threads (a GPU row: PyTorch on all the cores).`,
    '',
    '| n | peer | threads | min | median | max | dlab ÷ peer | ÷ PyTorch |',
    '|---|---|---|---|---|---|---|---|',
  );
  const pooled = pooledMatmul();
  const same = (r) => (m) => m.task.n === r.task.n && m.task.threads === r.task.threads && m.processes > 0;
  for (const r of pooled) {
    if (r.processes === 0) { lines.push(`| ${r.task.n} | ${r.id} | ${r.task.threads ?? 'GPU'} | error: ${r.errors[0]} | | | | |`); continue; }
    const s = stats(r.gflops);
    const mine = pooled.filter((m) => isDlab(m) && !m.task.device && same(r)(m)).map((m) => median(m.gflops));
    // A GPU row (no thread count) against PyTorch on all the cores.
    const theirs = pooled.find((m) => m.id === 'pytorch' && same({ task: { ...r.task, threads: r.task.threads ?? cores } })(m));
    const ratio = isDlab(r) ? '' : notComparable(r) ? NOT_COMPARABLE : mine.length ? speedRatio(Math.max(...mine), s.median, true) : '';
    const vsTorch = r.software_adapter ? SOFTWARE : !isDlab(r) || !theirs ? '' : notComparable(theirs) ? NOT_COMPARABLE : speedRatio(s.median, median(theirs.gflops), true);
    lines.push(`| ${r.task.n} | ${r.peer} | ${r.task.threads ?? 'GPU'} | ${fmt(s.min)} | ${fmt(s.median)} | ${fmt(s.max)} | ${ratio} | ${vsTorch} |`);
  }
  lines.push('');
}

for (const model of ['mlp', 'lenet']) {
  const title = model === 'mlp' ? 'MNIST MLP 784-128-10' : 'LeNet-5 (ReLU, max-pool)';
  const trainWork = (t) => t.workload === `${model}-train`;
  if (has(`${model}-train`)) lines.push(`## ${title}: training, SGD lr 0.1, batch 64, one epoch of 60,000 images`, '');
  if (has(`${model}-train`) && model === 'mlp') {
    lines.push(
      'Each peer times its first epoch whole, from a cold start, over pre-normalized images gathered per batch (test accuracy afterwards, untimed): dlab and PyTorch gather each batch from the training set\'s tensors with index_select (`x[idx]`, `y[idx]`), TF.js and jax-js from typed arrays. `dlab run mnist --epochs 1 --json` reports `epoch_seconds` for the same model and loop timed the same way; it differs only in what the loop reads and records: its DataLoader makes each batch from MNIST\'s raw bytes (ToTensor + Normalize, 35-50 µs a step more than the gather here), 938 batches (the last of 32) against 937, and its per-step loss, accuracy, progress bar, metrics and checkpoint hook (3 µs a step timed alone; about 2% of the loop\'s time in a CPU profile, where the garbage collections they trigger count too). `npx tsx scripts/runner-overhead.ts` times each part.',
      '',
    );
  }
  if (has(`${model}-train`) && trainRounds > 1) lines.push(`A peer that trains a whole epoch does so in ${trainRounds} processes, run in rounds that interleave the peers: "s/epoch" is their median, "epochs" each one in the order run; the ratios compare medians.`, '');
  if (has(`${model}-train`)) lines.push('| peer | s/epoch | epochs | test accuracy | steps timed | peak RSS MiB | dlab ÷ peer | ÷ PyTorch |', '|---|---|---|---|---|---|---|---|');
  for (const r of results.filter((r) => trainWork(r.task))) {
    if (r.error) { lines.push(`| ${r.id} | cannot train: ${r.error} | | | | | | |`); continue; }
    const estimated = r.test_accuracy === undefined;
    const ratio = isDlab(r) ? '' : ratioCells(r.epoch_seconds, trainWork, false, (m) => m.epoch_seconds, r);
    const vsTorch = isDlab(r) ? torchCell(r.epoch_seconds, trainWork, false, (m) => m.epoch_seconds, r) : '';
    const epochs = r.epochs.length > 1 ? r.epochs.map((e) => fmt(e, 2)).join(', ') : '';
    lines.push(`| ${r.peer} | ${estimated ? '~' : ''}${fmt(r.epoch_seconds, 2)} | ${epochs} | ${r.accuracies.map((a) => a.toFixed(4)).join(', ')} | ${r.steps} | ${fmt(r.peak_rss_mib)} | ${ratio} | ${vsTorch} |`);
  }
  if (has(`${model}-train`)) lines.push('');
  const inferWork = (t) => t.workload === `${model}-infer`;
  if (has(`${model}-infer`)) lines.push(`## ${title}: inference, batch 1000, images/s`, '', '| peer | min | median | max | peak RSS MiB | dlab ÷ peer | ÷ PyTorch |', '|---|---|---|---|---|---|---|');
  for (const r of results.filter((r) => inferWork(r.task))) {
    if (r.error) { lines.push(`| ${r.id} | error: ${r.error} | | | | | |`); continue; }
    const s = stats(r.images_per_s);
    const ratio = isDlab(r) ? '' : ratioCells(s.median, inferWork, true, (m) => median(m.images_per_s), r);
    const vsTorch = isDlab(r) ? torchCell(s.median, inferWork, true, (m) => median(m.images_per_s), r) : '';
    lines.push(`| ${r.peer} | ${fmt(s.min)} | ${fmt(s.median)} | ${fmt(s.max)} | ${fmt(r.peak_rss_mib)} | ${ratio} | ${vsTorch} |`);
  }
  if (has(`${model}-infer`)) lines.push('');
}

if (has('dispatch')) {
  lines.push(
    '## Op dispatch: a + b on 8-element float32 tensors, microseconds per op',
    '',
    'The fixed cost of one small op (argument checks, shapes, the kernel call, the result). jax-js queues its ops asynchronously, so its figure is the cost to issue one.',
    '',
    '| peer | min | median | max | with autograd (median) | dlab ÷ peer | ÷ PyTorch |',
    '|---|---|---|---|---|---|---|',
  );
  const dispatchWork = (t) => t.workload === 'dispatch';
  for (const r of results.filter((r) => dispatchWork(r.task))) {
    if (r.error) { lines.push(`| ${r.id} | error: ${r.error} | | | | | |`); continue; }
    const s = stats(r.us_per_op);
    const graph = r.us_per_op_with_grad ? median(r.us_per_op_with_grad).toFixed(2) : '';
    const ratio = isDlab(r) ? '' : ratioCells(s.median, dispatchWork, false, (m) => median(m.us_per_op), r);
    const vsTorch = isDlab(r) ? torchCell(s.median, dispatchWork, false, (m) => median(m.us_per_op)) : '';
    lines.push(`| ${r.peer} | ${s.min.toFixed(2)} | ${s.median.toFixed(2)} | ${s.max.toFixed(2)} | ${graph} | ${ratio} | ${vsTorch} |`);
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

if (has('profile')) {
  const backendsProfiled = [...new Set(results.filter((r) => r.task.workload === 'profile').map((r) => r.id))];
  lines.push(
    '## A training step by backend kernel (`dlab bench --profile`), ms per step',
    '',
    'The bench\'s training step (batch 64, SGD lr 0.1, cross-entropy; a fresh input tensor from the MNIST batch), warmed up, timed plain and then with every backend method wrapped in a timer. "outside kernels" is the instrumented step less its kernels: op dispatch, shape checks, autograd bookkeeping, allocation (and the timers themselves). The wasm backend runs its default thread count.',
    '',
  );
  for (const model of ['mlp', 'lenet']) {
    const rows = results.filter((r) => r.task.workload === 'profile' && r.task.model === model);
    if (rows.length === 0) continue;
    lines.push(`### ${model === 'mlp' ? 'MNIST MLP 784-128-10' : 'LeNet-5'}`, '', `| kernel | ${backendsProfiled.map((b) => b.replace(/^dlab-/, '')).join(' | ')} |`, `|---|${backendsProfiled.map(() => '---|').join('')}`);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const cell = (id, f) => { const r = byId.get(id); return !r ? '' : r.error ? `error: ${r.error}` : f(r); };
    const kernelTotal = (r) => Object.values(r.kernels_ms).reduce((a, b) => a + b, 0);
    const names = [...new Set(rows.filter((r) => !r.error).flatMap((r) => Object.keys(r.kernels_ms)))];
    const weight = (k) => Math.max(...rows.filter((r) => !r.error).map((r) => (r.kernels_ms[k] ?? 0) / r.instrumented_ms));
    const shown = names.sort((a, b) => weight(b) - weight(a)).filter((k) => weight(k) >= 0.005);
    const share = (r, ms) => `${ms.toFixed(3)} (${((ms / r.instrumented_ms) * 100).toFixed(0)}%)`;
    for (const k of shown) lines.push(`| ${k} | ${backendsProfiled.map((id) => cell(id, (r) => (r.kernels_ms[k] === undefined ? '' : share(r, r.kernels_ms[k])))).join(' | ')} |`);
    const rest = (r) => Object.entries(r.kernels_ms).filter(([k]) => !shown.includes(k)).reduce((a, [, v]) => a + v, 0);
    lines.push(`| other kernels | ${backendsProfiled.map((id) => cell(id, (r) => share(r, rest(r)))).join(' | ')} |`);
    lines.push(`| outside kernels | ${backendsProfiled.map((id) => cell(id, (r) => share(r, r.instrumented_ms - kernelTotal(r)))).join(' | ')} |`);
    lines.push(`| **step, instrumented** | ${backendsProfiled.map((id) => cell(id, (r) => r.instrumented_ms.toFixed(3))).join(' | ')} |`);
    lines.push(`| **step, plain** | ${backendsProfiled.map((id) => cell(id, (r) => `${r.step_ms.toFixed(3)} (${r.steps} steps)`)).join(' | ')} |`);
    lines.push('');
  }
}

if (out) {
  writeFileSync(out, `${lines.join('\n')}\n`);
  process.stderr.write(`wrote ${out}\n`);
} else if (!json) {
  process.stdout.write(`${lines.join('\n')}\n`);
}
if (json) console.log(JSON.stringify({ machine: machine(), started: started.toISOString(), quick, results }));
