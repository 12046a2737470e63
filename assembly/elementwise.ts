// Elementwise float32 kernels for the large operands of a training step (an optimizer update
// touches every parameter): out[i] = a[i] op b[i % p] with b a block of p values repeated
// (p = n: same shape; p = 1: a scalar; otherwise a broadcast row such as a bias). Lanes compute
// exactly what scalar float32 arithmetic does (IEEE add/sub/mul/div, NaN-propagating max).

export const OP_ADD: i32 = 0;
export const OP_SUB: i32 = 1;
export const OP_MUL: i32 = 2;
export const OP_DIV: i32 = 3;

// @ts-ignore: decorator
@inline function vop(op: i32, x: v128, y: v128): v128 {
  if (op == OP_ADD) return f32x4.add(x, y);
  if (op == OP_SUB) return f32x4.sub(x, y);
  if (op == OP_MUL) return f32x4.mul(x, y);
  return f32x4.div(x, y);
}

// @ts-ignore: decorator
@inline function sop(op: i32, x: f32, y: f32): f32 {
  if (op == OP_ADD) return x + y;
  if (op == OP_SUB) return x - y;
  if (op == OP_MUL) return x * y;
  return x / y;
}

/** One op over n elements, b repeated with period p; the op is a constant after inlining. */
// @ts-ignore: decorator
@inline function binaryOp(op: i32, a: usize, b: usize, p: i32, out: usize, n: i32): void {
  if (p == 1) {
    const s = load<f32>(b);
    const sv = f32x4.splat(s);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i * 4;
      v128.store(out + o, vop(op, v128.load(a + o), sv));
    }
    for (; i < n; i++) store<f32>(out + <usize>i * 4, sop(op, load<f32>(a + <usize>i * 4), s));
    return;
  }
  for (let base = 0; base < n; base += p) {
    const ab = a + <usize>base * 4;
    const ob = out + <usize>base * 4;
    let j = 0;
    for (; j + 4 <= p; j += 4) {
      const o = <usize>j * 4;
      v128.store(ob + o, vop(op, v128.load(ab + o), v128.load(b + o)));
    }
    for (; j < p; j++) {
      const o = <usize>j * 4;
      store<f32>(ob + o, sop(op, load<f32>(ab + o), load<f32>(b + o)));
    }
  }
}

export function binaryF32(op: i32, a: usize, b: usize, p: i32, out: usize, n: i32): void {
  if (op == OP_ADD) binaryOp(OP_ADD, a, b, p, out, n);
  else if (op == OP_SUB) binaryOp(OP_SUB, a, b, p, out, n);
  else if (op == OP_MUL) binaryOp(OP_MUL, a, b, p, out, n);
  else binaryOp(OP_DIV, a, b, p, out, n);
}

/**
 * relu as PyTorch's clamp_min(x, 0): 0 where x < 0, else x itself, so NaN and -0 pass unchanged
 * (f32x4.max would turn -0 into +0). A select on the lane mask, as the reference's x < 0 ? 0 : x.
 */
export function reluF32(x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const v = v128.load(x + o);
    v128.store(out + o, v128.bitselect(zero, v, f32x4.lt(v, zero)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + <usize>i * 4);
    store<f32>(out + <usize>i * 4, v < 0 ? 0 : v);
  }
}

/**
 * out[i] += alpha * x[i] in float32: the product rounded to float32, then the sum, exactly what
 * mul followed by add computes, so fusing the optimizer's update (add_ with alpha) changes no bit.
 */
export function axpyF32(out: usize, x: usize, alpha: f32, n: i32): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = out + <usize>i * 4;
    v128.store(p, f32x4.add(v128.load(p), f32x4.mul(a, v128.load(x + <usize>i * 4))));
  }
  for (; i < n; i++) {
    const p = out + <usize>i * 4;
    store<f32>(p, load<f32>(p) + alpha * load<f32>(x + <usize>i * 4));
  }
}
