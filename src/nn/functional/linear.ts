// nn.functional's linear maps (torch/nn/functional.py linear, bilinear); nn.Linear, nn.Bilinear
// and multi-head attention's projections call these.

import { addmm } from '../../ops/linalg.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * `torch.nn.functional.linear`: y = x W^T + b, as PyTorch 1.13's at::linear: a 2-D input with a
 * bias is one addmm (AddmmBackward0), a contiguous 3-D one is flattened to 2-D around it
 * (ViewBackward0); otherwise the product, then the bias added (AddBackward0). Wrong
 * in_features reports "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)".
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (bias && input.ndim === 2) return addmm(bias, input, weight.t());
  if (bias && input.ndim === 3 && input.isContiguous()) {
    const [batch, rows, features] = input.shape;
    const y = addmm(bias, input.view([batch * rows, features]), weight.t());
    return y.view([batch, rows, y.shape[1]]);
  }
  const y = input.matmul(weight.t());
  // PyTorch adds in place to the product it made; out of place here is the same node and values.
  return bias ? y.add(bias) : y;
}

/** `torch.nn.functional.bilinear`: y = x1^T A x2 + b for weight A of shape [out, in1, in2]. */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (input1.ndim !== input2.ndim) {
    throw new RangeError(`bilinear(): input dimensions do not match: got ${input1.ndim} and ${input2.ndim}`);
  }
  for (let i = 0; i < input1.ndim - 1; i++) {
    if (input1.shape[i] !== input2.shape[i]) {
      throw new RangeError(`bilinear(): input batch dimensions do not match at dim ${i}: got ${input1.shape[i]} and ${input2.shape[i]}`);
    }
  }
  const [out, in1, in2] = weight.shape;
  if (input1.shape[input1.ndim - 1] !== in1) {
    throw new RangeError(`bilinear(): input1 size does not match weight size: got ${input1.shape[input1.ndim - 1]} but expected ${in1}`);
  }
  if (input2.shape[input2.ndim - 1] !== in2) {
    throw new RangeError(`bilinear(): input2 size does not match weight size: got ${input2.shape[input2.ndim - 1]} but expected ${in2}`);
  }
  if (bias && bias.shape[0] !== out) {
    throw new RangeError(`bilinear(): bias size does not match weight size: got ${bias.shape[0]} but expected ${out}`);
  }
  // (x1 A) as one matmul against A laid out [in1, out * in2], then the dot with x2 per output.
  const a = weight.permute(1, 0, 2).reshape(in1, out * in2);
  const t = input1.matmul(a).unflatten(-1, [out, in2]);
  const y = t.mul(input2.unsqueeze(-2)).sum(-1);
  return bias ? y.add(bias) : y;
}
