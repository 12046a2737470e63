// The d2l training loop (train_ch3 / train_epoch_ch3 / evaluate_accuracy) as the lab runs it:
// a progress bar with live loss, accuracy and throughput, metrics per step and per epoch in the
// run context, checkpoints through ctx.checkpoint, and a resume that continues mid-epoch with the
// same shuffle, so an interrupted run ends exactly where an uninterrupted one would.
// On a GPU (`device`) the same loop moves each batch there, runs each step in a scope (its
// temporaries freed at once), and sums the loss and the correct count on the device, reading them
// with one await per logged step; on the CPU every step is read at once, without an await, in a
// scope too (a pooled backend reuses the step's arrays).

import { noGrad } from '../autograd/grad_mode.js';
import { scope } from '../backend/scope.js';
import type { Module } from '../nn/module.js';
import { backendFor, deviceOf, type Device } from '../tensor/device.js';
import { zeros } from '../ops/creation.js';
import { cat } from '../ops/movement.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { ImagesArtifact } from './artifact.js';
import { isGpu, onCpu } from './device.js';
import { finiteLoss, type Extra, type RunContext, type Stateful, type TrainState } from './experiment.js';

export interface TrainLoopOptions {
  model: Module;
  /** The network's output for a batch (default model.call(x)). */
  forward?: (x: Tensor) => Tensor;
  /** Mean loss of a batch. */
  lossFn: { call(output: Tensor, target: Tensor): Tensor } | ((output: Tensor, target: Tensor) => Tensor);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  optimizer?: Optimizer<any>;
  /** A hand-written update (d2l's sgd); then it also zeroes the gradients. Used instead of optimizer.step. */
  update?: (batchSize: number) => void;
  /** Stepped once per epoch. */
  scheduler?: (Stateful & { step(): void }) | null;
  /** A StatefulDataLoader makes mid-epoch resume exact; any loader with a length works otherwise. */
  trainLoader: Iterable<[Tensor, Tensor]> & { length: number } & Partial<Stateful>;
  testLoader: Iterable<[Tensor, Tensor]>;
  epochs: number;
  /** Log the batch loss every N steps (default 50). */
  logEvery?: number;
  /** Prefix of the metric names and progress label (two models in one run: 'scratch_', 'concise_'). */
  prefix?: string;
  /** Save and restore checkpoints (default true). False: Ctrl-C still stops, a resume restarts. */
  resumable?: boolean;
  /**
   * Where to train (default: the CPU, where the model is). On a GPU the model moves there for the
   * loop and comes back to the CPU at its end (one read of its weights), so what follows (prediction
   * grids, saving) runs as before; the loss and accuracy are read once per logged step.
   */
  device?: Device;
}

export interface TrainLoopResult {
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  epochSeconds: number[];
  meanEpochSeconds: number;
}

interface Running extends Extra {
  lossSum: number;
  correct: number;
  seen: number;
  batch: number;
  elapsed: number;
  epochSeconds: number[];
  last: { trainLoss: number; trainAccuracy: number; testAccuracy: number };
}

/** d2l's evaluate_accuracy: the fraction of correct argmax predictions (eval mode, no grad). */
export function evaluateAccuracy(model: Module, loader: Iterable<[Tensor, Tensor]>, forward: (x: Tensor) => Tensor = (x) => model.call(x) as Tensor): number {
  return noGrad(() => {
    const wasTraining = model.training;
    model.eval();
    let correct = 0;
    let count = 0;
    for (const [x, y] of loader) {
      correct += forward(x).argmax(1).eq(y).sum().item();
      count += y.shape[0];
    }
    model.train(wasTraining);
    return correct / count;
  });
}

/**
 * In eval mode and without gradients, `perBatch`'s values (a vector of `width`) summed on `device`
 * over the loader's batches, moved there, and read once; with the number of examples.
 */
async function sumOverBatches(
  model: Module,
  loader: Iterable<[Tensor, Tensor]>,
  device: Device,
  width: number,
  perBatch: (x: Tensor, y: Tensor) => Tensor,
): Promise<{ sums: number[]; count: number }> {
  const wasTraining = model.training;
  model.eval();
  const sums = zeros(width, { device });
  let count = 0;
  try {
    noGrad(() => {
      for (const [x, y] of loader) {
        const [xd, yd] = [x.to(device), y.to(device)];
        scope(() => void sums.add_(perBatch(xd, yd)));
        count += y.shape[0];
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return { sums: (await sums.tolistAsync()) as number[], count };
}

/** evaluateAccuracy with the batches moved to `device` (where the model is), the correct count summed there and read once. */
export async function evaluateAccuracyOn(model: Module, loader: Iterable<[Tensor, Tensor]>, device: Device, forward: (x: Tensor) => Tensor = (x) => model.call(x) as Tensor): Promise<number> {
  const { sums, count } = await sumOverBatches(model, loader, device, 1, (x, y) => forward(x).argmax(1).eq(y).sum().reshape(1));
  return sums[0] / count;
}

/**
 * The running sums of a training loop on a GPU: the loss (times the batch size) and the correct
 * count since the last read, and the last step's loss, in one device tensor that each step adds to
 * in place, so that one read (one await) per logged step brings all three back.
 */
class DeviceTally {
  /** [loss sum, correct, last loss] since the last read. */
  private readonly sums: Tensor;
  private steps = 0;

  constructor(device: Device) {
    this.sums = zeros(3, { device });
  }

  /** Add a step (call inside its scope: nothing it makes outlives it). */
  add(loss: Tensor, output: Tensor, y: Tensor): void {
    noGrad(() => {
      const l = loss.detach().reshape(1);
      this.sums.narrow(0, 0, 2).add_(cat([l.mul(y.shape[0]), output.argmax(1).eq(y).sum().reshape(1).to(l.dtype)]));
      this.sums.narrow(0, 2, 1).copy_(l);
    });
    this.steps++;
  }

  /** Read the sums into `r` (one await) and restart them; the last step's loss, checked finite. undefined when no step was added. */
  async read(r: { lossSum: number; correct: number }, at: { epoch: number; step: number }): Promise<number | undefined> {
    if (this.steps === 0) return undefined;
    const [lossSum, correct, last] = (await this.sums.tolistAsync()) as number[];
    const steps = this.steps;
    this.sums.zero_();
    this.steps = 0;
    // The sum carries a NaN from any step since the last read: the message says which steps.
    finiteLoss(lossSum, steps === 1 ? at : { epoch: at.epoch, step: `${at.step - steps + 1}-${at.step}` as unknown as number });
    r.lossSum += lossSum;
    r.correct += correct;
    return last;
  }
}

/** Bring a model's parameters, buffers and gradients back to the CPU from a GPU (one read each; Module.to('cpu') cannot wait). */
export async function moduleToCpu(model: Module): Promise<void> {
  for (const p of model.parameters()) {
    if (!p.isCpu) p._replaceData(await p.detach().cpuAsync());
    if (p.grad && !p.grad.isCpu) p.grad = await p.grad.cpuAsync();
  }
  for (const b of model.buffers()) if (!b.isCpu) b._replaceData(await b.cpuAsync());
}

/**
 * Move training to `device` mid-run, as PyTorch does it: `model.to(device)` moves the parameters
 * in place (the optimizer's state stays keyed by the same tensors), then
 * `optimizer.load_state_dict(optimizer.state_dict())` casts that state (momentum buffers, exp_avg
 * ...) to each parameter's device. Off a GPU both are read back first (asynchronous). Nothing is
 * drawn from a random generator, so the run continues with the same stream.
 */
export async function moveTraining(
  model: Module,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  optimizer: Optimizer<any>,
  device: Device,
): Promise<void> {
  const target = String(deviceOf(backendFor(device))); // 'webgpu' is 'webgpu:0'
  const tensors = [...model.parameters(), ...model.buffers()];
  if (tensors.every((t) => String(t.device) === target)) return;
  if (tensors.some((t) => !t.isCpu)) {
    // Off a GPU: through the CPU, one read per tensor.
    const state = (await onCpu(optimizer.stateDict())) as OptimizerStateDict;
    await moduleToCpu(model);
    optimizer.loadStateDict(state);
  }
  if (device.type !== 'cpu') {
    model.to(device);
    optimizer.loadStateDict(optimizer.stateDict());
  }
}

/**
 * How many rows of `output` have their argmax at the label in `y`: `output.argmax(1).eq(y).sum()`.
 * For an [N, C] score matrix and N labels it reads one copy of the scores and counts in plain
 * JavaScript (the first maximum wins, a NaN beats any number, as argmax has it; a GPU tensor takes the
 * tensor ops): the three tensor
 * ops cost about 15 µs per step on the wasm backend, 1% of an MNIST MLP step, this about 1 µs.
 */
export function correctPredictions(output: Tensor, y: Tensor): number {
  const [n, c] = output.shape;
  if (!output.isCpu || !y.isCpu || output.dim() !== 2 || y.dim() !== 1 || y.shape[0] !== n || c === 0 || output.dtype === 'bool' || y.dtype === 'bool') {
    return noGrad(() => output.argmax(1).eq(y).sum().item());
  }
  // Contiguous tensors are read in place: a copy allocates, and an allocation in a training loop
  // may be the one that starts a garbage collection, which then counts here.
  const scores = output.isContiguous() ? (output._view().data as TypedArray) : output.toTypedArray();
  const first = output.isContiguous() ? output.storageOffset() : 0;
  const labels = y.isContiguous() ? (y._view().data as TypedArray) : y.toTypedArray();
  const firstLabel = y.isContiguous() ? y.storageOffset() : 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = first + i * c;
    let best = 0;
    let top = scores[row];
    for (let j = 1; j < c && top === top; j++) {
      const v = scores[row + j];
      if (v > top || v !== v) {
        top = v;
        best = j;
      }
    }
    if (best === labels[firstLabel + i]) correct++;
  }
  return correct;
}

/** The mean loss and the accuracy of a classifier over a loader (eval mode, no grad). */
export function evaluateClassifier(model: Module, loader: Iterable<[Tensor, Tensor]>, lossFn: (output: Tensor, target: Tensor) => Tensor): { loss: number; accuracy: number } {
  return noGrad(() => {
    const wasTraining = model.training;
    model.eval();
    let loss = 0;
    let correct = 0;
    let count = 0;
    for (const [x, y] of loader) {
      const output = model.call(x) as Tensor;
      loss += lossFn(output, y).item() * y.shape[0];
      correct += output.argmax(1).eq(y).sum().item();
      count += y.shape[0];
    }
    model.train(wasTraining);
    return { loss: loss / count, accuracy: correct / count };
  });
}

/** evaluateClassifier on `device` (where the model is): the batches moved there, the loss and the correct count summed there and read once. */
export async function evaluateClassifierOn(
  model: Module,
  loader: Iterable<[Tensor, Tensor]>,
  lossFn: (output: Tensor, target: Tensor) => Tensor,
  device: Device,
): Promise<{ loss: number; accuracy: number }> {
  const { sums, count } = await sumOverBatches(model, loader, device, 2, (x, y) => {
    const output = model.call(x) as Tensor;
    const loss = lossFn(output, y).reshape(1);
    return cat([loss.mul(y.shape[0]), output.argmax(1).eq(y).sum().reshape(1).to(loss.dtype)]);
  });
  const [loss, correct] = sums;
  return { loss: loss / count, accuracy: correct / count };
}

export async function trainEpochs(ctx: RunContext, o: TrainLoopOptions): Promise<TrainLoopResult> {
  const { model, optimizer, scheduler = null, trainLoader, testLoader, epochs, logEvery = 50, prefix = '', resumable = true, device } = o;
  const forward = o.forward ?? ((x: Tensor) => model.call(x) as Tensor);
  const lossOf = typeof o.lossFn === 'function' ? o.lossFn : (a: Tensor, b: Tensor) => (o.lossFn as { call(a: Tensor, b: Tensor): Tensor }).call(a, b);
  const loader = typeof trainLoader.stateDict === 'function' ? (trainLoader as unknown as Stateful) : undefined;
  const state: TrainState = resumable ? { model, optimizer, scheduler, loader } : {};
  const label = prefix ? `${prefix.replace(/_$/, '')} ` : '';
  const fresh = (): Running => ({ lossSum: 0, correct: 0, seen: 0, batch: 0, elapsed: 0, epochSeconds: [], last: { trainLoss: NaN, trainAccuracy: NaN, testAccuracy: NaN } });
  // Moved before the resume: a checkpoint loads onto the module's device.
  const gpu = isGpu(device);
  if (gpu) model.to(device);
  const tally = gpu ? new DeviceTally(device) : undefined;

  // One optimizer step: returns the batch's mean loss, its output left in `output`.
  let output!: Tensor;
  const trainStep = (x: Tensor, y: Tensor): Tensor => {
    output = forward(x);
    const loss = lossOf(output, y);
    if (o.update) {
      loss.backward();
      o.update(y.shape[0]);
    } else {
      if (!optimizer) throw new Error('trainEpochs needs an optimizer or an update function');
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    }
    return loss;
  };

  const resumed = resumable ? ctx.resume(state) : undefined;
  let r: Running = resumed ? (resumed.extra as Running) : fresh();
  let step = resumed?.step ?? 0;
  const firstEpoch = resumed?.epoch ?? 1;
  // What the bar shows: on a GPU, as of the last read.
  let shownLoss = NaN;
  let shownAcc = NaN;
  model.train();
  for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
    if (!(resumed && epoch === firstEpoch)) r = { ...r, lossSum: 0, correct: 0, seen: 0, batch: 0, elapsed: 0 };
    const bar = ctx.progress(trainLoader.length, `${label}epoch ${epoch}/${epochs}`);
    const started = performance.now() - r.elapsed * 1000;
    const elapsed = () => (performance.now() - started) / 1000;
    // What a checkpoint keeps besides the model (called only when one is written).
    const extra = tally ? async () => (await tally.read(r, { epoch, step }), { ...r, elapsed: elapsed() }) : () => ({ ...r, elapsed: elapsed() });
    for (const [x, y] of trainLoader) {
      const n = y.shape[0];
      let value: number | undefined;
      if (tally) {
        const [xd, yd] = [x.to(device!), y.to(device!)];
        scope(() => tally.add(trainStep(xd, yd), output, yd));
      } else {
        // Synchronous: read inside the scope, which then gives the step's arrays to a pooled
        // backend (native) for the next step's results instead of leaving them to V8's collector.
        value = scope(() => {
          const v = finiteLoss(trainStep(x, y), { epoch, step: step + 1 });
          r.correct += correctPredictions(output, y);
          return v;
        });
        r.lossSum += value * n;
      }
      r.seen += n;
      r.batch++;
      step++;
      const logged = step % logEvery === 0;
      // On a GPU, the one await of a logged step (and of an epoch's last).
      if (tally && (logged || r.batch === trainLoader.length)) value = await tally.read(r, { epoch, step });
      if (logged) ctx.log({ [`${prefix}loss`]: value! }, { step });
      if (value !== undefined) {
        shownLoss = r.lossSum / r.seen;
        shownAcc = r.correct / r.seen;
      }
      bar.update(r.batch, { loss: shownLoss, acc: shownAcc, 'img/s': r.seen / Math.max(elapsed(), 1e-9) });
      await ctx.checkpoint(state, { epoch, step, extra });
    }
    if (tally) await tally.read(r, { epoch, step });
    bar.finish();
    const seconds = elapsed();
    r.epochSeconds = [...r.epochSeconds, seconds];
    const lr = optimizer?.paramGroups[0].lr as number | undefined;
    scheduler?.step();
    const trainLoss = r.lossSum / r.seen;
    const trainAccuracy = r.correct / r.seen;
    const testAccuracy = gpu ? await evaluateAccuracyOn(model, testLoader, device, forward) : evaluateAccuracy(model, testLoader, forward);
    r.last = { trainLoss, trainAccuracy, testAccuracy };
    const logged: Record<string, number> = {
      [`${prefix}train_loss`]: trainLoss,
      [`${prefix}train_acc`]: trainAccuracy,
      [`${prefix}test_acc`]: testAccuracy,
      [`${prefix}epoch_seconds`]: seconds,
      [`${prefix}images_per_second`]: r.seen / seconds,
    };
    if (lr !== undefined) logged[`${prefix}lr`] = lr;
    ctx.log(logged, { epoch });
    ctx.print(`${label}epoch ${epoch}: train loss ${trainLoss.toFixed(4)}, train acc ${trainAccuracy.toFixed(4)}, test acc ${testAccuracy.toFixed(4)}, ${seconds.toFixed(1)} s`);
  }
  if (gpu) await moduleToCpu(model);
  const mean = r.epochSeconds.reduce((a, b) => a + b, 0) / Math.max(r.epochSeconds.length, 1);
  return { ...r.last, epochSeconds: r.epochSeconds, meanEpochSeconds: mean };
}

/**
 * A dataset of [image tensor, label] whose raw pixels are `data`: N x H x W bytes with their shape,
 * like MNIST, or N x H x W x 3 bytes (HWC) beside a `shape` (N, H, W, 3), like CIFAR10.
 */
type ImageDataset = {
  getItem(index: number): [unknown, number];
  readonly length: number;
} & ({ readonly data: { data: ArrayLike<number>; shape: readonly number[] } } | { readonly data: Uint8Array; readonly shape: readonly number[] });

/** Image i's pixels as one grey value each: colour images by ITU-R 601-2 luma, as PIL's convert('L'). */
function greyPixels(dataset: ImageDataset): { h: number; w: number; pixels: (i: number) => number[] } {
  if (!(dataset.data instanceof Uint8Array)) {
    const { data, shape } = dataset.data;
    const [, h, w] = shape;
    return { h, w, pixels: (i) => Array.from({ length: h * w }, (_, k) => data[i * h * w + k]) };
  }
  const data = dataset.data;
  const [, h, w] = (dataset as { shape: readonly number[] }).shape;
  // PIL's L24 in fixed point: (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16.
  const grey = (o: number) => (data[o] * 19595 + data[o + 1] * 38470 + data[o + 2] * 7471 + 0x8000) >> 16;
  return { h, w, pixels: (i) => Array.from({ length: h * w }, (_, k) => grey((i * h * w + k) * 3)) };
}

/** d2l's predict_ch3: the first `count` test images with "predicted (true)" captions. */
export function predictionGrid(
  model: Module,
  dataset: ImageDataset,
  options: { count?: number; classes: readonly string[]; forward?: (x: Tensor) => Tensor; range?: [number, number]; title?: string },
): ImagesArtifact {
  const count = Math.min(options.count ?? 24, dataset.length);
  const { h, w, pixels } = greyPixels(dataset);
  const forward = options.forward ?? ((x: Tensor) => model.call(x) as Tensor);
  const images: number[][] = [];
  const captions: string[] = [];
  const wrong: boolean[] = [];
  noGrad(() => {
    const wasTraining = model.training;
    model.eval();
    for (let i = 0; i < count; i++) {
      const [x, label] = dataset.getItem(i) as [Tensor, number];
      const pred = forward(x.unsqueeze(0)).argmax(1).item();
      images.push(pixels(i));
      captions.push(pred === label ? options.classes[pred] : `${options.classes[pred]} (${options.classes[label]})`);
      wrong.push(pred !== label);
    }
    model.train(wasTraining);
  });
  const errors = wrong.filter(Boolean).length;
  return {
    kind: 'images',
    title: options.title ?? `Predictions on the first ${count} test images (${errors} wrong, true label in brackets)`,
    height: h,
    width: w,
    images,
    captions,
    wrong,
    range: options.range ?? [0, 255],
  };
}
