// Loaded into every test process by scripts/run-tests.mjs (node --import): registers the webgpu
// test bridge (backend.ts) as a backend named 'webgpu', so every suite that loops over
// listBackends() also runs its cases on the WebGPU kernels. The worker and the device start with
// the first webgpu kernel call, so processes that never use it pay nothing; where no adapter can be
// acquired that call fails with what to set, and so do the suites: the GPU pass is never dropped
// in silence. At exit the process prints how many calls ran on the GPU and which fell back to js.
// The whole-experiment and model files (test/lab/sin, playground, experiments, test/models/diffusion)
// make tens of thousands of kernels, too many for a round trip each: their webgpu pass runs the
// experiment or model with device 'webgpu' on the real backend instead (test/helpers.ts passesUnderTest).

import { relative } from 'node:path';

import { registerBackend } from '../../src/backend/registry.js';
import { createWebGPUBridge } from './backend.js';

const file = process.argv[1] ? relative(process.cwd(), process.argv[1]).replaceAll('\\', '/') : '';
{
  const bridge = createWebGPUBridge();
  registerBackend(bridge.backend);
  process.on('exit', () => {
    const { gpu, fallbacks } = bridge.stats();
    // Test files only: a child process a test spawns (and reads the output of) stays quiet.
    if ((gpu > 0 || fallbacks.size > 0) && file.endsWith('.test.ts')) process.stdout.write(`# ${bridge.report()}\n`);
    bridge.close();
  });
}
