// Entry of the dlab wasm kernels, built by scripts/build-wasm.mjs into src/backend/wasm/binary.ts.
// Everything works on raw addresses in the imported memory; the JS side (src/backend/wasm/)
// owns the layout and the threads.
export { threadScratchBytes } from './conv-geometry';
export { runJob } from './job';
export { binaryF32, reluF32, axpyF32 } from './elementwise';
export { im2colF32, col2imF32 } from './im2col';
export { maxPool2dF32, maxPool2dBackwardF32, thresholdBackwardF32 } from './pool';
export { directConvFits } from './direct-conv';
