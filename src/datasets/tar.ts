// A small reader (and writer, for tests) of tar archives: POSIX ustar and GNU long names, regular
// files only. Enough for data set archives such as cifar-10-binary.tar.gz (gunzip first).

/** One file of a tar archive: its name and bytes. */
export interface TarEntry {
  /** Path inside the archive, '/'-separated. */
  readonly name: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function field(header: Uint8Array, offset: number, length: number): string {
  const bytes = header.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function octal(header: Uint8Array, offset: number, length: number, what: string, archive: string): number {
  const text = field(header, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error(`${archive}: not a tar archive (bad ${what} field '${text}')`);
  return text === '' ? 0 : parseInt(text, 8);
}

/** The regular files of a tar archive, in order. `archive` names the file in errors. */
export function readTar(bytes: Uint8Array, archive = 'archive'): TarEntry[] {
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  let pos = 0;
  let ended = false;
  while (pos + BLOCK <= bytes.length) {
    const header = bytes.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) {
      ended = true; // end-of-archive blocks
      break;
    }
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    if (sum !== octal(header, 148, 8, 'checksum', archive)) throw new Error(`${archive}: tar header checksum mismatch at byte ${pos}`);
    const size = octal(header, 124, 12, 'size', archive);
    const type = String.fromCharCode(header[156] || 48);
    const start = pos + BLOCK;
    if (start + size > bytes.length) throw new Error(`${archive}: truncated tar archive (an entry needs ${size} bytes at ${start}, the file has ${bytes.length})`);
    const data = bytes.subarray(start, start + size);
    pos = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = decoder.decode(data).replace(/\0+$/, '');
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '7') entries.push({ name, data });
  }
  if (!ended) throw new Error(`${archive}: truncated tar archive (${bytes.length} bytes, no end-of-archive block)`);
  return entries;
}

/** A ustar archive of regular files (names up to 100 bytes). */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const size = entries.reduce((n, e) => n + BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let pos = 0;
  const put = (s: string, offset: number) => out.set(encoder.encode(s), pos + offset);
  for (const { name, data } of entries) {
    if (encoder.encode(name).length > 100) throw new RangeError(`writeTar: name too long: ${name}`);
    put(name, 0);
    put('0000644\0', 100);
    put('0000000\0', 108);
    put('0000000\0', 116);
    put(data.length.toString(8).padStart(11, '0') + '\0', 124);
    put('00000000000\0', 136);
    put('        ', 148);
    put('0', 156);
    put('ustar\0' + '00', 257);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += out[pos + i];
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    out.set(data, pos + BLOCK);
    pos += BLOCK + Math.ceil(data.length / BLOCK) * BLOCK;
  }
  return out;
}
