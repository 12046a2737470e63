// Distance layers (torch/nn/modules/distance.py): CosineSimilarity and PairwiseDistance.

import type { Tensor } from '../../tensor/tensor.js';
import { bindArgs, type PyArgs } from '../args.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';

/** `torch.nn.CosineSimilarity(dim=1, eps=1e-8)`: the cosine of the angle between x1 and x2 along dim. */
export class CosineSimilarity extends Module {
  dim: number;
  eps: number;
  constructor(...args: PyArgs<[dim: number, eps: number], { dim?: number; eps?: number }>) {
    const [dim = 1, eps = 1e-8] = bindArgs<[number?, number?], object>('CosineSimilarity', ['dim', 'eps'], args, 0, []);
    super();
    this.dim = dim;
    this.eps = eps;
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    return F.cosineSimilarity(x1, x2, this.dim, this.eps);
  }
}

/** `torch.nn.PairwiseDistance(p=2.0, eps=1e-6, keepdim=False)`: the p-norm of x1 - x2 + eps over the last dim. */
export class PairwiseDistance extends Module {
  norm: number;
  eps: number;
  keepdim: boolean;
  constructor(...args: PyArgs<[p: number, eps: number, keepdim: boolean], { p?: number; eps?: number; keepdim?: boolean }>) {
    const [p = 2, eps = 1e-6, keepdim = false] = bindArgs<[number?, number?, boolean?], object>('PairwiseDistance', ['p', 'eps', 'keepdim'], args, 0, []);
    super();
    this.norm = p;
    this.eps = eps;
    this.keepdim = keepdim;
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    return F.pairwiseDistance(x1, x2, this.norm, this.eps, this.keepdim);
  }
}
