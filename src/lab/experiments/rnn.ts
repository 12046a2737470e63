// Experiment 5 (sequences): d2l chapters 8.5-8.6 and 9.1-9.2: a character-level language model of
// The Time Machine with an RNN, GRU or LSTM layer (nn.RNN / nn.GRU / nn.LSTM, one-hot inputs,
// a Linear decoder: d2l's RNNModel), trained as d2l's train_ch8 does it: SGD on the cross-entropy
// of every next character, gradients clipped to norm 1, the hidden state carried from batch to
// batch (sequential partitioning, detached) or started afresh (random sampling); perplexity per
// epoch, and predict_ch8's continuation of "time traveller" as the findings.
//
// d2l trains 500 epochs on the first 10,000 characters; that is too long on a CPU backend, so the
// default is 30 epochs. Measured on the 2-core reference machine (batch 32 x 35 steps, 256 hidden,
// 8 batches per epoch): an RNN epoch takes ~0.55 s on the wasm backend and ~7.3 s on js (GRU
// ~2.3 / 21 s, LSTM ~2.2 / 24 s), so the default run takes ~16 s on wasm and ~4 min on js.
// The RNN's perplexity goes 22.3 (epoch 1), 11.2 (10), 9.3 (20), 8.5 (30), 7.3 (50), 3.8 (100);
// --epochs 500 is d2l's run (perplexity ~1).

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { seqDataIterRandom, seqDataIterSequential, type Vocab } from '../../data/text.js';
import { loadCorpusTimeMachine } from '../../datasets/time_machine.js';
import { Generator } from '../../random/generator.js';
import type { Tensor } from '../../tensor/tensor.js';
import { lineChart } from '../artifact.js';
import { deviceOption, isGpu, useDevice } from '../device.js';
import { defineExperiment, finiteLoss, optionText, type Extra } from '../experiment.js';
import { StepValues, stepScope } from '../step-values.js';

const F = nn.functional;

/** The hidden state: h for RNN and GRU, [h, c] for LSTM. */
type State = Tensor | [Tensor, Tensor];

/** d2l's RNNModel (8.6): one-hot inputs, a recurrent layer, a Linear layer to the vocabulary. */
export class RNNModel extends nn.Module {
  rnn: nn.RNN | nn.GRU | nn.LSTM;
  linear: nn.Linear;

  constructor(
    rnnLayer: nn.RNN | nn.GRU | nn.LSTM,
    readonly vocabSize: number,
  ) {
    super();
    this.rnn = rnnLayer;
    this.linear = new nn.Linear(rnnLayer.hiddenSize, vocabSize);
  }

  /** inputs: (batch, steps) token ids. Returns logits of shape (steps * batch, vocab), time-major. */
  override forward(inputs: Tensor, state: State): [Tensor, State] {
    const X = F.oneHot(inputs.T, this.vocabSize).to('float32');
    const [Y, next] = this.rnn instanceof nn.LSTM ? this.rnn.call(X, state as [Tensor, Tensor]) : this.rnn.call(X, state as Tensor);
    return [this.linear.call(Y.reshape(-1, Y.shape[Y.ndim - 1])), next];
  }

  /** Zeros on the model's device. */
  beginState(batchSize = 1): State {
    const shape = [this.rnn.numLayers * (this.rnn.bidirectional ? 2 : 1), batchSize, this.rnn.hiddenSize];
    const device = this.linear.weight.device;
    return this.rnn instanceof nn.LSTM ? [torch.zeros(shape, { device }), torch.zeros(shape, { device })] : torch.zeros(shape, { device });
  }
}

const detachState = (s: State): State => (Array.isArray(s) ? [s[0].detach(), s[1].detach()] : s.detach());
const stateTensors = (s: State): Tensor[] => (Array.isArray(s) ? s : [s]);

/**
 * d2l's predict_ch8: warm the state up on the prefix, then append the argmax character numPreds
 * times, where the model is. Each character is the next one's input, so a GPU is read once per
 * character (the CPU at once, without an await).
 */
export async function predictCh8(prefix: string, numPreds: number, net: RNNModel, vocab: Vocab): Promise<string> {
  const device = net.linear.weight.device;
  let state = net.beginState(1);
  const outputs = [vocab.getItem(prefix[0])];
  const input = () => torch.tensor([[outputs[outputs.length - 1]]], { dtype: 'int64' }).to(device);
  torch.noGrad(() => {
    for (const ch of prefix.slice(1)) {
      [, state] = net.call(input(), state);
      outputs.push(vocab.getItem(ch));
    }
  });
  for (let i = 0; i < numPreds; i++) {
    const [best, next] = stepScope(device, () =>
      torch.noGrad(() => {
        const [y, after] = net.call(input(), state);
        return [y.argmax(1), after] as const;
      }),
    );
    state = next;
    outputs.push(best.isCpu ? best.item() : await best.itemAsync());
  }
  return outputs.map((i) => vocab.toTokens(i)).join('');
}

/** What a checkpoint keeps besides weights and optimizer: the epoch's running sums and carried state. */
interface Running extends Extra {
  lossSum: number;
  tokens: number;
  batch: number;
  elapsed: number;
  /** The carried hidden state (sequential iteration), as plain numbers. */
  state: number[][] | null;
  perplexities: number[];
  predictions: [number, string][];
}

export const rnn = defineExperiment({
  name: 'rnn',
  summary: 'd2l 8-9: char-level RNN/GRU/LSTM language model on The Time Machine; perplexity and "time traveller ..." predictions',
  options: {
    cell: { default: 'rnn', choices: ['rnn', 'gru', 'lstm'], help: 'recurrent layer (nn.RNN with tanh, nn.GRU, nn.LSTM)' },
    numHiddens: { default: 256, integer: true, min: 1, help: 'hidden units' },
    numSteps: { default: 35, integer: true, min: 1, help: 'time steps per subsequence' },
    batchSize: { default: 32, integer: true, min: 1, help: 'subsequences per minibatch' },
    lr: { default: 1, positive: true, help: 'SGD learning rate (d2l: 1)' },
    epochs: { default: 30, integer: true, min: 1, help: 'passes over the corpus (d2l: 500; 30 take ~16 s for rnn on wasm, ~4 min on js; gru/lstm 3-4x that)' },
    maxTokens: { default: 10000, optional: true, integer: true, min: 1, help: 'train on the first N characters of the book (d2l: 10000; none: all ~170,000)' },
    iter: { default: 'sequential', choices: ['sequential', 'random'], help: 'minibatches: sequential partitioning (state carried over) or random sampling (fresh state)' },
    clip: { default: 1, optional: true, positive: true, help: 'clip the gradient norm to this (d2l grad_clipping theta; none: no clipping)' },
    prefix: { default: 'time traveller', help: 'text the model continues in the findings' },
    numPreds: { default: 50, integer: true, min: 0, help: 'characters predicted after the prefix' },
    seed: { default: 0, integer: true, min: 0, help: 'random seed (weights and minibatches)' },
    device: deviceOption,
  },

  async run(o, ctx) {
    const device = await useDevice(o.device);
    torch.manualSeed(o.seed);
    const [corpus, vocab] = loadCorpusTimeMachine(o.maxTokens ?? -1);
    const unknown = [...o.prefix].filter((ch) => vocab.getItem(ch) === vocab.unk);
    if (unknown.length) throw new RangeError(`--prefix: '${unknown.join('')}' is not in the vocabulary (lowercase letters and spaces)`);
    ctx.print(`The Time Machine: ${corpus.length.toLocaleString('en-US')} characters, vocabulary of ${vocab.length} tokens`);

    const layer =
      o.cell === 'gru' ? new nn.GRU(vocab.length, o.numHiddens) : o.cell === 'lstm' ? new nn.LSTM(vocab.length, o.numHiddens) : new nn.RNN(vocab.length, o.numHiddens);
    // Made on the CPU (the same draws), then moved; before the resume, which loads onto the model's device.
    const net = new RNNModel(layer, vocab.length).to(device);
    ctx.print(net.toString());
    const optimizer = new optim.SGD(net.parameters(), { lr: o.lr });
    const lossFn = new nn.CrossEntropyLoss();
    const random = o.iter === 'random';
    // Each epoch's minibatches come from a generator seeded by (seed, epoch), so a resumed run
    // cuts the corpus exactly as the interrupted one did.
    const batchesOf = (epoch: number): [Tensor, Tensor][] => {
      const generator = new Generator(o.seed * 100_003 + epoch);
      const iter = random ? seqDataIterRandom : seqDataIterSequential;
      return [...iter(corpus, o.batchSize, o.numSteps, { generator })];
    };

    const fresh = (): Running => ({ lossSum: 0, tokens: 0, batch: 0, elapsed: 0, state: null, perplexities: [], predictions: [] });
    const train = { model: net, optimizer };
    const resumed = ctx.resume(train);
    let r: Running = resumed ? (resumed.extra as unknown as Running) : fresh();
    let step = resumed?.step ?? 0;
    const firstEpoch = resumed?.epoch ?? 1;
    const bar = ctx.progress(o.epochs, `${o.cell} epochs`);
    const predictEvery = Math.max(1, Math.round(o.epochs / 10));
    let seconds = 0;
    let allTokens = 0;
    // Each step's loss, checked finite, summed, and logged every 10 steps: on a GPU read every 64
    // steps, at the epoch's end and at a checkpoint (one await each).
    const losses = new StepValues<{ epoch: number; step: number; tokens: number }>(device, (value, at) => {
      finiteLoss(value, at);
      r.lossSum += value * at.tokens;
      if (at.step % 10 === 0) ctx.log({ loss: value }, { step: at.step });
    });

    for (let epoch = firstEpoch; epoch <= o.epochs; epoch++) {
      const continuing = resumed !== undefined && epoch === firstEpoch;
      if (!continuing) r = { ...r, lossSum: 0, tokens: 0, batch: 0, elapsed: 0, state: null };
      const batches = batchesOf(epoch);
      if (batches.length === 0) throw new RangeError(`--max-tokens ${optionText(o.maxTokens)} is too few for one batch of ${o.batchSize} x ${o.numSteps}`);
      let state: State | null = null;
      if (r.state) {
        const [h, c] = r.state.map((v) => torch.tensor(Float32Array.from(v)).reshape(1, o.batchSize, o.numHiddens).to(device));
        state = o.cell === 'lstm' ? [h, c] : h;
      }
      const started = performance.now() - r.elapsed * 1000;
      const elapsed = () => (performance.now() - started) / 1000;
      for (const [X, Y] of batches.slice(r.batch)) {
        const tokens = Y.numel();
        // The state the step hands on outlives it (on a GPU, the step's scope).
        state = losses.run(() => {
          // d2l's train_epoch_ch8: a fresh state for random sampling (and the first batch), else the
          // previous batch's state, detached so backprop stops at the batch boundary.
          const start = state === null || random ? net.beginState(X.shape[0]) : detachState(state);
          const y = Y.T.reshape(-1).to(device);
          const [yHat, next] = net.call(X.to(device), start);
          const loss = lossFn.call(yHat, y);
          optimizer.zeroGrad();
          loss.backward();
          if (o.clip !== undefined) optim.clipGradNorm_(net.parameters(), o.clip);
          optimizer.step();
          losses.add(loss, { epoch, step: ++step, tokens });
          return next;
        });
        if (losses.due) await losses.read();
        r.tokens += tokens;
        r.batch++;
        const carried = state;
        await ctx.checkpoint(train, {
          epoch,
          step,
          extra: async () => {
            await losses.read();
            const carriedState = random ? null : await Promise.all(stateTensors(carried).map(async (t) => Array.from((await t.cpuAsync()).toTypedArray())));
            return { ...r, elapsed: elapsed(), state: carriedState };
          },
        });
      }
      await losses.read();
      const epochSeconds = elapsed();
      const meanLoss = r.lossSum / r.tokens;
      const perplexity = Math.exp(meanLoss);
      seconds += epochSeconds;
      allTokens += r.tokens;
      r.perplexities = [...r.perplexities, perplexity];
      ctx.log({ perplexity, train_loss: meanLoss, tokens_per_second: r.tokens / epochSeconds, epoch_seconds: epochSeconds }, { epoch });
      bar.update(epoch, { ppl: perplexity, 'tok/s': r.tokens / epochSeconds });
      if (epoch % predictEvery === 0 || epoch === o.epochs) {
        const text = await predictCh8(o.prefix, o.numPreds, net, vocab);
        r.predictions = [...r.predictions, [epoch, text]];
        ctx.print(`epoch ${epoch}: perplexity ${perplexity.toFixed(2)}, ${epochSeconds.toFixed(2)} s, ${text}`);
      }
    }
    bar.finish();

    const perplexity = r.perplexities[r.perplexities.length - 1];
    const tokensPerSecond = allTokens / Math.max(seconds, 1e-9);
    const prediction = await predictCh8(o.prefix, o.numPreds, net, vocab);
    const second = o.prefix.split(' ').pop()!;
    const secondPrediction = await predictCh8(second, o.numPreds, net, vocab);
    const where = isGpu(device) ? String(device) : torch.getBackend().name;
    // d2l train_ch8's closing lines.
    ctx.print(`perplexity ${perplexity.toFixed(1)}, ${tokensPerSecond.toFixed(1)} tokens/sec on ${where}`);
    ctx.print(prediction);
    ctx.print(secondPrediction);

    ctx.artifact('perplexity', {
      kind: 'chart',
      title: 'Perplexity per epoch',
      spec: lineChart(`${o.cell}, ${o.numHiddens} hidden, ${o.iter} minibatches`, r.perplexities.map((y, i) => ({ x: i + 1, y, series: 'train perplexity' })), { x: 'epoch', y: 'perplexity' }),
      caption: `1 is a perfect predictor; ${vocab.length} is a uniform guess over the vocabulary.`,
    });
    ctx.artifact('predictions', {
      kind: 'table',
      title: `predict_ch8('${o.prefix}', ${o.numPreds}) during training`,
      columns: ['epoch', 'perplexity', 'prediction'],
      rows: r.predictions.map(([epoch, text]) => [epoch, +r.perplexities[epoch - 1].toFixed(2), text]),
    });
    ctx.artifact('findings', {
      kind: 'text',
      title: 'Findings',
      paragraphs: [
        `After ${o.epochs} epochs over ${corpus.length.toLocaleString('en-US')} characters (${o.iter} minibatches of ${o.batchSize} x ${o.numSteps}, ` +
          `SGD lr ${o.lr}${o.clip !== undefined ? `, gradient norm clipped to ${o.clip}` : ''}), the ${o.cell} with ${o.numHiddens} hidden units has a training ` +
          `perplexity of ${perplexity.toFixed(2)} (from ${r.perplexities[0].toFixed(2)} after the first epoch; ${vocab.length} would be a uniform guess).`,
        `predict('${o.prefix}'): ${prediction}`,
        `predict('${second}'): ${secondPrediction}`,
        `Speed: ${tokensPerSecond.toFixed(0)} tokens/s on ${isGpu(device) ? where : `the ${where} backend`} (${(seconds / (o.epochs - firstEpoch + 1)).toFixed(2)} s per epoch).`,
      ],
    });
    return {
      perplexity,
      first_perplexity: r.perplexities[0],
      tokens_per_second: +tokensPerSecond.toFixed(1),
      epoch_seconds: +(seconds / (o.epochs - firstEpoch + 1)).toFixed(3),
      prediction,
    };
  },
});
