// The playground's training loop and what the page draws from it: losses, weights, and every
// neuron's output over the input plane. It is the loop that codegen.ts prints, step for step, so
// the generated program consumes the random stream in the same order and reaches the same loss.

import { manualSeed } from '../../random/generator.js';
import { randperm, tensor } from '../../ops/creation.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { Linear } from '../../nn/modules/linear.js';
import type { Sequential } from '../../nn/modules/container.js';
import type { Module } from '../../nn/module.js';
import type { Optimizer } from '../../optim/optimizer.js';
import type { LRScheduler } from '../../optim/lr_scheduler/lr_scheduler.js';
import type { Tensor } from '../../tensor/tensor.js';
import { toyTensors } from '../../datasets/toy.js';
import { activeFeatures, featureMatrix, type Feature } from './features.js';
import { buildLoss, buildModel, buildOptimizer, buildScheduler, outputSize, regularizationTerm } from './model.js';
import { cloneSettings, type Settings } from './settings.js';
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

export class PlaygroundTrainer {
  readonly settings: Settings;
  readonly data: PlaygroundData;
  readonly features: Feature[];
  readonly model: Sequential;
  /** Where each layer's Linear and activation sit in the Sequential (the last is the output). */
  readonly layers: { linear: number; activation: number }[];
  readonly lossFn: Module & { call(o: Tensor, t: Tensor): Tensor };
  optimizer: Optimizer<{ lr: number }>;
  scheduler: LRScheduler | null;
  /** Full passes over the training data so far (TF's "epoch" counter). */
  epoch = 0;
  private readonly xTrain: Tensor;
  private readonly yTrain: Tensor;
  private readonly xTest: Tensor;
  private readonly yTest: Tensor;

  constructor(settings: Settings, data: PlaygroundData) {
    this.settings = cloneSettings(settings);
    this.data = data;
    if (data.train.length === 0) throw new Error('no training points');
    this.features = activeFeatures(this.settings);
    manualSeed(this.settings.seed);
    const train = toyTensors(data.train, data.problem);
    const test = toyTensors(data.test, data.problem);
    this.xTrain = featureMatrix(this.features, train.X);
    this.xTest = data.test.length > 0 ? featureMatrix(this.features, test.X) : this.xTrain.narrow(0, 0, 0);
    // Two classes: one logit against a float target of shape [n, 1] (BCEWithLogitsLoss).
    const binary = data.problem === 'classification' && data.classes === 2;
    this.yTrain = binary ? train.y.float().unsqueeze(1) : train.y;
    this.yTest = binary ? test.y.float().unsqueeze(1) : test.y;
    const built = buildModel(this.settings, this.features.length, outputSize(data.problem, data.classes));
    this.model = built.model;
    this.layers = built.layers;
    this.lossFn = buildLoss(data.problem, data.classes);
    this.optimizer = buildOptimizer(this.settings, this.model);
    this.scheduler = buildScheduler(this.settings, this.optimizer);
  }

  /** One epoch: a shuffled pass over the training points in minibatches. */
  trainEpoch(): void {
    const s = this.settings;
    const n = this.xTrain.shape[0]!;
    this.model.train();
    const perm = randperm(n);
    for (let i = 0; i < n; i += s.batchSize) {
      const idx = perm.narrow(0, i, Math.min(s.batchSize, n - i));
      let loss = this.lossFn.call(this.model.call(this.xTrain.indexSelect(0, idx)), this.yTrain.indexSelect(0, idx));
      const reg = regularizationTerm(s, this.model);
      if (reg) loss = loss.add(reg);
      this.optimizer.zeroGrad();
      loss.backward();
      this.optimizer.step();
    }
    this.scheduler?.step();
    this.epoch++;
  }

  /** Mean loss (without the regularization term) on the training and test points. */
  losses(): { train: number; test: number } {
    this.model.eval();
    return noGrad(() => ({
      train: this.lossFn.call(this.model.call(this.xTrain), this.yTrain).item(),
      test: this.data.test.length > 0 ? this.lossFn.call(this.model.call(this.xTest), this.yTest).item() : NaN,
    }));
  }

  /** The current learning rate (after the schedule). */
  get lr(): number {
    return this.optimizer.paramGroups[0]!.lr;
  }

  /**
   * Apply settings that do not restart training (TF's live ones): learning rate (restarting the
   * schedule from it), batch size, regularization rate, momentum, schedule, discretize, test data.
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

  /** The weights and biases of every layer (the last is the output layer). */
  weights(): LayerWeights[] {
    return this.layers.map((_, i) => {
      const l = this.linear(i);
      return { weights: l.weight.tolist() as number[][], biases: l.bias!.tolist() as number[] };
    });
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

  /** Every neuron's output over the plane, in eval mode (dropout off). */
  heatmaps(density: number): Heatmaps {
    const xs: number[][] = [];
    for (let r = 0; r < density; r++) {
      const x2 = DOMAIN - ((r + 0.5) / density) * 2 * DOMAIN; // top row is x2 = +DOMAIN
      for (let c = 0; c < density; c++) xs.push([-DOMAIN + ((c + 0.5) / density) * 2 * DOMAIN, x2]);
    }
    this.model.eval();
    return noGrad(() => {
      let h = featureMatrix(this.features, tensor(xs, { dtype: 'float32' }));
      const columns = (t: Tensor): Float32Array[] => {
        const flat = Float32Array.from(t.contiguous().toTypedArray() as ArrayLike<number>);
        const [n, k] = t.shape as [number, number];
        return Array.from({ length: k }, (_, j) => {
          const col = new Float32Array(n);
          for (let i = 0; i < n; i++) col[i] = flat[i * k + j]!;
          return col;
        });
      };
      const inputs = columns(h);
      const hidden: Float32Array[][] = [];
      const children = this.model.children();
      const lastHidden = this.layers.length - 1;
      children.forEach((m, i) => {
        h = m.call(h);
        const layer = this.layers.findIndex((l, j) => j < lastHidden && l.activation === i);
        if (layer >= 0) hidden[layer] = columns(h);
      });
      const n = density * density;
      let output: Float32Array;
      let outputs: Float32Array[];
      let confidence = new Float32Array(0);
      if (this.data.problem === 'regression') outputs = columns(h);
      else if (this.data.classes === 2) outputs = columns(h.sigmoid().mul(2).sub(1));
      if (this.data.problem === 'regression' || this.data.classes === 2) output = outputs![0]!.slice();
      else {
        const probs = h.softmax(1);
        const { values, indices } = probs.max(1);
        output = Float32Array.from(indices.toTypedArray() as ArrayLike<number>);
        confidence = Float32Array.from(values.toTypedArray() as ArrayLike<number>);
        outputs = columns(probs.mul(2).sub(1));
      }
      if (output.length !== n) throw new Error('heatmap size mismatch');
      return { density, inputs, hidden, output, confidence, outputs: outputs! };
    });
  }
}
