// `dlab run ./my-experiment.{ts,mjs}`: a user's defineExperiment, in their own project that imports
// dlab by name (node_modules/dlab links to this package, as npm install would place it), run by the
// built CLI under plain Node like a built-in experiment: its options are flags (--help lists them,
// a bad value is refused), --json prints the metrics, a stopped run resumes from the file again
// (the interrupt message names the file; naming the experiment instead says which file to give).
// The experiment stops itself at --stop-at, a known step, through the runner's own stop request.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const tmp = mkdtempSync(join(tmpdir(), 'dlab-run-file-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const userDir = join(tmp, 'user');
mkdirSync(join(userDir, 'node_modules'), { recursive: true });
symlinkSync(fileURLToPath(new URL('..', import.meta.url)), join(userDir, 'node_modules', 'dlab'));
writeFileSync(join(userDir, 'package.json'), '{"type": "module"}');

/** Fits y = 3x with one weight; with --stop-at it asks the runner to stop after that step. */
const experimentSource = (ts: boolean): string => `import * as torch from 'dlab';
import { nn, optim } from 'dlab';
import { defineExperiment } from 'dlab/lab';

export const fit = defineExperiment({
  name: 'fit-line',
  summary: 'fits y = 3x with one weight',
  options: {
    steps: { default: 20, integer: true, min: 1, help: 'optimizer steps' },
    lr: { default: 0.1, positive: true, help: 'SGD learning rate' },
    stopAt: { default: null, type: 'number', integer: true, min: 1, help: 'ask to stop after this step (default: never)' },
  },
  async run(o, ctx) {
    torch.manualSeed(0);
    const model = new nn.Linear(1, 1, { bias: false });
    const optimizer = new optim.SGD(model.parameters(), { lr: o.lr, momentum: 0.5 });
    const x = torch.randn([16, 1]);
    const resumed = ctx.resume({ model, optimizer });
    let loss = NaN;
    for (let step = (resumed?.step ?? 0) + 1; step <= o.steps; step++) {
      const l = model.call(x).sub(x.mul(3)).pow(2).mean();
      optimizer.zeroGrad();
      l.backward();
      optimizer.step();
      loss = l.item();
      if (step === o.stopAt) (ctx${ts ? ' as unknown as { requestStop(signal: string): void }' : ''}).requestStop('SIGINT');
      await ctx.checkpoint({ model, optimizer }, { epoch: 1, step });
    }
    return { weight: model.weight.item(), loss };
  },
});
`;
writeFileSync(join(userDir, 'fit.ts'), experimentSource(true));
writeFileSync(join(userDir, 'fit.mjs'), experimentSource(false));
writeFileSync(join(userDir, 'nothing.mjs'), 'export const answer = 42;\n');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
const builtMain = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dlab = (args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [builtMain, ...args], { encoding: 'utf8', cwd: userDir, env: { ...process.env, DLAB_HOME: join(tmp, 'home') } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
const lastJson = (r: Run) => JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;

test('dlab run ./file.{ts,mjs}: the file\'s experiment runs like a built-in one, its options as flags', async () => {
  const [ts, mjs] = await Promise.all([dlab(['run', './fit.ts', '--steps', '30', '--json', '--no-report']), dlab(['run', './fit.mjs', '--steps', '30', '--json', '--no-report'])]);
  for (const r of [ts, mjs]) {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /run \d+: fit-line steps=30 lr=0\.1 stopAt=none/);
    const m = lastJson(r);
    assert.ok(Math.abs((m.weight as number) - 3) < 1e-3, `weight ${m.weight}`);
    assert.equal(typeof m.run_id, 'number');
  }
  // The same file contents, as .ts and .mjs: the same numbers.
  assert.equal(lastJson(ts).weight, lastJson(mjs).weight);
  const help = await dlab(['run', './fit.ts', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: dlab run \.\/fit\.ts \[options\]/);
  // commander wraps the description at the terminal width, wherever the temporary path makes it fall.
  assert.match(help.stdout.replace(/\s+/g, ' '), /fit-line \(\S*fit\.ts\): fits y = 3x with one weight/);
  assert.match(help.stdout, /--steps <value>\s+optimizer steps \(default: 20\)/);
  assert.match(help.stdout, /--stop-at <value>\s+ask to stop after this step \(default: never\)/);
  assert.match(help.stdout, /--resume <run>/);
  const bad = await dlab(['run', './fit.mjs', '--steps', '0']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /option '--steps <value>' argument '0' is invalid\. Expected a positive integer/);
});

test('dlab run ./file.mjs --resume N: a stopped run continues from its checkpoint to the same numbers', async () => {
  // Stopping changes nothing else: the numbers of the run that never stops.
  const want = lastJson(await dlab(['run', './fit.mjs', '--steps', '30', '--json', '--no-report']));
  const stopped = await dlab(['run', './fit.mjs', '--steps', '30', '--stop-at', '12', '--no-report']);
  assert.equal(stopped.code, 130, stopped.stderr);
  const id = /run (\d+) interrupted/.exec(stopped.stderr)?.[1];
  assert.ok(id, stopped.stderr);
  assert.match(stopped.stderr, new RegExp(`continue with: dlab run ${join(userDir, 'fit.mjs').replace(/[.\\/]/g, '\\$&')} --resume ${id}`));
  // Named without its file, or resumed as a built-in, the run says which file to give.
  const byName = await dlab(['run', 'fit-line', '--resume', id]);
  assert.notEqual(byName.code, 0);
  assert.match(byName.stderr, new RegExp(`dlab run fit-line: run ${id} ran the experiment in .*fit\\.mjs: resume it with dlab run .*fit\\.mjs --resume ${id}`));
  const asBuiltin = await dlab(['run', 'mnist', '--resume', id]);
  assert.match(asBuiltin.stderr, new RegExp(`run ${id} ran the experiment in .*fit\\.mjs: resume it with`));
  const resumed = await dlab(['run', './fit.mjs', '--resume', id, '--json', '--no-report']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`resumed run ${id} at epoch 1, step 12`));
  const got = lastJson(resumed);
  assert.equal(got.weight, want.weight);
  assert.equal(got.loss, want.loss);
});

test('dlab run ./file: a missing file, or one with no experiment, is named', async () => {
  const missing = await dlab(['run', './absent.ts']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /dlab run \.\/absent\.ts: no such file: .*absent\.ts/);
  const nothing = await dlab(['run', './nothing.mjs']);
  assert.match(nothing.stderr, /dlab run \.\/nothing\.mjs: .*nothing\.mjs exports no experiment: export default defineExperiment/);
});
