// For the profiling scripts: wrap every method of a backend so the time spent inside each
// primitive (per op name, e.g. `binary:add`) adds up in `totals`; returns the undo. The code is
// bench/instrument.mjs, which `dlab bench --profile` uses too.

import type { Backend } from '../src/backend/backend.js';
// @ts-expect-error: plain JavaScript without a declaration file, shared with the bench
import { instrument as instrumentAny } from '../bench/instrument.mjs';

export const instrument: (backend: Backend, totals: Map<string, number>) => () => void = instrumentAny;
