// The training worker: runs dlab's PlaygroundTrainer off the main thread and posts snapshots
// (losses, weights, every neuron's heatmap) as often as training allows, so the page stays
// responsive and draws at its own frame rate. On webgpu a slice of epochs only records GPU work;
// the snapshot after it is the slice's one read (one await). Messages and slices run one at a
// time, in order, so a reset or a device move never lands in the middle of a read.

import { makeData, PlaygroundTrainer, type PlaygroundDevice } from '../../src/lab/playground/index.js';
import { defaultDevice } from '../../src/lab/device.js';
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
/**
 * Epochs per slice on a GPU, where recording says nothing about how long the work takes: doubled
 * while a slice (its epochs and its read) finishes within half a frame, halved past two frames.
 */
let gpuEpochs = 1;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** Work queued in order: each message, each training slice. */
let queue: Promise<void> = Promise.resolve();
function enqueue(task: () => void | Promise<void>): void {
  queue = queue.then(task).catch((e: unknown) => {
    if (playing) {
      playing = false;
      post({ type: 'state', playing });
    }
    post({ type: 'error', message: (e as Error).message });
  });
}

// First, where to train by default: the GPU on a hardware adapter, else the CPU (src/lab/device.ts).
// Acquiring the GPU is asynchronous; every message waits for it.
enqueue(async () => {
  const d = await defaultDevice();
  const device: PlaygroundDevice = d.device === 'cpu' ? 'cpu' : 'webgpu';
  post({ type: 'device', device, adapter: d.adapter ?? null });
});

async function snapshot(): Promise<void> {
  if (!trainer) return;
  const { losses, weights, heatmaps } = await trainer.snapshot(DENSITY);
  const message: SnapshotMessage = {
    type: 'snapshot',
    epoch: trainer.epoch,
    trainLoss: losses.train,
    testLoss: losses.test,
    lr: trainer.lr,
    playing,
    weights,
    heatmaps,
  };
  const buffers = [heatmaps.output, heatmaps.confidence, ...heatmaps.inputs, ...heatmaps.hidden.flat(), ...heatmaps.outputs].map((a) => a.buffer);
  post(message, buffers);
}

async function slice(): Promise<void> {
  loopScheduled = false;
  if (!playing || !trainer) return;
  const start = performance.now();
  if (trainer.device.type === 'cpu') {
    do trainer.trainEpoch();
    while (performance.now() - start < SLICE_MS);
  } else {
    for (let i = 0; i < gpuEpochs; i++) trainer.trainEpoch();
  }
  await snapshot();
  if (trainer.device.type !== 'cpu') {
    const ms = performance.now() - start;
    if (ms < SLICE_MS / 2) gpuEpochs *= 2;
    else if (ms > 2 * SLICE_MS) gpuEpochs = Math.max(1, Math.floor(gpuEpochs / 2));
  }
  schedule();
}

/** Continue on a fresh task, so that pause and other messages get in between slices. */
function schedule(): void {
  if (loopScheduled) return;
  loopScheduled = true;
  setTimeout(() => enqueue(slice), 0);
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'reset': {
      const data = makeData(m.settings, m.custom);
      trainer = new PlaygroundTrainer(m.settings, data);
      gpuEpochs = 1;
      post({
        type: 'data',
        problem: data.problem,
        classes: data.classes,
        train: data.train,
        test: data.test,
        features: trainer.features.map((f) => ({ id: f.id, label: f.label })),
        device: String(trainer.device),
      });
      await snapshot();
      break;
    }
    case 'live':
      if (!trainer) break;
      if (m.settings.device !== trainer.settings.device) {
        // model.to(device) and the optimizer's state with it: training goes on from the same epoch.
        await trainer.moveTo(m.settings.device);
        gpuEpochs = 1;
        post({ type: 'moved', device: String(trainer.device) });
      }
      trainer.updateLive(m.settings);
      if (!playing) await snapshot();
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
      await snapshot();
      break;
    case 'setWeight':
      trainer?.setWeight(m.layer, m.to, m.from, m.value);
      await snapshot();
      break;
    case 'setBias':
      trainer?.setBias(m.layer, m.to, m.value);
      await snapshot();
      break;
    default:
      m satisfies never;
  }
}

scope.onmessage = (event) => enqueue(() => handle(event.data));
