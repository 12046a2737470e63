// The training run of the kill-and-resume test (test/io/checkpoint.test.ts): a small MLP with
// dropout on synthetic data, SGD with momentum, StepLR, a shuffled StatefulDataLoader, and a
// checkpoint every `every` steps. Everything random comes from the default generator, so a resume
// that lost any RNG, optimizer, scheduler or loader state would end with different parameters.
//
// In-process: `train(options)`. As a child process:
//   node --import tsx test/io/train_child.ts <json options>
// prints "checkpoint <step>" after each save and, at `pauseAtStep`, "paused <step>" and then
// blocks, so the parent can SIGKILL it there (between two checkpoints); at the end it writes the
// final parameters (safetensors) to options.out and prints "done". With {"mode": "killMidWrite"} it
// stops half-way through writing a checkpoint (see killMidWrite).

import fs, { existsSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';

import * as torch from '../../src/index.js';
import { nn, optim, setBackend, type Tensor } from '../../src/index.js';
import { StatefulDataLoader } from '../../src/io/index.js';
import { loadCheckpoint, save, saveCheckpoint } from '../../src/io/node.js';

export interface TrainOptions {
  backend: string;
  /** Checkpoint file. */
  checkpoint: string;
  /** Save a checkpoint every this many steps. */
  every: number;
  epochs: number;
  /** Resume from the checkpoint if it exists. */
  resume: boolean;
  /** Restore the default generator on resume (false only to show that it matters). */
  restoreRng?: boolean;
  /** Stop (return) after this step, as if killed, in-process. */
  stopAfterStep?: number;
  /** Child only: print "paused" and block after this step. */
  pauseAtStep?: number;
  /** Child only: where to write the final parameters. */
  out?: string;
  log?: (line: string) => void;
}

export interface TrainResult {
  stateDict: Record<string, Tensor>;
  step: number;
  /** Where training started: the restored epoch and step and the loader's batches already done. */
  resumedFrom: { epoch: number; step: number; batchesDone: number } | null;
}

export function train(o: TrainOptions): TrainResult {
  const log = o.log ?? (() => {});
  setBackend(o.backend);
  torch.manualSeed(1234);
  const n = 90;
  const X = torch.randn(n, 4);
  const y = X.narrow(1, 0, 1).mul(X.narrow(1, 1, 1)).gt(0).reshape(-1).to('int64');
  const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(16, 2));
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.2, momentum: 0.9, weightDecay: 1e-3 });
  const scheduler = new optim.lrScheduler.StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
  const loader = new StatefulDataLoader(new torch.data.TensorDataset(X, y), { batchSize: 8, shuffle: true });
  const lossFn = new nn.CrossEntropyLoss();

  let epoch = 0;
  let step = 0;
  let resumedFrom: TrainResult['resumedFrom'] = null;
  if (o.resume && existsSync(o.checkpoint)) {
    const r = loadCheckpoint(o.checkpoint, { model, optimizer, scheduler, loader, rng: o.restoreRng ?? true });
    epoch = r.epoch;
    step = r.step;
    resumedFrom = { epoch, step, batchesDone: r.extra.batchesDone as number };
    log(`resumed ${epoch} ${step}`);
  }

  for (; epoch < o.epochs; epoch++) {
    model.train();
    let batchesDone = resumedFrom !== null && epoch === resumedFrom.epoch ? resumedFrom.batchesDone : 0;
    for (const [xb, yb] of loader) {
      const loss = lossFn.call(model.call(xb), yb);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      step++;
      batchesDone++;
      if (step % o.every === 0) {
        saveCheckpoint(o.checkpoint, { model, optimizer, scheduler, loader, epoch, step, extra: { batchesDone } });
        log(`checkpoint ${step}`);
      }
      if (step === o.stopAfterStep) return { stateDict: model.stateDict(), step, resumedFrom };
      if (step === o.pauseAtStep) {
        log(`paused ${step}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); // wait for SIGKILL
        throw new Error('not killed');
      }
    }
    scheduler.step();
  }
  return { stateDict: model.stateDict(), step, resumedFrom };
}

/**
 * The crash-mid-write test: save a 4 MB checkpoint (every weight 1) and print "saved 1"; then start
 * saving version 2 with fs.writeSync made to write half the bytes, print "mid-write" and wait to be
 * killed there, as a crash would stop it.
 */
export function killMidWrite(checkpoint: string): void {
  const model = new nn.Linear(1024, 1024, { bias: false });
  torch.noGrad(() => model.weight.fill_(1));
  saveCheckpoint(checkpoint, { model, rng: false, extra: { version: 1 } });
  process.stdout.write('saved 1\n');
  const realWriteSync = fs.writeSync;
  (fs as { writeSync: unknown }).writeSync = (fd: number, bytes: Uint8Array, offset: number, length: number) => {
    realWriteSync(fd, bytes, offset, Math.floor(length / 2));
    process.stdout.write('mid-write\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); // wait for SIGKILL
    throw new Error('not killed');
  };
  syncBuiltinESMExports(); // the named import in src/io/files.node.ts sees the replacement too
  torch.noGrad(() => model.weight.fill_(2));
  saveCheckpoint(checkpoint, { model, rng: false, extra: { version: 2 } });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = JSON.parse(process.argv[2]) as TrainOptions & { mode?: 'train' | 'killMidWrite' };
  if (options.mode === 'killMidWrite') killMidWrite(options.checkpoint);
  const result = train({ ...options, log: (line) => process.stdout.write(`${line}\n`) });
  if (options.out) save(result.stateDict, options.out);
  process.stdout.write(`done ${result.step}\n`);
}
