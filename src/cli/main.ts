#!/usr/bin/env node
// The CLI is the Node adapter, so it alone pulls in Node's types; the core stays platform-free.
/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerData } from './commands/data.js';
import { registerList } from './commands/list.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerSweep } from './commands/sweep.js';
import { registerWorker } from './commands/worker.js';
import { registerReport } from './commands/report.js';
import { registerUi } from './commands/ui.js';
import { registerSummary } from './commands/summary.js';
import { registerMemory } from './commands/memory.js';
import { registerGpu } from './commands/gpu.js';
import { registerFit } from './commands/fit.js';
import { registerPull } from './commands/pull.js';
import { registerGenerate } from './commands/generate.js';

// package.json sits two levels above both src/cli/main.ts and dist/cli/main.js.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('dlab')
  .description('Deep learning you can run, read and take apart.')
  .version(pkg.version);

registerList(program);
await registerRun(program);
registerRuns(program);
registerSweep(program);
registerWorker(program);
registerReport(program);
registerSummary(program);
registerMemory(program);
registerGpu(program);
registerFit(program);
registerPull(program);
registerGenerate(program);
registerData(program);
registerBench(program);
registerUi(program);

await program.parseAsync();
