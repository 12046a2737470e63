// Gives dist/ a package.json of its own, so that the built files resolve the package's "imports"
// (#wasm-platform, ...: the Node or browser adapter, by condition) to their siblings in dist/.
// The top-level map points into src/ (where tsx, tsc and esbuild find the .ts behind each .js);
// this one is the same map with ./src/ replaced by ./ . Run by `npm run build` after tsc.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

/** The map with every target under ./src/ moved to the same path under dist/. */
function toDist(target) {
  if (typeof target === 'string') {
    if (!target.startsWith('./src/')) throw new Error(`package.json imports: target ${target} is not under ./src/`);
    return `./${target.slice('./src/'.length)}`;
  }
  return Object.fromEntries(Object.entries(target).map(([condition, t]) => [condition, toDist(t)]));
}

const dist = { type: pkg.type, imports: toDist(pkg.imports) };
writeFileSync(new URL('dist/package.json', root), `${JSON.stringify(dist, null, 2)}\n`);
