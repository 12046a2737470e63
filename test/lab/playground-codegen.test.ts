// "Show me the code": the generated program is saved to a file and run with node (tsx) against this
// repo's src, and must train the same network to the same loss as the playground's trainer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateCode, makeData, PlaygroundTrainer, fromHash, parseCsv, type Settings } from '../../src/lab/playground/index.js';
import type { Example2D } from '../../src/datasets/toy.js';

const run = promisify(execFile);
const src = (path: string): string => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));
const imports = { dlab: src('index.ts'), datasets: src('datasets/index.ts') };
const tsx = import.meta.resolve('tsx');

interface Final {
  epochs: number;
  trainLoss: number;
  testLoss: number;
}

/**
 * Save the programs and run them, one after the other, in one node --import tsx process (so
 * dlab's sources are transpiled once); returns each program's output.
 */
async function runPrograms(programs: { name: string; code: string }[], dir: string): Promise<Map<string, string>> {
  for (const p of programs) writeFileSync(join(dir, `${p.name}.ts`), p.code);
  const runner = programs.map((p) => `console.log('=== ${p.name}');\nawait import('./${p.name}.ts');`).join('\n');
  writeFileSync(join(dir, 'run-all.ts'), `${runner}\nexport {};\n`);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const { stdout } = await run(process.execPath, ['--import', tsx, 'run-all.ts'], { cwd: dir, encoding: 'utf8', timeout: 90_000 });
  const out = new Map<string, string>();
  for (const part of stdout.split(/^=== /m).slice(1)) {
    const newline = part.indexOf('\n');
    out.set(part.slice(0, newline), part.slice(newline + 1));
  }
  return out;
}

function trainerLosses(s: Settings, epochs: number, custom: Example2D[] = []): { train: number; test: number } {
  const t = new PlaygroundTrainer(s, makeData(s, custom));
  for (let e = 0; e < epochs; e++) t.trainEpoch();
  return t.losses();
}

const cases: { name: string; hash: string; epochs: number; custom?: Example2D[] }[] = [
  {
    name: 'spiral-l2-step',
    hash: 'dataset=spiral&networkShape=8,8&activation=relu&optimizer=adam&learningRate=0.03&sinX=true&sinY=true&regularization=L2&regularizationRate=0.001&lrSchedule=step&lrStep=5&lrGamma=0.5&custom=x1*x2%5E2',
    epochs: 12,
  },
  {
    name: 'multiclass-dropout-momentum',
    hash: 'dataset=multispiral&networkShape=12,6&activation=tanh&layerActivations=,relu&optimizer=momentum&momentum=0.8&learningRate=0.05&dropout=0.2&batchSize=32&lrSchedule=cosine&lrStep=10&regularization=L1&regularizationRate=0.0001&noise=10',
    epochs: 8,
  },
  {
    name: 'custom-regression',
    hash: 'problem=regression&dataset=custom&networkShape=5&activation=sigmoid&learningRate=0.1&batchSize=4&xSquared=true&cosX=true&lrSchedule=exponential&lrGamma=0.95&percTrainData=70',
    epochs: 10,
    custom: parseCsv(
      Array.from({ length: 40 }, (_, i) => `${(i % 8) - 4},${Math.floor(i / 8) - 2},${Math.sin(i) / 2}`).join('\n'),
      'regression',
    ),
  },
];

test('the generated program runs in node and reaches the trainer’s loss', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlab-codegen-'));
  try {
    const outputs = await runPrograms(
      cases.map((c) => ({ name: c.name, code: generateCode(fromHash(c.hash), { epochs: c.epochs, custom: c.custom, imports }) })),
      dir,
    );
    for (const c of cases) {
      const stdout = outputs.get(c.name) ?? '';
      const final = JSON.parse(stdout.trim().split('\n').at(-1)!) as Final;
      const want = trainerLosses(fromHash(c.hash), c.epochs, c.custom);
      assert.equal(final.epochs, c.epochs);
      assert.match(stdout, /^epoch \d+ {2}train loss \d/m, `${c.name} prints its progress`);
      // Same seed, same order of random draws, same ops in the same process kind: the same numbers, bit for bit.
      assert.equal(final.trainLoss, want.train, `${c.name}: program train loss vs trainer`);
      assert.equal(final.testLoss, want.test, `${c.name}: program test loss vs trainer`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the generated program imports dlab by its package name by default and shows its settings', () => {
  const s = fromHash('dataset=xor&networkShape=4&regularization=L1&regularizationRate=0.01');
  const code = generateCode(s);
  assert.match(code, /^import \* as torch from 'dlab';$/m);
  assert.match(code, /from 'dlab\/datasets';$/m);
  assert.match(code, /toyData\('xor', \{ noise: 0, seed, numSamples: 500 \}\)/);
  assert.match(code, /new nn\.Linear\(2, 4\), new nn\.Tanh\(\),/);
  assert.match(code, /optim\.l1Penalty\(weights\)\.mul\(0\.01\)/);
  assert.match(code, /^\/\/ Settings: #problem=classification&dataset=xor/m);
  // The program trains on the CPU; a page on webgpu says so.
  assert.doesNotMatch(code, /The page trains on/);
  assert.match(generateCode({ ...s, device: 'webgpu' }), /^\/\/ The page trains on webgpu; this program trains on the CPU, to the same losses within float32 tolerance\.$/m);
});
