// The code of a kernel worker, as a string so that it needs no file of its own in Node
// (worker_threads eval) or in a browser bundle (a Blob URL). It defines start(data); the
// platform adapter (platform.node.ts, platform.browser.ts) appends the call that hands it the
// data its host delivers. A worker instantiates the main thread's compiled module on the shared
// memory, marks itself ready (waking whoever awaits workersReady), then loops: wait for the
// generation word to change (spinning briefly first, since a training step issues kernels
// back to back), enter the job unless the main thread has closed it, claim and run chunks,
// leave, and wake the main thread if it was the last one inside a closed job.

import { CLOSED, CTL, JOB_PTR, SCRATCH_BASE } from './runtime.js';

export const SPIN_ITERATIONS = 20000;

export const workerSource = `
'use strict';
const CTL = ${JSON.stringify(CTL)};
const CLOSED = ${CLOSED};
const JOB_PTR = ${JOB_PTR};
const SPIN = ${SPIN_ITERATIONS};
function start(data) {
  const { module, memory, id, scratchBytes } = data;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const runJob = instance.exports.runJob;
  const scratch = ${SCRATCH_BASE} + id * scratchBytes;
  const ctl = new Int32Array(memory.buffer, 0, 64);
  let seen = Atomics.load(ctl, CTL.gen);
  Atomics.store(ctl, CTL.ready + id, 1);
  Atomics.notify(ctl, CTL.ready + id);
  for (;;) {
    let g;
    let spins = 0;
    while ((g = Atomics.load(ctl, CTL.gen)) === seen) {
      if (++spins > SPIN) {
        Atomics.wait(ctl, CTL.gen, seen);
        spins = 0;
      }
    }
    seen = g;
    let entered = false;
    for (;;) {
      const s = Atomics.load(ctl, CTL.state);
      if (s & CLOSED) break;
      if (Atomics.compareExchange(ctl, CTL.state, s, s + 1) === s) {
        entered = true;
        break;
      }
    }
    if (!entered) continue;
    // Inside, the job is the current one: run only if it laid out scratch for this id
    // (setNumThreads may have lowered the count since this worker started).
    if (id < Atomics.load(ctl, CTL.active)) {
      Atomics.add(ctl, CTL.joined, 1);
      try {
        runJob(JOB_PTR, CTL.next * 4, scratch);
      } catch (e) {
        Atomics.store(ctl, CTL.error, 1);
      }
    }
    if (Atomics.sub(ctl, CTL.state, 1) === CLOSED + 1) Atomics.notify(ctl, CTL.state);
  }
}
`;
