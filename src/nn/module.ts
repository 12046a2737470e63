// nn.Module: the base of every layer and model, after torch/nn/modules/module.py.
//
// How state is found. PyTorch catches `self.fc1 = nn.Linear(...)` in __setattr__. A JS class
// assigns its fields after super() returns, and a Proxy on every module would slow each field read
// in forward and hide the object from debuggers. So a Module reads its own fields lazily: whenever
// parameters, buffers or children are asked for, it scans its own enumerable properties and takes
// every Parameter (a parameter) and every Module (a child). Buffers are plain tensors, and a plain
// tensor field is not state in PyTorch either, so buffers are only made by registerBuffer().
// registerParameter / registerBuffer / registerModule write the field too, so `this.weight` always
// reads the current value, and reassigning a field (`this.fc = new Linear(...)`) just works.
// The order is first-seen order: explicit registrations in call order, scanned fields in property
// creation order (a TS field declaration creates its property, so declaration order counts).
// Integer-like keys ('0', '1') are listed first by Object.keys, which is why containers register
// their items explicitly.
//
// How calls run hooks. PyTorch runs hooks in __call__; JS instances cannot be called, so
// `model.call(x)` is the spelling of `model(x)`. Because users write `this.fc1.forward(x)` in their
// forward too, the constructor installs an own `forward` on each instance that runs the forward
// pre-hooks, the class's forward (looked up on the prototype at call time, so `super.forward`
// and lazy modules that change class keep working) and the forward hooks. Assigning
// `module.forward = fn` replaces the inner function and keeps the hooks.

import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad_mode.js';
import { select } from '../ops/movement.js';
import { isFloatingPoint, scalarTypeName } from '../tensor/dtype.js';
import { fmtSize } from '../tensor/shape.js';
import { backendFor, deviceOf, parseTo, type ToArg } from '../tensor/device.js';
import { Parameter, UninitializedParameter, isLazy } from './parameter.js';

/** A state dict: parameter and buffer names (`0.weight`, PyTorch's keys) to tensors. */
export type StateDict = Record<string, Tensor>;
/** hook(module, args) -> undefined to keep the arguments, or replacement argument(s). */
export type ForwardPreHook = (module: Module, args: unknown[]) => unknown;
/** hook(module, args, output) -> undefined to keep the output, or a replacement output. */
export type ForwardHook = (module: Module, args: unknown[], output: unknown) => unknown;

let nextHookId = 0;

/** torch.utils.hooks.RemovableHandle: remove() unregisters the hook. */
export class RemovableHandle {
  readonly id = nextHookId++;
  constructor(private readonly hooks: Map<number, unknown>) {}
  remove(): void {
    this.hooks.delete(this.id);
  }
}

/** What loadStateDict returns (PyTorch's _IncompatibleKeys). */
export interface IncompatibleKeys {
  missingKeys: string[];
  unexpectedKeys: string[];
}

const WRAPPED = Symbol('dlab.nn.wrappedForward');

function checkName(kind: string, name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`${kind} name should be a string. Got ${typeof name}`);
  if (name.includes('.')) throw new Error(`${kind} name can't contain "."${kind === 'module' ? `, got: ${name}` : ''}`);
  if (name === '') throw new Error(`${kind} name can't be empty string ""`);
}

/**
 * `torch.nn.Module`: the base of every layer and model. Subclass it with a `forward`; fields holding a `Parameter`, a `Module` or a buffer are found by name. `model.call(x)` is PyTorch's `model(x)`.
 *
 * @example
 * ```ts
 * import * as torch from 'dlab';
 * import { nn, Tensor } from 'dlab';
 *
 * class Net extends nn.Module {
 *   fc = new nn.Linear(4, 2);
 *   forward(x: Tensor): Tensor {
 *     return this.fc.call(x).relu();
 *   }
 * }
 * const net = new Net();
 * console.log(net.call(torch.rand(3, 4)).shape, Object.keys(net.stateDict())); // [ 3, 2 ] [ 'fc.weight', 'fc.bias' ]
 * ```
 */
export class Module {
  /** Whether the module is in training mode (train() / eval()). */
  training = true;

  constructor() {
    // Bookkeeping lives in non-enumerable properties so the field scan and printing skip it.
    Object.defineProperties(this, {
      _order: { value: [] as string[] },
      _known: { value: new Set<string>() },
      _bufferNames: { value: new Set<string>() },
      _nonPersistent: { value: new Set<string>() },
      _forwardPreHooks: { value: new Map<number, ForwardPreHook>() },
      _forwardHooks: { value: new Map<number, ForwardHook>() },
    });
    let override: ((...args: unknown[]) => unknown) | null = null;
    const wrapped = (...args: unknown[]): unknown => {
      const inner = override ?? (Object.getPrototypeOf(this) as Module).forward;
      return this._runForward(inner, args);
    };
    Object.defineProperty(this, WRAPPED, { value: wrapped });
    Object.defineProperty(this, 'forward', {
      get: () => wrapped,
      set: (fn: (...args: unknown[]) => unknown) => {
        override = fn;
      },
      configurable: true,
    });
  }

  /** @internal */ declare readonly _order: string[];
  /** @internal */ declare readonly _known: Set<string>;
  /** @internal */ declare readonly _bufferNames: Set<string>;
  /** @internal */ declare readonly _nonPersistent: Set<string>;
  /** @internal */ declare readonly _forwardPreHooks: Map<number, ForwardPreHook>;
  /** @internal */ declare readonly _forwardHooks: Map<number, ForwardHook>;

  /** The computation; every subclass defines it. Call the module with `call(...)` (PyTorch's `module(x)`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(..._args: any[]): any {
    throw new Error(`Module [${this._getName()}] is missing the required "forward" function`);
  }

  /** module(...args): forward pre-hooks, forward, forward hooks. */
  call(...args: Parameters<this['forward']>): ReturnType<this['forward']> {
    const fwd = this.forward as (...a: unknown[]) => unknown;
    const self = this as unknown as Record<symbol, unknown>;
    if (fwd === self[WRAPPED]) return fwd(...args) as ReturnType<this['forward']>;
    // A subclass that declared `forward` as an arrow-function field replaced the wrapper.
    return this._runForward(fwd, args) as ReturnType<this['forward']>;
  }

  private _runForward(inner: (...a: unknown[]) => unknown, args: unknown[]): unknown {
    if (this._forwardPreHooks.size === 0 && this._forwardHooks.size === 0) return inner.apply(this, args);
    for (const hook of [...this._forwardPreHooks.values()]) {
      const result = hook(this, args);
      if (result !== undefined) args = Array.isArray(result) ? result : [result];
    }
    let output = inner.apply(this, args);
    for (const hook of [...this._forwardHooks.values()]) {
      const result = hook(this, args, output);
      if (result !== undefined) output = result;
    }
    return output;
  }

  registerForwardPreHook(hook: ForwardPreHook, options: { prepend?: boolean } = {}): RemovableHandle {
    return addHook(this._forwardPreHooks, hook, options.prepend ?? false);
  }

  registerForwardHook(hook: ForwardHook, options: { prepend?: boolean } = {}): RemovableHandle {
    return addHook(this._forwardHooks, hook, options.prepend ?? false);
  }

  // ---------------------------------------------------------------- registration

  private _field(name: string): unknown {
    return (this as unknown as Record<string, unknown>)[name];
  }

  private _setField(name: string, value: unknown): void {
    (this as unknown as Record<string, unknown>)[name] = value;
    if (!this._known.has(name)) {
      this._known.add(name);
      this._order.push(name);
    }
  }

  /** A name is free for `kind` if nothing else (method, child, other kind of state) holds it. */
  private _checkFree(name: string, ok: (v: unknown) => boolean): void {
    if (name in this && !ok(this._field(name))) throw new Error(`attribute '${name}' already exists`);
  }

  /** Add a parameter (or null: a declared but absent parameter, like Linear's bias=False). */
  registerParameter(name: string, param: Parameter | null): void {
    checkName('parameter', name);
    this._checkFree(name, (v) => !this._bufferNames.has(name) && (v === undefined || v === null || v instanceof Parameter));
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`cannot assign '${typeName(param)}' object to parameter '${name}' (torch.nn.Parameter or None required)`);
    }
    if (param !== null && param.gradFn) {
      throw new Error(
        `Cannot assign non-leaf Tensor to parameter '${name}'. Model parameters must be created explicitly. ` +
          `To express '${name}' as a function of another Tensor, compute the value in the forward() method.`,
      );
    }
    this._setField(name, param);
  }

  /** Add a buffer: state that is not a parameter (running statistics); persistent ones are saved. */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    checkName('buffer', name);
    this._checkFree(name, (v) => this._bufferNames.has(name) || v === undefined || v === null);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new TypeError(`cannot assign '${typeName(tensor)}' object to buffer '${name}' (torch Tensor or None required)`);
    }
    this._bufferNames.add(name);
    // Running statistics outlive any open torch.scope (a model built inside one).
    if (tensor !== null) tensor._storage.kept = true;
    if (options.persistent ?? true) this._nonPersistent.delete(name);
    else this._nonPersistent.add(name);
    this._setField(name, tensor);
  }

  /** Add a child module (PyTorch's add_module / register_module). */
  registerModule(name: string, module: Module | null): void {
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${typeName(module)} is not a Module subclass`);
    checkName('module', name);
    this._checkFree(name, (v) => v === undefined || v === null || v instanceof Module);
    this._setField(name, module);
  }

  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module);
  }

  /** @internal Forget a parameter, buffer or child (PyTorch's delattr); containers use it to renumber. */
  _deleteState(name: string): void {
    delete (this as unknown as Record<string, unknown>)[name];
    this._known.delete(name);
    const i = this._order.indexOf(name);
    if (i >= 0) this._order.splice(i, 1);
    this._bufferNames.delete(name);
    this._nonPersistent.delete(name);
  }

  /** Names of state in order, after picking up fields assigned since the last look. */
  private _names(): readonly string[] {
    for (const k of Object.keys(this)) {
      if (this._known.has(k)) continue;
      const v = this._field(k);
      if (v instanceof Parameter || v instanceof Module) {
        this._known.add(k);
        this._order.push(k);
      }
    }
    return this._order;
  }

  /** This module's own parameters (not its children's), by name. */
  private _localParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const k of this._names()) {
      const v = this._field(k);
      if (v instanceof Parameter && !this._bufferNames.has(k)) out.push([k, v]);
    }
    return out;
  }

  private _localBuffers(persistentOnly = false): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const k of this._names()) {
      const v = this._field(k);
      if (v instanceof Tensor && this._bufferNames.has(k) && !(persistentOnly && this._nonPersistent.has(k))) out.push([k, v]);
    }
    return out;
  }

  // ---------------------------------------------------------------- traversal

  /** Direct children, by name (null children skipped). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    for (const k of this._names()) {
      const v = this._field(k);
      if (v instanceof Module && !seen.has(v)) {
        seen.add(v);
        out.push([k, v]);
      }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all below it, depth first, each once: ['', self], ['fc1', fc1], ['block.0', ...]. */
  namedModules(options: { prefix?: string; removeDuplicate?: boolean } = {}): [string, Module][] {
    const out: [string, Module][] = [];
    const memo = new Set<Module>();
    const dedup = options.removeDuplicate ?? true;
    const visit = (m: Module, prefix: string) => {
      if (dedup) {
        if (memo.has(m)) return;
        memo.add(m);
      }
      out.push([prefix, m]);
      for (const k of m._names()) {
        const child = m._field(k);
        if (child instanceof Module) visit(child, prefix ? `${prefix}.${k}` : k);
      }
    };
    visit(this, options.prefix ?? '');
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** All parameters with dotted names; a parameter shared by several modules is listed once. */
  namedParameters(options: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean } = {}): [string, Parameter][] {
    return this._namedMembers((m) => m._localParameters(), options);
  }

  parameters(options: { recurse?: boolean } = {}): Parameter[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  namedBuffers(options: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean } = {}): [string, Tensor][] {
    return this._namedMembers((m) => m._localBuffers(), options);
  }

  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, b]) => b);
  }

  private _namedMembers<T extends Tensor>(
    local: (m: Module) => [string, T][],
    options: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean },
  ): [string, T][] {
    const prefix = options.prefix ?? '';
    const dedup = options.removeDuplicate ?? true;
    const mods: [string, Module][] = options.recurse ?? true ? this.namedModules({ prefix, removeDuplicate: dedup }) : [[prefix, this]];
    const memo = new Set<Tensor>();
    const out: [string, T][] = [];
    for (const [modPrefix, m] of mods) {
      for (const [k, v] of local(m)) {
        if (dedup) {
          if (memo.has(v)) continue;
          memo.add(v);
        }
        out.push([modPrefix ? `${modPrefix}.${k}` : k, v]);
      }
    }
    return out;
  }

  /** Module.get_submodule('block.0.conv'). */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let mod: Module = this;
    for (const item of target.split('.')) {
      const next = mod._field(item);
      if (!(next instanceof Module)) {
        if (next === undefined) throw new Error(`${mod._getName()} has no attribute \`${item}\``);
        throw new Error(`\`${item}\` is not an nn.Module`);
      }
      mod = next;
    }
    return mod;
  }

  /** Module.get_parameter('block.0.weight'). */
  getParameter(target: string): Parameter {
    const i = target.lastIndexOf('.');
    const mod = this.getSubmodule(i < 0 ? '' : target.slice(0, i));
    const name = target.slice(i + 1);
    const p = mod._field(name);
    if (p === undefined) throw new Error(`${mod._getName()} has no attribute \`${name}\``);
    if (!(p instanceof Parameter)) throw new Error(`\`${name}\` is not an nn.Parameter`);
    return p;
  }

  // ---------------------------------------------------------------- modes and bulk changes

  /** Set training mode here and below; returns this. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError('training mode is expected to be boolean');
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Call fn on every submodule (children first) and then on this module. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Reset the parameters' gradients: drop them (default, as PyTorch 2) or zero them in place. */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const p of this.parameters()) {
      const grad = p._grad;
      if (grad === null) continue;
      if (setToNone) {
        p._dropGrad();
      } else {
        if (grad.gradFn) grad.detach_();
        else grad.requiresGrad_(false);
        noGrad(() => grad.zero_());
      }
    }
  }

  /**
   * Move and convert every parameter and buffer (and gradient) in place, as PyTorch: module.to(dtype),
   * to(device), to(device, dtype), to(tensor), to({ device, dtype }). The tensors keep their
   * identity (an optimizer made before still holds them); only floating ones change dtype.
   */
  to(...args: [Tensor | ToArg, (ToArg | undefined)?]): this {
    const { dtype, device } = parseTo(args.map((a) => (a instanceof Tensor ? { dtype: a.dtype, device: a.device } : a)));
    if (dtype === undefined && device === undefined) return this;
    if (dtype !== undefined && !isFloatingPoint(dtype)) throw new TypeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.${dtype}`);
    const want = device === undefined ? undefined : String(deviceOf(backendFor(device)));
    const convert = (t: Tensor) => {
      const target = dtype !== undefined && t.isFloatingPoint() ? dtype : t.dtype;
      if (target !== t.dtype || (want !== undefined && String(t.device) !== want)) {
        t._replaceData(noGrad(() => t.detach().to(device ?? t.device, target)));
      }
    };
    for (const m of this.modules()) {
      for (const [, p] of m._localParameters()) {
        convert(p);
        if (p.grad) convert(p.grad);
      }
      for (const [, b] of m._localBuffers()) convert(b);
    }
    return this;
  }

  double(): this {
    return this.to('float64');
  }

  /** Module.cpu(): to('cpu'); a module on a GPU must be read back tensor by tensor (cpuAsync) instead. */
  cpu(): this {
    return this.to('cpu');
  }

  float(): this {
    return this.to('float32');
  }

  // ---------------------------------------------------------------- state dict

  /** Parameters and persistent buffers, detached, under PyTorch's dotted keys ('0.weight', 'bn.running_mean'). */
  stateDict(options: { prefix?: string; keepVars?: boolean; destination?: StateDict } = {}): StateDict {
    const out = options.destination ?? {};
    const prefix = options.prefix ?? '';
    const keep = options.keepVars ?? false;
    for (const [k, p] of this._localParameters()) out[prefix + k] = keep ? p : p.detach();
    for (const [k, b] of this._localBuffers(true)) out[prefix + k] = keep ? b : b.detach();
    // Like PyTorch, no memo here: a module reachable under two names is saved under both.
    for (const k of this._names()) {
      const child = this._field(k);
      if (child instanceof Module) child.stateDict({ prefix: `${prefix}${k}.`, keepVars: keep, destination: out });
    }
    return out;
  }

  /**
   * Copy a state dict into this module's parameters and buffers. With strict (the default),
   * missing or unexpected keys are an error; size mismatches always are. Messages follow PyTorch.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: { strict?: boolean } = {}): IncompatibleKeys {
    const strict = options.strict ?? true;
    const dictLike = stateDict instanceof Map || (typeof stateDict === 'object' && stateDict !== null && !Array.isArray(stateDict) && !(stateDict instanceof Tensor));
    if (!dictLike) {
      const kind = stateDict === null ? 'null' : typeof stateDict === 'object' ? (stateDict as object).constructor.name : typeof stateDict;
      throw new TypeError(`Expected state_dict to be dict-like, got ${kind}.`);
    }
    const sd: Map<string, unknown> = stateDict instanceof Map ? new Map(stateDict) : new Map(Object.entries(stateDict));
    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const errors: string[] = [];
    // As PyTorch, each module sees the whole dict and reads the keys under its prefix.
    const load = (m: Module, prefix: string) => {
      m._loadFromStateDict(sd, prefix, missingKeys, unexpectedKeys, errors);
      for (const k of m._names()) {
        const child = m._field(k);
        if (child instanceof Module) load(child, `${prefix}${k}.`);
      }
    };
    load(this, '');
    if (strict) {
      if (unexpectedKeys.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
      if (missingKeys.length > 0) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
    }
    if (errors.length > 0) throw new Error(`Error(s) in loading state_dict for ${this._getName()}:\n\t${errors.join('\n\t')}`);
    return { missingKeys, unexpectedKeys };
  }

  /** PyTorch's _load_from_state_dict: this module's own entries only. */
  protected _loadFromStateDict(sd: Map<string, unknown>, prefix: string, missing: string[], unexpected: string[], errors: string[]): void {
    const local = new Map<string, Tensor>([...this._localParameters(), ...this._localBuffers(true)]);
    for (const [name, param] of local) {
      const key = prefix + name;
      if (!sd.has(key)) {
        missing.push(key);
        continue;
      }
      let input = sd.get(key);
      if (!(input instanceof Tensor)) {
        errors.push(`While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${typeName(input)}`);
        continue;
      }
      const lazy = isLazy(param);
      // PyTorch 0.3 saved scalars as 1-element vectors.
      if (!lazy && param.ndim === 0 && input.ndim === 1) input = select(input, 0, 0);
      const src = input as Tensor;
      if (!lazy && !sameShape(src.shape, param.shape)) {
        errors.push(`size mismatch for ${key}: copying a param with shape ${fmtSize(src.shape)} from checkpoint, the shape in current model is ${fmtSize(param.shape)}.`);
        continue;
      }
      try {
        // The placeholder keeps its own dtype (PyTorch 1.13: a float32 LazyLinear loads a float64 checkpoint as float32).
        if (lazy) (param as UninitializedParameter).materialize(src.shape);
        noGrad(() => param.copy_(src));
      } catch (e) {
        errors.push(
          `While copying the parameter named "${key}", whose dimensions in the model are ${fmtSize(param.shape)} and whose dimensions in the checkpoint are ${fmtSize(src.shape)}, an exception occurred : ${(e as Error).message}.`,
        );
      }
    }
    const names = new Set(this._names());
    for (const key of sd.keys()) {
      if (!key.startsWith(prefix)) continue;
      const first = key.slice(prefix.length).split('.')[0];
      const isChild = names.has(first) && this._field(first) instanceof Module;
      if (!isChild && !local.has(first)) unexpected.push(key);
    }
  }

  // ---------------------------------------------------------------- printing

  /** The class name, as PyTorch's _get_name(). */
  _getName(): string {
    return this.constructor.name;
  }

  /** Extra text inside the parentheses of the repr, e.g. 'in_features=3, out_features=2, bias=True'. */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's repr: class name, extraRepr, then each child indented. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines: string[] = [];
    for (const k of this._names()) {
      const child = this._field(k);
      if (child instanceof Module) childLines.push(`(${k}): ${addIndent(child.toString(), 2)}`);
    }
    const lines = [...extraLines, ...childLines];
    let main = `${this._getName()}(`;
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) main += extraLines[0];
      else main += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${main})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function addHook<H>(hooks: Map<number, H>, hook: H, prepend: boolean): RemovableHandle {
  const handle = new RemovableHandle(hooks as Map<number, unknown>);
  if (prepend) {
    const rest = [...hooks];
    hooks.clear();
    hooks.set(handle.id, hook);
    for (const [k, v] of rest) hooks.set(k, v);
  } else {
    hooks.set(handle.id, hook);
  }
  return handle;
}

/** PyTorch's _addindent: indent every line but the first. */
export function addIndent(s: string, spaces: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const pad = ' '.repeat(spaces);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Python's torch.typename of a value, in JS terms: 'torch.FloatTensor' for a tensor, else the class or JS type. */
function typeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (v instanceof Tensor) return `torch.${scalarTypeName[v.dtype]}Tensor`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/** Python's repr of a float: 1 -> '1.0', 1e-5 -> '1e-05', 1e16 -> '1e+16' (for extraRepr strings). */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // Python writes the shortest round-trip digits, in exponent form below 1e-4 and from 1e16.
  const [mant, exp] = x.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

/** Python's repr of a bool. */
export const pyBool = (b: boolean) => (b ? 'True' : 'False');
