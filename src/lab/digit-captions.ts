// Captions for MNIST digits, the text-conditioned ddpm's training text: each image gets a short
// caption drawn from a few phrasings of its label ("7", "seven", "a handwritten seven", "the
// digit 7", ...) by a seeded generator, so the text encoder must learn that "7", "seven" and "a
// handwritten seven" mean one thing. The vocabulary is every word the phrasings can produce.

import type { Generator } from '../random/generator.js';
import { splitWords } from '../models/word_tokenizer.js';

/** The digits' names, by digit. */
export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

/** "a" or "an" before a word (an eight, an 8). */
const article = (word: string) => (/^(eight|8)$/.test(word) ? 'an' : 'a');

/** The phrasings of digit d: {w} its name, {n} the numeral. */
const TEMPLATES: readonly ((w: string, n: string) => string)[] = [
  (_w, n) => n,
  (w) => w,
  (w) => `${article(w)} ${w}`,
  (_w, n) => `${article(n)} ${n}`,
  (w) => `the digit ${w}`,
  (_w, n) => `the digit ${n}`,
  (w) => `a handwritten ${w}`,
  (_w, n) => `a handwritten ${n}`,
  (w) => `handwritten ${w}`,
  (w) => `the number ${w}`,
  (_w, n) => `number ${n}`,
  (w) => `a drawing of ${article(w)} ${w}`,
];

/** Every caption of digit d, one per phrasing. */
export function captionsOf(digit: number): string[] {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9) throw new RangeError(`captionsOf: expected a digit in [0, 9], but got ${digit}`);
  return TEMPLATES.map((t) => t(DIGIT_WORDS[digit], String(digit)));
}

/** One caption per label, each phrasing (close to) equally likely, drawn from `generator` (one 32-bit draw each). */
export function drawCaptions(labels: readonly number[], generator: Generator): string[] {
  return labels.map((d) => captionsOf(d)[generator.random() % TEMPLATES.length]);
}

/** The words the captions use, in first-seen order (digits 0..9, phrasing by phrasing). */
export function captionVocabulary(): string[] {
  const words = new Set<string>();
  for (let d = 0; d < 10; d++) for (const c of captionsOf(d)) for (const w of splitWords(c)) words.add(w);
  return [...words];
}

/** The longest caption, in words. */
export const maxCaptionWords = (): number => Math.max(...Array.from({ length: 10 }, (_, d) => Math.max(...captionsOf(d).map((c) => splitWords(c).length))));

/** The caption the report and `dlab generate` examples use for digit d: "a handwritten seven". */
export const canonicalCaption = (digit: number) => `a handwritten ${DIGIT_WORDS[digit]}`;
