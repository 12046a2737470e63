// utils.checkpoint(fn, ...args): activation checkpointing, after torch.utils.checkpoint.
//
// The forward runs under noGrad, so nothing inside `fn` is saved for backward; only the inputs
// are kept. In backward, `fn` is run again with grad on, from detached copies of the inputs (and
// the random number state of the first run, so dropout draws the same mask), and the gradient is
// sent through that recomputed graph: parameters used inside `fn` get their .grad accumulated,
// and the inputs' gradients flow on to the rest of the graph. Memory: the activations inside `fn`
// exist only while its own backward runs, at the price of one more forward.
//
// As PyTorch's use_reentrant=False variant, it works when no input requires grad (the first
// block of a model, fed with data): the output then hangs on a private leaf, so backward reaches
// the recomputation and the parameters inside still get their gradients.
// `fn` returns one tensor. A Module can be passed directly: checkpoint(block, x) runs block.call(x).

import { enableGrad, isGradEnabled, noGrad } from '../autograd/grad_mode.js';
import { backward } from '../autograd/index.js';
import { record } from '../ops/function.js';
import { zeros } from '../ops/creation.js';
import { defaultGenerator } from '../random/generator.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';

type Fn = ((...args: any[]) => Tensor) | Module; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Options of activation checkpointing: preserveRngState (default true), as PyTorch's. */
export interface CheckpointOptions {
  /** Restore the default generator's state for the recomputation (PyTorch's preserve_rng_state). */
  preserveRngState?: boolean;
}

function run(fn: Fn, args: unknown[]): Tensor {
  const out = fn instanceof Module ? fn.call(...args) : fn(...args);
  if (!(out instanceof Tensor)) throw new TypeError('checkpoint: the function must return a Tensor');
  return out;
}

/** checkpoint(fn, ...args) with default options. */
export function checkpoint(fn: Fn, ...args: unknown[]): Tensor {
  return checkpointWith(fn, {}, ...args);
}

/** `torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False, ...)` with options first: activations recomputed in backward instead of kept. */
export function checkpointWith(fn: Fn, options: CheckpointOptions, ...args: unknown[]): Tensor {
  const preserve = options.preserveRngState ?? true;
  const rngState = preserve ? defaultGenerator.getState() : null;
  const out = noGrad(() => run(fn, args));
  if (!isGradEnabled()) return out;
  const tensorArgs = args.filter((a): a is Tensor => a instanceof Tensor);
  // A private leaf makes the node exist even when no input requires grad.
  const anchor = zeros([], { requiresGrad: true });
  const inputs = [anchor, ...tensorArgs];
  return record('CheckpointFunctionBackward', out, inputs, [], (g) => {
    const detached = args.map((a) => (a instanceof Tensor ? a.detach().requiresGrad_(a.requiresGrad) : a));
    let redo: Tensor;
    if (rngState) {
      const current = defaultGenerator.getState();
      defaultGenerator.setState(rngState);
      try {
        redo = enableGrad(() => run(fn, detached));
      } finally {
        defaultGenerator.setState(current);
      }
    } else {
      redo = enableGrad(() => run(fn, detached));
    }
    const needInput = detached.filter((a): a is Tensor => a instanceof Tensor && a.requiresGrad);
    if (redo.requiresGrad) backward(redo, g);
    const grads = tensorArgs.map((_, i) => {
      const d = detached.filter((a): a is Tensor => a instanceof Tensor)[i];
      return d.requiresGrad && needInput.includes(d) ? d.grad : null;
    });
    return [null, ...grads];
  });
}
