// Experiment 6 (autoregressive): a character-level GPT, a decoder-only transformer (models/
// transformer.ts: pre-norm blocks of causal self-attention and a GELU MLP, learned positions,
// optional weight tying) on The Time Machine (d2l's preprocessing, as the rnn experiment reads it)
// or on any text file (--text, every character a token). The first 90% of the characters train,
// the last 10% validate. AdamW with a linear warmup then cosine decay, gradients clipped; the
// validation perplexity after every epoch; samples with temperature, top-k and top-p from a seeded
// generator, with and without the KV cache (the same tokens; tokens/s of each); one head's
// attention map; with --compare-rnn, the rnn experiment's GRU and LSTM trained on the same split
// for the same seconds, and their validation perplexity beside the transformer's.
//
// Defaults: 2 blocks, d_model 64, 4 heads, context 64, batch 32, 5 epochs of 80 steps (~820k
// tokens, about five passes over the training split). Measured on the 2-core reference machine
// while it was shared (load ~25; the rnn experiment's epoch then took 1.26 s, 2.3x its documented
// 0.55 s): 80 steps took 82 s (2,000 tokens/s), validation perplexity 10.8 after them; generation
// 101 tokens/s with the KV cache, 58 without. Scaled by that 2.3, the defaults take ~3 minutes on
// the wasm backend of an idle machine.

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { seqDataIterRandom, Vocab } from '../../data/text.js';
import { loadCorpusTimeMachine } from '../../datasets/time_machine.js';
import { gpt, gptConfig } from '../../models/gpt.js';
import { Generator } from '../../random/generator.js';
import type { Tensor } from '../../tensor/tensor.js';
import { lineChart } from '../artifact.js';
import { deviceOption, isGpu, useDevice } from '../device.js';
import { defineExperiment, finiteLoss, type Extra, type RunContext } from '../experiment.js';
import { scope } from '../../backend/scope.js';
import type { Device } from '../../tensor/device.js';
import { StepValues } from '../step-values.js';
import { moduleToCpu } from '../training.js';
import { RNNModel } from './rnn.js';

/** A corpus as token ids, its vocabulary and where it came from. */
interface Corpus {
  name: string;
  ids: number[];
  vocab: Vocab;
}

/** The --text file as characters: refused when missing, empty, binary or not UTF-8. */
export function textCorpus(path: string, bytes: Uint8Array): Corpus {
  if (bytes.length === 0) throw new RangeError(`--text ${path}: the file is empty; expected text`);
  if (bytes.includes(0)) throw new RangeError(`--text ${path}: a binary file (it holds NUL bytes); expected UTF-8 text`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RangeError(`--text ${path}: not UTF-8 text (a binary file?)`);
  }
  const chars = [...text.replace(/\r\n?/g, '\n')];
  const vocab = new Vocab([chars]);
  return { name: path, ids: vocab.getItem(chars), vocab };
}

/** `count` random windows of blockSize + 1 ids from `ids`: inputs (count, T) and next-token targets. */
function randomBatch(ids: readonly number[], count: number, blockSize: number, generator: Generator): [Tensor, Tensor] {
  const starts = torch.randint(0, ids.length - blockSize, [count], { generator }).toTypedArray();
  return windows(ids, Array.from(starts, Number), blockSize);
}

function windows(ids: readonly number[], starts: readonly number[], blockSize: number): [Tensor, Tensor] {
  const x: number[][] = [];
  const y: number[][] = [];
  for (const s of starts) {
    x.push(ids.slice(s, s + blockSize));
    y.push(ids.slice(s + 1, s + blockSize + 1));
  }
  return [torch.tensor(x, { dtype: 'int64' }), torch.tensor(y, { dtype: 'int64' })];
}

/** The validation blocks: back to back from the start of the split, at most `max` of them. */
function validationStarts(length: number, blockSize: number, max: number): number[] {
  const n = Math.min(max, Math.floor((length - 1) / blockSize));
  return Array.from({ length: n }, (_, i) => i * blockSize);
}

/**
 * exp(mean cross-entropy) of the next character over the validation blocks; logits(x) is (B*T, vocab),
 * rows in y's reshape(-1) order. On a GPU (`device`, where the model is) the sum stays there and is read once.
 */
async function perplexity(
  model: nn.Module,
  val: readonly number[],
  starts: readonly number[],
  blockSize: number,
  batchSize: number,
  logits: (x: Tensor, y: Tensor) => [Tensor, Tensor],
  device?: Device,
): Promise<number> {
  const wasTraining = model.training;
  model.eval();
  const gpu = isGpu(device);
  let sum = 0;
  const onDevice = gpu ? torch.zeros(1, { device }) : undefined;
  let count = 0;
  torch.noGrad(() => {
    for (let i = 0; i < starts.length; i += batchSize) {
      const [x, y] = windows(val, starts.slice(i, i + batchSize), blockSize);
      if (onDevice) {
        scope(() => {
          const [out, target] = logits(x.to(device!), y.to(device!));
          onDevice.add_(nn.functional.crossEntropy(out, target, { reduction: 'sum' }));
        });
      } else {
        const [out, target] = logits(x, y);
        sum += nn.functional.crossEntropy(out, target, { reduction: 'sum' }).item();
      }
      count += y.numel();
    }
  });
  if (onDevice) sum = await onDevice.itemAsync();
  model.train(wasTraining);
  return Math.exp(sum / count);
}

/** What a checkpoint keeps besides weights, optimizer and schedule. */
interface Running extends Extra {
  lossSum: number;
  steps: number;
  /** Training seconds so far (the budget the RNNs get with --compare-rnn). */
  seconds: number;
  epochSeconds: number;
  valPerplexities: number[];
  trainPerplexities: number[];
}

export const gptExperiment = defineExperiment({
  name: 'gpt',
  summary: 'a character-level GPT (decoder-only transformer) on The Time Machine or --text: validation perplexity, sampling with a KV cache, attention maps',
  options: {
    text: { default: '', help: 'train on this UTF-8 text file, every character a token (default: The Time Machine, as the rnn experiment reads it)' },
    blockSize: { default: 64, integer: true, min: 2, help: 'context length in characters' },
    dModel: { default: 64, integer: true, min: 1, help: 'model width (d_model)' },
    nHead: { default: 4, integer: true, min: 1, help: 'attention heads (must divide --d-model)' },
    nLayer: { default: 2, integer: true, min: 1, help: 'transformer blocks' },
    dropout: { default: 0, min: 0, max: 0.9, help: 'dropout on embeddings, attention weights and residual branches' },
    tieWeights: { default: false, help: 'the output layer shares the token embedding (GPT-2 style weight tying)' },
    batchSize: { default: 32, integer: true, min: 1, help: 'windows per step' },
    epochs: { default: 5, integer: true, min: 1, help: 'epochs; validation perplexity after each' },
    stepsPerEpoch: { default: 80, integer: true, min: 1, help: 'optimizer steps per epoch' },
    lr: { default: 3e-3, positive: true, help: 'AdamW peak learning rate' },
    minLr: { default: 3e-4, min: 0, help: 'learning rate at the end of the cosine decay' },
    warmupSteps: { default: 50, integer: true, min: 0, help: 'steps of linear warmup from lr/warmup to lr' },
    weightDecay: { default: 0.01, min: 0, help: 'AdamW weight decay (PyTorch default 0.01)' },
    clip: { default: 1, optional: true, positive: true, help: 'clip the gradient norm to this (none: no clipping)' },
    evalBlocks: { default: 64, integer: true, min: 1, help: 'validation blocks (of --block-size characters) scored per epoch' },
    prompt: { default: 'time traveller', help: 'text the samples continue' },
    numTokens: { default: 200, integer: true, min: 1, help: 'characters sampled after the prompt' },
    temperature: { default: 0.8, min: 0, help: 'sampling temperature (at 0, always the most likely character: the limit of a falling temperature)' },
    topK: { default: null, type: 'number', integer: true, min: 1, help: 'sample from the k most likely characters only (default: all)' },
    topP: { default: 0.95, positive: true, max: 1, help: 'nucleus sampling: the smallest set of likeliest characters with this much probability (1: all)' },
    compareRnn: { default: false, help: "also train the rnn experiment's GRU and LSTM on the same split for the same seconds, and compare validation perplexity" },
    rnnHiddens: { default: 256, integer: true, min: 1, help: 'hidden units of the GRU/LSTM of --compare-rnn (the rnn experiment default)' },
    seed: { default: 0, integer: true, min: 0, help: 'random seed (weights, batches, samples)' },
    device: deviceOption,
  },

  async run(o, ctx) {
    const device = await useDevice(o.device);
    const gpu = isGpu(device);
    if (gpu && o.compareRnn) {
      throw new Error(`--compare-rnn: the GRU and LSTM train on the cpu for as many seconds as the transformer took, a race that needs one device for both; use --device cpu`);
    }
    if (o.dModel % o.nHead !== 0) throw new RangeError(`--n-head: ${o.nHead} heads do not divide --d-model ${o.dModel}`);
    torch.manualSeed(o.seed);
    const corpus = loadCorpus(o.text, ctx);
    const { vocab } = corpus;
    const split = Math.floor(corpus.ids.length * 0.9);
    const train = corpus.ids.slice(0, split);
    const val = corpus.ids.slice(split);
    if (val.length < o.blockSize + 1) {
      throw new RangeError(`--block-size ${o.blockSize}: ${corpus.name} has ${corpus.ids.length} characters, too few: the 10% validation split needs at least ${o.blockSize + 1}`);
    }
    if (o.prompt.length === 0) throw new RangeError('--prompt: expected at least one character');
    const unknown = [...new Set([...o.prompt].filter((ch) => vocab.getItem(ch) === vocab.unk))];
    if (unknown.length) {
      const known = vocab.idxToToken.slice(1).map((t) => JSON.stringify(t).slice(1, -1)).join('');
      throw new RangeError(`--prompt: ${unknown.map((c) => JSON.stringify(c)).join(', ')} not in the vocabulary of ${corpus.name} (${known})`);
    }
    ctx.print(`${corpus.name}: ${corpus.ids.length.toLocaleString('en-US')} characters (${train.length.toLocaleString('en-US')} train, ${val.length.toLocaleString('en-US')} validation), vocabulary of ${vocab.length} tokens`);

    const model = gpt({ vocabSize: vocab.length, blockSize: o.blockSize, dModel: o.dModel, nHead: o.nHead, nLayer: o.nLayer, dropout: o.dropout, tieWeights: o.tieWeights });
    // Before the resume: a checkpoint loads onto the module's device.
    if (gpu) model.to(device);
    const nParams = model.parameters().reduce((n, p) => n + p.numel(), 0);
    ctx.print(`${nParams.toLocaleString('en-US')} parameters`);
    const total = o.epochs * o.stepsPerEpoch;
    const warmup = Math.min(o.warmupSteps, total - 1);
    const optimizer = new optim.AdamW(model.parameters(), { lr: o.lr, weightDecay: o.weightDecay });
    const cosine = new optim.lrScheduler.CosineAnnealingLR(optimizer, { TMax: total - warmup, etaMin: o.minLr });
    const scheduler =
      warmup > 0
        ? new optim.lrScheduler.SequentialLR(optimizer, {
            schedulers: [new optim.lrScheduler.LinearLR(optimizer, { startFactor: 1 / warmup, totalIters: warmup }), cosine],
            milestones: [warmup],
          })
        : cosine;
    const valStarts = validationStarts(val.length, o.blockSize, o.evalBlocks);
    const gptLogits = (x: Tensor, y: Tensor): [Tensor, Tensor] => [model.call(x).reshape(-1, vocab.length), y.reshape(-1)];

    const state = { model, optimizer, scheduler };
    const resumed = ctx.resume(state);
    const r: Running = resumed ? (resumed.extra as unknown as Running) : { lossSum: 0, steps: 0, seconds: 0, epochSeconds: 0, valPerplexities: [], trainPerplexities: [] };
    const bar = ctx.progress(total, 'gpt steps');
    let started = performance.now() - r.epochSeconds * 1000;
    const epochElapsed = () => (performance.now() - started) / 1000;
    // On a GPU a step only records (in a scope); its loss is read with the others since the last
    // read, one await per logged step, epoch end and checkpoint, and summed in step order as on the CPU.
    let last = NaN;
    const stepLosses = new StepValues<{ epoch: number; step: number }>(device, (value, at) => {
      r.lossSum += finiteLoss(value, at);
      r.steps++;
      last = value;
    });
    const extra = gpu ? async () => (await stepLosses.read(), { ...r, epochSeconds: epochElapsed() }) : () => ({ ...r, epochSeconds: epochElapsed() });
    model.train();
    for (let step = (resumed?.step ?? 0) + 1; step <= total; step++) {
      const epoch = Math.ceil(step / o.stepsPerEpoch);
      // Each step's windows come from a generator seeded by (seed, step): a resumed run draws the same.
      const [x, y] = randomBatch(train, o.batchSize, o.blockSize, new Generator(o.seed * 1_000_003 + step));
      const trainStep = () => {
        const loss = nn.functional.crossEntropy(model.call(gpu ? x.to(device) : x).reshape(-1, vocab.length), (gpu ? y.to(device) : y).reshape(-1));
        optimizer.zeroGrad();
        loss.backward();
        if (o.clip !== undefined) optim.clipGradNorm_(model.parameters(), o.clip);
        optimizer.step();
        stepLosses.add(loss, { epoch, step });
      };
      stepLosses.run(trainStep);
      scheduler.step();
      const logged = step % 10 === 0;
      if (logged || step % o.stepsPerEpoch === 0) await stepLosses.read();
      if (logged) ctx.log({ loss: last, lr: optimizer.paramGroups[0].lr }, { step });
      bar.update(step, { loss: last });
      if (step % o.stepsPerEpoch === 0) {
        const seconds = epochElapsed();
        r.seconds += seconds;
        const valPerplexity = await perplexity(model, val, valStarts, o.blockSize, o.batchSize, gptLogits, device);
        const trainPerplexity = Math.exp(r.lossSum / r.steps);
        r.valPerplexities = [...r.valPerplexities, valPerplexity];
        r.trainPerplexities = [...r.trainPerplexities, trainPerplexity];
        const tokensPerSecond = (r.steps * o.batchSize * o.blockSize) / seconds;
        ctx.log({ val_perplexity: valPerplexity, train_perplexity: trainPerplexity, tokens_per_second: tokensPerSecond, epoch_seconds: seconds }, { epoch });
        ctx.print(`epoch ${epoch}: validation perplexity ${valPerplexity.toFixed(2)}, train ${trainPerplexity.toFixed(2)}, ${tokensPerSecond.toFixed(0)} tokens/s`);
        r.lossSum = 0;
        r.steps = 0;
        started = performance.now();
      }
      await ctx.checkpoint(state, { epoch, step, extra });
    }
    bar.finish();

    const valPerplexity = r.valPerplexities[r.valPerplexities.length - 1];
    const trainTokensPerSecond = (total * o.batchSize * o.blockSize) / r.seconds;
    const prompt = vocab.getItem([...o.prompt]);
    const decode = (ids: readonly number[]) => vocab.toTokens([...ids]).join('');
    const sampling = { temperature: o.temperature, topK: o.topK, topP: o.topP };

    // Generation speed: the same tokens with and without the cache (same generator seed).
    // On the CPU generate() (no await); on a GPU generateAsync(), one read per token.
    const generate = (options: Parameters<typeof model.generate>[2]) =>
      gpu ? model.generateAsync(prompt, o.numTokens, options) : model.generate(prompt, o.numTokens, options);
    const timed = async (kvCache: boolean) => {
      const t0 = performance.now();
      const ids = await generate({ ...sampling, kvCache, generator: new Generator(o.seed) });
      return { ids, tokensPerSecond: o.numTokens / ((performance.now() - t0) / 1000) };
    };
    const cached = await timed(true);
    const uncached = await timed(false);
    const sameTokens = cached.ids.every((t, i) => t === uncached.ids[i]);
    const sample = decode(cached.ids);
    ctx.print(sample);
    ctx.print(`generation: ${cached.tokensPerSecond.toFixed(0)} tokens/s with the KV cache, ${uncached.tokensPerSecond.toFixed(0)} without (${sameTokens ? 'the same tokens' : 'DIFFERENT tokens'})`);

    const temperatures = [...new Set([0, 0.5, o.temperature, 1, 1.5])].sort((a, b) => a - b);
    const samples: (readonly [number, string])[] = [];
    for (const temperature of temperatures) samples.push([temperature, decode(await generate({ ...sampling, temperature, generator: new Generator(o.seed) }))]);

    // One head's attention over the first validation block.
    const mapLength = Math.min(o.blockSize, 48);
    const [mapIds] = windows(val, [0], mapLength);
    const weightsOn = model.attentionWeights(gpu ? mapIds.to(device) : mapIds, o.nLayer - 1).select(0, 0).select(0, 0);
    const weights = weightsOn.isCpu ? weightsOn : await weightsOn.cpuAsync();

    const metrics: Record<string, number | string> = {
      val_perplexity: +valPerplexity.toFixed(4),
      first_val_perplexity: +r.valPerplexities[0].toFixed(4),
      train_perplexity: +r.trainPerplexities[r.trainPerplexities.length - 1].toFixed(4),
      tokens_per_second: +trainTokensPerSecond.toFixed(1),
      train_seconds: +r.seconds.toFixed(3),
      generate_tokens_per_second_kv_cache: +cached.tokensPerSecond.toFixed(1),
      generate_tokens_per_second_no_cache: +uncached.tokensPerSecond.toFixed(1),
      kv_cache_same_tokens: sameTokens ? 1 : 0,
      parameters: nParams,
      sample,
    };

    const findings = [
      `After ${total} steps (${o.epochs} epochs of ${o.stepsPerEpoch}) on ${corpus.name}, the ${o.nLayer}-block transformer (d_model ${o.dModel}, ${o.nHead} heads, ` +
        `context ${o.blockSize}, ${nParams.toLocaleString('en-US')} parameters) has a validation perplexity of ${valPerplexity.toFixed(2)} ` +
        `(${r.valPerplexities[0].toFixed(2)} after the first epoch; ${vocab.length} would be a uniform guess).`,
      `Training: ${trainTokensPerSecond.toFixed(0)} tokens/s on ${gpu ? String(device) : `the ${torch.getBackend().name} backend`} (${r.seconds.toFixed(1)} s). ` +
        `Generation: ${cached.tokensPerSecond.toFixed(0)} tokens/s with the KV cache, ${uncached.tokensPerSecond.toFixed(0)} without ` +
        `(${(cached.tokensPerSecond / uncached.tokensPerSecond).toFixed(1)}x), ${sameTokens ? 'the same tokens from the same seed' : 'but the tokens differ'}.`,
    ];

    if (o.compareRnn) {
      const rnnResults = [];
      for (const cell of ['gru', 'lstm'] as const) rnnResults.push(await compareRnn(cell, o, vocab.length, train, val, valStarts, r.seconds));
      for (const res of rnnResults) {
        metrics[`${res.cell}_val_perplexity`] = +res.valPerplexity.toFixed(4);
        metrics[`${res.cell}_steps`] = res.steps;
        ctx.print(`${res.cell}: validation perplexity ${res.valPerplexity.toFixed(2)} after ${res.steps} steps in ${res.seconds.toFixed(1)} s`);
      }
      const best = rnnResults.reduce((a, b) => (a.valPerplexity <= b.valPerplexity ? a : b));
      const winner = valPerplexity <= best.valPerplexity ? 'transformer' : best.cell;
      metrics.compare_winner = winner;
      findings.push(
        `Same wall clock (${r.seconds.toFixed(1)} s of training each, same split, scored on the same ${o.blockSize}-character blocks from a fresh state): ` +
          `transformer ${valPerplexity.toFixed(2)}, ${rnnResults.map((res) => `${res.cell.toUpperCase()} ${res.valPerplexity.toFixed(2)} (${res.steps} SGD steps)`).join(', ')}. ` +
          (winner === 'transformer'
            ? `The transformer wins by ${(best.valPerplexity - valPerplexity).toFixed(2)} perplexity (${((1 - valPerplexity / best.valPerplexity) * 100).toFixed(1)}% lower than the ${best.cell.toUpperCase()}).`
            : `The ${winner.toUpperCase()} wins by ${(valPerplexity - best.valPerplexity).toFixed(2)} perplexity (${((1 - best.valPerplexity / valPerplexity) * 100).toFixed(1)}% lower than the transformer).`),
      );
    }

    ctx.artifact('perplexity', {
      kind: 'chart',
      title: 'Perplexity per epoch',
      spec: lineChart(
        `${o.nLayer} blocks, d_model ${o.dModel}, context ${o.blockSize}`,
        [
          ...r.trainPerplexities.map((y, i) => ({ x: i + 1, y, series: 'train (mean over the epoch)' })),
          ...r.valPerplexities.map((y, i) => ({ x: i + 1, y, series: 'validation' })),
        ],
        { x: 'epoch', y: 'perplexity' },
      ),
      caption: `1 is a perfect predictor; ${vocab.length} is a uniform guess over the vocabulary.`,
    });
    ctx.artifact('samples', {
      kind: 'table',
      title: `Samples after '${o.prompt}' by temperature (top-k ${o.topK ?? 'off'}, top-p ${o.topP}, seed ${o.seed})`,
      columns: ['temperature', 'text'],
      rows: samples.map(([t, text]) => [t, text]),
      caption: 'Temperature 0 always takes the most likely character; higher temperatures take more chances.',
    });
    ctx.artifact('attention', {
      kind: 'images',
      title: `Attention of head 0 in block ${o.nLayer} over the first ${mapLength} validation characters`,
      height: mapLength,
      width: mapLength,
      images: [Array.from(weights.toTypedArray(), Number)],
      captions: [`row i: where character ${JSON.stringify(decode(Array.from(mapIds.select(0, 0).toTypedArray(), Number)).slice(0, 24))}... position i looks (upper triangle: the future, masked)`],
      range: [0, 1],
    });
    if (ctx.files) {
      // The folder holds weights only: the last step's gradients are dropped, not read back.
      if (gpu) {
        model.zeroGrad();
        await moduleToCpu(model);
      }
      const dir = ctx.files.saveModel('model', model, gptConfig(model, vocab.idxToToken));
      ctx.print(`model saved to ${dir}`);
      findings.push(`The trained model is saved as a model folder (config.json + model.safetensors) at ${dir}.`);
    }
    ctx.artifact('findings', { kind: 'text', title: 'Findings', paragraphs: [...findings, `Sample (temperature ${o.temperature}): ${sample}`] });
    return metrics;
  },
});

function loadCorpus(path: string, ctx: RunContext): Corpus {
  if (path === '') {
    const [ids, vocab] = loadCorpusTimeMachine(-1);
    return { name: 'The Time Machine', ids, vocab };
  }
  if (!ctx.files) throw new Error(`--text ${path}: this context has no file access; run it with the dlab command`);
  return textCorpus(path, ctx.files.read(path));
}

/** The rnn experiment's model (GRU or LSTM, SGD lr 1, clipped to 1) trained on `train` for `seconds`, scored as the transformer is. */
async function compareRnn(
  cell: 'gru' | 'lstm',
  o: { seed: number; rnnHiddens: number; batchSize: number; blockSize: number },
  vocabSize: number,
  train: readonly number[],
  val: readonly number[],
  valStarts: readonly number[],
  seconds: number,
): Promise<{ cell: 'gru' | 'lstm'; valPerplexity: number; steps: number; seconds: number }> {
  torch.manualSeed(o.seed);
  const layer = cell === 'gru' ? new nn.GRU(vocabSize, o.rnnHiddens) : new nn.LSTM(vocabSize, o.rnnHiddens);
  const net = new RNNModel(layer, vocabSize);
  const optimizer = new optim.SGD(net.parameters(), { lr: 1 });
  const t0 = performance.now();
  let steps = 0;
  // d2l's random sampling (a fresh state per batch) over subsequences as long as the transformer's
  // context; at least one step.
  for (let pass = 0; steps === 0 || (performance.now() - t0) / 1000 < seconds; pass++) {
    const batches = [...seqDataIterRandom(train, o.batchSize, o.blockSize, { generator: new Generator(o.seed * 1_000_003 + pass) })];
    if (batches.length === 0) throw new RangeError(`--compare-rnn: ${train.length} training characters are too few for one batch of ${o.batchSize} x ${o.blockSize}`);
    for (const [x, y] of batches) {
      const [logits] = net.call(x, net.beginState(x.shape[0]));
      const loss = nn.functional.crossEntropy(logits, y.T.reshape(-1));
      optimizer.zeroGrad();
      loss.backward();
      optim.clipGradNorm_(net.parameters(), 1);
      optimizer.step();
      steps++;
      if ((performance.now() - t0) / 1000 >= seconds) break;
    }
  }
  const elapsed = (performance.now() - t0) / 1000;
  const valPerplexity = await perplexity(net, val, valStarts, o.blockSize, o.batchSize, (x, y) => [net.call(x, net.beginState(x.shape[0]))[0], y.T.reshape(-1)]);
  return { cell, valPerplexity, steps, seconds: elapsed };
}
