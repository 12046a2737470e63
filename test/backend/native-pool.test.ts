// The native backend's result pool (src/backend/native/pool.ts): arrays a backward pass consumed
// come back as later results. What could go wrong is an array reused while something still reads
// it, so every case runs twice, pool off and pool on with each array it is given filled with NaN,
// and must give the same bits: training steps of a small CNN, and the graphs where one gradient
// has several holders (x + x, a gradient fanned out to two inputs, views, hooks, retain_grad,
// accumulation over two backward calls, autograd.grad).

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ResultPool } from '../../src/backend/native/pool.js';
import { configureNativePool, nativeBackend, nativePoolHeldBytes, nativeUnavailableReason } from '../../src/backend/native/index.js';
import * as torch from '../../src/index.js';
import { nn, optim } from '../../src/index.js';

function assertSameBits(a: ArrayLike<number>, b: ArrayLike<number>, msg: string): void {
  assert.equal(a.length, b.length, msg);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${msg}: [${i}] ${a[i]} !== ${b[i]}`);
  }
}

/** f's arrays with the pool off, and with it on and poisoning. */
function offAndOn(f: () => Float32Array[]): [Float32Array[], Float32Array[]] {
  try {
    configureNativePool({ enabled: false, poison: false });
    const off = f();
    configureNativePool({ enabled: true, poison: true });
    return [off, f()];
  } finally {
    configureNativePool({ enabled: true, poison: false });
  }
}

const values = (t: torch.Tensor | null): Float32Array => Float32Array.from(t!.toTypedArray() as Float32Array);

describe('ResultPool', () => {
  test('hands a given array back for the same length only, once, and keeps no view or empty array', () => {
    let made = 0;
    const pool = new ResultPool((n) => (made++, new Float32Array(n)));
    const a = pool.take(100);
    pool.give(a);
    pool.give(a); // a second give of the same array is ignored
    assert.equal(pool.heldBytes, 400);
    assert.notEqual(pool.take(99), a);
    assert.equal(pool.take(100), a);
    assert.notEqual(pool.take(100), a, 'given once, taken once');
    pool.give(new Float32Array(new ArrayBuffer(800), 0, 100)); // a view of a larger buffer
    pool.give(new Float32Array(0));
    assert.equal(pool.heldBytes, 0);
    pool.enabled = false;
    pool.give(new Float32Array(8));
    assert.equal(pool.heldBytes, 0);
    assert.equal(made, 3);
  });

  test('poison fills what it is given with NaN', () => {
    const pool = new ResultPool((n) => new Float32Array(n));
    pool.poison = true;
    const a = Float32Array.of(1, 2, 3);
    pool.give(a);
    assert.ok(Array.from(pool.take(3)).every(Number.isNaN));
  });
});

describe('native result pool in backward', { skip: nativeBackend === null ? `addon not available: ${nativeUnavailableReason}` : false }, () => {
  const before = torch.getBackend().name;
  torch.setBackend('native');
  after(() => torch.setBackend(before));

  test('a backward pass gives its consumed gradients to the pool', () => {
    configureNativePool({ enabled: true });
    const w = torch.randn([64, 32]).requiresGrad_();
    const h = torch.randn([16, 64]).matmul(w).relu();
    h.sum().backward();
    assert.ok(nativePoolHeldBytes() >= 16 * 32 * 4, `held ${nativePoolHeldBytes()}`);
  });

  test('zeroGrad gives a .grad nobody read to the pool; a .grad someone read keeps its values through later steps', () => {
    configureNativePool({ enabled: true, poison: true });
    try {
      torch.manualSeed(5);
      const model = new nn.Linear(96, 40);
      const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
      const x = torch.randn([16, 96]);
      const step = () => {
        opt.zeroGrad();
        model.call(x).pow(2).mean().backward();
        opt.step();
      };
      step();
      configureNativePool({}); // empty
      opt.zeroGrad(); // step() read the gradients without marking them seen
      assert.ok(nativePoolHeldBytes() >= 96 * 40 * 4, `held ${nativePoolHeldBytes()}`);
      step();
      const seen = model.weight.grad!;
      const kept = values(seen);
      for (let i = 0; i < 3; i++) step(); // each would reuse the array of a dropped unseen .grad
      assert.deepEqual(values(seen), kept);
      // Module.zeroGrad drops an unseen one the same way.
      configureNativePool({});
      model.zeroGrad();
      assert.ok(nativePoolHeldBytes() >= 96 * 40 * 4, `held ${nativePoolHeldBytes()} after Module.zeroGrad`);
    } finally {
      configureNativePool({ enabled: true, poison: false });
    }
  });

  test('training steps of a small CNN give the same bits with the pool as without (SGD with momentum, Adam)', () => {
    for (const make of [(ps: torch.Tensor[]) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9 }), (ps: torch.Tensor[]) => new optim.Adam(ps, { lr: 0.01 })]) {
      const [off, on] = offAndOn(() => {
        torch.manualSeed(3);
        const model = new nn.Sequential(
          new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
          new nn.Flatten(), new nn.Linear(4 * 6 * 6, 32), new nn.ReLU(), new nn.Linear(32, 10),
        );
        const opt = make(model.parameters());
        const x = torch.randn([8, 1, 12, 12]);
        const y = torch.randint(0, 10, [8]);
        const losses: number[] = [];
        for (let s = 0; s < 4; s++) {
          opt.zeroGrad();
          const loss = nn.functional.crossEntropy(model.call(x), y);
          loss.backward();
          opt.step();
          losses.push(loss.item());
        }
        return [Float32Array.from(losses), ...model.parameters().map((p) => values(p)), ...model.parameters().map((p) => values(p.grad))];
      });
      on.forEach((a, i) => assertSameBits(a, off[i], `array ${i}`));
    }
  });

  test('gradients with several holders: x + x, fan-out, views, hooks, retain_grad, two backward calls, autograd.grad', () => {
    const [off, on] = offAndOn(() => {
      torch.manualSeed(4);
      const a = torch.randn([32, 16]).requiresGrad_();
      const b = torch.randn([16, 24]).requiresGrad_();
      const out: Float32Array[] = [];
      // The same gradient delivered twice to one node (x + x), and to two inputs (p * q with p = q).
      const p = a.matmul(b);
      const q = p.add(p).mul(p).relu();
      q.retainGrad();
      const seen: torch.Tensor[] = [];
      p.registerHook((g) => void seen.push(g));
      // A view chain (reshape, transpose) between the loss and the product.
      const loss = q.reshape([24, 32]).t().sum().add(q.tanh().mean());
      loss.backward(null, { retainGraph: true });
      out.push(values(a.grad), values(b.grad), values(q.grad), ...seen.map(values));
      // A second backward accumulates into the same .grad (not taken this time).
      loss.backward();
      out.push(values(a.grad), values(b.grad), values(q.grad));
      // autograd.grad returns gradients the caller then holds.
      const c = torch.randn([32, 16]).requiresGrad_();
      const [gc] = torch.autograd.grad(c.mul(c).tanh().sum(), [c]);
      const later = torch.randn([32, 16]).mul(3).add(1); // results made after: the pool would hand gc's array out now
      out.push(values(gc), values(later));
      return out;
    });
    on.forEach((a, i) => assertSameBits(a, off[i], `array ${i}`));
    assert.ok(on.every((a) => a.every((v) => !Number.isNaN(v))), 'no poisoned array read');
  });
});
