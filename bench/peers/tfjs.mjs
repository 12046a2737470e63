// TensorFlow.js with its WebAssembly backend (XNNPACK, SIMD; single-threaded in Node) as a peer.
// The same workloads as bench/peers/dlab.mjs, written the way a TF.js user would, with tfjs-core.

import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { dispatchTimes, loadMnist, modelWorkloads, parseTask, randomArray, runPeer, timedEpoch, timeIt } from '../common.mjs';

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
    // Read results outside tf.tidy: dataSync inside a tidy scope is many times slower.
    const pred = tf.tidy(() => tf.argMax(model.forward(tf.tensor(test.x.subarray(start * 784, (start + size) * 784), model.shape(size))), 1));
    const labels = pred.dataSync();
    pred.dispose();
    for (let i = 0; i < size; i++) correct += labels[i] === test.y[start + i] ? 1 : 0;
  }
  return correct / test.n;
}

async function train(name) {
  const model = models[name]();
  const optimizer = tf.train.sgd(0.1);
  const result = await timedEpoch(task, loadMnist('train'), (b, size, isLast) => {
    const loss = tf.tidy(() => {
      const x = tf.tensor(b.x, model.shape(size));
      const y = tf.oneHot(tf.tensor1d(b.y, 'int32'), 10);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)), true);
    });
    const value = isLast ? loss.dataSync()[0] : undefined;
    loss.dispose();
    return value;
  });
  if (result.whole) result.test_accuracy = accuracy(model, loadMnist('test'));
  return result;
}

async function infer(name) {
  const model = models[name]();
  const test = loadMnist('test');
  const x = tf.tensor(test.x.subarray(0, 1000 * 784), model.shape(1000));
  const times = await timeIt(() => {
    const out = tf.tidy(() => model.forward(x));
    out.dataSync();
    out.dispose();
  }, { reps: task.reps ?? 5 });
  return { times, images_per_s: times.map((t) => 1000 / t) };
}

async function matmul(n) {
  const a = tf.tensor(randomArray(n * n, 1), [n, n]);
  const b = tf.tensor(randomArray(n * n, 2), [n, n]);
  const reps = task.reps ?? Math.max(3, Math.min(50, Math.round(2e9 / (2 * n ** 3))));
  const times = await timeIt(() => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }, { reps, warmup: 2 });
  return { times, gflops: times.map((t) => (2 * n ** 3) / t / 1e9) };
}

async function dispatch() {
  const a = tf.randomNormal([8]);
  const b = tf.randomNormal([8]);
  return dispatchTimes(() => tf.add(a, b).dispose(), task.reps ?? 5);
}

const base = { peer: 'TF.js wasm', version: tf.version.tfjs };
// TF.js wasm has no gradient kernel for some ops (e.g. the conv filter gradient): runPeer says so.
await runPeer(task, base, { ...modelWorkloads(train, infer), matmul: () => matmul(task.n), dispatch });
