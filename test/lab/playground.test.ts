// The playground's engine side: the toy data sets (TF Playground's formulas), the URL hash, feature
// expressions, CSV parsing and the trainer the page's worker runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setBackend, webgpu } from '../../src/index.js';
import {
  classifyCircleData, classifySpiralData, classifyTwoGaussData, classifyXORData, regressGaussian, regressPlane, regressSine,
  splitTrainTest, toyData, toyNames, toySets,
} from '../../src/datasets/toy.js';
import { Generator } from '../../src/random/generator.js';
import { rand, tensor } from '../../src/ops/creation.js';
import { noGrad } from '../../src/autograd/grad_mode.js';
import { Tensor } from '../../src/tensor/tensor.js';
import {
  CsvError, defaultSettings, evaluate, ExpressionError, featureKeys, fromHash, hashNames, makeData, parseCsv, parseExpression, PlaygroundTrainer, toCode,
  toHash, type PlaygroundDevice, type Settings, type Snapshot,
} from '../../src/lab/playground/index.js';
import { acquireDevicePass, passesUnderTest } from '../helpers.js';
import { SWITCH_GPU_STEPS, SWITCH_SETTINGS, SWITCH_TOLERANCE } from './playground-switch.js';

// ------------------------------------------------------------------------------------ toy sets

test('toy sets: sizes, label sets and determinism per seed', () => {
  for (const name of toyNames) {
    const a = toyData(name, { seed: 3, noise: 0.1 });
    const b = toyData(name, { seed: 3, noise: 0.1 });
    const c = toyData(name, { seed: 4, noise: 0.1 });
    const spec = toySets[name];
    assert.equal(a.points.length, spec.defaultSamples, name);
    assert.deepEqual(a.points, b.points, `${name}: same seed, same points`);
    assert.notDeepEqual(a.points, c.points, `${name}: another seed, other points`);
    if (spec.problem === 'classification') {
      assert.deepEqual([...new Set(a.points.map((p) => p.label))].sort(), Array.from({ length: spec.classes }, (_, k) => k), name);
    }
    for (const p of a.points) assert.ok(Math.abs(p.x) <= 7 && Math.abs(p.y) <= 7, `${name}: ${p.x}, ${p.y} inside the plane`);
  }
});

test('toy sets follow TF Playground formulas (noise 0)', () => {
  const gen = new Generator(0);
  const circle = classifyCircleData(400, 0, gen);
  for (const p of circle) assert.equal(p.label, Math.hypot(p.x, p.y) < 2.5 ? 1 : -1);
  assert.equal(circle.slice(0, 200).every((p) => Math.hypot(p.x, p.y) <= 2.5), true, 'first half inside radius 2.5');
  assert.equal(circle.slice(200).every((p) => Math.hypot(p.x, p.y) >= 3.5 - 1e-9), true, 'second half in the ring from 3.5');
  for (const p of classifyXORData(400, 0, gen)) {
    assert.ok(Math.abs(p.x) >= 0.3 && Math.abs(p.y) >= 0.3, 'padded away from the axes');
    assert.equal(p.label, p.x * p.y >= 0 ? 1 : -1);
  }
  const spiral = classifySpiralData(500, 0, gen);
  // Point i of an arm lies at radius 5 i / n and angle 1.75 * 2 pi i / n (+ pi for the second arm).
  const p = spiral[100]!;
  const t = ((1.75 * 100) / 250) * 2 * Math.PI;
  assert.ok(Math.abs(p.x - 2 * Math.sin(t)) < 1e-12 && Math.abs(p.y - 2 * Math.cos(t)) < 1e-12);
  assert.equal(spiral[250]!.label, -1);
  const gauss = classifyTwoGaussData(2000, 0, gen);
  const pos = gauss.filter((q) => q.label === 1);
  const meanX = pos.reduce((s, q) => s + q.x, 0) / pos.length;
  const varX = pos.reduce((s, q) => s + (q.x - meanX) ** 2, 0) / pos.length;
  assert.ok(Math.abs(meanX - 2) < 0.1, `mean ${meanX}`);
  assert.ok(Math.abs(varX - 0.5) < 0.1, `variance ${varX} (TF: 0.5 at noise 0)`);
  for (const q of regressPlane(200, 0, gen)) assert.ok(Math.abs(q.label - (q.x + q.y) / 10) < 1e-12);
  for (const q of regressSine(200, 0, gen)) assert.ok(Math.abs(q.label - Math.sin(q.x)) < 1e-12);
  const bumps = regressGaussian(500, 0, gen);
  assert.ok(bumps.every((q) => Math.abs(q.label) <= 1));
  const near = bumps.filter((q) => Math.hypot(q.x + 4, q.y - 2.5) < 0.5);
  assert.ok(near.length > 0 && near.every((q) => q.label > 0.7), 'the bump at (-4, 2.5) is positive');
});

test('noise mislabels some circle points; the train/test split is TF’s', () => {
  const noisy = toyData('circle', { seed: 1, noise: 0.5, shuffle: false });
  const wrong = noisy.points.filter((p) => (Math.hypot(p.x, p.y) < 2.5 ? 1 : 0) !== p.label).length;
  assert.ok(wrong > 10 && wrong < 250, `${wrong} flipped labels`);
  const { train, test: held } = splitTrainTest(noisy.points, 30);
  assert.equal(train.length, 150);
  assert.equal(held.length, 350);
  assert.deepEqual([...train, ...held], noisy.points);
});

// ------------------------------------------------------------------------------------ settings and hash

function unusualSettings(): Settings {
  const s = defaultSettings();
  Object.assign(s, {
    problem: 'classification', dataset: 'multispiral', percTrainData: 70, noise: 15, numSamples: 600, batchSize: 64, seed: 42,
    learningRate: 0.003, activation: 'relu', layerActivations: ['', 'sigmoid', ''], regularization: 'L1', regularizationRate: 0.01,
    networkShape: [6, 5, 3], dropout: 0.2, optimizer: 'momentum', momentum: 0.8, lrSchedule: 'step', lrGamma: 0.7, lrStep: 40,
    customFeatures: ['x1*x2^2', 'tanh(x1 - x2) + 0.5'], showTestData: true, discretize: true, device: 'webgpu', hide: ['noise', 'learningRate'],
  } satisfies Partial<Settings>);
  for (const k of featureKeys) s.features[k] = !s.features[k];
  return s;
}

test('the hash holds every setting: toHash then fromHash gives the settings back', () => {
  const s = unusualSettings();
  const warnings: string[] = [];
  assert.deepEqual(fromHash(`#${toHash(s)}`, warnings), s);
  assert.deepEqual(warnings, []);
  assert.deepEqual(fromHash(''), defaultSettings());
  // Every key of Settings appears in the hash.
  for (const key of Object.keys(s)) if (key !== 'customFeatures' && key !== 'hide' && key !== 'features') assert.match(toHash(s), new RegExp(`(^|&)${key}=`));
  // The page picks the default device only where the URL names none.
  assert.equal(hashNames(`#${toHash(s)}`, 'device'), true);
  assert.equal(hashNames('#seed=3&device=cpu', 'device'), true);
  assert.equal(hashNames('#seed=3&devices=cpu&xdevice=webgpu', 'device'), false);
});

test('a TF Playground link opens with its settings', () => {
  const tf =
    'activation=relu&batchSize=10&dataset=spiral&regDataset=reg-plane&learningRate=0.03&regularizationRate=0&noise=0&networkShape=8,8&seed=0.42784&showTestData=false&discretize=false&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&cosX=false&sinX=true&cosY=false&sinY=true&collectStats=false&problem=classification&initZero=false&hideText=false';
  const s = fromHash(tf);
  assert.equal(s.dataset, 'spiral');
  assert.equal(s.activation, 'relu');
  assert.deepEqual(s.networkShape, [8, 8]);
  assert.equal(s.features.sinX && s.features.sinY && s.features.x && !s.features.xSquared, true);
  const reg = fromHash('problem=regression&regDataset=reg-gauss');
  assert.equal(reg.dataset, 'multi-gauss');
});

test('bad hash values are clamped or ignored, with warnings naming the key', () => {
  const warnings: string[] = [];
  const s = fromHash('learningRate=100&activation=swish&networkShape=3,x&batchSize=-5&noise=abc&device=cuda', warnings);
  assert.equal(s.learningRate, 10);
  assert.equal(s.activation, 'tanh');
  assert.deepEqual(s.networkShape, [4, 2]);
  assert.equal(s.batchSize, 1);
  assert.equal(s.device, 'cpu');
  assert.equal(warnings.length, 4);
  assert.match(warnings.join('\n'), /activation: 'swish'/);
  assert.match(warnings.join('\n'), /device: 'cuda' is not one of cpu, webgpu/);
  assert.match(warnings.join('\n'), /networkShape/);
  assert.match(warnings.join('\n'), /noise: 'abc' is not a number/);
});

// ------------------------------------------------------------------------------------ features

test('feature expressions evaluate with dlab ops and print as the same code', () => {
  const x1 = tensor([0.5, -1, 2]);
  const x2 = tensor([1, 3, -0.25]);
  const cases: [string, (a: number, b: number) => number][] = [
    ['x1*x2^2', (a, b) => a * b ** 2],
    ['tanh(x1 - x2) + 0.5', (a, b) => Math.tanh(a - b) + 0.5],
    ['-x1 / (1 + x2*x2)', (a, b) => -a / (1 + b * b)],
    ['2^x1 * cos(pi*x2)', (a, b) => 2 ** a * Math.cos(Math.PI * b)],
    ['sigmoid(3*x1) - relu(x2)', (a, b) => 1 / (1 + Math.exp(-3 * a)) - Math.max(0, b)],
  ];
  for (const [source, f] of cases) {
    const got = evaluate(parseExpression(source), x1, x2).tolist() as number[];
    got.forEach((v, i) => {
      const want = f((x1.tolist() as number[])[i]!, (x2.tolist() as number[])[i]!);
      assert.ok(Math.abs(v - want) < 1e-5, `${source}[${i}] = ${v}, expected ${want}`);
    });
  }
  assert.equal(toCode(parseExpression('x1*x2^2')), 'x1.mul(x2.pow(2))');
  assert.equal(toCode(parseExpression('2^x1 - 1')), 'torch.tensor(2).pow(x1).sub(1)');
  assert.throws(() => parseExpression('x1 +'), (e: Error) => e instanceof ExpressionError && /position 5/.test(e.message));
  assert.throws(() => parseExpression('foo(x1)'), /unknown name 'foo'/);
  assert.throws(() => parseExpression('sin(2)'), /does not depend on x1 or x2/);
});

// ------------------------------------------------------------------------------------ CSV

test('CSV: header and blank lines are skipped, -1 is class 0, a malformed row is named', () => {
  const pts = parseCsv('x1,x2,label\n1,2,1\n\n-1.5,0.25,-1\n3;4;2\n', 'classification');
  assert.deepEqual(pts, [
    { x: 1, y: 2, label: 1 },
    { x: -1.5, y: 0.25, label: 0 },
    { x: 3, y: 4, label: 2 },
  ]);
  assert.throws(
    () => parseCsv('x1,x2,label\n1,2,1\n1,oops,0\n', 'classification'),
    (e: Error) => e instanceof CsvError && e.row === 3 && /row 3: expected three numbers x1,x2,label but got '1,oops,0'/.test(e.message),
  );
  assert.throws(() => parseCsv('1,2,1\n1,2\n', 'classification'), /row 2/);
  assert.throws(() => parseCsv('1,2,1\n1,2,0.5\n', 'classification'), /row 2: label '0.5' is not a class/);
  assert.deepEqual(parseCsv('1,2,0.5\n3,4,-0.25', 'regression').map((p) => p.label), [0.5, -0.25]);
  assert.throws(() => parseCsv('x1,x2,label\n', 'regression'), /at least 2/);
});

// ------------------------------------------------------------------------------------ trainer

/**
 * What the page reads from a trainer: on the CPU through the synchronous losses(), weights() and
 * heatmaps(); on webgpu through snapshot(), the one await the page's worker makes.
 */
function reader(t: PlaygroundTrainer) {
  const onCpu = t.device.type === 'cpu';
  return {
    losses: async () => (onCpu ? t.losses() : (await t.snapshot(2)).losses),
    weights: async () => (onCpu ? t.weights() : (await t.snapshot(2)).weights),
    heatmaps: async (density: number) => (onCpu ? t.heatmaps(density) : (await t.snapshot(density)).heatmaps),
  };
}

for (const pass of passesUnderTest()) {
  const withDevice = (hash: string) => fromHash(`${hash}&device=${pass.device}`);

  test(`trainer [${pass.label}]: learns gauss, applies live settings, edits weights, draws heatmaps`, async () => {
    if (pass.device === 'webgpu') await acquireDevicePass();
    const prev = setBackend(pass.backend);
    try {
      const s = withDevice('dataset=gauss&networkShape=3&learningRate=0.1&batchSize=10');
      const t = new PlaygroundTrainer(s, makeData(s));
      const read = reader(t);
      const before = await read.losses();
      for (let e = 0; e < 5; e++) t.trainEpoch();
      const after = await read.losses();
      assert.equal(t.epoch, 5);
      assert.ok(after.test < before.test && after.test < 0.1, `test loss ${before.test} -> ${after.test}`);
      // Live settings change the optimizer without a restart.
      t.updateLive({ ...s, learningRate: 0.5 });
      assert.equal(t.lr, 0.5);
      // Weights: one per link, editable.
      const w = await read.weights();
      assert.deepEqual(w.map((l) => [l.weights.length, l.weights[0]!.length]), [[3, 2], [1, 3]]);
      t.setWeight(1, 0, 2, 1.25);
      t.setBias(0, 1, -0.5);
      const edited = await read.weights();
      assert.equal(edited[1]!.weights[0]![2], 1.25);
      assert.equal(edited[0]!.biases[1], -0.5);
      const h = await read.heatmaps(20);
      assert.equal(h.inputs.length, 2);
      assert.deepEqual(h.hidden.map((l) => l.length), [3]);
      assert.equal(h.output.length, 400);
      // Input X1 over the plane: left column negative, right column positive; top row is x2 = +6.
      assert.ok(h.inputs[0]![0]! < -5 && h.inputs[0]![19]! > 5 && h.inputs[1]![0]! > 5);
      assert.ok(h.output.every((v) => v >= -1 && v <= 1));
    } finally {
      setBackend(prev);
    }
  });

  test(`trainer [${pass.label}]: multiclass softmax with dropout, and regression`, async () => {
    if (pass.device === 'webgpu') await acquireDevicePass();
    const prev = setBackend(pass.backend);
    try {
      const m = withDevice('dataset=multispiral&networkShape=16,16&activation=relu&optimizer=adam&learningRate=0.03&dropout=0.1&sinX=true&sinY=true&batchSize=50');
      const t = new PlaygroundTrainer(m, makeData(m));
      const read = reader(t);
      assert.equal(t.data.classes, 3);
      const first = (await read.losses()).train;
      for (let e = 0; e < 8; e++) t.trainEpoch();
      const trained = (await read.losses()).train;
      assert.ok(trained < first * 0.9, `cross-entropy ${first} -> ${trained}`);
      const h = await read.heatmaps(10);
      assert.equal(h.outputs.length, 3);
      assert.ok(h.output.every((k) => k === 0 || k === 1 || k === 2));
      assert.ok(h.confidence.every((p) => p >= 1 / 3 - 1e-6 && p <= 1));
      const r = withDevice('problem=regression&dataset=plane&networkShape=&activation=linear&learningRate=0.01&batchSize=20&lrSchedule=exponential&lrGamma=0.9');
      const tr = new PlaygroundTrainer(r, makeData(r));
      for (let e = 0; e < 10; e++) tr.trainEpoch();
      const plane = (await reader(tr).losses()).test;
      assert.ok(plane < 1e-3, `plane MSE ${plane}`);
      assert.ok(Math.abs(tr.lr - 0.01 * 0.9 ** 10) < 1e-9, `lr after 10 epochs ${tr.lr}`);
    } finally {
      setBackend(prev);
    }
  });
}

// ------------------------------------------------------------------------------- device switch

/**
 * Train `epochs` epochs from `settings`, moving to `switches[epoch]` before that epoch where one is
 * named; a snapshot (losses, weights) after every epoch, and the learning rate.
 */
async function curve(settings: Settings, epochs: number, switches: Record<number, PlaygroundDevice> = {}, afterSwitch?: (t: PlaygroundTrainer) => void): Promise<{ snaps: Snapshot[]; lrs: number[]; devices: string[] }> {
  const t = new PlaygroundTrainer(settings, makeData(settings));
  const snaps = [await t.snapshot(3)];
  const lrs = [t.lr];
  /** Where the trainer says it trains, and where the parameters and the optimizer's state tensors are. */
  const where = () => {
    const state = [...t.optimizer.state.values()].flatMap((st) => Object.values(st)).filter((v): v is Tensor => v instanceof Tensor && v.numel() > 1);
    return `${String(t.device)}: params ${[...new Set(t.model.parameters().map((p) => String(p.device)))].join()}, state ${[...new Set(state.map((v) => String(v.device)))].join()}`;
  };
  const devices = [where()];
  for (let e = 0; e < epochs; e++) {
    const to = switches[e];
    if (to !== undefined) {
      await t.moveTo(to);
      afterSwitch?.(t);
    }
    t.trainEpoch();
    snaps.push(await t.snapshot(3));
    lrs.push(t.lr);
    devices.push(where());
  }
  return { snaps, lrs, devices };
}

/** Largest |a - b| / max(1, |b|) over the losses, weights, biases and output heatmap of two curves. */
function largestDifference(a: Snapshot[], b: Snapshot[]): { value: number; where: string } {
  let worst = { value: 0, where: '' };
  const see = (x: number, y: number, where: string) => {
    const d = Math.abs(x - y) / Math.max(1, Math.abs(y));
    if (!(d <= worst.value)) worst = { value: d, where: `${where}: ${x} vs ${y}` };
  };
  b.forEach((s, e) => {
    see(a[e]!.losses.train, s.losses.train, `epoch ${e} train loss`);
    see(a[e]!.losses.test, s.losses.test, `epoch ${e} test loss`);
    s.weights.forEach((layer, l) => {
      layer.weights.flat().forEach((w, i) => see(a[e]!.weights[l]!.weights.flat()[i]!, w, `epoch ${e} layer ${l} weight ${i}`));
      layer.biases.forEach((w, i) => see(a[e]!.weights[l]!.biases[i]!, w, `epoch ${e} layer ${l} bias ${i}`));
    });
    s.heatmaps.output.forEach((v, i) => see(a[e]!.heatmaps.output[i]!, v, `epoch ${e} heatmap point ${i}`));
  });
  return worst;
}

for (const optimizer of ['momentum', 'adam'] as const) {
  test(`trainer: cpu -> webgpu -> cpu mid-run (${optimizer}) continues the curve a run that stayed on the cpu draws`, { timeout: 120_000 }, async (t) => {
    assert.ok(await webgpu.isAvailable(), 'no WebGPU adapter: run the tests through scripts/run-tests.mjs (it points Dawn at SwiftShader)');
    const s = fromHash(`${SWITCH_SETTINGS}&optimizer=${optimizer}&device=cpu`);
    const EPOCHS = 6;
    const stayed = await curve(s, EPOCHS);
    const switched = await curve(s, EPOCHS, { 2: 'webgpu', 4: 'cpu' });
    const cpu = 'cpu: params cpu, state cpu';
    const gpu = 'webgpu: params webgpu:0, state webgpu:0';
    assert.deepEqual(switched.devices, ['cpu: params cpu, state ', cpu, cpu, gpu, gpu, cpu, cpu]);
    assert.deepEqual(switched.lrs, stayed.lrs, 'the schedule goes on');
    // Before the first switch the runs are one run.
    assert.deepEqual(switched.snaps.slice(0, 3), stayed.snaps.slice(0, 3));
    const d = largestDifference(switched.snaps, stayed.snaps);
    t.diagnostic(`${SWITCH_GPU_STEPS} steps on webgpu: largest difference ${d.value.toExponential(2)} (${d.where}); tolerance ${SWITCH_TOLERANCE.toExponential(2)}`);
    assert.ok(d.value <= SWITCH_TOLERANCE, `the switched run left the cpu curve: ${d.where}`);
    assert.ok(stayed.snaps[EPOCHS]!.losses.train < stayed.snaps[0]!.losses.train, 'it trains');

    // What the tolerance assumes, on the cpu alone: the steps after the switch do not amplify a
    // difference in the weights (every weight nudged by NUDGE of itself moves no value by more).
    const NUDGE = 1e-5;
    const nudged = await curve(s, EPOCHS, { 2: 'cpu' }, (tr) => noGrad(() => tr.model.parameters().forEach((p) => p.mul_(1 + NUDGE))));
    const growth = largestDifference(nudged.snaps, stayed.snaps).value / NUDGE;
    t.diagnostic(`a nudge of the weights at the switch grows by ${growth.toFixed(2)}x by epoch ${EPOCHS}`);
    assert.ok(growth <= 1, `the later steps amplify a difference in the weights ${growth}x`);
    // What the tolerance must catch, on the cpu alone: optimizer state dropped at the move, or one
    // extra random draw there (the shuffles and dropout masks after it shift).
    const lostState = await curve(s, EPOCHS, { 2: 'cpu' }, (tr) => tr.optimizer.state.clear());
    const shifted = await curve(s, EPOCHS, { 2: 'cpu' }, () => rand(1));
    for (const [what, run] of [['lost optimizer state', lostState], ['a shifted random stream', shifted]] as const) {
      const off = largestDifference(run.snaps, stayed.snaps);
      t.diagnostic(`${what}: largest difference ${off.value.toExponential(2)}`);
      assert.ok(off.value > 1e-3, `${what} moves the curve by ${off.value} only (${off.where})`);
    }
  });
}

test('custom points are shuffled with the seed and split by the ratio', () => {
  const s = { ...defaultSettings(), dataset: 'custom' as const, percTrainData: 80 };
  const pts = Array.from({ length: 10 }, (_, i) => ({ x: i, y: -i, label: i % 3 }));
  const d = makeData(s, pts);
  assert.equal(d.train.length, 8);
  assert.equal(d.classes, 3);
  assert.deepEqual([...d.train, ...d.test].map((p) => p.x).sort((a, b) => a - b), pts.map((p) => p.x));
  assert.deepEqual(makeData(s, pts), d);
});
