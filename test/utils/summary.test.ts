// summary(): torchsummary's table character for character (test/fixtures/summary.json, made by
// tools/fixtures/summary.py from PyTorch), Python's number formatting, hooks on nested calls,
// and the torchinfo-like modelInfo view.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { nn, setBackend, Tensor } from '../../src/index.js';
import { builtinModel } from '../../src/models/index.js';
import { pyFixed2, summaryString, thousands } from '../../src/utils/summary.js';
import { modelInfo } from '../../src/utils/model_info.js';
import { backendsUnderTest } from '../helpers.js';

interface Case { model: string; input: number[]; batch_size: number; params: number; text: string }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/summary.json', import.meta.url), 'utf8')) as { summary: Case[] };
const find = (model: string, batch = -1) => fixture.summary.find((c) => c.model === model && c.batch_size === batch)!;

test('Python number formatting: {:,} and %0.2f with ties to even', () => {
  assert.equal(thousands(101770), '101,770');
  assert.equal(thousands(0), '0');
  assert.equal(thousands(1234567890), '1,234,567,890');
  assert.equal(pyFixed2(0.125), '0.12'); // exact tie: Python rounds half to even, toFixed would say 0.13
  assert.equal(pyFixed2(0.375), '0.38');
  assert.equal(pyFixed2(0.3882), '0.39');
  assert.equal(pyFixed2(0.0029907), '0.00');
});

test('an unknown model name lists the built-in ones', () => {
  assert.throws(() => builtinModel('nope'), /unknown model 'nope'; built-in models: mnist-mlp, cifar-mlp, lenet/);
});

// Every fixture model, the large ones too (AlexNet and VGG-11 at 1x224x224 take seconds, not
// minutes: they are the spec of d2l's layouts): built once, its parameter count and its whole
// torchsummary table (shapes and counts of every layer; ResNet's residual blocks hooked as modules, its
// BatchNorm running stats buffers, not counted) checked on the default backend.
// (notebook-mlp-class is a class the test defines, not a built-in: its own test below.)
for (const c of fixture.summary.filter((c) => c.batch_size === -1 && c.model !== 'notebook-mlp-class')) {
  test(`${c.model}: parameter count and torchsummary table as PyTorch gives its layout`, () => {
    const model = builtinModel(c.model).build();
    assert.equal(model.parameters().reduce((a, p) => a + p.numel(), 0), c.params);
    assert.equal(summaryString(model, c.input).text, c.text);
  });
}

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    test('the two notebook MLPs print exactly what torchsummary prints', () => {
      const mnist = summaryString(builtinModel('mnist-mlp').build(), [1, 28, 28]);
      assert.equal(mnist.text, find('mnist-mlp').text);
      assert.equal(mnist.totalParams, 101770);
      assert.match(mnist.text, /Input size \(MB\): 0\.00\nForward\/backward pass size \(MB\): 0\.01\nParams size \(MB\): 0\.39\nEstimated Total Size \(MB\): 0\.40\n/);
      const cifar = summaryString(builtinModel('cifar-mlp').build(), [3, 32, 32]);
      assert.equal(cifar.text, find('cifar-mlp').text);
      assert.match(cifar.text, /Total params: 394,634\n/);
      assert.match(cifar.text, /\(MB\): 0\.01\n.*\(MB\): 0\.03\n.*\(MB\): 1\.51\n.*\(MB\): 1\.54\n/);
    });

    test('batch size, the exercise MLP and LeNet match the fixture', () => {
      assert.equal(summaryString(builtinModel('mnist-mlp').build(), [1, 28, 28], { batchSize: 64 }).text, find('mnist-mlp', 64).text);
      assert.equal(summaryString(builtinModel('mlp:1000-512-512-512-512-10').build(), [1000]).text, find('mlp:1000-512-512-512-512-10').text);
      assert.equal(summaryString(builtinModel('lenet').build(), [1, 28, 28]).text, find('lenet').text);
      assert.equal(summaryString(builtinModel('lenet-classic').build(), [1, 28, 28]).text, find('lenet-classic').text);
    });
  });
}

test('a model written as a class (the notebook\'s `class MLP(nn.Module)`) has no row of its own', () => {
  class MLP extends nn.Module {
    hidden = new nn.Linear(20, 256);
    out = new nn.Linear(256, 10);
    override forward(x: Tensor): Tensor {
      return this.out.call(this.hidden.call(x).relu());
    }
  }
  assert.equal(summaryString(new MLP(), [20]).text, find('notebook-mlp-class').text);
});

test('submodules called through forward() in a custom forward are hooked too', () => {
  class Net extends nn.Module {
    a = new nn.Linear(4, 3);
    b = new nn.Linear(3, 2);
    override forward(x: Tensor): Tensor {
      return this.b.forward(this.a.call(x).relu());
    }
  }
  const r = summaryString(new Net(), [4]);
  assert.deepEqual(r.rows.map((x) => x.key), ['Linear-1', 'Linear-2']);
  assert.deepEqual(r.rows.map((x) => x.outputShape), [[-1, 3], [-1, 2]]);
  assert.equal(r.totalParams, 4 * 3 + 3 + 3 * 2 + 2);
});

test('modelInfo: nested rows with depth-index, shapes, kernels, mult-adds; tied parameters once', () => {
  const shared = new nn.Linear(8, 8);
  const model = new nn.Sequential(new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU()), new nn.Flatten(), new nn.Linear(2 * 6 * 6, 8), shared, shared);
  const info = modelInfo(model, [1, 8, 8], { batchSize: 2 });
  const conv = info.layers.find((l) => l.className === 'Conv2d')!;
  assert.equal(conv.depth, 2);
  assert.equal(conv.index, 1);
  assert.deepEqual(conv.inputShape, [2, 1, 8, 8]);
  assert.deepEqual(conv.outputShape, [2, 2, 6, 6]);
  assert.deepEqual(conv.kernelShape, [2, 1, 3, 3]);
  assert.equal(conv.multAdds, 2 * 2 * 6 * 6 * 9);
  // The shared Linear is one module: listed once, called twice, its 72 parameters counted once.
  assert.equal(info.totalParams, 20 + 72 * 8 + 8 + 72);
  assert.equal(info.layers.filter((l) => l.className === 'Linear').length, 2);
  assert.equal(info.layers.find((l) => l.name === '3')!.calls, 2);
  assert.match(info.text, /├─Conv2d: 2-1/);
  assert.match(info.text, /Total params: 676\n/);
  const shallow = modelInfo(model, [1, 8, 8], { depth: 1 });
  assert.doesNotMatch(shallow.text, /Conv2d/);
});
