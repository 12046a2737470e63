// Early release of GPU memory (research note webgpu.md §6.2): backward frees the gradients it
// consumed, optimizer steps free their temporaries, torch.webgpu.scope(fn) frees what fn made
// and did not return. Measured synchronously after each call, so the FinalizationRegistry net
// (whose callbacks run as later tasks) cannot be what frees the memory here.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as torch from '../../src/index.js';
import { nn, optim, Tensor } from '../../src/index.js';

before(async () => {
  assert.ok(await torch.webgpu.isAvailable(), 'no WebGPU adapter: run through scripts/run-tests.mjs');
});
after(() => torch.webgpu.dispose());

const KiB = 1024;

async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10)); // FinalizationRegistry callbacks run as tasks
  }
}

describe('backward frees what it consumed', () => {
  test('a 12-op chain leaves only the leaf gradient allocated; the graph cannot be walked again', async () => {
    const w = torch.randn([64, 64]).to('webgpu').requiresGrad_();
    let h: Tensor = w;
    for (let i = 0; i < 12; i++) h = h.mul(1.1).tanh();
    const loss = h.sum();
    const before = torch.webgpu.memoryAllocated();
    loss.backward();
    const grown = torch.webgpu.memoryAllocated() - before;
    // 64*64 float32 = 16 KiB: w.grad; each consumed 16 KiB gradient of the chain was freed.
    assert.equal(grown, 16 * KiB, `only w.grad stays (grew ${grown} bytes)`);
    assert.throws(() => loss.backward(), /Trying to backward through the graph a second time/);
    assert.ok(Number.isFinite((await w.grad!.cpuAsync()).sum().item()));
  });

  test('gradients summed in the buffer and a gradient a leaf copied (not took) are freed too', async () => {
    torch.manualSeed(2);
    // h's gradient arrives twice: the two parts are freed once summed, the sum once h's rule ran.
    const w = torch.randn([64, 64]).to('webgpu').requiresGrad_();
    const h = w.mul(1.1);
    const loss = h.tanh().add(h.sigmoid()).sum();
    let before = torch.webgpu.memoryAllocated();
    loss.backward();
    assert.equal(torch.webgpu.memoryAllocated() - before, 16 * KiB, 'only w.grad stays');
    // cat's rule hands each input a view of one gradient: each leaf copies its view, and the
    // gradient under them is freed after the last.
    const a = torch.randn([32, 64]).to('webgpu').requiresGrad_();
    const b = torch.randn([32, 64]).to('webgpu').requiresGrad_();
    const catLoss = torch.cat([a, b]).mul(1.5).sum();
    before = torch.webgpu.memoryAllocated();
    catLoss.backward();
    assert.equal(torch.webgpu.memoryAllocated() - before, 16 * KiB, 'a.grad and b.grad (8 KiB each) stay');
    assert.deepEqual((await a.grad!.cpuAsync()).toTypedArray().slice(0, 2), new Float32Array([1.5, 1.5]));
  });

  test('autograd.grad with createGraph frees nothing its graph saved: the second derivative reads it', async () => {
    torch.manualSeed(4);
    const x = torch.randn([8]);
    const xg = x.to('webgpu').requiresGrad_();
    const [g] = torch.autograd.grad(xg.tanh().mul(xg).sum(), xg, { createGraph: true });
    const [gg] = torch.autograd.grad(g!.sum(), xg);
    const xc = x.clone().requiresGrad_();
    const [gc] = torch.autograd.grad(xc.tanh().mul(xc).sum(), xc, { createGraph: true });
    const [ggc] = torch.autograd.grad(gc!.sum(), xc);
    for (const [got, want] of [[g!, gc!], [gg!, ggc!]]) {
      const a = (await got.cpuAsync()).toTypedArray();
      want.toTypedArray().forEach((v, i) => assert.ok(Math.abs(a[i] - v) <= 1e-5 * (1 + Math.abs(v)), `[${i}] ${a[i]} vs ${v}`));
    }
  });

  test('retainGraph keeps the graph usable, and gradients a hook kept stay readable', async () => {
    torch.manualSeed(1);
    const x = torch.randn([5]);
    const w = x.to('webgpu').requiresGrad_();
    const seen: Tensor[] = [];
    const mid = w.mul(3).exp();
    mid.registerHook((g) => {
      seen.push(g);
    });
    const loss = mid.mul(2).sum();
    loss.backward(null, { retainGraph: true });
    loss.backward();
    const ref = x.clone().requiresGrad_();
    const refLoss = ref.mul(3).exp().mul(2).sum();
    refLoss.backward(null, { retainGraph: true });
    refLoss.backward();
    const got = Array.from((await w.grad!.cpuAsync()).toTypedArray());
    Array.from(ref.grad!.toTypedArray()).forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 * Math.abs(v), `grad[${i}] ${got[i]} vs ${v}`));
    assert.equal(seen.length, 2);
    for (const g of seen) assert.deepEqual(await g.tolistAsync(), [2, 2, 2, 2, 2]);
  });
});

describe('torch.webgpu.scope', () => {
  test('frees what fn did not return; a returned tensor joins the outer scope; keep exempts one', async () => {
    const base = torch.webgpu.memoryAllocated();
    let dropped: Tensor | null = null;
    let kept: Tensor | null = null;
    const outer = torch.webgpu.scope(() => {
      const inner = torch.webgpu.scope(() => {
        const a = torch.ones([1024], { device: 'webgpu' });
        dropped = a.mul(2);
        kept = torch.webgpu.keep(a.add(1));
        return { result: [a.add(dropped)] };
      });
      assert.equal(torch.webgpu.memoryAllocated() - base, 2 * 4 * KiB, 'the returned tensor and the kept one');
      return inner.result[0].mul(10);
    });
    assert.equal(torch.webgpu.memoryAllocated() - base, 2 * 4 * KiB, 'outer result and the kept one: inner result freed by the outer scope');
    assert.deepEqual((await outer.cpuAsync()).toTypedArray().slice(0, 2), new Float32Array([30, 30]));
    assert.deepEqual((await kept!.cpuAsync()).toTypedArray().slice(0, 2), new Float32Array([2, 2]));
    assert.throws(() => dropped!.add(1), /this webgpu tensor's memory was freed: torch\.webgpu\.scope\(fn\) frees what fn made and did not return/);
    await assert.rejects(dropped!.cpuAsync(), /memory was freed/);
  });

  test('a throwing fn still frees what it made; an async fn is refused', () => {
    const base = torch.webgpu.memoryAllocated();
    assert.throws(() =>
      torch.webgpu.scope(() => {
        torch.ones([4096], { device: 'webgpu' }).mul(2);
        throw new Error('boom');
      }), /boom/);
    assert.equal(torch.webgpu.memoryAllocated(), base);
    assert.throws(() => torch.webgpu.scope(async () => 1), /fn returned a Promise; a scope must be synchronous/);
  });

  test('CPU tensors of a backend without a pool (wasm) are untouched by a scope (native: test/backend/native-scope)', () => {
    const before = torch.getBackend().name;
    torch.setBackend('wasm');
    try {
      let t: Tensor | null = null;
      torch.webgpu.scope(() => {
        t = torch.ones([3]).mul(2);
      });
      assert.deepEqual(t!.tolist(), [2, 2, 2]);
    } finally {
      torch.setBackend(before);
    }
  });

  test('a .grad made inside a scope outlives it: copied from a view, then accumulated into', async () => {
    const a = torch.tensor([1, 2], { dtype: 'float32' }).to('webgpu').requiresGrad_();
    const b = torch.tensor([3], { dtype: 'float32' }).to('webgpu').requiresGrad_();
    // cat's rule hands a a view of its gradient: a.grad is a copy, made inside the scope.
    torch.webgpu.scope(() => torch.cat([a, b]).mul(2).sum().backward());
    assert.deepEqual(await a.grad!.tolistAsync(), [2, 2]);
    torch.webgpu.scope(() => torch.cat([a, b]).sum().backward());
    assert.deepEqual(await a.grad!.tolistAsync(), [3, 3]);
    assert.deepEqual(await b.grad!.tolistAsync(), [3]);
    // mul's rule makes c's gradient whole: c takes it (no copy) inside the scope, and keeps it.
    const c = torch.tensor([1, 2], { dtype: 'float32' }).to('webgpu').requiresGrad_();
    torch.webgpu.scope(() => c.mul(c).sum().backward());
    assert.deepEqual(await c.grad!.tolistAsync(), [2, 4]);
  });

  test('a returned loss keeps its graph: backward after the scope works', async () => {
    const w = torch.randn([64]).to('webgpu').requiresGrad_();
    const loss = torch.webgpu.scope(() => w.mul(2).tanh().mul(w.exp()).sum());
    loss.backward();
    assert.ok(Number.isFinite((await w.grad!.cpuAsync()).sum().item()));
  });
});

describe('training steps', () => {
  const setup = () => {
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 10));
    const x = torch.randn([16, 32]);
    const y = torch.randint(0, 10, [16]);
    return { model, x, y };
  };

  test('an optimizer step frees its temporaries: after the first step, steps do not grow memory', async () => {
    const { model, x, y } = setup();
    model.to('webgpu');
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const [xd, yd] = [x.to('webgpu'), y.to('webgpu')];
    nn.functional.crossEntropy(model.forward(xd), yd).backward();
    opt.step(); // creates exp_avg, exp_avg_sq
    const before = torch.webgpu.memoryAllocated();
    opt.step();
    assert.equal(torch.webgpu.memoryAllocated(), before, 'Adam step with the state in place allocates nothing that stays');
  });

  test('a loop of scoped steps trains as unscoped and its peak does not grow with the number of steps', async () => {
    const run = async (scoped: boolean, steps: number) => {
      const { model, x, y } = setup();
      model.to('webgpu');
      const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      const [xd, yd] = [x.to('webgpu'), y.to('webgpu')];
      const step = () => {
        opt.zeroGrad();
        const loss = nn.functional.crossEntropy(model.forward(xd), yd);
        loss.backward();
        opt.step();
        return loss;
      };
      const losses: number[] = [];
      await collectGarbage(); // earlier runs' tensors, so that none is collected during this one
      await torch.webgpu.synchronize();
      torch.webgpu.resetPeakMemoryStats();
      const base = torch.webgpu.memoryAllocated();
      const held: Tensor[] = []; // held, so that the collector cannot free them during the awaits
      for (let i = 0; i < steps; i++) {
        held.push(scoped ? torch.webgpu.scope(step) : step());
        losses.push(await held[i].itemAsync());
      }
      return { losses, peak: torch.webgpu.maxMemoryAllocated() - base, held };
    };
    const plain = await run(false, 8);
    const one = await run(true, 1);
    const eight = await run(true, 8);
    assert.deepEqual(eight.losses, plain.losses);
    // After step 1 (momentum buffers made), each step's peak is the same: nothing accumulates.
    const two = await run(true, 2);
    // The returned losses (16-byte buckets) are held; nothing else may accumulate.
    assert.equal(eight.peak - two.peak, 6 * 16, `peak over 8 scoped steps ${eight.peak} vs 2 steps ${two.peak}`);
    assert.ok(one.peak <= two.peak);
  });
});
