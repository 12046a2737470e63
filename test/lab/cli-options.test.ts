// Bad command-line input is refused while commander parses, before anything runs or is recorded:
// each case exits non-zero with commander's message naming the flag and the value, and the run
// store is never opened (no runs.db appears in DLAB_HOME). Runs the built CLI (npm test builds
// first); nothing trains, so each case takes well under a second.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const home = mkdtempSync(join(os.tmpdir(), 'dlab-cli-options-'));
after(() => rmSync(home, { recursive: true, force: true }));

const dlab = (args: string[], dlabHome = home) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [main, ...args], { env: { ...process.env, DLAB_HOME: dlabHome }, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

/** The command fails, and its message names the flag (as commander spells it) and the value. */
async function refused(args: string[], flag: string, message: string): Promise<void> {
  const r = await dlab(args);
  assert.notEqual(r.code, 0, `dlab ${args.join(' ')} succeeded:\n${r.stdout}`);
  const value = args[args.indexOf(flag.split(' ')[0]) + 1];
  assert.ok(r.stderr.includes(`error: option '${flag}' argument '${value}' is invalid. ${message}`), `dlab ${args.join(' ')}:\n${r.stderr}`);
  assert.equal(r.stdout, '');
}

describe('bad flags are refused before anything runs', { concurrency: true }, () => {
  test('dlab run: each experiment option is checked against its declaration', async () => {
    await Promise.all([
      refused(['run', 'mnist', '--epochs', '-1'], '--epochs <value>', 'Expected a positive integer.'),
      refused(['run', 'mnist', '--epochs', '0'], '--epochs <value>', 'Expected a positive integer.'),
      refused(['run', 'mnist', '--epochs', '1.5'], '--epochs <value>', 'Expected a positive integer.'),
      refused(['run', 'mnist', '--hidden', '0'], '--hidden <value>', 'Expected a positive integer.'),
      refused(['run', 'mnist', '--test-size', '0'], '--test-size <value>', 'Expected a positive integer.'),
      // The flag, not the sampler ("num_samples should be a positive integer value").
      refused(['run', 'mnist', '--train-size', '-10'], '--train-size <value>', 'Expected a positive integer.'),
      refused(['run', 'mnist', '--lr', '0'], '--lr <value>', 'Expected a positive number.'),
      refused(['run', 'mnist', '--batch-size', 'abc'], '--batch-size <value>', 'Expected a positive integer.'),
      refused(['run', 'sin', '--points', '1'], '--points <value>', 'Expected an integer >= 2.'),
      refused(['run', 'rnn', '--max-tokens', '-1'], '--max-tokens <value>', 'Expected a positive integer or none.'),
      // No longer "the model's default": that is the default, none.
      refused(['run', 'cnn', '--lr', '0'], '--lr <value>', 'Expected a positive number or none.'),
      refused(['run', 'cnn', '--resize', '0'], '--resize <value>', 'Expected a positive integer or none.'),
      refused(['run', 'softmax', '--download', 'maybe'], '--download [bool]', 'Expected true or false.'),
      refused(['run', 'mnist', '--checkpoint-every', '-1'], '--checkpoint-every <steps>', 'Expected a non-negative integer.'),
      refused(['run', 'ddpm', '--guidance', '25'], '--guidance <value>', 'Expected a number in [0, 20].'),
      refused(['run', 'ddpm', '--guidance', '-1'], '--guidance <value>', 'Expected a number in [0, 20].'),
      refused(['run', 'ddpm', '--sample-steps', '0'], '--sample-steps <value>', 'Expected an integer in [1, 4000].'),
      refused(['run', 'ddpm', '--sample-steps', '2.5'], '--sample-steps <value>', 'Expected an integer in [1, 4000].'),
      refused(['run', 'ddpm', '--samples-per-digit', '1'], '--samples-per-digit <value>', 'Expected an integer in [2, 1000].'),
    ]);
  });

  test('dlab sweep: its own flags, and every grid value and range end, before any trial', async () => {
    await Promise.all([
      refused(['sweep', 'mnist', '--parallel', 'abc', '--lr', '0.1'], '--parallel <n>', 'Expected a positive integer.'),
      refused(['sweep', 'mnist', '--trials', '0', '--lr', '0.01:1'], '--trials <n>', 'Expected a positive integer.'),
      refused(['sweep', 'mnist', '--lr', '0.1,0'], '--lr <values>', "'0' is not a positive number."),
      refused(['sweep', 'rnn', '--clip', 'none,0'], '--clip <values>', "'0' is not a positive number or none."),
      refused(['sweep', 'mnist', '--epochs', '1,1.5'], '--epochs <values>', "'1.5' is not a positive integer."),
      refused(['sweep', 'mnist', '--epochs', '1:2.5', '--trials', '2'], '--epochs <values>', "'2.5' is not a positive integer."),
      refused(['sweep', 'mnist', '--optimizer', 'sgd,lbfgs'], '--optimizer <values>', "'lbfgs' is not one of sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, radam, asgd, rprop."),
      refused(['sweep', 'mnist', '--lr', '0.1', '--queue', 'http://127.0.0.1:6379'], '--queue <url>', 'Expected a Redis URL: redis://[:password@]host[:port][/db], or rediss:// for TLS.'),
    ]);
  });

  test('the other commands check their flags the same way', async () => {
    await Promise.all([
      refused(['summary', 'lenet', '--batch-size', 'abc'], '--batch-size <n>', 'Expected an integer >= -1.'),
      refused(['summary', 'lenet', '--depth', '-1'], '--depth <n>', 'Expected a non-negative integer.'),
      refused(['bench', '--only', 'nosuch'], '--only <workloads>', "'nosuch' is not one of matmul, mlp-train, mlp-infer, lenet-train, lenet-infer, dispatch, mnist-data, profile."),
      refused(['memory', 'lenet', '--batch', '0'], '--batch <n>', 'Expected a positive integer.'),
      refused(['memory', 'lenet', '--mode', 'fast'], '--mode <mode>', 'Expected one of train, infer.'),
      refused(['fit', 'some/model', '--context', '0'], '--context <n>', 'Expected a positive integer.'),
      refused(['ui', '--port', '70000'], '--port <n>', 'Expected an integer in [0, 65535].'),
      refused(['runs', 'list', '--limit', '0'], '--limit <n>', 'Expected a positive integer.'),
      refused(['worker', '--queue', '127.0.0.1:6379'], '--queue <url>', 'Expected a Redis URL: redis://[:password@]host[:port][/db], or rediss:// for TLS.'),
      refused(['worker', '--queue', 'redis://127.0.0.1', '--stalled-after', '0'], '--stalled-after <seconds>', 'Expected a positive integer.'),
    ]);
  });
});

test('nothing refused touched the run store: no runs.db, and dlab runs lists no run', async () => {
  assert.ok(!existsSync(join(home, 'runs.db')), 'a refused command opened the run store');
  const r = await dlab(['runs', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
});

test('a runs.db that is not SQLite is named in the error, with what to do, and left alone', async () => {
  const broken = mkdtempSync(join(os.tmpdir(), 'dlab-broken-'));
  try {
    const db = join(broken, 'runs.db');
    const garbage = Buffer.from('this is not a database, just bytes '.repeat(200));
    writeFileSync(db, garbage);
    for (const args of [['runs'], ['run', 'linreg', '--epochs', '1']]) {
      const r = await dlab(args, broken);
      assert.notEqual(r.code, 0);
      assert.ok(r.stderr.includes(`run store ${db}: file is not a database; move it aside (mv '${db}' '${db}.broken')`), r.stderr);
    }
    assert.deepEqual(readFileSync(db), garbage);
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});
