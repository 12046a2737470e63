// Tabular data, the little of pandas that d2l's Kaggle house-price chapter uses: read a CSV
// (papaparse) into typed columns, concatenate, standardize, impute, fill, one-hot encode
// (get_dummies with a NaN category) and turn the result into a tensor.
//
// A column is numeric (a Float64Array, NaN for missing) when every value that is not a missing
// marker parses as a number, as pandas infers dtypes; otherwise it is categorical (strings, null
// for missing), pandas' 'object'.

import Papa from 'papaparse';
import { Tensor } from '../tensor/tensor.js';
import { wrap } from '../ops/function.js';
import type { DType } from '../tensor/dtype.js';

/** A table column: numbers (NaN for missing) or strings (null for missing), as pandas' float and object columns. */
export type Column = Float64Array | (string | null)[];

/** pandas.read_csv's default na_values. */
export const NA_VALUES: ReadonlySet<string> = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null',
]);

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|Infinity)\s*$/i;

/** Whether a table column holds numbers (a Float64Array; missing values are NaN) rather than strings. */
export function isNumeric(column: Column): column is Float64Array {
  return column instanceof Float64Array;
}

/** A table of named, typed columns of equal length (a pandas DataFrame, minus almost everything). */
export class DataFrame {
  readonly columns: readonly string[];
  private readonly data: ReadonlyMap<string, Column>;
  readonly length: number;

  constructor(columns: Iterable<readonly [string, Column]>) {
    const entries = [...columns];
    this.columns = entries.map(([name]) => name);
    if (new Set(this.columns).size !== this.columns.length) throw new RangeError(`DataFrame: duplicate column names in ${this.columns.join(', ')}`);
    this.data = new Map(entries);
    this.length = entries.length ? entries[0][1].length : 0;
    for (const [name, col] of entries) {
      if (col.length !== this.length) throw new RangeError(`DataFrame: column ${name} has ${col.length} rows, expected ${this.length}`);
    }
  }

  /** (rows, columns). */
  get shape(): [number, number] {
    return [this.length, this.columns.length];
  }

  col(name: string): Column {
    const c = this.data.get(name);
    if (c === undefined) throw new RangeError(`DataFrame: no column '${name}' (columns: ${this.columns.join(', ')})`);
    return c;
  }

  /** Names of the numeric columns (pandas: dtypes != 'object'). */
  get numericColumns(): string[] {
    return this.columns.filter((c) => isNumeric(this.col(c)));
  }

  /** Only these columns, in this order. */
  select(names: readonly string[]): DataFrame {
    return new DataFrame(names.map((n) => [n, this.col(n)] as const));
  }

  /** All columns but these (df.drop(columns=...)). */
  drop(names: readonly string[]): DataFrame {
    for (const n of names) this.col(n);
    return this.select(this.columns.filter((c) => !names.includes(c)));
  }

  /** Rows start..end-1 (df[start:end]). */
  slice(start: number, end = this.length): DataFrame {
    return new DataFrame(this.columns.map((n) => [n, this.col(n).slice(start, end)] as const));
  }

  /** A copy with some columns replaced or added (at the end). */
  assign(columns: Record<string, Column>): DataFrame {
    const out = new Map(this.columns.map((n) => [n, this.col(n)] as const));
    for (const [n, c] of Object.entries(columns)) out.set(n, c);
    return new DataFrame(out);
  }

  /** A row as an object (for printing). */
  row(i: number): Record<string, number | string | null> {
    return Object.fromEntries(this.columns.map((n) => [n, this.col(n)[i]]));
  }

  /**
   * df.values as a 2-D tensor (float32 by default, like d2l's torch.tensor(..., dtype=float32)).
   * Every column must be numeric.
   */
  toTensor(options: { dtype?: DType } = {}): Tensor {
    const dtype = options.dtype ?? 'float32';
    const [n, m] = this.shape;
    const out = dtype === 'float64' ? new Float64Array(n * m) : new Float32Array(n * m);
    this.columns.forEach((name, j) => {
      const c = this.col(name);
      if (!isNumeric(c)) throw new TypeError(`DataFrame.toTensor: column '${name}' is not numeric; one-hot encode it first (getDummies)`);
      for (let i = 0; i < n; i++) out[i * m + j] = c[i];
    });
    return wrap(out, [n, m], dtype);
  }
}

/** Typed columns from rows of strings (pandas' dtype inference, with its missing markers). */
export function fromStrings(header: readonly string[], rows: readonly (readonly string[])[], naValues: ReadonlySet<string> = NA_VALUES): DataFrame {
  return new DataFrame(
    header.map((name, j) => {
      const cells = rows.map((r) => r[j] ?? '');
      const numeric = cells.every((v) => naValues.has(v) || NUMBER.test(v));
      const col: Column = numeric
        ? Float64Array.from(cells, (v) => (naValues.has(v) ? NaN : Number(v.trim().replace(/^([+-]?)inf$/i, '$1Infinity'))))
        : cells.map((v) => (naValues.has(v) ? null : v));
      return [name, col] as const;
    }),
  );
}

/** pandas.read_csv of CSV text: a header line, then rows (quoted fields handled by papaparse). */
export function readCsv(text: string, options: { naValues?: ReadonlySet<string>; name?: string } = {}): DataFrame {
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: true });
  const bad = parsed.errors.find((e) => e.type !== 'Delimiter');
  if (bad) throw new Error(`${options.name ?? 'CSV'}: ${bad.message} (row ${bad.row})`);
  const [header, ...rows] = parsed.data;
  if (!header) throw new Error(`${options.name ?? 'CSV'}: no header line`);
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new Error(`${options.name ?? 'CSV'}: row ${i + 1} has ${r.length} fields, the header has ${header.length}`);
  });
  return fromStrings(header, rows, options.naValues);
}

/** pd.concat of frames with the same columns, one under the other (numeric stays numeric only if numeric in all). */
export function concatRows(frames: readonly DataFrame[]): DataFrame {
  if (frames.length === 0) throw new RangeError('concatRows: no frames');
  const names = frames[0].columns;
  for (const f of frames) {
    if (f.columns.length !== names.length || f.columns.some((c, i) => c !== names[i])) {
      throw new RangeError(`concatRows: columns differ: [${f.columns.join(', ')}] vs [${names.join(', ')}]`);
    }
  }
  return new DataFrame(
    names.map((n) => {
      const cols = frames.map((f) => f.col(n));
      if (cols.every(isNumeric)) {
        const out = new Float64Array(cols.reduce((a, c) => a + c.length, 0));
        let at = 0;
        for (const c of cols) {
          out.set(c, at);
          at += c.length;
        }
        return [n, out] as const;
      }
      // A column numeric in one frame and text in another becomes text, as an 'object' column would.
      return [n, cols.flatMap((c) => (isNumeric(c) ? Array.from(c, (v) => (Number.isNaN(v) ? null : String(v))) : c))] as const;
    }),
  );
}

/** Mean and sample standard deviation (ddof=1) of the values that are not NaN (Series.mean/std). */
export function meanStd(values: Float64Array): { mean: number; std: number; count: number } {
  let n = 0;
  let sum = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      n++;
      sum += v;
    }
  }
  const mean = n ? sum / n : NaN;
  let ss = 0;
  for (const v of values) if (!Number.isNaN(v)) ss += (v - mean) * (v - mean);
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN, count: n };
}

function mapNumeric(frame: DataFrame, columns: readonly string[] | undefined, fn: (c: Float64Array) => Float64Array): DataFrame {
  const names = columns ?? frame.numericColumns;
  const out: Record<string, Column> = {};
  for (const n of names) {
    const c = frame.col(n);
    if (!isNumeric(c)) throw new TypeError(`column '${n}' is not numeric`);
    out[n] = fn(c);
  }
  return frame.assign(out);
}

/** (x - mean) / std per numeric column, NaN kept: d2l's `apply(lambda x: (x - x.mean()) / (x.std()))`. */
export function standardize(frame: DataFrame, columns?: readonly string[]): DataFrame {
  return mapNumeric(frame, columns, (c) => {
    const { mean, std } = meanStd(c);
    return c.map((v) => (v - mean) / std);
  });
}

/** Missing numeric values replaced by their column's mean. */
export function imputeMean(frame: DataFrame, columns?: readonly string[]): DataFrame {
  return mapNumeric(frame, columns, (c) => {
    const { mean } = meanStd(c);
    return c.map((v) => (Number.isNaN(v) ? mean : v));
  });
}

/** df[columns].fillna(value) for numeric columns. */
export function fillNa(frame: DataFrame, value: number, columns?: readonly string[]): DataFrame {
  return mapNumeric(frame, columns, (c) => c.map((v) => (Number.isNaN(v) ? value : v)));
}

/**
 * pd.get_dummies(df, dummy_na): every categorical column becomes one 0/1 column per category
 * (`${column}_${category}`, categories sorted), plus `${column}_nan` with dummyNa. The numeric
 * columns come first in their order, then each encoded column's dummies, as pandas orders them.
 */
export function getDummies(frame: DataFrame, options: { dummyNa?: boolean; columns?: readonly string[] } = {}): DataFrame {
  const encode = options.columns ?? frame.columns.filter((c) => !isNumeric(frame.col(c)));
  const out: [string, Column][] = frame.columns.filter((c) => !encode.includes(c)).map((c) => [c, frame.col(c)]);
  for (const name of encode) {
    const col = frame.col(name);
    const values: (string | number | null)[] = isNumeric(col) ? Array.from(col, (v) => (Number.isNaN(v) ? null : v)) : col;
    const cats = [...new Set(values.filter((v) => v !== null))];
    // Categories sort as their values do: numbers numerically, strings by code point.
    cats.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    for (const cat of cats) out.push([`${name}_${cat}`, Float64Array.from(values, (v) => (v === cat ? 1 : 0))]);
    if (options.dummyNa) out.push([`${name}_nan`, Float64Array.from(values, (v) => (v === null ? 1 : 0))]);
  }
  return new DataFrame(out);
}
