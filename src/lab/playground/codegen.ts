// "Show me the code": the playground's current network and training loop as a dlab program that
// runs unchanged in Node. It prints what trainer.ts does, in the same order (so the same seed
// gives the same numbers); test/lab/playground-codegen.test.ts runs it and compares.

import type { Example2D } from '../../datasets/toy.js';
import { toySets } from '../../datasets/toy.js';
import { activeFeatures, toCode } from './features.js';
import { activationClass, outputSize } from './model.js';
import { layerActivation, toHash, type Settings } from './settings.js';

export interface CodegenOptions {
  /** Epochs the program trains for (default 100). */
  epochs?: number;
  /** The user's points when the data set is 'custom'. */
  custom?: readonly Example2D[];
  /** Where the program imports dlab from (default: the package, 'dlab' and 'dlab/datasets'). */
  imports?: { dlab: string; datasets: string };
  /** Print the losses every this many epochs (default: about ten lines). */
  logEvery?: number;
}

const lit = (v: number): string => String(v);

export function generateCode(s: Settings, options: CodegenOptions = {}): string {
  const epochs = options.epochs ?? 100;
  const logEvery = options.logEvery ?? Math.max(1, Math.round(epochs / 10));
  const imports = options.imports ?? { dlab: 'dlab', datasets: 'dlab/datasets' };
  const spec = s.dataset === 'custom' ? null : toySets[s.dataset];
  const custom = spec === null;
  const problem = spec ? spec.problem : s.problem;
  const points = options.custom ?? [];
  const classes = problem === 'regression' ? 1 : spec ? spec.classes : Math.max(2, ...points.map((p) => p.label + 1));
  const binary = problem === 'classification' && classes === 2;
  const features = activeFeatures(s);
  const outputs = outputSize(problem, classes);

  const L: string[] = [];
  L.push(`// The dlab playground's network and training loop, as a program.`);
  L.push(`// Settings: #${toHash(s)}`);
  L.push(`// Run it with: node --import tsx playground.ts   (or npx tsx playground.ts)`);
  // The same seed gives the same curve on either device (random draws come from the CPU generator).
  if (s.device !== 'cpu') L.push(`// The page trains on ${s.device}; this program trains on the CPU, to the same losses within float32 tolerance.`);
  L.push(`import * as torch from '${imports.dlab}';`);
  L.push(`import { nn, optim, type Tensor } from '${imports.dlab}';`);
  L.push(`import { ${custom ? 'shuffle' : 'toyData'}, splitTrainTest, toyTensors } from '${imports.datasets}';`);
  L.push('');
  L.push(`const seed = ${s.seed};`);
  L.push(`const epochs = ${epochs};`);
  L.push(`const batchSize = ${s.batchSize};`);
  L.push('');
  if (!spec) {
    L.push(`// Your own points (x1, x2, label), shuffled with the seed, ${s.percTrainData}% for training.`);
    L.push(`const points = ([`);
    for (const p of points) L.push(`  [${lit(p.x)}, ${lit(p.y)}, ${lit(p.label)}],`);
    L.push(`] as [number, number, number][]).map(([x, y, label]) => ({ x, y, label }));`);
    L.push(`shuffle(points, new torch.Generator(seed));`);
    L.push(`const { train, test } = splitTrainTest(points, ${s.percTrainData});`);
  } else {
    const n = s.numSamples || spec.defaultSamples;
    L.push(`// Data: the '${s.dataset}' set (${spec.summary}), noise ${s.noise}%, ${s.percTrainData}% for training.`);
    L.push(`const data = toyData('${s.dataset}', { noise: ${s.noise / 100}, seed, numSamples: ${n} });`);
    L.push(`const { train, test } = splitTrainTest(data.points, ${s.percTrainData});`);
  }
  L.push('');
  L.push(`// Input features: ${features.map((f) => f.label).join(', ')}.`);
  L.push(`function features(X: Tensor): Tensor {`);
  L.push(`  const x1 = X.select(1, 0).contiguous();`);
  L.push(`  const x2 = X.select(1, 1).contiguous();`);
  L.push(`  return torch.stack([${features.map((f) => toCode(f.expr)).join(', ')}], 1);`);
  L.push(`}`);
  L.push('');
  L.push(`torch.manualSeed(seed); // the weights' initialisation and the minibatch order`);
  L.push(`const trainSet = toyTensors(train, '${problem}');`);
  L.push(`const testSet = toyTensors(test, '${problem}');`);
  L.push(`const xTrain = features(trainSet.X);`);
  L.push(`const xTest = features(testSet.X);`);
  if (binary) {
    L.push(`// Two classes: one output (a logit) against 0/1 targets of shape [n, 1].`);
    L.push(`const yTrain = trainSet.y.float().unsqueeze(1);`);
    L.push(`const yTest = testSet.y.float().unsqueeze(1);`);
  } else {
    L.push(`const yTrain = trainSet.y;`);
    L.push(`const yTest = testSet.y;`);
  }
  L.push('');
  L.push(`const model = new nn.Sequential(`);
  let width = features.length;
  s.networkShape.forEach((neurons, i) => {
    const act = activationClass[layerActivation(s, i)];
    const drop = s.dropout > 0 ? ` new nn.Dropout(${s.dropout}),` : '';
    L.push(`  new nn.Linear(${width}, ${neurons}), new nn.${act}(),${drop}`);
    width = neurons;
  });
  L.push(`  new nn.Linear(${width}, ${outputs}),`);
  L.push(`);`);
  const loss = problem === 'regression' ? 'MSELoss' : binary ? 'BCEWithLogitsLoss' : 'CrossEntropyLoss';
  L.push(`const lossFn = new nn.${loss}();`);
  const opt =
    s.optimizer === 'adam'
      ? `new optim.Adam(model.parameters(), { lr: ${s.learningRate} })`
      : s.optimizer === 'momentum'
        ? `new optim.SGD(model.parameters(), { lr: ${s.learningRate}, momentum: ${s.momentum} })`
        : `new optim.SGD(model.parameters(), { lr: ${s.learningRate} })`;
  L.push(`const optimizer = ${opt};`);
  const sched = {
    constant: null,
    step: `new optim.lrScheduler.StepLR(optimizer, { stepSize: ${s.lrStep}, gamma: ${s.lrGamma} })`,
    exponential: `new optim.lrScheduler.ExponentialLR(optimizer, { gamma: ${s.lrGamma} })`,
    cosine: `new optim.lrScheduler.CosineAnnealingLR(optimizer, { TMax: ${s.lrStep} })`,
  }[s.lrSchedule];
  if (sched) L.push(`const scheduler = ${sched};`);
  const reg = s.regularization !== 'none' && s.regularizationRate !== 0;
  if (reg) {
    L.push(`// ${s.regularization} regularization of the weights (not the biases), as TF Playground does.`);
    L.push(`const weights = model.children().filter((m): m is nn.Linear => m instanceof nn.Linear).map((l) => l.weight);`);
  }
  L.push('');
  L.push(`function evaluate(): { trainLoss: number; testLoss: number } {`);
  L.push(`  model.eval();`);
  L.push(`  return torch.noGrad(() => ({`);
  L.push(`    trainLoss: lossFn.call(model.call(xTrain), yTrain).item(),`);
  L.push(`    testLoss: lossFn.call(model.call(xTest), yTest).item(),`);
  L.push(`  }));`);
  L.push(`}`);
  L.push('');
  L.push(`const n = xTrain.shape[0]!;`);
  L.push(`for (let epoch = 1; epoch <= epochs; epoch++) {`);
  L.push(`  model.train();`);
  L.push(`  const perm = torch.randperm(n);`);
  L.push(`  for (let i = 0; i < n; i += batchSize) {`);
  L.push(`    const idx = perm.narrow(0, i, Math.min(batchSize, n - i));`);
  L.push(`    ${reg ? 'let' : 'const'} loss = lossFn.call(model.call(xTrain.indexSelect(0, idx)), yTrain.indexSelect(0, idx));`);
  if (reg) L.push(`    loss = loss.add(optim.${s.regularization === 'L1' ? 'l1Penalty' : 'l2Penalty'}(weights).mul(${s.regularizationRate}));`);
  L.push(`    optimizer.zeroGrad();`);
  L.push(`    loss.backward();`);
  L.push(`    optimizer.step();`);
  L.push(`  }`);
  if (sched) L.push(`  scheduler.step();`);
  L.push(`  if (epoch % ${logEvery} === 0) {`);
  L.push(`    const { trainLoss, testLoss } = evaluate();`);
  L.push(`    console.log(\`epoch \${epoch}  train loss \${trainLoss.toFixed(4)}  test loss \${testLoss.toFixed(4)}\`);`);
  L.push(`  }`);
  L.push(`}`);
  L.push(`console.log(JSON.stringify({ epochs, ...evaluate() }));`);
  L.push('');
  return L.join('\n');
}
