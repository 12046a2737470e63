// Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict (torch/nn/modules/container.py).
// Items are registered under their PyTorch names ('0', '1', ... or the dict key), so state-dict keys
// and reprs match; list containers renumber after a deletion as PyTorch does.

import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

function normIndex(i: number, n: number): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`index ${i} is out of range`);
  return i < 0 ? i + n : i;
}

function sliceRange(n: number, start?: number, end?: number): number[] {
  const norm = (v: number | undefined, d: number) => (v === undefined ? d : v < 0 ? Math.max(0, n + v) : Math.min(v, n));
  const out: number[] = [];
  for (let i = norm(start, 0); i < norm(end, n); i++) out.push(i);
  return out;
}

/** The shared mechanics of Sequential and ModuleList: items named '0'..'n-1'. */
abstract class ModuleSequence<M extends Module = Module> extends Module {
  protected _items(): M[] {
    return this.namedChildrenAll().map(([, m]) => m as M);
  }

  /** All registered children in order, including repeats of the same module (children() dedups). */
  protected namedChildrenAll(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const k of this._order) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v instanceof Module) out.push([k, v]);
    }
    return out;
  }

  get length(): number {
    return this.namedChildrenAll().length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this._items()[Symbol.iterator]();
  }

  /** seq[i] (negative i counts from the end). */
  at(i: number): M {
    const items = this._items();
    return items[normIndex(i, items.length)];
  }

  /** seq[i] = module */
  setAt(i: number, module: M): void {
    const items = this._items();
    this.registerModule(String(normIndex(i, items.length)), module);
  }

  /** del seq[i]; the rest are renumbered. */
  delete(i: number): void {
    const items = this._items();
    const idx = normIndex(i, items.length);
    this._renumber(items.filter((_, j) => j !== idx));
  }

  append(module: M): this {
    this.registerModule(String(this.length), module);
    return this;
  }

  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  insert(index: number, module: M): this {
    const items = this._items();
    const n = items.length;
    let i = index < 0 ? Math.max(0, n + index) : Math.min(index, n);
    if (!Number.isInteger(i)) i = n;
    items.splice(i, 0, module);
    this._renumber(items);
    return this;
  }

  pop(i = -1): M {
    const m = this.at(i);
    this.delete(i);
    return m;
  }

  protected _renumber(items: M[]): void {
    for (const [k] of this.namedChildrenAll()) this._deleteState(k);
    items.forEach((m, j) => this.registerModule(String(j), m));
  }
}

/**
 * nn.Sequential(a, b, c) or nn.Sequential(new Map([['fc', a], ...])): calls each module on the
 * output of the previous one. Typed Tensor -> Tensor, the common case.
 */
export class Sequential extends ModuleSequence {
  constructor(...args: Module[] | [Map<string, Module>]) {
    super();
    if (args.length === 1 && args[0] instanceof Map) {
      for (const [k, m] of args[0]) this.registerModule(k, m);
    } else {
      (args as Module[]).forEach((m, i) => this.registerModule(String(i), m));
    }
  }

  /** seq.insert(index, module): PyTorch's Sequential takes -n..n and refuses the rest (ModuleList's does not check). */
  override insert(index: number, module: Module): this {
    const n = this.length;
    if (!(-n <= index && index <= n)) throw new RangeError(`Index out of range: ${index}`);
    return super.insert(index, module);
  }

  /** seq.slice(1, 3): a Sequential of those modules, keeping their names (as seq[1:3]). */
  slice(start?: number, end?: number): Sequential {
    const all = this.namedChildrenAll();
    return new Sequential(new Map(sliceRange(all.length, start, end).map((i) => all[i])));
  }

  /** Each module's call() in turn, so every submodule's hooks run. */
  override forward(input: Tensor): Tensor {
    let x: unknown = input;
    // The registered names in order, read in place (no per-call arrays: this runs every step).
    for (const k of this._order) {
      const m = (this as unknown as Record<string, unknown>)[k];
      if (m instanceof Module) x = m.call(x);
    }
    return x as Tensor;
  }
}

/** nn.ModuleList: a list of modules, registered so that their parameters are found. */
export class ModuleList<M extends Module = Module> extends ModuleSequence<M> {
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** list[1:3]: a new ModuleList (renumbered, as PyTorch). */
  slice(start?: number, end?: number): ModuleList<M> {
    const items = this._items();
    return new ModuleList(sliceRange(items.length, start, end).map((i) => items[i]));
  }
}

/** nn.ModuleDict: modules by name, in insertion order. */
export class ModuleDict<M extends Module = Module> extends Module {
  constructor(modules?: ModuleDict<M> | Map<string, M> | Record<string, M> | Iterable<[string, M]>) {
    super();
    if (modules) this.update(modules);
  }

  private _entries(): [string, M][] {
    const out: [string, M][] = [];
    for (const k of this._order) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v instanceof Module) out.push([k, v as M]);
    }
    return out;
  }

  get(key: string): M {
    const v = this._entries().find(([k]) => k === key);
    if (!v) throw new Error(`KeyError: '${key}'`);
    return v[1];
  }
  set(key: string, module: M): this {
    this.registerModule(key, module);
    return this;
  }
  has(key: string): boolean {
    return this._entries().some(([k]) => k === key);
  }
  /** pop(key): remove and return. */
  pop(key: string): M {
    const m = this.get(key);
    this._deleteState(key);
    return m;
  }
  delete(key: string): void {
    this.pop(key);
  }
  clear(): void {
    for (const [k] of this._entries()) this._deleteState(k);
  }
  keys(): string[] {
    return this._entries().map(([k]) => k);
  }
  values(): M[] {
    return this._entries().map(([, m]) => m);
  }
  items(): [string, M][] {
    return this._entries();
  }
  get length(): number {
    return this._entries().length;
  }
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
  update(modules: ModuleDict<M> | Map<string, M> | Record<string, M> | Iterable<[string, M]>): this {
    const entries =
      modules instanceof ModuleDict ? modules.items() : modules instanceof Map || Symbol.iterator in (modules as object) ? [...(modules as Iterable<[string, M]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.registerModule(k, m);
    return this;
  }
}

const TYPE_NAMES: Record<string, string> = {
  float32: 'FloatTensor', float64: 'DoubleTensor', int32: 'IntTensor', int64: 'LongTensor', bool: 'BoolTensor',
};

/** One line of ParameterList/ParameterDict's extra_repr, in PyTorch 1.13's wording. */
function paramLine(key: string, p: Tensor, typeName: string): string {
  const kind = p instanceof Parameter ? 'Parameter' : 'Tensor';
  return `  (${key}): ${kind} containing: [${typeName} of size ${p.shape.join('x')}]`;
}

const asParameter = (t: Tensor) => (t instanceof Parameter ? t : new Parameter(t));

/** nn.ParameterList: parameters named '0'..'n-1'; plain tensors are wrapped as Parameters. */
export class ParameterList extends Module {
  constructor(values: Iterable<Tensor> = []) {
    super();
    this.extend(values);
  }
  private _items(): Parameter[] {
    const out: Parameter[] = [];
    for (const k of this._order) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v instanceof Parameter) out.push(v);
    }
    return out;
  }
  get length(): number {
    return this._items().length;
  }
  at(i: number): Parameter {
    const items = this._items();
    return items[normIndex(i, items.length)];
  }
  setAt(i: number, value: Tensor): void {
    this.registerParameter(String(normIndex(i, this.length)), asParameter(value));
  }
  append(value: Tensor): this {
    this.registerParameter(String(this.length), asParameter(value));
    return this;
  }
  extend(values: Iterable<Tensor>): this {
    for (const v of values) this.append(v);
    return this;
  }
  [Symbol.iterator](): Iterator<Parameter> {
    return this._items()[Symbol.iterator]();
  }
  override extraRepr(): string {
    return this._items()
      .map((p, i) => paramLine(String(i), p, `torch.${p.dtype}`))
      .join('\n');
  }
}

/** nn.ParameterDict: parameters by name, in insertion order. */
export class ParameterDict extends Module {
  constructor(values?: ParameterDict | Map<string, Tensor> | Record<string, Tensor> | Iterable<[string, Tensor]>) {
    super();
    if (values) this.update(values);
  }
  private _entries(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const k of this._order) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v instanceof Parameter) out.push([k, v]);
    }
    return out;
  }
  get(key: string): Parameter {
    const v = this._entries().find(([k]) => k === key);
    // PyTorch 1.13 reads the key as an attribute: an AttributeError, unlike ModuleDict's KeyError.
    if (!v) throw new Error(`'ParameterDict' object has no attribute '${key}'`);
    return v[1];
  }
  set(key: string, value: Tensor): this {
    this.registerParameter(key, asParameter(value));
    return this;
  }
  has(key: string): boolean {
    return this._entries().some(([k]) => k === key);
  }
  pop(key: string): Parameter {
    const p = this.get(key);
    this._deleteState(key);
    return p;
  }
  delete(key: string): void {
    this.pop(key);
  }
  keys(): string[] {
    return this._entries().map(([k]) => k);
  }
  values(): Parameter[] {
    return this._entries().map(([, p]) => p);
  }
  items(): [string, Parameter][] {
    return this._entries();
  }
  get length(): number {
    return this._entries().length;
  }
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
  /** Like PyTorch 1.13: a ParameterDict, a Map (OrderedDict) or pairs keep their order; a plain object (a dict) is sorted by key. */
  update(values: ParameterDict | Map<string, Tensor> | Record<string, Tensor> | Iterable<[string, Tensor]>): this {
    const entries =
      values instanceof ParameterDict
        ? values.items()
        : values instanceof Map || Symbol.iterator in (values as object)
          ? [...(values as Iterable<[string, Tensor]>)]
          : Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [k, v] of entries) this.set(k, v);
    return this;
  }
  override extraRepr(): string {
    return this._entries()
      .map(([k, p]) => paramLine(k, p, `torch.${TYPE_NAMES[p.dtype]}`))
      .join('\n');
  }
}
