// Two fused kernels of the training step: ReLU's gradient (Backend.thresholdBackward) and the
// optimizer's in-place update out += alpha * x (Backend.axpy).

import { numel } from '../../../tensor/shape.js';
import type { ViewMeta } from '../program.js';
import { perElement, storageType, stridedOffsets, Uniforms, type GpuPlan } from './builder.js';

/**
 * Inputs (grad, self) of one shape, any strides; output 0 contiguous of grad's dtype: 0 where
 * self <= threshold, grad elsewhere (a select: a NaN self passes the gradient, a NaN grad at a cut gives 0).
 */
export function thresholdBackward(grad: ViewMeta, self: ViewMeta, threshold: number): GpuPlan {
  const T = storageType(grad.dtype);
  const S = storageType(self.dtype);
  const rank = grad.shape.length;
  const cut = S === 'f32' ? '!isNan(s) && s <= u.threshold' : 'f32(s) <= u.threshold';
  return perElement({
    key: `threshold-backward|${T}|${S}|r${rank}`,
    inputs: [{ name: 'grad', type: T }, { name: 'selfv', type: S }],
    outputs: [{ name: 'out', type: T }],
    u: new Uniforms().shape('sh', grad.shape).view('go', grad).view('so', self).f32('threshold', float32AtMost(threshold)),
    total: numel(grad.shape),
    body: `${stridedOffsets('i', rank, 'sh', ['go', 'so'])}
  let s = selfv[so];
  out[i] = select(grad[go], ${T}(0), ${cut});`,
  });
}

/**
 * The largest float32 <= t: an f32 compares `s <= t` exactly as with t itself, as the js reference
 * compares float32 data against the double threshold. (PyTorch rounds the threshold to the
 * tensor's dtype instead; the two differ only for a threshold that is no float32, never ReLU's 0.)
 */
function float32AtMost(t: number): number {
  const f = Math.fround(t);
  if (!(f > t)) return f;
  const bits = new Float32Array([f]);
  const word = new Int32Array(bits.buffer);
  word[0] += f > 0 ? -1 : 1; // one ULP toward -infinity
  return bits[0];
}

/**
 * In place: input 0 is x (out's shape, any strides), output 0 is `out`'s buffer (contiguous,
 * float32, at out.offset): out += alpha * x, the product rounded to f32 before the add as the
 * reference does (a separate multiply, not fma).
 */
export function axpy(out: ViewMeta, x: ViewMeta, alpha: number): GpuPlan {
  if (out.dtype !== 'float32' || x.dtype !== 'float32') throw new TypeError(`webgpu axpy: expected float32, got ${out.dtype} and ${x.dtype}`);
  const rank = x.shape.length;
  return perElement({
    key: `axpy|r${rank}`,
    inputs: [{ name: 'x', type: 'f32' }],
    outputs: [{ name: 'out', type: 'f32' }],
    u: new Uniforms().shape('sh', x.shape).view('xx', x).i32('o_off', out.offset).f32('alpha', alpha),
    total: numel(out.shape),
    body: `${stridedOffsets('i', rank, 'sh', ['xx'])}
  let o = u.o_off + i;
  out[o] = out[o] + u.alpha * x[xx];`,
  });
}
