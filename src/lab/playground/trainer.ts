// The playground's training loop and what the page draws from it: losses, weights, and every
// neuron's output over the input plane. It is the loop that codegen.ts prints, step for step, so
// the generated program consumes the random stream in the same order and reaches the same loss.
// On webgpu the model and the data live on the GPU and a step only records work; random draws
// (init, shuffles, dropout) still come from the CPU generator, so a seed gives the same curve on
// either device, and moveTo() switches device mid-run without a restart (same weights, optimizer
// state and step). What the page draws comes back in one read (snapshot(): one await).

import { manualSeed } from '../../random/generator.js';
import { randperm, tensor } from '../../ops/creation.js';
import { cat } from '../../ops/movement.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { keep, scope } from '../../backend/scope.js';
import { device as toDevice, type Device } from '../../tensor/device.js';
import { Linear } from '../../nn/modules/linear.js';
import type { Sequential } from '../../nn/modules/container.js';
import type { Module } from '../../nn/module.js';
import type { Optimizer } from '../../optim/optimizer.js';
import type { LRScheduler } from '../../optim/lr_scheduler/lr_scheduler.js';
import type { Tensor } from '../../tensor/tensor.js';
import { toyTensors } from '../../datasets/toy.js';
import { activeFeatures, featureMatrix, type Feature } from './features.js';
import { buildLoss, buildModel, buildOptimizer, buildScheduler, outputSize, regularizationTerm } from './model.js';
import { cloneSettings, type PlaygroundDevice, type Settings } from './settings.js';
import { moveTraining } from '../training.js';
import type { PlaygroundData } from './data.js';

/** TF Playground's input plane: both axes span [-6, 6]. */
export const DOMAIN = 6;

/** Weights of one Linear layer: weights[to][from], biases[to]. */
export interface LayerWeights {
  weights: number[][];
  biases: number[];
}

/** Every neuron's output on a density x density grid over [-DOMAIN, DOMAIN]^2, row 0 at the top. */
export interface Heatmaps {
  density: number;
  /** One Float32Array per input feature (its value over the plane). */
  inputs: Float32Array[];
  /** hidden[layer][neuron]: the neuron's activation over the plane. */
  hidden: Float32Array[][];
  /**
   * The prediction over the plane: for two classes 2 * sigmoid(logit) - 1 in [-1, 1] (TF's colour
   * scale), for regression the output, for more classes the winning class index.
   */
  output: Float32Array;
  /** For more than two classes, the probability of the winning class (else empty). */
  confidence: Float32Array;
  /** Each output neuron on the [-1, 1] scale: the output as above, or 2p - 1 for each class. */
  outputs: Float32Array[];
}

/** What the page draws after some training: losses, weights and heatmaps, read together. */
export interface Snapshot {
  losses: { train: number; test: number };
  weights: LayerWeights[];
  heatmaps: Heatmaps;
}

/**
 * Tensors to bring back to the CPU together: each is flattened (as float32) into one tensor, so a
 * GPU's values come back in one read (one await), and a CPU's are one copy.
 */
class Readout {
  private readonly parts: Tensor[] = [];

  /** Queue `t` for the read; returns the index of its values in what split() gives. */
  add(t: Tensor): number {
    this.parts.push(t.detach().reshape(-1).float());
    return this.parts.length - 1;
  }

  /** Everything queued, as one flat tensor on the device. */
  pack(): Tensor {
    return cat(this.parts);
  }

  /** The values of each queued tensor, in order, from the values of pack(). */
  split(flat: Tensor): Float32Array[] {
    const values = Float32Array.from(flat.toTypedArray() as ArrayLike<number>);
    let at = 0;
    return this.parts.map((p) => values.slice(at, (at += p.numel())));
  }

  /** Queue with `queue`, then read (CPU tensors only). */
  static readSync<S>(queue: (r: Readout) => S): { values: Float32Array[]; slots: S } {
    const r = new Readout();
    const slots = queue(r);
    return { values: r.split(r.pack()), slots };
  }

  /**
   * Queue with `queue`, then read, on any device: one await. The queued work runs in a scope,
   * so its GPU temporaries are freed as soon as it is recorded.
   */
  static async read<S>(queue: (r: Readout) => S): Promise<{ values: Float32Array[]; slots: S }> {
    const r = new Readout();
    const { slots, flat } = noGrad(() => scope(() => ({ slots: queue(r), flat: r.pack() })));
    return { values: r.split(await flat.cpuAsync()), slots };
  }
}

/** Indices into a Readout of what losses() reads. */
type LossSlots = { train: number; test: number | null };
/** Indices into a Readout of what weights() reads: [weight, bias] per layer. */
type WeightSlots = [number, number][];
/** Indices into a Readout of what heatmaps() reads. */
interface HeatmapSlots {
  n: number;
  density: number;
  /** Each index holds a [k, n] tensor: one row per column of the plane's values. */
  inputs: number;
  hidden: number[];
  outputs: number;
  /** More than two classes: the winning class and its probability per point. */
  classes: { index: number; confidence: number } | null;
}

export class PlaygroundTrainer {
  readonly settings: Settings;
  readonly data: PlaygroundData;
  readonly features: Feature[];
  readonly model: Sequential;
  /** Where the model and data live and every step computes ('webgpu' needs `await webgpu.isAvailable()` first); moveTo() changes it. */
  get device(): Device {
    return this._device;
  }
  private _device: Device;
  /** Where each layer's Linear and activation sit in the Sequential (the last is the output). */
  readonly layers: { linear: number; activation: number }[];
  readonly lossFn: Module & { call(o: Tensor, t: Tensor): Tensor };
  optimizer: Optimizer<{ lr: number }>;
  scheduler: LRScheduler | null;
  /** Full passes over the training data so far (TF's "epoch" counter). */
  epoch = 0;
  /** The data as built, on the CPU: what moveTo() copies to a device. */
  private readonly cpuData: { xTrain: Tensor; yTrain: Tensor; xTest: Tensor; yTest: Tensor };
  /** The data on the device. */
  private xTrain!: Tensor;
  private yTrain!: Tensor;
  private xTest!: Tensor;
  private yTest!: Tensor;
  /** The feature matrix of the heatmap grid, per density (built on the CPU once, kept on the device). */
  private readonly grids = new Map<number, Tensor>();

  constructor(settings: Settings, data: PlaygroundData) {
    this.settings = cloneSettings(settings);
    this.data = data;
    if (data.train.length === 0) throw new Error('no training points');
    this._device = toDevice(this.settings.device);
    this.features = activeFeatures(this.settings);
    manualSeed(this.settings.seed);
    const train = toyTensors(data.train, data.problem);
    const test = toyTensors(data.test, data.problem);
    const xTrain = featureMatrix(this.features, train.X);
    const xTest = data.test.length > 0 ? featureMatrix(this.features, test.X) : xTrain.narrow(0, 0, 0);
    // Two classes: one logit against a float target of shape [n, 1] (BCEWithLogitsLoss).
    const binary = data.problem === 'classification' && data.classes === 2;
    this.cpuData = { xTrain, xTest, yTrain: binary ? train.y.float().unsqueeze(1) : train.y, yTest: binary ? test.y.float().unsqueeze(1) : test.y };
    this.placeData();
    // Built (and initialised from the seed's stream) on the CPU, then moved: the same weights on any device.
    const built = buildModel(this.settings, this.features.length, outputSize(data.problem, data.classes));
    this.model = built.model.to(this.device);
    this.layers = built.layers;
    this.lossFn = buildLoss(data.problem, data.classes);
    this.optimizer = buildOptimizer(this.settings, this.model);
    this.scheduler = buildScheduler(this.settings, this.optimizer);
  }

  /** The data and (lazily) the heatmap grids on this.device, from their CPU copies. */
  private placeData(): void {
    const d = this.cpuData;
    this.xTrain = d.xTrain.to(this.device);
    this.yTrain = d.yTrain.to(this.device);
    this.xTest = d.xTest.to(this.device);
    this.yTest = d.yTest.to(this.device);
    this.grids.clear();
  }

  /**
   * Continue training on `device` (PyTorch's `model.to(device)` and the optimizer's state cast with
   * it): the same weights, optimizer state (momentum, Adam's averages), epoch and schedule, and the
   * data and heatmap grid moved along. Nothing is drawn from the generator, so the shuffles and
   * dropout masks that follow are the ones a run that stayed put draws. Asynchronous: off a GPU the
   * state is read back. 'webgpu' needs `await webgpu.isAvailable()` first.
   */
  async moveTo(device: PlaygroundDevice): Promise<void> {
    if (device === this.settings.device) return;
    const next = toDevice(device);
    await moveTraining(this.model, this.optimizer, next);
    this._device = next;
    this.settings.device = device;
    this.placeData();
  }

  /** One epoch: a shuffled pass over the training points in minibatches. Records work on a GPU; reads nothing. */
  trainEpoch(): void {
    const s = this.settings;
    const n = this.xTrain.shape[0]!;
    this.model.train();
    const perm = randperm(n); // on the CPU: the same shuffle on any device
    const onDevice = perm.to(this.device);
    for (let i = 0; i < n; i += s.batchSize) {
      // A scope frees each step's GPU temporaries now rather than when the collector runs (no-op on the CPU).
      scope(() => {
        const idx = onDevice.narrow(0, i, Math.min(s.batchSize, n - i));
        let loss = this.lossFn.call(this.model.call(this.xTrain.indexSelect(0, idx)), this.yTrain.indexSelect(0, idx));
        const reg = regularizationTerm(s, this.model);
        if (reg) loss = loss.add(reg);
        this.optimizer.zeroGrad();
        loss.backward();
        this.optimizer.step();
      });
    }
    this.scheduler?.step();
    this.epoch++;
  }

  private queueLosses(r: Readout): LossSlots {
    this.model.eval();
    return noGrad(() => ({
      train: r.add(this.lossFn.call(this.model.call(this.xTrain), this.yTrain)),
      test: this.data.test.length > 0 ? r.add(this.lossFn.call(this.model.call(this.xTest), this.yTest)) : null,
    }));
  }

  private static losses(v: Float32Array[], at: LossSlots): { train: number; test: number } {
    return { train: v[at.train]![0]!, test: at.test === null ? NaN : v[at.test]![0]! };
  }

  /** Mean loss (without the regularization term) on the training and test points (CPU; snapshot() on any device). */
  losses(): { train: number; test: number } {
    const { values, slots } = Readout.readSync((r) => this.queueLosses(r));
    return PlaygroundTrainer.losses(values, slots);
  }

  /** The current learning rate (after the schedule). */
  get lr(): number {
    return this.optimizer.paramGroups[0]!.lr;
  }

  /**
   * Apply settings that do not restart training (TF's live ones): learning rate (restarting the
   * schedule from it), batch size, regularization rate, momentum, schedule, discretize, test data.
   * The device does not restart training either, but moving is asynchronous: moveTo().
   */
  updateLive(next: Settings): void {
    const s = this.settings;
    const scheduleChanged = next.learningRate !== s.learningRate || next.lrSchedule !== s.lrSchedule || next.lrGamma !== s.lrGamma || next.lrStep !== s.lrStep;
    Object.assign(s, { batchSize: next.batchSize, regularizationRate: next.regularizationRate, momentum: next.momentum, showTestData: next.showTestData, discretize: next.discretize });
    for (const g of this.optimizer.paramGroups) if ('momentum' in g && s.optimizer === 'momentum') (g as unknown as { momentum: number }).momentum = s.momentum;
    if (scheduleChanged) {
      Object.assign(s, { learningRate: next.learningRate, lrSchedule: next.lrSchedule, lrGamma: next.lrGamma, lrStep: next.lrStep });
      for (const g of this.optimizer.paramGroups) {
        g.lr = s.learningRate;
        delete (g as { initialLr?: number }).initialLr;
      }
      this.scheduler = buildScheduler(s, this.optimizer);
    }
  }

  private linear(layer: number): Linear {
    return this.model.at(this.layers[layer]!.linear) as Linear;
  }

  private queueWeights(r: Readout): WeightSlots {
    return this.layers.map((_, i) => {
      const l = this.linear(i);
      return [r.add(l.weight), r.add(l.bias!)];
    });
  }

  private weightsOf(v: Float32Array[], at: WeightSlots): LayerWeights[] {
    return at.map(([w, b], i) => {
      const [rows, cols] = this.linear(i).weight.shape as [number, number];
      const values = Array.from(v[w]!);
      return { weights: Array.from({ length: rows }, (_, j) => values.slice(j * cols, (j + 1) * cols)), biases: Array.from(v[b]!) };
    });
  }

  /** The weights and biases of every layer (the last is the output layer; CPU, snapshot() on any device). */
  weights(): LayerWeights[] {
    const { values, slots } = Readout.readSync((r) => this.queueWeights(r));
    return this.weightsOf(values, slots);
  }

  /** Set one weight: layer `layer`, from neuron (or feature) `from` to neuron `to`. */
  setWeight(layer: number, to: number, from: number, value: number): void {
    const w = this.linear(layer).weight;
    noGrad(() => w.index(to, from).fill_(value));
  }

  /** Set one bias. */
  setBias(layer: number, to: number, value: number): void {
    const b = this.linear(layer).bias!;
    noGrad(() => b.index(to).fill_(value));
  }

  /** The heatmap grid's feature matrix on the device: density x density points, row 0 at the top. */
  private grid(density: number): Tensor {
    let g = this.grids.get(density);
    if (!g) {
      const xs: number[][] = [];
      for (let r = 0; r < density; r++) {
        const x2 = DOMAIN - ((r + 0.5) / density) * 2 * DOMAIN; // top row is x2 = +DOMAIN
        for (let c = 0; c < density; c++) xs.push([-DOMAIN + ((c + 0.5) / density) * 2 * DOMAIN, x2]);
      }
      // Kept: it outlives the scope of the read that first builds it.
      g = keep(featureMatrix(this.features, tensor(xs, { dtype: 'float32' })).to(this.device));
      this.grids.set(density, g);
    }
    return g;
  }

  private queueHeatmaps(r: Readout, density: number): HeatmapSlots {
    this.model.eval();
    return noGrad(() => {
      let h = this.grid(density);
      // Transposed, so that each column (one neuron over the plane) reads as one run of values.
      const inputs = r.add(h.t());
      const hidden: number[] = [];
      const children = this.model.children();
      const lastHidden = this.layers.length - 1;
      children.forEach((m, i) => {
        h = m.call(h);
        const layer = this.layers.findIndex((l, j) => j < lastHidden && l.activation === i);
        if (layer >= 0) hidden[layer] = r.add(h.t());
      });
      const slots = { n: density * density, density, inputs, hidden };
      if (this.data.problem === 'regression') return { ...slots, outputs: r.add(h.t()), classes: null };
      if (this.data.classes === 2) return { ...slots, outputs: r.add(h.sigmoid().mul(2).sub(1).t()), classes: null };
      const probs = h.softmax(1);
      const { values, indices } = probs.max(1);
      return { ...slots, outputs: r.add(probs.mul(2).sub(1).t()), classes: { index: r.add(indices), confidence: r.add(values) } };
    });
  }

  private static heatmapsOf(v: Float32Array[], at: HeatmapSlots): Heatmaps {
    const rows = (k: number): Float32Array[] => {
      const all = v[k]!;
      return Array.from({ length: all.length / at.n }, (_, j) => all.slice(j * at.n, (j + 1) * at.n));
    };
    const outputs = rows(at.outputs);
    const output = at.classes ? v[at.classes.index]! : outputs[0]!.slice();
    if (output.length !== at.n) throw new Error('heatmap size mismatch');
    return {
      density: at.density,
      inputs: rows(at.inputs),
      hidden: at.hidden.map(rows),
      output,
      confidence: at.classes ? v[at.classes.confidence]! : new Float32Array(0),
      outputs,
    };
  }

  /** Every neuron's output over the plane, in eval mode (dropout off; CPU, snapshot() on any device). */
  heatmaps(density: number): Heatmaps {
    const { values, slots } = Readout.readSync((r) => this.queueHeatmaps(r, density));
    return PlaygroundTrainer.heatmapsOf(values, slots);
  }

  /** Losses, weights and heatmaps on any device, from one read (one await). */
  async snapshot(density: number): Promise<Snapshot> {
    const { values: v, slots } = await Readout.read((r) => ({ losses: this.queueLosses(r), weights: this.queueWeights(r), heatmaps: this.queueHeatmaps(r, density) }));
    return { losses: PlaygroundTrainer.losses(v, slots.losses), weights: this.weightsOf(v, slots.weights), heatmaps: PlaygroundTrainer.heatmapsOf(v, slots.heatmaps) };
  }
}
