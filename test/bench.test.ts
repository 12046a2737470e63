// The benchmark harness runs and reports (speed itself is never asserted): a quick matmul-only
// run writes its table and one JSON object with a measurement per peer present; a partial run
// without --out prints its table rather than replacing the committed one.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertBuildIsFresh } from './build.js';

const root = fileURLToPath(new URL('..', import.meta.url));

test('dist is built from the current src', assertBuildIsFresh);

/** `dlab bench <args> --json --out <a temp file>`: the table it wrote and its JSON report (stdout's last line). */
function runBench<R>(args: string[], timeout: number): { table: string; report: { results: R[] } } {
  const dir = mkdtempSync(join(tmpdir(), 'dlab-bench-'));
  try {
    const out = join(dir, 'BENCH.md');
    const r = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'bench', ...args, '--json', '--out', out], { cwd: root, encoding: 'utf8', timeout });
    assert.equal(r.status, 0, r.stderr);
    return { table: readFileSync(out, 'utf8'), report: JSON.parse(r.stdout.trim().split('\n').pop()!) as { results: R[] } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('dlab bench --quick --only matmul --json: a table and a JSON line with every backend measured', () => {
  const { table, report } = runBench<{ id: string; task: { n: number }; gflops?: number[]; error?: string }>(['--quick', '--only', 'matmul'], 120_000);
  const ids = new Set(report.results.map((m) => m.id));
  for (const id of ['dlab-js', 'dlab-wasm']) assert.ok(ids.has(id), `${id} measured`);
  for (const m of report.results.filter((m) => m.id.startsWith('dlab-'))) {
    assert.equal(m.error, undefined);
    assert.ok(m.gflops!.length >= 3 && m.gflops!.every((g) => g > 0), `${m.id} ${m.task.n}: ${m.gflops}`);
  }
  assert.match(table, /## matmul \(float32/);
  assert.match(table, /\| 256 \| dlab wasm \| 1 \|/);
});

test('a partial run (--only) prints its table and leaves BENCHMARKS.md alone', () => {
  const committed = join(root, 'BENCHMARKS.md');
  const before = statSync(committed).mtimeMs;
  const r = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'bench', '--only', 'mnist-data'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /## Data: one MNIST epoch of data work/);
  assert.match(r.stdout, /\| dlab wasm \| [0-9.]+ \|/);
  assert.equal(statSync(committed).mtimeMs, before, 'BENCHMARKS.md untouched');
});

// The bench's own test (bench/run.mjs findPython): a torch that imports and has a version (an empty
// torch folder imports as a namespace package and is no PyTorch).
const hasTorch = ['/usr/bin/python3', 'python3'].some((py) => spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).status === 0);

test('every dlab row gets a ÷ PyTorch cell: a ratio, or "not comparable" with the reason in the header', { skip: hasTorch ? false : 'PyTorch is not installed here' }, () => {
  const { table, report } = runBench<{ id: string; blas?: string; comparable?: boolean; not_comparable?: string; openblas_core?: string | null }>(['--quick', '--only', 'dispatch', '--peers', 'dlab-wasm,pytorch'], 120_000);
  const torch = report.results.find((m) => m.id === 'pytorch')!;
  assert.equal(typeof torch.comparable, 'boolean');
  assert.ok(torch.blas, 'the BLAS PyTorch loaded is named');
  if (torch.blas === 'OpenBLAS') assert.match(table, new RegExp(`OpenBLAS core: ${torch.openblas_core}`));
  const row = table.split('\n').find((l) => l.startsWith('| dlab wasm |'))!;
  const lastCell = row.split('|').at(-2)!.trim();
  if (torch.comparable) assert.match(lastCell, /^\d+\.\d\dx$/);
  else {
    assert.equal(lastCell, 'not comparable');
    assert.ok(table.includes(`not comparable here: ${torch.not_comparable}`));
  }
});

test('dlab bench --profile: a training step by kernel for the MLP and LeNet', () => {
  const { table, report } = runBench<{ id: string; model: string; step_ms: number; instrumented_ms: number; kernels_ms: Record<string, number> }>(['--profile', '--quick', '--peers', 'dlab-wasm'], 180_000);
  assert.deepEqual(report.results.map((m) => `${m.id} ${m.model}`), ['dlab-wasm mlp', 'dlab-wasm lenet']);
  for (const m of report.results) {
    const kernels = Object.values(m.kernels_ms).reduce((a, b) => a + b, 0);
    assert.ok(m.kernels_ms.matmul > 0 && kernels <= m.instrumented_ms && m.step_ms > 0, JSON.stringify(m));
  }
  assert.ok(report.results[1].kernels_ms.conv2d > 0, 'LeNet runs its convolutions');
  assert.match(table, /### MNIST MLP 784-128-10\n\n\| kernel \| wasm \|/);
  assert.match(table, /\| matmul \| [0-9.]+ \(\d+%\) \|/);
  assert.match(table, /\| outside kernels \| [0-9.]+ \(\d+%\) \|/);
});

// dlab-webgpu runs where the npm package `webgpu` finds an adapter (SwiftShader here: scripts/run-tests.mjs
// gives this process, and so the bench's children, its Vulkan driver).
const hasWebgpu = existsSync(join(root, 'node_modules/webgpu/package.json'));

test('dlab-webgpu rows: matmul and MLP inference on the GPU, the adapter named, a software adapter marked', { skip: hasWebgpu ? false : 'the webgpu package is not installed' }, () => {
  const { table, report } = runBench<{ id: string; peer: string; task: { workload: string; n?: number; threads?: number; device?: string }; adapter?: string; software_adapter?: boolean; gflops?: number[]; images_per_s?: number[]; error?: string }>(['--quick', '--only', 'matmul,mlp-infer', '--peers', 'dlab-webgpu,dlab-native'], 300_000);
  const gpu = report.results.filter((m) => m.id === 'dlab-webgpu');
  const software = gpu[0]?.software_adapter;
  // A software adapter multiplies only n = 256 in --quick (about 0.1 GFLOP/s).
  assert.deepEqual(gpu.map((m) => `${m.task.workload}${m.task.n ? ` ${m.task.n}` : ''}`), software ? ['matmul 256', 'mlp-infer'] : ['matmul 256', 'matmul 512', 'mlp-infer']);
  for (const m of gpu) {
    assert.equal(m.error, undefined);
    assert.equal(m.task.threads, undefined, 'a GPU has no thread count');
    assert.ok(m.adapter && m.peer === `dlab webgpu (${m.adapter})`, m.peer);
    assert.equal(m.software_adapter, /swiftshader/i.test(m.adapter!));
    assert.ok((m.gflops ?? m.images_per_s)!.every((v) => v > 0), JSON.stringify(m));
  }
  const adapter = gpu[0].adapter!;
  assert.ok(table.includes(`dlab-webgpu ran on the WebGPU adapter ${adapter}`));
  const rows = table.split('\n').filter((l) => l.includes(`| dlab webgpu (${adapter}) |`));
  assert.equal(rows.length, gpu.length, table);
  for (const row of rows) {
    const cells = row.split('|').map((c) => c.trim());
    if (software) assert.equal(cells.at(-2), 'software adapter');
    if (row.startsWith('| 256 ') || row.startsWith('| 512 ')) assert.equal(cells[3], 'GPU');
  }
  // The CPU backend's rows are measured beside them, with no GPU figure taken for dlab's best.
  assert.ok(report.results.some((m) => m.id === 'dlab-native' && m.task.workload === 'mlp-infer' && !m.error));
});
