// CLIP's byte-level BPE tokenizer, transliterated from transformers' CLIPTokenizer
// (models/clip/tokenization_clip.py): it reads a checkpoint's tokenizer/vocab.json and merges.txt.
//
// Normalization is the slow tokenizer's path without ftfy (BasicTokenizer with
// strip_accents=False, do_split_on_punc=False): drop control characters, turn whitespace into
// spaces, space out CJK ideographs, NFC, split on whitespace, lowercase, rejoin with one space.
// For ordinary prompts this equals ftfy's path (whitespace collapse + lowercase) and the fast
// tokenizer's (NFC + whitespace collapse + lowercase); it differs only on control characters and
// on runs of CJK ideographs, which the fast tokenizer keeps together.
// No npm package reads vocab.json + merges.txt with CLIP's rules (@huggingface/tokenizers reads
// tokenizer.json, which Stable Diffusion's tokenizer folders do not ship), hence this file.

const START = '<|startoftext|>';
const END = '<|endoftext|>';

/** GPT-2's reversible byte -> printable character table (bytes_to_unicode). */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const table: string[] = new Array(256);
  for (const b of bs) table[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) table[b] = String.fromCodePoint(256 + n++);
  return table;
}

const WHITESPACE = /^[ \t\n\r\p{Zs}]$/u;
const CONTROL = /^\p{C}$/u;

function isCjk(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
}

/** BasicTokenizer(strip_accents=False, do_split_on_punc=False).tokenize, joined by single spaces. */
export function normalizeClipText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || (!'\t\n\r'.includes(ch) && CONTROL.test(ch))) continue;
    if (WHITESPACE.test(ch)) out += ' ';
    else if (isCjk(cp)) out += ` ${ch} `;
    else out += ch;
  }
  return out.normalize('NFC').split(/\s+/u).filter((t) => t !== '').map((t) => t.toLowerCase()).join(' ');
}

// CLIP's pre-tokenization pattern, with Python's re.IGNORECASE as the `i` flag.
const PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/** Options of a tokenizer call: the pipeline's `padding="max_length", truncation=True`. */
export interface ClipTokenizeOptions {
  /** Length of the result (default the tokenizer's model_max_length, 77). */
  maxLength?: number;
}

/** What a tokenizer folder's special_tokens_map.json / tokenizer_config.json may name. */
interface TokenSpec {
  content?: string;
}

/** transformers' CLIPTokenizer: BPE over UTF-8 bytes, `<|startoftext|>` ... `<|endoftext|>`, padded to 77. */
export class CLIPTokenizer {
  readonly encoder: Map<string, number>;
  readonly decoder: Map<number, string>;
  readonly bpeRanks: Map<string, number>;
  readonly byteEncoder = bytesToUnicode();
  readonly padToken: string;
  readonly modelMaxLength: number;
  private readonly cache = new Map<string, string[]>([[START, [START]], [END, [END]]]);

  /** vocab: vocab.json's token -> id map; merges: merges.txt's text; pad: the pad token (SD 1.x `<|endoftext|>`, SD 2.x `!`). */
  constructor(vocab: Record<string, number>, merges: string, options: { padToken?: string; modelMaxLength?: number } = {}) {
    this.encoder = new Map(Object.entries(vocab));
    this.decoder = new Map([...this.encoder].map(([k, v]) => [v, k]));
    // As transformers reads merges.txt: strip, split lines, skip the "#version" header, at most 48,894 merges.
    const lines = merges.trim().split('\n').slice(1, 49152 - 256 - 2 + 1);
    this.bpeRanks = new Map(lines.map((line, i) => [line.split(/\s+/).filter(Boolean).join(' '), i]));
    this.padToken = options.padToken ?? END;
    this.modelMaxLength = options.modelMaxLength ?? 77;
    for (const t of [START, END, this.padToken]) {
      if (!this.encoder.has(t)) throw new Error(`CLIPTokenizer: the vocab has no token ${JSON.stringify(t)}`);
    }
  }

  /** A tokenizer from a folder's files: vocab.json, merges.txt and (optional) special_tokens_map.json / tokenizer_config.json. */
  static fromFiles(files: { vocab: string; merges: string; specialTokensMap?: string; tokenizerConfig?: string }): CLIPTokenizer {
    const vocab = JSON.parse(files.vocab) as Record<string, number>;
    const special = files.specialTokensMap ? (JSON.parse(files.specialTokensMap) as Record<string, unknown>) : {};
    const config = files.tokenizerConfig ? (JSON.parse(files.tokenizerConfig) as Record<string, unknown>) : {};
    const name = (v: unknown): string | undefined => (typeof v === 'string' ? v : (v as TokenSpec | null | undefined)?.content);
    const padToken = name(special.pad_token) ?? name(config.pad_token) ?? END;
    const max = config.model_max_length;
    // Some configs carry a huge sentinel model_max_length; CLIP's position table is 77 long.
    const modelMaxLength = typeof max === 'number' && max > 0 && max <= 1e6 ? max : 77;
    return new CLIPTokenizer(vocab, files.merges, { padToken, modelMaxLength });
  }

  /** bpe(): merge the lowest-ranked adjacent pair until none is in the merges; the last symbol carries `</w>`. */
  bpe(token: string): string[] {
    const hit = this.cache.get(token);
    if (hit) return hit;
    const chars = [...token];
    let word = [...chars.slice(0, -1), chars[chars.length - 1] + '</w>'];
    if (word.length === 1) return [token + '</w>'];
    while (word.length > 1) {
      let best: [string, string] | null = null;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.bpeRanks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) [bestRank, best] = [r, [word[i], word[i + 1]]];
      }
      if (!best) break;
      const [first, second] = best;
      const next: string[] = [];
      for (let i = 0; i < word.length;) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          next.push(first + second);
          i += 2;
        } else {
          next.push(word[i++]);
        }
      }
      word = next;
    }
    this.cache.set(token, word);
    return word;
  }

  /** The BPE tokens of `text` (tokenize()): special tokens split out first, then normalize, pre-split, byte-map, BPE. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const part of text.split(/(<\|startoftext\|>|<\|endoftext\|>)/)) {
      if (part === '') continue;
      if (part === START || part === END) {
        out.push(part);
        continue;
      }
      const norm = normalizeClipText(part);
      for (const m of norm.matchAll(PATTERN)) {
        const bytes = new TextEncoder().encode(m[0]);
        let mapped = '';
        for (const b of bytes) mapped += this.byteEncoder[b];
        out.push(...this.bpe(mapped));
      }
    }
    return out;
  }

  /** Ids of `text` as the pipeline asks: BOS, at most maxLength - 2 tokens, EOS, then the pad id up to maxLength. */
  encode(text: string, options: ClipTokenizeOptions = {}): number[] {
    const maxLength = options.maxLength ?? this.modelMaxLength;
    const unk = this.encoder.get(END)!;
    const ids = this.tokenize(text).map((t) => this.encoder.get(t) ?? unk).slice(0, Math.max(0, maxLength - 2));
    const full = [this.encoder.get(START)!, ...ids, this.encoder.get(END)!];
    const pad = this.encoder.get(this.padToken)!;
    while (full.length < maxLength) full.push(pad);
    return full;
  }

  /** Text back from ids (convert_tokens_to_string), skipping the special tokens. */
  decode(ids: readonly number[]): string {
    const inverse = new Map(this.byteEncoder.map((c, b) => [c, b]));
    const tokens = ids.map((id) => this.decoder.get(id) ?? '').filter((t) => t !== START && t !== END);
    const bytes = [...tokens.join('')].map((c) => inverse.get(c)).filter((b): b is number => b !== undefined);
    return new TextDecoder('utf-8').decode(new Uint8Array(bytes)).replaceAll('</w>', ' ').trim();
  }
}
