// The terminal progress line: the loss's trend as a sparkline beside its value.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsoleContext, sparkline, Trend } from '../../src/lab/console.node.js';

test('sparkline: lowest ▁ to highest █; equal values a flat line; a NaN a gap', () => {
  assert.equal(sparkline([4, 3, 2, 1, 0]), '█▆▅▃▁');
  assert.equal(sparkline([0, 7]), '▁█');
  assert.equal(sparkline([2, 2, 2]), '▄▄▄');
  assert.equal(sparkline([1, NaN, 0]), '█ ▁');
});

test('Trend samples evenly over the bar and ends with the current value', () => {
  const trend = new Trend(100, 4); // a sample every 25 updates, 4 kept
  const lines: string[] = [];
  for (let done = 1; done <= 100; done++) lines.push(trend.add('loss', done, 100 - done));
  // Samples at 1, 25, 50, 75 (then 100): the line at 60 is those before it and the value at 60.
  assert.equal(lines[59], sparkline([99, 75, 50, 40]));
  assert.equal(lines[99], sparkline([75, 50, 25, 0]));
  assert.equal(lines[99], '█▆▃▁');
});

test('the progress line shows the loss with its trend; other values without one', () => {
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const ctx = new ConsoleContext(false);
    const bar = ctx.progress(4, 'epoch 1/1');
    [0.9, 0.5, 0.3, 0.2].forEach((loss, i) => bar.update(i + 1, { loss, acc: 0.5 }));
    bar.finish();
  } finally {
    process.stderr.write = write;
  }
  const last = written.join('').trim().split('\n').at(-1)!;
  assert.match(last, /loss 0\.2000 █▄▂▁  acc 0\.5000$/);
});

test('updates between redraws only sample the trend; finish shows the last values with every sample', () => {
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const ctx = new ConsoleContext(false);
    const bar = ctx.progress(100, 'epoch 1/1'); // a trend sample every 6 updates (16 kept)
    // Fast updates: within 50 ms of each other, so only the first composes the live text ...
    for (let done = 1; done <= 60; done++) bar.update(done, { loss: 100 - done, acc: done / 100 });
    // ... and a stop mid-epoch (Ctrl-C) still shows where the loop got to, trend included.
    bar.finish();
  } finally {
    process.stderr.write = write;
  }
  const last = written.join('').trim().split('\n').at(-1)!;
  const samples = [99, 94, 88, 82, 76, 70, 64, 58, 52, 46, 40]; // done = 1, 6, 12, ..., 60
  assert.ok(last.endsWith(`loss 40.00 ${sparkline(samples)}  acc 0.6000`), last);
});
