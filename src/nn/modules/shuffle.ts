// Shuffle layers (torch/nn/modules/pixelshuffle.py, channelshuffle.py): PixelShuffle, PixelUnshuffle
// and ChannelShuffle over their nn.functional forms.

import type { Tensor } from '../../tensor/tensor.js';
import { bindArgs, type PyArgs } from '../args.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';

/** `torch.nn.PixelShuffle(upscale_factor)`: [*, C r^2, H, W] to [*, C, H r, W r]. */
export class PixelShuffle extends Module {
  upscaleFactor: number;
  constructor(...args: PyArgs<[upscaleFactor: number], { upscaleFactor?: number }>) {
    super();
    [this.upscaleFactor] = bindArgs<[number], object>('PixelShuffle', ['upscaleFactor'], args, 1, []);
  }
  override forward(input: Tensor): Tensor {
    return F.pixelShuffle(input, this.upscaleFactor);
  }
  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/** `torch.nn.PixelUnshuffle(downscale_factor)`: [*, C, H r, W r] to [*, C r^2, H, W]. */
export class PixelUnshuffle extends Module {
  downscaleFactor: number;
  constructor(...args: PyArgs<[downscaleFactor: number], { downscaleFactor?: number }>) {
    super();
    [this.downscaleFactor] = bindArgs<[number], object>('PixelUnshuffle', ['downscaleFactor'], args, 1, []);
  }
  override forward(input: Tensor): Tensor {
    return F.pixelUnshuffle(input, this.downscaleFactor);
  }
  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}

/** `torch.nn.ChannelShuffle(groups)`: the channels of [N, C, *] reordered group-minor (ShuffleNet). */
export class ChannelShuffle extends Module {
  groups: number;
  constructor(...args: PyArgs<[groups: number], { groups?: number }>) {
    super();
    [this.groups] = bindArgs<[number], object>('ChannelShuffle', ['groups'], args, 1, []);
  }
  override forward(input: Tensor): Tensor {
    return F.channelShuffle(input, this.groups);
  }
  override extraRepr(): string {
    return `groups=${this.groups}`;
  }
}
