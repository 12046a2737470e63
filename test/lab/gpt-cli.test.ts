// `dlab run gpt` through the built CLI: the --json line (val_perplexity, tokens_per_second,
// run_id), the model folder kept with the run, the report; Ctrl-C at a known step (the pause
// hook) and --resume end with the uninterrupted run's validation perplexity.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const home = mkdtempSync(join(os.tmpdir(), 'dlab-gpt-cli-'));
const env = { ...process.env, DLAB_HOME: home };
after(() => rmSync(home, { recursive: true, force: true }));

const text = join(home, 'story.txt');
writeFileSync(text, 'the time traveller smiled. we sat and watched the little machine spin. '.repeat(30));
// 2 epochs of 6 steps.
const tiny = ['--text', text, '--block-size', '16', '--d-model', '16', '--n-head', '2', '--n-layer', '1', '--batch-size', '4', '--epochs', '2', '--steps-per-epoch', '6', '--warmup-steps', '2', '--eval-blocks', '4', '--num-tokens', '8', '--prompt', 'the'];

const dlab = (args: string[], extra: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const proc = spawn(process.execPath, [main, ...args], { env: { ...env, ...extra } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => {
      stderr += d;
      // The pause hook: stop the run where it paused, as Ctrl-C would.
      if (/paused at step:\d+\n/.test(stderr) && !proc.killed) proc.kill('SIGINT');
    });
    proc.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;

describe('dlab run gpt', { concurrency: true }, () => {
  let uninterrupted: Promise<Record<string, number | string>>;

  test('--json: val_perplexity, tokens_per_second and run_id on the last line; the model folder and report are kept', async () => {
    uninterrupted = dlab(['run', 'gpt', ...tiny, '--json']).then((r) => {
      assert.equal(r.code, 0, r.stderr);
      return lastJson(r.stdout);
    });
    const m = await uninterrupted;
    for (const key of ['val_perplexity', 'tokens_per_second', 'run_id']) assert.ok(typeof m[key] === 'number' && Number.isFinite(m[key]), `${key}: ${m[key]}`);
    const runDir = join(home, 'runs', String(m.run_id));
    const config = JSON.parse(readFileSync(join(runDir, 'model', 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.model_type, 'gpt');
    assert.ok(existsSync(join(runDir, 'model', 'model.safetensors')));
    const report = readFileSync(join(runDir, 'report.html'), 'utf8');
    assert.match(report, /Attention of head 0/);
    assert.match(report, /data:image\/png;base64,/); // the attention map
  });

  test('Ctrl-C at step 8, then --resume: the same validation perplexity as the uninterrupted run', async () => {
    const stopped = await dlab(['run', 'gpt', ...tiny, '--json', '--no-report'], { DLAB_TEST_PAUSE_AT: 'step:8' });
    assert.equal(stopped.code, 130, stopped.stderr);
    const id = lastJson(stopped.stdout).run_id;
    const resumed = await dlab(['run', 'gpt', '--resume', String(id), '--json', '--no-report']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resumed run ${id} at epoch 2, step 8`));
    const a = lastJson(resumed.stdout);
    const b = await uninterrupted;
    assert.equal(a.val_perplexity, b.val_perplexity);
    assert.equal(a.sample, b.sample);
  });

  test('a bad --text file: the message names it, the command fails', async () => {
    const empty = join(home, 'empty.txt');
    writeFileSync(empty, '');
    const r = await dlab(['run', 'gpt', '--text', empty, '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--text .*empty\.txt: the file is empty; expected text/);
  });
});
