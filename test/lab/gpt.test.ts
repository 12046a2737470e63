// The gpt experiment end to end in memory with tiny options on a short text file the test writes
// (and once on The Time Machine): validation perplexity per epoch, both tokens/s, the KV cache
// giving the same tokens, samples, the attention map, the saved model folder, --compare-rnn's two
// numbers; and every bad input refused with a message that names it.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import '../../src/datasets/index.js';
import { Generator, models } from '../../src/index.js';
import { loadModelFolder } from '../../src/io/model_folder.node.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { gptExperiment } from '../../src/lab/experiments/gpt.js';
import { nodeFileAccess } from '../../src/lab/files.node.js';
import { MemoryContext } from '../../src/lab/memory_context.js';

const dir = mkdtempSync(join(tmpdir(), 'dlab-gpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sentence = 'the time traveller smiled. we sat and watched the little machine spin. ';
const textFile = join(dir, 'story.txt');
writeFileSync(textFile, sentence.repeat(40));
const tiny = { text: textFile, blockSize: 16, dModel: 32, nHead: 2, nLayer: 2, batchSize: 8, epochs: 2, stepsPerEpoch: 12, warmupSteps: 4, evalBlocks: 8, numTokens: 24, prompt: 'the time', lr: 1e-2 };
const context = (runDir = join(dir, 'run')) => new MemoryContext({ yieldEvery: 1000, files: nodeFileAccess(runDir) });

describe('gpt experiment', () => {
  test('trains on a --text file: perplexity per epoch, speeds, the same tokens with the KV cache, samples, attention map, model folder, --compare-rnn', async () => {
    const runDir = join(dir, 'run1');
    const ctx = context(runDir);
    const m = await gptExperiment.run(resolveOptions(gptExperiment, { ...tiny, compareRnn: true, rnnHiddens: 16 }), ctx);
    const val = ctx.series('val_perplexity');
    assert.equal(val.length, 2);
    assert.ok(val.every(Number.isFinite) && val[1] < val[0], `validation perplexity ${val.join(' -> ')}`);
    assert.equal(m.val_perplexity, +val[1].toFixed(4));
    for (const key of ['tokens_per_second', 'generate_tokens_per_second_kv_cache', 'generate_tokens_per_second_no_cache', 'gru_val_perplexity', 'lstm_val_perplexity']) {
      assert.ok(typeof m[key] === 'number' && Number.isFinite(m[key]) && m[key] > 0, `${key}: ${m[key]}`);
    }
    assert.ok(['transformer', 'gru', 'lstm'].includes(m.compare_winner as string));
    assert.equal(m.kv_cache_same_tokens, 1);
    assert.ok((m.sample as string).startsWith('the time') && [...(m.sample as string)].length === 'the time'.length + 24, m.sample as string);

    const samples = ctx.artifacts.get('samples');
    assert.ok(samples?.kind === 'table' && samples.rows.length >= 4 && samples.rows.every((r) => String(r[1]).startsWith('the time')));
    const attention = ctx.artifacts.get('attention');
    assert.ok(attention?.kind === 'images');
    const [map] = attention.images;
    assert.equal(map.length, attention.height * attention.width);
    for (let i = 0; i < attention.height; i++) {
      const row = map.slice(i * attention.width, (i + 1) * attention.width);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, `row ${i} sums to 1`);
      assert.ok(row.slice(i + 1).every((w) => w === 0), `row ${i}: no weight on the future`);
    }
    assert.ok(ctx.artifacts.get('perplexity')?.kind === 'chart');
    const findings = ctx.artifacts.get('findings');
    assert.ok(findings?.kind === 'text' && findings.paragraphs.some((p) => /Same wall clock/.test(p) && /wins by/.test(p)), JSON.stringify(findings));

    // The saved folder loads back into the same model: the same tokens from the same seed.
    const { model, config } = loadModelFolder(join(runDir, 'model'), models.gptFromConfig);
    assert.equal(config.model_type, 'gpt');
    const vocab = config.vocab as string[];
    const prompt = [...'the time'].map((c) => vocab.indexOf(c));
    const ids = model.generate(prompt, 24, { temperature: 0.8, topP: 0.95, generator: new Generator(0) });
    assert.equal(ids.map((i) => vocab[i]).join(''), m.sample);
  });

  test('The Time Machine by default, d2l-style (lowercase letters and spaces)', async () => {
    const ctx = context();
    const m = await gptExperiment.run(resolveOptions(gptExperiment, { ...tiny, text: '', epochs: 1, stepsPerEpoch: 3, numTokens: 5, prompt: 'time traveller' }), ctx);
    assert.ok(Number.isFinite(m.val_perplexity));
    assert.match(ctx.lines[0], /^The Time Machine: 170,580 characters \(153,522 train, 17,058 validation\), vocabulary of 28 tokens$/);
  });

  describe('bad input gets a clear message', () => {
    const rejects = (options: Record<string, unknown>, message: RegExp, ctx = context()) =>
      assert.rejects(async () => gptExperiment.run(resolveOptions(gptExperiment, { ...tiny, ...options }), ctx), message);
    test('an empty --text file', () => {
      writeFileSync(join(dir, 'empty.txt'), '');
      return rejects({ text: join(dir, 'empty.txt') }, /--text .*empty\.txt: the file is empty; expected text/);
    });
    test('a binary --text file', () => {
      writeFileSync(join(dir, 'data.bin'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
      return rejects({ text: join(dir, 'data.bin') }, /--text .*data\.bin: a binary file \(it holds NUL bytes\); expected UTF-8 text/);
    });
    test('a --text file that is not UTF-8', () => {
      writeFileSync(join(dir, 'latin1.txt'), Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff]));
      return rejects({ text: join(dir, 'latin1.txt') }, /--text .*latin1\.txt: not UTF-8 text/);
    });
    test('a --text file that does not exist', () => rejects({ text: join(dir, 'nowhere.txt') }, /nowhere\.txt: no such file/));
    test('a --text file too short for the context', () => {
      writeFileSync(join(dir, 'short.txt'), 'the time machine '.repeat(5));
      return rejects({ text: join(dir, 'short.txt') }, /--block-size 16: .*short\.txt has 85 characters, too few: the 10% validation split needs at least 17/);
    });
    test('a prompt with characters outside the vocabulary', () => rejects({ prompt: 'The Time!' }, /--prompt: "T", "!" not in the vocabulary of .*story\.txt/));
    test('heads that do not divide the width', () => rejects({ nHead: 3 }, /--n-head: 3 heads do not divide --d-model 32/));
    test('out-of-range options', () => {
      assert.throws(() => resolveOptions(gptExperiment, { topP: 0 }), /--top-p: expected a number in \(0, 1\], got '0'/);
      assert.throws(() => resolveOptions(gptExperiment, { topP: 1.5 }), /--top-p: expected a number in \(0, 1\], got '1.5'/);
      assert.throws(() => resolveOptions(gptExperiment, { temperature: -1 }), /--temperature: expected a non-negative number, got '-1'/);
      assert.throws(() => resolveOptions(gptExperiment, { blockSize: 1 }), /--block-size: expected an integer >= 2, got '1'/);
      assert.throws(() => resolveOptions(gptExperiment, { dropout: 1 }), /--dropout: expected a number in \[0, 0.9\], got '1'/);
    });
  });
});
