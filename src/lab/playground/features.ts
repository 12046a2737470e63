// Input features: the playground's built-in ones and custom expressions in x1, x2. Each feature is
// written once as a small expression tree; the same tree computes the feature with dlab tensor ops
// (in the page's worker) and prints the TypeScript that "Show me the code" emits, so both agree.

import type { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../ops/creation.js';
import { stack } from '../../ops/movement.js';
import { featureKeys, type FeatureKey, type Settings } from './settings.js';

export type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'var'; name: 'x1' | 'x2' }
  | { kind: 'neg'; arg: Expr }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/' | '^'; left: Expr; right: Expr }
  | { kind: 'call'; fn: FunctionName; arg: Expr };

/** Functions allowed in expressions, each a dlab Tensor method of the same name. */
export const functionNames = ['sin', 'cos', 'tan', 'exp', 'log', 'abs', 'sqrt', 'tanh', 'sigmoid', 'relu', 'square'] as const;
export type FunctionName = (typeof functionNames)[number];

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

/**
 * Parse `source` (numbers, x1, x2, pi, e, + - * / ^, parentheses and the functions above).
 * Throws an ExpressionError naming the position of the problem.
 */
export function parseExpression(source: string): Expr {
  const tokens = [...source.matchAll(/\s*(\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|[A-Za-z_][A-Za-z_0-9]*|\*\*|[-+*/^(),]|\S)/g)].map((m) => ({
    text: m[1]!,
    at: m.index! + m[0].length - m[1]!.length,
  }));
  let i = 0;
  const peek = (): string | undefined => tokens[i]?.text;
  const fail = (what: string): never => {
    const at = tokens[i]?.at ?? source.length;
    throw new ExpressionError(`${what} at position ${at + 1} of '${source}'`);
  };
  const expect = (text: string): void => {
    if (peek() !== text) fail(`expected '${text}'`);
    i++;
  };
  const sum = (): Expr => {
    let left = product();
    while (peek() === '+' || peek() === '-') {
      const op = tokens[i++]!.text as '+' | '-';
      left = { kind: 'bin', op, left, right: product() };
    }
    return left;
  };
  const product = (): Expr => {
    let left = unary();
    while (peek() === '*' || peek() === '/') {
      const op = tokens[i++]!.text as '*' | '/';
      left = { kind: 'bin', op, left, right: unary() };
    }
    return left;
  };
  const unary = (): Expr => {
    if (peek() === '-') {
      i++;
      return { kind: 'neg', arg: unary() };
    }
    if (peek() === '+') {
      i++;
      return unary();
    }
    return power();
  };
  const power = (): Expr => {
    const base = atom();
    if (peek() === '^' || peek() === '**') {
      i++;
      return { kind: 'bin', op: '^', left: base, right: unary() }; // right-associative
    }
    return base;
  };
  const atom = (): Expr => {
    const t = peek();
    if (t === undefined) return fail('unexpected end');
    if (t === '(') {
      i++;
      const e = sum();
      expect(')');
      return e;
    }
    if (/^[\d.]/.test(t)) {
      i++;
      return { kind: 'num', value: Number(t) };
    }
    if (/^[A-Za-z_]/.test(t)) {
      const name = t.toLowerCase();
      if (name === 'x1' || name === 'x') return (i++, { kind: 'var', name: 'x1' });
      if (name === 'x2' || name === 'y') return (i++, { kind: 'var', name: 'x2' });
      if (name === 'pi') return (i++, { kind: 'num', value: Math.PI });
      if (name === 'e') return (i++, { kind: 'num', value: Math.E });
      if ((functionNames as readonly string[]).includes(name)) {
        i++;
        expect('(');
        const arg = sum();
        expect(')');
        return { kind: 'call', fn: name as FunctionName, arg };
      }
      return fail(`unknown name '${t}' (use x1, x2, pi, e or ${functionNames.join(', ')})`);
    }
    return fail(`unexpected '${t}'`);
  };
  const e = sum();
  if (i < tokens.length) fail(`unexpected '${tokens[i]!.text}'`);
  if (!dependsOnInput(e)) throw new ExpressionError(`'${source}' does not depend on x1 or x2`);
  return e;
}

function dependsOnInput(e: Expr): boolean {
  switch (e.kind) {
    case 'num':
      return false;
    case 'var':
      return true;
    case 'neg':
    case 'call':
      return dependsOnInput(e.arg);
    case 'bin':
      return dependsOnInput(e.left) || dependsOnInput(e.right);
    default:
      return e satisfies never;
  }
}

type Value = Tensor | number;

/** Evaluate with dlab ops; x1 and x2 are 1-D tensors of the same length. */
export function evaluate(e: Expr, x1: Tensor, x2: Tensor): Tensor {
  const v = evalValue(e, x1, x2);
  if (typeof v === 'number') throw new ExpressionError('a feature must depend on x1 or x2');
  return v;
}

function evalValue(e: Expr, x1: Tensor, x2: Tensor): Value {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'var':
      return e.name === 'x1' ? x1 : x2;
    case 'neg': {
      const a = evalValue(e.arg, x1, x2);
      return typeof a === 'number' ? -a : a.neg();
    }
    case 'call': {
      const a = evalValue(e.arg, x1, x2);
      const t = typeof a === 'number' ? tensor(a) : a;
      return t[e.fn]();
    }
    case 'bin': {
      const a = evalValue(e.left, x1, x2);
      const b = evalValue(e.right, x1, x2);
      if (typeof a === 'number' && typeof b === 'number') return foldNumbers(e.op, a, b);
      const l = typeof a === 'number' ? tensor(a) : a;
      switch (e.op) {
        case '+': return l.add(b);
        case '-': return l.sub(b);
        case '*': return l.mul(b);
        case '/': return l.div(b);
        case '^': return l.pow(b);
      }
    }
  }
}

function foldNumbers(op: '+' | '-' | '*' | '/' | '^', a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '^': return a ** b;
  }
}

/** The TypeScript for the same computation, in terms of tensors named x1 and x2. */
export function toCode(e: Expr): string {
  return codeValue(e).text; // parseExpression made sure it depends on x1 or x2, so it is a tensor
}

function codeValue(e: Expr): { text: string; tensor: boolean } {
  switch (e.kind) {
    case 'num':
      return { text: numberLiteral(e.value), tensor: false };
    case 'var':
      return { text: e.name, tensor: true };
    case 'neg': {
      const a = codeValue(e.arg);
      return a.tensor ? { text: `${a.text}.neg()`, tensor: true } : { text: `(-${a.text})`, tensor: false };
    }
    case 'call': {
      const a = codeValue(e.arg);
      return { text: `${a.tensor ? a.text : `torch.tensor(${a.text})`}.${e.fn}()`, tensor: true };
    }
    case 'bin': {
      const a = codeValue(e.left);
      const b = codeValue(e.right);
      if (!a.tensor && !b.tensor) return { text: numberLiteral(foldNumbers(e.op, Number(a.text), Number(b.text))), tensor: false };
      const method = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '^': 'pow' }[e.op];
      return { text: `${a.tensor ? a.text : `torch.tensor(${a.text})`}.${method}(${b.text})`, tensor: true };
    }
  }
}

/** A number as a literal that reads back to the same double (String() round-trips). */
function numberLiteral(v: number): string {
  return v < 0 ? `(${v})` : String(v);
}

/** One input feature: its label in the page, its expression and where it came from. */
export interface Feature {
  /** Stable id: the hash key of a built-in feature, or `custom:<expression>`. */
  id: string;
  label: string;
  expr: Expr;
}

/** The built-in features: label as TF Playground shows it, and the expression. */
export const builtinFeatures: Record<FeatureKey, { label: string; source: string }> = {
  x: { label: 'X1', source: 'x1' },
  y: { label: 'X2', source: 'x2' },
  xSquared: { label: 'X1²', source: 'x1 * x1' },
  ySquared: { label: 'X2²', source: 'x2 * x2' },
  xTimesY: { label: 'X1X2', source: 'x1 * x2' },
  sinX: { label: 'sin(X1)', source: 'sin(x1)' },
  sinY: { label: 'sin(X2)', source: 'sin(x2)' },
  cosX: { label: 'cos(X1)', source: 'cos(x1)' },
  cosY: { label: 'cos(X2)', source: 'cos(x2)' },
};

/** The features the settings switch on, built-ins first (in TF's order), then custom ones. */
export function activeFeatures(s: Settings): Feature[] {
  const out: Feature[] = [];
  for (const k of featureKeys) {
    if (s.features[k]) out.push({ id: k, label: builtinFeatures[k].label, expr: parseExpression(builtinFeatures[k].source) });
  }
  for (const source of s.customFeatures) out.push({ id: `custom:${source}`, label: source, expr: parseExpression(source) });
  return out;
}

/** Features of the points X ([n, 2]) as a [n, features.length] tensor. */
export function featureMatrix(features: readonly Feature[], X: Tensor): Tensor {
  if (features.length === 0) throw new Error('switch on at least one input feature');
  // Contiguous copies: elementwise ops on contiguous tensors take the fast path.
  const x1 = X.select(1, 0).contiguous();
  const x2 = X.select(1, 1).contiguous();
  return stack(features.map((f) => evaluate(f.expr, x1, x2)), 1);
}
