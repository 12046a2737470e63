// The fit check `dlab pull` runs before downloading: the weights' size from the safetensors
// headers (dlab fit's inspectModel, over HTTP Range requests), at the dtype they are stored in and
// at float16, held against the memory of the device the model would run on. The memory rule is
// dlab fit's (weights x 1.2 for activations and runtime), so the two commands agree.

import { OVERHEAD, fitTable, gib, type ModelSizes } from '../utils/fit.js';
import { bytesPerParam, type MemoryDtype } from '../utils/memory.js';

/** The memory a model would get: a device's name and its free bytes. */
export interface DeviceMemory {
  /** 'cpu', 'cuda:0 (NVIDIA ...)', 'webgpu:0', or 'given' for --gpu-memory. */
  name: string;
  freeBytes: number;
}

/** Safetensors dtype -> bytes per element. */
const STORED_BYTES: Record<string, number> = {
  F64: 8, I64: 8, U64: 8, F32: 4, I32: 4, U32: 4, F16: 2, BF16: 2, I16: 2, U16: 2, F8_E4M3: 1, F8_E5M2: 1, I8: 1, U8: 1, BOOL: 1,
};

/** The dtype name dlab's memory tables use for a stored dtype. */
const MEMORY_DTYPE: Record<string, MemoryDtype> = { F32: 'float32', F64: 'float32', F16: 'float16', BF16: 'bfloat16', I8: 'int8', U8: 'int8', F8_E4M3: 'int8', F8_E5M2: 'int8' };

export interface FitVerdict {
  fits: boolean;
  /** The dtype most parameters are stored in ('float16'), or the safetensors name if dlab has none for it. */
  storedDtype: string;
  /** Inference bytes at the stored dtypes (each tensor at its own) and at float16. */
  storedBytes: number;
  float16Bytes: number;
  /** A smaller dtype that would fit when the stored one does not (null: none does, or it fits). */
  wouldFit: MemoryDtype | null;
  /** "needs 3.30 GiB at float16 (as stored); cpu has 6.00 GiB free: fits" */
  message: string;
}

export function fitVerdict(sizes: ModelSizes, device: DeviceMemory): FitVerdict {
  const stored: Record<string, number> = {};
  for (const part of sizes.parts) for (const [dtype, n] of Object.entries(part.storedDtypes)) stored[dtype] = (stored[dtype] ?? 0) + n;
  const main = Object.entries(stored).sort((a, b) => b[1] - a[1])[0][0];
  const storedDtype = MEMORY_DTYPE[main] ?? main;
  const storedBytes = Math.ceil(Object.entries(stored).reduce((sum, [dtype, n]) => sum + n * (STORED_BYTES[dtype] ?? 4), 0) * OVERHEAD);
  const float16Bytes = Math.ceil(sizes.params * bytesPerParam.float16 * OVERHEAD);
  const fits = storedBytes <= device.freeBytes;
  const table = fitTable(sizes.params, { gpuBytes: device.freeBytes });
  // The most precise dtype smaller than the stored one that fits (float16 before int8 before int4).
  const wouldFit = fits ? null : (table.find((r) => r.dtype !== 'bfloat16' && r.inferenceBytes < storedBytes && r.fitsInference)?.dtype ?? null);
  const needs = storedDtype === 'float16' ? `${gib(storedBytes)} at float16 (as stored)` : `${gib(storedBytes)} at ${storedDtype} (as stored), ${gib(float16Bytes)} at float16`;
  const head = `needs ${needs}; ${device.name} has ${gib(device.freeBytes)} free`;
  let message: string;
  if (fits) message = `${head}: fits`;
  else if (wouldFit) {
    const at = table.find((r) => r.dtype === wouldFit)!;
    message = `${head}: too big as stored; it would fit at ${wouldFit} (${gib(at.inferenceBytes)}).`;
  } else {
    const smallest = table[table.length - 1];
    message = `${head}: too big even at ${smallest.dtype} (${gib(smallest.inferenceBytes)}).`;
  }
  return { fits, storedDtype, storedBytes, float16Bytes, wouldFit, message };
}
