// The UNet's levels (diffusers' models/unets/unet_2d_blocks.py): CrossAttnDownBlock2D and
// DownBlock2D (resnets, each followed by a Transformer2DModel in the cross-attention kind, then a
// stride-2 downsampler except at the lowest level), UNetMidBlock2DCrossAttn (resnet, transformer,
// resnet) and CrossAttnUpBlock2D / UpBlock2D (each resnet reads the features concatenated with
// the last skip, then an upsampler except at the top). Names and channel rules are diffusers'.

import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/index.js';
import { cat } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Downsample2D, ResnetBlock2D, Upsample2D } from './resnet.js';
import { Transformer2DModel } from './transformer_2d.js';

/** What every UNet level shares: time-embedding width, GroupNorm groups and eps, and the transformers' settings. */
export interface BlockSettings {
  tembChannels: number;
  groups: number;
  eps: number;
  crossAttentionDim: number;
  useLinearProjection: boolean;
  transformerLayers: number;
}

function transformer(s: BlockSettings, channels: number, heads: number): Transformer2DModel {
  if (channels % heads !== 0) throw new RangeError(`UNet: ${channels} channels are not divisible by ${heads} attention heads`);
  return new Transformer2DModel({
    heads, headDim: channels / heads, inChannels: channels, crossAttentionDim: s.crossAttentionDim,
    normNumGroups: s.groups, useLinearProjection: s.useLinearProjection, numLayers: s.transformerLayers,
  });
}

/** Cross-attention levels read the text states; calling one without them is a caller's error. */
function needContext(context: Tensor | null, block: Module): Tensor {
  if (!context) throw new Error(`${block._getName()}: encoder_hidden_states (the text states) are required`);
  return context;
}

/** A down level's output and the skips it hands to the decoder (after each resnet/transformer and the downsampler). */
export interface DownOutput {
  hidden: Tensor;
  skips: Tensor[];
}

/** DownBlock2D, or CrossAttnDownBlock2D when `heads` is given. */
export class DownBlock2D extends Module {
  resnets: ModuleList<ResnetBlock2D>;
  attentions: ModuleList<Transformer2DModel> | null;
  downsamplers: ModuleList<Downsample2D> | null;
  constructor(inChannels: number, outChannels: number, layers: number, s: BlockSettings, addDownsample: boolean, heads: number | null) {
    super();
    this.resnets = new ModuleList(
      Array.from({ length: layers }, (_, i) => new ResnetBlock2D(i === 0 ? inChannels : outChannels, outChannels, s.tembChannels, s.groups, s.eps)),
    );
    this.attentions = heads === null ? null : new ModuleList(Array.from({ length: layers }, () => transformer(s, outChannels, heads)));
    this.downsamplers = addDownsample ? new ModuleList([new Downsample2D(outChannels)]) : null;
  }

  override _getName(): string {
    return this.attentions ? 'CrossAttnDownBlock2D' : 'DownBlock2D';
  }

  override forward(x: Tensor, temb: Tensor, context: Tensor | null = null): DownOutput {
    const skips: Tensor[] = [];
    const attentions = this.attentions ? [...this.attentions] : [];
    [...this.resnets].forEach((resnet, i) => {
      x = resnet.call(x, temb);
      if (attentions[i]) x = attentions[i].call(x, needContext(context, this));
      skips.push(x);
    });
    if (this.downsamplers) {
      x = this.downsamplers.at(0).call(x);
      skips.push(x);
    }
    return { hidden: x, skips };
  }
}

/** UpBlock2D, or CrossAttnUpBlock2D when `heads` is given; resnet i reads [x, skip] with the skip widths diffusers gives. */
export class UpBlock2D extends Module {
  resnets: ModuleList<ResnetBlock2D>;
  attentions: ModuleList<Transformer2DModel> | null;
  upsamplers: ModuleList<Upsample2D> | null;
  constructor(
    inChannels: number, prevOutputChannels: number, outChannels: number, layers: number, s: BlockSettings,
    addUpsample: boolean, heads: number | null,
  ) {
    super();
    this.resnets = new ModuleList(
      Array.from({ length: layers }, (_, i) => {
        const skip = i === layers - 1 ? inChannels : outChannels;
        const input = i === 0 ? prevOutputChannels : outChannels;
        return new ResnetBlock2D(input + skip, outChannels, s.tembChannels, s.groups, s.eps);
      }),
    );
    this.attentions = heads === null ? null : new ModuleList(Array.from({ length: layers }, () => transformer(s, outChannels, heads)));
    this.upsamplers = addUpsample ? new ModuleList([new Upsample2D(outChannels)]) : null;
  }

  override _getName(): string {
    return this.attentions ? 'CrossAttnUpBlock2D' : 'UpBlock2D';
  }

  /** skips: this level's, oldest first (the last is concatenated first); upsampleSize: the next skip's H, W when it is not 2× this. */
  override forward(x: Tensor, skips: readonly Tensor[], temb: Tensor, context: Tensor | null = null, upsampleSize: readonly number[] | null = null): Tensor {
    const rest = [...skips];
    const attentions = this.attentions ? [...this.attentions] : [];
    [...this.resnets].forEach((resnet, i) => {
      x = resnet.call(cat([x, rest.pop()!], 1), temb);
      if (attentions[i]) x = attentions[i].call(x, needContext(context, this));
    });
    return this.upsamplers ? this.upsamplers.at(0).call(x, upsampleSize) : x;
  }
}

/** UNetMidBlock2DCrossAttn: resnet, transformer, resnet at the lowest resolution. */
export class UNetMidBlock2DCrossAttn extends Module {
  attentions: ModuleList<Transformer2DModel>;
  resnets: ModuleList<ResnetBlock2D>;
  constructor(channels: number, s: BlockSettings, heads: number) {
    super();
    this.attentions = new ModuleList([transformer(s, channels, heads)]);
    this.resnets = new ModuleList([0, 1].map(() => new ResnetBlock2D(channels, channels, s.tembChannels, s.groups, s.eps)));
  }
  override forward(x: Tensor, temb: Tensor, context: Tensor): Tensor {
    x = this.resnets.at(0).call(x, temb);
    x = this.attentions.at(0).call(x, context);
    return this.resnets.at(1).call(x, temb);
  }
}
