// The training worker: runs dlab's PlaygroundTrainer off the main thread and posts snapshots
// (losses, weights, every neuron's heatmap) as often as training allows, so the page stays
// responsive and draws at its own frame rate.

import { makeData, PlaygroundTrainer } from '../../src/lab/playground/index.js';
import type { FromWorker, SnapshotMessage, ToWorker } from './protocol.js';

/** Grid resolution of the heatmaps (density x density points over the plane). */
const DENSITY = 50;
/** Train for about one display frame between snapshots, so heatmaps move at the display rate. */
const SLICE_MS = 16;

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

let trainer: PlaygroundTrainer | null = null;
let playing = false;
let loopScheduled = false;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function snapshot(): void {
  if (!trainer) return;
  const losses = trainer.losses();
  const heatmaps = trainer.heatmaps(DENSITY);
  const message: SnapshotMessage = {
    type: 'snapshot',
    epoch: trainer.epoch,
    trainLoss: losses.train,
    testLoss: losses.test,
    lr: trainer.lr,
    playing,
    weights: trainer.weights(),
    heatmaps,
  };
  const buffers = [heatmaps.output, heatmaps.confidence, ...heatmaps.inputs, ...heatmaps.hidden.flat(), ...heatmaps.outputs].map((a) => a.buffer);
  post(message, buffers);
}

function loop(): void {
  loopScheduled = false;
  if (!playing || !trainer) return;
  try {
    const start = performance.now();
    do trainer.trainEpoch();
    while (performance.now() - start < SLICE_MS);
    snapshot();
  } catch (e) {
    playing = false;
    post({ type: 'error', message: (e as Error).message });
    post({ type: 'state', playing });
    return;
  }
  schedule();
}

/** Continue on a fresh task, so that pause and other messages get in between slices. */
function schedule(): void {
  if (loopScheduled) return;
  loopScheduled = true;
  setTimeout(loop, 0);
}

scope.onmessage = (event) => {
  const m = event.data;
  try {
    switch (m.type) {
      case 'reset': {
        const data = makeData(m.settings, m.custom);
        trainer = new PlaygroundTrainer(m.settings, data);
        post({
          type: 'data',
          problem: data.problem,
          classes: data.classes,
          train: data.train,
          test: data.test,
          features: trainer.features.map((f) => ({ id: f.id, label: f.label })),
        });
        snapshot();
        break;
      }
      case 'live':
        trainer?.updateLive(m.settings);
        if (!playing) snapshot();
        break;
      case 'play':
        playing = true;
        post({ type: 'state', playing });
        schedule();
        break;
      case 'pause':
        playing = false;
        post({ type: 'state', playing });
        break;
      case 'step':
        playing = false;
        trainer?.trainEpoch();
        snapshot();
        break;
      case 'setWeight':
        trainer?.setWeight(m.layer, m.to, m.from, m.value);
        snapshot();
        break;
      case 'setBias':
        trainer?.setBias(m.layer, m.to, m.value);
        snapshot();
        break;
      default:
        m satisfies never;
    }
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
  }
};
