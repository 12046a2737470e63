// Runs test/**/*.test.ts with Node's test runner. Node 20's --test does not
// expand globs, so the file list is built here and passed explicitly.
// Usage: node scripts/run-tests.mjs [filter...]   e.g. test/random.test.ts
// A file runs if its path (relative to the package root) contains a filter.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gpuEnv } from '../bench/gpu-env.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

const toPosix = (p) => p.replaceAll('\\', '/').replace(/^\.\//, '');
const filters = process.argv.slice(2).map(toPosix);
const files = readdirSync('test', { recursive: true })
  .map((f) => toPosix(join('test', f)))
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();

if (files.length === 0) {
  console.error(`no test files match: ${filters.join(' ') || 'test/**/*.test.ts'}`);
  process.exit(1);
}

// The webgpu tests run on SwiftShader where there is no GPU: bench/gpu-env.mjs sets what Dawn needs.

/**
 * test/webgpu-bridge/register.ts adds a backend named 'webgpu' to every test process, so the suites
 * that loop over listBackends() run their cases on the WebGPU kernels too (see TESTING.md).
 * DLAB_TEST_WEBGPU=0 turns that pass off, and says so.
 */
const webgpuPass = process.env.DLAB_TEST_WEBGPU !== '0';
if (!webgpuPass) console.log('# DLAB_TEST_WEBGPU=0: the suites run without their webgpu pass');

// Node 20 runs availableParallelism() - 1 test files at once: one on a 2-core machine, where much of
// a file's time is spent waiting (CLI subprocesses, a browser, the GPU worker). One per core instead;
// DLAB_TEST_CONCURRENCY overrides.
const concurrency = Number(process.env.DLAB_TEST_CONCURRENCY ?? availableParallelism());
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`DLAB_TEST_CONCURRENCY must be a positive integer, but got '${process.env.DLAB_TEST_CONCURRENCY}'`);
  process.exit(1);
}

const { status } = spawnSync(
  process.execPath,
  ['--import', 'tsx', ...(webgpuPass ? ['--import', './test/webgpu-bridge/register.ts'] : []), '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: await gpuEnv() },
);
process.exit(status ?? 1); // null status: killed by a signal
