// Sweep plans: comma lists make a grid, --trials picks distinct grid points or samples ranges,
// and option values are parsed and checked as `dlab run` would.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grid, parseAxis, randomSearch } from '../../src/cli/commands/sweep.js';
import { Interrupted, resolveOptions } from '../../src/lab/experiment.js';
import { mnist } from '../../src/lab/experiments/mnist.js';
import { MemoryContext } from '../../src/lab/memory_context.js';

const lr = mnist.options.lr;
const optimizer = mnist.options.optimizer;
const batchSize = mnist.options.batchSize;

describe('sweep plans', () => {
  test('comma lists parse to typed values; choices are checked', () => {
    assert.deepEqual(parseAxis(lr, '0.01, 0.1,1'), { values: [0.01, 0.1, 1] });
    assert.deepEqual(parseAxis(optimizer, 'sgd,adam,sgd'), { values: ['sgd', 'adam'] });
    assert.throws(() => parseAxis(optimizer, 'sgd,lbfgs'), /'lbfgs' is not one of sgd, adam/);
    assert.throws(() => parseAxis(lr, '0.1,fast'), /'fast' is not a positive number/);
    assert.deepEqual(parseAxis(batchSize, '16:256'), { range: [16, 256], integer: true });
    assert.throws(() => parseAxis(lr, '1:0.1'), /lo < hi/);
    // Each value, and each end of a range, obeys the option's declaration as in `dlab run`.
    assert.throws(() => parseAxis(lr, '0.1,0'), /'0' is not a positive number/);
    assert.throws(() => parseAxis(lr, '0:1'), /'0' is not a positive number/);
    assert.throws(() => parseAxis(mnist.options.epochs, '1,1.5'), /'1.5' is not a positive integer/);
    assert.throws(() => parseAxis(batchSize, '16:256.5'), /'256.5' is not a positive integer/);
  });

  test('a grid is every combination, in order', () => {
    const g = grid({ lr: { values: [0.01, 0.1, 1] }, batchSize: { values: [16, 64, 256] }, optimizer: { values: ['sgd', 'adam'] } });
    assert.equal(g.length, 18);
    assert.deepEqual(g[0], { lr: 0.01, batchSize: 16, optimizer: 'sgd' });
    assert.deepEqual(g[1], { lr: 0.01, batchSize: 16, optimizer: 'adam' });
    assert.deepEqual(g.at(-1), { lr: 1, batchSize: 256, optimizer: 'adam' });
    assert.equal(new Set(g.map((o) => JSON.stringify(o))).size, 18);
    assert.throws(() => grid({ lr: { range: [0.001, 1], integer: false } }), /needs --trials/);
  });

  test('random search: distinct grid points, or log-uniform samples of a range, repeatable by seed', () => {
    const axes = { lr: { values: [0.01, 0.1, 1] }, optimizer: { values: ['sgd', 'adam'] } };
    const picks = randomSearch(axes, 4, 0);
    assert.equal(picks.length, 4);
    assert.equal(new Set(picks.map((o) => JSON.stringify(o))).size, 4);
    assert.deepEqual(randomSearch(axes, 4, 0), picks);
    assert.notDeepEqual(randomSearch(axes, 6, 1), randomSearch(axes, 6, 2));
    const samples = randomSearch({ lr: { range: [0.001, 1], integer: false }, batchSize: { range: [16, 256], integer: true } }, 200, 3);
    const lrs = samples.map((s) => s.lr as number);
    assert.ok(lrs.every((v) => v >= 0.001 && v <= 1));
    // Log-uniform: about a third of the draws in each decade.
    const low = lrs.filter((v) => v < 0.01).length;
    assert.ok(low > 40 && low < 100, `draws below 0.01: ${low} of 200`);
    assert.ok(samples.every((s) => Number.isInteger(s.batchSize) && (s.batchSize as number) >= 16 && (s.batchSize as number) <= 256));
  });

  test('options: defaults, overrides, unknown names and wrong types are errors', () => {
    const o = resolveOptions(mnist, { lr: 0.5 });
    assert.equal(o.lr, 0.5);
    assert.equal(o.epochs, 4);
    assert.throws(() => resolveOptions(mnist, { learningRate: 1 } as never), /mnist has no option 'learningRate'/);
    assert.throws(() => resolveOptions(mnist, { lr: 'fast' } as never), /--lr: expected a positive number, got 'fast'/);
    assert.throws(() => resolveOptions(mnist, { epochs: 1.5 }), /--epochs: expected a positive integer, got '1.5'/);
    assert.throws(() => resolveOptions(mnist, { trainSize: -10 }), /--train-size: expected a positive integer, got '-10'/);
  });

  test('MemoryContext.stop(): the next checkpoint throws Interrupted', async () => {
    const ctx = new MemoryContext();
    await ctx.checkpoint({}, { epoch: 1, step: 1 });
    ctx.stop();
    await assert.rejects(ctx.checkpoint({}, { epoch: 1, step: 2 }), (e: unknown) => e instanceof Interrupted && e.step === 2);
  });
});
