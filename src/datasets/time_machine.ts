// H. G. Wells' The Time Machine, d2l's text for language models (chapters 8.2-8.3): d2l's copy of
// the Project Gutenberg text, SHA-1 checked, read as lines with everything but letters turned into
// spaces and lowercased; the character corpus and its Vocab; the minibatch iterators.

import type { Generator } from '../random/generator.js';
import { SeqDataLoader, Vocab, tokenize } from '../data/text.js';
import { d2lHubFile } from './house_prices.js';
import { getDefaultFileSource } from './default_source.js';
import type { FileSource, Location } from './source.js';

/** d2l.DATA_HUB['time_machine']. */
export const TIME_MACHINE = d2lHubFile('timemachine.txt', '090b5e7e70c295757f55df93cb0a180b9691891a');

/** Options of The Time Machine readers: source, text (the book itself, to skip reading it), download. */
export interface TimeMachineOptions extends Location {
  source?: FileSource;
  /** The raw text itself, skipping any source (the browser path). */
  text?: string;
  /** Fetch the file if missing (only in the async functions). */
  download?: boolean;
}

/** d2l's preprocessing of one line: runs of non-letters become one space, trimmed, lowercased. */
export function preprocessLine(line: string): string {
  return line.replace(/[^A-Za-z]+/g, ' ').trim().toLowerCase();
}

/** Lines as Python's readlines() gives them (universal newlines, no empty line after a final newline). */
export function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The raw text of The Time Machine (verified). */
export function timeMachineText(options: TimeMachineOptions = {}): string {
  if (options.text !== undefined) return options.text;
  const source = options.source ?? getDefaultFileSource('time machine');
  if (!source.readRemote) throw new Error('time machine: this file source cannot read data set files; pass { text }');
  return new TextDecoder().decode(source.readRemote(TIME_MACHINE, options));
}

/** d2l.read_time_machine: the preprocessed lines. */
export function readTimeMachine(options: TimeMachineOptions = {}): string[] {
  return splitLines(timeMachineText(options)).map(preprocessLine);
}

/** Download the text if it is not on disk (no-op when a verified copy is found). */
export async function downloadTimeMachine(options: TimeMachineOptions = {}): Promise<void> {
  if (options.text !== undefined) return;
  const source = options.source ?? getDefaultFileSource('time machine');
  await source.fetchRemote?.(TIME_MACHINE, options);
}

/**
 * d2l.load_corpus_time_machine: the character tokens' indices as one list, and the Vocab
 * (28 tokens for the real text: '<unk>', ' ' and the 26 letters). maxTokens > 0 truncates.
 */
export function loadCorpusTimeMachine(maxTokens = -1, options: TimeMachineOptions = {}): [number[], Vocab] {
  const tokens = tokenize(readTimeMachine(options), 'char');
  const vocab = new Vocab(tokens);
  let corpus: number[] = [];
  for (const line of tokens) for (const t of line) corpus.push(vocab.getItem(t));
  if (maxTokens > 0) corpus = corpus.slice(0, maxTokens);
  return [corpus, vocab];
}

/** d2l.load_data_time_machine: a SeqDataLoader over the first maxTokens characters, and the Vocab. */
export function loadDataTimeMachine(
  batchSize: number,
  numSteps: number,
  options: TimeMachineOptions & { useRandomIter?: boolean; maxTokens?: number; generator?: Generator } = {},
): [SeqDataLoader, Vocab] {
  const [corpus, vocab] = loadCorpusTimeMachine(options.maxTokens ?? 10000, options);
  return [new SeqDataLoader(corpus, batchSize, numSteps, { useRandomIter: options.useRandomIter, generator: options.generator }), vocab];
}
