// CLIP at MNIST scale: the text encoder of `ddpm --conditioning text` learns what its captions
// mean before the diffusion model reads it, as Stable Diffusion's U-Net reads a text encoder that
// CLIP trained beforehand (Radford et al. 2021, "Learning Transferable Visual Models From Natural
// Language Supervision") and that stays frozen. A small CNN image encoder and the text encoder's
// pooled <eos> state are each projected to a shared space and trained with CLIP's symmetric
// cross-entropy over the batch's image-caption similarities (a learned temperature, initialised
// to 1/0.07).
//
// Why: trained jointly with the U-Net from scratch, the encoder learned almost nothing of its
// captions in 300 steps (its pooled states grouped captions by length, not by digit; class
// agreement 0.13-0.17, chance is 0.10), while the class-label model reached 0.84.

import * as torch from '../index.js';
import { nn } from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TextEncoder } from '../models/text_encoder.js';
import type { WordTokenizer } from '../models/word_tokenizer.js';
import { canonicalCaption, captionsOf } from './digit-captions.js';
import type { RunContext } from './experiment.js';
import type { Device } from '../tensor/device.js';
import { isGpu } from './device.js';
import { StepValues } from './step-values.js';

const DIGITS = 10;

/** The image tower and both projections of a caption CLIP around an existing text encoder. */
export class CaptionClip extends nn.Module {
  imageEncoder: nn.Sequential;
  visualProjection: nn.Linear;
  textProjection: nn.Linear;
  logitScale: nn.Parameter;
  constructor(
    readonly textEncoder: TextEncoder,
    embedDim = 32,
  ) {
    super();
    const width = 32;
    this.imageEncoder = new nn.Sequential(
      new nn.Conv2d(1, width, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(width, 2 * width, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(),
    );
    this.visualProjection = new nn.Linear(2 * width, embedDim, { bias: false });
    this.textProjection = new nn.Linear(textEncoder.config.hiddenSize, embedDim, { bias: false });
    this.logitScale = new nn.Parameter(torch.tensor(Math.log(1 / 0.07)));
  }

  /** Unit-length image embeddings (B, embedDim) of images in [0, 1]. */
  embedImages(images: Tensor): Tensor {
    return unit(this.visualProjection.call(this.imageEncoder.call(images)));
  }

  /** Unit-length caption embeddings (B, embedDim) of token ids (B, L). */
  embedCaptions(ids: Tensor): Tensor {
    const states = this.textEncoder.call(ids);
    return unit(this.textProjection.call(this.textEncoder.pooled(states, ids)));
  }

  /** CLIP's loss: cross-entropy of each image over the captions and of each caption over the images. */
  override forward(images: Tensor, ids: Tensor): Tensor {
    const logits = this.embedImages(images).matmul(this.embedCaptions(ids).t()).mul(this.logitScale.exp());
    const target = torch.arange(images.shape[0], { dtype: 'int64', device: images.device });
    return nn.functional.crossEntropy(logits, target).add(nn.functional.crossEntropy(logits.t(), target)).div(2);
  }
}

const unit = (x: Tensor) => x.div(x.norm(2, -1, { keepdim: true }));

/** One caption per label, a random phrasing of its digit (the global generator: a rerun draws the same). */
export function randomCaptions(labels: readonly number[]): string[] {
  const phrasings = captionsOf(0).length;
  const phrasing = torch.randint(0, phrasings, [labels.length]).tolist() as number[];
  return labels.map((d, i) => captionsOf(d)[phrasing[i]]);
}

/** How often a GPU's losses are read (each is checked finite, naming its step). */
const READ_EVERY = 25;

/**
 * Trains the text encoder (and a throwaway image tower) with CLIP's loss for `steps` batches, then
 * freezes it. Returns the last loss and CLIP's zero-shot accuracy on `test`: each image is given
 * the digit whose caption "a handwritten <digit>" it is most similar to. With a GPU `device` (where
 * the text encoder is), the tower trains there and the losses are read every READ_EVERY steps.
 */
export async function pretrainTextEncoder(
  ctx: RunContext,
  o: { textEncoder: TextEncoder; tokenizer: WordTokenizer; batches: () => Iterator<[Tensor, Tensor]>; test: [Tensor, Tensor]; steps: number; lr: number; device?: Device },
): Promise<{ loss: number; zeroShotAccuracy: number }> {
  const gpu = isGpu(o.device);
  const clip = new CaptionClip(o.textEncoder);
  if (gpu) clip.to(o.device!);
  const optimizer = new torch.optim.Adam(clip.parameters(), { lr: o.lr });
  const ids = (captions: string[]) => torch.tensor(captions.map((c) => o.tokenizer.encode(c)), { dtype: 'int64', device: o.device });
  let loss = NaN;
  const losses = new StepValues<number>(o.device, (value, step) => {
    if (!Number.isFinite(value)) throw new Error(`text encoder pretraining: the loss is ${value} at step ${step}`);
    loss = value;
  });
  const bar = ctx.progress(o.steps, 'text encoder (CLIP)');
  let batches = o.batches();
  clip.train();
  for (let step = 1; step <= o.steps; step++) {
    let next = batches.next();
    if (next.done) next = (batches = o.batches()).next();
    const [x, y] = next.value;
    // The captions from the CPU labels (a draw per label), the step on the device.
    const captions = randomCaptions(y.tolist() as number[]);
    const train = () => {
      const l = clip.call(gpu ? x.to(o.device!) : x, ids(captions)) as Tensor;
      optimizer.zeroGrad();
      l.backward();
      optimizer.step();
      losses.add(l, step);
    };
    losses.run(train);
    if (step % READ_EVERY === 0 || step === o.steps) await losses.read();
    bar.update(step, { loss });
    // No model in the state: nothing is written, but a stop request (Ctrl-C) is seen here.
    await ctx.checkpoint({}, { epoch: 0, step });
  }
  bar.finish();
  o.textEncoder.requiresGrad_(false);
  const [images, labels] = o.test;
  const correct = torch.noGrad(() => {
    clip.eval();
    const prompts = clip.embedCaptions(ids(Array.from({ length: DIGITS }, (_, d) => canonicalCaption(d))));
    return clip.embedImages(images.to(o.device ?? 'cpu')).matmul(prompts.t()).argmax(-1).eq(labels.to(o.device ?? 'cpu')).float().mean();
  });
  const zeroShot = gpu ? await correct.itemAsync() : correct.item();
  return { loss, zeroShotAccuracy: zeroShot };
}
