// Run by memory.test.ts in a Node started with MEASURE_FLAGS: the measured peak of a training
// step of 6 blocks of 4 Linear+Tanh pairs, plain and with each block checkpointed. One JSON line.
import { nn, Tensor } from '../../src/index.js';
import { checkpoint } from '../../src/utils/checkpoint.js';
import { defaultWorkload, measureMemory } from '../../src/utils/memory.js';

class Deep extends nn.Module {
  blocks = new nn.ModuleList(Array.from({ length: 6 }, () => new nn.Sequential(...Array.from({ length: 4 }, () => [new nn.Linear(64, 64), new nn.Tanh()]).flat())));
  head = new nn.Linear(64, 10);
  constructor(readonly useCheckpoint: boolean) {
    super();
  }
  override forward(x: Tensor): Tensor {
    for (const b of this.blocks) x = this.useCheckpoint ? checkpoint(b, x) : b.call(x);
    return this.head.call(x);
  }
}

const workload = defaultWorkload({ inputSize: [64] });
const plain = measureMemory(() => new Deep(false), { batchSize: 128, workload });
const ckpt = measureMemory(() => new Deep(true), { batchSize: 128, workload });
console.log(JSON.stringify({ plain, ckpt }));
