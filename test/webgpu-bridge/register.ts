// Loaded into every test process by scripts/run-tests.mjs (node --import): registers the webgpu
// test bridge (backend.ts) as a backend named 'webgpu', so every suite that loops over
// listBackends() also runs its cases on the WebGPU kernels. The worker and the device start with
// the first webgpu kernel call, so processes that never use it pay nothing; where no adapter can be
// acquired that call fails with what to set, and so do the suites: the GPU pass is never dropped
// in silence. At exit the process prints how many calls ran on the GPU and which fell back to js.

import { relative } from 'node:path';

import { registerBackend } from '../../src/backend/registry.js';
import { createWebGPUBridge } from './backend.js';

/**
 * Files whose webgpu pass `npm test` leaves to DLAB_TEST_WEBGPU=all, each with why: the bridge
 * makes one GPU round trip per kernel (about 2 ms of CPU and 7 ms of wall time each on SwiftShader
 * on the 2-core machine, loaded), and a whole experiment makes tens of thousands. Every other
 * suite runs on webgpu in every `npm test`; this process says so when it skips.
 */
export const WEBGPU_PASS_DEFERRED: Record<string, string> = {
};

const file = process.argv[1] ? relative(process.cwd(), process.argv[1]).replaceAll('\\', '/') : '';
const deferred = WEBGPU_PASS_DEFERRED[file];
if (deferred && process.env.DLAB_TEST_WEBGPU !== 'all') {
  process.stdout.write(`# webgpu pass of ${file} left to DLAB_TEST_WEBGPU=all: ${deferred}\n`);
} else {
  const bridge = createWebGPUBridge();
  registerBackend(bridge.backend);
  process.on('exit', () => {
    const { gpu, fallbacks } = bridge.stats();
    // Test files only: a child process a test spawns (and reads the output of) stays quiet.
    if ((gpu > 0 || fallbacks.size > 0) && file.endsWith('.test.ts')) process.stdout.write(`# ${bridge.report()}\n`);
    bridge.close();
  });
}
