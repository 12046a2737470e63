// The Optimizer base, as torch/optim/optimizer.py (PyTorch 1.13): paramGroups (each a record
// of `params` plus hyperparameters, missing ones filled from `defaults`), per-parameter `state`
// (a Map keyed by the parameter tensor), zeroGrad, step, addParamGroup, stateDict/loadStateDict.
//
// State dict layout (what `stateDict()` returns and `loadStateDict()` accepts) is PyTorch's, so a
// dict written by torch.optim reads here and back:
//   { state: { [index]: { step, exp_avg, ... } },
//     param_groups: [{ lr, betas, weight_decay, ..., params: [0, 1, ...] }] }
// Parameters are numbered in order across groups; hyperparameter and state names are PyTorch's
// snake_case inside the dict (weightDecay <-> weight_decay), camelCase everywhere else.

import { Tensor } from '../tensor/tensor.js';
import { pyTypeName } from '../tensor/python_type.js';
import { enableGrad, noGrad } from '../autograd/grad_mode.js';
import { scalarTensor } from '../ops/creation.js';
import { disown, scope } from '../backend/scope.js';
import { pyFloat } from '../nn/module.js';

/** Hyperparameters every optimizer has. */
export interface Hyperparameters {
  lr: number;
}

/** A parameter group: its tensors and its hyperparameters (plus keys schedulers add, e.g. initialLr). */
export type ParamGroup<H extends Hyperparameters = Hyperparameters> = H & {
  params: Tensor[];
  [key: string]: unknown;
};

/** What a caller passes for a group: tensors and any hyperparameters that differ from the defaults. */
export type ParamGroupInput<H extends Hyperparameters = Hyperparameters> = Partial<H> & {
  params: Tensor | Iterable<Tensor>;
  [key: string]: unknown;
};

/** What an optimizer takes: parameters, or param groups (objects with `params` and their own options). */
export type Params<H extends Hyperparameters = Hyperparameters> = Iterable<Tensor> | Iterable<ParamGroupInput<H>>;

/** Per-parameter state: named tensors and numbers (momentum_buffer, exp_avg, step ...). */
export type ParamState = Record<string, unknown>;

/** An optimizer's state dict, laid out as PyTorch's: `state` by parameter index and `param_groups`. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

/** A closure for `step(closure)`: recomputes the loss and returns it. */
export type Closure = () => Tensor | number;

/** camelCase <-> PyTorch's snake_case for state dict keys (weightDecay <-> weight_decay). */
export const toSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** A PyTorch snake_case key in camelCase (`weight_decay` -> `weightDecay`), for reading PyTorch state dicts. */
export const toCamel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * A number as Python's format prints the value of an argument check ("Invalid learning rate:
 * -1e-08", "nan"): JavaScript cannot tell 1 from 1.0, so integers print as Python ints.
 */
export const pyNumber = (x: number): string => (Number.isInteger(x) ? String(x) : pyFloat(x));

/** A required hyperparameter with no default (SGD's lr). */
export const required: unique symbol = Symbol('required');

/** `torch.optim.Optimizer`: paramGroups, defaults and per-parameter state; `step()`, `zeroGrad()`, `stateDict()`, `loadStateDict()`, `addParamGroup()`. */
export abstract class Optimizer<H extends Hyperparameters = Hyperparameters> {
  readonly defaults: { [K in keyof H]: H[K] | typeof required };
  paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created lazily by step() (eagerly for Adagrad, as in PyTorch). */
  state = new Map<Tensor, ParamState>();
  /** How many times step() ran (schedulers read it to warn about call order, as PyTorch). */
  _stepCount = 0;

  constructor(params: Params<H>, defaults: { [K in keyof H]: H[K] | typeof required }) {
    this.defaults = defaults;
    if (params instanceof Tensor) {
      throw new TypeError('params argument given to the optimizer should be an iterable of Tensors or dicts, but got Tensor');
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput<H>>)];
    if (list.length === 0) throw new Error('optimizer got an empty parameter list');
    const groups: ParamGroupInput<H>[] = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>] : (list as ParamGroupInput<H>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Add a group (e.g. layers unfrozen during fine-tuning); missing hyperparameters come from defaults. */
  addParamGroup(group: ParamGroupInput<H>): void {
    if (typeof group !== 'object' || group === null || group instanceof Tensor) throw new TypeError('param group must be a dict');
    const raw = group.params;
    if (raw instanceof Set) {
      throw new TypeError('optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.');
    }
    const params = raw instanceof Tensor ? [raw] : [...raw];
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${pyTypeName(p)}`);
      if (!(p.isLeaf || p.retainsGrad)) throw new Error("can't optimize a non-leaf Tensor");
    }
    const filled: Record<string, unknown> = { ...group, params };
    for (const [name, value] of Object.entries(this.defaults)) {
      if (value === required && !(name in group)) {
        throw new Error(`parameter group didn't specify a value of required optimization parameter ${name}`);
      }
      if (!(name in filled)) filled[name] = Array.isArray(value) ? [...value] : value;
    }
    if (new Set(params).size !== params.length) {
      console.warn('optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information');
    }
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => seen.has(p))) throw new Error('some parameters appear in more than one parameter group');
    this.paramGroups.push(filled as ParamGroup<H>);
  }

  /**
   * Clear the gradients. setToNone defaults to true (PyTorch 2.0's default; 1.13's was false):
   * with null gradients step() skips those parameters, with zeroed ones it steps with 0.
   * Inside torch.webgpu.scope(fn), a dropped device gradient is freed when fn ends unless fn returns it.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const grad = p._grad;
        if (grad === null) continue;
        if (setToNone) {
          disown(grad);
          p._dropGrad();
        } else {
          if (grad.gradFn !== null) grad.detach_();
          else grad.requiresGrad_(false);
          noGrad(() => grad.zero_());
        }
      }
    }
  }

  /**
   * One update of every parameter that has a gradient. The closure (re-evaluating the loss,
   * calling backward) runs with grad enabled; the update runs under noGrad.
   */
  step(closure?: Closure): Tensor | number | undefined {
    let loss: Tensor | number | undefined;
    if (closure) loss = enableGrad(closure);
    const update = () =>
      noGrad(() => {
        for (const group of this.paramGroups) this.updateGroup(group);
      });
    // On a device, the update's temporaries are freed at once (V8 does not see their memory); on a
    // pooled CPU backend their arrays are reused. The state it keeps (momentum, exp_avg, LBFGS's
    // lists of directions ...) lives with the optimizer beyond any scope.
    if (this.paramGroups.some((g) => g.params.some((p) => p._storage.reclaimable))) {
      scope(() => {
        update();
        for (const state of this.state.values()) keepAll(state);
      });
    } else {
      update();
    }
    this._stepCount++;
    return loss;
  }

  /** Update the parameters of one group in place (called under noGrad). */
  protected abstract updateGroup(group: ParamGroup<H>): void;

  /** The state of p, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** PyTorch's layout: state keyed by parameter index, groups with `params` as index lists, snake_case names. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    // A group's parameters are numbered by position from where the previous group's ended, as
    // PyTorch numbers them: a parameter listed twice (which warns) takes its later position.
    let start = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== 'params') packed[toSnake(k)] = copyValue(v);
      group.params.forEach((p, i) => index.set(p, start + i));
      start += group.params.length;
      packed.params = group.params.map((p) => index.get(p)!);
      return packed as Record<string, unknown> & { params: number[] };
    });
    const state: Record<number, Record<string, unknown>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) packed[toSnake(k)] = v;
      state[i] = packed;
    }
    return { state, param_groups: paramGroups };
  }

  /** Load a dict from stateDict() (or from torch's optimizer.state_dict()); tensors are copied and cast to the parameter's dtype. */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const saved = stateDict.param_groups;
    if (saved.length !== this.paramGroups.length) throw new Error('loaded state dict has a different number of parameter groups');
    if (saved.some((g, i) => g.params.length !== this.paramGroups[i].params.length)) {
      throw new Error("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    }
    const name = this.constructor.name;
    const loadedGroups = saved.map((g, i) => this.completeGroup(g, i));
    const idMap = new Map<number, Tensor>();
    const groupOf = new Map<Tensor, Record<string, unknown>>();
    saved.forEach((g, i) =>
      g.params.forEach((id, j) => {
        idMap.set(Number(id), this.paramGroups[i].params[j]);
        groupOf.set(this.paramGroups[i].params[j], loadedGroups[i]);
      }),
    );
    const state = new Map<Tensor, ParamState>();
    for (const [k, v] of Object.entries(stateDict.state)) {
      const p = idMap.get(Number(k));
      if (!p) continue; // PyTorch keeps state of unknown ids as-is; a Map keyed by tensors has no place for it.
      const s: ParamState = {};
      for (const [key, value] of Object.entries(v)) s[toCamel(key)] = castState(p, toCamel(key), value);
      // A parameter that has stepped holds all of its state: a dict from another optimizer does not.
      const needed = Object.keys(s).length === 0 ? [] : this.stateKeys(groupOf.get(p) as ParamGroup<H>);
      const missing = needed.filter((key) => !(key in s));
      if (missing.length > 0) {
        throw new Error(
          `loaded state dict has no state '${toSnake(missing[0])}' for parameter ${k}, which ${name} keeps ` +
            `(it has: ${Object.keys(v).join(', ')}); was it saved from another optimizer?`,
        );
      }
      state.set(p, s);
    }
    this.paramGroups = loadedGroups.map((group, i) => ({ ...group, params: this.paramGroups[i].params }) as ParamGroup<H>);
    this.state = state;
    this.afterLoad();
  }

  /** The per-parameter state keys (camelCase) a step keeps for a parameter of `group`; checked on load. */
  protected stateKeys(_group: ParamGroup<H>): readonly string[] {
    return [];
  }

  /**
   * A loaded param group in camelCase without its params. Flags newer than the dict (foreach,
   * maximize, ...) take their defaults, as PyTorch's __setstate__ does; a missing numeric
   * hyperparameter means the dict is another optimizer's, and is refused by name.
   */
  private completeGroup(saved: Record<string, unknown>, i: number): Record<string, unknown> {
    const group: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(saved)) if (k !== 'params') group[toCamel(k)] = copyValue(v);
    for (const [key, value] of Object.entries(this.defaults)) {
      if (key in group) continue;
      if (typeof value === 'number' || Array.isArray(value)) {
        const has = Object.keys(saved).filter((k) => k !== 'params').join(', ');
        throw new Error(`loaded state dict's param group ${i} has no '${toSnake(key)}', which ${this.constructor.name} needs (it has: ${has}); was it saved from another optimizer?`);
      }
      group[key] = value;
    }
    return group;
  }

  /** Fix up state loaded from older layouts (PyTorch's __setstate__). */
  protected afterLoad(): void {}

  toString(): string {
    let s = `${this.constructor.name} (`;
    this.paramGroups.forEach((g, i) => {
      s += `\nParameter Group ${i}\n`;
      // Sorted as Python sorts the snake_case keys (lr before lr_decay; camelCase would agree only by luck).
      const keys = Object.keys(g).filter((k) => k !== 'params').map(toSnake).sort();
      for (const k of keys) s += `    ${k}: ${fmt(g[toCamel(k)])}\n`;
    });
    return s + ')';
  }
}

/** A hyperparameter as Python prints it: a tuple, None, True/False, 1e-08. */
function fmt(v: unknown): string {
  if (Array.isArray(v)) return `(${v.map(fmt).join(', ')})`;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  return String(v);
}

function copyValue(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

/**
 * A deep copy of a state value; except `step`, tensors move to the parameter's device and floating
 * ones take its dtype (PyTorch 1.13's cast), so a state dict read from a file resumes on a GPU.
 */
function castState(p: Tensor, key: string, value: unknown): unknown {
  if (value instanceof Tensor) {
    const t = value.detach().clone();
    if (key === 'step') return t;
    return p.isFloatingPoint() && t.isFloatingPoint() ? t.to(p.device, p.dtype) : t.to(p.device);
  }
  if (Array.isArray(value)) return value.map((v) => castState(p, '', v));
  return value;
}

/** A scalar step counter as PyTorch 1.13 keeps it for Adam, AdamW and Adagrad: a float32 0-d tensor. */
export function stepTensor(value = 0): Tensor {
  return scalarTensor(value, 'float32');
}

/** Mark every tensor in `value` (a state entry: tensors, arrays and objects of them) kept beyond any scope. */
function keepAll(value: unknown): void {
  if (value instanceof Tensor) value._storage.kept = true;
  else if (Array.isArray(value)) for (const v of value) keepAll(v);
  else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) for (const v of Object.values(value)) keepAll(v);
}

/** Read a step counter kept as a number or a 0-d tensor (loaded dicts may hold either). */
export function stepValue(step: unknown): number {
  return step instanceof Tensor ? step.item() : Number(step);
}
