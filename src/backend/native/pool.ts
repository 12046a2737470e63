// The native backend's results come from here (one pool for float32 arrays, one for the float64
// arrays of its int64 results, max-pooling's indices): arrays a backward pass has consumed or a
// torch.scope gave back (Backend.recycle, called only where nothing can read them again) are
// handed out again for a later result of the same length. A training step allocates megabytes
// of results (a LeNet step 8.6 MB, half of it gradients the pass consumes); each fresh one is an
// ArrayBuffer whose external memory V8 counts, and that count, not the JS heap, triggered most
// collections of a training loop (an MNIST MLP epoch: 21 full collections, 2 without fresh arrays).

/**
 * What the pool may hold at once: a training step's working set of the models it serves, which
 * the next step needs again. At 32 MB AlexNet's fully connected weight gradients (105 and 67 MB
 * at any batch) came fresh every step and faulted their pages in: their products took 45 and 29
 * ms of CPU instead of 18 and 12 (batch 16, 1 thread).
 */
const CAPACITY_BYTES = 1024 << 20;
/** Arrays held of one length (bounds the duplicate scan in give). */
const PER_LENGTH = 256;

export class ResultPool<A extends Float32Array | Float64Array> {
  private readonly free = new Map<number, A[]>();
  private bytes = 0;
  /** Off: every take is a fresh array, give keeps nothing. */
  enabled = true;
  /** For tests: fill what is given with NaN, so a kernel that reads its output before writing it shows. */
  poison = false;

  constructor(private readonly fresh: (n: number) => A) {}

  /** An array of n elements whose contents the caller overwrites entirely. */
  take(n: number): A {
    const list = this.free.get(n);
    if (list !== undefined && list.length > 0) {
      const a = list.pop()!;
      this.bytes -= a.byteLength;
      return a;
    }
    return this.fresh(n);
  }

  /** a's memory for a later take; only an array that is its whole ArrayBuffer (a view would keep others alive). */
  give(a: A): void {
    if (!this.enabled || a.length === 0 || a.byteOffset !== 0 || !(a.buffer instanceof ArrayBuffer) || a.byteLength !== a.buffer.byteLength) return;
    if (this.bytes + a.byteLength > CAPACITY_BYTES) return;
    let list = this.free.get(a.length);
    // An array given twice (one gradient reached discard twice) is held once. A scan of the few
    // arrays of one length: a Set of typed arrays cost 10-15% of an MLP step in its hash lookups.
    if (list !== undefined && (list.length >= PER_LENGTH || list.includes(a))) return;
    if (this.poison) a.fill(NaN);
    if (list === undefined) this.free.set(a.length, (list = []));
    list.push(a);
    this.bytes += a.byteLength;
  }

  /** Drop everything held (tests switch the pool off and on between cases). */
  clear(): void {
    this.free.clear();
    this.bytes = 0;
  }

  /** Bytes held now. */
  get heldBytes(): number {
    return this.bytes;
  }
}
