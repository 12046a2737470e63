// The network, loss, optimizer and LR schedule the settings describe, all from dlab's nn and optim.
// codegen.ts prints the same constructions as TypeScript; keep the two in step.

import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import { Identity, Linear } from '../../nn/modules/linear.js';
import { ReLU, Sigmoid, Tanh } from '../../nn/modules/activation.js';
import { Dropout } from '../../nn/modules/dropout.js';
import { BCEWithLogitsLoss, CrossEntropyLoss, MSELoss } from '../../nn/modules/loss.js';
import type { Tensor } from '../../tensor/tensor.js';
import { optimizerByName } from '../../optim/by_name.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { l1Penalty, l2Penalty } from '../../optim/clip.js';
import type { LRScheduler } from '../../optim/lr_scheduler/lr_scheduler.js';
import { StepLR } from '../../optim/lr_scheduler/step_lr.js';
import { ExponentialLR } from '../../optim/lr_scheduler/exponential_lr.js';
import { CosineAnnealingLR } from '../../optim/lr_scheduler/cosine_annealing_lr.js';
import { layerActivation, type Activation, type Settings } from './settings.js';
import type { ToyProblem } from '../../datasets/toy.js';

/** nn class name of each activation ('linear' is no activation: nn.Identity). */
export const activationClass: Record<Activation, string> = { relu: 'ReLU', tanh: 'Tanh', sigmoid: 'Sigmoid', linear: 'Identity' };

function activationModule(a: Activation): Module {
  switch (a) {
    case 'relu': return new ReLU();
    case 'tanh': return new Tanh();
    case 'sigmoid': return new Sigmoid();
    case 'linear': return new Identity();
    default: return a satisfies never;
  }
}

/** Output neurons: one logit for two classes (BCE with logits), one per class beyond, one for regression. */
export function outputSize(problem: ToyProblem, classes: number): number {
  return problem === 'classification' && classes > 2 ? classes : 1;
}

/**
 * The network: for each hidden layer Linear, activation and (if dropout > 0) Dropout; then a Linear
 * to the outputs. `layers` lists where each layer's Linear and activation sit in the Sequential.
 */
export function buildModel(s: Settings, inputs: number, outputs: number): { model: Sequential; layers: { linear: number; activation: number }[] } {
  const modules: Module[] = [];
  const layers: { linear: number; activation: number }[] = [];
  let width = inputs;
  s.networkShape.forEach((neurons, i) => {
    layers.push({ linear: modules.length, activation: modules.length + 1 });
    modules.push(new Linear(width, neurons), activationModule(layerActivation(s, i)));
    if (s.dropout > 0) modules.push(new Dropout(s.dropout));
    width = neurons;
  });
  layers.push({ linear: modules.length, activation: modules.length });
  modules.push(new Linear(width, outputs));
  return { model: new Sequential(...modules), layers };
}

export type LossFn = (output: Tensor, target: Tensor) => Tensor;

/** BCEWithLogitsLoss for two classes, CrossEntropyLoss for more, MSELoss for regression. */
export function buildLoss(problem: ToyProblem, classes: number): Module & { call(o: Tensor, t: Tensor): Tensor } {
  if (problem === 'regression') return new MSELoss();
  return classes > 2 ? new CrossEntropyLoss() : new BCEWithLogitsLoss();
}

export function buildOptimizer(s: Settings, model: Module): Optimizer<{ lr: number }> {
  return optimizerByName(s.optimizer, model.parameters(), { lr: s.learningRate, momentum: s.optimizer === 'momentum' ? s.momentum : undefined });
}

/** The LR schedule, stepped once per epoch; null for a constant rate. */
export function buildScheduler(s: Settings, optimizer: Optimizer<{ lr: number }>): LRScheduler | null {
  switch (s.lrSchedule) {
    case 'constant': return null;
    case 'step': return new StepLR(optimizer, { stepSize: s.lrStep, gamma: s.lrGamma });
    case 'exponential': return new ExponentialLR(optimizer, { gamma: s.lrGamma });
    case 'cosine': return new CosineAnnealingLR(optimizer, { TMax: s.lrStep });
    default: return s.lrSchedule satisfies never;
  }
}

/** The weights (not the biases) that L1 / L2 regularization penalises, as TF Playground does. */
export function penalisedWeights(model: Sequential): Tensor[] {
  return model.children().filter((m): m is Linear => m instanceof Linear).map((l) => l.weight);
}

/** rate * penalty(weights), or null when regularization is off. */
export function regularizationTerm(s: Settings, model: Sequential): Tensor | null {
  if (s.regularization === 'none' || s.regularizationRate === 0) return null;
  const w = penalisedWeights(model);
  return (s.regularization === 'L1' ? l1Penalty(w) : l2Penalty(w)).mul(s.regularizationRate);
}
