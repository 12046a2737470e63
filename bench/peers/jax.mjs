// jax-js (wasm device) as a peer: the same workloads written the JAX way — a pure loss function
// of a parameter tree, grad, and a jit-compiled SGD step. jax-js counts references: every
// argument is consumed, so values used twice are passed as `.ref`.

import { grad, init, jit, lax, nn, numpy as np, tree, defaultDevice } from '@jax-js/jax';
import { dispatchTimes, loadMnist, modelWorkloads, packageVersion, parseTask, randomArray, runPeer, timedEpoch, timeIt } from '../common.mjs';

const task = parseTask();
await init('wasm');
defaultDevice('wasm');

let seed = 7;
function param(shape, fanIn) {
  const size = shape.reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const values = randomArray(size, seed++).map((v) => 2 * bound * v);
  return np.array(values).reshape(shape);
}

const mlp = {
  init: () => ({ w1: param([784, 128], 784), b1: param([128], 784), w2: param([128, 10], 128), b2: param([10], 128) }),
  forward: (p, x) => np.matmul(nn.relu(np.matmul(x, p.w1).add(p.b1)), p.w2).add(p.b2),
  shape: (n) => [n, 784],
};

const maxPool2 = (h) => lax.reduceWindow(h, (w) => np.max(w), [2, 2], [2, 2]);
const lenet = {
  init: () => ({
    c1: param([6, 1, 5, 5], 25), cb1: param([1, 6, 1, 1], 25), c2: param([16, 6, 5, 5], 150), cb2: param([1, 16, 1, 1], 150),
    f1: param([400, 120], 400), fb1: param([120], 400), f2: param([120, 84], 120), fb2: param([84], 120), f3: param([84, 10], 84), fb3: param([10], 84),
  }),
  forward: (p, x) => {
    let h = maxPool2(nn.relu(lax.conv(x, p.c1, [1, 1], [[2, 2], [2, 2]]).add(p.cb1)));
    h = maxPool2(nn.relu(lax.conv(h, p.c2, [1, 1], 'VALID').add(p.cb2)));
    h = h.reshape([-1, 400]);
    h = nn.relu(np.matmul(h, p.f1).add(p.fb1));
    h = nn.relu(np.matmul(h, p.f2).add(p.fb2));
    return np.matmul(h, p.f3).add(p.fb3);
  },
  shape: (n) => [n, 1, 28, 28],
};
const models = { mlp, lenet };

async function accuracy(model, p, test) {
  let correct = 0;
  for (let start = 0; start < test.n; start += 1000) {
    const size = Math.min(1000, test.n - start);
    const x = np.array(test.x.subarray(start * 784, (start + size) * 784)).reshape(model.shape(size));
    const pred = await np.argmax(model.forward(tree.ref(p), x), 1).data();
    for (let i = 0; i < size; i++) correct += pred[i] === test.y[start + i] ? 1 : 0;
  }
  return correct / test.n;
}

async function train(name) {
  const model = models[name];
  const loss = (p, x, y) => nn.logSoftmax(model.forward(p, x), -1).mul(y).sum().mul(-1 / 64);
  const step = jit((p, x, y) => {
    const g = grad(loss)(tree.ref(p), x, y);
    return tree.map((w, dw) => w.sub(dw.mul(0.1)), p, g);
  });
  let p = model.init();
  const result = await timedEpoch(task, loadMnist('train'), async (b, size) => {
    const x = np.array(b.x).reshape(model.shape(size));
    const y = nn.oneHot(np.array(b.y, { dtype: np.int32 }), 10);
    p = step(p, x, y);
    // Wait for the step, as a training loop that reads its loss would (and as dlab always does).
    await tree.leaves(tree.ref(p))[0].data();
  });
  if (result.whole) result.test_accuracy = await accuracy(model, p, loadMnist('test'));
  return result;
}

async function infer(name) {
  const model = models[name];
  const p = model.init();
  const forward = jit((p, x) => model.forward(p, x));
  const test = loadMnist('test');
  const x = np.array(test.x.subarray(0, 1000 * 784)).reshape(model.shape(1000));
  const times = await timeIt(async () => { await forward(tree.ref(p), x.ref).data(); }, { reps: task.reps ?? 5 });
  return { times, images_per_s: times.map((t) => 1000 / t) };
}

async function matmul(n) {
  const a = np.array(randomArray(n * n, 1)).reshape([n, n]);
  const b = np.array(randomArray(n * n, 2)).reshape([n, n]);
  const reps = task.reps ?? Math.max(3, Math.min(50, Math.round(2e9 / (2 * n ** 3))));
  const times = await timeIt(async () => { await np.matmul(a.ref, b.ref).data(); }, { reps, warmup: 2 });
  return { times, gflops: times.map((t) => (2 * n ** 3) / t / 1e9) };
}

// jax-js dispatches asynchronously: an op queues work, so this is its issue cost; the result is
// released at once (jax-js arrays are reference-counted).
async function dispatch() {
  const a = np.array(randomArray(8, 1));
  const b = np.array(randomArray(8, 2));
  const result = await dispatchTimes(() => np.add(a.ref, b.ref).dispose(), task.reps ?? 5);
  await a.ref.data();
  return result;
}

const version = packageVersion('@jax-js/jax');
const base = { peer: 'jax-js wasm', version };
await runPeer(task, base, { ...modelWorkloads(train, infer), matmul: () => matmul(task.n), dispatch });
