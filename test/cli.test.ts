// Runs the built CLI (npm test builds first), as an installed `dlab` would run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertBuildIsFresh } from './build.js';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

test('dist is built from the current src', assertBuildIsFresh);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const dlab = (...args: string[]): string =>
  execFileSync(process.execPath, [main, ...args], { encoding: 'utf8' });

test('the built bin runs as a program (npx dlab executes it directly, by its shebang)', () => {
  assert.ok((statSync(main).mode & 0o111) !== 0, `${main} is not executable`);
  assert.equal(execFileSync(main, ['--version'], { encoding: 'utf8' }).trim(), pkg.version);
});

test('dlab --version prints the package version', () => {
  assert.equal(dlab('--version').trim(), pkg.version);
});

test('dlab --help shows usage and the lab commands', () => {
  const help = dlab('--help');
  assert.match(help, /^Usage: dlab /);
  for (const cmd of ['list', 'run', 'runs', 'sweep', 'report']) assert.match(help, new RegExp(`^\\s+${cmd}\\b`, 'm'));
});

test('dlab list shows each experiment on one line', () => {
  const list = dlab('list');
  assert.match(list, /^mnist\s+MLP 784-128-10 on real MNIST/m);
  for (const name of ['sin', 'linreg', 'softmax']) assert.match(list, new RegExp(`^${name}\\s+\\S`, 'm'));
});

test('dlab run mnist --help lists the typed options with defaults', () => {
  const help = dlab('run', 'mnist', '--help');
  assert.match(help, /--lr <value>\s+learning rate \(default: 0\.1\)/);
  assert.match(help, /--optimizer <value>\s+optimizer \(sgd takes --momentum\) \(choices: "sgd",\s+"adam", "adamw", "rmsprop", "adagrad", "adadelta",\s+"adamax", "nadam", "radam", "asgd", "rprop",\s+default: "sgd"\)/);
  assert.match(help, /--json/);
  assert.match(help, /--resume <run>/);
  assert.match(help, /--checkpoint-every <steps>\s+save a checkpoint every N optimizer steps[\s\S]*?\(default: 500\)/);
  assert.match(help, /--epochs <value>\s+passes over the training images \(default: 4\)/);
});

test('dlab sweep mnist --help takes comma lists, --parallel and --trials', () => {
  const help = dlab('sweep', 'mnist', '--help');
  assert.match(help, /--lr <values>\s+learning rate: comma list/);
  assert.match(help, /--parallel <n>/);
  assert.match(help, /--trials <n>/);
});

test('dlab run rejects an option value outside its choices', () => {
  assert.throws(
    () => execFileSync(process.execPath, [main, 'run', 'mnist', '--optimizer', 'lbfgs'], { encoding: 'utf8', stdio: 'pipe' }),
    (err: { stderr: string }) => /argument 'lbfgs' is invalid/.test(err.stderr),
  );
});
