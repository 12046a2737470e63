// Messages between the page and its training worker. The worker owns the model (dlab); the page
// only sends settings and commands and draws what comes back.

import type { Example2D, ToyProblem } from '../../src/datasets/toy.js';
import type { Heatmaps, LayerWeights, PlaygroundDevice, Settings } from '../../src/lab/playground/index.js';

export type ToWorker =
  /** Build data and model from scratch (also for regenerate and every resetting setting). */
  | { type: 'reset'; settings: Settings; custom: Example2D[] }
  /** Settings that apply without restarting (learning rate, batch size, ..., the device: training moves there). */
  | { type: 'live'; settings: Settings }
  | { type: 'play' }
  | { type: 'pause' }
  /** One epoch, then a snapshot. */
  | { type: 'step' }
  | { type: 'setWeight'; layer: number; to: number; from: number; value: number }
  | { type: 'setBias'; layer: number; to: number; value: number };

export interface DataMessage {
  type: 'data';
  problem: ToyProblem;
  classes: number;
  train: Example2D[];
  test: Example2D[];
  /** Labels of the input features, in the network's input order. */
  features: { id: string; label: string }[];
  /** Where the trainer keeps the model and trains ('cpu', 'webgpu:0'). */
  device: string;
}

/**
 * The worker's first message: where to train when the URL names no device (webgpu on a hardware
 * adapter, else cpu), and the WebGPU adapter it found, if any ("... (software adapter)" for SwiftShader).
 */
export interface DeviceMessage {
  type: 'device';
  device: PlaygroundDevice;
  adapter: string | null;
}

export interface SnapshotMessage {
  type: 'snapshot';
  epoch: number;
  trainLoss: number;
  testLoss: number;
  lr: number;
  playing: boolean;
  weights: LayerWeights[];
  heatmaps: Heatmaps;
}

/** Training moved to another device mid-run (a live device change): same model, same epoch. */
export interface MovedMessage {
  type: 'moved';
  /** Where the trainer now keeps the model and trains ('cpu', 'webgpu:0'), as DataMessage.device. */
  device: string;
}

export type FromWorker = DeviceMessage | DataMessage | MovedMessage | SnapshotMessage | { type: 'error'; message: string } | { type: 'state'; playing: boolean };
