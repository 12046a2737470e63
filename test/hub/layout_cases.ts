// What the layout fixture compares: the pulls both tools make of the local hub, and a cache's
// entries as data (shared by tools/fixtures/hub_layout.ts and test/hub/python-layout.test.ts).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface LayoutCase {
  name: string;
  repo: string;
  revision: string;
  include: string[] | null;
}

export const LAYOUT_CASES: LayoutCase[] = [
  { name: 'full', repo: 'test/tiny-sd', revision: 'main', include: null },
  { name: 'include', repo: 'test/tiny-sd', revision: 'main', include: ['*.json', 'unet/*.fp16.safetensors'] },
];

/** Every entry under a cache: 'dir', '-> target' for a link, 'file <sha256>' for a file. */
export function cacheEntries(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      const key = relative(dir, p).split(sep).join('/');
      if (e.isSymbolicLink()) out[key] = `-> ${readlinkSync(p)}`;
      else if (e.isDirectory()) {
        out[`${key}/`] = 'dir';
        walk(p);
      } else out[key] = `file ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}
