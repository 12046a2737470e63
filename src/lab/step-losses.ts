// Each step's loss of a training loop on any device. On the CPU a step's loss is read at once
// (checked finite, naming its step), as the loops always did, without an await. On a GPU the step
// only records: its loss stays on the device (a 1-element copy that the step's scope leaves
// alone) and the steps since the last read come back together, with one await, at a logged
// point; a non-finite one still stops the run naming its own step.

import { noGrad } from '../autograd/grad_mode.js';
import { cat } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';
import { finiteLoss } from './experiment.js';

type At = { epoch: number; step: number };

export class StepLosses {
  /** GPU only: the losses recorded since the last read, and their steps. */
  private onDevice: Tensor[] = [];
  private steps: At[] = [];

  /** `check` returns a finite loss and throws at any other (default: finiteLoss's message, naming epoch and step). */
  constructor(
    readonly gpu: boolean,
    private readonly check: (value: number, at: At) => number = finiteLoss,
  ) {}

  /** Record a step's loss: on the CPU read now, checked and returned (take() will not return it); on a GPU kept there for the next take (undefined). */
  add(loss: Tensor, at: At): number | undefined {
    if (!this.gpu) return this.check(loss.item(), at);
    const kept = noGrad(() => loss.detach().reshape(1).clone());
    // Outlives the step's scope until it is read.
    kept._storage.kept = true;
    this.onDevice.push(kept);
    this.steps.push({ ...at });
    return undefined;
  }

  /** GPU steps recorded and not yet taken. */
  get pending(): number {
    return this.onDevice.length;
  }

  /** The GPU losses of the steps since the last take, in step order, with one await (none: []). Throws at the first non-finite one, naming its step. */
  async take(): Promise<number[]> {
    if (this.onDevice.length === 0) return [];
    const parts = this.onDevice;
    const steps = this.steps;
    this.onDevice = [];
    this.steps = [];
    const read = (await noGrad(() => (parts.length === 1 ? parts[0] : cat(parts))).tolistAsync()) as number[];
    for (const p of parts) p._storage.release();
    return read.map((v, i) => this.check(v, steps[i]));
  }
}
