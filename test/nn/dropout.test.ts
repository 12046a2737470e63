// Dropout against PyTorch 1.13: the channel-dropout cases of test/fixtures/layers.json
// (tools/fixtures/layers.py), and test/fixtures/dropout.json (tools/fixtures/dropout.py): p = 0 and
// 1, eval, the ranks each F.dropout* takes, the in-place forms, masks drawn under a seed, reprs and
// refusals. A file of its own (layers.test.ts runs every other layer and takes 30 s: too long per
// mutant in mutation runs of src/nn/functional/dropout.ts and src/nn/modules/dropout.ts).

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';
import { nn, setBackend, type Tensor } from '../../src/index.js';
import { assertTensor, backendsUnderTest, errorOf, fromFixture, type FixtureTensor } from '../helpers.js';
import { F, fx as layers, checkCase as checkLayerCase, type Case } from './layers-fixture.js';

interface DropoutCase {
  name: string;
  seed: number;
  input: FixtureTensor;
  out: FixtureTensor;
  grad: FixtureTensor;
  next_draw: FixtureTensor;
  returns_input: boolean;
}

const fx: { cases: DropoutCase[]; reprs: Record<string, string>; errors: Record<string, string> } = JSON.parse(
  readFileSync(new URL('../fixtures/dropout.json', import.meta.url), 'utf8'),
);

const calls: Record<string, (x: Tensor) => Tensor> = {
  'F.dropout p=0.5 default': (x) => F.dropout(x),
  'F.dropout p=0.2': (x) => F.dropout(x, 0.2),
  'F.dropout p=1': (x) => F.dropout(x, 1),
  'F.dropout p=0': (x) => F.dropout(x, 0),
  'F.dropout eval': (x) => F.dropout(x, 0.5, false),
  'F.dropout empty': (x) => F.dropout(x, 0.5),
  'F.dropout2d empty': (x) => F.dropout2d(x, 0.5),
  'F.dropout2d p=0': (x) => F.dropout2d(x, 0),
  'F.dropout1d p=0': (x) => F.dropout1d(x, 0),
  'F.dropout p=0.3 in place': (x) => F.dropout(x, 0.3, true, true),
  'F.dropout p=1 in place': (x) => F.dropout(x, 1, true, true),
  'F.dropout1d 3-D': (x) => F.dropout1d(x, 0.4),
  'F.dropout1d unbatched': (x) => F.dropout1d(x, 0.4),
  'F.dropout1d 3-D in place': (x) => F.dropout1d(x, 0.4, true, true),
  'F.dropout1d unbatched in place': (x) => F.dropout1d(x, 0.4, true, true),
  'F.dropout1d p=1': (x) => F.dropout1d(x, 1),
  'F.dropout1d eval': (x) => F.dropout1d(x, 0.5, false),
  'F.dropout2d 4-D default p': (x) => F.dropout2d(x),
  'F.dropout2d 2-D': (x) => F.dropout2d(x, 0.5),
  'F.dropout2d 5-D': (x) => F.dropout2d(x, 0.5),
  'F.dropout2d 4-D in place': (x) => F.dropout2d(x, 0.5, true, true),
  'F.dropout2d p=1': (x) => F.dropout2d(x, 1),
  'F.dropout2d p=0 of a 1-D input': (x) => F.dropout2d(x, 0),
  'F.dropout2d eval of a 1-D input': (x) => F.dropout2d(x, 0.5, false),
  'F.dropout3d 5-D': (x) => F.dropout3d(x, 0.5),
  'F.dropout3d unbatched 4-D': (x) => F.dropout3d(x, 0.5),
  'F.dropout3d 3-D (unbatched as PyTorch 1.13 takes it)': (x) => F.dropout3d(x, 0.5),
  'F.dropout3d unbatched in place': (x) => F.dropout3d(x, 0.5, true, true),
  'F.dropout3d 5-D in place': (x) => F.dropout3d(x, 0.5, true, true),
  'F.dropout3d p=1': (x) => F.dropout3d(x, 1),
  'F.dropout3d p=0': (x) => F.dropout3d(x, 0),
  'Dropout(0.3, inplace=True) in place': (x) => new nn.Dropout(0.3, { inplace: true }).call(x),
  'Dropout1d(0.4, inplace=True) in place': (x) => new nn.Dropout1d({ p: 0.4, inplace: true }).call(x),
  'Dropout2d(inplace=True) in place': (x) => new nn.Dropout2d({ inplace: true }).call(x),
  'Dropout3d(0.25) unbatched': (x) => new nn.Dropout3d(0.25).call(x),
};

function checkCase(c: DropoutCase): void {
  const leaf = fromFixture(c.input, { requiresGrad: true });
  const inPlace = c.name.endsWith('in place');
  const x = inPlace ? leaf.mul(1) : leaf;
  torch.manualSeed(c.seed);
  const out = calls[c.name](x);
  assertTensor(torch.rand(2), c.next_draw, 'the draw after the call (what it took of the stream)');
  assertTensor(out, c.out, 'out');
  assert.equal(out === x, c.returns_input, 'the input tensor itself returned');
  out.backward(torch.linspace(0.5, 1.5, out.numel()).reshape(out.shape));
  assertTensor(leaf.grad!, c.grad, 'input grad');
}

const modules: Record<string, () => nn.Module> = {
  'Dropout()': () => new nn.Dropout(),
  'Dropout(0.25, True)': () => new nn.Dropout(0.25, { inplace: true }),
  'Dropout1d(0.2)': () => new nn.Dropout1d(0.2),
  'Dropout2d()': () => new nn.Dropout2d(),
  'Dropout3d(0.1, inplace=True)': () => new nn.Dropout3d(0.1, { inplace: true }),
};

function errorThunks(): Record<string, () => unknown> {
  const x = torch.ones(2, 3, 4);
  const thunks: Record<string, () => unknown> = {
    'F.dropout1d p=1.1 of a 4-D input: p first': () => F.dropout1d(torch.ones(1, 2, 3, 4), 1.1),
    'F.dropout1d 1-D': () => F.dropout1d(torch.ones(3)),
    'F.dropout1d 4-D': () => F.dropout1d(torch.ones(1, 2, 3, 4)),
    'F.dropout2d 1-D': () => F.dropout2d(torch.ones(3)),
    'F.dropout2d 1-D in place': () => F.dropout2d(torch.ones(3), 0.5, true, true),
  };
  for (const p of [-0.1, 1.1]) {
    thunks[`F.dropout p=${p}`] = () => F.dropout(x, p);
    thunks[`F.dropout1d p=${p}`] = () => F.dropout1d(x, p);
    thunks[`F.dropout2d p=${p}`] = () => F.dropout2d(x, p);
    thunks[`F.dropout3d p=${p}`] = () => F.dropout3d(x, p);
    thunks[`Dropout(${p})`] = () => new nn.Dropout(p);
    thunks[`Dropout3d(${p})`] = () => new nn.Dropout3d(p);
  }
  return thunks;
}

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    for (const c of (layers.cases as Case[]).filter((k) => k.name.startsWith('Dropout'))) test(`${c.name} (${c.dtype})`, () => checkLayerCase(c));

    test('every dropout.json case has its call here', () => assert.deepEqual(Object.keys(calls).sort(), fx.cases.map((c) => c.name).sort()));
    for (const c of fx.cases) test(c.name, () => checkCase(c));

    test('p = 0 and p = 1 are taken by the modules, as PyTorch 1.13 takes them (its check is p < 0 or p > 1)', () => {
      const x = torch.ones(2, 3, 4);
      assert.equal(new nn.Dropout(0).call(x), x);
      assert.deepEqual(new nn.Dropout({ p: 1 }).call(x).sum().item(), 0);
      assert.deepEqual(new nn.Dropout2d(1).call(x).sum().item(), 0);
    });

    test('refusals and reprs in PyTorch 1.13 words', () => {
      const e = layers.errors as Record<string, string>;
      assert.equal(errorOf(() => F.dropout1d(torch.randn(1, 2, 3, 4))), e['dropout1d 4D']);
      assert.equal(errorOf(() => new nn.Dropout2d(1.5)), e['Dropout2d p']);
      const thunks = errorThunks();
      assert.deepEqual(Object.keys(thunks).sort(), Object.keys(fx.errors).sort());
      for (const [name, message] of Object.entries(fx.errors)) assert.equal(errorOf(thunks[name]), message, name);
      assert.equal(new nn.Dropout1d(0.2).toString(), layers.reprs['Dropout1d(0.2)']);
      assert.equal(new nn.Dropout2d(0.5, { inplace: true }).toString(), layers.reprs['Dropout2d(inplace=True)']);
      assert.deepEqual(Object.keys(modules).sort(), Object.keys(fx.reprs).sort());
      for (const [name, make] of Object.entries(modules)) assert.equal(make().toString(), fx.reprs[name], name);
    });
  });
}
