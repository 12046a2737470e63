// How many times a piece of code reads the GPU: every asynchronous read of a tensor goes through
// Tensor._readAsync, so counting its calls while `fn` runs counts the loop's awaits on the device.
import * as torch from '../../src/index.js';

/** `fn`'s result and the number of GPU reads it made. */
export async function countingReads<T>(fn: () => Promise<T>): Promise<{ value: T; reads: number }> {
  const proto = torch.Tensor.prototype as unknown as { _readAsync(): Promise<unknown> };
  const read = proto._readAsync;
  let reads = 0;
  proto._readAsync = function (this: unknown) {
    reads++;
    return read.call(this);
  };
  try {
    return { value: await fn(), reads };
  } finally {
    proto._readAsync = read;
  }
}
