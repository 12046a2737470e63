// The numbers a hand-written training loop records per step (each step's loss, for its check and
// its sums; a full-data loss now and then, for a curve), on any device. On the CPU each value is
// read at once and handed to the loop, as `loss.item()` would. On a GPU reading is asynchronous and
// costs a round trip, so the values stay on the device, each copied into its slot of one buffer,
// and are read together when the loop awaits `read()` (at its logged points, an epoch's end, a
// checkpoint), then handed over in the order they were added: a non-finite loss checked there
// still names its own step, and nothing a plot shows is dropped.

import { noGrad } from '../autograd/grad_mode.js';
import { keep, scope } from '../backend/scope.js';
import { zeros } from '../ops/creation.js';
import { cat } from '../ops/movement.js';
import type { Device } from '../tensor/device.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Run `fn` (one step of a loop, an evaluation) on `device`: on a GPU in a scope, so that its
 * temporaries are freed when it ends rather than when V8 collects them (V8 does not see GPU
 * memory); what it returns outlives it. On the CPU it runs as it is.
 */
export function stepScope<T>(device: Device | undefined, fn: () => T): T {
  return device === undefined || device.type === 'cpu' ? fn() : scope(fn);
}

export class StepValues<M> {
  private buffer: Tensor | null = null;
  private pending: M[] = [];
  private readonly device: Device | undefined;

  /**
   * @param device where the loop computes; a GPU keeps the values there until `read()`.
   * @param take what the loop does with a value (check it, sum it, plot it), `meta` as added.
   * @param every how many values on a GPU make `due` true (the loop reads then, so memory and the
   *   delay before a non-finite loss stops the run stay bounded).
   */
  constructor(
    device: Device | undefined,
    private readonly take: (value: number, meta: M) => void,
    readonly every = 64,
  ) {
    this.device = device !== undefined && device.type !== 'cpu' ? device : undefined;
  }

  /** A one-element tensor's value for `take`: at once on the CPU, at the next `read()` on a GPU. */
  add(value: Tensor, meta: M): void {
    if (this.device === undefined) {
      this.take(value.item(), meta);
      return;
    }
    const slot = this.pending.length;
    if (this.buffer === null || slot === this.buffer.numel()) {
      // Kept: the loop may add inside a scope (training.ts), which would free a buffer made there.
      const more = zeros(Math.max(this.every, slot), { device: this.device });
      this.buffer = keep(this.buffer === null ? more : cat([this.buffer, more]));
    }
    noGrad(() => this.buffer!.narrow(0, slot, 1).copy_(value.detach().reshape(1)));
    this.pending.push(meta);
  }

  /** stepScope on this loop's device: a step, or an evaluation that adds a value. */
  run<T>(fn: () => T): T {
    return stepScope(this.device, fn);
  }

  /** Whether `every` values wait on the GPU (never on the CPU, where none wait). */
  get due(): boolean {
    return this.pending.length >= this.every;
  }

  /** Hand every waiting value to `take`, in order (one await on a GPU; nothing waits on the CPU). */
  async read(): Promise<void> {
    const metas = this.pending;
    if (metas.length === 0) return;
    this.pending = [];
    const values = (await this.buffer!.narrow(0, 0, metas.length).tolistAsync()) as number[];
    metas.forEach((meta, i) => this.take(values[i], meta));
  }
}
