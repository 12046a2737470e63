// TensorFlow.js with its WebAssembly backend (XNNPACK, SIMD; single-threaded in Node) as a peer.
// The same workloads as bench/peers/dlab.mjs, written the way a TF.js user would, with tfjs-core.

import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { batchOf, epochPlan, loadMnist, parseTask, permutation, randomArray, report, timeIt } from '../common.mjs';

const task = parseTask();
if (task.threads) setThreadsCount(task.threads);
await tf.setBackend('wasm');
await tf.ready();

// Parameters initialized as PyTorch does (uniform +-1/sqrt(fan_in)), so the training matches.
function param(shape, fanIn) {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', 1));
}

function mlp() {
  const p = { w1: param([784, 128], 784), b1: param([128], 784), w2: param([128, 10], 128), b2: param([10], 128) };
  const forward = (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, p.w1), p.b1)), p.w2), p.b2);
  return { p, forward, shape: (n) => [n, 784] };
}

function lenet() {
  const p = {
    c1: param([5, 5, 1, 6], 25), cb1: param([6], 25), c2: param([5, 5, 6, 16], 150), cb2: param([16], 150),
    f1: param([400, 120], 400), fb1: param([120], 400), f2: param([120, 84], 120), fb2: param([84], 120),
    f3: param([84, 10], 84), fb3: param([10], 84),
  };
  const forward = (x) => {
    let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, p.c1, 1, 'same'), p.cb1)), 2, 2, 'valid');
    h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, p.c2, 1, 'valid'), p.cb2)), 2, 2, 'valid');
    h = tf.reshape(h, [-1, 400]);
    h = tf.relu(tf.add(tf.matMul(h, p.f1), p.fb1));
    h = tf.relu(tf.add(tf.matMul(h, p.f2), p.fb2));
    return tf.add(tf.matMul(h, p.f3), p.fb3);
  };
  return { p, forward, shape: (n) => [n, 28, 28, 1] };
}

const models = { mlp, lenet };

function accuracy(model, test) {
  let correct = 0;
  for (let start = 0; start < test.n; start += 1000) {
    const size = Math.min(1000, test.n - start);
    correct += tf.tidy(() => {
      const x = tf.tensor(test.x.subarray(start * 784, (start + size) * 784), model.shape(size));
      const pred = tf.argMax(model.forward(x), 1).dataSync();
      let c = 0;
      for (let i = 0; i < size; i++) c += pred[i] === test.y[start + i] ? 1 : 0;
      return c;
    });
  }
  return correct / test.n;
}

async function train(name) {
  const model = models[name]();
  const optimizer = tf.train.sgd(0.1);
  const data = loadMnist('train');
  const { batchSize, steps, full, warmup } = epochPlan(task);
  const perm = permutation(data.n, 1);
  let t0 = performance.now();
  let lastLoss = NaN;
  for (let s = 0; s < steps; s++) {
    if (s === warmup && warmup > 0) t0 = performance.now();
    const b = batchOf(data, perm, s * batchSize, batchSize);
    const loss = tf.tidy(() => {
      const x = tf.tensor(b.x, model.shape(batchSize));
      const y = tf.oneHot(tf.tensor1d(b.y, 'int32'), 10);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)), true);
    });
    if (s === steps - 1) lastLoss = loss.dataSync()[0];
    loss.dispose();
  }
  const seconds = ((performance.now() - t0) / 1000) * (full / (steps - warmup));
  const result = { epoch_seconds: seconds, steps, final_loss: lastLoss };
  if (steps === full) result.test_accuracy = accuracy(model, loadMnist('test'));
  return result;
}

async function infer(name) {
  const model = models[name]();
  const test = loadMnist('test');
  const x = tf.tensor(test.x.subarray(0, 1000 * 784), model.shape(1000));
  const times = await timeIt(() => tf.tidy(() => model.forward(x).dataSync()), { reps: task.reps ?? 5 });
  return { times, images_per_s: times.map((t) => 1000 / t) };
}

async function matmul(n) {
  const a = tf.tensor(randomArray(n * n, 1), [n, n]);
  const b = tf.tensor(randomArray(n * n, 2), [n, n]);
  const reps = task.reps ?? Math.max(3, Math.min(50, Math.round(2e9 / (2 * n ** 3))));
  const times = await timeIt(() => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }, { reps, warmup: 2 });
  return { times, gflops: times.map((t) => (2 * n ** 3) / t / 1e9) };
}

const base = { peer: 'TF.js wasm', version: tf.version_core };
try {
  switch (task.workload) {
    case 'matmul': report({ ...base, ...(await matmul(task.n)) }); break;
    case 'mlp-train': report({ ...base, ...(await train('mlp')) }); break;
    case 'lenet-train': report({ ...base, ...(await train('lenet')) }); break;
    case 'mlp-infer': report({ ...base, ...(await infer('mlp')) }); break;
    case 'lenet-infer': report({ ...base, ...(await infer('lenet')) }); break;
    default: throw new Error(`unknown workload ${task.workload}`);
  }
} catch (err) {
  // TF.js wasm has no gradient kernel for some ops (e.g. the conv filter gradient): say so.
  report({ ...base, error: String(err?.message ?? err).split('\n')[0] });
}
