// L-BFGS: PyTorch 1.13's torch/optim/lbfgs.py line for line (itself after minFunc and Lua torch's
// optim.lbfgs / lswolfe / polyinterp). One step runs up to maxIter iterations, calling the
// closure for the loss and gradient; the direction is the two-loop recursion over the last
// historySize (s, y) pairs, the step length lr (min(1, 1/|g|_1) lr on the very first iteration)
// or a strong-Wolfe line search. All parameters are flattened into one vector, so the state is
// global and kept, as PyTorch keeps it, under the first parameter.
//
// Scalars (t, ys, ro, al, H_diag) are JavaScript numbers where PyTorch holds 0-d tensors of the
// parameters' dtype (rounded to float32 for float32 parameters, as those tensors are); a state
// dict from PyTorch (0-d tensors) loads all the same.

import { Tensor } from '../tensor/tensor.js';
import { enableGrad, noGrad } from '../autograd/grad_mode.js';
import { cat } from '../ops/movement.js';
import { zeros } from '../ops/creation.js';
import { Optimizer, type Closure, type OptimizerStateDict, type Params } from './optimizer.js';

/** Options of `optim.LBFGS`: lr (1), maxIter (20), maxEval (maxIter * 5 / 4, floored), toleranceGrad (1e-7), toleranceChange (1e-9), historySize (100), lineSearchFn (null or 'strong_wolfe'). */
export interface LBFGSOptions {
  lr?: number;
  maxIter?: number;
  maxEval?: number | null;
  toleranceGrad?: number;
  toleranceChange?: number;
  historySize?: number;
  lineSearchFn?: 'strong_wolfe' | null;
}

export interface LBFGSHyperparameters {
  lr: number;
  maxIter: number;
  maxEval: number;
  toleranceGrad: number;
  toleranceChange: number;
  historySize: number;
  lineSearchFn: string | null;
}

/** A number PyTorch may have kept as a 0-d tensor (a loaded state dict). */
const num = (v: unknown): number => (v instanceof Tensor ? v.item() : (v as number));
const dot = (a: Tensor, b: Tensor): number => a.dot(b).item();
const absMax = (a: Tensor): number => a.abs().max().item();

/**
 * The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped to
 * `bounds` (default: between x1 and x2); their midpoint when the cubic has no minimum.
 */
export function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [xminBound, xmaxBound] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 ** 2 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, xminBound), xmaxBound);
  }
  return (xminBound + xmaxBound) / 2;
}

/** f and the flat gradient at x + t d. */
type Objective = (x: Tensor[], t: number, d: Tensor) => [number, Tensor];

/**
 * A step length t along d satisfying the strong Wolfe conditions (c1, c2), by bracketing then
 * zooming with cubic interpolation, from f, g and gtd = g.d at t = 0: [f, g, t, evaluations].
 */
export function strongWolfe(objFunc: Objective, x: Tensor[], t: number, d: Tensor, f: number, g: Tensor, gtd: number, c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25): [number, Tensor, number, number] {
  const dNorm = absMax(d);
  g = g.clone();
  let [fNew, gNew] = objFunc(x, t, d);
  let lsFuncEvals = 1;
  let gtdNew = dot(gNew, d);

  // Bracket an interval containing a point satisfying the Wolfe criteria.
  let [tPrev, fPrev, gPrev, gtdPrev] = [0, f, g, gtd];
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [];
  let bracketF: number[] = [];
  let bracketG: Tensor[] = [];
  let bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew.clone()], [gtdPrev, gtdNew]];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew.clone()], [gtdPrev, gtdNew]];
      break;
    }
    // Interpolate.
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    // Next step.
    [tPrev, fPrev, gPrev, gtdPrev] = [tmp, fNew, gNew.clone(), gtdNew];
    [fNew, gNew] = objFunc(x, t, d);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;
  }
  // Reached the maximum number of iterations? (bracketGtd stays as it was, as PyTorch leaves it.)
  if (lsIter === maxLs) [bracket, bracketF, bracketG] = [[0, t], [f, fNew], [g, gNew]];

  // Zoom: refine the bracket until a point satisfies the criteria.
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    // The bracket is too small.
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    // Too close to an end of the bracket, or twice in a row near one: move 0.1 of its length in.
    const hi = Math.max(...bracket);
    const lo = Math.min(...bracket);
    const eps = 0.1 * (hi - lo);
    if (Math.min(hi - t, t - lo) < eps) {
      if (insufProgress || t >= hi || t <= lo) {
        t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [fNew, gNew] = objFunc(x, t, d);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;

    if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos]) {
      // Armijo condition not satisfied or not lower than the lowest point.
      [bracket[highPos], bracketF[highPos], bracketG[highPos], bracketGtd[highPos]] = [t, fNew, gNew.clone(), gtdNew];
      [lowPos, highPos] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true; // Wolfe conditions satisfied
      } else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0) {
        // The old high becomes the new low.
        [bracket[highPos], bracketF[highPos], bracketG[highPos], bracketGtd[highPos]] = [bracket[lowPos], bracketF[lowPos], bracketG[lowPos], bracketGtd[lowPos]];
      }
      // The new point becomes the new low.
      [bracket[lowPos], bracketF[lowPos], bracketG[lowPos], bracketGtd[lowPos]] = [t, fNew, gNew.clone(), gtdNew];
    }
  }
  return [bracketF[lowPos], bracketG[lowPos], bracket[lowPos], lsFuncEvals];
}

/**
 * `torch.optim.LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
 * tolerance_change=1e-9, history_size=100, line_search_fn=None)`: one parameter group only;
 * `step(closure)` needs the closure (it is called up to maxEval times) and returns its first loss.
 * The loss and the line search's tests are read as numbers each iteration: the parameters
 * must be CPU tensors (a device tensor's item() cannot wait for the GPU).
 *
 * @example
 * ```ts
 * import * as torch from 'dlab';
 * import { optim } from 'dlab';
 *
 * const x = torch.tensor([-1.5, 2], { dtype: 'float64', requiresGrad: true });
 * const opt = new optim.LBFGS([x], { lineSearchFn: 'strong_wolfe' });
 * const closure = () => {
 *   opt.zeroGrad();
 *   const [a, b] = [x.select(0, 0), x.select(0, 1)];
 *   const loss = a.neg().add(1).square().add(b.sub(a.square()).square().mul(100)); // Rosenbrock
 *   loss.backward();
 *   return loss;
 * };
 * for (let i = 0; i < 3; i++) opt.step(closure);
 * console.log((x.tolist() as number[]).map((v) => v.toFixed(4)).join(' ')); // 1.0000 1.0000
 * ```
 */
export class LBFGS extends Optimizer<LBFGSHyperparameters> {
  private readonly params: Tensor[];

  constructor(params: Params<LBFGSHyperparameters>, options: LBFGSOptions = {}) {
    const { lr = 1, maxIter = 20, toleranceGrad = 1e-7, toleranceChange = 1e-9, historySize = 100, lineSearchFn = null } = options;
    const maxEval = options.maxEval ?? Math.floor((maxIter * 5) / 4);
    super(params, { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn });
    if (this.paramGroups.length !== 1) throw new RangeError("LBFGS doesn't support per-parameter options (parameter groups)");
    this.params = this.paramGroups[0].params;
  }

  /** Never called: step() is LBFGS's own (it needs the closure, and iterates over all parameters at once). */
  protected updateGroup(): void {
    throw new Error('LBFGS updates in step(closure)');
  }

  /** The gradients as one flat vector (zeros for a parameter without one). */
  private gatherFlatGrad(): Tensor {
    return cat(this.params.map((p) => (p._grad === null ? zeros([p.numel()], { dtype: p.dtype }) : p._grad.reshape(-1))), 0);
  }

  /** p += stepSize * update, the flat update cut into the parameters' shapes. */
  private addGrad(stepSize: number, update: Tensor): void {
    let offset = 0;
    for (const p of this.params) {
      const n = p.numel();
      p.add_(update.narrow(0, offset, n).view(p.shape), { alpha: stepSize });
      offset += n;
    }
  }

  private directionalEvaluate(closure: () => Tensor | number, x: Tensor[], t: number, d: Tensor): [number, Tensor] {
    this.addGrad(t, d);
    const loss = num(closure());
    const flatGrad = this.gatherFlatGrad();
    this.params.forEach((p, i) => p.copy_(x[i]));
    return [loss, flatGrad];
  }

  /** Up to maxIter iterations of L-BFGS; returns the loss the first call of `closure` gave. */
  override step(closure?: Closure): Tensor | number {
    if (closure === undefined) throw new TypeError("LBFGS.step() missing 1 required positional argument: 'closure'");
    this._stepCount++;
    return noGrad(() => this.iterate(() => enableGrad(closure)));
  }

  private iterate(closure: () => Tensor | number): Tensor | number {
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    // PyTorch's ro, al, H_diag and first t are 0-d tensors of the parameters' dtype: rounded as they are.
    const round = this.params[0].dtype === 'float32' ? Math.fround : (x: number) => x;
    // LBFGS's state is global; PyTorch keeps it under the first parameter (so load_state_dict casts it).
    const state = this.stateOf(this.params[0]);
    state.funcEvals = (state.funcEvals as number | undefined) ?? 0;
    state.nIter = (state.nIter as number | undefined) ?? 0;

    // Evaluate the initial f(x) and df/dx.
    const origLoss = closure();
    let loss = num(origLoss);
    let currentEvals = 1;
    state.funcEvals = (state.funcEvals as number) + 1;

    let flatGrad = this.gatherFlatGrad();
    let optCond = absMax(flatGrad) <= toleranceGrad;
    if (optCond) return origLoss;

    let d = state.d as Tensor | undefined;
    let t = state.t === undefined ? undefined : num(state.t);
    let oldDirs = state.oldDirs as Tensor[] | undefined;
    let oldStps = state.oldStps as Tensor[] | undefined;
    let ro = (state.ro as unknown[] | undefined)?.map(num);
    let hDiag = state.HDiag === undefined ? undefined : num(state.HDiag);
    let prevFlatGrad = state.prevFlatGrad as Tensor | undefined;
    let prevLoss = state.prevLoss as number | undefined;

    let nIter = 0;
    while (nIter < maxIter) {
      nIter += 1;
      state.nIter = (state.nIter as number) + 1;

      // The descent direction.
      if (state.nIter === 1) {
        d = flatGrad.neg();
        [oldDirs, oldStps, ro, hDiag] = [[], [], [], 1];
      } else {
        // Update the memory with the last step's s and y (when the curvature ys is positive).
        const y = flatGrad.sub(prevFlatGrad!);
        const s = d!.mul(t!);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (oldDirs!.length === historySize) {
            oldDirs!.shift();
            oldStps!.shift();
            ro!.shift();
          }
          oldDirs!.push(y);
          oldStps!.push(s);
          ro!.push(round(1 / ys));
          hDiag = round(ys / dot(y, y));
        }
        // The two-loop recursion: d = -H g, H the L-BFGS inverse Hessian approximation.
        const numOld = oldDirs!.length;
        if (state.al === undefined) state.al = new Array<number | null>(historySize).fill(null);
        const al = state.al as (number | null)[];
        const q = flatGrad.neg();
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = round(dot(oldStps![i], q) * ro![i]);
          q.add_(oldDirs![i], { alpha: -al[i]! });
        }
        const r = q.mul(hDiag!);
        d = r;
        for (let i = 0; i < numOld; i++) {
          const beI = round(dot(oldDirs![i], r) * ro![i]);
          r.add_(oldStps![i], { alpha: round(num(al[i]) - beI) });
        }
      }
      if (prevFlatGrad === undefined) prevFlatGrad = flatGrad.clone();
      else prevFlatGrad.copy_(flatGrad);
      prevLoss = loss;

      // The step length: min(1, 1/|g|_1) lr on the very first iteration, then lr.
      if (state.nIter === 1) {
        const inverse = round(1 / flatGrad.abs().sum().item());
        t = inverse < 1 ? round(inverse * lr) : lr;
      } else {
        t = lr;
      }
      const gtd = dot(flatGrad, d!);
      // The directional derivative is below the tolerance.
      if (gtd > -toleranceChange) break;

      let lsFuncEvals = 0;
      if (lineSearchFn !== null) {
        if (lineSearchFn !== 'strong_wolfe') throw new Error("only 'strong_wolfe' is supported");
        const xInit = this.params.map((p) => p.clone());
        const objFunc: Objective = (x, tt, dd) => this.directionalEvaluate(closure, x, tt, dd);
        [loss, flatGrad, t, lsFuncEvals] = strongWolfe(objFunc, xInit, t, d!, loss, flatGrad, gtd);
        this.addGrad(t, d!);
        optCond = absMax(flatGrad) <= toleranceGrad;
      } else {
        // A fixed step; the function is re-evaluated except after the last iteration (in a
        // stochastic setting that evaluation would be of no use).
        this.addGrad(t, d!);
        if (nIter !== maxIter) {
          loss = num(closure());
          flatGrad = this.gatherFlatGrad();
          optCond = absMax(flatGrad) <= toleranceGrad;
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      state.funcEvals = (state.funcEvals as number) + lsFuncEvals;

      // Stop at the iteration or evaluation budget, at optimality, or without progress.
      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      if (absMax(d!.mul(t)) <= toleranceChange) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }
    Object.assign(state, { d, t, oldDirs, oldStps, ro, HDiag: hDiag, prevFlatGrad, prevLoss });
    return origLoss;
  }

  /** PyTorch's key for the initial Hessian scale is `H_diag` (snake_case of HDiag would be `_h_diag`). */
  override stateDict(): OptimizerStateDict {
    const dict = super.stateDict();
    for (const s of Object.values(dict.state)) {
      if (!('_h_diag' in s)) continue;
      s.H_diag = s._h_diag;
      delete s._h_diag;
    }
    return dict;
  }

  protected override stateKeys(): readonly string[] {
    return ['funcEvals', 'nIter'];
  }
}
