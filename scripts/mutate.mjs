// Mutation testing of one folder or file of the core with StrykerJS (see TESTING.md).
// Usage: npm run mutate -- <src path>[:lines] [--concurrency N]
//   e.g. npm run mutate -- src/autograd/engine.ts      npm run mutate -- src/optim
//        npm run mutate -- src/ops/sort.ts:38-75      (Stryker's line range: only those lines)
// Stryker's command runner runs the test files that exercise <path> once per mutant (the
// exit code decides), so a run costs mutants x test time: scope it to a file when a folder
// is large. The test files run one node process each, fastest first, and stop at the first
// failure (and a file at its first failing test: scripts/bail-reporter.mjs), so a killed mutant
// usually costs a fraction of one short file.
import { Stryker } from '@stryker-mutator/core';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

// Which test files exercise each part of the core, fastest first (found by grep for the ops,
// modules and optimizers each file calls). The longest prefix of the target path wins.
const OPS = ['test/gaps.test.ts', 'test/inplace.test.ts', 'test/creation.test.ts', 'test/ops.test.ts', 'test/autograd.test.ts', 'test/gradcheck.test.ts'];
const TESTS = {
  'src/ops': OPS,
  // src/ops: fixture-driven ops.test.ts kills most mutants fastest; gradcheck.test.ts (the
  // slowest) only where a file's backward rules have no other numeric check.
  'src/ops/args.ts': ['test/creation-keywords.test.ts', 'test/nn/keywords.test.ts'],
  'src/ops/elementwise.ts': ['test/ops.test.ts', 'test/elementwise.test.ts', 'test/gaps.test.ts', 'test/inplace.test.ts'],
  'src/ops/reduce.ts': ['test/ops.test.ts', 'test/gaps.test.ts'],
  'src/ops/movement.ts': ['test/ops.test.ts', 'test/gaps.test.ts', 'test/autograd.test.ts'],
  'src/ops/indexing.ts': ['test/ops.test.ts', 'test/indexing.test.ts', 'test/gaps.test.ts', 'test/autograd.test.ts'],
  'src/ops/linalg.ts': ['test/ops.test.ts', 'test/linalg.test.ts', 'test/gaps.test.ts', 'test/autograd.test.ts'],
  'src/ops/multinomial.ts': ['test/random.test.ts', 'test/nn/transformer.test.ts'],
  'src/ops/sort.ts': ['test/gaps.test.ts'],
  'src/ops/function.ts': ['test/function.test.ts', 'test/autograd.test.ts', 'test/ops.test.ts'],
  'src/ops/creation.ts': ['test/creation.test.ts', 'test/creation-keywords.test.ts', 'test/random.test.ts', 'test/gaps.test.ts', 'test/ops.test.ts'],
  'src/ops/inplace.ts': ['test/inplace.test.ts', 'test/gaps.test.ts', 'test/autograd.test.ts'],
  'src/ops/conv.ts': ['test/nn/conv.test.ts', 'test/nn/conv-edges.test.ts', 'test/gradcheck.test.ts', 'test/autograd.test.ts', 'test/gaps.test.ts'],
  'src/ops/diagonal.ts': ['test/diagonal.test.ts', 'test/gradcheck.test.ts'],
  // linalg/lstsq.ts and matrix_exp.ts (2026-12-07, third session): linalg-decomp.test.ts checks values, extras,
  // grad_fn names, gradients and refusals against PyTorch (tools/fixtures/linalg_decomp.py); gradcheck adds gradgrad.
  'src/ops/linalg/lstsq.ts': ['test/linalg-decomp.test.ts', 'test/gradcheck.test.ts'],
  'src/ops/linalg/matrix_exp.ts': ['test/linalg-decomp.test.ts', 'test/gradcheck.test.ts'],
  // This session's composites: more-ops.test.ts checks each against PyTorch (values, grad_fn, gradients, refusals).
  'src/ops/closeness.ts': ['test/more-ops.test.ts'],
  'src/ops/pointwise.ts': ['test/more-ops.test.ts'],
  'src/ops/arrangement.ts': ['test/more-ops.test.ts'],
  'src/ops/searching.ts': ['test/more-ops.test.ts'],
  // The functions users reach for (2026-12-07): test/nn/nn-more.test.ts checks each against PyTorch 1.13
  // (tools/fixtures/nn_more.py: values, gradients, nodes, refusals); gradcheck adds float64 gradients.
  'src/ops/distance.ts': ['test/nn/nn-more.test.ts'],
  'src/ops/quantiles.ts': ['test/nn/nn-more.test.ts'],
  'src/ops/scans.ts': ['test/nn/nn-more.test.ts'],
  'src/ops/splitting.ts': ['test/nn/nn-more.test.ts'],
  'src/ops/products.ts': ['test/nn/nn-more.test.ts'],
  'src/nn/functional/vision.ts': ['test/nn/nn-more.test.ts'],
  'src/nn/functional/one_hot.ts': ['test/nn/nn-more.test.ts'],
  'src/nn/modules/instancenorm.ts': ['test/nn/nn-more.test.ts'],
  'src/nn/modules/padding.ts': ['test/nn/nn-more.test.ts'],
  'src/nn/modules/shuffle.ts': ['test/nn/nn-more.test.ts'],
  'src/nn/modules/distance.ts': ['test/nn/nn-more.test.ts'],
  'src/nn/functional/margin_loss.ts': ['test/nn/nn-more.test.ts'],
  'src/nn/modules/margin_loss.ts': ['test/nn/nn-more.test.ts'],
  // The second batch of 2026-12-07 (3-D ops, sampling, bags, likelihood losses): test/nn/nn-3d.test.ts checks
  // each against PyTorch 1.13 (tools/fixtures/nn_3d.py).
  'src/nn/functional/likelihood_loss.ts': ['test/nn/nn-3d.test.ts'],
  'src/nn/functional/grid_sample.ts': ['test/nn/nn-3d.test.ts'],
  'src/nn/functional/embedding.ts:88-194': ['test/nn/nn-3d.test.ts'],
  'src/ops/pool3d.ts': ['test/nn/nn-3d.test.ts'],
  // The activations appended on 2026-12-07 (logsigmoid on): nn-more checks them, activation.test.ts does not.
  'src/nn/functional/activation.ts:92-173': ['test/nn/nn-more.test.ts'],
  'src/nn/modules/activation.ts:239-408': ['test/nn/nn-more.test.ts'],
  // linalg.ts 113-201, the addmm family (addmm, addmv, baddbmm): more-ops checks values, grad_fn,
  // gradients and refusals against PyTorch (gradcheck's gradgrad case adds only mm's own rules).
  'src/ops/linalg.ts:113-201': ['test/more-ops.test.ts'],
  'src/ops/pool.ts': ['test/nn/conv.test.ts', 'test/nn/conv-edges.test.ts', 'test/gradcheck.test.ts', 'test/autograd.test.ts'],
  // A key with a line range serves a run of lines inside it. conv.ts from line 176 (padding modes,
  // shape checks, the conv/convTranspose wrappers) is forward-only: the fixtures' values and
  // refusals see it, the gradient suites (15 s a survivor) add nothing there.
  'src/ops/conv.ts:176-461': ['test/nn/conv.test.ts', 'test/nn/conv-edges.test.ts', 'test/gaps.test.ts'],
  // pool.ts 80-139: the argument checks (refusals in conv-edges, values in conv.test).
  'src/ops/pool.ts:80-139': ['test/nn/conv-edges.test.ts', 'test/nn/conv.test.ts'],
  // reduce.ts's one-node prod/max/min/var/std/softmax (96-290): ops.test's values, gradients and
  // node names, then more-ops (max/min over all, var_mean); the NaN-aware and paired reductions
  // (from 370): more-ops first. elementwise.ts's clamp and movement.ts's unsafeView, stack and repeat likewise.
  'src/ops/reduce.ts:96-290': ['test/ops.test.ts', 'test/more-ops.test.ts', 'test/gaps.test.ts'],
  'src/ops/reduce.ts:370-420': ['test/more-ops.test.ts', 'test/ops.test.ts', 'test/gaps.test.ts'],
  // elementwise.ts 289-324, checkOperands/checkOperandPair and PyTorch's overload lists: the refusals are in
  // gaps.test.ts (and creation.test.ts for full); the op suites see the pass-through of good operands.
  'src/ops/elementwise.ts:289-324': ['test/gaps.test.ts', 'test/creation.test.ts', 'test/ops.test.ts', 'test/elementwise.test.ts', 'test/inplace.test.ts'],
  'src/ops/elementwise.ts:425-460': ['test/ops.test.ts', 'test/more-ops.test.ts', 'test/elementwise.test.ts', 'test/gaps.test.ts'],
  'src/ops/movement.ts:255-266': ['test/linalg.test.ts', 'test/ops.test.ts'],
  'src/ops/movement.ts:425-466': ['test/ops.test.ts', 'test/more-ops.test.ts', 'test/gaps.test.ts'],
  // pool.ts from 243 (avg pooling's core and wrappers, adaptive pooling): conv.test's values and
  // gradients against PyTorch, then autograd's node names and saved tensors.
  'src/ops/pool.ts:243-433': ['test/nn/conv.test.ts', 'test/nn/conv-edges.test.ts', 'test/autograd.test.ts'],
  // pool.ts from 330 (adaptive pooling's 1x1 mean and computation, the wrappers, adaptive max):
  // conv-edges' cases, refusals and forwards of adaptive pooling first (most of them are there).
  'src/ops/pool.ts:330-459': ['test/nn/conv-edges.test.ts', 'test/nn/conv.test.ts', 'test/autograd.test.ts'],
  'src/autograd': ['test/grad_mode.test.ts', 'test/gaps.test.ts', 'test/autograd.test.ts', 'test/gradcheck.test.ts'],
  'src/autograd/grad_mode.ts': ['test/grad_mode.test.ts', 'test/autograd.test.ts'],
  // webgpu_release (12-20 s on SwiftShader) sees the device-memory branches (freeing consumed gradients),
  // which no CPU test does: before memory.test.ts (17 s), which kills few that autograd.test.ts does not.
  'src/autograd/engine.ts': ['test/grad_mode.test.ts', 'test/autograd.test.ts', 'test/backend/webgpu_release.test.ts', 'test/utils/memory.test.ts'],
  'src/autograd/gradcheck.ts': ['test/gradcheck.test.ts'],
  'src/autograd/node.ts': ['test/autograd.test.ts', 'test/gradcheck.test.ts'],
  'src/optim': ['test/optim/clip.test.ts', 'test/optim/lr_scheduler.test.ts', 'test/optim/by_name.test.ts', 'test/optim/state_dict.test.ts', 'test/optim/optimizers.test.ts', 'test/optim/swa_utils.test.ts'],
  // webgpu_release (12-20 s on SwiftShader): a step on a device frees its temporaries and keeps the state (step()'s scope, keepAll).
  'src/optim/optimizer.ts': ['test/optim/optimizers.test.ts', 'test/optim/state_dict.test.ts', 'test/optim/by_name.test.ts', 'test/backend/webgpu_release.test.ts'],
  'src/optim/sgd.ts': ['test/optim/optimizers.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/adam.ts': ['test/optim/optimizers.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/adamw.ts': ['test/optim/optimizers.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/rmsprop.ts': ['test/optim/optimizers.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/adagrad.ts': ['test/optim/optimizers.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/adadelta.ts': ['test/optim/optimizers.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/by_name.ts': ['test/optim/by_name.test.ts'],
  // LBFGS (2026-12-07, third session): lbfgs.test.ts checks it against PyTorch 1.13 (tools/fixtures/optim_lbfgs.py).
  'src/optim/lbfgs.ts': ['test/optim/lbfgs.test.ts', 'test/optim/by_name.test.ts'],
  // The third session's optimizers: optimizers.test.ts runs optim.json's trajectories against PyTorch.
  'src/optim/adamax.ts': ['test/optim/optimizers.test.ts', 'test/optim/by_name.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/nadam.ts': ['test/optim/optimizers.test.ts', 'test/optim/by_name.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/radam.ts': ['test/optim/optimizers.test.ts', 'test/optim/by_name.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/asgd.ts': ['test/optim/optimizers.test.ts', 'test/optim/by_name.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/rprop.ts': ['test/optim/optimizers.test.ts', 'test/optim/by_name.test.ts', 'test/optim/state_dict.test.ts'],
  'src/optim/clip.ts': ['test/optim/clip.test.ts'],
  'src/optim/early_stopping.ts': ['test/optim/clip.test.ts'],
  // webgpu_swa (8 s on SwiftShader): the count kept beside a GPU buffer, which no CPU test sees.
  'src/optim/swa_utils.ts': ['test/optim/swa_utils.test.ts', 'test/backend/webgpu_swa.test.ts'],
  'src/optim/lr_scheduler': ['test/optim/lr_scheduler.test.ts'],
  // test/nn/loss.test.ts: the losses' options, ranks, gradients and refusals (1 s of CPU); fixtures
  // (the first fixture's cases, the size warning) and modules after it.
  'src/nn/functional/loss.ts': ['test/nn/loss.test.ts', 'test/nn/fixtures.test.ts', 'test/nn/modules.test.ts'],
  'src/nn/modules/loss.ts': ['test/nn/loss.test.ts', 'test/nn/modules.test.ts', 'test/nn/fixtures.test.ts'],
  'src/nn/functional/activation.ts': ['test/nn/activation.test.ts', 'test/nn/fixtures.test.ts', 'test/nn/modules.test.ts'],
  'src/nn/modules/activation.ts': ['test/nn/activation.test.ts', 'test/nn/fixtures.test.ts', 'test/nn/modules.test.ts', 'test/nn/keywords.test.ts', 'test/nn/module.test.ts'],
  // embedding.test.ts and dropout.test.ts: the Embedding and channel-dropout cases of layers.json
  // without the 30 s of layers.test.ts; random.test.ts draws F.dropout's masks against PyTorch's.
  'src/nn/functional/dropout.ts': ['test/nn/dropout.test.ts', 'test/random.test.ts', 'test/nn/fixtures.test.ts', 'test/nn/module.test.ts'],
  'src/nn/modules/dropout.ts': ['test/nn/dropout.test.ts', 'test/nn/fixtures.test.ts', 'test/nn/module.test.ts', 'test/nn/keywords.test.ts'],
  'src/nn/functional/embedding.ts': ['test/nn/embedding.test.ts'],
  'src/nn/modules/sparse.ts': ['test/nn/embedding.test.ts', 'test/nn/keywords.test.ts'],
  'src/nn/modules/flatten.ts': ['test/nn/modules.test.ts', 'test/nn/fixtures.test.ts', 'test/nn/keywords.test.ts'],
  'src/nn/functional/normalization.ts': ['test/nn/normalization.test.ts', 'test/nn/layers.test.ts'],
  // The module classes' cases are in normalization.test.ts (the layers fixture's norm cases); layers.test.ts (31 s) is off the row.
  'src/nn/modules/normalization.ts': ['test/nn/normalization.test.ts', 'test/nn/keywords.test.ts'],
  // module.ts: module-api.test.ts and module.test.ts check registration, state_dict, hooks and modes on small modules;
  // layers.test.ts (31 s) is off the row: what it saw of module.ts is asked in module-api.test.ts.
  'src/nn/module.ts': ['test/nn/module-api.test.ts', 'test/nn/module.test.ts', 'test/nn/keywords.test.ts'],
  'src/nn/modules/container.ts': ['test/nn/containers.test.ts', 'test/nn/module.test.ts'],
  'src/nn/parameter.ts': ['test/nn/module.test.ts', 'test/nn/module-api.test.ts', 'test/nn/modules.test.ts'],
  'src/nn/init.ts': ['test/nn/linear-init.test.ts', 'test/nn/fixtures.test.ts', 'test/nn/keywords.test.ts'],
  'src/nn/functional/linear.ts': ['test/nn/linear-init.test.ts', 'test/nn/modules.test.ts', 'test/nn/module.test.ts', 'test/nn/fixtures.test.ts'],
  'src/nn/modules/linear.ts': ['test/nn/linear-init.test.ts', 'test/nn/modules.test.ts', 'test/nn/module.test.ts', 'test/nn/keywords.test.ts'],
  'src/nn/modules/rnn.ts': ['test/nn/rnn.test.ts', 'test/nn/keywords.test.ts'],
  'src/nn/functional/attention.ts': ['test/nn/attention.test.ts', 'test/nn/mha.test.ts', 'test/nn/transformer.test.ts'],
  // attention.ts from 139 (separate projections on, masks, bias_k/bias_v, static keys, zero attention,
  // the heads, the shape check): F.multi_head_attention_forward is called only by MultiheadAttention,
  // whose cases and the bare calls of mha.json are in mha.test.ts; attention.test.ts (scaled dot product) sees none of it.
  'src/nn/functional/attention.ts:139-256': ['test/nn/mha.test.ts', 'test/nn/transformer.test.ts'],
  // loss.ts from 125 (nll_loss from its weight check, cross_entropy, the BCE losses, kl_div): loss.test.ts has every loss's options, ranks, gradients and refusals against PyTorch.
  'src/nn/functional/loss.ts:125-360': ['test/nn/loss.test.ts'],
  'src/nn/modules/attention.ts': ['test/nn/mha.test.ts', 'test/nn/keywords.test.ts', 'test/nn/transformer.test.ts'],
  'src/nn/modules/transformer.ts': ['test/nn/transformer.test.ts', 'test/nn/keywords.test.ts'],
  // The modules over conv/pool/fold/interpolate ops: conv-modules.test.ts (their options, reprs, values
  // and refusals against PyTorch, 1 s of CPU) first; upsample.test.ts runs layers.json's upsampling cases
  // without the 30 s of layers.test.ts.
  'src/nn/modules/conv.ts': ['test/nn/conv-modules.test.ts', 'test/nn/conv-edges.test.ts', 'test/nn/conv.test.ts', 'test/nn/keywords.test.ts', 'test/nn/modules.test.ts'],
  'src/nn/modules/pooling.ts': ['test/nn/conv-modules.test.ts', 'test/nn/conv.test.ts', 'test/nn/keywords.test.ts', 'test/nn/modules.test.ts'],
  'src/nn/modules/fold.ts': ['test/nn/conv-modules.test.ts', 'test/nn/keywords.test.ts', 'test/nn/conv.test.ts', 'test/nn/modules.test.ts'],
  'src/nn/functional/interpolate.ts': ['test/nn/conv-modules.test.ts', 'test/nn/upsample.test.ts', 'test/nn/modules.test.ts'],
  'src/nn/modules/upsample.ts': ['test/nn/conv-modules.test.ts', 'test/nn/upsample.test.ts', 'test/nn/modules.test.ts'],
  'src/nn': ['test/nn/module.test.ts', 'test/nn/keywords.test.ts', 'test/nn/attention.test.ts', 'test/nn/modules.test.ts', 'test/nn/fixtures.test.ts', 'test/nn/conv.test.ts', 'test/nn/layers.test.ts'],
};

// The suites loop over every backend (test/helpers.ts backendsUnderTest()); a mutation run needs one
// unless the code under test branches on the backend: wasm's scratch memory, in engine.ts.
// function.ts picks the backend an op computes on: test/function.test.ts checks that with
// stand-in GPU backends on any CPU backend, so its run keeps js only too.
const BACKENDS = { 'src/autograd/engine.ts': 'js,wasm' };

const args = process.argv.slice(2);
const flag = args.indexOf('--concurrency');
const concurrency = flag >= 0 ? Number(args.splice(flag, 2)[1]) : 1;
const [target, lines] = (args[0]?.replace(/\/+$/, '') ?? '').split(':');
if (!target || args.length !== 1 || !existsSync(target) || (lines !== undefined && !/^\d+-\d+$/.test(lines))) {
  console.error(`usage: npm run mutate -- <path under src/> [--concurrency N] (got '${args.join(' ')}'); known: ${Object.keys(TESTS).join(', ')}`);
  process.exit(1);
}
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`--concurrency must be a positive integer, but got '${args[flag + 1] ?? ''}'`);
  process.exit(1);
}
// A key 'file.ts:a-b' matches a run of that file whose lines lie within a-b.
const withinRange = (k) => {
  const [file, range] = k.split(':');
  if (range === undefined) return target === k || target.startsWith(`${k}/`);
  if (file !== target || lines === undefined) return false;
  const [a, b] = range.split('-').map(Number);
  const [from, to] = lines.split('-').map(Number);
  return a <= from && to <= b;
};
const key = Object.keys(TESTS)
  .filter(withinRange)
  .sort((a, b) => b.length - a.length)[0];
if (!key) {
  console.error(`no test files are mapped to '${target}': add it to TESTS in scripts/mutate.mjs (known: ${Object.keys(TESTS).join(', ')})`);
  process.exit(1);
}

const mutate = statSync(target).isDirectory() ? [`${target}/**/*.ts`, `!${target}/**/*.node.ts`] : [lines ? `${target}:${lines}` : target];
const slug = target.replace(/^src\//, '').replace(/\.ts$/, '').replaceAll('/', '-') + (lines ? `-${lines}` : '');
// A mutant above the backend behaves the same on each backend, so the suites run on js only
// (test/helpers.ts backendsUnderTest) unless BACKENDS says otherwise or DLAB_TEST_BACKENDS is set
// (empty: every backend). The engine keeps wasm for its scratch memory.
const backends = process.env.DLAB_TEST_BACKENDS ?? BACKENDS[key] ?? 'js';
// A test of the real webgpu backend runs through run-tests.mjs, which sets up SwiftShader.
// Other files run in this process (no --test child), so the bail reporter's exit ends them.
const runFile = (f) => (f.startsWith('test/backend/webgpu') ? `node scripts/run-tests.mjs ${f}` : `node --import tsx --test-reporter=./scripts/bail-reporter.mjs ${f}`);
const command = TESTS[key].map((f) => `DLAB_TEST_BACKENDS=${backends} ${runFile(f)}`).join(' && ');
console.log(`mutating ${mutate.join(' ')}\ntests: ${TESTS[key].join(' ')}\nbackends: ${backends || 'all'}`);

const result = await new Stryker({
  mutate,
  testRunner: 'command',
  commandRunner: { command },
  coverageAnalysis: 'off', // the command runner cannot tell which tests cover a mutant
  concurrency,
  // Each mutant may take timeoutFactor x the unmutated run plus this. Generous: on a loaded
  // machine a surviving mutant's tests ran 140 s against a 20 s dry run, and a timeout counts as
  // killed, so a tight limit passes survivors off as detected (re-check Timeout rows).
  // DLAB_MUTATE_TIMEOUT_MS lowers it for a file whose loops a mutant makes endless (matrix_exp.ts:
  // dozens of them, 90 s each); read its Timeout rows with the caveat above.
  timeoutMS: Number(process.env.DLAB_MUTATE_TIMEOUT_MS ?? 90000),
  // event-recorder writes each mutant's result as it comes (reports/mutation/events/<path>/),
  // so a long run can be read before it ends.
  reporters: ['clear-text', 'progress', 'html', 'json', 'event-recorder'],
  eventReporter: { baseDir: `reports/mutation/events/${slug}` },
  htmlReporter: { fileName: `reports/mutation/${slug}.html` },
  jsonReporter: { fileName: `reports/mutation/${slug}.json` },
  tempDirName: '.stryker-tmp',
  // bench/gpu-env.mjs stays: run-tests.mjs imports it.
  ignorePatterns: ['dist', 'reports', 'web', 'bench/*', '!bench/gpu-env.mjs', 'assembly', '.gl', '.whl', '.readme-tests'],
  cleanTempDir: true,
}).runMutationTest();

const count = (...states) => result.filter((m) => states.includes(m.status)).length;
const killed = count('Killed');
const timeout = count('Timeout');
const survived = count('Survived');
const noCoverage = count('NoCoverage');
const valid = killed + timeout + survived + noCoverage;
const score = valid === 0 ? 0 : ((killed + timeout) / valid) * 100;
console.log(`| ${args[0]} | ${killed} | ${survived} | ${timeout} | ${noCoverage} | ${score.toFixed(1)}% | ${new Date().toISOString().slice(0, 10)} | npm run mutate -- ${args[0]} |`);
