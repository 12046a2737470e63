// torch.scope(fn) on the native backend (src/backend/scope.ts): the CPU arrays of what fn made
// and did not return go to the result pool, and a tensor whose array went there throws on use.
// What must never go: returned tensors and their views, kept ones, parameters, buffers, optimizer
// state, a .grad made by backward, and a graph that backward can still run. Every training case
// runs with the pool poisoning what it is given (NaN), and must give the bits of unscoped steps.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { configureNativePool, nativeBackend, nativePoolHeldBytes, nativeUnavailableReason } from '../../src/backend/native/index.js';
import * as torch from '../../src/index.js';
import { nn, optim, Tensor } from '../../src/index.js';

const GIVEN_BACK = /this native tensor's memory was given back: torch\.scope\(fn\) gives back what fn made and did not return \(return it from fn, or call torch\.keep\(t\) inside fn\)/;

function assertSameBits(a: ArrayLike<number>, b: ArrayLike<number>, msg: string): void {
  assert.equal(a.length, b.length, msg);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${msg}: [${i}] ${a[i]} !== ${b[i]}`);
  }
}

const values = (t: Tensor | null): Float32Array => Float32Array.from(t!.toTypedArray() as Float32Array);

/** Run f with the pool poisoning every array it is given. */
function poisoned<T>(f: () => T): T {
  configureNativePool({ enabled: true, poison: true });
  try {
    return f();
  } finally {
    configureNativePool({ enabled: true, poison: false });
  }
}

describe('torch.scope on native', { skip: nativeBackend === null ? `addon not available: ${nativeUnavailableReason}` : false }, () => {
  const before = torch.getBackend().name;
  torch.setBackend('native');
  after(() => torch.setBackend(before));

  test('what fn made and did not return goes to the pool, and throws on any use after, saying so', () => {
    poisoned(() => {
      let dropped: Tensor | null = null;
      let view: Tensor | null = null;
      torch.scope(() => {
        dropped = torch.ones([256]).mul(2);
        view = dropped.view([16, 16]).t();
      });
      assert.ok(nativePoolHeldBytes() >= 256 * 4, `held ${nativePoolHeldBytes()}`);
      assert.throws(() => dropped!.add(1), GIVEN_BACK);
      assert.throws(() => dropped!.tolist(), GIVEN_BACK);
      assert.throws(() => dropped!.sum().item(), GIVEN_BACK);
      assert.throws(() => view!.contiguous(), GIVEN_BACK);
      // Non-float tensors are given back too (the pool keeps only float32 arrays; the error is the same).
      let idx: Tensor | null = null;
      torch.scope(() => void (idx = torch.arange(10).add(1)));
      assert.throws(() => idx!.tolist(), GIVEN_BACK);
    });
  });

  test('max-pooling\'s int64 indices go to the pool with the values (float64 arrays, pooled apart)', () => {
    configureNativePool({ enabled: true });
    const x = torch.randn([4, 3, 16, 16]).requiresGrad_();
    torch.scope(() => void nn.functional.maxPool2d(x, 2).sum().backward());
    // Values 4*3*8*8 floats and indices as many float64s, besides what backward consumed.
    assert.ok(nativePoolHeldBytes() >= 4 * 3 * 8 * 8 * (4 + 8), `held ${nativePoolHeldBytes()}`);
    configureNativePool({ enabled: true });
  });

  test('returned tensors, their views, kept ones and nested scopes keep their values', () => {
    poisoned(() => {
      let kept: Tensor | null = null;
      let innerDropped: Tensor | null = null;
      const outer = torch.scope(() => {
        const inner = torch.scope(() => {
          const a = torch.arange(64, { dtype: 'float32' }).mul(1);
          innerDropped = a.mul(3);
          kept = torch.keep(a.add(1));
          // The returned view shares a's storage: a stays whole.
          return { pair: [a.view([8, 8]).narrow(0, 2, 2), a.sum()] };
        });
        // Arrays given back by the inner scope are reused here; the returned ones must not be.
        for (let i = 0; i < 4; i++) torch.ones([64]).mul(i);
        assert.deepEqual(inner.pair[0].tolist(), [[16, 17, 18, 19, 20, 21, 22, 23], [24, 25, 26, 27, 28, 29, 30, 31]]);
        assert.equal(inner.pair[1].item(), 2016);
        return inner.pair[0].mul(10);
      });
      for (let i = 0; i < 4; i++) torch.ones([64]).mul(i);
      assert.deepEqual((outer.tolist() as number[][])[0].slice(0, 3), [160, 170, 180]);
      assert.deepEqual((kept!.tolist() as number[]).slice(0, 3), [1, 2, 3]);
      assert.throws(() => innerDropped!.tolist(), GIVEN_BACK);
    });
  });

  test('a throwing fn gives back what it made; an async fn is refused', () => {
    configureNativePool({ enabled: true });
    let made: Tensor | null = null;
    assert.throws(() =>
      torch.scope(() => {
        made = torch.ones([512]).mul(2);
        throw new Error('boom');
      }), /boom/);
    assert.throws(() => made!.tolist(), GIVEN_BACK);
    assert.ok(nativePoolHeldBytes() >= 512 * 4);
    assert.throws(() => torch.scope(async () => 1), /fn returned a Promise; a scope must be synchronous/);
  });

  test('a graph returned from the scope stays whole: backward after the scope gives the unscoped gradients', () => {
    const run = (scoped: boolean) =>
      poisoned(() => {
        torch.manualSeed(7);
        const w = torch.randn([32, 16]).requiresGrad_();
        const x = torch.randn([8, 32]);
        const forward = () => x.matmul(w).tanh().mul(x.matmul(w).sigmoid()).pow(2).mean();
        const loss = scoped ? torch.scope(forward) : forward();
        for (let i = 0; i < 4; i++) torch.randn([8, 16]).mul(2); // results that would reuse given-back arrays
        loss.backward();
        return [Float32Array.of(loss.item()), values(w.grad)];
      });
    const [plain, scoped] = [run(false), run(true)];
    scoped.forEach((a, i) => assertSameBits(a, plain[i], `array ${i}`));
  });

  test('a graph retained by backward inside the scope (retainGraph) runs again after it', () => {
    const run = (scoped: boolean) =>
      poisoned(() => {
        torch.manualSeed(8);
        const w = torch.randn([16, 16]).requiresGrad_();
        const step = () => {
          const loss = w.exp().matmul(w).relu().sum();
          loss.backward(null, { retainGraph: true });
          return loss;
        };
        const loss = scoped ? torch.scope(step) : step();
        for (let i = 0; i < 4; i++) torch.randn([16, 16]).mul(2);
        loss.backward();
        return [values(w.grad)];
      });
    assertSameBits(run(true)[0], run(false)[0], 'w.grad after two backward calls');
  });

  test('training a small CNN with BatchNorm (SGD momentum, Adam), model built inside a scope: the bits of unscoped steps', () => {
    const makers = [(ps: Tensor[]) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9 }), (ps: Tensor[]) => new optim.Adam(ps, { lr: 0.01 })];
    for (const [k, make] of makers.entries()) {
      const run = (scoped: boolean) =>
        poisoned(() => {
          torch.manualSeed(3);
          const build = () => {
            const model = new nn.Sequential(
              new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
              new nn.Flatten(), new nn.Linear(4 * 6 * 6, 32), new nn.ReLU(), new nn.Linear(32, 10),
            );
            return { model, opt: make(model.parameters()) };
          };
          // Built in a scope that returns nothing: parameters and buffers must outlive it.
          let built: ReturnType<typeof build> | null = null;
          if (scoped) torch.scope(() => void (built = build()));
          else built = build();
          const { model, opt } = built!;
          const x = torch.randn([8, 1, 12, 12]);
          const y = torch.randint(0, 10, [8]);
          const losses: number[] = [];
          const step = () => {
            opt.zeroGrad();
            const loss = nn.functional.crossEntropy(model.call(x), y);
            loss.backward();
            opt.step();
            losses.push(loss.item());
          };
          for (let s = 0; s < 5; s++) {
            if (scoped) torch.scope(step);
            else step();
          }
          const state = [...opt.state.values()].flatMap((st) => Object.values(st).filter((v): v is Tensor => v instanceof Tensor && v.dtype === 'float32'));
          return [Float32Array.from(losses), ...model.parameters().map(values), ...model.parameters().map((p) => values(p.grad)), ...model.buffers().filter((b) => b.dtype === 'float32').map(values), ...state.map(values)];
        });
      const [plain, scoped] = [run(false), run(true)];
      assert.equal(scoped.length, plain.length);
      assert.ok(plain.length > 1 + 3 * 8, `optimizer ${k}: parameters, gradients, running stats and state compared`);
      scoped.forEach((a, i) => assertSameBits(a, plain[i], `optimizer ${k}, array ${i}`));
      assert.ok(scoped.every((a) => a.every((v) => !Number.isNaN(v))), 'no poisoned array read');
    }
  });
});

describe('torch.scope on backends without a pool', () => {
  for (const name of ['js', 'wasm']) {
    test(`${name}: tensors fn made stay V8's (untouched)`, () => {
      const before = torch.getBackend().name;
      torch.setBackend(name);
      try {
        let t: Tensor | null = null;
        torch.scope(() => void (t = torch.ones([3]).mul(2)));
        assert.deepEqual(t!.tolist(), [2, 2, 2]);
      } finally {
        torch.setBackend(before);
      }
    });
  }
});
