// A word-level tokenizer for short captions, the text-conditioned ddpm's: lower-cased words and
// single digits, each one id of a fixed vocabulary, framed by <bos> ... <eos> and padded with <pad>
// to a fixed length (CLIP's framing at toy scale: Stable Diffusion's prompts are <bos> ... <eos>
// padded to 77). A word outside the vocabulary is refused by name rather than mapped to an
// unknown token: the model has never seen it, and a student should hear so.

/** The special tokens, at ids 0, 1, 2 of every vocabulary. */
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>'] as const;

/** A caption's words: lower-cased runs of letters, and each digit on its own ("7" -> ["7"]). */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}']+|\p{N}|[^\s\p{L}\p{N}]/gu) ?? [];
}

/** Thrown for a caption with words outside the vocabulary; names them and lists what the model knows. */
export class OutOfVocabularyError extends Error {
  constructor(
    readonly words: string[],
    readonly vocabulary: readonly string[],
  ) {
    const list = vocabulary.filter((w) => !(SPECIAL_TOKENS as readonly string[]).includes(w));
    super(`${words.map((w) => `'${w}'`).join(', ')} ${words.length === 1 ? 'is' : 'are'} not in the model's vocabulary; it knows ${list.length} words: ${list.join(' ')}`);
    this.name = 'OutOfVocabularyError';
  }
}

/** Word ids <-> words, with captions encoded as fixed-length rows [<bos>, w..., <eos>, <pad>...]. */
export class WordTokenizer {
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;
  readonly padId = 0;
  readonly bosId = 1;
  readonly eosId = 2;
  /** `words`: the vocabulary after the special tokens; `maxLength`: tokens per encoded caption, <bos> and <eos> included. */
  constructor(
    words: readonly string[],
    readonly maxLength: number,
  ) {
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`WordTokenizer: maxLength must be an integer >= 2 (room for <bos> and <eos>), but got ${maxLength}`);
    this.vocab = [...SPECIAL_TOKENS, ...words.filter((w) => !(SPECIAL_TOKENS as readonly string[]).includes(w))];
    this.ids = new Map(this.vocab.map((w, i) => [w, i]));
    if (this.ids.size !== this.vocab.length) throw new RangeError('WordTokenizer: the vocabulary repeats a word');
  }

  /** A tokenizer from a saved vocabulary (vocab.json: the tokens by id, specials first). */
  static fromVocab(vocab: readonly string[], maxLength: number): WordTokenizer {
    SPECIAL_TOKENS.forEach((t, i) => {
      if (vocab[i] !== t) throw new Error(`vocabulary: expected '${t}' at id ${i}, but found '${vocab[i]}'`);
    });
    return new WordTokenizer(vocab.slice(SPECIAL_TOKENS.length), maxLength);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** The words of `text` the vocabulary lacks (none: it can be encoded). */
  unknownWords(text: string): string[] {
    return [...new Set(splitWords(text).filter((w) => !this.ids.has(w)))];
  }

  /** One caption as maxLength ids; throws OutOfVocabularyError for unknown words, RangeError when too long. */
  encode(text: string): number[] {
    const unknown = this.unknownWords(text);
    if (unknown.length) throw new OutOfVocabularyError(unknown, this.vocab);
    const words = splitWords(text);
    if (words.length > this.maxLength - 2) throw new RangeError(`'${text}' has ${words.length} words; this model reads at most ${this.maxLength - 2}`);
    const ids = [this.bosId, ...words.map((w) => this.ids.get(w)!), this.eosId];
    while (ids.length < this.maxLength) ids.push(this.padId);
    return ids;
  }

  /** The words of a row of ids, specials dropped. */
  decode(ids: readonly number[]): string {
    return ids
      .filter((i) => i > this.eosId)
      .map((i) => this.vocab[i])
      .join(' ');
  }
}
