// Grad mode: whether new operations record a graph (torch.no_grad / enable_grad).

let enabled = true;

/** `torch.is_grad_enabled()`: whether operations are being recorded for autograd now. */
export function isGradEnabled(): boolean {
  return enabled;
}

/** `torch.set_grad_enabled(mode)`: turn recording for autograd on or off (prefer `noGrad(fn)` for a block). */
export function setGradEnabled(mode: boolean): void {
  enabled = mode;
}

function withMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * torch.no_grad(): run `fn` without recording operations for autograd.
 *
 * @example
 * ```ts
 * import * as torch from 'dlab';
 *
 * const w = torch.ones(2, { requiresGrad: true });
 * console.log(torch.noGrad(() => w.mul(2)).requiresGrad, w.mul(2).requiresGrad); // false true
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** torch.enable_grad(): record operations inside `fn`, even within noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
