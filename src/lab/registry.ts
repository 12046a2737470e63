// Every experiment the lab can run; adding one is one file under experiments/ plus a line here.

import type { Experiment } from './experiment.js';
import { cnn } from './experiments/cnn.js';
import { distill } from './experiments/distill.js';
import { house } from './experiments/house.js';
import { gptExperiment } from './experiments/gpt.js';
import { ddpm } from './experiments/ddpm.js';
import { linreg } from './experiments/linreg.js';
import { mnist } from './experiments/mnist.js';
import { regularization } from './experiments/regularization.js';
import { rnn } from './experiments/rnn.js';
import { schedules } from './experiments/schedules.js';
import { sin } from './experiments/sin.js';
import { softmax } from './experiments/softmax.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const experiments: Experiment<any>[] = [mnist, sin, linreg, softmax, cnn, rnn, house, schedules, regularization, distill, gptExperiment, ddpm];

export function findExperiment(name: string) {
  const found = experiments.find((e) => e.name === name);
  if (!found) throw new Error(`unknown experiment '${name}' (available: ${experiments.map((e) => e.name).join(', ')})`);
  return found;
}
