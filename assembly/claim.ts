// The shared chunk counter of a job: each thread takes the next index until none are left.

/** Atomically take the next index from the i32 counter (plain increment where memory is not shared). */
// @ts-ignore: decorator
@inline export function claim(counter: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(counter, 1);
  const c = load<i32>(counter);
  store<i32>(counter, c + 1);
  return c;
}
