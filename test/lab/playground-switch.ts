// The run that switches device mid-training (cpu -> webgpu -> cpu), shared by the in-process trainer
// test (test/lab/playground.test.ts) and the page test (test/browser/playground.test.ts): its
// settings and how far it may drift from a run that stayed on the cpu.

/**
 * xor, 2-4-2-1 tanh with dropout (drawn every step), L2, a step schedule, 20 training points in
 * batches of 10 (two steps an epoch), from seed 7. Add `&optimizer=...`.
 */
export const SWITCH_SETTINGS =
  'dataset=xor&networkShape=4,2&activation=tanh&numSamples=40&batchSize=10&seed=7&learningRate=0.03&dropout=0.1&regularization=L2&regularizationRate=0.001&lrSchedule=step&lrStep=3&lrGamma=0.5';

/** Steps the switched run takes on webgpu: epochs 3 and 4, two steps each. */
export const SWITCH_GPU_STEPS = 4;

/**
 * How far the switched run may be from the one that stayed on the cpu, as a fraction of
 * max(1, |value|) (losses, weights, biases, heatmap points), from float32 rounding alone (u = 2^-24).
 * Neither device promises the other's rounding: WGSL sums matmuls and batch reductions in its own
 * order, and its exp and tanh are within a few ULP. A value computed on the GPU (a loss, a heatmap
 * point) passes ~50 roundings, each up to 2u off the CPU's: <= 100u. A step's own ~100u in the
 * update reaches a weight scaled by |update| / |w| (< 0.1 at lr 0.03), plus 2u for the add: <= 12u a
 * step, <= 48u after the 4 GPU steps, which later steps do not amplify (the test checks it: a
 * relative nudge of every weight at the switch changes no value at epoch 6 by more; measured 0.52x
 * for momentum, 0.63x for adam). 100u + 48u, with 3x to spare for a real GPU's exp/tanh: 512u = 2^-15. What this must catch,
 * a lost optimizer state or a shifted random stream, moves the curve by > 1e-3.
 */
export const SWITCH_TOLERANCE = 512 * 2 ** -24;
