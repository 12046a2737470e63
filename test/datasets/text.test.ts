// d2l's text pipeline: preprocessing, tokenize, Vocab, the sequence iterators (against d2l's code
// run with torch's RNG, tools/fixtures/data_more.py), and The Time Machine's file handling.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Tensor, manualSeed } from '../../src/index.js';
import { Vocab, tokenize, countCorpus, seqDataIterRandom, seqDataIterSequential, SeqDataLoader } from '../../src/data/index.js';
import { readTimeMachine, loadCorpusTimeMachine, loadDataTimeMachine, TIME_MACHINE, timeMachineText, splitLines } from '../../src/datasets/index.js';
import { Generator } from '../../src/random/generator.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/data_more.json', import.meta.url), 'utf8')) as {
  text: { text: string; lines: string[]; word_vocab: string[]; word_freqs: [string, number][]; word_indices: number[]; char_vocab: string[]; char_corpus: number[] };
  seq: { batch_size: number; num_steps: number; corpus_len: number; random: number[][][][][]; sequential: number[][][][][] };
};

const nested = (t: Tensor) => {
  const [r, c] = t.shape;
  const v = Array.from(t.toTypedArray());
  return Array.from({ length: r }, (_, i) => v.slice(i * c, (i + 1) * c));
};

test('read_time_machine preprocessing, tokenize and Vocab match d2l', () => {
  const t = fx.text;
  const lines = readTimeMachine({ text: t.text });
  assert.deepEqual(lines, t.lines);
  const words = tokenize(lines, 'word');
  const vocab = new Vocab(words, { minFreq: 2, reservedTokens: ['<pad>', '<bos>'] });
  assert.deepEqual(vocab.idxToToken, t.word_vocab);
  assert.deepEqual(vocab.tokenFreqs, t.word_freqs);
  assert.deepEqual([...vocab.getItem(words[0]), ...vocab.toIndices(['zebra', 'and'])], t.word_indices);
  assert.equal(vocab.getItem('zebra'), 0);
  assert.equal(vocab.length, t.word_vocab.length);
  assert.deepEqual(vocab.toTokens([0, 1, 3]), ['<unk>', '<pad>', t.word_vocab[3]]);
  assert.throws(() => vocab.toTokens(999), /out of range/);
  const [corpus, cv] = loadCorpusTimeMachine(-1, { text: t.text });
  assert.deepEqual(cv.idxToToken, t.char_vocab);
  assert.deepEqual(corpus, t.char_corpus);
  assert.deepEqual(loadCorpusTimeMachine(10, { text: t.text })[0], t.char_corpus.slice(0, 10));
  assert.throws(() => tokenize(['a'], 'byte' as never), /unknown token type: byte/);
  assert.deepEqual([...countCorpus(['b', 'a', 'b'])], [['b', 2], ['a', 1]]);
  assert.deepEqual(splitLines('a\r\nb\rc\n'), ['a', 'b', 'c']);
});

test('seqDataIterRandom / seqDataIterSequential: d2l batches, with torch RNG draws after manualSeed', () => {
  const s = fx.seq;
  const corpus = Array.from({ length: s.corpus_len }, (_, i) => i);
  for (const [name, fn] of [['random', seqDataIterRandom], ['sequential', seqDataIterSequential]] as const) {
    manualSeed(0);
    const passes = [0, 1].map(() => [...fn(corpus, s.batch_size, s.num_steps)].map(([x, y]) => [nested(x), nested(y)]));
    assert.deepEqual(passes, s[name], name);
  }
  // Y is X shifted by one; dtype int64; sequential batches continue each other row by row.
  const batches = [...seqDataIterSequential(corpus, 2, 5, { generator: new Generator(3) })];
  for (const [x, y] of batches) {
    assert.equal(x.dtype, 'int64');
    assert.deepEqual(nested(y), nested(x).map((row) => row.map((v) => v + 1)));
  }
  assert.equal(nested(batches[1][0])[0][0], nested(batches[0][0])[0][4] + 1);
  // A loader makes a fresh pass each time it is iterated.
  const loader = new SeqDataLoader(corpus, 2, 5, { useRandomIter: true, generator: new Generator(1) });
  assert.equal([...loader].length, [...loader].length);
});

test('the real Time Machine text ships with dlab and gives d2l\'s numbers', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-tm-real-'));
  try {
    // An empty root: the copy shipped in src/datasets/data is found (and its SHA-1 checked).
    const lines = readTimeMachine({ root });
    assert.equal(lines.length, 3221);
    assert.equal(lines[0], 'the time machine by h g wells');
    assert.equal(lines[10], 'twinkled and his usually pale face was flushed and animated the');
    const words = new Vocab(tokenize(lines, 'word'));
    // d2l 8.2 prints these: the most frequent words and the first indices.
    assert.deepEqual(words.tokenFreqs.slice(0, 3), [['the', 2261], ['i', 1267], ['and', 1245]]);
    assert.deepEqual(words.idxToToken.slice(0, 10), ['<unk>', 'the', 'i', 'and', 'of', 'a', 'to', 'was', 'in', 'that']);
    const [corpus, vocab] = loadCorpusTimeMachine(-1, { root });
    assert.equal(corpus.length, 170580);
    assert.equal(vocab.length, 28);
    assert.deepEqual(vocab.idxToToken.slice(0, 10), ['<unk>', ' ', 'e', 't', 'a', 'i', 'n', 'o', 's', 'h']);
    // d2l's training setup: the first 10,000 characters, batch 32, 35 steps: 8 batches per pass.
    const [loader] = loadDataTimeMachine(32, 35, { root, generator: new Generator(0) });
    const batches = [...loader];
    assert.equal(batches.length, 8);
    assert.deepEqual(batches[0][0].shape, [32, 35]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('The Time Machine file: SHA-1 checked, found under the root, clear errors', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-tm-'));
  try {
    assert.equal(TIME_MACHINE.sha1, '090b5e7e70c295757f55df93cb0a180b9691891a');
    // A made-up text under the root fails its checksum, naming the file and both hashes.
    writeFileSync(join(root, 'timemachine.txt'), fx.text.text);
    const actual = createHash('sha1').update(fx.text.text).digest('hex');
    assert.throws(
      () => readTimeMachine({ root, lookIn: [] }),
      (e: Error) => e.message.includes(join(root, 'timemachine.txt')) && e.message.includes(`expected sha1 ${TIME_MACHINE.sha1}, got ${actual}`),
    );
    // The data loader over a given text (as in the browser): batches of the right shape.
    const [loader, vocab] = loadDataTimeMachine(2, 5, { text: fx.text.text, generator: new Generator(0) });
    const [x] = [...loader][0];
    assert.deepEqual(x.shape, [2, 5]);
    assert.equal(vocab.length, fx.text.char_vocab.length);
    assert.equal(timeMachineText({ text: 'x' }), 'x');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
