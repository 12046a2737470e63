// The README's examples marked `<!-- tested: ... -->` run as written, against the built package
// (`import ... from 'dlab'` resolves to dist/ through the package's own exports), and print what
// the comments on their console.log lines say they print. A block may name a prelude below, run
// before it in the same file: it defines what a fragment takes as given, or stops a long loop
// early and checks it, so that the README shows the code a user copies, unchanged.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertBuildIsFresh } from './build.js';
import { runTestedBlock, testedBlocks, tsBlockCount, type Prelude } from './markdown-blocks.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = testedBlocks(readme);

const preludes: Record<string, Prelude> = {
  // The training loop runs a whole MNIST epoch: stop it after 50 steps, when the loss must have fallen.
  'fifty-steps': {
    code: `import * as preludeTorch from 'dlab';
const preludeLosses: number[] = [];
const preludeBackward = preludeTorch.Tensor.prototype.backward;
preludeTorch.Tensor.prototype.backward = function (this: preludeTorch.Tensor, ...args: unknown[]) {
  preludeLosses.push(this.item() as number);
  return (preludeBackward as (...a: unknown[]) => void).apply(this, args);
};
const preludeStep = preludeTorch.optim.SGD.prototype.step;
preludeTorch.optim.SGD.prototype.step = function (this: preludeTorch.optim.SGD, ...args: unknown[]) {
  const result = (preludeStep as (...a: unknown[]) => unknown).apply(this, args);
  if (preludeLosses.length === 50) {
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const [first, last] = [mean(preludeLosses.slice(0, 10)), mean(preludeLosses.slice(40))];
    console.log(last < first / 2 ? 'the loss fell' : \`the loss did not fall: \${first} -> \${last}\`);
    process.exit(0);
  }
  return result;
};
`,
    prints: 'the loss fell',
  },
  // The objects a training script already has when it saves a checkpoint.
  'training-objects': {
    code: `import * as preludeTorch from 'dlab';
const dataset = new preludeTorch.utils.data.TensorDataset(preludeTorch.randn(256, 4), preludeTorch.randint(0, 2, [256]));
const model = new preludeTorch.nn.Linear(4, 2);
const optimizer = new preludeTorch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
const scheduler = new preludeTorch.optim.lrScheduler.StepLR(optimizer, { stepSize: 10 });
const epoch = 3;
const step = 1200;
const best = 0.97;
`,
    prints: '',
  },
};

test('the README has tested examples, all of its TypeScript blocks', () => {
  assert.equal(blocks.length, tsBlockCount(readme));
});

test('dist is built from the current src', assertBuildIsFresh);

blocks.forEach((block, i) => {
  test(`README example ${i + 1} runs and prints what it says`, () => runTestedBlock(`example-${i + 1}`, block, preludes));
});
