// The house rule, checked on what a browser gets: the core (src/index.ts) bundled for the browser
// names nothing of Node's. An import of a Node built-in already fails the bundle; this also catches
// the ones a bundler cannot see (process.getBuiltinModule('node:os'), require in a worker's source).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundleForBrowser } from './chromium.js';

test('the browser bundle of the core names no Node built-in', async () => {
  const code = await bundleForBrowser(new URL('../../src/index.ts', import.meta.url));
  const found = [...code.matchAll(/.{0,60}(?:getBuiltinModule|node:).{0,60}/g)].map((m) => m[0]);
  assert.deepEqual(found, []);
});
