// Runs the built CLI (npm test builds first), as an installed `dlab` would run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const dlab = (...args: string[]): string =>
  execFileSync(process.execPath, [main, ...args], { encoding: 'utf8' });

test('dlab --version prints the package version', () => {
  assert.equal(dlab('--version').trim(), pkg.version);
});

test('dlab --help shows usage and the list command', () => {
  const help = dlab('--help');
  assert.match(help, /^Usage: dlab /);
  assert.match(help, /^\s+list\b/m);
});

test('dlab list reports that there are no experiments yet', () => {
  assert.equal(dlab('list').trim(), 'no experiments yet');
});
